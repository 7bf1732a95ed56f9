"""``review check``: is review.db sound, and was anything changed behind the tool's back?

These checks each name what they find so a lead can act on it:

* SQLite's own ``integrity_check`` and ``foreign_key_check`` (a damaged file,
  a reference to a row that is gone);
* the derived screening tables against the logs they come from (the triggers
  keep them in step; a row edited or deleted outside the tool breaks that);
* the audit chain: each audit row stores a hash of its content and of the
  previous row's hash (:func:`review.core.db.audit_hash`), so a row edited
  with the sqlite3 shell no longer matches its hash, and a row deleted or
  slipped in breaks the link of the row after it;
* the ledger (:mod:`review.core.chain`): one hash chain over every
  append-only log, records included; each row must match its latest chained
  content, and every trigger must be the one the migrations create.

What this can and cannot prove: docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from review.core import db as review_db
from review.core.chain import verify as chain
from review.core.problems import Problem
from screening.db.check import DerivedDifference, derived_differences

__all__ = ["Problem", "Report", "check", "run"]


@dataclass(frozen=True, slots=True)
class Report:
    """What ``review check`` found, and the chain head it can be anchored by."""

    problems: list[Problem]
    length: int
    head: str

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.problems,
            "problems": [p.to_json() for p in self.problems],
            "chain": {"length": self.length, "head": self.head},
        }


def check(db: Database) -> list[Problem]:
    """Run every check; return the problems found, an empty list for a sound review."""
    return run(db).problems


def run(db: Database) -> Report:
    """Run every check and read the chain's head."""
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
    found = chain.verify(db)
    problems.extend(found.problems)
    problems.extend(chain.trigger_problems(db))
    return Report(problems, found.length, found.head)


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
