"""All SQL of the review layer: its migrations, the protocol log and the audit log.

Tables: ``protocol_amendments`` (every logged version of protocol.toml, with
its full text, so any decision can be traced to the protocol in force) and
``audit`` (append-only event log: triggers refuse UPDATE and DELETE, so the
history a lead or an auditor reads cannot be rewritten through the tool).
The corpus layer's connection settings apply (:func:`corpus.db.connect`);
:func:`apply` adds this layer's tables to that database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.db import transaction

migrations = Migrations("review")


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
        CREATE TRIGGER protocol_amendments_no_update BEFORE UPDATE ON protocol_amendments
        BEGIN SELECT RAISE(ABORT, 'protocol_amendments is append-only'); END;
        CREATE TRIGGER protocol_amendments_no_delete BEFORE DELETE ON protocol_amendments
        BEGIN SELECT RAISE(ABORT, 'protocol_amendments is append-only'); END;
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            action TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
        );
        CREATE INDEX audit_action ON audit(action);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
        """
    )


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
    cursor = db.execute(
        "INSERT INTO audit (time, reviewer, action, details) VALUES (?, ?, ?, ?)",
        [time, reviewer, action, json.dumps(details, ensure_ascii=False, sort_keys=True)],
    )
    return int(cursor.lastrowid or 0)


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
