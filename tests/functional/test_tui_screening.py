"""The screening screens driven by keys on a real review, checked in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TextArea

from corpus import db as corpus_db
from corpus.fulltext import attach
from corpus.importer import import_file
from review.core.project import Project, init_project
from review.tui import ReviewApp, make_app
from review.tui.screens.conflicts import ConflictsScreen
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.screening import ScreeningScreen
from review.tui.widgets.modals import Notice, ReasonPicker
from screening import blind, decide
from tests.pdfs import text_pdf
from tests.tui_support import SIZE, current, drive, make_project, ris, settle


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Five studies, two reviewers per record, blind, with exclusion reasons."""
    return make_project(tmp_path)


def screen_text(app: ReviewApp) -> str:
    """Return every Static's text on the screen on top (what a reviewer can read)."""
    parts = [str(w.content) for w in app.screen.query(Static)]
    parts += [t.get_row_at(i)[2] for t in app.screen.query(DataTable) for i in range(t.row_count)]
    return "\n".join(str(p) for p in parts)


def test_keys_write_decisions_reasons_notes_and_undo(project: Project) -> None:
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        first = screen.card.group_id if screen.card else 0
        await pilot.press("i")
        await settle(pilot)
        second = screen.card.group_id if screen.card else 0
        assert second != first
        await pilot.press("2")  # excludes with the second reason, in one key
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"check methods", "enter")
        await pilot.pause()
        assert "check methods" in str(screen.query_one("#own", Static).content)
        await pilot.press("m")  # the note goes with this decision
        await settle(pilot)
        fourth = screen.card.group_id if screen.card else 0
        await pilot.press("i", "u")  # taken back: the same study shows again
        await settle(pilot)
        assert screen.card is not None and screen.card.group_id == fourth
        await pilot.press("i")
        await settle(pilot)

    drive(app, script)
    rows = {e.group_id: e for e in current(project)}
    assert len(rows) == 4
    labels = sorted((e.label, e.reason, e.note) for e in rows.values())
    assert labels == [
        ("exclude", "Adults only", None),
        ("include", None, None),
        ("include", None, None),
        ("maybe", None, "check methods"),
    ]
    assert {e.stage for e in rows.values()} == {"title_abstract"}
    db = project.open_db()
    history = [
        e.label for e in blind.events(db, blind.viewer(db, "lead", blind=False), history=True)
    ]
    db.close()
    assert history == ["include", "exclude", "maybe", "include", "undo", "include"]


def test_reason_key_amends_an_exclusion_and_escape_cancels(project: Project) -> None:
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        await pilot.press("escape")  # no reason picked: nothing written
        await settle(pilot)
        assert current(project) == []
        await pilot.press("r", "1")  # r on an undecided study excludes with a reason
        await settle(pilot)
        await pilot.press("u")  # back to it: the exclusion shows, r changes its reason
        await settle(pilot)
        await pilot.press("r", "3")
        await settle(pilot)

    drive(app, script)
    rows = current(project)
    assert [(e.label, e.reason) for e in rows] == [("exclude", "No empirical data")]


def test_blind_reviewer_sees_nothing_of_the_other(project: Project) -> None:
    a = make_app(project, "ana", start="screening")

    async def ana(pilot: Pilot[Any]) -> None:
        for key in "iiiii":
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"ANA-SECRET", "enter")

    drive(a, ana)
    b = make_app(project, "ben")
    seen: list[str] = []

    async def ben(pilot: Pilot[Any]) -> None:
        assert isinstance(b.screen, HomeScreen)
        seen.append(screen_text(b))
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(b.screen, ConflictsScreen)
        seen.append(screen_text(b))
        await pilot.press("escape", "s")
        await settle(pilot)
        screen = b.screen
        assert isinstance(screen, ScreeningScreen)
        seen.append(screen_text(b))
        await pilot.press("1")
        await settle(pilot)
        seen.append(screen_text(b))
        await pilot.press("u")
        await settle(pilot)
        seen.append(screen_text(b))
        await pilot.press("o")
        await settle(pilot)
        seen.append(screen_text(b))

    drive(b, ben)
    text = "\n".join(seen)
    assert "ana" not in text and "ANA-SECRET" not in text
    # The PRISMA block's box titles name inclusion; its counts must stay hidden.
    for title in ("Studies included in review", "Reports of included studies"):
        text = text.replace(title, "")
    assert "include" not in text.replace("Include", "")
    assert "blind" in text
    assert "hidden (blind screening)" in text


