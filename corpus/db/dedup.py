"""Duplicate pairs, merges and their undo."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from corpus.db.schema import transaction
from corpus.model import FIELDS

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
