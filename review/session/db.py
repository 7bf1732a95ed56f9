"""All SQL of the session layer: the few reads the screens make that no other layer has.

The design keeps one module per package for SQL, so the screens and the
session modules call these functions instead of ``db.execute``. Each read is
indexed (``records.group_id``) and answers many groups in one query where a
screen needs many, so a list of conflicts costs one round trip, not one per row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

#: Group ids per query: well under SQLite's limit on bound parameters.
CHUNK = 500


def group_record_ids(db: Database, group_id: int) -> list[int]:
    """Return the ids of a study's records, oldest first.

    Args:
        db: The review database.
        group_id: The study (deduplicated group).

    Returns:
        Record ids; empty for an unknown group.
    """
    rows = db.execute("SELECT id FROM records WHERE group_id = ? ORDER BY id", [group_id])
    return [int(record_id) for (record_id,) in rows]


def first_records(db: Database, group_ids: Sequence[int]) -> dict[int, int]:
    """Return each study's first record id (the one whose title a list shows).

    Args:
        db: The review database.
        group_ids: The studies.

    Returns:
        Group id -> lowest record id; groups without records are left out.
    """
    found: dict[int, int] = {}
    unique = list(dict.fromkeys(group_ids))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT group_id, MIN(id) FROM records WHERE group_id IN ({marks}) GROUP BY group_id",
            chunk,
        )
        found.update((int(group), int(record)) for group, record in rows)
    return found
