"""The extraction screen driven by keys on a real review, checked in the database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from corpus.fulltext import attach
from protocols.form import build_form
from review.core.context import open_context
from review.core.project import Project
from review.extraction.state import Key, study_state
from review.extraction.write import mark_complete, set_values
from review.tui import ReviewApp, make_app
from review.tui.screens.conflicts import ConflictsScreen, FieldConflictTable
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.extraction import ExtractionScreen
from review.tui.widgets.fulltext import Report, ReportArea, clean_quote
from tests.extraction_support import included_review
from tests.pdfs import text_pdf
from tests.tui_extraction_support import SMALL, WIDE, drive, settle

SECRET = "Atlantis-ana-secret"
#: Every required field of the generic template but the study design (pressed on screen).
REQUIRED: list[tuple[Key, Any]] = [
    (("mmat_domain", 0, ""), "Qualitative"),
    (("mmat_s1", 0, ""), "Yes"),
    (("mmat_s2", 0, ""), "Yes"),
    *[((f"mmat_1_{i}", 0, ""), "Yes") for i in range(1, 6)],
]


def review(tmp_path: Path, mode: str = "single", pdf: bool = False) -> tuple[Project, list[int]]:
    """A real review, three studies included by ``lead``; a PDF on the first when asked."""
    folder, groups = included_review(tmp_path, mode=mode, include=3)
    path = folder / "protocol.toml"
    text = path.read_text("utf-8").replace("include = []", 'include = ["adolescen*"]', 1)
    path.write_text(text, "utf-8")
    project = Project(folder)
    if pdf:
        lines = ["Methods: interviews with 40 adolescents in Norway", "Results: themes"]
        report = text_pdf(tmp_path / "report.pdf", lines)
        db = project.open_db()
        record = next(db["records"].rows_where("group_id = ?", [groups[0]], limit=1))["id"]
        attach(db, project.root, int(record), report, "lead")
        db.close()
    return project, groups


def value(project: Project, who: str, group: int, name: str) -> Any:
    """Return a reviewer's current value of a field, read as a lead sees the study."""
    ctx = open_context(project, who)
    try:
        state = study_state(ctx.db, build_form(ctx.protocol), group, "", is_lead=True)
        copy = state.copies.get(who)
        return None if copy is None else copy.value((name, 0, ""))
    finally:
        ctx.db.close()


def cell_of(project: Project, who: str, group: int, name: str) -> Any:
    ctx = open_context(project, who)
    try:
        state = study_state(ctx.db, build_form(ctx.protocol), group, "", is_lead=True)
        return state.copies[who].cells[(name, 0, "")]
    finally:
        ctx.db.close()


def fill(project: Project, who: str, group: int, items: list[tuple[Key, Any]]) -> None:
    ctx = open_context(project, who)
    try:
        set_values(ctx.db, ctx.protocol, build_form(ctx.protocol), ctx.viewer, group, items)
    finally:
        ctx.db.close()


def screen_of(app: ReviewApp) -> ExtractionScreen:
    screen = app.screen
    assert isinstance(screen, ExtractionScreen)
    return screen


async def focus(pilot: Pilot[Any], name: str) -> None:
    cell = screen_of(pilot.app).cells[(name, 0, "")]  # type: ignore[arg-type]
    cell.editor.focus()
    await pilot.pause()


def status(app: ReviewApp) -> str:
    return str(screen_of(app).query_one("#status-line", Static).content)


def notes(app: ReviewApp) -> str:
    return "\n".join(n.message for n in app._notifications)


# --- the pure parts --------------------------------------------------------------------


def test_pages_and_quotes_of_a_selection() -> None:
    report = Report.of("first page\fsecond page\fthird\f")
    assert report.text.count("── p.") == 3
    assert report.page_at(report.text.index("second")) == 2
    assert report.page_at(report.text.index("third") + 2) == 3
    assert report.page_at(0) == 1
    assert clean_quote("a  b\n── p. 2 ──\n c") == "a b c"
    assert len(clean_quote("word " * 200)) <= 300


# --- keys write values -------------------------------------------------------------------


