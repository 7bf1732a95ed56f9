"""``review import-decisions``: decisions from a CSV, recorded all-or-nothing.

Three layouts are read (:mod:`review.decisions.formats`), told apart by their
header: ``review export decisions`` (each row is that reviewer's decision on
that group), ASReview's export (a ``label_included``-like column of 1/0; one
decision per record, by the acting reviewer; unlabelled rows are skipped) and
Rayyan's (``RAYYAN-INCLUSION`` votes per reviewer in ``notes``).

Every row is checked first, then all are recorded in one transaction through
``screening.decide``, title/abstract rows before full-text rows (a study must
pass title/abstract first), so one bad line records nothing and the error
names it. Blind mode holds: a reviewer who is not a lead imports only their
own decisions, and conflicts are counted only for a viewer who may see them.
Decisions get the time of the import; the file's ``time`` column is not
copied, so the log stays in time order.

A reviewer the review does not know (a typo, another spelling, Rayyan's
display name) is refused, all such names in one line, unless the import is
told to add them (``add_reviewers``), which only a lead may do: an unknown
name would otherwise become a phantom second reviewer that counts toward
dual screening. The importer's own name is not unknown (``review decide``
registers it too). In a review with no lead at all nobody holds that right,
so anyone may add reviewers; blind rules still apply.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus.db import transaction
from protocols.model import Protocol, Stage
from protocols.vocabulary import LABELS
from review.core.errors import UsageError
from review.decisions import db as ddb
from review.decisions.formats import (
    Locator,
    asreview_label,
    layout_of,
    rayyan_votes,
    read_rows,
)
from review.decisions.single import require_screened, resolve_reason
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.decide import decide
from screening.errors import ScreeningError
from screening.stages import outcome


@dataclass(frozen=True, slots=True)
class Planned:
    """One decision to record, with the file line it came from."""

    line: int
    group_id: int
    stage: Stage
    reviewer: str
    label: str
    reason: str | None
    note: str | None


@dataclass(slots=True)
class Summary:
    """What an import did (``--json`` prints it).

    Attributes:
        file: The file read.
        layout: ``review``, ``asreview`` or ``rayyan``.
        rows: Data rows read.
        recorded: Decisions written to the log.
        unchanged: Skipped: already the reviewer's current decision.
        unlabelled: Skipped: rows without a decision (ASReview's unlabelled).
        other_stage: Skipped: rows of another stage than ``--stage``.
        repeated: Skipped: the same study and decision again in the file.
        conflicts_created: Studies newly in conflict; None while blind to the importer.
        reviewers: Whose decisions were recorded.
        added_reviewers: Reviewers registered by this import (``add_reviewers``).
        dry_run: Nothing was kept.
    """

    file: str
    layout: str
    rows: int = 0
    recorded: int = 0
    unchanged: int = 0
    unlabelled: int = 0
    other_stage: int = 0
    repeated: int = 0
    conflicts_created: int | None = 0
    reviewers: list[str] = field(default_factory=list)
    added_reviewers: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def plan(
    path: Path,
    db: Database,
    protocol: Protocol,
    actor: Viewer,
    stage: Stage | None,
    summary: Summary,
    rows: list[tuple[int, dict[str, str]]],
) -> list[Planned]:
    """Turn the file's rows into decisions to record; raise on the first bad line."""
    locator = Locator(db) if summary.layout != "review" else None
    planned: list[Planned] = []
    for line, row in rows:
        where = f"{path} line {line}"
        summary.rows += 1
        for item in _row_decisions(where, line, row, db, protocol, actor, stage, summary, locator):
            planned.append(item)
    return planned


def _row_decisions(
    where: str,
    line: int,
    row: dict[str, str],
    db: Database,
    protocol: Protocol,
    actor: Viewer,
    stage: Stage | None,
    summary: Summary,
    locator: Locator | None,
) -> Iterator[Planned]:
    default_stage = stage or Stage.TITLE_ABSTRACT
    if summary.layout == "review":
        try:
            row_stage = Stage.parse(row["stage"]) if row.get("stage") else default_stage
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None
        if stage is not None and row_stage != stage:
            summary.other_stage += 1
            return
        label = row.get("label", "").lower()
        if label == "undo":
            raise UsageError(f"{where}: an undo row; import the current decisions, not --history")
        group = _group_id(where, row.get("group_id", ""), db)
        reviewer = row.get("reviewer") or actor.name
        yield _planned(where, line, group, row_stage, reviewer, label, row, protocol)
        return
    assert locator is not None
    votes: list[tuple[str, str, dict[str, str]]] | None
    if summary.layout == "asreview":
        said = asreview_label(where, row)
        votes = None if said is None else [(actor.name, said, {})]
    else:
        votes = rayyan_votes(where, row, protocol, default_stage)
    if not votes:
        summary.unlabelled += 1
        return
    group = locator.find(where, row)
    for reviewer, label, cells in votes:
        yield _planned(where, line, group, default_stage, reviewer, label, cells, protocol)


def _group_id(where: str, text: str, db: Database) -> int:
    if not text.isdigit() or len(text) > 18:
        raise UsageError(f"{where}: group_id {text!r} is not a study id")
    if not ddb.group_has_records(db, int(text)):
        raise UsageError(f"{where}: no study with group id {text} in this review")
    return int(text)


def _planned(
    where: str,
    line: int,
    group: int,
    stage: Stage,
    reviewer: str,
    label: str,
    cells: dict[str, str],
    protocol: Protocol,
) -> Planned:
    if label not in LABELS:
        raise UsageError(f"{where}: decision {label!r}; use include, exclude or maybe")
    try:
        require_screened(protocol, stage)
        reason = resolve_reason(protocol, stage, cells.get("reason"))
        name = blind.check_name(reviewer)
    except (UsageError, ScreeningError) as exc:
        raise UsageError(f"{where}: {exc}") from None
    return Planned(line, group, stage, name, label, reason, cells.get("note") or None)


def import_decisions(
    db: Database,
    protocol: Protocol,
    actor: Viewer,
    path: Path,
    *,
    stage: Stage | None = None,
    dry_run: bool = False,
    add_reviewers: bool = False,
) -> Summary:
    """Read a decisions file and record every decision in it, or none.

    Args:
        db: The review database.
        protocol: The review's protocol (stages, reasons, blind rules).
        actor: Who imports; records rows without a reviewer under their name.
        path: The CSV (or TSV) file.
        stage: Only this stage's rows (files without a stage column: their stage).
        dry_run: Check and count everything, keep nothing.
        add_reviewers: Register reviewers the review does not know (leads only).

    Raises:
        UsageError: naming the file and line of the first bad row, the unknown
            reviewers, or a non-lead adding reviewers; nothing is recorded.
    """
    if add_reviewers:
        _check_may_add(db, actor)
    header, rows = read_rows(path)
    summary = Summary(str(path), layout_of(path, header, rows), dry_run=dry_run)
    planned = plan(path, db, protocol, actor, stage, summary, rows)
    _check_rights(path, actor, protocol, planned)
    summary.added_reviewers = _unknown_reviewers(path, db, actor, planned, add_reviewers)
    planned = _drop_repeats(path, planned, summary)
    # Title/abstract first: full-text eligibility follows from title/abstract outcomes.
    planned.sort(key=lambda p: 0 if p.stage == Stage.TITLE_ABSTRACT else 1)
    viewers = {
        name: blind.viewer(
            db,
            name,
            blind=protocol.screening.blind,
            required=protocol.screening.reviewers_per_record,
        )
        for name in sorted({p.reviewer for p in planned})
    }
    keys = sorted({(p.group_id, p.stage) for p in planned})
    try:
        with transaction(db):
            before = _conflicts(db, actor, keys)
            for item in planned:
                _record(path, db, protocol, viewers[item.reviewer], item, summary)
            after = _conflicts(db, actor, keys)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    summary.conflicts_created = None if after is None else len(after - (before or set()))
    summary.reviewers = sorted(viewers)
    return summary


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file (for the audit log)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_rights(path: Path, actor: Viewer, protocol: Protocol, planned: list[Planned]) -> None:
    """In a blind review only a lead records other reviewers' decisions."""
    if not protocol.screening.blind or actor.is_lead:
        return
    for item in planned:
        if item.reviewer != actor.name:
            raise UsageError(
                f"{path} line {item.line}: a decision of {item.reviewer}; in a blind review"
                f" only a lead imports other reviewers' decisions ({actor.name} is not a lead)"
            )


def _check_may_add(db: Database, actor: Viewer) -> None:
    """Only a lead adds reviewers; in a review without a lead, anyone (nobody else could)."""
    if actor.is_lead or not any(r["role"] == "lead" for r in sdb.reviewers(db)):
        return
    raise UsageError(
        f"--add-reviewers: only a lead adds reviewers ({actor.name} is not a lead);"
        " ask a lead, or a lead registers them with review reviewer add NAME"
    )


def _unknown_reviewers(
    path: Path, db: Database, actor: Viewer, planned: list[Planned], add: bool
) -> list[str]:
    """Return the file's reviewers the review does not know; refuse them unless ``add``."""
    names = {p.reviewer for p in planned} - {actor.name}
    unknown = sorted(n for n in names if sdb.reviewer_role(db, n) is None)
    if unknown and not add:
        listed = ", ".join(repr(n) for n in unknown)
        raise UsageError(
            f"{path}: unknown reviewer{'s' if len(unknown) > 1 else ''} {listed}; nothing"
            " imported: check the spelling, register them with review reviewer add NAME,"
            " or import with --add-reviewers (a lead)"
        )
    return unknown


def _drop_repeats(path: Path, planned: list[Planned], summary: Summary) -> list[Planned]:
    """Drop a study decided twice alike in the file; refuse two different decisions."""
    seen: dict[tuple[int, str, str], Planned] = {}
    kept: list[Planned] = []
    for item in planned:
        key = (item.group_id, item.stage.value, item.reviewer)
        first = seen.get(key)
        if first is None:
            seen[key] = item
            kept.append(item)
        elif (first.label, first.reason) == (item.label, item.reason):
            summary.repeated += 1
        else:
            raise UsageError(
                f"{path} line {item.line}: {item.reviewer} decides group {item.group_id}"
                f" ({item.stage.cli}) differently on line {first.line}; the two records"
                " are one study here (deduplicated): keep one decision"
            )
    return kept


def _record(
    path: Path, db: Database, protocol: Protocol, who: Viewer, item: Planned, summary: Summary
) -> None:
    stage = item.stage
    current = blind.own_current(db, who, item.group_id, stage)
    try:
        kept = decide(
            db,
            who,
            item.group_id,
            stage,
            item.label,
            reason=item.reason,
            note=item.note,
            allowed_reasons=protocol.exclusion_reasons(stage) or None,
            require_reason=item.stage == Stage.FULL_TEXT,
        )
    except ScreeningError as exc:
        raise UsageError(f"{path} line {item.line}: {exc}") from None
    if current is not None and kept == current.id:
        summary.unchanged += 1
    else:
        summary.recorded += 1


def _conflicts(
    db: Database, actor: Viewer, keys: list[tuple[int, Stage]]
) -> set[tuple[int, Stage]] | None:
    """Return the keys in conflict, or None when a stage is blind to the importer."""
    found: set[tuple[int, Stage]] = set()
    for group, stage in keys:
        result = outcome(db, actor, group, stage)
        if result is None:
            return None
        if result.outcome == "conflict":
            found.add((group, stage))
    return found
