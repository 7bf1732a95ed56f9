"""The two PRISMA screening stages, who is eligible for each, and group outcomes.

Screening decides on groups (studies after deduplication), not records.
Title/abstract is open to every group that has records; full text only to
groups that passed title/abstract: agreed include or maybe, or resolved
include.

Outcome of a group at a stage with ``required`` reviewers per record
(:func:`classify`; ``screening.db`` holds the same rule in SQL):

- ``undecided`` until ``required`` reviewers have a current decision;
- ``include`` / ``exclude`` when they all agree;
- at title/abstract, include and maybe both mean "read the full text", so a
  mix of include and maybe is no conflict: the outcome is ``maybe`` (it
  proceeds). Only exclude against include-or-maybe is a conflict;
- at full text a maybe cannot be the final answer, so any maybe (even all
  maybe, even with one reviewer) is a ``conflict`` for a third reviewer or
  consensus to resolve, as is include against exclude;
- ``resolved_include`` / ``resolved_exclude`` once a resolution is in force,
  whatever the votes are afterwards (a lead can reopen it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from protocols.model import Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.errors import ScreeningError

TITLE_ABSTRACT = sdb.TITLE_ABSTRACT
FULL_TEXT = sdb.FULL_TEXT
STAGES = sdb.STAGES
OUTCOMES = sdb.OUTCOMES
#: Outcomes with which a study goes on to full text.
PROCEEDS = sdb.PROCEEDS


def parse_stage(text: str) -> Stage:
    """Return the stage for the CLI spelling (``title-abstract``, ``full-text``) or the name.

    Raises:
        ScreeningError: naming the accepted spellings.
    """
    try:
        return Stage.parse(text)
    except ValueError as exc:
        raise ScreeningError(str(exc)) from None


def classify(
    labels: Sequence[str], required: int, stage: Stage, resolution: str | None = None
) -> str:
    """Return the outcome of one group from its current labels (see the module doc).

    Args:
        labels: Every reviewer's current label (include / exclude / maybe); on a
            merged study, every distinct vote (``screening.merges``), so one
            reviewer's disagreeing labels count as two votes.
        required: Reviewers per record.
        stage: ``title_abstract`` or ``full_text``.
        resolution: The resolution label in force (include / exclude), if any.
    """
    if resolution is not None:
        return f"resolved_{resolution}"
    n = len(labels)
    if n < required or n == 0:
        return "undecided"
    if all(label == "include" for label in labels):
        return "include"
    if all(label == "exclude" for label in labels):
        return "exclude"
    if stage == TITLE_ABSTRACT and "exclude" not in labels:
        return "maybe"
    return "conflict"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A group's outcome at a stage, with the votes behind it.

    Attributes:
        group_id: The group (study).
        stage: The stage.
        outcome: One of :data:`OUTCOMES`.
        labels: Reviewer -> current label.
        resolution: The resolution in force (label, method, resolver, ...), if any.
    """

    group_id: int
    stage: Stage
    outcome: str
    labels: dict[str, str] = field(default_factory=dict)
    resolution: dict[str, object] | None = None

    @property
    def proceeds(self) -> bool:
        """True when the study goes on to full text (title/abstract outcomes)."""
        return self.outcome in PROCEEDS


def outcome(db: Database, who: Viewer, group_id: int, stage: Stage) -> Outcome | None:
    """Return a group's outcome at a stage, or None while the stage is blind to the viewer."""
    tallies = blind.tallies(db, who, stage)
    if tallies is None:
        return None
    votes = [label for _, label in tallies.group_votes(group_id)]
    resolution = tallies.resolution(group_id)
    code = classify(votes, who.required, stage, resolution["label"] if resolution else None)
    return Outcome(group_id, stage, code, tallies.group_labels(group_id), resolution)


def outcomes(db: Database, who: Viewer, stage: Stage) -> dict[int, str] | None:
    """Return group -> outcome for every decided group, or None while blind to the viewer."""
    tallies = blind.tallies(db, who, stage)
    return None if tallies is None else dict(tallies.outcomes())


def require_eligible(db: Database, who: Viewer, group_id: int, stage: Stage) -> None:
    """Raise unless the group may be screened at the stage by this viewer.

    Raises:
        ScreeningError: for a group without records, for a stage that is
            still closed to the viewer, or for a study that did not pass
            title/abstract.
    """
    if not sdb.group_has_records(db, group_id):
        raise ScreeningError(f"no study with group id {group_id}")
    if stage == TITLE_ABSTRACT:
        return
    tallies = blind.full_text_open(db, who)
    if tallies is None:
        raise ScreeningError(
            "full-text screening opens when the lead unblinds title/abstract screening"
        )
    if not tallies.passed(group_id):
        raise ScreeningError(f"group {group_id} has not passed title/abstract screening")


def eligible_count(db: Database, who: Viewer, stage: Stage) -> int | None:
    """Return how many studies a stage screens, or None while that is blind to the viewer."""
    if blind.check_stage(stage) == TITLE_ABSTRACT:
        return sdb.study_count(db)
    tallies = blind.full_text_open(db, who)
    return None if tallies is None else tallies.full_text_counts()[0]


def exclusion_reasons(db: Database, who: Viewer, stage: Stage = FULL_TEXT) -> dict[int, str]:
    """Return study -> the reason its current exclude votes at a stage give most.

    Votes on groups merged into a study count for the study; ties go to the
    earliest vote. Studies without any exclude reason are left out. Only the
    votes the viewer may see count (their own while the stage is blind to them).
    """
    into = sdb.merged_away(db)
    votes: dict[int, list[tuple[int, str]]] = {}
    for event in blind.events(db, who, stage=stage):
        if event.label != "exclude" or not event.reason:
            continue
        study = into.get(event.group_id, event.group_id)
        votes.setdefault(study, []).append((event.id, event.reason))
    out: dict[int, str] = {}
    for study, found in votes.items():
        found.sort()
        tally = Counter(reason for _, reason in found)
        best = max(tally.values())
        out[study] = next(reason for _, reason in found if tally[reason] == best)
    return out
