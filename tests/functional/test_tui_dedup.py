"""The Textual app and its duplicate review queue, driven by keys on a real review."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from corpus import db as corpus_db
from corpus.dedup import run as dedup_run
from corpus.importer import import_file
from review.core.project import Project, init_project
from review.tui import ReviewApp, make_app
from review.tui.app import HomeScreen
from review.tui.screens.dedup import DedupScreen, differs, word_diff
from tests.tui_support import settle

SIZE = (80, 24)

PUBMED = """TY  - JOUR
ID  - pm1
TI  - Online grooming of children: a systematic review of risk factors
AU  - Whittle, Helen
AU  - Hamilton-Giachritsis, Catherine
AU  - Beech, Anthony
PY  - 2013
JO  - Aggression and Violent Behavior
VL  - 18
IS  - 1
SP  - 62
EP  - 70
DO  - 10.1016/j.avb.2012.09.003
AB  - Online grooming is a process by which offenders prepare children for sexual abuse \
over the internet. This review summarises the risk factors reported in the literature.
ER  - 

TY  - JOUR
ID  - pm2
TI  - Sextortion of minors: characteristics and dynamics of cases
AU  - Wolak, Janis
AU  - Finkelhor, David
PY  - 2018
JO  - Journal of Adolescent Health
VL  - 62
IS  - 1
SP  - 72
EP  - 78
AB  - Young people who had experienced sextortion were surveyed about what happened.
ER  - 
"""

SCOPUS = """TY  - JOUR
ID  - sc1
TI  - Online grooming of children - systematic review of the risk factors
AU  - Whittle H
AU  - Hamilton-Giachritsis C
AU  - Beech A
PY  - 2013
JO  - Aggress Violent Behav
VL  - 18
SP  - 62-70
ER  - 

