"""Embedding cache and full-text index tables, and search reads."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from corpus.db.schema import embedding_text, transaction


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
