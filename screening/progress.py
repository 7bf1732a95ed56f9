"""Per-stage screening progress for ``review status --json`` and the dashboard.

Counts that follow from other reviewers' labels (included, excluded, maybe,
conflicts, resolved, agreement, other reviewers' tallies) are None while a
stage is blind to the viewer. How many studies were screened at all is shown
in any case: it says how far the team is, not what anyone decided.

Results are typed (:class:`Progress`, :class:`StageProgress`,
:class:`SessionRate`) so the dashboard reads attributes a type checker
knows; ``to_json()`` gives the stable ``--json`` form.

Rounds (``screening.rounds``): once a review has been updated, the counts
are about one search round's new studies (the newest by default), as the
queue and the stopping rule are. Per-reviewer tallies and agreement stay
about the whole review: they describe the reviewers, not a round.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import blind
from screening import db as sdb
from screening.agreement import stage_agreement
from screening.blind import Viewer
from screening.rounds import RoundScope, scope
from screening.stages import FULL_TEXT, STAGES, TITLE_ABSTRACT, eligible_count


@dataclass(frozen=True, slots=True)
class SessionRate:
    """The viewer's last screening session at a stage."""

    session_id: int
    started: str
    decisions: int
    minutes: float
    per_hour: float | None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (the field names)."""
        return dataclasses.asdict(self)


@dataclass(slots=True)
class StageProgress:
    """One stage's counts as the viewer may see them (None: hidden or not yet open).

    Attributes:
        eligible: Studies the stage screens (at full text, PRISMA's reports sought).
        screened: Studies decided by at least one reviewer.
        fully_screened: Studies decided by the required number of reviewers.
        included, excluded, maybe, conflicts, resolved, undecided: Outcome counts.
        not_retrieved: Full text only: reports not retrieved.
        reviewers: Reviewer -> label -> current decisions.
        agreement: Agreement statistics (JSON form), None while blind.
        rate: The viewer's last session.
        stopping: The stopping rule's report (filled by the review layer).
    """

    eligible: int | None
    screened: int | None = None
    fully_screened: int | None = None
    included: int | None = None
    excluded: int | None = None
    maybe: int | None = None
    conflicts: int | None = None
    resolved: int | None = None
    undecided: int | None = None
    not_retrieved: int | None = None
    reviewers: dict[str, dict[str, int]] = field(default_factory=dict)
    agreement: dict[str, Any] | None = None
    rate: SessionRate | None = None
    stopping: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form; ``stopping`` only once the review layer set it."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["rate"] = self.rate.to_json() if self.rate else None
        return out


@dataclass(slots=True)
class Progress:
    """The whole screening progress as one viewer may see it."""

    viewer: str
    lead: bool
    blind: bool
    reviewers_per_record: int
    unblinded: list[str]
    stages: dict[Stage, StageProgress]
    round: int = 1
    rounds: int = 1

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form used by ``review status --json``."""
        return {
            "round": self.round,
            "rounds": self.rounds,
            "viewer": self.viewer,
            "lead": self.lead,
            "blind": self.blind,
            "reviewers_per_record": self.reviewers_per_record,
            "unblinded": list(self.unblinded),
            "stages": {stage: p.to_json() for stage, p in self.stages.items()},
        }

    def hidden(self, stage: Stage) -> bool:
        """Tell whether other reviewers' labels at ``stage`` are hidden from the viewer."""
        return self.blind and not self.lead and stage not in self.unblinded


def progress(db: Database, who: Viewer, round_no: int | None = None) -> Progress:
    """Return the whole screening progress as the viewer may see it.

    Args:
        round_no: The search round the counts are about; the newest by default.

    Raises:
        ScreeningError: for a round that does not exist.
    """
    within = scope(db, round_no)
    return Progress(
        viewer=who.name,
        lead=who.is_lead,
        blind=who.blind,
        reviewers_per_record=who.required,
        unblinded=sorted(sdb.unblinded(db)),
        stages={stage: stage_progress(db, who, stage, within) for stage in STAGES},
        round=within.number,
        rounds=within.latest,
    )


def stage_progress(
    db: Database, who: Viewer, stage: Stage, within: RoundScope | None = None
) -> StageProgress:
    """Return one stage's counts, per-reviewer tallies, agreement and screening rate.

    Args:
        within: A search round whose studies the counts are about (None: all).
    """
    out = stage_counts(db, who, stage, within)
    out.reviewers = blind.label_counts(db, who, stage)
    agreement = stage_agreement(db, who, stage)
    out.agreement = None if agreement is None else agreement.as_dict()
    out.rate = session_rate(db, who, stage)
    return out


def stage_counts(
    db: Database, who: Viewer, stage: Stage, within: RoundScope | None = None
) -> StageProgress:
    """Return one stage's study counts only (no reviewer tallies, agreement or rate).

    Args:
        within: A search round whose studies the counts are about (None: all).
    """
    checked = blind.check_stage(stage)
    if within is not None and within.studies is not None:
        return _round_counts(db, who, checked, within.studies)
    return _counts(db, who, checked)


def _counts(db: Database, who: Viewer, stage: Stage) -> StageProgress:
    """A stage's counts over every study (by SQL aggregates: fast at 100k studies)."""
    out = StageProgress(eligible=eligible_count(db, who, stage))
    ta_open = blind.full_text_open(db, who) if stage == FULL_TEXT else None
    if stage == TITLE_ABSTRACT or ta_open is not None:
        out.screened, out.fully_screened = sdb.screened_counts(db, stage, who.required)
    tallies = blind.tallies(db, who, stage)
    if tallies is not None and out.eligible is not None:
        _set_outcomes(out, tallies.outcome_counts(), out.eligible)
    if stage == FULL_TEXT and ta_open is not None:
        out.not_retrieved = ta_open.full_text_counts()[1]
    return out


def _round_counts(
    db: Database, who: Viewer, stage: Stage, studies: frozenset[int]
) -> StageProgress:
    """A stage's counts over one round's studies (per study, filtered here)."""
    eligible: frozenset[int] | None = studies
    if stage == FULL_TEXT:
        ta_open = blind.full_text_open(db, who)
        eligible = None if ta_open is None else frozenset(ta_open.passed_groups()) & studies
    out = StageProgress(eligible=None if eligible is None else len(eligible))
    if eligible is None:
        return out
    votes = [n for g, n in sdb.screened_groups(db, stage) if g in eligible]
    out.screened, out.fully_screened = len(votes), sum(1 for n in votes if n >= who.required)
    tallies = blind.tallies(db, who, stage)
    if tallies is not None:
        _set_outcomes(
            out, Counter(o for g, o in tallies.outcomes() if g in eligible), len(eligible)
        )
    if stage == FULL_TEXT:
        out.not_retrieved = len(sdb.not_retrieved_groups(db) & eligible)
    return out


def _set_outcomes(out: StageProgress, counts: Mapping[str, int], eligible: int) -> None:
    """Fill the outcome counts from ``outcome -> studies`` (resolutions counted in)."""
    resolved_in = counts.get("resolved_include", 0)
    resolved_out = counts.get("resolved_exclude", 0)
    out.included = counts.get("include", 0) + resolved_in
    out.excluded = counts.get("exclude", 0) + resolved_out
    out.maybe = counts.get("maybe", 0)
    out.conflicts = counts.get("conflict", 0)
    out.resolved = resolved_in + resolved_out
    decided = sum(v for k, v in counts.items() if k != "undecided")
    out.undecided = max(eligible - decided, 0)


def session_rate(db: Database, who: Viewer, stage: Stage) -> SessionRate | None:
    """Return the viewer's last session at a stage: groups decided, minutes, groups per hour."""
    last = sdb.last_session(db, who.name, stage)
    if last is None:
        return None
    session_id, started = last
    count, last_time = sdb.session_decisions(db, session_id)
    minutes = 0.0
    if last_time is not None:
        elapsed = datetime.fromisoformat(last_time) - datetime.fromisoformat(started)
        minutes = max(elapsed.total_seconds(), 0.0) / 60
    per_hour = round(count / (minutes / 60), 1) if minutes > 0 else None
    return SessionRate(session_id, started, count, round(minutes, 2), per_hour)
