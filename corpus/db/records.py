"""Sources and records: the import write and the reads of status and export."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from corpus.db.schema import content_hash, transaction
from corpus.model import FIELDS, Record
from protocols.vocabulary import METHODS, Flag, Method


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What is recorded about one imported file."""

    database: str
    file_name: str
    sha256: str
    format: str
    imported_at: str
    search_date: str | None
    query: str | None
    method: str = "database"
    """How the source was searched: one of :data:`SOURCE_METHODS`."""


SOURCE_METHODS: tuple[Method, ...] = METHODS
"""``sources.method``: databases and registers, then PRISMA's "other methods"."""


def source_by_hash(db: Database, sha256: str) -> dict[str, Any] | None:
    """Return the earlier import of a file with this content, if any."""
    row = db.execute(
        "SELECT id, file_name, database, imported_at FROM sources WHERE sha256 = ? "
        "ORDER BY id LIMIT 1",
        [sha256],
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("id", "file_name", "database", "imported_at"), row, strict=True))


_INSERT_RECORD = (
    "INSERT INTO records (id, group_id, source_ref, position, source_id, "
    + ", ".join(FIELDS)
    + ", raw, flags, content_hash) VALUES ("
    + ", ".join(["?"] * (len(FIELDS) + 8))
    + ")"
)


def _record_row(record_id: int, source_ref: int, position: int, rec: Record) -> tuple[Any, ...]:
    values: list[Any] = [record_id, record_id, source_ref, position, rec.source_id]
    for name in FIELDS:
        value = getattr(rec, name)
        if isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False)
        values.append(value)
    values.append(json.dumps(rec.raw, ensure_ascii=False, default=str))
    values.append(",".join(rec.flags()))
    values.append(content_hash(rec.title, rec.abstract))
    return tuple(values)


#: A source's search date: as given, else in an update round (``m006_rounds``) the
#: round's search date (the update's searches were run then), else none.
_SEARCH_DATE = (
    "COALESCE(?, (SELECT r.search_date FROM rounds r WHERE r.number > 1 "
    "AND r.number = (SELECT MAX(number) FROM rounds)))"
)


def insert_source(db: Database, info: SourceInfo, records: Sequence[Record]) -> int:
    """Insert one imported file and its records in a single transaction.

    Every record becomes its own group (group id = record id) until
    deduplication merges groups. Either everything is written or nothing.
    The source belongs to the newest search round (``corpus.db.rounds``).

    Returns:
        The new source's id.
    """
    flagged = sum(1 for r in records if not r.title or not r.abstract)
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT INTO sources (database, file_name, sha256, format, imported_at, "
            "search_date, query, record_count, flagged_count, method, round) "
            "VALUES (?,?,?,?,?," + _SEARCH_DATE + ",?,?,?,?,(SELECT MAX(number) FROM rounds))",
            (
                info.database,
                info.file_name,
                info.sha256,
                info.format,
                info.imported_at,
                info.search_date,
                info.query,
                len(records),
                flagged,
                info.method,
            ),
        )
        source_ref = int(cur.lastrowid or 0)
        # Ids are assigned here so each record's first group can share its id
        # (no UPDATE pass over 100k rows); merged groups reuse record ids, so
        # the next free id is above both tables' maximum.
        start = (
            1
            + conn.execute(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM records), 0), "
                "COALESCE((SELECT MAX(id) FROM record_groups), 0))"
            ).fetchone()[0]
        )
        ids = range(start, start + len(records))
        conn.executemany("INSERT INTO record_groups (id) VALUES (?)", ((i,) for i in ids))
        conn.executemany(
            _INSERT_RECORD,
            (
                _record_row(rid, source_ref, pos, rec)
                for pos, (rid, rec) in enumerate(zip(ids, records, strict=True), start=1)
            ),
        )
    return source_ref


def sources(db: Database) -> list[dict[str, Any]]:
    """Return every import, oldest first."""
    return list(db.query("SELECT * FROM sources ORDER BY id"))


def counts(db: Database) -> dict[str, int]:
    """Return the headline counts for ``review status``."""
    row = db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT group_id), "
        "SUM(title IS NULL OR title = ''), SUM(abstract IS NULL OR abstract = '') "
        "FROM records"
    ).fetchone()
    return {
        "records": int(row[0] or 0),
        "groups": int(row[1] or 0),
        "missing_title": int(row[2] or 0),
        "missing_abstract": int(row[3] or 0),
        "sources": int(db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]),
    }


