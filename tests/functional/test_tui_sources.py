"""The Sources screen and attaching full texts from the TUI, on a real review."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, DirectoryTree, Input, Static, TextArea

from corpus.fulltext import attach
from corpus.importer import import_file
from review.core.project import init_project
from review.session.sources import import_files, preview
from review.tui import make_app
from review.tui.screens.screening import ScreeningScreen
from review.tui.screens.sources import FilePicker, FolderPicker, SourcesScreen, ZoteroForm
from review.tui.widgets.modals import TextPrompt
from review.tui.widgets.progress_line import ProgressLine
from screening import blind, decide
from tests.attach_support import RECORDS, pdf
from tests.attach_support import ris as ris_of
from tests.pdfs import text_pdf
from tests.stopping_support import cli_review, decide_first, justify_stopping
from tests.tui_support import SIZE, idle, make_project, ris, rows
from tests.tui_support import drive_until_idle as drive
from tests.zotero_server import ZoteroServer

KEY = "SECRET-KEY-xyz"
LIB = "user:475425"


def table_rows(screen: Any) -> list[list[str]]:
    table = screen.query_one("#sources", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def pick(pilot: Pilot[Any], name: str) -> None:
    """Select the entry ``name`` at the top of the picker's directory tree."""
    tree = pilot.app.screen.query_one("#tree", DirectoryTree)
    for _ in range(200):
        nodes = [n for n in tree.root.children if n.data is not None and n.data.path.name == name]
        if nodes:
            break
        await pilot.pause(0.02)
    tree.select_node(nodes[0])
    await idle(pilot)


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the pickers open on: a good RIS file and a bad one."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "scopus.ris").write_text(ris(3), "utf-8")
    (folder / "notes.txt").write_text("just some notes\nnothing to import\n", "utf-8")
    monkeypatch.chdir(folder)
    return folder


def test_preview_and_import_lines(tmp_path: Path, exports: Path) -> None:
    assert preview(exports / "scopus.ris") == "RIS export"
    with pytest.raises(Exception, match="format not recognised"):
        preview(exports / "notes.txt")
    project = make_project(tmp_path)
    result = import_files(project, [exports / "notes.txt"])
    assert not result.ok and len(result.lines) == 1 and "\n" not in result.lines[0]
    assert rows(project, "SELECT COUNT(*) FROM sources") == [(1,)]


def test_sources_table_and_adding_a_file(tmp_path: Path, exports: Path) -> None:
    project = make_project(tmp_path)
    app = make_app(project, "ana", start="sources")
    seen: dict[str, Any] = {}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        assert table_rows(screen) == [["PubMed", "database", "search.ris", "—", "—", "5", "0", "1"]]
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, FilePicker)
        await pick(pilot, "notes.txt")  # a bad file: one line, and no import
        seen["bad"] = str(picker.query_one("#format", Static).render())
        assert picker.query_one("#import", Button).disabled
        picker.action_confirm()
        await pick(pilot, "scopus.ris")
        seen["good"] = str(picker.query_one("#format", Static).render())
        picker.query_one("#embed", Checkbox).value = False
        picker.query_one("#search-date", Input).value = "2026-11-01"
        picker.query_one("#import", Button).press()
        await idle(pilot)
        assert app.screen is screen
        seen["rows"] = table_rows(screen)
        seen["report"] = str(screen.query_one("#report-lines", Static).render())

    drive(app, script)
    assert "notes.txt" in seen["bad"] and "format not recognised" in seen["bad"]
    assert "\n" not in seen["bad"]
    assert seen["good"] == "scopus.ris: RIS export"
    assert seen["rows"][1][2:] == ["scopus.ris", "2026-11-01", "—", "3", "0", "1"]
    assert "scopus.ris: 3 records" in seen["report"]
    assert rows(project, "SELECT file_name, record_count FROM sources ORDER BY id") == [
        ("search.ris", 5),
        ("scopus.ris", 3),
    ]


def test_attach_a_folder_of_pdfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = init_project(tmp_path / "rev", title="Attach")
    (tmp_path / "search.ris").write_text(ris_of(RECORDS), "utf-8")
    db = project.open_db()
    import_file(db, tmp_path / "search.ris")
    db.close()
    folder = tmp_path / "pick" / "pdfs"
    pdf(folder / "a.pdf", ["Journal of Things 12 (2013) 1-10", "doi: 10.1000/FT.TEXT", "Body a."])
    pdf(folder / "b.pdf", ["Body of b without identifiers."], subject="doi:10.1000/ft.meta")
    pdf(folder / "notes.pdf", ["Meeting notes, nothing to do with any study."])
    monkeypatch.chdir(tmp_path / "pick")
    app = make_app(project, "ana", start="sources")
    seen: dict[str, str] = {}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        await pilot.press("p")
        assert isinstance(app.screen, FolderPicker)
        await pick(pilot, "pdfs")
        app.screen.query_one("#attach", Button).press()
        await idle(pilot)
        assert app.screen is screen
        seen["report"] = str(screen.query_one("#report-lines", Static).render())

    drive(app, script)
    report = seen["report"]
    assert "Attached 2 of 3 PDFs" in report
    assert "matched 2 · already attached 0 · ambiguous 0 · unmatched 1 · failed 0" in report
    assert "unmatched: notes.pdf" in report
    assert rows(project, "SELECT COUNT(*) FROM fulltexts") == [(2,)]


