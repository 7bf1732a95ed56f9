"""All SQL of the corpus layer: schema migrations, writes and reads.

Tables: ``sources`` (one per imported file), ``record_groups`` (studies after
deduplication; before it every record is its own group), ``records``.
Connections use WAL, foreign keys and a busy timeout so that a TUI and a CLI
can work on the same review at once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.model import FIELDS, Record

BUSY_TIMEOUT_MS = 10_000

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
    """Run a block as one write transaction: all of it is written or none."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def connect(path: Path | str) -> Database:
    """Open a review database with the settings every connection needs.

    Args:
        path: ``review.db`` or ``":memory:"``.

    Returns:
        The database with the corpus migrations applied.
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = Database(conn)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    migrations.apply(db)
    return db


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


def insert_source(db: Database, info: SourceInfo, records: Sequence[Record]) -> int:
    """Insert one imported file and its records in a single transaction.

    Every record becomes its own group (group id = record id) until
    deduplication merges groups. Either everything is written or nothing.

    Returns:
        The new source's id.
    """
    flagged = sum(1 for r in records if not r.title or not r.abstract)
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT INTO sources (database, file_name, sha256, format, imported_at, "
            "search_date, query, record_count, flagged_count) VALUES (?,?,?,?,?,?,?,?,?)",
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


# --- embeddings -------------------------------------------------------------


def pending_embeddings(db: Database, model: str) -> list[tuple[str, str]]:
    """Return ``(content_hash, text)`` for every distinct text not yet embedded by ``model``."""
    rows = db.execute(
        "SELECT r.content_hash, r.title, r.abstract FROM records r "
        "WHERE NOT EXISTS (SELECT 1 FROM embeddings e "
        "WHERE e.model = ? AND e.content_hash = r.content_hash) "
        "GROUP BY r.content_hash",
        [model],
    ).fetchall()
    return [(h, embedding_text(t, a)) for h, t, a in rows]


def store_embeddings(
    db: Database, model: str, items: Sequence[tuple[str, bytes]], dim: int
) -> None:
    """Store vectors (float32 bytes) for content hashes in one transaction."""
    with transaction(db) as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO embeddings (model, content_hash, dim, vector) VALUES (?,?,?,?)",
            [(model, h, dim, blob) for h, blob in items],
        )


def record_vectors(db: Database, model: str) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(record id, dim, vector bytes)`` for every embedded record."""
    yield from db.execute(
        "SELECT r.id, e.dim, e.vector FROM records r JOIN embeddings e "
        "ON e.content_hash = r.content_hash AND e.model = ? ORDER BY r.id",
        [model],
    )


def embedded_fingerprint(db: Database, model: str) -> str:
    """Return a cheap fingerprint of which records have vectors (records are immutable)."""
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(r.id), 0), COALESCE(MAX(r.id), 0) FROM records r "
        "JOIN embeddings e ON e.content_hash = r.content_hash AND e.model = ?",
        [model],
    ).fetchone()
    return f"{row[0]}:{row[1]}:{row[2]}"


def embedding_counts(db: Database, model: str) -> tuple[int, int]:
    """Return ``(records with a vector, records)`` for ``model``."""
    done = db.execute(
        "SELECT COUNT(*) FROM records r JOIN embeddings e "
        "ON e.content_hash = r.content_hash AND e.model = ?",
        [model],
    ).fetchone()[0]
    total = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    return int(done), int(total)


# --- full-text search ---------------------------------------------------------


def sync_fts(db: Database) -> int:
    """Index records added since the last sync (records are append-only).

    Returns:
        How many records were added to the full-text index.
    """
    conn = db.conn
    state = "SELECT synced_max_id, (SELECT COALESCE(MAX(id), 0) FROM records) FROM fts_state"
    synced, top = conn.execute(state).fetchone()
    if top <= synced:  # the common case: nothing new, no write lock taken
        return 0
    with transaction(db) as tx:
        # Read again under the write lock: another process may have synced.
        synced = tx.execute("SELECT synced_max_id FROM fts_state WHERE id = 1").fetchone()[0]
        top = tx.execute("SELECT COALESCE(MAX(id), 0) FROM records").fetchone()[0]
        if top <= synced:
            return 0
        cur = tx.execute(
            "INSERT INTO records_fts (rowid, title, abstract, authors, keywords) "
            "SELECT id, title, abstract, authors, keywords FROM records WHERE id > ?",
            (synced,),
        )
        tx.execute("UPDATE fts_state SET synced_max_id = ? WHERE id = 1", (top,))
    return int(cur.rowcount)