def counts_by_database(db: Database) -> dict[str, int]:
    """Return records identified per database (PRISMA's first box)."""
    rows = db.execute(
        "SELECT database, SUM(record_count) FROM sources GROUP BY database ORDER BY database"
    ).fetchall()
    return {name: int(n or 0) for name, n in rows}


def iter_export_rows(db: Database) -> Iterator[dict[str, Any]]:
    """Yield every imported record with its source, in import order."""
    cols = ", ".join(f"r.{name}" for name in FIELDS)
    sql = (
        "SELECT r.id AS record_id, r.source_id, s.database AS source, s.file_name, "
        f"r.group_id, {cols}, r.flags, r.raw FROM records r "
        "JOIN sources s ON s.id = r.source_ref ORDER BY r.id"
    )
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        item = dict(zip(names, row, strict=True))
        item["authors"] = json.loads(item["authors"])
        item["keywords"] = json.loads(item["keywords"])
        yield item


def records_of_sources(
    db: Database, source_refs: Sequence[int], raw_field: str = "version"
) -> dict[str, tuple[int, Any]]:
    """Return ``source_id -> (record id, raw[raw_field])`` for some sources' records.

    When a source id occurs more than once, the latest record wins. A synced
    library (Zotero) uses this to find the record an item became earlier,
    and the item version it was stored at.
    """
    if not source_refs:
        return {}
    marks = ",".join("?" * len(source_refs))
    rows = db.execute(
        f"SELECT source_id, id, json_extract(raw, ?) FROM records WHERE source_ref IN ({marks}) "
        "AND source_id IS NOT NULL ORDER BY id",
        [f"$.{raw_field}", *source_refs],
    ).fetchall()
    return {str(sid): (int(rid), value) for sid, rid, value in rows}


_KEEP_FLAGS = (Flag.MISSING_TITLE, Flag.MISSING_ABSTRACT)


def update_record(
    db: Database, record_id: int, rec: Record, drop_flags: Sequence[str] = ()
) -> None:
    """Replace a record's bibliographic fields (a changed copy in a synced library).

    The record keeps its id, group, source and position; its flags are
    recomputed from the new fields, other flags are kept unless in
    ``drop_flags``. The full-text index entry is replaced when it exists, and
    the new content hash makes the embedding catch up. Runs in the caller's
    transaction when there is one.
    """
    with transaction(db) as conn:
        old = conn.execute(
            "SELECT title, abstract, authors, keywords, flags FROM records WHERE id = ?",
            (record_id,),
        ).fetchone()
        if old is None:
            raise KeyError(record_id)
        kept = [f for f in old[4].split(",") if f and f not in _KEEP_FLAGS and f not in drop_flags]
        row = _record_row(record_id, 0, 0, rec)
        values = dict(zip(FIELDS, row[5 : 5 + len(FIELDS)], strict=True))
        sets = ", ".join(f"{name} = ?" for name in FIELDS)
        conn.execute(
            f"UPDATE records SET source_id = ?, {sets}, raw = ?, flags = ?, content_hash = ? "
            "WHERE id = ?",
            (
                rec.source_id,
                *values.values(),
                row[-3],
                ",".join([*rec.flags(), *kept]),
                row[-1],
                record_id,
            ),
        )
        synced = conn.execute("SELECT synced_max_id FROM fts_state WHERE id = 1").fetchone()
        if synced is not None and record_id <= int(synced[0] or 0):
            conn.execute(
                "INSERT INTO records_fts (records_fts, rowid, title, abstract, authors, keywords) "
                "VALUES ('delete', ?, ?, ?, ?, ?)",
                (record_id, *old[:4]),
            )
            conn.execute(
                "INSERT INTO records_fts (rowid, title, abstract, authors, keywords) "
                "SELECT id, title, abstract, authors, keywords FROM records WHERE id = ?",
                (record_id,),
            )


def flag_record(db: Database, record_id: int, flag: str) -> bool:
    """Add a flag to a record (e.g. ``deleted_in_zotero``); records are never dropped.

    Returns:
        True when the flag was added, False when the record already had it.
    """
    with transaction(db) as conn:
        row = conn.execute("SELECT flags FROM records WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise KeyError(record_id)
        flags = [f for f in row[0].split(",") if f]
        if flag in flags:
            return False
        conn.execute(
            "UPDATE records SET flags = ? WHERE id = ?", (",".join([*flags, flag]), record_id)
        )
    return True
