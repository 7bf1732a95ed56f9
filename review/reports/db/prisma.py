"""SQL of the PRISMA 2020 flow diagram (``review.reports.prisma.counts``): read-only counts.

Nothing here reads a screening decision: identification counts come from
``sources`` and ``records``, report flags and attached PDFs from their own
tables. Decisions are read through ``screening.blind`` so blind mode holds.
"""

from __future__ import annotations

from sqlite_utils import Database

from protocols import vocabulary as vocab
from protocols.vocabulary import Method

#: Methods on the "databases and registers" side of the diagram.
DBR_METHODS: tuple[Method, ...] = vocab.DBR_METHODS


def records_by_source(db: Database, round_no: int) -> list[tuple[str, str, int]]:
    """Return ``(database name, method, records)`` of one round, per name and method."""
    rows = db.execute(
        "SELECT s.database, s.method, COUNT(r.id) FROM sources s "
        "LEFT JOIN records r ON r.source_ref = s.id WHERE s.round = ? "
        "GROUP BY s.database, s.method ORDER BY s.database, s.method",
        [round_no],
    ).fetchall()
    return [(str(name), str(method), int(n)) for name, method, n in rows]


def group_sides(db: Database, round_no: int) -> dict[int, bool]:
    """Return group -> True when it is on the databases-and-registers side, in one round.

    A group (a study after deduplication) is on the other-methods side only
    when every one of its records of the round comes from an other-method
    source. Groups without a record in the round are left out.
    """
    rows = db.execute(
        "SELECT r.group_id, MAX(s.method IN ('database', 'register')) FROM records r "
        "JOIN sources s ON s.id = r.source_ref WHERE s.round = ? GROUP BY r.group_id",
        [round_no],
    ).fetchall()
    return {int(g): bool(dbr) for g, dbr in rows}


def reports_per_group(db: Database) -> dict[int, int]:
    """Return group -> distinct full-text PDFs (by content) attached to its records."""
    rows = db.execute(
        "SELECT r.group_id, COUNT(DISTINCT f.sha256) FROM fulltexts f "
        "JOIN records r ON r.id = f.record_id GROUP BY r.group_id"
    ).fetchall()
    return {int(g): int(n) for g, n in rows}
