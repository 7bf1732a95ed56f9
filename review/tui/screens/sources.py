"""The Sources screen: every import, and the keys that bring papers in without the shell.

The table lists each source (database, method, file or Zotero library,
search date, query, records, flagged records). ``a`` picks an export file in
a directory tree and shows its detected format before importing it; ``z``
imports a Zotero library or syncs one again; ``p`` attaches a folder of PDFs.
Each job goes on the app's one write queue (a worker thread), so the app
stays usable; a progress bar follows it, and the result shows one line per
file, as on the command line. In a served session (``review serve``) only
leads add sources or attach files, the pickers stay in the review's
``inbox/`` folder, and Zotero syncs go to the review's configured endpoint.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static

from review.core.confine import inbox
from review.core.errors import USER_ERRORS
from review.session.sources import COLUMNS, JobResult, ProgressState, source_rows
from review.session.writes import WriteResult
from review.sync import db as sync_db
from review.sync.zotero_client import ZoteroError, insecure_endpoint_warning, resolve_api_key
from review.tui.screens.base import ReviewScreen
from review.tui.screens.source_dialogs import FilePicker, FolderPicker, ZoteroForm
from review.tui.served import pick_root, refuse_plain_reviewer
from review.tui.widgets.modals import TextPrompt
from review.tui.workers.imports import (
    ImportRequest,
    ZoteroRequest,
    attach_job,
    configured_endpoint,
    import_job,
    zotero_job,
)

__all__ = ["FilePicker", "FolderPicker", "SourcesScreen", "ZoteroForm"]

#: Seconds between redraws of the progress bar while a job runs.
POLL_S = 0.1


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

    @property
    def served(self) -> bool:
        """Whether this is a ``review serve`` browser session."""
        return self.review_app.served

    def _refused(self, what: str) -> bool:
        """Refuse (one line) a served session's plain reviewer, or while busy."""
        return refuse_plain_reviewer(self, what) or self._refused_busy()

    def action_add_file(self) -> None:
        """Pick an export file, see its format, import it."""
        if not self._refused("add sources"):
            picker = FilePicker(pick_root(self), confined=self.served)
            self.app.push_screen(picker, self._run_import)

    def _run_import(self, request: ImportRequest | None) -> None:
        if request is None or self._refused("add sources"):
            return
        if self.served:  # checked again in the job, just before the file is read
            request = replace(request, root=inbox(self.project.root))
        project = self.project
        state = self._begin_job(f"Importing {request.path.name}")
        self.queue_write(lambda: import_job(project, request, state))

    def action_zotero(self) -> None:
        """Import a Zotero library or sync one again."""
        if not self._refused("add sources"):
            form = ZoteroForm(sync_db.syncs(self.db), served=self.served)
            self.app.push_screen(form, self._run_zotero)

    def _run_zotero(self, request: ZoteroRequest | None) -> None:
        if request is None or self._refused("add sources"):
            return
        if self.served:  # never an endpoint typed in the browser: the review's own
            try:
                endpoint, local = configured_endpoint(self.db, request.library)
            except USER_ERRORS as exc:
                self.warn(str(exc))
                return
            request = replace(request, endpoint=endpoint, local=local)
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
        warning = insecure_endpoint_warning(request.endpoint) if key and request.endpoint else None
        if warning:
            self.warn(f"Warning: {warning}.", title="Not HTTPS")
        review = self.review
        state = self._begin_job(f"Zotero {request.library}")
        self.queue_write(lambda: zotero_job(review, request, key, state))

    def action_attach_folder(self) -> None:
        """Pick a folder and attach its PDFs to the studies they match."""
        if not self._refused("attach files"):
            picker = FolderPicker(pick_root(self), confined=self.served)
            self.app.push_screen(picker, self._run_attach)

    def _run_attach(self, folder: Path | None) -> None:
        if folder is None or self._refused("attach files"):
            return
        review = self.review
        root = inbox(review.project.root) if self.served else None
        state = self._begin_job(f"PDFs in {folder.name}")
        self.queue_write(lambda: attach_job(review, folder, state, root))

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
            if result.warning:  # the import reopened a round whose stopping was justified
                self.warn(result.warning[0].upper() + result.warning[1:], title="Stopping")
        else:
            self.warn(result.message, title="Nothing imported")
        self.load()