#: bm25 column weights: title, abstract, authors, keywords.
_FTS_QUERY = (
    "SELECT f.rowid, bm25(records_fts, 8.0, 1.0, 2.0, 3.0) AS score "
    "FROM records_fts f JOIN records r ON r.id = f.rowid "
    "WHERE records_fts MATCH ? AND (? IS NULL OR r.year >= ?) AND (? IS NULL OR r.year <= ?) "
    "ORDER BY score LIMIT ?"
)


def fts_search(
    db: Database, query: str, limit: int, year_from: int | None, year_to: int | None
) -> list[tuple[int, float]]:
    """Return ``(record id, bm25 score)`` best first.

    bm25 is computed for every matching row, which for a common term in a
    100k-record review costs ~80 ms. When at least ``limit`` records match in
    the title alone, only those are ranked: with the title weighted 8:1 they
    outrank abstract-only matches anyway, and ranking them costs a fraction.

    Raises:
        sqlite3.OperationalError: for FTS5 syntax errors in ``query``.
    """

    def ranked(match: str) -> list[tuple[int, float]]:
        return [
            (int(rid), float(score))
            for rid, score in db.execute(
                _FTS_QUERY, [match, year_from, year_from, year_to, year_to, limit]
            ).fetchall()
        ]

    if ":" not in query:  # the user's own column filters are left alone
        try:
            in_titles = ranked(f"title : ({query})")
        except sqlite3.OperationalError:
            in_titles = []
        if len(in_titles) >= limit:
            return in_titles
    return ranked(query)


def record_summaries(db: Database, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Return id -> {group_id, title, year, authors, journal, doi} for some records."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            "SELECT id, group_id, title, year, authors, journal, doi FROM records "
            f"WHERE id IN ({marks})",  # only placeholders are interpolated
            chunk,
        ):
            out[int(row[0])] = {
                "record_id": int(row[0]),
                "group_id": int(row[1]),
                "title": row[2],
                "year": row[3],
                "authors": json.loads(row[4]),
                "journal": row[5],
                "doi": row[6],
            }
    return out


def record_ids_of(db: Database, refs: Sequence[str]) -> list[int]:
    """Resolve record references (numeric id or source_id) to record ids, in order."""
    found: list[int] = []
    for ref in refs:
        row = None
        if ref.isdigit():
            row = db.execute("SELECT id FROM records WHERE id = ?", [int(ref)]).fetchone()
        if row is None:
            row = db.execute(
                "SELECT id FROM records WHERE source_id = ? ORDER BY id LIMIT 1", [ref]
            ).fetchone()
        if row is not None:
            found.append(int(row[0]))
    return found


# --- deduplication -------------------------------------------------------------

DEDUP_FIELDS = ("id", "group_id", *FIELDS)


def dedup_rows(db: Database) -> list[dict[str, Any]]:
    """Return every record's fields for pair scoring (lists decoded)."""
    cols = ", ".join(DEDUP_FIELDS)
    cursor = db.execute(f"SELECT {cols} FROM records ORDER BY id")  # constant column list
    rows = []
    for row in cursor:
        item = dict(zip(DEDUP_FIELDS, row, strict=True))
        item["authors"] = json.loads(item["authors"])
        item["keywords"] = json.loads(item["keywords"])
        rows.append(item)
    return rows


def known_pairs(db: Database) -> dict[tuple[int, int], tuple[str, str | None]]:
    """Return (a, b) -> (status, decided_by) for every stored pair."""
    return {
        (int(a), int(b)): (status, by)
        for a, b, status, by in db.execute(
            "SELECT record_a, record_b, status, decided_by FROM dedup_pairs"
        )
    }


@dataclass(frozen=True, slots=True)
class PairWrite:
    """A pair to store (insert, or update when it is not a person's decision)."""

    a: int
    b: int
    score: float
    verdict: str
    reason: str
    evidence: str
    status: str
    decided_by: str | None
    decided_at: str | None


