"""The Sources screen: every import, and the keys that bring papers in without the shell.

The table lists each source (database, method, file or Zotero library,
search date, query, records, flagged records). ``a`` picks an export file in
a directory tree and shows its detected format before importing it; ``z``
imports a Zotero library or syncs one again; ``p`` attaches a folder of PDFs.
Each job goes on the app's one write queue (a worker thread), so the app
stays usable; a progress bar follows it, and the result shows one line per
file, as on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    DirectoryTree,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    Tree,
)

from corpus.errors import ImportFormatError
from review.session.sources import (
    COLUMNS,
    JobResult,
    ProgressState,
    attach_folder,
    describe_sync,
    preview,
    source_rows,
)
from review.session.writes import WriteResult
from review.sync import db as sync_db
from review.sync.zotero_client import ZoteroError, resolve_api_key
from review.tui.screens.base import ReviewScreen
from review.tui.widgets.modals import Dialog, TextPrompt
from review.tui.workers.imports import ImportRequest, ZoteroRequest, import_job, zotero_job

R = TypeVar("R")

#: Seconds between redraws of the progress bar while a job runs.
POLL_S = 0.1


class VisibleTree(DirectoryTree):
    """A directory tree without hidden files and folders."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")]


class FolderTree(VisibleTree):
    """A directory tree of folders only."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in super().filter_paths(paths) if p.is_dir()]


def _entry_path(node: Any) -> Path | None:
    data = getattr(node, "data", None)
    path = getattr(data, "path", None)
    return Path(path) if path is not None else None


class Picker(Dialog[R]):
    """A dialog around a directory tree (its rules here: any screen may push it)."""

    DEFAULT_CSS = """
    Picker #tree {
        height: 12;
        border: round $panel;
    }
    Picker #format, Picker #folder {
        height: auto;
        margin-top: 1;
    }
    Picker #format.error {
        color: $error;
    }
    Picker .picker-fields {
        height: auto;
    }
    Picker .picker-fields Input {
        width: 1fr;
    }
    """


class FilePicker(Picker[ImportRequest | None]):
    """Pick an export file; its detected format (or why it cannot import) shows first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick_file.cancel"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start
        self.path: Path | None = None
        self.readable = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label("Import an export file", classes="dialog-title")
            yield VisibleTree(self.start, id="tree")
            yield Static("Pick a file: its format shows here.", id="format")
            with Horizontal(classes="picker-fields"):
                yield Input(placeholder="search date YYYY-MM-DD", id="search-date")
                yield Input(placeholder="query (optional)", id="query")
            yield Checkbox("Embed now (else search catches up later)", True, id="embed")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import", id="import", variant="primary", disabled=True)
                yield Button("Cancel", id="cancel")

    @on(Tree.NodeHighlighted)
    def _node_highlighted(self, event: Tree.NodeHighlighted[Any]) -> None:
        path = _entry_path(event.node)
        if path is not None and path.is_file():
            self.choose(path)

    @on(DirectoryTree.FileSelected)
    def _node_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.choose(event.path)

    def choose(self, path: Path) -> None:
        """Make ``path`` the file to import and detect its format (off the UI thread)."""
        if path == self.path:
            return
        self.path, self.readable = path, False
        self.query_one("#import", Button).disabled = True
        self.query_one("#format", Static).update(f"{path.name}: reading…")
        self._read_format(path)

    @work(thread=True, exclusive=True, group="preview")
    def _read_format(self, path: Path) -> None:
        try:
            line, ok = f"{path.name}: {preview(path)}", True
        except ImportFormatError as exc:
            line, ok = str(exc).splitlines()[0], False
        self.app.call_from_thread(self._show_format, path, line, ok)

    def _show_format(self, path: Path, line: str, ok: bool) -> None:
        if path != self.path:
            return
        self.readable = ok
        self.query_one("#format", Static).update(line)
        self.query_one("#format").set_class(not ok, "error")
        self.query_one("#import", Button).disabled = not ok

    @on(Button.Pressed, "#import")
    def action_confirm(self) -> None:
        """Import the picked file (only once its format was detected)."""
        if self.path is None or not self.readable:
            return
        date = self.query_one("#search-date", Input).value.strip() or None
        query = self.query_one("#query", Input).value.strip() or None
        embed = self.query_one("#embed", Checkbox).value
        self.dismiss(ImportRequest(self.path, date, query, embed))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class FolderPicker(Picker[Path | None]):
    """Pick a folder of PDFs (searched with its subfolders)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick_folder.cancel"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start
        self.path: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label("Attach a folder of PDFs", classes="dialog-title")
            yield FolderTree(self.start, id="tree")
            yield Static("Pick a folder: its PDFs are matched to studies.", id="folder")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Attach", id="attach", variant="primary", disabled=True)
                yield Button("Cancel", id="cancel")

    @on(Tree.NodeHighlighted)
    def _node_highlighted(self, event: Tree.NodeHighlighted[Any]) -> None:
        path = _entry_path(event.node)
        if path is not None:
            self.choose(path)

    @on(DirectoryTree.DirectorySelected)
    def _node_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        self.choose(event.path)

    def choose(self, path: Path) -> None:
        """Make ``path`` the folder to attach."""
        self.path = path
        self.query_one("#folder", Static).update(f"Folder: {path}")
        self.query_one("#attach", Button).disabled = False

    @on(Button.Pressed, "#attach")
    def action_confirm(self) -> None:
        if self.path is not None:
            self.dismiss(self.path)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ZoteroForm(Dialog[ZoteroRequest | None]):
    """A library to import, or an earlier sync to run again (preselected: the latest)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="zotero.cancel"),
    ]

    def __init__(self, syncs: list[dict[str, Any]]) -> None:
        super().__init__()
        self.syncs = syncs

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Import or sync a Zotero library", classes="dialog-title")
            if self.syncs:
                options = [(describe_sync(s), i) for i, s in enumerate(self.syncs)]
                yield Select(
                    options, prompt="A new library", value=len(self.syncs) - 1, id="previous"
                )
            yield Input(placeholder="library: user:ID or group:ID", id="library")
            yield Input(placeholder="collection key or name (optional)", id="collection")
            yield Input(placeholder="endpoint (optional; default api.zotero.org)", id="endpoint")
            yield Checkbox("Zotero 7 desktop local API (no key)", id="local")
            yield Checkbox("Embed now (else search catches up later)", True, id="embed")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Sync", id="sync", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.syncs:
            self._fill_from(self.syncs[-1])

    @on(Select.Changed, "#previous")
    def _previous_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self._fill_from(self.syncs[event.value])

    def _fill_from(self, row: dict[str, Any]) -> None:
        self.query_one("#library", Input).value = str(row.get("library") or "")
        collection = row.get("collection_name") or row.get("collection") or ""
        self.query_one("#collection", Input).value = str(collection)
        endpoint = str(row.get("endpoint") or "")
        local = endpoint.startswith("http://127.0.0.1:23119") or endpoint.startswith(
            "http://localhost:23119"
        )
        self.query_one("#local", Checkbox).value = local
        default = endpoint.startswith("https://api.zotero.org")
        self.query_one("#endpoint", Input).value = "" if local or default else endpoint

    @on(Button.Pressed, "#sync")
    @on(Input.Submitted)
    def action_confirm(self) -> None:
        library = self.query_one("#library", Input).value.strip()
        if not library:
            self.notify("Name the library: user:ID or group:ID.", severity="warning")
            return
        self.dismiss(
            ZoteroRequest(
                library,
                self.query_one("#collection", Input).value.strip() or None,
                self.query_one("#endpoint", Input).value.strip() or None,
                self.query_one("#local", Checkbox).value,
                self.query_one("#embed", Checkbox).value,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class SourcesScreen(ReviewScreen):
    """Every source of the review; add a file, a Zotero library or a folder of PDFs."""

    CSS_PATH = "sources.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_file", "Add file", id="sources.add_file"),
        Binding("z", "zotero", "Zotero", id="sources.zotero"),
        Binding("p", "attach_folder", "PDF folder", id="sources.attach_folder"),
        Binding("escape", "app.dashboard", "Back", id="sources.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state: ProgressState | None = None
        self._job_timer: Timer | None = None
        self.last: JobResult | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sources-body"):
            yield DataTable(id="sources", cursor_type="row", zebra_stripes=True)
            yield Static(id="sources-total")
            with Horizontal(id="job"):
                yield Label(id="job-label")
                yield ProgressBar(id="job-bar", show_eta=False)
            with VerticalScroll(id="report"):
                yield Static(id="report-lines")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Sources"
        table = self.query_one("#sources", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.query_one("#sources").border_title = "Sources"
        self.query_one("#report").border_title = "Last run"
        self.query_one("#job").display = False
        self.query_one("#report").display = False
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def data_changed(self) -> None:
        self.load()

    def load(self) -> None:
        """Read the sources again (one small query on the UI connection)."""
        rows = source_rows(self.db)
        table = self.query_one("#sources", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row.cells(), key=str(row.id))
        records = sum(r.records for r in rows)
        flagged = sum(r.flagged for r in rows)
        sources = "1 source" if len(rows) == 1 else f"{len(rows)} sources"
        total = (
            f"{sources} · {records:,} records · {flagged:,} lack a title or abstract"
            if rows
            else "No sources yet: press a to import a file, z for a Zotero library."
        )
        self.query_one("#sources-total", Static).update(total)

    # --- keys -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a job of this screen is still running."""
        return self.state is not None

    def _refused_busy(self) -> bool:
        if self.busy:
            self.warn("Wait for the running job to finish.")
        return self.busy

    def action_add_file(self) -> None:
        """Pick an export file, see its format, import it."""
        if not self._refused_busy():
            self.app.push_screen(FilePicker(Path.cwd()), self._run_import)

    def _run_import(self, request: ImportRequest | None) -> None:
        if request is None:
            return
        project = self.project
        state = self._begin_job(f"Importing {request.path.name}")
        self.queue_write(lambda: import_job(project, request, state))

    def action_zotero(self) -> None:
        """Import a Zotero library or sync one again."""
        if not self._refused_busy():
            self.app.push_screen(ZoteroForm(sync_db.syncs(self.db)), self._run_zotero)

    def _run_zotero(self, request: ZoteroRequest | None) -> None:
        if request is None:
            return
        if request.local:
            self._run_sync(request, None)
            return
        try:
            key = resolve_api_key(interactive=False)
        except ZoteroError:
            prompt = TextPrompt("Zotero API key (not stored)", password=True)
            self.app.push_screen(prompt, lambda key: self._run_sync(request, (key or "").strip()))
            return
        self._run_sync(request, key)

    def _run_sync(self, request: ZoteroRequest, key: str | None) -> None:
        if key == "":
            self.warn("No API key: nothing was synced.")
            return
        project, settings = self.project, self.settings
        state = self._begin_job(f"Zotero {request.library}")
        self.queue_write(lambda: zotero_job(project, settings, request, key, state))

    def action_attach_folder(self) -> None:
        """Pick a folder and attach its PDFs to the studies they match."""
        if not self._refused_busy():
            self.app.push_screen(FolderPicker(Path.cwd()), self._run_attach)

    def _run_attach(self, folder: Path | None) -> None:
        if folder is None:
            return
        project, reviewer = self.project, self.reviewer
        state = self._begin_job(f"PDFs in {folder.name}")
        self.queue_write(lambda: attach_folder(project, folder, reviewer, state))

    # --- the running job ----------------------------------------------------------------

    def _begin_job(self, label: str) -> ProgressState:
        self.state = ProgressState()
        self.query_one("#job").display = True
        self.query_one("#job-label", Label).update(label)
        self.query_one("#job-bar", ProgressBar).update(total=None, progress=0)
        self._job_timer = self.set_interval(POLL_S, self._draw_job)
        return self.state

    def _draw_job(self) -> None:
        if self.state is None:
            return
        label, done, total = self.state.read()
        if label:
            self.query_one("#job-label", Label).update(label)
        bar = self.query_one("#job-bar", ProgressBar)
        bar.update(total=total or None, progress=done)

    def write_landed(self, result: WriteResult) -> None:
        """A job finished: show its lines, say what it did, list the sources again."""
        if not isinstance(result, JobResult):
            super().write_landed(result)
            return
        self.state = None
        if self._job_timer is not None:
            self._job_timer.stop()
            self._job_timer = None
        self.query_one("#job").display = False
        self.last = result
        self.query_one("#report").display = True
        self.query_one("#report-lines", Static).update("\n".join(result.lines or [result.message]))
        if result.ok:
            self.tell(result.message, timeout=4)
        else:
            self.warn(result.message, title="Nothing imported")
        self.load()
