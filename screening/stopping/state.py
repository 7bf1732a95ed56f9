"""The stopping rule inside a review: draw the random sample, assess a stage.

``screening.stopping.rules`` holds the statistics over counts; this module
turns a review's decisions into those counts and keeps the random sample in
the database (``screening.db.stopping``), so the sample is screened in the
ordinary queue (``screening.queue`` serves it first) like any record.

Labels: a study counts as relevant when its outcome at the stage is include,
maybe, resolved include or an unresolved conflict; exclude and resolved
exclude are irrelevant; a study short of its required reviewers is relevant
unless every vote so far excludes it. The ranked part is every eligible study
someone decided, in the order of its first decision (once a sample is drawn,
only those decided before the draw); sample studies count once settled.

Size: :func:`draw_sample` draws what justifies stopping if no sample record is
relevant (``rules.required_sample``); :func:`extend_sample` draws the extra
records needed once relevant ones turn up, from the same urn.

Blind mode: the figures combine every reviewer's labels, so only a viewer who
may see the whole stage gets them; others get a :class:`ScreeningError`.
Why these choices: ``docs/methods/stopping.md``.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.errors import ScreeningError
from screening.rounds import RoundScope, scope
from screening.stages import FULL_TEXT, TITLE_ABSTRACT
from screening.stopping.rules import StoppingReport, assess, required_sample

#: Outcomes counted as relevant (see the module doc).
RELEVANT: frozenset[str] = frozenset({"include", "maybe", "conflict", "resolved_include"})
IRRELEVANT: frozenset[str] = frozenset({"exclude", "resolved_exclude"})
_NAMES: dict[str, str] = {TITLE_ABSTRACT: "title/abstract", FULL_TEXT: "full text"}
HIDDEN = (
    "the stopping figures combine every reviewer's decisions; in a blind review only a "
    "lead sees them until the stage is unblinded"
)


def visible(db: Database, who: Viewer, stage: Stage) -> bool:
    """Tell whether the viewer may see a stage's stopping figures (see the module doc)."""
    if not blind.sees_all(db, who, stage):
        return False
    return stage == TITLE_ABSTRACT or blind.full_text_open(db, who) is not None


class _Stage:
    """A stage's studies and labels as the stopping rule reads them (one snapshot)."""

    def __init__(self, db: Database, who: Viewer, stage: Stage, round_no: int | None) -> None:
        tallies = blind.tallies(db, who, stage) if visible(db, who, stage) else None
        if tallies is None:
            raise ScreeningError(HIDDEN)
        self.scope: RoundScope = scope(db, round_no)
        if stage == FULL_TEXT:
            passed = blind.full_text_open(db, who)
            assert passed is not None  # visible() checked it
            self.eligible = self.scope.keep(passed.passed_groups())
        else:
            studies = self.scope.studies
            self.eligible = sdb.study_ids(db) if studies is None else sorted(studies)
        members = set(self.eligible)
        self.outcomes = dict(tallies.outcomes())
        self.order = [(g, f) for g, f in sdb.decision_order(db, stage) if g in members]
        self.labels = {g: self._label(tallies, g) for g, _ in self.order}

    def _label(self, tallies: blind.Tallies, group_id: int) -> int:
        outcome = self.outcomes.get(group_id, "undecided")
        if outcome in RELEVANT:
            return 1
        if outcome in IRRELEVANT:
            return 0
        votes = tallies.group_votes(group_id)
        return int(any(label != "exclude" for _, label in votes))

    def settled(self, group_id: int) -> bool:
        """True once the required reviewers decided a study (or it was resolved)."""
        return self.outcomes.get(group_id, "undecided") != "undecided"

    def ranked(self, last_decision: int | None) -> list[int]:
        """Return the ranked part, first decided first (up to ``last_decision``)."""
        return [g for g, first in self.order if last_decision is None or first <= last_decision]


