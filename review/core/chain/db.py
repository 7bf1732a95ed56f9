"""All SQL of the ledger: its table, the triggers that fill it, the backfill, the reads.

The ledger is one hash chain over every append-only log of the review. Each
log has an ``AFTER INSERT`` trigger (and, where the tool legitimately
updates a row, an ``AFTER UPDATE OF`` its content columns) that appends an
entry: the table, the row's key, ``insert`` or ``update``, the SHA-256 of
the row's content (``digest``), the previous entry's hash and its own hash
(:mod:`corpus.db.chain_hash`). Triggers rather than Python calls, so that
no write path, present or future, can skip the chain.

:data:`LOGS` is the one source of truth: the migration creates the
triggers from it. The column lists are frozen here on purpose: a
migration that adds a column to a log (or rebuilds a log table, which drops
its triggers) must add a ledger migration that recreates that trigger.

The triggers themselves are recorded in ``schema_triggers``, a chained log:
each run of migrations appends what it changed, and ``review check``
compares the database's triggers with that record, not with the SQL this
release would write (a review created by an earlier release keeps the
triggers that release wrote).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.db.chain_hash import ENTRY, content_digest, entry_hash, value_sql
from corpus.db.ddl import append_only

migrations = Migrations("ledger")


@dataclass(frozen=True, slots=True)
class Log:
    """One chained table.

    Attributes:
        table: The table's name.
        key: The columns naming a row (one, or several joined with ':').
        columns: The content that is hashed.
        updates: Columns the tool may update (a re-synced or flagged record, a
            record a merge moved, an undone merge, a reviewer's role); an update
            enters the chain too, and the row must match its latest entry.
    """

    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    updates: tuple[str, ...] = ()

    def key_sql(self, prefix: str = "") -> str:
        """SQL for the row's key (an id, or the key columns joined with ':')."""
        return " || ':' || ".join(prefix + k for k in self.key)


def _log(table: str, key: str, columns: str, updates: str = "") -> Log:
    return Log(table, tuple(key.split()), tuple(columns.split()), tuple(updates.split()))


_RECORDS = (
    "source_ref position source_id group_id title abstract authors year journal volume issue"
    " pages doi pmid issn keywords language type url raw flags content_hash"
)

#: The logs :func:`m001_ledger` chained, in the order an existing review's rows are
#: backfilled (frozen with that migration; a later log goes in :data:`ALL_LOGS`).
LOGS: tuple[Log, ...] = (
    _log("rounds", "number", "number search_date started_at started_by note"),
    _log(
        "sources",
        "id",
        "id database file_name sha256 format imported_at search_date query record_count"
        " flagged_count method round",
    ),
    _log("records", "id", "id " + _RECORDS, _RECORDS),
    _log(
        "dedup_merges",
        "id",
        "id pair_id into_group from_group moved_records decided_by decided_at undone_by undone_at",
        "undone_by undone_at",
    ),
    _log("reviewers", "name", "name role created", "role"),
    _log("screening_sessions", "id", "id reviewer stage started client"),
    _log(
        "decisions",
        "id",
        "id group_id stage reviewer label reason note retracts time model_version rank_shown"
        " score_shown session_id",
    ),
    _log("resolutions", "id", "id group_id stage resolver label method note time"),
    _log("unblinded", "id", "id stage by time"),
    _log("report_flags", "id", "id group_id flag reviewer note time"),
    _log(
        "stopping_samples",
        "id",
        "id stage drawn_by drawn_at target confidence seed eligible ranked ranked_relevant"
        " last_decision round",
    ),
    _log(
        "stopping_sample_groups",
        "sample_id position",
        "sample_id position group_id batch drawn_by drawn_at",
    ),
    _log(
        "protocol_amendments",
        "id",
        "id number version previous_version reason reviewer time protocol_text",
    ),
    _log("audit", "id", "id time reviewer action details"),  # its own hash columns follow
    _log(
        "extraction_values",
        "id",
        "id group_id copy field row column_name value page quote comment reviewer"
        " protocol_version time",
    ),
    _log("extraction_marks", "id", "id group_id copy action reviewer protocol_version time"),
    _log("extraction_unblinded", "id", "id reviewer time"),
    _log(
        "zotero_syncs",
        "id",
        "id library library_name collection collection_name tag endpoint source_ref"
        " since_version library_version added updated deleted skipped time",
    ),
)
#: The triggers each migration run left, chained like the logs (``sql`` NULL: dropped).
TRIGGER_LOG = _log("schema_triggers", "id", "id name tbl sql recorded_at")
#: Every chained log: those :func:`m001_ledger` entered, then the later ones.
ALL_LOGS: tuple[Log, ...] = (*LOGS, TRIGGER_LOG)
LOGS_BY_TABLE: dict[str, Log] = {log.table: log for log in ALL_LOGS}

_LEDGER: list[str] = [
    # ``entry`` is the digest then the hash, as the trigger's one function call
    # returns them (:func:`corpus.db.chain_hash.entry`); the two generated
    # columns split it for reading.
    """CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY,
        tbl TEXT NOT NULL,
        row_key NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('insert', 'update')),
        prev_hash TEXT NOT NULL,
        entry TEXT NOT NULL,
        digest TEXT GENERATED ALWAYS AS (substr(entry, 1, 64)) VIRTUAL,
        hash TEXT GENERATED ALWAYS AS (substr(entry, 65)) VIRTUAL)""",
    *append_only("ledger"),
]


def trigger_name(log: Log, op: str) -> str:
    """The name of a log's ledger trigger for ``insert`` or ``update``."""
    return f"ledger_{log.table}_{op}"


def trigger_sql(log: Log, op: str) -> str:
    """The ``CREATE TRIGGER`` that appends a ledger entry for each row written.

    Built from :data:`LOGS` only (constant names, never user input). The
    previous hash is read inside the writer's transaction, so concurrent
    writers still make one line.
    """
    event = "INSERT" if op == "insert" else "UPDATE OF " + ", ".join(log.updates)
    values = ", ".join(value_sql("NEW." + c) for c in log.columns)
    return (
        f"CREATE TRIGGER {trigger_name(log, op)} AFTER {event} ON {log.table} BEGIN "
        f"INSERT INTO ledger (tbl, row_key, op, prev_hash, entry) VALUES ('{log.table}', "
        f"{log.key_sql('NEW.')}, '{op}', {_HEAD}, {ENTRY}({_HEAD}, '{log.table}', "
        f"{log.key_sql('NEW.')}, '{op}', {values})); END"
    )


#: The last entry's hash ('' before the first): one step down the rowid b-tree.
_HEAD = "COALESCE((SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1), '')"


def chain_triggers() -> list[str]:
    """Every ledger trigger's SQL, as the migration creates them."""
    out = []
    for log in LOGS:
        out.append(trigger_sql(log, "insert"))
        if log.updates:
            out.append(trigger_sql(log, "update"))
    return out


@migrations()
def m001_ledger(db: Database) -> None:
    """The ledger, with every existing log row entered in a fixed order, then its triggers.

    An existing review's rows are entered table by table (:data:`LOGS`
    order), each table in key order, so the same review always gets the
    same chain; their history before the ledger is what the file says.
    """
    for statement in _LEDGER:  # one by one: executescript would commit mid-migration
        db.execute(statement)
    backfill(db)
    for statement in chain_triggers():
        db.execute(statement)


@migrations()
def m002_schema_triggers(db: Database) -> None:
    """The chained record of the review's triggers (see :func:`record_triggers`)."""
    db.execute(
        """CREATE TABLE schema_triggers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            tbl TEXT NOT NULL,
            sql TEXT,
            recorded_at TEXT NOT NULL)"""
    )
    for statement in append_only("schema_triggers"):
        db.execute(statement)
    db.execute(trigger_sql(TRIGGER_LOG, "insert"))


def recorded_triggers(db: Database) -> dict[str, tuple[str, str | None]]:
    """The triggers as last recorded: name -> (table, SQL, or None once dropped)."""
    rows = db.execute("SELECT name, tbl, sql FROM schema_triggers ORDER BY id")
    return {str(n): (str(t), None if s is None else str(s)) for n, t, s in rows}


def record_triggers(db: Database, changes: list[tuple[str, str, str | None]], at: str) -> None:
    """Append ``(name, table, SQL or None)`` rows to the chained trigger record."""
    db.conn.executemany(
        "INSERT INTO schema_triggers (name, tbl, sql, recorded_at) VALUES (?, ?, ?, ?)",
        [(name, table, sql, at) for name, table, sql in changes],
    )


def backfill(db: Database) -> tuple[int, str]:
    """Enter every row of every log into an empty ledger; return its (length, head)."""
    seq, prev = 0, ""
    for log in LOGS:
        key_order = ", ".join(log.key)
        cursor = db.execute(
            f"SELECT {log.key_sql()}, {_values(log)} FROM {log.table} ORDER BY {key_order}"
        )
        batch: list[tuple[Any, ...]] = []
        for key, *values in cursor:
            digest = content_digest(log.table, *values)
            seq += 1
            current = entry_hash(prev, log.table, key, "insert", digest)
            batch.append((seq, log.table, key, "insert", prev, digest + current))
            prev = current
        db.conn.executemany(
            "INSERT INTO ledger (seq, tbl, row_key, op, prev_hash, entry)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            batch,
        )
    return seq, prev


def _values(log: Log) -> str:
    return ", ".join(value_sql(c) for c in log.columns)


def entries(db: Database) -> Iterator[tuple[int, str, Any, str, str, str, str]]:
    """Yield every ledger entry in chain order: seq, tbl, key, op, digest, prev_hash, hash."""
    yield from db.execute(
        "SELECT seq, tbl, row_key, op, digest, prev_hash, hash FROM ledger ORDER BY seq"
    )


def current_digests(db: Database, log: Log) -> Iterator[tuple[Any, str]]:
    """Yield (key, digest of its content now) for every row of a log.

    Hashed here rather than with the SQL function, so that a connection
    opened elsewhere (a backup's copy) can be checked too.
    """
    cursor = db.execute(f"SELECT {log.key_sql()}, {_values(log)} FROM {log.table}")
    for key, *values in cursor:
        yield key, content_digest(log.table, *values)


def head(db: Database) -> tuple[int, str]:
    """Return the chain's length (the last entry's seq) and head hash; (0, "") when empty."""
    row = db.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, "") if row is None else (int(row[0]), str(row[1]))


def hash_at(db: Database, seq: int) -> str | None:
    """Return the hash of the entry at ``seq``, or None past the end."""
    row = db.execute("SELECT hash FROM ledger WHERE seq = ?", [seq]).fetchone()
    return None if row is None else str(row[0])


def entries_with_hash(db: Database, prefix: str) -> list[tuple[int, str]]:
    """Return (seq, hash) of the entries whose hash starts with ``prefix`` (lower-case hex)."""
    rows = db.execute(
        "SELECT seq, hash FROM ledger WHERE substr(hash, 1, ?) = ? ORDER BY seq",
        [len(prefix), prefix],
    ).fetchall()
    return [(int(s), str(h)) for s, h in rows]


def triggers(db: Database) -> dict[str, tuple[str, str]]:
    """Return every trigger of the database: name -> (table, SQL as stored)."""
    rows = db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    return {str(n): (str(t), str(s or "")) for n, t, s in rows}


def has_ledger(db: Database) -> bool:
    """Tell whether the ledger table exists (it is created by this layer's migration)."""
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger'"
    ).fetchone()
    return row is not None
