"""Schema, migrations and connections of the corpus tables.

Connections use WAL, foreign keys and a busy timeout so that a TUI and a CLI
can work on the same review at once.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.db import chain_hash
from corpus.db.ddl import append_only

BUSY_TIMEOUT_MS = int(os.environ.get("REVIEW_BUSY_TIMEOUT_MS", "10000"))
"""How long a connection waits for another writer (``$REVIEW_BUSY_TIMEOUT_MS``)."""

BEGIN_RETRIES = 3
"""Extra tries of ``BEGIN IMMEDIATE`` after the busy timeout ran out once."""

migrations = Migrations("corpus")


@migrations()
def m001_initial(db: Database) -> None:
    """Sources, groups and records, as first released."""
    db.executescript(
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            database TEXT NOT NULL,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            search_date TEXT,
            query TEXT,
            record_count INTEGER NOT NULL,
            flagged_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sources_sha256 ON sources(sha256);
        CREATE TABLE record_groups (
            id INTEGER PRIMARY KEY
        );
        CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            source_ref INTEGER NOT NULL REFERENCES sources(id),
            position INTEGER NOT NULL,
            source_id TEXT,
            group_id INTEGER REFERENCES record_groups(id),
            title TEXT,
            abstract TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            year INTEGER,
            journal TEXT,
            volume TEXT,
            issue TEXT,
            pages TEXT,
            doi TEXT,
            pmid TEXT,
            issn TEXT,
            keywords TEXT NOT NULL DEFAULT '[]',
            language TEXT,
            type TEXT,
            url TEXT,
            raw TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX records_source ON records(source_ref);
        CREATE INDEX records_group ON records(group_id);
        CREATE INDEX records_doi ON records(doi);
        CREATE INDEX records_pmid ON records(pmid);
        """
    )


@migrations()
def m002_embeddings_and_search(db: Database) -> None:
    """Content hashes, the embedding cache and the full-text index."""
    db.executescript(
        """
        ALTER TABLE records ADD COLUMN content_hash TEXT;
        CREATE INDEX records_content_hash ON records(content_hash);
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, content_hash)
        ) WITHOUT ROWID;
        CREATE VIRTUAL TABLE records_fts USING fts5(
            title, abstract, authors, keywords,
            content='records', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TABLE fts_state (id INTEGER PRIMARY KEY CHECK (id = 1), synced_max_id INTEGER);
        INSERT INTO fts_state (id, synced_max_id) VALUES (1, 0);
        """
    )
    rows = db.execute("SELECT id, title, abstract FROM records").fetchall()
    db.conn.executemany(
        "UPDATE records SET content_hash = ? WHERE id = ?",
        [(content_hash(title, abstract), rid) for rid, title, abstract in rows],
    )


@migrations()
def m003_dedup(db: Database) -> None:
    """Duplicate pairs with their evidence and decisions, and undoable merges."""
    db.executescript(
        """
        CREATE TABLE dedup_pairs (
            id INTEGER PRIMARY KEY,
            record_a INTEGER NOT NULL REFERENCES records(id),
            record_b INTEGER NOT NULL REFERENCES records(id),
            score REAL NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('duplicate', 'distinct', 'uncertain')),
            reason TEXT NOT NULL,
            evidence TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('merged', 'apart', 'queued', 'skipped')),
            decided_by TEXT,
            decided_at TEXT,
            CHECK (record_a < record_b),
            UNIQUE (record_a, record_b)
        );
        CREATE INDEX dedup_pairs_status ON dedup_pairs(status);
        CREATE TABLE dedup_merges (
            id INTEGER PRIMARY KEY,
            pair_id INTEGER NOT NULL REFERENCES dedup_pairs(id),
            into_group INTEGER NOT NULL REFERENCES record_groups(id),
            from_group INTEGER NOT NULL REFERENCES record_groups(id),
            moved_records TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            undone_by TEXT,
            undone_at TEXT
        );
        """
    )


@migrations()
def m004_fulltexts(db: Database) -> None:
    """Full-text reports attached to records: the PDF's place and its text only."""
    db.executescript(
        """
        CREATE TABLE fulltexts (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            sha256 TEXT NOT NULL,
            file_name TEXT NOT NULL,
            stored_as TEXT NOT NULL,
            pages INTEGER NOT NULL,
            text TEXT NOT NULL,
            attached_by TEXT NOT NULL,
            attached_at TEXT NOT NULL
        );
        CREATE INDEX fulltexts_record ON fulltexts(record_id);
        """
    )