_PAIR_INSERT = (
    "INSERT INTO dedup_pairs (record_a, record_b, score, verdict, reason, evidence, "
    "status, decided_by, decided_at) VALUES (?,?,?,?,?,?,?,?,?) "
)
#: Insert a pair unless it is stored already.
_PAIR_INSERT_KEEP = _PAIR_INSERT + "ON CONFLICT (record_a, record_b) DO NOTHING"
#: Insert or rescore a pair, unless a person decided it.
_PAIR_UPSERT = _PAIR_INSERT + (
    "ON CONFLICT (record_a, record_b) DO UPDATE SET score = excluded.score, "
    "verdict = excluded.verdict, reason = excluded.reason, evidence = excluded.evidence, "
    "status = excluded.status, decided_by = excluded.decided_by, "
    "decided_at = excluded.decided_at "
    "WHERE dedup_pairs.decided_by IS NULL OR dedup_pairs.decided_by = 'auto'"
)


def _pair_values(p: PairWrite) -> tuple[Any, ...]:
    return (
        p.a,
        p.b,
        p.score,
        p.verdict,
        p.reason,
        p.evidence,
        p.status,
        p.decided_by,
        p.decided_at,
    )


@dataclass(frozen=True, slots=True)
class MergeWrite:
    """A merge of ``from_group`` into ``into_group`` decided on pair (a, b)."""

    a: int
    b: int
    into_group: int
    from_group: int
    moved: tuple[int, ...]
    decided_by: str
    decided_at: str


def save_dedup_run(db: Database, pairs: Sequence[PairWrite], merges: Sequence[MergeWrite]) -> None:
    """Store scored pairs and apply merges in one transaction.

    A pair decided by a person is never overwritten.
    """
    with transaction(db) as conn:
        conn.executemany(_PAIR_UPSERT, [_pair_values(p) for p in pairs])
        for m in merges:
            _apply_merge(conn, m)


def _apply_merge(conn: sqlite3.Connection, m: MergeWrite) -> int:
    pair_id = conn.execute(
        "SELECT id FROM dedup_pairs WHERE record_a = ? AND record_b = ?", (m.a, m.b)
    ).fetchone()[0]
    conn.execute(
        "UPDATE dedup_pairs SET status = 'merged', decided_by = ?, decided_at = ? WHERE id = ?",
        (m.decided_by, m.decided_at, pair_id),
    )
    conn.executemany(
        "UPDATE records SET group_id = ? WHERE id = ?", [(m.into_group, r) for r in m.moved]
    )
    cur = conn.execute(
        "INSERT INTO dedup_merges (pair_id, into_group, from_group, moved_records, decided_by, "
        "decided_at) VALUES (?,?,?,?,?,?)",
        (
            pair_id,
            m.into_group,
            m.from_group,
            json.dumps(list(m.moved)),
            m.decided_by,
            m.decided_at,
        ),
    )
    return int(cur.lastrowid or 0)


def merge_groups(db: Database, merge: MergeWrite, pair: PairWrite) -> int:
    """Store a person's (or one) merge with its pair; returns the merge id."""
    with transaction(db) as conn:
        conn.execute(_PAIR_INSERT_KEEP, _pair_values(pair))
        return _apply_merge(conn, merge)


def set_pair_status(
    db: Database, a: int, b: int, status: str, by: str, at: str, pair: PairWrite | None = None
) -> None:
    """Record a person's decision on a pair (creating the pair if needed)."""
    with transaction(db) as conn:
        if pair is not None:
            conn.execute(_PAIR_INSERT_KEEP, _pair_values(pair))
        conn.execute(
            "UPDATE dedup_pairs SET status = ?, decided_by = ?, decided_at = ? "
            "WHERE record_a = ? AND record_b = ?",
            (status, by, at, a, b),
        )


def undo_merge(db: Database, merge_id: int, by: str, at: str) -> None:
    """Move a merge's records back to their group and mark the pair apart."""
    with transaction(db) as conn:
        pair_id, from_group, moved = conn.execute(
            "SELECT pair_id, from_group, moved_records FROM dedup_merges WHERE id = ?",
            (merge_id,),
        ).fetchone()
        conn.executemany(
            "UPDATE records SET group_id = ? WHERE id = ?",
            [(from_group, r) for r in json.loads(moved)],
        )
        conn.execute(
            "UPDATE dedup_merges SET undone_by = ?, undone_at = ? WHERE id = ?",
            (by, at, merge_id),
        )
        conn.execute(
            "UPDATE dedup_pairs SET status = 'apart', decided_by = ?, decided_at = ? WHERE id = ?",
            (by, at, pair_id),
        )


