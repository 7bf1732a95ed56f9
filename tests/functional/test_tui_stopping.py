"""The stopping rule in the TUI: the dashboard's recall line, the draw key, the card title."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Static

from review.tui import make_app
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.screening import ScreeningScreen
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
