"""Rows for ``review export decisions``: current decisions, or every event.

All rows come through ``screening.blind.events``, so in a blind review a
reviewer's export holds only their own decisions until the lead unblinds the
stage; a lead's export holds everyone's.

Every spreadsheet-bound cell goes through :func:`safe_cell` (here, in one
place, so the records export of ``review.reports.records`` applies the same rule).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.stages import STAGES, outcomes

#: One row per current decision (group, stage, reviewer), as DESIGN.md defines.
COLUMNS: tuple[str, ...] = ("group_id", "stage", "reviewer", "label", "reason", "note", "time")
#: Every event, undos included (``label`` = ``undo``, ``retracts`` = the undone event).
HISTORY_COLUMNS: tuple[str, ...] = (
    "event_id",
    *COLUMNS,
    "retracts",
    "session_id",
    "model_version",
    "rank_shown",
    "score_shown",
)


#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """Return a cell value that a spreadsheet shows as text, never runs as a formula.

    OWASP's advice against CSV injection
    (https://owasp.org/www-community/attacks/CSV_Injection): a cell that
    starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed
    with a single quote, so Excel, LibreOffice and Google Sheets show it as
    text. A record title such as ``=HYPERLINK("http://...","click")`` would
    otherwise become a live link in the reviewer's spreadsheet. Numbers stay
    numbers, as OWASP asks: int and float values, and text that is one plain
    number (``-3.5``, ``+1``, ``-2e3``), which a spreadsheet reads as that
    number and nothing else. Every CSV, TSV and XLSX export calls this.

    Args:
        value: The cell: text, a number, or None.

    Returns:
        ``value`` unchanged, or the text with ``'`` in front.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return a row (column -> value) with every cell passed through :func:`safe_cell`."""
    return {key: safe_cell(value) for key, value in row.items()}


def unsafe_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back from an export (for re-imports).

    Only a quote followed by a formula character is removed, which is what
    :func:`safe_cell` adds; other leading quotes are the cell's own text. (A
    cell whose own text began with such a quote loses it: the one case the
    prefix cannot tell apart.)
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def decision_rows(
    db: Database, who: Viewer, *, history: bool = False, stage: Stage | None = None
) -> Iterator[dict[str, Any]]:
    """Yield the decision rows the viewer may see, as dicts keyed by the column names.

    Args:
        db: The review database.
        who: Whose export this is (blind rules apply).
        history: Every event in log order instead of the current decisions.
        stage: One stage only.
    """
    for e in blind.events(db, who, stage=stage, history=history):
        row: dict[str, Any] = {
            "group_id": e.group_id,
            "stage": e.stage,
            "reviewer": e.reviewer,
            "label": e.label,
            "reason": e.reason,
            "note": e.note,
            "time": e.time,
        }
        if history:
            row.update(
                event_id=e.id,
                retracts=e.retracts,
                session_id=e.session_id,
                model_version=e.model_version,
                rank_shown=e.rank_shown,
                score_shown=e.score_shown,
            )
        yield row


def write_csv(db: Database, who: Viewer, out: TextIO, *, history: bool = False) -> int:
    """Write the viewer's decision export as CSV to ``out``.

    Returns:
        The number of rows written (header not counted).
    """
    writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS if history else COLUMNS)
    writer.writeheader()
    n = 0
    for row in decision_rows(db, who, history=history):
        writer.writerow(safe_row(row))
        n += 1
    return n


def group_decisions(db: Database, who: Viewer) -> dict[int, dict[str, str]]:
    """Return group -> stage -> what the viewer may know of its decision there.

    For ``review export records``: the group's outcome (include, exclude,
    maybe, conflict, undecided, resolved_...) where the viewer sees the whole
    stage, else the viewer's own label, taken from every group merged into the
    study (``screening.merges``; differing labels are joined, ``"exclude / include"``).
    """
    out: dict[int, dict[str, str]] = {}
    study = sdb.merged_away(db)
    for stage in STAGES:
        found = outcomes(db, who, stage)
        if found is not None:
            for group, code in found.items():
                out.setdefault(group, {})[stage] = code
            continue
        own: dict[int, set[str]] = {}
        for e in blind.events(db, who, stage=stage):
            own.setdefault(study.get(e.group_id, e.group_id), set()).add(e.label)
        for group, labels in own.items():
            out.setdefault(group, {})[stage] = " / ".join(sorted(labels))
    return out
