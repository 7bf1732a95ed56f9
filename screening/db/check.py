"""Row-by-row comparison of the derived screening tables with the logs they come from.

:func:`screening.db.tallies.derived_mismatches` only counts differences;
``review check`` must name each one (table and key), so that a row edited or
deleted outside the tool can be found and :func:`rebuild_derived` run with
confidence. The derived tables have no rowid: a row is named by its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from screening.db.schema import ANCESTORS_FROM_LOG, VOTES_FROM_CURRENT
from screening.db.tallies import _LOG_CURRENT, _LOG_RESOLUTIONS, _TALLIES


@dataclass(frozen=True, slots=True)
class DerivedDifference:
    """One derived row that disagrees with what its log implies.

    Attributes:
        table: The derived table.
        source: The log (or derived table) it is computed from.
        key: The row's key, column -> value.
        stored: The row's other values as stored, or None when the row is missing.
        expected: What the log implies, or None when the log implies no such row.
    """

    table: str
    source: str
    key: dict[str, Any]
    stored: dict[str, Any] | None
    expected: dict[str, Any] | None


#: (table, source, key columns, value columns, SQL from the source, SQL of the table).
_CHECKS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str, str], ...] = (
    (
        "current_decisions",
        "decisions",
        ("stage", "group_id", "reviewer"),
        ("event_id", "label"),
        _LOG_CURRENT,
        "SELECT stage, group_id, reviewer, event_id, label FROM current_decisions",
    ),
    (
        "group_ancestors",
        "dedup_merges",
        ("group_id", "ancestor"),
        (),
        ANCESTORS_FROM_LOG,
        "SELECT group_id, ancestor FROM group_ancestors",
    ),
    (
        "study_votes",
        "current_decisions",
        ("stage", "study_id", "reviewer", "label"),
        ("n",),
        VOTES_FROM_CURRENT,
        "SELECT stage, study_id, reviewer, label, n FROM study_votes",
    ),
    (
        "group_tallies",
        "study_votes",
        ("stage", "group_id"),
        ("n", "n_include", "n_exclude", "n_maybe"),
        _TALLIES,
        "SELECT stage, group_id, n, n_include, n_exclude, n_maybe FROM group_tallies WHERE n > 0",
    ),
    (
        "current_resolutions",
        "resolutions",
        ("stage", "group_id"),
        ("event_id", "label"),
        _LOG_RESOLUTIONS,
        "SELECT stage, group_id, event_id, label FROM current_resolutions",
    ),
)


def derived_differences(db: Database) -> list[DerivedDifference]:
    """Return every derived row that differs from its log, table by table, key order."""
    out: list[DerivedDifference] = []
    for table, source, keys, values, from_log, stored_sql in _CHECKS:
        expected = _by_key(db, from_log, stored_sql, len(keys))
        stored = _by_key(db, stored_sql, from_log, len(keys))
        for key in sorted(expected.keys() | stored.keys(), key=repr):
            out.append(
                DerivedDifference(
                    table=table,
                    source=source,
                    key=dict(zip(keys, key, strict=True)),
                    stored=_named(values, stored.get(key)),
                    expected=_named(values, expected.get(key)),
                )
            )
    return out


def _by_key(
    db: Database, rows_sql: str, minus_sql: str, n_keys: int
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Return the rows of ``rows_sql`` that ``minus_sql`` lacks, as key -> other values."""
    rows = db.execute("SELECT * FROM (" + rows_sql + " EXCEPT " + minus_sql + ")").fetchall()
    return {tuple(row[:n_keys]): tuple(row[n_keys:]) for row in rows}


def _named(columns: tuple[str, ...], values: tuple[Any, ...] | None) -> dict[str, Any] | None:
    return None if values is None else dict(zip(columns, values, strict=True))
