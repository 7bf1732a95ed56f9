"""The stopping rule in the TUI: the dashboard's recall line, the draw key, the card title."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from review.tui import make_app
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.screening import ScreeningScreen
from review.tui.widgets import progress_line
from review.tui.widgets.modals import Notice
from screening import db as sdb
from tests.stopping_support import cli_review, decide_first
from tests.tui_support import settle

SIZE = (100, 40)


def test_dashboard_shows_stopping_and_k_draws_the_sample(tmp_path: Path) -> None:
    _, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    app = make_app(project, "ana")

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
            text = str(app.screen.query_one("#screening", Static).content)
            assert "stopping: ready for random check · estimated recall —" in text
            assert "Not yet: screen a random sample of" in text and "(press k)" in text
            await pilot.press("k")
            await settle(pilot)
            assert isinstance(app.screen, Notice)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
            text = str(app.screen.query_one("#screening", Static).content)
            assert "screen the rest of the random sample (0 of" in text
            await pilot.press("s")
            await settle(pilot)
            assert isinstance(app.screen, ScreeningScreen)
            size = (
                len(sample.groups)
                if (sample := sdb.stopping_sample(app.db, "title_abstract"))
                else 0
            )
            assert size > 0
            title = app.screen.query_one("#card-scroll").border_title
            assert title == f"Random check 1 of {size}"

    asyncio.run(main())


def test_blind_reviewer_sees_no_stopping_lines(tmp_path: Path) -> None:
    from tests.stopping_support import BLIND

    run, project = cli_review(tmp_path, BLIND)
    assert run("reviewer", "add", "lead", "--lead").exit_code == 0
    decide_first(project, "ana", 60, 6)
    seen: dict[str, str] = {}

    async def main(name: str) -> None:
        async with make_app(project, name).run_test(size=SIZE) as pilot:
            await settle(pilot)
            seen[name] = str(pilot.app.screen.query_one("#screening", Static).content)

    for name in ("ana", "lead"):
        asyncio.run(main(name))
    assert "stopping:" not in seen["ana"] and "outcomes hidden" in seen["ana"]
    assert "stopping: ready for random check" in seen["lead"]


def _sample_screened_but(project: Any, keep: int) -> int:
    """Draw the sample (seed 7) and exclude all but its last ``keep`` records; return its size."""
    from protocols.vocabulary import Stage
    from review.core.context import viewer_for
    from screening import queue, stopping
    from screening.decide import decide

    db = project.open_db()
    ana = viewer_for(project, db, "ana")
    ta = Stage.TITLE_ABSTRACT
    sample = stopping.draw_sample(db, ana, ta, seed="7")
    for _ in range(len(sample.groups) - keep):
        pick = queue.next_group(db, ana, ta)
        assert pick is not None and pick.order == "sample"
        decide(db, ana, pick.group_id, ta, "exclude")
    db.close()
    return len(sample.groups)


def _notices(app: Any) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Stopping justified"]


def test_screening_says_once_when_stopping_is_justified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_line, "COUNT_IDLE_S", 0.01)
    _, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    size = _sample_screened_but(project, 1)
    app = make_app(project, "ana")

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert isinstance(app.screen, ScreeningScreen)
            assert _notices(app) == []  # one sample record is still unscreened
            assert app.screen.query_one("#card-scroll").border_title == (
                f"Random check {size} of {size}"
            )
            for _ in range(3):  # the last sample record, then two ranked ones
                await pilot.press("e")
                await pilot.pause(0.05)
                await settle(pilot)
            (text,) = _notices(app)
            assert text.startswith("Stopping is justified at title/abstract: the random sample")
            assert f"of {size} unscreened records held no relevant record" in text
            assert "95% target with 95% confidence (p = " in text
            assert "You may stop screening this stage" in text
            assert "excluded by the stopping rule (PRISMA: automation tools)" in text
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("e")
            await pilot.pause(0.05)
            await settle(pilot)
            assert len(_notices(app)) == 1  # once per stage and app run

    asyncio.run(main())


def test_no_stopping_notice_while_the_sample_is_unscreened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_line, "COUNT_IDLE_S", 0.01)
    _, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    _sample_screened_but(project, 3)
    app = make_app(project, "ana")

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("e")
            await pilot.pause(0.05)
            await settle(pilot)
            assert _notices(app) == []

    asyncio.run(main())
