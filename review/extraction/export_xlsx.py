"""The evidence workbook (XLSX): a sheet per form section, per repeating group, robvis, codebook.

Written with XlsxWriter from the tables of :mod:`review.extraction.export`.
Every sheet starts with a bold, frozen header row. Text is written with
``write_string`` after :func:`screening.export.safe_cell`, so no cell is ever a
formula; numbers are written as numbers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from review.core.files import atomic_path
from review.extraction.export import Evidence, Table
from screening.export import safe_cell

#: Excel's longest sheet name.
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(wanted: list[str]) -> list[str]:
    """Return Excel-safe, unique sheet names (cut to 31 characters, no ``[]:*?/\\``).

    Excel compares sheet names without case; a repeated name gets `` (2)``.
    """
    out: list[str] = []
    taken: set[str] = set()
    for name in wanted:
        base = _BAD_SHEET_CHARS.sub("_", name).strip().strip("'").strip() or "Sheet"
        base = base[:SHEET_NAME_MAX]
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            tail = f" ({n})"
            candidate = base[: SHEET_NAME_MAX - len(tail)] + tail
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def write_xlsx(evidence: Evidence, path: Path) -> None:
    """Write the evidence workbook into ``path`` atomically."""
    import xlsxwriter

    sheets: list[tuple[str, Table]] = []
    for section, fields in evidence.form.sections():
        plain = [f for f in fields if f.type != "group"]
        if plain:
            sheets.append((section, evidence.main_table(plain)))
    for group in evidence.group_fields:
        sheets.append((group.name, evidence.group_table(group)))
    robvis = evidence.robvis_table()
    if robvis is not None:
        sheets.append(("robvis", robvis))
    sheets.append(("Codebook", evidence.codebook()))
    names = sheet_names([name for name, _ in sheets])
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        try:
            bold = workbook.add_format({"bold": True})
            for name, (_, (header, rows)) in zip(names, sheets, strict=True):
                sheet = workbook.add_worksheet(name)
                for c, title in enumerate(header):
                    sheet.write_string(0, c, str(safe_cell(title)), bold)
                sheet.freeze_panes(1, 0)
                for r, row in enumerate(rows, start=1):
                    for c, value in enumerate(row):
                        _write(sheet, r, c, value)
                if header:
                    sheet.autofilter(0, 0, len(rows), len(header) - 1)
        finally:
            workbook.close()


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no")
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(safe_cell(str(value))))