@pytest.fixture
def server() -> Iterator[ZoteroServer]:
    with ZoteroServer(api_key=KEY) as srv:
        yield srv


def test_zotero_import_then_resync(
    tmp_path: Path, server: ZoteroServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    project = make_project(tmp_path)
    app = make_app(project, "ana", start="sources")
    seen: dict[str, Any] = {}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        await pilot.press("z")
        form = app.screen
        assert isinstance(form, ZoteroForm)
        form.query_one("#library", Input).value = LIB
        form.query_one("#endpoint", Input).value = server.url
        form.query_one("#embed", Checkbox).value = False
        form.query_one("#sync", Button).press()
        await idle(pilot)
        seen["first"] = table_rows(screen)
        server.update_item("3EWF3P9V", title="A changed title")
        await pilot.press("z")
        form = app.screen
        assert isinstance(form, ZoteroForm)  # the last sync is preselected
        seen["prefilled"] = (
            form.query_one("#library", Input).value,
            form.query_one("#endpoint", Input).value,
        )
        form.query_one("#embed", Checkbox).value = False
        form.query_one("#sync", Button).press()
        await idle(pilot)
        seen["second"] = table_rows(screen)
        seen["report"] = str(screen.query_one("#report-lines", Static).render())

    drive(app, script)
    assert seen["first"][1][:3] == ["Zotero Z public library", "database", f"zotero:{LIB}@v1"]
    assert seen["first"][1][5] == "20"
    assert seen["prefilled"] == (LIB, server.url)
    assert len(seen["second"]) == 3
    assert "changes since v1" in seen["report"] and "1 updated" in seen["report"]
    assert KEY not in seen["report"]


def test_full_text_screen_lists_missing_reports_and_attaches_by_path(tmp_path: Path) -> None:
    project = make_project(tmp_path, blind_mode=False, required=1)
    db = project.open_db()
    who = blind.viewer(db, "ana", blind=False, required=1)
    groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id LIMIT 2")]
    for g in groups:
        decide.decide(db, who, g, "title_abstract", "include")
    record = int(db.execute("SELECT id FROM records WHERE group_id = ?", [groups[0]]).fetchone()[0])
    attach(db, project.root, record, text_pdf(tmp_path / "one.pdf", ["First report"]), "ana")
    db.close()
    later = text_pdf(tmp_path / "found later.pdf", ["Methods: a survey of 300 pupils"])
    app = make_app(project, "ana", start="full-text")
    seen: dict[str, str] = {}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        seen["line"] = str(screen.query_one("#progress", ProgressLine).render())
        assert screen.card is not None
        if screen.card.group_id == groups[0]:
            await pilot.press("i")  # the study with a report: decide it, on to the other
            await idle(pilot)
        assert screen.card is not None and screen.card.group_id == groups[1]
        area = screen.query_one("#fulltext", TextArea)
        seen["before"] = area.text
        await pilot.press("a")
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one(Input).value = str(tmp_path / "missing.pdf")
        await pilot.press("enter")
        await idle(pilot)
        seen["refused"] = area.text
        await pilot.press("a")
        app.screen.query_one(Input).value = str(later)
        await pilot.press("enter")
        await idle(pilot)
        seen["after"] = area.text
        seen["line_after"] = str(screen.query_one("#progress", ProgressLine).render())

    drive(app, script)
    assert "1 study without full text" in seen["line"]
    assert "No full text attached" in seen["before"] and "press a" in seen["before"].lower()
    assert seen["refused"] == seen["before"]
    assert "a survey of 300 pupils" in seen["after"]
    assert "without full text" not in seen["line_after"]
    assert rows(project, "SELECT COUNT(*) FROM fulltexts") == [(2,)]


def test_snapshot_sources(tmp_path: Path, snap_compare: Any) -> None:
    project = make_project(tmp_path)
    app = make_app(project, "ana", start="sources")
    assert snap_compare(app, terminal_size=SIZE, run_before=idle)


def test_an_import_into_a_stopped_round_warns_on_the_sources_screen(
    tmp_path: Path, exports: Path
) -> None:
    """The Sources screen says what ``review import`` says: the round was already justified."""
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    justify_stopping(run, project)
    app = make_app(project.root, "ana", start="sources")
    seen: dict[str, Any] = {}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, FilePicker)
        await pick(pilot, "scopus.ris")
        picker.query_one("#embed", Checkbox).value = False
        picker.query_one("#import", Button).press()
        await idle(pilot)
        seen["report"] = str(screen.query_one("#report-lines", Static).render())
        seen["notes"] = [str(n.message) for n in app._notifications]

    drive(app, script)
    assert "justified to stop; the 3 new records reopen it" in seen["report"]
    assert any("review update start" in note for note in seen["notes"])
