"""``review check``: is review.db sound, and was anything changed behind the tool's back?

Four checks, each naming what it finds so a lead can act on it:

* SQLite's own ``integrity_check`` and ``foreign_key_check`` (a damaged file,
  a reference to a row that is gone);
* the derived screening tables against the logs they come from (the triggers
  keep them in step; a row edited or deleted outside the tool breaks that);
* the audit chain: each audit row stores a hash of its content and of the
  previous row's hash (:func:`review.core.db.audit_hash`), so a row edited
  with the sqlite3 shell no longer matches its hash, and a row deleted or
  slipped in breaks the link of the row after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlite_utils import Database

from review.core import db as review_db
from screening.db.check import DerivedDifference, derived_differences


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing ``review check`` found wrong.

    Attributes:
        check: Which check found it: ``integrity``, ``foreign_keys``, ``derived`` or ``audit``.
        table: The table concerned ("" when SQLite does not say).
        row: The row's id, or its key for a table without ids, or None.
        message: One line for the user, naming the table and row.
    """

    check: str
    table: str
    row: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check(db: Database) -> list[Problem]:
    """Run every check; return the problems found, an empty list for a sound review."""
    problems = [
        Problem("integrity", "", None, f"integrity check: {line}")
        for line in review_db.integrity_problems(db)
    ]
    for table, rowid, parent in review_db.foreign_key_problems(db):
        where = f"{table} row {rowid}" if rowid is not None else f"a row of {table}"
        problems.append(
            Problem("foreign_keys", table, rowid, f"{where} refers to a missing row of {parent}")
        )
    problems.extend(_derived(d) for d in derived_differences(db))
    problems.extend(audit_chain_problems(db))
    return problems


def audit_chain_problems(db: Database) -> list[Problem]:
    """Walk the audit chain in id order and name every row that breaks it.

    An edited row fails its own hash only (the next row links to the hash
    stored, not recomputed), so exactly the edited row is named; a deleted
    row shows as a broken link at the row after the gap.
    """
    problems: list[Problem] = []
    previous_id: int | None = None
    previous_hash = ""
    for id_, time, reviewer, action, details, prev_hash, stored in review_db.audit_chain(db):
        if stored is None:
            problems.append(
                Problem(
                    "audit", "audit", id_, f"audit row {id_} has no hash (added outside review)"
                )
            )
        else:
            expected = review_db.audit_hash(
                str(prev_hash or ""), int(id_), time, reviewer, action, details
            )
            if expected != stored:
                problems.append(
                    Problem(
                        "audit",
                        "audit",
                        id_,
                        f"audit row {id_} was changed outside review (hash mismatch)",
                    )
                )
        if stored is not None and (prev_hash or "") != previous_hash:
            after = f"row {previous_id}" if previous_id is not None else "the start of the log"
            problems.append(
                Problem(
                    "audit",
                    "audit",
                    id_,
                    f"audit row {id_} does not follow {after}: a row was deleted,"
                    " inserted or changed outside review (broken chain)",
                )
            )
        previous_id = int(id_)
        previous_hash = str(stored or "")
    return problems


def _derived(diff: DerivedDifference) -> Problem:
    key = ", ".join(f"{k}={v}" for k, v in diff.key.items())
    if diff.stored is None:
        what = f"is missing; {diff.source} implies {_values(diff.expected)}"
    elif diff.expected is None:
        what = f"({_values(diff.stored)}) is not implied by {diff.source}"
    else:
        what = f"holds {_values(diff.stored)}; {diff.source} implies {_values(diff.expected)}"
    return Problem(
        "derived",
        diff.table,
        diff.key,
        f"{diff.table} row ({key}) {what}",
    )


def _values(values: dict[str, Any] | None) -> str:
    if not values:
        return "the row"
    return ", ".join(f"{k}={v}" for k, v in values.items())
