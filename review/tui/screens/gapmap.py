"""The evidence gap map as a heat table: rows x columns, distinct studies per cell.

The map is :func:`review.reports.gapmap.collect_gapmap`, read in a worker
for the reviewer at the keyboard (so it is blind exactly as the report is).
It opens on the CSEA axes (harm type x MNR domain, segment study design);
a form without them starts on its first two choice fields that are not
checklist items. ``r``, ``c`` and ``s`` cycle the row, column and segment
field; Enter on a cell lists its studies below, by segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from protocols.form import Form, domain_field_name, item_field_name
from review.core.errors import ReviewError
from review.reports.gapmap import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    DEFAULT_SEGMENT,
    NO_SEGMENT,
    GapMap,
    categorical_fields,
    collect_gapmap,
)
from review.tui.screens.base import ReviewScreen

#: Cell backgrounds from few studies to many (a count's share of the fullest cell).
SHADES = ("on #1d3557", "on #255f85", "on #2f89b3", "on #46b0d9")
#: How an empty cell (a gap) is shown.
EMPTY = "·"
#: Widest column heading (longer choices are cut with an ellipsis).
HEADING = 14
ROW_LABEL = 28


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def axis_fields(form: Form) -> list[str]:
    """Return the choice fields an axis may take: the form's own, checklist items last."""
    checklist: set[str] = set()
    if form.checklist is not None:
        checklist.add(domain_field_name(form.checklist))
        checklist.update(item_field_name(form.checklist, i.id) for i in form.checklist.items)
    names = [f.name for f in categorical_fields(form)]
    own = [n for n in names if n not in checklist]
    return own if len(own) >= 2 else names