def test_conflict_is_listed_for_the_lead_and_resolved(project: Project) -> None:
    db = project.open_db()
    decide.add_reviewer(db, "lead", "lead")
    ana = blind.viewer(db, "ana", blind=True, required=2)
    ben = blind.viewer(db, "ben", blind=True, required=2)
    group = int(db.execute("SELECT MIN(group_id) FROM records").fetchone()[0])
    decide.decide(db, ana, group, "title_abstract", "include")
    decide.decide(db, ben, group, "title_abstract", "exclude")
    db.close()
    app = make_app(project, "lead")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("c")
        await settle(pilot)
        text = screen_text(app)
        assert "ana: include" in text and "ben: exclude" in text
        await pilot.press("i")
        await settle(pilot)
        assert "No unresolved conflicts" in screen_text(app)

    drive(app, script)
    db = project.open_db()
    lead = blind.viewer(db, "lead", blind=True, required=2)
    from screening.stages import outcome

    found = outcome(db, lead, group, "title_abstract")
    db.close()
    assert found is not None and found.outcome == "resolved_include"


def test_full_text_shows_the_report_and_marks_not_retrieved(tmp_path: Path) -> None:
    project = make_project(tmp_path, blind_mode=False, required=1)
    db = project.open_db()
    who = blind.viewer(db, "ana", blind=False, required=1)
    groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id LIMIT 2")]
    for g in groups:
        decide.decide(db, who, g, "title_abstract", "include")
    record = int(db.execute("SELECT id FROM records WHERE group_id = ?", [groups[0]]).fetchone()[0])
    pdf = text_pdf(tmp_path / "report.pdf", ["Methods: interviews with 40 adolescents", "Results"])
    attach(db, project.root, record, pdf, "ana")
    db.close()
    app = make_app(project, "ana", start="screening", stage="full_text")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        seen = []
        for _ in range(2):
            assert screen.card is not None
            seen.append(screen.card.group_id)
            area = screen.query_one("#fulltext", TextArea)
            if screen.card.group_id == groups[0]:
                assert "interviews with 40 adolescents" in area.text
                await pilot.press("slash")
                await pilot.pause()
                await pilot.press(*"adolescents", "enter")
                await pilot.pause()
                assert area.selected_text == "adolescents"
                await pilot.press("i")
            else:
                assert "review attach" in area.text
                await pilot.press("x")
            await settle(pilot)
        assert sorted(seen) == sorted(groups)
        assert screen.card is None

    drive(app, script)
    db = project.open_db()
    assert decide.report_flag(db, groups[1]) == "not_retrieved"
    assert [(e.group_id, e.label) for e in current(project, stage="full_text")] == [
        (groups[0], "include")
    ]
    db.close()


def test_csea_notice_break_and_summary(tmp_path: Path) -> None:
    project = init_project(tmp_path / "csea", "csea", "CSEA review")
    (tmp_path / "s.ris").write_text(ris(3), "utf-8")
    db = project.open_db()
    import_file(db, tmp_path / "s.ris", database="PubMed")
    db.close()
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, Notice)
        assert "distressing" in str(app.screen.query_one("#notice-text", Static).content)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, Notice)
        assert "Records screened this session: 1" in str(
            app.screen.query_one("#notice-text", Static).content
        )
        await pilot.press("enter")
        await settle(pilot)
        assert not app.is_running

    drive(app, script)
    assert len(current(project)) == 1


def test_search_opens_a_study(project: Project) -> None:
    app = make_app(project, "ana")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"sextortion", "enter")
        await settle(pilot)
        assert "1 studies" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Sextortion of minors" in text and "PubMed" in text

    drive(app, script)


def test_dashboard_counts_for_an_open_review(tmp_path: Path) -> None:
    project = make_project(tmp_path, blind_mode=False, required=1)
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        for key in "i1m":
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        text = str(app.screen.query_one("#screening", Static).content)
        assert "3/5 screened" in text and "included 1" in text and "excluded 1" in text

    drive(app, script)


def test_snapshot_dashboard(project: Project, snap_compare: Any) -> None:
    assert snap_compare(make_app(project, "ana"), terminal_size=SIZE, run_before=settle)


def test_snapshot_screening(project: Project, snap_compare: Any) -> None:
    app = make_app(project, "ana", start="screening")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_conflicts(project: Project, snap_compare: Any) -> None:
    db = project.open_db()
    decide.add_reviewer(db, "lead", "lead")
    for name, label in (("ana", "include"), ("ben", "exclude")):
        who = blind.viewer(db, name, blind=True, required=2)
        decide.decide(db, who, 1, "title_abstract", label)
    db.close()
    app = make_app(project, "lead")

    async def open_conflicts(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_conflicts)


def test_corpus_untouched_by_screening(project: Project) -> None:
    """Screening writes decisions only: the records stay as imported."""
    db = project.open_db()
    before = corpus_db.counts(db)
    db.close()
    drive(make_app(project, "ana", start="screening"), lambda p: p.press("i"))
    db = project.open_db()
    assert corpus_db.counts(db) == before
    db.close()
