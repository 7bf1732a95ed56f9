"""All SQL of the review layer: its migrations, the protocol log and the audit log.

It also holds the study look-ups every command that names a study uses
(:mod:`review.core.study`): by group id, record id or source id.

Tables: ``protocol_amendments`` (every logged version of protocol.toml, with
its full text, so any decision can be traced to the protocol in force) and
``audit`` (append-only event log: triggers refuse UPDATE and DELETE, so the
history a lead or an auditor reads cannot be rewritten through the tool).
The corpus layer's connection settings apply (:func:`corpus.db.connect`);
:func:`apply` adds this layer's tables to that database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.db import append_only, transaction

migrations = Migrations("review")

#: What m001 and m002 wrote between a trigger's ``ON`` clause and ``BEGIN``:
#: the trigger text is on record in every review, so it stays as it was.
_BREAK = "\n        "


def _script(statements: list[str]) -> str:
    """Statements as lines of an ``executescript`` script."""
    return "".join(f"        {statement};\n" for statement in statements)


@migrations()
def m001_protocol_and_audit(db: Database) -> None:
    """The protocol amendment log and the append-only audit log."""
    db.executescript(
        """
        CREATE TABLE protocol_amendments (
            id INTEGER PRIMARY KEY,
            number INTEGER NOT NULL UNIQUE,
            version TEXT NOT NULL,
            previous_version TEXT,
            reason TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            time TEXT NOT NULL,
            protocol_text TEXT NOT NULL
        );
        """
        + _script(append_only("protocol_amendments", before_begin=_BREAK))
        + """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            action TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
        );
        CREATE INDEX audit_action ON audit(action);
        """
        + _script(append_only("audit", before_begin=_BREAK))
    )


@migrations()
def m002_extraction(db: Database) -> None:
    """The extraction log: value events, completion marks, unblinding (append-only).

    The tables belong to ``review.extraction`` (its ``db`` module holds their
    queries); they are created here because core's migrations run before any
    feature package is imported, and core may not import feature packages.
    ``copy`` is whose copy of the form a row belongs to: an extractor's name,
    or '' for the consensus record (lead's resolutions, a verifier's edits).
    """
    db.executescript(
        """
        CREATE TABLE extraction_values (
            id INTEGER PRIMARY KEY,
            group_id INTEGER NOT NULL REFERENCES record_groups(id),
            copy TEXT NOT NULL,
            field TEXT NOT NULL,
            row INTEGER NOT NULL DEFAULT 0 CHECK (row >= 0),
            column_name TEXT NOT NULL DEFAULT '',
            value TEXT CHECK (value IS NULL OR json_valid(value)),
            page INTEGER CHECK (page IS NULL OR page >= 1),
            quote TEXT,
            comment TEXT,
            reviewer TEXT NOT NULL REFERENCES reviewers(name),
            protocol_version TEXT NOT NULL,
            time TEXT NOT NULL,
            CHECK ((row = 0) = (column_name = ''))
        );
        CREATE INDEX extraction_values_key
            ON extraction_values(group_id, copy, field, row, column_name, id);
        """
        + _script(append_only("extraction_values", before_begin=_BREAK))
        + """
        CREATE TABLE extraction_marks (
            id INTEGER PRIMARY KEY,
            group_id INTEGER NOT NULL REFERENCES record_groups(id),
            copy TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('complete', 'reopen')),
            reviewer TEXT NOT NULL REFERENCES reviewers(name),
            protocol_version TEXT NOT NULL,
            time TEXT NOT NULL
        );
        CREATE INDEX extraction_marks_key ON extraction_marks(group_id, copy, id);
        """
        + _script(append_only("extraction_marks", before_begin=_BREAK))
        + """
        CREATE TABLE extraction_unblinded (
            id INTEGER PRIMARY KEY,
            reviewer TEXT NOT NULL REFERENCES reviewers(name),
            time TEXT NOT NULL
        );
        """
        + _script(append_only("extraction_unblinded", ["DELETE"], before_begin=_BREAK))
    )


@migrations()
def m003_zotero_syncs(db: Database) -> None:
    """The Zotero sync log: one row per ``review zotero import``, with its library version.

    The table belongs to ``review.sync`` (its ``db`` module holds the queries);
    it is created here for the reason given in :func:`m002_extraction`. Each
    sync is also one row in ``sources`` (``source_ref``), so PRISMA counts it.
    ``library_version`` is what the next sync of the same library and
    collection asks for with ``since=``. No API key is ever stored.
    """
    db.executescript(
        """
        CREATE TABLE zotero_syncs (
            id INTEGER PRIMARY KEY,
            library TEXT NOT NULL,
            library_name TEXT NOT NULL,
            collection TEXT NOT NULL DEFAULT '',
            collection_name TEXT NOT NULL DEFAULT '',
            tag TEXT NOT NULL DEFAULT '',
            endpoint TEXT NOT NULL,
            source_ref INTEGER NOT NULL REFERENCES sources(id),
            since_version INTEGER,
            library_version INTEGER NOT NULL,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            time TEXT NOT NULL
        );
        CREATE INDEX zotero_syncs_library ON zotero_syncs(library, collection, tag, id);
        """
    )


@migrations()
def m004_audit_chain(db: Database) -> None:
    """Chain the audit log: each row carries a hash of its content and of the row before.

    Triggers stop an edit through the tool, but anyone with the sqlite3 shell
    can drop a trigger; the chain makes such an edit visible to
    ``review check`` (:mod:`review.core.integrity`), which names the row.
    Existing rows are hashed in id order; the append-only trigger is dropped
    for that one backfill and created again in the same transaction.
    """
    db.execute("ALTER TABLE audit ADD COLUMN prev_hash TEXT")
    db.execute("ALTER TABLE audit ADD COLUMN hash TEXT")
    db.execute("DROP TRIGGER audit_no_update")
    previous = ""
    rows = db.execute(
        "SELECT id, time, reviewer, action, details FROM audit ORDER BY id"
    ).fetchall()
    for id_, time, reviewer, action, details in rows:
        digest = audit_hash(previous, id_, time, reviewer, action, details)
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [previous, digest, id_])
        previous = digest
    (statement,) = append_only("audit", ["UPDATE"])
    db.execute(statement)


def audit_hash(
    prev_hash: str, id_: int, time: str, reviewer: str, action: str, details: str
) -> str:
    """Return the chain hash of one audit row: sha256 of the previous hash and its content.

    The content is canonical JSON of ``[id, time, reviewer, action, details]``
    (``details`` as stored), so the same row always hashes the same.
    """
    content = json.dumps(
        [id_, time, reviewer, action, details], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def apply(db: Database) -> None:
    """Apply the review layer's pending migrations."""
    migrations.apply(db)


