"""The conflicts screen: studies whose reviewers disagree, resolved by a key.

Below the screening conflicts, field-level extraction conflicts (two complete
extractions that disagree on a field) are listed side by side; with that
table focused (Tab), a lead or third reviewer takes extractor A's value
(``a``), B's (``b``), or types the final one (``e``), through
:func:`review.extraction.write.resolve`.

Conflicts show every reviewer's decision, so ``screening.conflicts`` answers
None while a stage is blind to the viewer; the screen then says who can see
them instead of listing anything. The list is read in a worker
(:func:`review.session.conflicts.load`: one outcome scan and one query for
all titles), and a resolution goes through the app's one write queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from protocols.model import Stage
from review.extraction.render import format_value
from review.session import conflicts as session_conflicts
from review.session.conflicts import Listing
from review.session.data import STAGE_NAMES
from review.session.extraction import FieldConflict, extraction_conflicts, resolve_field
from review.session.writes import WriteResult
from review.tui.screens.base import ReviewScreen
from review.tui.widgets.modals import TextPrompt


class FieldConflictTable(DataTable[str]):
    """The extraction conflicts; its keys work while it has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "screen.resolve_field('a')", "Take A", id="conflicts.take_a"),
        Binding("b", "screen.resolve_field('b')", "Take B", id="conflicts.take_b"),
        Binding("e", "screen.type_field", "Type value", id="conflicts.type"),
    ]


