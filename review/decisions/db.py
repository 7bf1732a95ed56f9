"""The SQL of ``review.decisions``: finding studies by group, record, source id, DOI, title.

Read-only look-ups on the corpus tables; decisions are written by
``screening.decide`` only.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from review.core.db import (  # noqa: F401  (re-exported: the study look-ups live in core)
    _SELECT,
    RecordRef,
    by_source_id,
    group_has_records,
    group_title,
    record,
)


def all_records(db: Database) -> Iterator[RecordRef]:
    """Yield every record (for an import's look-up tables), in import order."""
    for row in db.execute(_SELECT + " ORDER BY r.id"):
        yield RecordRef(*row)
