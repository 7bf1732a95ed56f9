"""Ranked screening in the TUI: the worker process retrains while keys keep moving."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from corpus.importer import import_file
from review.core.project import Project, init_project
from review.tui import make_app
from review.tui.screens.screening import ScreeningScreen
from review.tui.widgets.relevance import RelevancePanel, level, why_text
from review.tui.workers.ranking import RankingError, RankingWorker
from screening.ranking import Neighbour, Why
from tests.ranking_support import PROTOCOL, STUDIES, ris
from tests.tui_support import drive, settle


def make(tmp_path: Path) -> Project:
    project = init_project(tmp_path / "rev")
    project.protocol_path.write_text(PROTOCOL.format(required=1, blind="true"), "utf-8")
    (tmp_path / "s.ris").write_text(ris(STUDIES), "utf-8")
    db = project.open_db()
    import_file(db, tmp_path / "s.ris", database="PubMed")
    db.close()
    return project


def test_ranked_screening_shows_relevance_and_logs_the_rank(tmp_path: Path) -> None:
    project = make(tmp_path)
    app = make_app(project, "ana", start="screening")
    seen: list[str] = []

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        panel = screen.query_one(RelevancePanel)
        assert panel.retrains >= 1  # the cold start ranked the studies in the worker
        for key in "iemi":
            before = screen.card.group_id if screen.card else None
            await pilot.press(key)
            # The next study is on screen at once, whatever the worker is doing.
            assert screen.card is not None and screen.card.group_id != before
            await settle(pilot)
            await pilot.pause(0.4)  # the why is asked for once a study stays on screen
            await settle(pilot)
            seen.append(str(panel.content))
        assert panel.retrains >= 3

    drive(app, script)
    shown = re.compile(r"Relevance: high \(rank \d of 1\d; (cold-start|svm)@\d+\)")
    assert any(shown.search(text) for text in seen), seen
    assert any("Why:" in text for text in seen), seen
    db = project.open_db()
    rows = db.execute(
        "SELECT model_version, rank_shown, score_shown FROM decisions ORDER BY id"
    ).fetchall()
    versions = [v for (v,) in db.execute("SELECT DISTINCT reviewer FROM rankings")]
    db.close()
    assert len(rows) == 4 and versions == ["ana"]
    ranked = [r for r in rows if r[0] is not None]
    assert len(ranked) >= 3  # the first study may have come before the first ranking
    assert all(r[1] >= 1 and r[2] is not None for r in ranked)
    assert ranked[0][0].startswith("cold-start@")


def test_relevance_words() -> None:
    assert [level(1, 1000), level(100, 1000), level(900, 1000)] == ["high", "medium", "low"]
    why = Why(3, (Neighbour(1, "Online grooming " * 10, 0.8),), ("grooming", "chat"), "model")
    text = why_text(why, blind=True)
    assert text.startswith("Why: terms: grooming, chat · like your includes “Online grooming")
    assert text.endswith("…”")
    assert why_text(Why(3), blind=False) == ""


def test_quitting_mid_retrain_does_not_wait_for_it(tmp_path: Path) -> None:
    project = make(tmp_path)
    app = make_app(project, "ana", start="screening")

    async def main() -> float:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("i", "e")  # the worker process is still starting up
            start = time.perf_counter()
        return time.perf_counter() - start

    assert asyncio.run(main()) < 5


def test_worker_errors_are_reported_not_raised_on_the_screen(tmp_path: Path) -> None:
    project = make(tmp_path)
    worker = RankingWorker(project.root, "ana", mode="thread")
    ranked = worker.retrain("title_abstract")
    assert ranked is not None and ranked.model == "cold-start"
    explained = worker.explain("title_abstract", ranked.top[0][0], ranked.model_version)
    assert explained is not None and explained.size == len(STUDIES)
    with pytest.raises(RankingError, match="ScreeningError"):
        worker.retrain("abstracts")
    worker.close()
    with pytest.raises(RankingError, match="closed"):
        worker.retrain("title_abstract")