class ConflictsScreen(ReviewScreen):
    """List a stage's unresolved conflicts; ``i``/``e`` settle the highlighted one."""

    CSS_PATH = "conflicts.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "resolve('include')", "Include", id="conflicts.include"),
        Binding("e", "resolve('exclude')", "Exclude", id="conflicts.exclude"),
        Binding("t", "toggle_stage", "Stage", id="conflicts.stage"),
        Binding("enter", "detail", "Details", id="conflicts.detail"),
        Binding("escape", "app.pop_screen", "Back", id="conflicts.back"),
    ]

    @dataclass
    class Loaded(Message):
        """A stage's conflicts, read off the UI thread."""

        listing: Listing

    def __init__(self, stage: Stage = Stage.TITLE_ABSTRACT) -> None:
        super().__init__()
        self.stage = stage
        self.fields: list[FieldConflict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="conflicts-info")
        yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield Static(id="fields-info")
        yield FieldConflictTable(id="field-conflicts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#conflicts", DataTable)
        table.add_columns("Study", "Title", "Decisions")
        fields = self.query_one(FieldConflictTable)
        fields.add_columns("Study", "Field", "Extractor A", "Extractor B")
        fields.display = False
        self.query_one("#fields-info").display = False
        self.reload()
        self.load_fields()

    @dataclass
    class FieldsLoaded(Message):
        """The extraction conflicts, read off the UI thread."""

        rows: list[FieldConflict]

    @work(thread=True, exclusive=True, group="field-conflicts")
    def load_fields(self) -> None:
        """Read the extraction conflicts with a connection of this thread."""
        rows = extraction_conflicts(self.review)
        self.post_message(self.FieldsLoaded(rows))

    def on_conflicts_screen_fields_loaded(self, message: FieldsLoaded) -> None:
        self.fields = message.rows
        table = self.query_one(FieldConflictTable)
        info = self.query_one("#fields-info", Static)
        table.clear()
        shown = bool(self.fields)
        table.display = info.display = shown
        if not shown:
            return
        n = len(self.fields)
        info.update(
            f"{n} extraction conflict{'s' if n != 1 else ''} (Tab here): a takes A's value, "
            "b takes B's, e types the final value."
        )
        for i, row in enumerate(self.fields):
            a, b = row.names
            values = row.conflict.values
            table.add_row(
                f"{row.conflict.group_id} {row.title[:24]}",
                row.label[:30],
                f"{a}: {format_value(values[a]) or '(empty)'}"[:40],
                f"{b}: {format_value(values[b]) or '(empty)'}"[:40],
                key=str(i),
            )

    def _field_selected(self) -> FieldConflict | None:
        table = self.query_one(FieldConflictTable)
        if not table.display or table.row_count == 0:
            self.warn("No extraction conflict selected.")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self.fields[int(str(key.value))]

    def action_resolve_field(self, which: str) -> None:
        """Take extractor A's or B's value of the highlighted field conflict."""
        row = self._field_selected()
        if row is None:
            return
        pick = row.names[0 if which == "a" else 1]
        self.queue_write(partial(resolve_field, self.review, row.conflict, pick=pick))

    def action_type_field(self) -> None:
        """Ask for the final value of the highlighted field conflict, then resolve with it."""
        row = self._field_selected()
        if row is None:
            return

        def answered(text: str | None) -> None:
            if text is None:
                return
            self.queue_write(partial(resolve_field, self.review, row.conflict, text))

        self.app.push_screen(
            TextPrompt(f"Final value of {row.label}", placeholder="value"), answered
        )

    def reload(self) -> None:
        """Read the stage's conflicts again (in a worker; the table fills when they come)."""
        self.title = f"Conflicts: {STAGE_NAMES[self.stage]}"
        self.load(self.stage)

    @work(thread=True, exclusive=True)
    def load(self, stage: Stage) -> None:
        """Read the conflicts with a connection of this thread (an outcome scan)."""
        listing = session_conflicts.load(self.review, stage)
        self.post_message(self.Loaded(listing))

    def on_conflicts_screen_loaded(self, message: Loaded) -> None:
        listing = message.listing
        if listing.stage != self.stage:  # the stage was switched meanwhile
            return
        table = self.query_one("#conflicts", DataTable)
        table.clear()
        info = self.query_one("#conflicts-info", Static)
        if listing.rows is None:
            info.update(
                "Screening is blind: conflicts show every reviewer's decision, so only "
                "the lead sees them until the lead unblinds this stage. (t: other stage)"
            )
            table.display = False
            return
        rows = listing.rows
        table.display = bool(rows)
        method = self.review.protocol.screening.conflict_resolution.replace("_", " ")
        info.update(
            f"{len(rows)} conflict{'s' if len(rows) != 1 else ''}; resolving as "
            f"{self.reviewer} by {method}. i include, e exclude, Enter details, t other stage."
            if rows
            else "No unresolved conflicts at this stage. (t: other stage)"
        )
        for row in rows:
            votes = ", ".join(f"{who}: {label}" for who, label in sorted(row.labels.items()))
            table.add_row(str(row.group_id), row.title[:40], votes, key=str(row.group_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Screening keys act on the screening table: not while the field table has the focus."""
        if action in ("resolve", "detail") and isinstance(self.focused, FieldConflictTable):
            return False
        return True

    def _selected(self) -> int | None:
        table = self.query_one("#conflicts", DataTable)
        if not table.display or table.row_count == 0:
            self.warn("No conflict selected.")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(str(key.value))

    def action_resolve(self, label: str) -> None:
        """Settle the highlighted conflict as the current reviewer (on the write queue)."""
        group = self._selected()
        if group is None:
            return
        self.queue_write(partial(session_conflicts.resolve, self.review, group, self.stage, label))

    def write_landed(self, result: WriteResult) -> None:
        """Say how the conflict was settled (or why not) and list what is left."""
        if result.ok:
            self.tell(result.message)
        else:
            self.warn(result.message, title="Not resolved")
        self.reload()
        self.load_fields()

    def action_toggle_stage(self) -> None:
        """Switch between the title/abstract and the full-text conflicts."""
        full = self.stage == Stage.TITLE_ABSTRACT
        self.stage = Stage.FULL_TEXT if full else Stage.TITLE_ABSTRACT
        self.reload()

    def action_detail(self) -> None:
        group = self._selected()
        if group is not None:
            self.review_app.open_detail(group)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, FieldConflictTable):
            group = self.fields[int(str(event.row_key.value))].conflict.group_id
        else:
            group = int(str(event.row_key.value))
        self.review_app.open_detail(group)
