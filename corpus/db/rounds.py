"""SQL of search rounds (a living review's updates): which sources and studies are whose.

A study's round is the earliest round of its records' sources (see
``m006_rounds``). Every function here is read-only except
:func:`insert_round`; none reads a screening decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

#: A study's round: the earliest round among its records' sources.
_STUDY_ROUNDS = (
    "SELECT r.group_id AS group_id, MIN(s.round) AS round FROM records r "
    "JOIN sources s ON s.id = r.source_ref GROUP BY r.group_id"
)


@dataclass(frozen=True, slots=True)
class Round:
    """One search round as stored.

    Attributes:
        number: 1 for the original search, then 2, 3, ... per update.
        search_date: The date the round's searches were run (ISO), if given.
        started_at: When the round was opened (UTC, ISO).
        started_by: The reviewer who opened it (None for round 1).
        note: Free text given when it was opened.
    """

    number: int
    search_date: str | None
    started_at: str
    started_by: str | None
    note: str | None


def rounds(db: Database) -> list[Round]:
    """Return every round, first first.

    A round opened without a search date (round 1 is made by a migration)
    takes the earliest search date of its sources.
    """
    rows = db.execute(
        "SELECT number, COALESCE(search_date, (SELECT MIN(s.search_date) FROM sources s "
        "WHERE s.round = r.number)), started_at, started_by, note FROM rounds r ORDER BY number"
    ).fetchall()
    return [Round(int(n), d, str(at), by, note) for n, d, at, by, note in rows]


def latest_search_date(db: Database) -> str | None:
    """Return the latest search date of any round or source (None: none given)."""
    row = db.execute(
        "SELECT MAX(d) FROM (SELECT search_date AS d FROM rounds "
        "UNION ALL SELECT search_date FROM sources)"
    ).fetchone()
    return None if row[0] is None else str(row[0])


def current_round(db: Database) -> int:
    """Return the newest round's number (imports go to it)."""
    return int(db.execute("SELECT COALESCE(MAX(number), 1) FROM rounds").fetchone()[0])


def insert_round(
    db: Database, search_date: str, started_at: str, started_by: str, note: str | None
) -> int:
    """Append the next round (call inside a transaction) and return its number."""
    number = current_round(db) + 1
    db.execute(
        "INSERT INTO rounds (number, search_date, started_at, started_by, note) "
        "VALUES (?, ?, ?, ?, ?)",
        [number, search_date, started_at, started_by, note],
    )
    return number


def study_rounds(db: Database) -> dict[int, int]:
    """Return study (group with records) -> its round."""
    return {int(g): int(n) for g, n in db.execute(_STUDY_ROUNDS)}


def round_studies(db: Database, number: int) -> frozenset[int]:
    """Return the studies first identified in a round (new in it)."""
    rows = db.execute(
        "SELECT group_id FROM (" + _STUDY_ROUNDS + ") WHERE round = ?", [number]
    ).fetchall()
    return frozenset(int(g) for (g,) in rows)


def round_record_groups(db: Database, number: int) -> list[int]:
    """Return the group of each record imported in a round (one entry per record)."""
    rows = db.execute(
        "SELECT r.group_id FROM records r JOIN sources s ON s.id = r.source_ref WHERE s.round = ?",
        [number],
    ).fetchall()
    return [int(g) for (g,) in rows]


def round_source_counts(db: Database) -> dict[int, tuple[int, int]]:
    """Return round -> ``(sources, records)`` imported in it."""
    rows = db.execute(
        "SELECT round, COUNT(*), COALESCE(SUM(record_count), 0) FROM sources GROUP BY round"
    ).fetchall()
    return {int(n): (int(s), int(r)) for n, s, r in rows}
