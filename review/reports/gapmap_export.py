"""The gap map as data: CSV in long format, and an XLSX crosstab.

The long CSV (``study_id,row,col,segment``, one line per study x row value x
column value x segment value) is what R or pandas pivot into any map they
like; the XLSX crosstab is what a reader opens: rows x columns with the
number of distinct studies, a ``Total`` column and row (distinct studies
too, so a multi-choice study is never counted twice), one sheet for all
studies and one per segment value, and a ``Studies`` sheet with citations.

Every text cell passes through :func:`screening.export.safe_cell` (a choice
or title such as ``=HYPERLINK(...)`` stays text); files are written
atomically (:mod:`review.core.files`).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, TextIO

from review.core.files import atomic_path, write_atomically
from review.reports.gapmap import GapMap
from screening.export import safe_cell

#: The long CSV's header.
CSV_HEADER = ("study_id", "row", "col", "segment")
#: Excel's limit on sheet names, and the characters it refuses in them.
_SHEET_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def write_csv(gapmap: GapMap, out: TextIO) -> int:
    """Write the long CSV; returns the number of lines after the header."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    rows = gapmap.placements()
    for study, row, col, seg in rows:
        writer.writerow([study, safe_cell(row), safe_cell(col), safe_cell(seg)])
    return len(rows)


def render_csv(gapmap: GapMap) -> str:
    """Return the long CSV as text (what goes to stdout without ``-o``)."""
    buffer = io.StringIO(newline="")
    write_csv(gapmap, buffer)
    return buffer.getvalue()


def save_csv(gapmap: GapMap, path: Path) -> int:
    """Write the long CSV to ``path`` atomically; returns the number of lines."""
    return write_atomically(path, lambda out: write_csv(gapmap, out))


def crosstab(gapmap: GapMap, segment: str | None = None) -> list[list[Any]]:
    """Return a crosstab as rows of cells: header, one row per row value, then ``Total``.

    Each count is the number of distinct studies (in one segment's bubble
    when ``segment`` is given). Totals are distinct studies across the row,
    column or whole map, not sums, because a multi-choice study sits in
    several cells.
    """

    def studies(row: str | None, col: str | None) -> int:
        found: set[int] = set()
        for (r, c), bubbles in gapmap.cells.items():
            if (row is None or r == row) and (col is None or c == col):
                for seg, ids in bubbles.items():
                    if segment is None or seg == segment:
                        found.update(ids)
        return len(found)

    corner = f"{gapmap.rows.label} \\ {gapmap.cols.label}"
    table: list[list[Any]] = [[corner, *gapmap.cols.values, "Total"]]
    for row in gapmap.rows.values:
        table.append([row, *(studies(row, c) for c in gapmap.cols.values), studies(row, None)])
    table.append(["Total", *(studies(None, c) for c in gapmap.cols.values), studies(None, None)])
    return table


def sheet_name(label: str, taken: set[str]) -> str:
    """Return a valid, unused Excel sheet name for ``label`` (31 characters, no ``[]:*?/\\``)."""
    base = _SHEET_BAD.sub("-", label).strip("' ") or "Sheet"
    name = base[:_SHEET_MAX]
    number = 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: _SHEET_MAX - len(suffix)] + suffix
        number += 1
    taken.add(name.casefold())
    return name


def save_xlsx(gapmap: GapMap, path: Path, *, per_segment: bool = True) -> list[str]:
    """Write the crosstab workbook to ``path`` atomically; returns the sheet names.

    Sheets: ``All studies``, then one per segment value (when the map has a
    segment and ``per_segment``), then ``Studies`` (id, first author, year,
    title, DOI of every study on the map).
    """
    import xlsxwriter

    taken: set[str] = set()
    sheets: list[tuple[str, list[list[Any]]]] = [
        (sheet_name("All studies", taken), crosstab(gapmap))
    ]
    if gapmap.segment is not None and per_segment:
        sheets += [
            (sheet_name(gapmap.segment_label(seg), taken), crosstab(gapmap, seg))
            for seg in gapmap.segments
        ]
    studies: list[list[Any]] = [["study_id", "first_author", "year", "title", "doi"]]
    studies += [
        [c.study_id, c.first_author, c.year, c.title, c.doi] for c in gapmap.studies.values()
    ]
    sheets.append((sheet_name("Studies", taken), studies))
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        try:
            bold = book.add_format({"bold": True})
            for name, table in sheets:
                sheet = book.add_worksheet(name)
                for r, row in enumerate(table):
                    for c, value in enumerate(row):
                        _write(sheet, r, c, value, bold if r == 0 or c == 0 else None)
                sheet.set_column(0, 0, 40)
                sheet.freeze_panes(1, 1)
        finally:
            book.close()
    return [name for name, _ in sheets]


def _write(sheet: Any, row: int, col: int, value: Any, style: Any) -> None:
    """Write a number as a number and anything else as safe text (never a formula)."""
    if value is None or value == "":
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value, style)
    else:
        sheet.write_string(row, col, str(safe_cell(str(value))), style)
