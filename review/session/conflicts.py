"""Reading and settling a stage's conflicts for the conflicts screen (no UI).

Both run off the UI thread with a connection of their own: :func:`load`
in the screen's worker (one outcome scan plus one query for every title,
not one per conflict) and :func:`resolve` as a job of the app's write queue.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus import db as corpus_db
from protocols.vocabulary import Stage
from review.session import db as session_db
from screening import conflicts
from screening.errors import ScreeningError

if TYPE_CHECKING:
    from review.core.review import Review


@dataclass(frozen=True, slots=True)
class Row:
    """One conflict as listed: the study, its title (masked) and every vote."""

    group_id: int
    title: str
    labels: dict[str, str]


@dataclass(frozen=True, slots=True)
class Listing:
    """A stage's unresolved conflicts; ``rows`` is None while the stage is blind to the viewer."""

    stage: Stage
    rows: list[Row] | None


@dataclass(frozen=True, slots=True)
class Resolved:
    """What settling a conflict did, in a sentence (a write queue result)."""

    group_id: int
    ok: bool
    message: str


def load(review: Review, stage: Stage) -> Listing:
    """Read a stage's conflicts as the reviewer may see them, with their titles (masked).

    Args:
        review: The review and who looks.
        stage: ``title_abstract`` or ``full_text``.
    """
    with review.connect() as db:
        found = conflicts.conflicts(db, review.viewer(db), stage)
        if found is None:
            return Listing(stage, None)
        first = session_db.first_records(db, [c.group_id for c in found])
        summaries = corpus_db.record_summaries(db, list(first.values()))
        rows = []
        for c in found:
            title = (summaries.get(first.get(c.group_id, -1)) or {}).get("title") or ""
            rows.append(Row(c.group_id, review.masked(title), c.labels))
        return Listing(stage, rows)


def resolve(review: Review, group_id: int, stage: Stage, label: str) -> Resolved:
    """Settle a conflict as the reviewer by the protocol's method (a write queue job)."""
    method = review.protocol.screening.conflict_resolution
    try:
        with review.connect() as db:
            try:
                conflicts.resolve(db, review.viewer(db), group_id, stage, label, method)
            except (ScreeningError, sqlite3.Error) as exc:
                return Resolved(group_id, False, str(exc))
    except sqlite3.Error as exc:
        return Resolved(group_id, False, f"cannot open the review database: {exc}")
    how = method.replace("_", " ")
    return Resolved(group_id, True, f"study {group_id}: resolved {label} ({how})")