def assess_stage(
    db: Database,
    who: Viewer,
    stage: Stage,
    target: float = 0.95,
    confidence: float = 0.95,
    round_no: int | None = None,
) -> StoppingReport | None:
    """Return the stopping report of a stage, or None while nothing is screened there.

    Args:
        target: The protocol's ``stopping_target``.
        confidence: The protocol's ``stopping_confidence``.
        round_no: The search round (its new studies); the newest by default.

    Raises:
        ScreeningError: for an unknown stage, or while the stage is blind to the viewer.
    """
    split = split_stage(db, who, stage, round_no)
    if not split.state.order and split.sample is None:
        return None
    ranked = [split.state.labels[g] for g in split.ranked]
    if split.sample is None:
        return assess(len(split.state.eligible), ranked, target=target, confidence=confidence)
    return assess(
        len(split.state.eligible),
        ranked,
        [split.state.labels[g] for g in split.settled],
        sample_size=len(split.drawn),
        target=target,
        confidence=confidence,
    )


@dataclass(frozen=True, slots=True)
class StageSplit:
    """A stage's decided studies as every stopping rule reads them (see the module docstring).

    Attributes:
        state: The stage's eligible studies, labels and first-decision order.
        sample: The random sample drawn in this round, if any.
        ranked: The ranked part, first decided first (before the draw, once drawn).
        drawn: Sample studies still eligible and outside the ranked part, in draw order.
        settled: Those of ``drawn`` whose outcome is settled.
    """

    state: _Stage
    sample: sdb.Sample | None
    ranked: list[int]
    drawn: list[int]
    settled: list[int]


def split_stage(db: Database, who: Viewer, stage: Stage, round_no: int | None = None) -> StageSplit:
    """Return the ranked part and the random sample of a stage (the newest round by default).

    Raises:
        ScreeningError: for an unknown stage, or while the stage is blind to the viewer.
    """
    state = _Stage(db, who, stage, round_no)
    sample = sdb.stopping_sample(db, stage, state.scope.number)
    ranked = state.ranked(None if sample is None else sample.last_decision)
    drawn = [] if sample is None else _drawn(state, sample, set(ranked))
    settled = [g for g in drawn if state.settled(g) and g in state.labels]
    return StageSplit(state, sample, ranked, drawn, settled)


def recall_curve(
    db: Database, who: Viewer, stage: Stage, round_no: int | None = None
) -> tuple[int, list[int]] | None:
    """Return ``(eligible studies, labels in the order screened)`` for a recall curve.

    Labels are 1 for a relevant study (included or proceeding), 0 otherwise,
    in the order studies were first decided: the curve of relevant studies
    found against studies screened. None while the stage is blind to the viewer.
    """
    if not visible(db, who, stage):
        return None
    state = _Stage(db, who, stage, round_no)
    return len(state.eligible), [state.labels[g] for g, _ in state.order]


def _drawn(state: _Stage, sample: sdb.Sample, ranked: set[int]) -> list[int]:
    """Sample studies still eligible and outside the ranked part, in draw order."""
    members = set(state.eligible)
    return [g for g in sample.groups if g in members and g not in ranked]


def stage_json(
    db: Database,
    who: Viewer,
    stage: Stage,
    target: float = 0.95,
    confidence: float = 0.95,
    round_no: int | None = None,
) -> dict[str, Any] | None:
    """Return the report as JSON plus how the sample was drawn; None: nothing screened.

    Raises:
        ScreeningError: as :func:`assess_stage`.
    """
    report = assess_stage(db, who, stage, target, confidence, round_no)
    if report is None:
        return None
    out = report.to_json()
    sample = sdb.stopping_sample(db, stage, round_no)
    out["sample_drawn"] = None
    if sample is not None:
        out["sample_drawn"] = {
            "by": sample.drawn_by,
            "at": sample.drawn_at,
            "seed": sample.seed,
            "batches": sdb.sample_batches(db, sample.id),
            "target": sample.target,
            "confidence": sample.confidence,
        }
    return out


