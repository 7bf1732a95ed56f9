"""Exporting the review's records (CSV, RIS, BibTeX, JSON lines).

CSV cells pass through :func:`screening.export.safe_cell`, so a title such as
``=HYPERLINK(...)`` is text, not a formula, in a spreadsheet. RIS, BibTeX and
JSON lines are not opened by spreadsheets and are written as imported.

Files are written to a temporary name and renamed into place, so an export
that fails half-way never leaves a half-written file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.model import FIELDS, Record
from protocols import vocabulary as vocab
from protocols.vocabulary import Stage
from review.core.files import write_atomically
from screening.export import safe_row

EXPORT_FORMATS = ("csv", "ris", "bibtex", "jsonl")

#: Stages whose decision each exported record carries (what the reader may see).
STAGES: tuple[Stage, ...] = vocab.STAGES

CSV_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source_id",
    "source",
    "file_name",
    "group_id",
    *FIELDS,
    "flags",
    *(f"decision_{stage}" for stage in STAGES),
)


def _to_record(row: dict[str, Any]) -> Record:
    values = {name: row[name] for name in FIELDS}
    return Record(**values, source_id=row["source_id"])


def write_records(
    db: Database,
    fmt: str,
    out: TextIO,
    decisions: dict[int, dict[str, str]] | None = None,
    studies: Collection[int] | None = None,
) -> int:
    """Write every imported record to ``out`` in format ``fmt``.

    Args:
        decisions: group -> stage -> decision the reader may see (for CSV).
        studies: Only these studies, one record each (the first imported):
            a reference list of included studies, without the duplicates
            that deduplication grouped under them.

    Returns:
        The number of records written.
    """
    rows = corpus_db.iter_export_rows(db)
    if studies is not None:
        rows = _first_of(rows, set(studies))
    if fmt == "csv":
        return _write_csv(rows, out, decisions or {})
    if fmt == "jsonl":
        n = 0
        for row in rows:
            row["raw"] = json.loads(row["raw"])
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        return n
    records = [_to_record(row) for row in rows]
    if fmt == "ris":
        from corpus.formats.ris import dump
    elif fmt == "bibtex":
        from corpus.formats.bibtex import dump
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    out.write(dump(records))
    return len(records)


def _first_of(rows: Iterator[dict[str, Any]], studies: set[int]) -> Iterator[dict[str, Any]]:
    seen: set[int] = set()
    for row in rows:
        group = row["group_id"]
        if group in studies and group not in seen:
            seen.add(group)
            yield row


def _write_csv(
    rows: Iterator[dict[str, Any]], out: TextIO, decisions: dict[int, dict[str, str]]
) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for row in rows:
        for stage, label in decisions.get(row["group_id"], {}).items():
            row[f"decision_{stage}"] = label
        row["authors"] = "; ".join(row["authors"])
        row["keywords"] = "; ".join(row["keywords"])
        writer.writerow(safe_row(row))
        n += 1
    return n


def export_to_path(
    db: Database, fmt: str, path: Path, decisions: dict[int, dict[str, str]] | None = None
) -> int:
    """Export into ``path`` atomically; see :func:`write_records`."""
    return write_atomically(path, lambda handle: write_records(db, fmt, handle, decisions))


def export_to_string(
    db: Database, fmt: str, decisions: dict[int, dict[str, str]] | None = None
) -> tuple[str, int]:
    """Export into a string (for stdout); see :func:`write_records`."""
    buffer = io.StringIO(newline="")
    n = write_records(db, fmt, buffer, decisions)
    return buffer.getvalue(), n
