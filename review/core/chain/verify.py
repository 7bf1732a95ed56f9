"""Walk the ledger for ``review check``, check the triggers, compare with an anchor.

Inside the file the chain shows an edit made by someone who did not
recompute it: a row whose content differs from its chained digest, a row
missing from the chain or an entry without its row, an entry whose hash or
link is wrong, a trigger dropped or changed. Someone who rewrites the rows
*and* recomputes the whole chain (the hash is unkeyed and the code is open)
passes these checks; only an anchor kept outside the database (a backup's
manifest, a head printed in a report or sent to a colleague) shows that:
the entry at the anchor's length no longer has the anchor's hash.
"""

from __future__ import annotations

import functools
import json
import re
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.db.chain_hash import entry_hash
from review.core import db as review_db
from review.core.chain import db as chain_db
from review.core.errors import ProjectError, UsageError
from review.core.problems import Problem

MAX_LINES = 50
"""At most this many lines per check: a rewritten table would otherwise print one per row."""

MIN_PREFIX = 16
"""Shortest hash prefix ``--against`` accepts (64 bits: too long to forge a match)."""

_CHANGED = "was changed outside review (differs from its chained content)"
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class Chain:
    """The chain as ``review check`` found it: its problems, length and head hash."""

    problems: list[Problem]
    length: int
    head: str


def verify(db: Database) -> Chain:
    """Check every entry's hash and link, and every log row against its latest entry."""
    if not chain_db.has_ledger(db):
        return Chain([Problem("chain", "ledger", None, "the ledger table is missing")], 0, "")
    found: list[Problem] = []
    latest: dict[tuple[str, Any], str] = {}
    seq_expected, previous = 1, ""
    for seq, table, key, op, digest, prev_hash, stored in chain_db.entries(db):
        if seq != seq_expected:
            found.append(_entry(seq, f"ledger entries {seq_expected} to {seq - 1} are missing"))
        if prev_hash != previous:
            found.append(_entry(seq, f"ledger entry {seq} does not follow entry {seq - 1}"))
        if entry_hash(prev_hash, table, key, op, digest) != stored:
            found.append(_entry(seq, f"ledger entry {seq} was changed (hash mismatch)"))
        if table not in chain_db.LOGS_BY_TABLE:
            found.append(_entry(seq, f"ledger entry {seq} names no chained table ({table})"))
        latest[(table, key)] = digest
        seq_expected, previous = seq + 1, stored
    rows: list[Problem] = []
    for log in chain_db.ALL_LOGS:
        for key, digest in chain_db.current_digests(db, log):
            chained = latest.pop((log.table, key), None)
            if chained is None:
                rows.append(_row(log.table, key, "is not in the chain (written outside review)"))
            elif chained != digest:
                rows.append(_row(log.table, key, _CHANGED))
    for table, key in sorted(latest, key=repr):
        if table in chain_db.LOGS_BY_TABLE:
            rows.append(_row(table, key, "was deleted outside review (it is in the chain)"))
    return Chain(_capped(found) + _capped(rows), seq_expected - 1, previous)


def trigger_problems(db: Database) -> list[Problem]:
    """Name every trigger dropped, changed or added since the migrations last recorded them."""
    recorded = {n: (t, _normal(s)) for n, (t, s) in chain_db.recorded_triggers(db).items() if s}
    expected = recorded or reference_triggers()  # no record: the ledger migration is missing
    actual = {name: (table, _normal(sql)) for name, (table, sql) in chain_db.triggers(db).items()}
    out: list[Problem] = []
    for name, (table, sql) in sorted(expected.items()):
        if name not in actual:
            out.append(Problem("triggers", table, name, f"trigger {name} on {table} is missing"))
        elif actual[name][1] != sql:
            out.append(
                Problem(
                    "triggers",
                    table,
                    name,
                    f"trigger {name} on {table} differs from the one review recorded",
                )
            )
    for name in sorted(actual.keys() - expected.keys()):
        table = actual[name][0]
        out.append(
            Problem("triggers", table, name, f"trigger {name} on {table} was not created by review")
        )
    return out