def draw_sample(
    db: Database,
    who: Viewer,
    stage: Stage,
    target: float = 0.95,
    confidence: float = 0.95,
    seed: str | None = None,
) -> sdb.Sample:
    """Draw and store the stage's random sample of the studies nobody has decided yet.

    A simple random sample, without replacement, of the urn sorted by group id
    (``random.Random(f"{seed}:1").sample``), so a seed reproduces it. Its size
    is what justifies stopping if none of it is relevant (at least 1).

    Args:
        seed: Seed of the draw; a fresh random one (recorded) by default.

    Raises:
        ScreeningError: while the stage is blind to the viewer, when nothing is
            screened yet, when every study is screened, or when the stage
            already has a sample (:func:`extend_sample` adds to it).
    """
    with transaction(db):
        existing = sdb.stopping_sample(db, stage)
        if existing is not None:
            raise ScreeningError(_already(existing))
        state = _Stage(db, who, stage, None)
        name = _NAMES[stage]
        if not state.order:
            raise ScreeningError(f"nothing is screened at {name} yet; screen first, then sample")
        decided = set(state.ranked(None))
        urn = [g for g in state.eligible if g not in decided]
        if not urn:
            raise ScreeningError(f"every study at {name} is screened: no sample is needed")
        relevant = sum(state.labels.values())
        size = max(1, required_sample(len(urn), relevant, target, confidence))
        seed = seed if seed is not None else str(secrets.randbits(48))
        at = sdb.now()
        sdb.ensure_reviewer(db, who.name, None, at)
        sample = sdb.Sample(
            id=0, stage=stage, drawn_by=who.name, drawn_at=at, target=target,
            confidence=confidence, seed=seed, eligible=len(state.eligible),
            ranked=len(decided), ranked_relevant=relevant,
            last_decision=sdb.last_decision_id(db, stage),
            groups=tuple(random.Random(f"{seed}:1").sample(urn, min(size, len(urn)))),
            round=state.scope.number,
        )  # fmt: skip
        sdb.insert_sample(db, sample)
    found = sdb.stopping_sample(db, stage)
    assert found is not None
    return found


def extend_sample(
    db: Database, who: Viewer, stage: Stage, target: float = 0.95, confidence: float = 0.95
) -> int:
    """Draw the extra sample records now needed (relevant ones turned up); return how many.

    They come from the same urn: studies outside the ranked part not drawn yet,
    sampled with ``random.Random(f"{seed}:{batch}")``.

    Raises:
        ScreeningError: when there is no sample, or it is already large enough.
    """
    with transaction(db):
        sample = sdb.stopping_sample(db, stage)
        name = _NAMES[blind.check_stage(stage)]
        if sample is None:
            raise ScreeningError(f"no random sample at {name} yet; draw one first")
        report = assess_stage(db, who, stage, target, confidence)
        assert report is not None  # a sample exists
        more = report.sample_needed - report.sample_size
        left = report.sample_size - report.sample_screened
        if more <= 0:
            raise ScreeningError(
                f"the sample of {report.sample_size:,} is large enough if none of its "
                f"{left:,} unscreened records is relevant; screen those first"
            )
        state = _Stage(db, who, stage, None)
        taken = set(state.ranked(sample.last_decision)) | set(sample.groups)
        urn = [g for g in state.eligible if g not in taken]
        batch = sdb.sample_batches(db, sample.id) + 1
        extra = random.Random(f"{sample.seed}:{batch}").sample(urn, min(more, len(urn)))
        sdb.ensure_reviewer(db, who.name, None, sdb.now())
        sdb.insert_sample_groups(
            db, sample.id, len(sample.groups), extra, batch, who.name, sdb.now()
        )
    return len(extra)


def _already(sample: sdb.Sample) -> str:
    name = _NAMES[sample.stage]
    return (
        f"a random sample of {len(sample.groups):,} records was already drawn at {name} by "
        f"{sample.drawn_by} on {sample.drawn_at[:10]}; screen it, or add --extend to draw more"
    )
