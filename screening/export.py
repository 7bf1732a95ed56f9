"""Rows for ``review export decisions``: current decisions, or every event.

All rows come through ``screening.blind.events``, so in a blind review a
reviewer's export holds only their own decisions until the lead unblinds the
stage; a lead's export holds everyone's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, TextIO

from sqlite_utils import Database

from screening import blind
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


def decision_rows(
    db: Database, who: Viewer, *, history: bool = False, stage: str | None = None
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
        writer.writerow(row)
        n += 1
    return n


def group_decisions(db: Database, who: Viewer) -> dict[int, dict[str, str]]:
    """Return group -> stage -> what the viewer may know of its decision there.

    For ``review export records``: the group's outcome (include, exclude,
    maybe, conflict, undecided, resolved_...) where the viewer sees the whole
    stage, else the viewer's own label.
    """
    out: dict[int, dict[str, str]] = {}
    for stage in STAGES:
        found = outcomes(db, who, stage)
        if found is not None:
            for group, code in found.items():
                out.setdefault(group, {})[stage] = code
            continue
        for e in blind.events(db, who, stage=stage):
            out.setdefault(e.group_id, {})[stage] = e.label
    return out