def now() -> str:
    """Return the current UTC time as stored in the logs (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Amendment:
    """One logged protocol version."""

    number: int
    version: str
    previous_version: str | None
    reason: str
    reviewer: str
    time: str
    protocol_text: str


def protocol_versions(db: Database) -> list[Amendment]:
    """Return every logged protocol version, oldest first."""
    rows = db.execute(
        "SELECT number, version, previous_version, reason, reviewer, time, protocol_text"
        " FROM protocol_amendments ORDER BY number"
    ).fetchall()
    return [Amendment(*row) for row in rows]


def latest_protocol_version(db: Database) -> Amendment | None:
    """Return the last logged protocol version, or None before the first."""
    row = db.execute(
        "SELECT number, version, previous_version, reason, reviewer, time, protocol_text"
        " FROM protocol_amendments ORDER BY number DESC LIMIT 1"
    ).fetchone()
    return Amendment(*row) if row else None


def log_protocol_version(
    db: Database, text: str, version: str, reason: str, reviewer: str
) -> Amendment:
    """Log a protocol version (and an ``protocol.amend`` audit event) atomically.

    Args:
        db: The review database.
        text: The full text of the new protocol version.
        version: Its version hash (``protocols.loader.version_of``).
        reason: Why it changed (or "initial protocol").
        reviewer: Who made the change.

    Returns:
        The logged amendment; its ``number`` counts from 1.
    """
    with transaction(db):  # BEGIN IMMEDIATE: no second writer between read and insert
        last = latest_protocol_version(db)
        amendment = Amendment(
            number=last.number + 1 if last else 1,
            version=version,
            previous_version=last.version if last else None,
            reason=reason,
            reviewer=reviewer,
            time=now(),
            protocol_text=text,
        )
        db.execute(
            "INSERT INTO protocol_amendments"
            " (number, version, previous_version, reason, reviewer, time, protocol_text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                amendment.number,
                amendment.version,
                amendment.previous_version,
                amendment.reason,
                amendment.reviewer,
                amendment.time,
                amendment.protocol_text,
            ],
        )
        _insert_audit(
            db,
            amendment.time,
            reviewer,
            "protocol.amend",
            {
                "number": amendment.number,
                "version": version,
                "previous_version": amendment.previous_version,
                "reason": reason,
            },
        )
    return amendment


def append_audit(db: Database, reviewer: str, action: str, details: dict[str, Any]) -> int:
    """Append one event to the audit log and return its id.

    Args:
        db: The review database.
        reviewer: Who acted.
        action: A dotted action name, e.g. ``protocol.amend``.
        details: JSON-serialisable facts about the event.
    """
    with transaction(db):
        return _insert_audit(db, now(), reviewer, action, details)


def _insert_audit(
    db: Database, time: str, reviewer: str, action: str, details: dict[str, Any]
) -> int:
    """Insert one chained audit row; the caller holds the write transaction.

    The id is chosen here (the last id plus one) because it is part of the
    hashed content; under the write lock no other writer can take it.
    """
    last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    id_ = int(last[0]) + 1 if last else 1
    previous = str(last[1] or "") if last else ""
    text = json.dumps(details, ensure_ascii=False, sort_keys=True)
    db.execute(
        "INSERT INTO audit (id, time, reviewer, action, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            id_,
            time,
            reviewer,
            action,
            text,
            previous,
            audit_hash(previous, id_, time, reviewer, action, text),
        ],
    )
    return id_


def audit_chain(db: Database) -> list[tuple[Any, ...]]:
    """Return every audit row with its chain columns, in id order, for the chain check."""
    rows = db.execute(
        "SELECT id, time, reviewer, action, details, prev_hash, hash FROM audit ORDER BY id"
    ).fetchall()
    return [tuple(row) for row in rows]


def integrity_problems(db: Database) -> list[str]:
    """Return what ``PRAGMA integrity_check`` reports, or [] for a sound file."""
    rows = [str(r[0]) for r in db.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(db: Database) -> list[tuple[str, int | None, str]]:
    """Return ``(table, rowid, referenced table)`` for each row whose reference is dangling."""
    rows = db.execute("PRAGMA foreign_key_check").fetchall()
    return [(str(t), None if r is None else int(r), str(p)) for t, r, p, _ in rows]


def table_counts(db: Database) -> dict[str, int]:
    """Return the row count of every ordinary table (for a backup's manifest)."""
    names = [
        str(n)
        for (n,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        ).fetchall()
    ]
    return {name: int(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}


def audit_events(db: Database, action: str | None = None) -> list[dict[str, Any]]:
    """Return audit events oldest first, optionally only one action's."""
    sql = "SELECT id, time, reviewer, action, details FROM audit"
    params: list[Any] = []
    if action:
        sql += " WHERE action = ?"
        params.append(action)
    rows = db.execute(sql + " ORDER BY id", params).fetchall()
    return [
        {"id": i, "time": t, "reviewer": r, "action": a, "details": json.loads(d)}
        for i, t, r, a, d in rows
    ]


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
