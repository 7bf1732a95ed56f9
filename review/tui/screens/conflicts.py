"""The conflicts screen: studies whose reviewers disagree, resolved by a key.

Conflicts show every reviewer's decision, so ``screening.conflicts`` answers
None while a stage is blind to the viewer; the screen then says who can see
them instead of listing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from corpus import db as corpus_db
from review.session.data import STAGE_NAMES
from screening import conflicts
from screening.errors import ScreeningError
from screening.stages import FULL_TEXT, TITLE_ABSTRACT

if TYPE_CHECKING:
    from review.tui.app import ReviewApp


class ConflictsScreen(Screen[None]):
    """List a stage's unresolved conflicts; ``i``/``e`` settle the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "resolve('include')", "Include", id="conflicts.include"),
        Binding("e", "resolve('exclude')", "Exclude", id="conflicts.exclude"),
        Binding("t", "toggle_stage", "Stage", id="conflicts.stage"),
        Binding("enter", "detail", "Details", id="conflicts.detail"),
        Binding("escape", "app.pop_screen", "Back", id="conflicts.back"),
    ]

    def __init__(self, stage: str = TITLE_ABSTRACT) -> None:
        super().__init__()
        self.stage = stage

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="conflicts-info")
        yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Study", "Title", "Decisions")
        self.reload()

    def reload(self) -> None:
        """Read the conflicts (an indexed outcome look-up) and fill the table."""
        app = self.review_app
        self.title = f"Conflicts: {STAGE_NAMES[self.stage]}"
        who = app.settings.viewer(app.db, app.reviewer)
        found = conflicts.conflicts(app.db, who, self.stage)
        table = self.query_one(DataTable)
        table.clear()
        info = self.query_one("#conflicts-info", Static)
        if found is None:
            info.update(
                "Screening is blind: conflicts show every reviewer's decision, so only "
                "the lead sees them until the lead unblinds this stage. (t: other stage)"
            )
            table.display = False
            return
        table.display = bool(found)
        method = app.settings.protocol.screening.conflict_resolution.replace("_", " ")
        info.update(
            f"{len(found)} conflict{'s' if len(found) != 1 else ''}; resolving as "
            f"{app.reviewer} by {method}. i include, e exclude, Enter details, t other stage."
            if found
            else "No unresolved conflicts at this stage. (t: other stage)"
        )
        ids = [c.group_id for c in found]
        first: dict[int, int] = {}
        for g in ids:
            row = app.db.execute(
                "SELECT id FROM records WHERE group_id = ? ORDER BY id LIMIT 1", [g]
            ).fetchone()
            if row is not None:
                first[g] = int(row[0])
        titles = corpus_db.record_summaries(app.db, list(first.values()))
        for c in found:
            title = (titles.get(first.get(c.group_id, -1)) or {}).get("title") or ""
            votes = ", ".join(f"{who}: {label}" for who, label in sorted(c.labels.items()))
            table.add_row(
                str(c.group_id), app.settings.masked(title)[:40], votes, key=str(c.group_id)
            )

    def _selected(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.display or table.row_count == 0:
            self.notify("No conflict selected.", severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(str(key.value))

    def action_resolve(self, label: str) -> None:
        """Settle the highlighted conflict as the current reviewer (a tiny write)."""
        group = self._selected()
        if group is None:
            return
        app = self.review_app
        who = app.settings.viewer(app.db, app.reviewer)
        method = app.settings.protocol.screening.conflict_resolution
        try:
            conflicts.resolve(app.db, who, group, self.stage, label, method)
        except ScreeningError as exc:
            self.notify(str(exc), title="Not resolved", severity="warning")
            return
        self.notify(f"study {group}: resolved {label} ({method.replace('_', ' ')})")
        self.reload()

    def action_toggle_stage(self) -> None:
        self.stage = FULL_TEXT if self.stage == TITLE_ABSTRACT else TITLE_ABSTRACT
        self.reload()

    def action_detail(self) -> None:
        group = self._selected()
        if group is not None:
            self.review_app.open_detail(group)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.review_app.open_detail(int(str(event.row_key.value)))