@migrations()
def m005_source_methods(db: Database) -> None:
    """How each source was searched, for PRISMA's two identification columns.

    ``database`` and ``register`` feed "identification via databases and
    registers"; ``website``, ``organisation``, ``citation`` and ``other``
    feed "identification via other methods" (``review import --method``).
    """
    db.execute(
        "ALTER TABLE sources ADD COLUMN method TEXT NOT NULL DEFAULT 'database' CHECK "
        "(method IN ('database', 'register', 'website', 'organisation', 'citation', 'other'))"
    )


@migrations()
def m006_rounds(db: Database) -> None:
    """Search rounds of a living review: each source belongs to the round it was imported in.

    Round 1 is the original search and always exists (its search date is the
    earliest of its sources'); ``review update start`` appends round 2, 3, ...
    and every import after it belongs to the newest round. A study's round is
    the earliest round of its records, so a record found again in an update
    joins its earlier study (a duplicate of a previous study) instead of
    making a new one. Rounds are append-only: what was searched when stays on
    record for the PRISMA diagram of each update.
    """
    # One statement at a time: executescript() would commit the migration
    # transaction that applies every layer's pending migrations at once.
    for statement in _ROUNDS:
        db.execute(statement)


_ROUNDS: list[str] = [
    """CREATE TABLE rounds (
        number INTEGER PRIMARY KEY CHECK (number >= 1),
        search_date TEXT,
        started_at TEXT NOT NULL,
        started_by TEXT,
        note TEXT)""",
    "INSERT INTO rounds (number, search_date, started_at) "
    "VALUES (1, (SELECT MIN(search_date) FROM sources), "
    "COALESCE((SELECT MIN(imported_at) FROM sources), strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')))",
    "ALTER TABLE sources ADD COLUMN round INTEGER NOT NULL DEFAULT 1",
    "CREATE INDEX sources_round ON sources(round)",
    *append_only("rounds"),
]


@migrations()
def m007_fulltext_limits(db: Database) -> None:
    """Which reading limit (time, pages, characters) cut an attached report's text short.

    NULL: the whole text was read. A flagged report keeps the text read
    before the limit, so reviewers know to check the PDF itself.
    """
    db.execute(
        "ALTER TABLE fulltexts ADD COLUMN limited TEXT "
        "CHECK (limited IN ('time', 'pages', 'characters'))"
    )


def embedding_text(title: str | None, abstract: str | None) -> str:
    """Return the text a record is embedded by: title, then abstract."""
    if title and abstract:
        return f"{title}. {abstract}"
    return title or abstract or ""


def content_hash(title: str | None, abstract: str | None) -> str:
    """Return the cache key of a record's embedding text (same text, same vector)."""
    return hashlib.blake2b(
        embedding_text(title, abstract).encode("utf-8"), digest_size=16
    ).hexdigest()


@contextmanager
def transaction(db: Database) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction: all of it is written or none.

    Inside another transaction the block becomes a savepoint, so a function
    that writes atomically (one decision) can also be one step of a larger
    all-or-nothing write (a whole import file) without a second code path.
    """
    conn = db.conn
    if conn.in_transaction:
        with _savepoint(conn):
            yield conn
        return
    begin_immediate(conn)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def connect(path: Path | str, migrate: bool = True) -> Database:
    """Open a review database with the settings every connection needs.

    Args:
        path: ``review.db`` or ``":memory:"``.
        migrate: Apply the corpus migrations now; the review layer passes
            False and applies every layer's migrations in one transaction.

    Returns:
        The database (with the corpus migrations applied if ``migrate``).
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = Database(conn)
    chain_hash.register(conn)  # the ledger's triggers call these (review.core.chain)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        migrations.apply(db)
    return db


@contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """A nested transaction: on error its writes are undone and the error goes on."""
    conn.execute("SAVEPOINT nested")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO nested")
        conn.execute("RELEASE nested")
        raise
    conn.execute("RELEASE nested")


def database_path(db: Database) -> str:
    """Return the file behind a connection ("" for an in-memory database)."""
    return str(db.execute("PRAGMA database_list").fetchone()[2] or "")


def is_busy(exc: BaseException) -> bool:
    """Tell whether an SQLite error means another connection holds the lock."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock, waiting the busy timeout up to ``1 + BEGIN_RETRIES`` times.

    SQLite's busy handler already waits ``BUSY_TIMEOUT_MS``; a reviewer whose
    colleague runs a long import should wait a little longer rather than see
    an error, so the lock is asked for again a few times before giving up.
    """
    for attempt in range(BEGIN_RETRIES + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == BEGIN_RETRIES:
                raise
            time.sleep(0.05 * (attempt + 1))