_MERGE_COLUMNS = (
    "m.id, m.into_group, m.from_group, m.moved_records, m.decided_by, m.decided_at, "
    "m.undone_by, m.undone_at, p.record_a, p.record_b, p.score, p.verdict, p.reason, p.evidence"
)
_MERGE_NAMES = (
    "id",
    "into_group",
    "from_group",
    "moved_records",
    "decided_by",
    "decided_at",
    "undone_by",
    "undone_at",
    "record_a",
    "record_b",
    "score",
    "verdict",
    "reason",
    "evidence",
)


def merges(db: Database, merge_id: int | None = None) -> list[dict[str, Any]]:
    """Return merges (all, or one) with the pair that justified each."""
    sql = (
        f"SELECT {_MERGE_COLUMNS} FROM dedup_merges m JOIN dedup_pairs p ON p.id = m.pair_id "
        "WHERE (? IS NULL OR m.id = ?) ORDER BY m.id"
    )
    out = []
    for row in db.execute(sql, [merge_id, merge_id]):
        item = dict(zip(_MERGE_NAMES, row, strict=True))
        item["moved_records"] = json.loads(item["moved_records"])
        item["evidence"] = json.loads(item["evidence"])
        out.append(item)
    return out


_PAIR_NAMES = (
    "id",
    "record_a",
    "record_b",
    "score",
    "verdict",
    "reason",
    "evidence",
    "status",
    "decided_by",
    "decided_at",
)


def pairs(
    db: Database, status: str | None = None, pair: tuple[int, int] | None = None
) -> list[dict[str, Any]]:
    """Return stored pairs, best score first; optionally of one status or one pair."""
    a, b = pair if pair else (None, None)
    sql = (
        "SELECT id, record_a, record_b, score, verdict, reason, evidence, status, decided_by, "
        "decided_at FROM dedup_pairs WHERE (? IS NULL OR status = ?) "
        "AND (? IS NULL OR (record_a = ? AND record_b = ?)) ORDER BY score DESC, id"
    )
    out = []
    for row in db.execute(sql, [status, status, a, a, b]):
        item = dict(zip(_PAIR_NAMES, row, strict=True))
        item["evidence"] = json.loads(item["evidence"])
        out.append(item)
    return out


def records_full(db: Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Return whole records (with their source database) for display, in the given order."""
    found: dict[int, dict[str, Any]] = {}
    for rid in ids:
        cursor = db.execute(
            "SELECT r.*, s.database AS source, s.file_name FROM records r "
            "JOIN sources s ON s.id = r.source_ref WHERE r.id = ?",
            [rid],
        )
        row = cursor.fetchone()
        if row is None:
            continue
        item = dict(zip([d[0] for d in cursor.description], row, strict=True))
        item["authors"] = json.loads(item["authors"])
        item["keywords"] = json.loads(item["keywords"])
        found[rid] = item
    return [found[r] for r in ids if r in found]


# --- full texts -------------------------------------------------------------------


def add_fulltext(
    db: Database,
    record_id: int,
    sha256: str,
    file_name: str,
    stored_as: str,
    pages: int,
    text: str,
    by: str,
    at: str,
) -> int:
    """Store an attached report's text; returns its id."""
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT INTO fulltexts (record_id, sha256, file_name, stored_as, pages, text, "
            "attached_by, attached_at) VALUES (?,?,?,?,?,?,?,?)",
            (record_id, sha256, file_name, stored_as, pages, text, by, at),
        )
        return int(cur.lastrowid or 0)


def fulltexts_of_group(db: Database, group_id: int) -> list[dict[str, Any]]:
    """Return the reports attached to any record of a study, newest first."""
    cursor = db.execute(
        "SELECT f.id, f.record_id, f.file_name, f.stored_as, f.pages, f.text, f.attached_by, "
        "f.attached_at FROM fulltexts f JOIN records r ON r.id = f.record_id "
        "WHERE r.group_id = ? ORDER BY f.id DESC",
        [group_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
