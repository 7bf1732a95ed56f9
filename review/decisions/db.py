"""The SQL of ``review.decisions``: finding studies by group, record, source id, DOI, title.

Read-only look-ups on the corpus tables; decisions are written by
``screening.decide`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class RecordRef:
    """One imported record as a study look-up sees it.

    Attributes:
        record_id: The record's id in this review.
        group_id: Its study (group) after deduplication.
        source_id: The record's own ID in its file.
        file_name: The file it came from.
        title: Its title.
        doi: Its DOI (normalised at import).
    """

    record_id: int
    group_id: int
    source_id: str | None
    file_name: str
    title: str | None
    doi: str | None


_SELECT = (
    "SELECT r.id, r.group_id, r.source_id, s.file_name, r.title, r.doi"
    " FROM records r JOIN sources s ON s.id = r.source_ref"
)


def group_has_records(db: Database, group_id: int) -> bool:
    """Tell whether a group is a current study (a merge can leave a group empty)."""
    row = db.execute("SELECT 1 FROM records WHERE group_id = ? LIMIT 1", [group_id]).fetchone()
    return row is not None


def record(db: Database, record_id: int) -> RecordRef | None:
    """Return a record by its id in this review."""
    row = db.execute(_SELECT + " WHERE r.id = ?", [record_id]).fetchone()
    return None if row is None else RecordRef(*row)


def by_source_id(db: Database, source_id: str) -> list[RecordRef]:
    """Return the records whose own ID in their file is ``source_id``."""
    rows = db.execute(_SELECT + " WHERE r.source_id = ? ORDER BY r.id", [source_id]).fetchall()
    return [RecordRef(*row) for row in rows]


def group_title(db: Database, group_id: int) -> str | None:
    """Return the title of a study's first record with one."""
    row = db.execute(
        "SELECT title FROM records WHERE group_id = ? AND title IS NOT NULL ORDER BY id LIMIT 1",
        [group_id],
    ).fetchone()
    return None if row is None else str(row[0])


def all_records(db: Database) -> Iterator[RecordRef]:
    """Yield every record (for an import's look-up tables), in import order."""
    for row in db.execute(_SELECT + " ORDER BY r.id"):
        yield RecordRef(*row)
