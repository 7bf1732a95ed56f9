"""Helpers for the TUI Pilot tests: a small review, a driver that waits for workers, reads."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DirectoryTree

from corpus.importer import import_file
from review.core.project import Project, init_project
from review.tui import ReviewApp
from screening import blind

SIZE = (80, 24)


PROTOCOL = """
[review]
title = "Grooming review"
question = "What helps children targeted by online grooming?"
template = "generic"

[criteria]
inclusion = ["Online grooming of children", "Reports empirical data"]
exclusion = ["No online element", "Adults only"]

[stages.title_abstract]
exclusion_reasons = ["No online element", "Adults only", "No empirical data"]

[stages.full_text]
exclusion_reasons = ["Wrong design", "No full text"]

[highlight]
include = ["groom*", "sextortion"]
exclude = ["adult*"]

[screening]
reviewers_per_record = {required}
blind = {blind}
conflict_resolution = "third_reviewer"
order = "random"
seed = 7
"""


TOPICS = [
    ("Online grooming of children: risk factors", "Grooming offenders approach children online."),
    ("Sextortion of minors", "Young people who experienced sextortion were surveyed."),
    ("Adult dating fraud", "A survey of adult users of dating sites."),
    ("Offline abuse in schools", "Records of abuse reported by schools, no online element."),
    ("Livestreamed abuse and platforms", "Platform reports of livestreamed abuse of children."),
]


def ris(n: int) -> str:
    entries = []
    for i in range(n):
        title, abstract = TOPICS[i % len(TOPICS)]
        entries.append(
            f"TY  - JOUR\nID  - r{i}\nTI  - {title} ({i})\nAU  - Author, A{i}\nPY  - 20{10 + i}\n"
            f"JO  - Child Abuse Negl\nKW  - online\nAB  - {abstract}\nER  - \n"
        )
    return "\n".join(entries)


def make_project(tmp_path: Path, *, blind_mode: bool = True, required: int = 2) -> Project:
    proj = init_project(tmp_path / "rev", title="Grooming review")
    text = PROTOCOL.format(required=required, blind=str(blind_mode).lower())
    proj.protocol_path.write_text(text, "utf-8")
    (tmp_path / "search.ris").write_text(ris(5), "utf-8")
    db = proj.open_db()
    import_file(db, tmp_path / "search.ris", database="PubMed")
    db.close()
    return proj


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until decisions are written and the screens have redrawn."""
    while True:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return


def drive(app: ReviewApp, script: Callable[[Pilot[Any]], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await script(pilot)
            await settle(pilot)

    asyncio.run(main())


def current(project: Project, reviewer: str = "ana", stage: str = "title_abstract") -> list[Any]:
    """Return the reviewer's current decisions, read as the reviewer."""
    db = project.open_db()
    try:
        who = blind.viewer(db, reviewer, blind=True, required=2)
        return [e for e in blind.events(db, who, stage=stage) if e.reviewer == reviewer]
    finally:
        db.close()


def rows(project: Project, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(project.root / "review.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def idle(pilot: Pilot[Any]) -> None:
    """Wait for every worker but a directory tree's loader (it waits for work forever)."""
    for _ in range(400):
        await pilot.pause(0.02)
        busy = [
            w for w in pilot.app.workers if w.is_running and not isinstance(w.node, DirectoryTree)
        ]
        if not busy:
            await pilot.pause()
            return
        await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
    raise AssertionError("workers still running")


def drive_until_idle(app: ReviewApp, script: Callable[[Pilot[Any]], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await idle(pilot)
            await script(pilot)
            await idle(pilot)

    asyncio.run(main())