def test_a_digit_chooses_and_typing_then_tab_saves(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        assert screen.study is not None and screen.study.group_id == groups[0]
        assert screen.current == ("study_design", 0, "")  # the first field has the focus
        await pilot.press("3")
        await settle(pilot)
        assert value(project, "lead", groups[0], "study_design") == "Cohort study"
        await pilot.press("tab", *"Norway", "tab")
        await settle(pilot)
        assert value(project, "lead", groups[0], "country") == "Norway"
        await pilot.press("shift+tab", "shift+tab", "backspace")  # back to the design: clear
        await settle(pilot)
        assert value(project, "lead", groups[0], "study_design") is None

    drive(app, script)


def test_boolean_keys_and_an_invalid_integer(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        await focus(pilot, "funding_declared")
        await pilot.press("2")
        await settle(pilot)
        assert value(project, "lead", groups[0], "funding_declared") is False
        await focus(pilot, "sample_size")
        await pilot.press(*"forty", "enter")
        await settle(pilot)
        assert "Participants randomised or enrolled" in status(app)
        assert "Participants randomised or enrolled" in notes(app)
        assert value(project, "lead", groups[0], "sample_size") is None
        await pilot.press("ctrl+a", "ctrl+k", *"40", "tab")
        await settle(pilot)
        assert value(project, "lead", groups[0], "sample_size") == 40

    drive(app, script)


def test_ctrl_f_finds_and_ctrl_s_takes_the_selection_as_source(tmp_path: Path) -> None:
    project, groups = review(tmp_path, pdf=True)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        area = screen.query_one("#fulltext", ReportArea)
        assert "interviews with 40 adolescents" in area.text
        assert area.term_lines()  # "adolescen*" is highlighted
        await focus(pilot, "population")
        await pilot.press(*"Adolescents", "enter")  # saved; the field keeps the focus
        await pilot.press("ctrl+f", *"40 adolescents", "enter")
        await pilot.pause()
        assert area.selected_text == "40 adolescents"
        await pilot.press("ctrl+s")
        await settle(pilot)
        cell = cell_of(project, "lead", groups[0], "population")
        assert (cell.value, cell.page, cell.quote) == ("Adolescents", 1, "40 adolescents")
        shown = screen.cells[("population", 0, "")].query_one(".source", Static)
        assert str(shown.content) == 'source: p. 1 "40 adolescents"'
        await pilot.press("escape")  # closes the find line, stays
        await focus(pilot, "country")
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press(*"3: in Norway", "enter")
        await settle(pilot)
        cell = cell_of(project, "lead", groups[0], "country")
        assert (cell.value, cell.page, cell.quote) == (None, 3, "in Norway")

    drive(app, script)


def test_ctrl_d_refuses_naming_the_missing_field_then_completes(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    fill(project, "lead", groups[0], REQUIRED)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert "required fields missing: Study design" in notes(app)
        assert screen.study is not None and screen.study.state.status == "in_progress"
        await focus(pilot, "study_design")
        await pilot.press("1", "ctrl+d")
        await settle(pilot)
        assert "marked complete" in status(app)
        assert screen.study.state.status == "complete"
        await pilot.press("f8")
        await settle(pilot)
        assert screen.study.group_id == groups[1]

    drive(app, script)
    ctx = open_context(project, "lead")
    state = study_state(ctx.db, build_form(ctx.protocol), groups[0], "lead", is_lead=True)
    assert state.status == "complete"
    ctx.db.close()
    # Opened again, the screen starts at the first study the reviewer has not finished.
    again = make_app(project, "lead", start="extraction")

    async def check(pilot: Pilot[Any]) -> None:
        assert screen_of(again).study is not None
        assert screen_of(again).study.group_id == groups[1]  # type: ignore[union-attr]

    drive(again, check)


def test_leaving_with_typed_text_still_saves_it(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        await focus(pilot, "country")
        await pilot.press(*"Chile")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

    drive(app, script)
    assert value(project, "lead", groups[0], "country") == "Chile"

    app = make_app(project, "lead", start="extraction")

    async def quit_typing(pilot: Pilot[Any]) -> None:
        await focus(pilot, "population")
        await pilot.press(*"Teens", "ctrl+q")  # the app's own quit, not the screen's

    drive(app, quit_typing)
    assert value(project, "lead", groups[0], "population") == "Teens"


def test_small_terminal_stacks_text_and_form_with_ctrl_t(tmp_path: Path) -> None:
    project, _ = review(tmp_path, pdf=True)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        text, form = screen.query_one("#text-pane"), screen.query_one("#form-pane")
        assert screen.has_class("narrow")
        assert form.display and not text.display
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert text.display and not form.display
        assert app.focused is screen.query_one("#fulltext")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert form.display and not text.display
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert not screen.has_class("narrow") and form.display and text.display

    drive(app, script, size=SMALL)


def test_blind_dual_never_shows_the_other_extractors_values(tmp_path: Path) -> None:
    project, groups = review(tmp_path, mode="dual")
    fill(project, "ana", groups[0], [(("country", 0, ""), SECRET), (("study_design", 0, ""), "2")])
    app = make_app(project, "ben", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        assert screen.study is not None and screen.study.group_id == groups[0]
        seen = [str(w.content) for w in screen.query(Static)]
        seen += [w.value for w in screen.query(Input)]
        seen += [screen.query_one("#fulltext", ReportArea).text]
        assert not any(SECRET in s for s in seen)
        design = screen.cells[("study_design", 0, "")].editor
        assert "(•)" not in str(design.render())  # ana's choice is not marked
        assert SECRET not in app.export_screenshot()
        await pilot.press("3")
        await settle(pilot)
        assert value(project, "ben", groups[0], "study_design") == "Cohort study"
        assert value(project, "ana", groups[0], "study_design") == "Non-randomised controlled study"

    drive(app, script)


def test_dashboard_opens_it_with_x_and_shows_the_block(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    fill(project, "lead", groups[0], [(("country", 0, ""), "Peru")])
    app = make_app(project, "lead")

    async def script(pilot: Pilot[Any]) -> None:
        block = str(app.screen.query_one("#extraction", Static).content)
        assert re.search(r"to extract\s+2", block) and re.search(r"In progress\s+1", block)
        assert "lead" in block
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ExtractionScreen)

    drive(app, script)


# --- snapshots ---------------------------------------------------------------------------


def test_snapshot_extraction_small(tmp_path: Path, snap_compare: Any) -> None:
    project, _ = review(tmp_path, pdf=True)
    app = make_app(project, "lead", start="extraction")
    assert snap_compare(app, terminal_size=SMALL, run_before=settle)


def test_snapshot_extraction_wide(tmp_path: Path, snap_compare: Any) -> None:
    project, groups = review(tmp_path, pdf=True)
    fill(project, "lead", groups[0], [(("country", 0, ""), "Norway")])
    app = make_app(project, "lead", start="extraction")
    assert snap_compare(app, terminal_size=WIDE, run_before=settle)


# --- extraction conflicts on the conflicts screen ------------------------------------------


def test_conflicts_screen_resolves_field_conflicts_by_a_b_and_typing(tmp_path: Path) -> None:
    project, groups = review(tmp_path, mode="dual")
    both = [*REQUIRED, (("study_design", 0, ""), "1")]
    for who, country, size in (("ana", "Norway", "40"), ("ben", "Sweden", "41")):
        fill(project, who, groups[0], [*both, (("country", 0, ""), country),
                                       (("sample_size", 0, ""), size)])  # fmt: skip
        ctx = open_context(project, who)
        mark_complete(ctx.db, ctx.protocol, build_form(ctx.protocol), ctx.viewer, groups[0])
        ctx.db.close()
    app = make_app(project, "lead", start="conflicts")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        table = screen.query_one(FieldConflictTable)
        assert table.display and table.row_count == 2
        cells = " ".join(str(c) for i in range(2) for c in table.get_row_at(i))
        assert "ana: Norway" in cells and "ben: Sweden" in cells
        table.focus()
        await pilot.press("b")  # country (first row): ben's value
        await settle(pilot)
        assert table.row_count == 1
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"42", "enter")
        await settle(pilot)
        assert not table.display

    drive(app, script)
    ctx = open_context(project, "lead")
    state = study_state(ctx.db, build_form(ctx.protocol), groups[0], "lead", is_lead=True)
    ctx.db.close()
    assert state.consensus[("country", 0, "")] == "Sweden"
    assert state.consensus[("sample_size", 0, "")] == 42
    assert state.status == "complete"


def test_verify_mode_edits_the_prefilled_consensus_copy(tmp_path: Path) -> None:
    project, groups = review(tmp_path, mode="verify")
    fill(project, "ana", groups[0], [*REQUIRED, (("study_design", 0, ""), "3")])
    ctx = open_context(project, "ana")
    mark_complete(ctx.db, ctx.protocol, build_form(ctx.protocol), ctx.viewer, groups[0])
    ctx.db.close()
    app = make_app(project, "ben", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        assert screen.study is not None and screen.study.group_id == groups[0]
        assert screen.study.copy == ""  # the consensus record, pre-filled by ana
        design = screen.cells[("study_design", 0, "")].editor
        assert "(•) Cohort study" in str(design.render())
        await focus(pilot, "study_design")
        await pilot.press("5")
        await settle(pilot)

    drive(app, script)
    ctx = open_context(project, "ben")
    state = study_state(ctx.db, build_form(ctx.protocol), groups[0], "", is_lead=True)
    ctx.db.close()
    assert state.copies[""].value(("study_design", 0, "")) == "Cross-sectional study"
    assert state.copies["ana"].value(("study_design", 0, "")) == "Cohort study"


def test_ctrl_r_adds_a_row_to_the_repeating_group(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        first = screen._cell(("outcome_results", 1, "outcome"))
        assert first is not None
        first.editor.focus()
        await pilot.press(*"Anxiety", "ctrl+r")
        await pilot.pause()
        assert screen.current == ("outcome_results", 2, "outcome")
        await pilot.press(*"Depression", "tab")
        await settle(pilot)

    drive(app, script)
    ctx = open_context(project, "lead")
    state = study_state(ctx.db, build_form(ctx.protocol), groups[0], "", is_lead=True)
    ctx.db.close()
    lead = state.copies["lead"]
    assert lead.value(("outcome_results", 1, "outcome")) == "Anxiety"
    assert lead.value(("outcome_results", 2, "outcome")) == "Depression"


def test_ctrl_o_comments_on_the_current_value(tmp_path: Path) -> None:
    project, groups = review(tmp_path)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"cluster randomised", "enter")
        await settle(pilot)
        cell = screen_of(app).cells[("study_design", 0, "")]
        assert "comment: cluster randomised" in str(cell.query_one(".source", Static).content)

    drive(app, script)
    saved = cell_of(project, "lead", groups[0], "study_design")
    assert (saved.value, saved.comment) == ("Randomised controlled trial", "cluster randomised")


def test_checklist_items_follow_the_category_and_ctrl_n_finds_the_empty_ones(
    tmp_path: Path,
) -> None:
    project, groups = review(tmp_path)
    app = make_app(project, "lead", start="extraction")

    async def script(pilot: Pilot[Any]) -> None:
        screen = screen_of(app)
        shown = [k[0] for k, c in screen.cells.items() if c.display and k[0].startswith("mmat")]
        assert shown == ["mmat_domain", "mmat_s1", "mmat_s2"]  # no category chosen yet
        await pilot.press("1")  # the study design, so the next empty one is the category
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.current == ("mmat_domain", 0, "")
        await pilot.press("4")  # Quantitative descriptive
        await settle(pilot)
        shown = [k[0] for k, c in screen.cells.items() if c.display and k[0].startswith("mmat_")]
        assert shown == ["mmat_domain", "mmat_s1", "mmat_s2", *[f"mmat_4_{i}" for i in range(1, 6)]]
        for _ in range(7):
            await pilot.press("ctrl+n", "1")
            await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "Every required field has a value" in status(app)

    drive(app, script)
    assert value(project, "lead", groups[0], "mmat_4_5") == "Yes"
    assert value(project, "lead", groups[0], "mmat_1_1") is None