def shade(count: int, most: int) -> str:
    """Return the background style of a cell holding ``count`` of at most ``most`` studies."""
    if count <= 0 or most <= 0:
        return ""
    level = min(len(SHADES) - 1, (count * len(SHADES) - 1) // most)
    return f"bold #ffffff {SHADES[level]}"


def cell_text(count: int, most: int) -> Text:
    """Return a heat-table cell: the count on its shade, or a dim dot for a gap."""
    if count <= 0:
        return Text(EMPTY, style="dim", justify="center")
    return Text(str(count), style=shade(count, most), justify="center")


def study_lines(found: GapMap, row: str, col: str) -> list[str]:
    """Return the panel's lines for a cell: its studies (author, year, title) by segment."""
    bubbles = found.cells[(row, col)]
    n = found.count(row, col)
    head = f"{row} × {col}: {n} stud{'y' if n == 1 else 'ies'}"
    if not n:
        return [head, "  No study here yet: a gap."]
    lines = [head]
    for segment in found.segments:
        ids = bubbles.get(segment)
        if not ids:
            continue
        if found.segment is not None:
            lines.append(f"{found.segment_label(segment)} ({len(ids)})")
        for study in ids:
            c = found.studies[study]
            lines.append(f"  {c.first_author or '(no author)'} {c.year or 'n.d.'} — {c.title}")
    return lines


class GapMapScreen(ReviewScreen):
    """The evidence gap map of the included studies, as a table of counts."""

    CSS_PATH = "gapmap.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "cycle('rows')", "Rows", id="gapmap.rows"),
        Binding("c", "cycle('cols')", "Columns", id="gapmap.cols"),
        Binding("s", "cycle('segment')", "Segment", id="gapmap.segment"),
        Binding("escape", "app.pop_screen", "Back", id="gapmap.back"),
    ]

    @dataclass
    class Loaded(Message):
        """A gap map read off the UI thread (or why it cannot be drawn)."""

        axes: tuple[str, str, str]
        found: GapMap | None
        error: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.form: Form = Form("single", ())
        self.fields: list[str] = []
        #: The fields chosen for the rows, the columns and the segment (or ``none``).
        self.axes: tuple[str, str, str] = ("", "", NO_SEGMENT)
        self.found: GapMap | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the gap map…", id="gap-axes", markup=False)
        yield DataTable(id="gap-table", cursor_type="cell", fixed_columns=1)
        yield Static(id="gap-cell", markup=False)
        with VerticalScroll(id="gap-studies-pane"):
            yield Static("Enter on a cell lists its studies.", id="gap-studies", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Evidence gap map"
        self.query_one("#gap-studies-pane").border_title = "Studies"
        self.form = self.review.form
        self.fields = axis_fields(self.form)
        if self.form.has(DEFAULT_ROWS) and self.form.has(DEFAULT_COLS):
            rows, cols = DEFAULT_ROWS, DEFAULT_COLS
        elif len(self.fields) >= 2:
            rows, cols = self.fields[0], self.fields[1]
        else:
            self._show_error(
                "The gap map needs two choice fields in the extraction form; "
                f"this one has {len(self.fields)}."
            )
            return
        segment = DEFAULT_SEGMENT if DEFAULT_SEGMENT in self.fields else NO_SEGMENT
        self.axes = (rows, cols, segment)
        self.load(self.axes)

    def data_changed(self) -> None:
        """A write landed (another screen's): count again."""
        if self.axes[0]:
            self.load(self.axes)

    # --- choosing the axes --------------------------------------------------------------

    def action_cycle(self, which: str) -> None:
        """Move the rows, columns or segment to the next choice field."""
        rows, cols, segment = self.axes
        if not rows:
            return
        if which == "segment":
            options = [NO_SEGMENT, *(f for f in self.fields if f not in (rows, cols))]
            current = segment
        else:
            other = cols if which == "rows" else rows
            options = [f for f in self.fields if f != other]
            current = rows if which == "rows" else cols
        if len(options) < 2:
            self.tell("No other choice field to use here.")
            return
        at = options.index(current) + 1 if current in options else 0
        picked = options[at % len(options)]
        if which == "rows":
            self.axes = (picked, cols, segment if segment != picked else NO_SEGMENT)
        elif which == "cols":
            self.axes = (rows, picked, segment if segment != picked else NO_SEGMENT)
        else:
            self.axes = (rows, cols, picked)
        self.load(self.axes)

    # --- reading ----------------------------------------------------------------------

    @work(thread=True, exclusive=True)
    def load(self, axes: tuple[str, str, str]) -> None:
        """Read the map for ``axes`` with a connection of this thread."""
        rows, cols, segment = axes
        review = self.review
        try:
            with review.connect() as db:
                found = collect_gapmap(
                    db,
                    review.protocol,
                    review.viewer(db),
                    rows=rows,
                    cols=cols,
                    segment=segment,
                    form=self.form,
                )
        except ReviewError as error:
            self.post_message(self.Loaded(axes, None, str(error)))
            return
        self.post_message(self.Loaded(axes, found))

    def on_gap_map_screen_loaded(self, message: Loaded) -> None:
        if message.axes != self.axes:  # the axes changed meanwhile
            return
        self.found = found = message.found
        if found is None:
            self._show_error(message.error)
            return
        table = self.query_one("#gap-table", DataTable)
        table.display = True
        coordinate = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column(_cut(found.rows.label, ROW_LABEL), key="row")
        for col in found.cols.values:
            table.add_column(_cut(col, HEADING), key=col)
        most = max((found.count(r, c) for r, c in found.cells), default=0)
        for row in found.rows.values:
            cells = [cell_text(found.count(row, col), most) for col in found.cols.values]
            table.add_row(_cut(row, ROW_LABEL), *cells, key=row)
        if coordinate.column == 0 and found.cols.values:
            coordinate = Coordinate(coordinate.row, 1)  # start on a cell, not a label
        table.cursor_coordinate = coordinate
        segment = found.segment.label if found.segment is not None else "none"
        unmapped = len(found.unmapped)
        extra = f"; {unmapped} included without values yet" if unmapped else ""
        self.query_one("#gap-axes", Static).update(
            f"Rows: {found.rows.label} × columns: {found.cols.label}\n"
            f"Segment: {segment} · {len(found.studies)} studies on the map{extra}"
        )
        self._cell_line(table.cursor_coordinate)

    def _show_error(self, message: str) -> None:
        self.found = None
        self.query_one("#gap-axes", Static).update(message)
        self.query_one("#gap-table").display = False
        self.query_one("#gap-cell", Static).update("")
        self.query_one("#gap-studies", Static).update("")

    # --- a cell's studies ---------------------------------------------------------------

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        """Name the highlighted cell in full (the table cuts long choices)."""
        self._cell_line(event.coordinate)

    def _cell_line(self, at: Coordinate) -> None:
        found = self.found
        line = self.query_one("#gap-cell", Static)
        if found is None or not found.rows.values or at.row >= len(found.rows.values):
            line.update("")
            return
        row = found.rows.values[at.row]
        if at.column < 1:
            line.update(row)
            return
        col = found.cols.values[at.column - 1]
        n = found.count(row, col)
        line.update(f"{row} × {col}: {n} stud{'y' if n == 1 else 'ies'} (Enter lists them)")

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """List the selected cell's studies in the panel below."""
        found = self.found
        row, col = event.coordinate.row, event.coordinate.column - 1
        if found is None or col < 0:
            return
        lines = study_lines(found, found.rows.values[row], found.cols.values[col])
        self.query_one("#gap-studies", Static).update("\n".join(lines))
