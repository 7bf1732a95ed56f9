"""One decision from the command line: find the study, check the reason, record it.

``review decide`` names a study the way a user knows it: its group id (what
the TUI and the exports show), the record's id in this review, or the
record's own ID in the file it came from (``source_id``). When those readings
point at different studies, the user is told and shown how to say which one
(``group:12``, ``record:12``, ``source:12``), rather than a guess being recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from protocols.model import Protocol, Stage
from review.core.errors import UsageError
from review.core.study import PREFIXES, Study, find_study  # noqa: F401  (re-exported)
from screening import blind
from screening.blind import Viewer
from screening.decide import decide
from screening.stages import Outcome, outcome, require_eligible


def require_screened(protocol: Protocol, stage: Stage) -> None:
    """Refuse a stage the protocol does not screen (``[screening] stages``)."""
    if stage not in protocol.screening.stages:
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
    reasons = protocol.exclusion_reasons(stage)
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
    require_screened(protocol, stage)
    study = find_study(db, study_text)
    wording = resolve_reason(protocol, stage, reason)
    require_eligible(db, who, study.group_id, stage)
    before = blind.own_current(db, who, study.group_id, stage)
    kept = before is not None and before.label == "exclude" and before.reason
    if stage == Stage.FULL_TEXT and label == "exclude" and wording is None and not kept:
        reasons = protocol.exclusion_reasons(stage)
        listed = "; ".join(f"{n}. {r}" for n, r in enumerate(reasons, start=1))
        raise UsageError(
            "excluding at full text needs --reason (its text or number)"
            + (f": {listed}" if listed else "")
        )
    decide(
        db,
        who,
        study.group_id,
        stage,
        label,
        reason=wording,
        note=note,
        allowed_reasons=protocol.exclusion_reasons(stage) or None,
        require_reason=stage == Stage.FULL_TEXT,
    )
    after = blind.own_current(db, who, study.group_id, stage)
    changed = before is None or after is None or before.id != after.id
    return Recorded(study, stage, after, changed, outcome(db, who, study.group_id, stage))
