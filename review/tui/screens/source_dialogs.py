"""The Sources screen's dialogs: the file and folder pickers and the Zotero form.

In a served session (``review serve``) the pickers open on the review's
``inbox/`` folder and refuse, with one line, anything that resolves outside
it; the Zotero form's endpoint cannot be edited there: the sync goes to the
endpoint configured for the review, never to one typed in the browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    Checkbox,
    DirectoryTree,
    Input,
    Label,
    Select,
    Static,
    Tree,
)

from corpus.errors import ImportFormatError
from review.core.confine import OutsideFolderError, confine
from review.session.sources import describe_sync, preview
from review.tui.widgets.modals import Dialog
from review.tui.workers.imports import ImportRequest, ZoteroRequest

R = TypeVar("R")

#: What the served form's endpoint field says instead of taking input.
SERVED_ENDPOINT = "endpoint: the review's own (set by review zotero import on the server)"


class VisibleTree(DirectoryTree):
    """A directory tree without hidden files and folders.

    Confined (a served session), it also hides links that lead out of its
    root, so not even the names of files outside are listed.
    """

    def __init__(self, path: Path, confined: bool = False, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.confined_to = path if confined else None

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        shown = [p for p in paths if not p.name.startswith(".")]
        if self.confined_to is None:
            return shown
        return [p for p in shown if not p.is_symlink() or _stays_in(self.confined_to, p)]


def _stays_in(root: Path, path: Path) -> bool:
    try:
        confine(root, path)
    except OutsideFolderError:
        return False
    return True


class FolderTree(VisibleTree):
    """A directory tree of folders only."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in super().filter_paths(paths) if p.is_dir()]


def _entry_path(node: Any) -> Path | None:
    data = getattr(node, "data", None)
    path = getattr(data, "path", None)
    return Path(path) if path is not None else None


class Picker(Dialog[R]):
    """A dialog around a directory tree (its rules here: any screen may push it).

    Args:
        start: The folder the tree opens on.
        confined: Served session: refuse a path that resolves outside ``start``.
    """

    def __init__(self, start: Path, confined: bool = False) -> None:
        super().__init__()
        self.start = start
        self.confined = confined
        self.path: Path | None = None

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    DEFAULT_CSS = """
    Picker #tree {
        height: 12;
        border: round $panel;
    }
    Picker #format, Picker #folder {
        height: auto;
        margin-top: 1;
    }
    Picker #format.error, Picker #folder.error {
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

    def __init__(self, start: Path, confined: bool = False) -> None:
        super().__init__(start, confined)
        self.readable = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label("Import an export file", classes="dialog-title")
            yield VisibleTree(self.start, self.confined, id="tree")
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
        if self.confined:
            try:
                path = confine(self.start, path)
            except OutsideFolderError as exc:
                self._show_format(self.path, str(exc), False)
                return
        self.query_one("#format", Static).update(f"{path.name}: reading…")
        self._read_format(self.path, path)

    @work(thread=True, exclusive=True, group="preview")
    def _read_format(self, picked: Path, path: Path) -> None:
        try:
            line, ok = f"{picked.name}: {preview(path)}", True
        except ImportFormatError as exc:
            line, ok = str(exc).splitlines()[0], False
        self.app.call_from_thread(self._show_format, picked, line, ok)

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


class FolderPicker(Picker[Path | None]):
    """Pick a folder of PDFs (searched with its subfolders)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick_folder.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label("Attach a folder of PDFs", classes="dialog-title")
            yield FolderTree(self.start, self.confined, id="tree")
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
        line, ok = f"Folder: {path}", True
        if self.confined:
            try:
                confine(self.start, path)
            except OutsideFolderError as exc:
                self.path, line, ok = None, str(exc), False
        self.query_one("#folder", Static).update(line)
        self.query_one("#folder").set_class(not ok, "error")
        self.query_one("#attach", Button).disabled = not ok

    @on(Button.Pressed, "#attach")
    def action_confirm(self) -> None:
        if self.path is not None:
            self.dismiss(self.path)


class ZoteroForm(Dialog[ZoteroRequest | None]):
    """A library to import, or an earlier sync to run again (preselected: the latest)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="zotero.cancel"),
    ]

    def __init__(self, syncs: list[dict[str, Any]], served: bool = False) -> None:
        super().__init__()
        self.syncs = syncs
        #: Served session: the endpoint and the local API are the review's, not typed.
        self.served = served

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
            if self.served:
                yield Input(placeholder=SERVED_ENDPOINT, id="endpoint", disabled=True)
            else:
                yield Input(
                    placeholder="endpoint (optional; default api.zotero.org)", id="endpoint"
                )
            yield Checkbox("Zotero 7 desktop local API (no key)", id="local", disabled=self.served)
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
                None if self.served else self.query_one("#endpoint", Input).value.strip() or None,
                False if self.served else self.query_one("#local", Checkbox).value,
                self.query_one("#embed", Checkbox).value,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
