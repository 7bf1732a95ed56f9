"""All SQL of ``review.extraction``: value events, completion marks, unblinding.

The tables are created by ``review.core.db`` (migration ``m002_extraction``);
they are append-only, so every function here reads or inserts, never updates.
Current values are derived with one ``MAX(id)`` per key over the covering
index ``extraction_values_key``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

#: The copy that holds the consensus record (never a reviewer's name).
CONSENSUS = ""

_COLUMNS = (
    "id, group_id, copy, field, row, column_name, value, page, quote, comment,"
    " reviewer, protocol_version, time"
)


@dataclass(frozen=True, slots=True)
class ValueRow:
    """One value event (a row of ``extraction_values``), value decoded from JSON."""

    id: int
    group_id: int
    copy: str
    field: str
    row: int
    column: str
    value: Any
    page: int | None
    quote: str | None
    comment: str | None
    reviewer: str
    protocol_version: str
    time: str


@dataclass(frozen=True, slots=True)
class MarkRow:
    """A copy's completion state: its latest mark."""

    id: int
    group_id: int
    copy: str
    action: str
    reviewer: str
    time: str


def _value_row(row: tuple[Any, ...]) -> ValueRow:
    raw = row[6]
    return ValueRow(
        row[0], row[1], row[2], row[3], row[4], row[5],
        None if raw is None else json.loads(raw),
        row[7], row[8], row[9], row[10], row[11], row[12],
    )  # fmt: skip


def current_values(db: Database, group_ids: Iterable[int] | None = None) -> Iterator[ValueRow]:
    """Yield the current value of every key (group, copy, field, row, column).

    Args:
        group_ids: Only these studies (None: every study).
    """
    where, params = _groups(group_ids)
    sql = (
        f"SELECT {_COLUMNS} FROM extraction_values WHERE id IN ("
        f" SELECT MAX(id) FROM extraction_values {where}"
        " GROUP BY group_id, copy, field, row, column_name) ORDER BY id"
    )
    for row in db.execute(sql, params):
        yield _value_row(row)


def history(db: Database, group_id: int) -> list[ValueRow]:
    """Return every value event of a study, oldest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM extraction_values WHERE group_id = ? ORDER BY id", [group_id]
    ).fetchall()
    return [_value_row(r) for r in rows]


def current_marks(db: Database, group_ids: Iterable[int] | None = None) -> list[MarkRow]:
    """Return the latest mark of every (study, copy) that has one."""
    where, params = _groups(group_ids)
    sql = (
        "SELECT id, group_id, copy, action, reviewer, time FROM extraction_marks"
        f" WHERE id IN (SELECT MAX(id) FROM extraction_marks {where} GROUP BY group_id, copy)"
        " ORDER BY id"
    )
    return [MarkRow(*r) for r in db.execute(sql, params).fetchall()]


def first_seen(db: Database, group_ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """Return ``(study, copy)`` in the order each copy was started (first event)."""
    where, params = _groups(group_ids)
    sql = (
        "SELECT group_id, copy FROM ("
        f" SELECT group_id, copy, MIN(id) AS first FROM extraction_values {where}"
        " GROUP BY group_id, copy) ORDER BY first"
    )
    return [(int(g), str(c)) for g, c in db.execute(sql, params).fetchall()]


def _groups(group_ids: Iterable[int] | None) -> tuple[str, list[int]]:
    if group_ids is None:
        return "", []
    ids = sorted(set(group_ids))
    if not ids:
        return "WHERE 0", []
    if len(ids) > 500:  # SQLite's variable limit; json_each keeps it one statement
        return "WHERE group_id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]  # type: ignore[list-item]
    return f"WHERE group_id IN ({','.join('?' * len(ids))})", ids


def insert_value(
    db: Database,
    *,
    group_id: int,
    copy: str,
    field: str,
    row: int,
    column: str,
    value: Any,
    page: int | None,
    quote: str | None,
    comment: str | None,
    reviewer: str,
    protocol_version: str,
    time: str,
) -> int:
    """Append a value event (call inside a transaction); None clears the value."""
    cur = db.execute(
        "INSERT INTO extraction_values (group_id, copy, field, row, column_name, value, page,"
        " quote, comment, reviewer, protocol_version, time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            group_id, copy, field, row, column,
            None if value is None else json.dumps(value, ensure_ascii=False),
            page, quote, comment, reviewer, protocol_version, time,
        ],
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def insert_mark(
    db: Database, group_id: int, copy: str, action: str, reviewer: str, version: str, time: str
) -> int:
    """Append a completion mark, ``complete`` or ``reopen`` (call inside a transaction)."""
    cur = db.execute(
        "INSERT INTO extraction_marks (group_id, copy, action, reviewer, protocol_version, time)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [group_id, copy, action, reviewer, version, time],
    )
    return int(cur.lastrowid or 0)


def unblinded(db: Database) -> dict[str, str] | None:
    """Return who unblinded extraction and when, or None while it is blind."""
    row = db.execute(
        "SELECT reviewer, time FROM extraction_unblinded ORDER BY id LIMIT 1"
    ).fetchone()
    return None if row is None else {"reviewer": row[0], "time": row[1]}


def insert_unblind(db: Database, reviewer: str, time: str) -> None:
    """Record that a lead unblinded extraction (call inside a transaction)."""
    db.execute("INSERT INTO extraction_unblinded (reviewer, time) VALUES (?, ?)", [reviewer, time])


@dataclass(frozen=True, slots=True)
class StudyRef:
    """What an evidence table says about a study besides its extracted values."""

    group_id: int
    first_author: str
    year: str
    title: str
    doi: str


def study_refs(db: Database, group_ids: Iterable[int]) -> dict[int, StudyRef]:
    """Return each study's first author, year, title and DOI (its first record with each)."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    rows = db.execute(
        "SELECT group_id, authors, year, title, doi FROM records"
        " WHERE group_id IN (SELECT value FROM json_each(?)) ORDER BY group_id, id",
        [json.dumps(ids)],
    ).fetchall()
    found: dict[int, list[Any]] = {}
    for group, authors, year, title, doi in rows:
        have = found.setdefault(group, [None, None, None, None])
        for i, v in enumerate((authors, year, title, doi)):
            if have[i] in (None, "") and v not in (None, ""):
                have[i] = v
    return {
        g: StudyRef(
            g, _first_author(v[0]), "" if v[1] is None else str(v[1]), v[2] or "", v[3] or ""
        )
        for g, v in found.items()
    }


def _first_author(authors: Any) -> str:
    if not authors:
        return ""
    if isinstance(authors, str) and authors.startswith("["):
        try:
            names = json.loads(authors)
        except ValueError:
            names = [authors]
    elif isinstance(authors, str):
        names = [a for a in authors.split(";")]
    else:
        names = [str(authors)]
    return str(names[0]).strip() if names else ""