def record_trigger_changes(db: Database) -> None:
    """Record the triggers a run of migrations changed, in the migrations' transaction.

    The first run records every trigger as it is: a new review's, or an older
    review's as its release wrote them. Later runs record a trigger only where
    the migrations brought it to what this release creates (changed or new),
    or dropped one this release no longer has; a trigger someone dropped or
    edited by hand matches neither, stays unrecorded and ``review check``
    keeps naming it.
    """
    current = chain_db.triggers(db)
    recorded = chain_db.recorded_triggers(db)
    changes: list[tuple[str, str, str | None]]
    if not recorded:
        changes = [(n, t, s) for n, (t, s) in sorted(current.items())]
    else:
        reference = reference_triggers()
        changes = []
        for name in sorted(current.keys() | recorded.keys()):
            was = recorded.get(name, ("", None))
            if name not in current:
                if was[1] is not None and name not in reference:
                    changes.append((name, was[0], None))  # dropped by a migration
                continue
            table, sql = current[name]
            if was[1] is not None and _normal(sql) == _normal(was[1]):
                continue
            if reference.get(name, ("", ""))[1] == _normal(sql):
                changes.append((name, table, sql))  # created or changed by a migration
    if changes:
        chain_db.record_triggers(db, changes, review_db.now())


@functools.cache
def reference_triggers() -> dict[str, tuple[str, str]]:
    """The triggers of a fresh review: what every layer's migrations create (one source)."""
    from review.core.migrations import apply_all  # the registry imports this package

    with closing(corpus_db.connect(":memory:", migrate=False)) as db:
        apply_all(db)
        return {name: (table, _normal(sql)) for name, (table, sql) in chain_db.triggers(db).items()}


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain head kept outside the database: the length it had and its hash."""

    length: int
    head: str
    source: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """Whether the history up to an anchor is the one the review holds now."""

    rewritten: bool
    message: str
    anchor: Anchor | None

    def to_json(self) -> dict[str, Any]:
        anchor = self.anchor
        return {
            "rewritten": self.rewritten,
            "message": self.message,
            "anchor": None if anchor is None else {"length": anchor.length, "head": anchor.head},
        }


def against(db: Database, target: str) -> Comparison:
    """Compare the chain with a backup folder's manifest or with a hash.

    Raises:
        UsageError: when ``target`` is neither a folder nor a hash.
        ProjectError: when the folder's manifest holds no chain head.
    """
    path = Path(target)
    if path.is_dir():
        return compare(db, backup_anchor(path))
    text = target.strip().lower()
    if not _HEX.fullmatch(text) or not MIN_PREFIX <= len(text) <= 64:
        raise UsageError(
            f"--against {target}: neither a backup folder nor a chain hash"
            f" ({MIN_PREFIX} to 64 hex digits)"
        )
    found = chain_db.entries_with_hash(db, text)
    if not found:
        return Comparison(
            True,
            f"history rewritten, or {text} is not from this review: no chain entry has that hash",
            None,
        )
    seq, full = found[0]
    return compare(db, Anchor(seq, full, f"hash {text}"))


def compare(db: Database, anchor: Anchor) -> Comparison:
    """Tell whether the entry at the anchor's length still has the anchor's hash."""
    length, _ = chain_db.head(db)
    actual = chain_db.hash_at(db, anchor.length) if anchor.length else ""
    if actual is None:
        message = (
            f"history rewritten: the chain has {length} entries,"
            f" the anchor ({anchor.source}) has {anchor.length}"
        )
        return Comparison(True, message, anchor)
    if actual != anchor.head:
        message = (
            f"history rewritten: chain entry {anchor.length} is {actual[:16]}…,"
            f" the anchor ({anchor.source}) says {anchor.head[:16]}… (or it is another review's)"
        )
        return Comparison(True, message, anchor)
    message = (
        f"history unchanged up to the anchor ({anchor.source}: {anchor.length} entries,"
        f" head {anchor.head[:16]}…); {length - anchor.length} entries added since"
    )
    return Comparison(False, message, anchor)


def backup_anchor(folder: Path) -> Anchor:
    """Read the chain head a backup's manifest.json recorded.

    Raises:
        ProjectError: when there is no manifest or it holds no chain head.
    """
    manifest = folder / "manifest.json"
    try:
        data = json.loads(manifest.read_text("utf-8"))
        chain = data["chain"]
        return Anchor(int(chain["length"]), str(chain["head"]), f"backup {folder}")
    except FileNotFoundError:
        raise ProjectError(
            f"{manifest}: not found; is {folder} a folder `review backup` wrote?"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ProjectError(
            f"{manifest}: no chain head (a backup from before the ledger, or damaged)"
        ) from None


def _normal(sql: str) -> str:
    return " ".join(sql.split())


def _entry(seq: int, message: str) -> Problem:
    return Problem("chain", "ledger", seq, message + ": the chain was changed outside review")


def _row(table: str, key: Any, what: str) -> Problem:
    return Problem("chain", table, key, f"{table} row {key} {what}")


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_LINES:
        return problems
    rest = len(problems) - MAX_LINES
    kind = problems[0].check
    return [*problems[:MAX_LINES], Problem(kind, "", None, f"… and {rest} more like these")]