TY  - JOUR
ID  - sc2
TI  - Sextortion of minors: characteristics and dynamics
AU  - Wolak J
AU  - Finkelhor D
PY  - 2017
JO  - J Adolesc Health
VL  - 62
SP  - 72-8
AB  - Young people who experienced sextortion were surveyed about what happened to them.
ER  - 
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A review with a PubMed and a Scopus export: a sure and an uncertain pair queued."""
    proj = init_project(tmp_path / "rev", title="Online grooming review")
    (tmp_path / "pubmed.ris").write_text(PUBMED, "utf-8")
    (tmp_path / "scopus.ris").write_text(SCOPUS, "utf-8")
    db = proj.open_db()
    import_file(db, tmp_path / "pubmed.ris", database="PubMed")
    import_file(db, tmp_path / "scopus.ris", database="Scopus")
    dedup_run(db)  # without auto: every likely pair is queued for a person
    db.close()
    return proj


def groups(project: Project) -> dict[int, int]:
    """Return record id -> group id, read through a fresh connection."""
    db = project.open_db()
    try:
        return {r["id"]: r["group_id"] for r in corpus_db.dedup_rows(db)}
    finally:
        db.close()


def pair_status(project: Project, pair: tuple[int, int] = (1, 3)) -> str:
    db = project.open_db()
    try:
        return str(corpus_db.pairs(db, pair=pair)[0]["status"])
    finally:
        db.close()


def drive(app: ReviewApp, script: Callable[[Pilot[Any]], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(main())


def text_of(app: ReviewApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def test_queue_has_the_near_duplicates(project: Project) -> None:
    db = project.open_db()
    queued = corpus_db.pairs(db, "queued")
    db.close()
    assert [(p["record_a"], p["record_b"], p["verdict"]) for p in queued] == [
        (1, 3, "duplicate"),
        (2, 4, "uncertain"),
    ]


def test_duplicate_key_merges_and_undo_restores(project: Project) -> None:
    app = make_app(project, "ana")

    async def script(pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.data.queued == 2 and app.screen.data.merges == 0
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DedupScreen)
        assert "Pair 1 of 2" in text_of(app, "#pair-info")
        await pilot.press("y")
        await settle(pilot)
        after = groups(project)
        assert after[1] == after[3] != after[2]
        assert pair_status(project) == "merged"
        assert "Pair 2 of 2" in text_of(app, "#pair-info")
        await pilot.press("u")
        await settle(pilot)
        assert len(set(groups(project).values())) == 4
        assert pair_status(project) == "apart"
        # The undone pair comes back for a second look.
        assert "Pair 1 of 2" in text_of(app, "#pair-info")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.data.merges == 0

    drive(app, script)
    db = project.open_db()
    merges = corpus_db.merges(db)
    db.close()
    assert [(m["decided_by"], m["undone_by"]) for m in merges] == [("ana", "ana")]


def test_dashboard_numbers_follow_decisions(project: Project) -> None:
    app = make_app(project, "ana", start="duplicates")

    async def script(pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, DedupScreen)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.data.status.groups == 3
        assert app.screen.data.merges == 1
        assert app.screen.data.queued == 1
        panel = text_of(app, "#dedup")
        assert "Merges so far" in panel and "Studies (groups)" in panel
        assert "PubMed" in text_of(app, "#identified")

    drive(app, script)


def test_not_duplicate_and_skip_are_written_at_once(project: Project) -> None:
    app = make_app(project, "ben", start="duplicates")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("2")  # the same as n
        await settle(pilot)
        assert pair_status(project, (1, 3)) == "apart"
        await pilot.press("s")
        await settle(pilot)
        assert pair_status(project, (2, 4)) == "skipped"
        assert len(set(groups(project).values())) == 4
        assert "All 2 pairs" in text_of(app, "#queue-empty")
        await pilot.press("r")  # the skipped pair comes round again
        assert "Pair 1 of 1" in text_of(app, "#pair-info")
        assert "skipped before" in text_of(app, "#pair-info")

    drive(app, script)


def test_refused_decision_is_a_notification_not_a_crash(project: Project) -> None:
    """Undo with nothing merged in this session, then keep apart a merged pair."""
    app = make_app(project, "ana", start="duplicates")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("u")
        await settle(pilot)
        assert any("nothing" in n.message or "no merge" in n.message for n in app._notifications)
        db = project.open_db()
        corpus_db.pairs(db)  # the pair exists; merge it behind the screen's back
        from corpus.dedup import decide

        decide(db, 1, 3, True, "carl")
        db.close()
        await pilot.press("n")
        await settle(pilot)
        assert any("undo the merge" in n.message for n in app._notifications)
        assert app.is_running

    drive(app, script)


def test_empty_queue_says_how_to_fill_it(tmp_path: Path) -> None:
    app = make_app(init_project(tmp_path / "empty"), "ana", start="duplicates")

    async def script(pilot: Pilot[Any]) -> None:
        assert "review dedup" in text_of(app, "#queue-empty")
        await pilot.press("y")  # nothing to decide: a warning, not an error
        await pilot.press("escape")
        await settle(pilot)
        assert "review import" in text_of(app, "#next-step")

    drive(app, script)


def test_command_palette_opens_the_queue(project: Project) -> None:
    app = make_app(project, "ana")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"dupl")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DedupScreen)

    drive(app, script)


def test_mouse_help_and_quit(project: Project) -> None:
    app = make_app(project, "ana")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")
        await pilot.click("#open-duplicates")
        await settle(pilot)
        assert isinstance(app.screen, DedupScreen)
        await pilot.press("y", "q")  # quitting waits for the merge to be written
        await pilot.pause()
        assert not app.is_running
        assert pair_status(project) == "merged"

    drive(app, script)


def test_differences_are_found_beyond_formatting() -> None:
    assert not differs("authors", "Whittle, Helen; Beech, Anthony", "Whittle H; Beech A")
    assert differs("authors", "Whittle, Helen", "Wolak, Janis")
    assert not differs("journal", "Aggression and Violent Behavior", "Aggress Violent Behav")
    assert differs("journal", "Aggression and Violent Behavior", "Child Abuse Negl")
    assert not differs("vip", "vol 18, no 1, pp 62-70", "vol 18, pp 62-7")
    assert not differs("doi", "10.1/ABC", "10.1/abc")
    assert not differs("doi", "10.1/abc", "")  # missing is shown as missing, not as conflict
    left, right = word_diff("a systematic review of risk", "a review of the risk")
    assert [s for s in left.spans] and left.plain == "a systematic review of risk"
    marked = [right.plain[s.start : s.end] for s in right.spans]
    assert marked == ["the"]


def test_snapshot_dashboard(project: Project, snap_compare: Any) -> None:
    assert snap_compare(make_app(project, "ana"), terminal_size=SIZE, run_before=settle)


def test_snapshot_queue(project: Project, snap_compare: Any) -> None:
    app = make_app(project, "ana", start="duplicates")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
