"""One decision from the command line: find the study, check the reason, record it.

``review decide`` names a study the way a user knows it: its group id (what
the TUI and the exports show), the record's id in this review, or the
record's own ID in the file it came from (``source_id``). When those readings
point at different studies, the user is told and shown how to say which one
(``group:12``, ``record:12``, ``source:12``), rather than a guess being recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from protocols.model import Protocol, Stage
from review.core.errors import UsageError
from review.decisions import db as ddb
from screening import blind
from screening.blind import Viewer
from screening.decide import decide
from screening.stages import Outcome, outcome, require_eligible

PREFIXES = ("group", "record", "source")


@dataclass(frozen=True, slots=True)
class Study:
    """The study a user named, and how the name was read.

    Attributes:
        group_id: The study (group) id.
        found_as: How the name matched, e.g. ``source id 1095 in wilson.csv``.
        title: The study's title, for the confirmation line.
    """

    group_id: int
    found_as: str
    title: str | None


def find_study(db: Database, text: str) -> Study:
    """Return the study ``text`` names: a group id, a record id or a source id.

    ``group:ID``, ``record:ID`` and ``source:ID`` name one reading only.

    Raises:
        UsageError: in one line, when nothing matches or readings disagree.
    """
    name = text.strip()
    kind, _, value = name.partition(":")
    if kind.lower() in PREFIXES and value.strip():
        readings = _readings(db, value.strip(), (kind.lower(),))
    else:
        readings = _readings(db, name, PREFIXES)
    groups = sorted({group for group, _ in readings})
    if not groups:
        raise UsageError(
            f"no study {name!r} in this review: not a group id, record id or source id"
            " (find one with `review search` or `review export records`)"
        )
    if len(groups) > 1:
        hows: dict[int, list[str]] = {}
        for group, how in readings:
            hows.setdefault(group, []).append(how)
        shown = "; ".join(f"group {g} as {' and '.join(hows[g])}" for g in groups[:5])
        more = f"; and {len(groups) - 5} more studies" if len(groups) > 5 else ""
        bare = value.strip() if kind.lower() in PREFIXES else name
        raise UsageError(
            f"study {name!r} is ambiguous: {shown}{more}; say which with"
            f" group:{bare}, record:{bare} or source:{bare}"
        )
    return Study(groups[0], readings[0][1], ddb.group_title(db, groups[0]))


def _readings(db: Database, value: str, kinds: Sequence[str]) -> list[tuple[int, str]]:
    """Return ``(group, how)`` for every way ``value`` names a study."""
    found: list[tuple[int, str]] = []
    number = int(value) if value.isdigit() and len(value) < 19 else None
    if "group" in kinds and number is not None and ddb.group_has_records(db, number):
        found.append((number, f"group id {number}"))
    if "record" in kinds and number is not None:
        ref = ddb.record(db, number)
        if ref is not None:
            found.append((ref.group_id, f"record id {number}"))
    if "source" in kinds:
        for ref in ddb.by_source_id(db, value):
            found.append((ref.group_id, f"source id {value} in {ref.file_name}"))
    return found


def check_stage(protocol: Protocol, stage: Stage) -> None:
    """Refuse a stage the protocol does not screen (``[screening] stages``)."""
    if stage.value not in protocol.screening.stages:
        raise UsageError(
            f"this review does not screen {stage.label.lower()} (protocol.toml [screening] stages)"
        )


def resolve_reason(protocol: Protocol, stage: Stage, given: str | None) -> str | None:
    """Return the protocol's wording of an exclusion reason given as text or 1-based number.

    Text matches ignoring case and surrounding spaces. A protocol with no
    reasons for the stage accepts any text.

    Raises:
        UsageError: for a number out of range or a reason the protocol lacks.
    """
    if given is None or not given.strip():
        return None
    text = given.strip()
    reasons = protocol.exclusion_reasons(stage.value)
    where = f"{stage.label.lower()} exclusion reasons"
    if text.isdigit():
        if not reasons:
            raise UsageError(f"reason {text}: the protocol lists no {where}; give the reason text")
        if not 1 <= int(text) <= len(reasons):
            raise UsageError(
                f"reason {text}: the protocol lists {len(reasons)} {where} (1-{len(reasons)})"
            )
        return reasons[int(text) - 1]
    if not reasons:
        return text
    for reason in reasons:
        if reason.casefold() == text.casefold():
            return reason
    listed = "; ".join(f"{n}. {r}" for n, r in enumerate(reasons, start=1))
    raise UsageError(f"unknown exclusion reason {text!r}; the protocol's {where}: {listed}")


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``review decide`` did.

    Attributes:
        study: The study decided on.
        stage: The stage.
        decision: The reviewer's decision in force afterwards (a log row).
        changed: False when it was already the current decision (nothing written).
        outcome: The study's outcome at the stage, None while it is blind to the reviewer.
    """

    study: Study
    stage: Stage
    decision: Any
    changed: bool
    outcome: Outcome | None

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        d = self.decision
        found = self.outcome
        return {
            "study": {
                "group_id": self.study.group_id,
                "found_as": self.study.found_as,
                "title": self.study.title,
            },
            "decision": {
                "id": d.id,
                "group_id": d.group_id,
                "stage": d.stage,
                "reviewer": d.reviewer,
                "label": d.label,
                "reason": d.reason,
                "note": d.note,
                "time": d.time,
            },
            "recorded": self.changed,
            "outcome": None
            if found is None
            else {
                "outcome": found.outcome,
                "labels": found.labels,
                "resolution": found.resolution,
                "proceeds_to_full_text": found.proceeds
                if self.stage == Stage.TITLE_ABSTRACT
                else None,
            },
            "blind": found is None,
        }


def record_decision(
    db: Database,
    protocol: Protocol,
    who: Viewer,
    study_text: str,
    stage: Stage,
    label: str,
    *,
    reason: str | None = None,
    note: str | None = None,
) -> Recorded:
    """Record one decision through ``screening.decide``, as the TUI's keys do.

    Full-text exclusions need a reason from the protocol, given as its text or
    its number in the protocol's list.

    Raises:
        UsageError: for an unknown or ambiguous study, a bad reason or stage.
        ScreeningError: for what ``screening.decide`` refuses (eligibility, notes).
    """
    check_stage(protocol, stage)
    study = find_study(db, study_text)
    wording = resolve_reason(protocol, stage, reason)
    require_eligible(db, who, study.group_id, stage.value)
    before = blind.own_current(db, who, study.group_id, stage.value)
    kept = before is not None and before.label == "exclude" and before.reason
    if stage == Stage.FULL_TEXT and label == "exclude" and wording is None and not kept:
        reasons = protocol.exclusion_reasons(stage.value)
        listed = "; ".join(f"{n}. {r}" for n, r in enumerate(reasons, start=1))
        raise UsageError(
            "excluding at full text needs --reason (its text or number)"
            + (f": {listed}" if listed else "")
        )
    decide(
        db,
        who,
        study.group_id,
        stage.value,
        label,
        reason=wording,
        note=note,
        allowed_reasons=protocol.exclusion_reasons(stage.value) or None,
        require_reason=stage == Stage.FULL_TEXT,
    )
    after = blind.own_current(db, who, study.group_id, stage.value)
    changed = before is None or after is None or before.id != after.id
    return Recorded(study, stage, after, changed, outcome(db, who, study.group_id, stage.value))
