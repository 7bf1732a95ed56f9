"""The SQL of ``review.sync``: the Zotero sync log (table made by core's ``m003_zotero_syncs``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class SyncRow:
    """One sync, as logged."""

    library: str
    library_name: str
    collection: str
    collection_name: str
    tag: str
    endpoint: str
    source_ref: int
    since_version: int | None
    library_version: int
    added: int
    updated: int
    deleted: int
    skipped: int
    time: str


def last_sync(db: Database, library: str, collection: str, tag: str) -> dict[str, Any] | None:
    """The latest sync of one library (and collection and tag filter), or None."""
    cur = db.execute(
        "SELECT * FROM zotero_syncs WHERE library = ? AND collection = ? AND tag = ? "
        "ORDER BY id DESC LIMIT 1",
        [library, collection, tag],
    )
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def library_name(db: Database, library: str) -> str | None:
    """The name the first sync of a library recorded (kept so the source name is stable)."""
    row = db.execute(
        "SELECT library_name FROM zotero_syncs WHERE library = ? ORDER BY id LIMIT 1", [library]
    ).fetchone()
    return None if row is None else str(row[0])


def library_sources(db: Database, library: str) -> list[int]:
    """The sources made by every earlier sync of a library, oldest first."""
    rows = db.execute(
        "SELECT source_ref FROM zotero_syncs WHERE library = ? ORDER BY id", [library]
    ).fetchall()
    return [int(r[0]) for r in rows]


def log_sync(db: Database, row: SyncRow) -> int:
    """Log one sync (inside the sync's transaction) and return its id."""
    values = asdict(row)
    cur = db.execute(
        f"INSERT INTO zotero_syncs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )
    return int(cur.lastrowid or 0)


def syncs(db: Database) -> list[dict[str, Any]]:
    """Every sync, oldest first."""
    return list(db.query("SELECT * FROM zotero_syncs ORDER BY id"))


def library_endpoint(db: Database, library: str) -> str | None:
    """The endpoint the latest sync of a library used (as logged: no credentials), or None."""
    row = db.execute(
        "SELECT endpoint FROM zotero_syncs WHERE library = ? ORDER BY id DESC LIMIT 1", [library]
    ).fetchone()
    return None if row is None else str(row[0])


def libraries(db: Database) -> list[str]:
    """Every library the review has synced from, in order of its first sync."""
    rows = db.execute(
        "SELECT library FROM zotero_syncs GROUP BY library ORDER BY MIN(id)"
    ).fetchall()
    return [str(r[0]) for r in rows]


def library_items(
    db: Database, source_refs: list[int], skip_flag: str
) -> dict[str, tuple[int, int]]:
    """Return Zotero item key -> ``(record id, group id)`` for the records of some sources.

    When a key occurs more than once (an item re-imported by a later sync), the
    latest record wins, as in ``corpus.db.records_of_sources``. Records whose
    flags hold ``skip_flag`` (items deleted in Zotero) are left out.
    """
    if not source_refs:
        return {}
    marks = ",".join("?" * len(source_refs))
    rows = db.execute(
        f"SELECT source_id, id, group_id, COALESCE(flags, '') FROM records "
        f"WHERE source_ref IN ({marks}) AND source_id IS NOT NULL ORDER BY id",
        list(source_refs),
    ).fetchall()
    out: dict[str, tuple[int, int]] = {}
    for key, record_id, group_id, flags in rows:
        out.pop(str(key), None)
        if skip_flag not in str(flags).split(","):
            out[str(key)] = (int(record_id), int(group_id))
    return out
