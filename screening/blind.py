"""Who may see which decisions: the one gate between the log and every reader.

In a blind review a reviewer sees only their own decisions, and nothing
computed from anyone else's (outcomes, conflicts, agreement, which studies
passed title/abstract), until a lead unblinds the stage. Leads, and everyone
in a review that is not blind, see everything.

Leaks are prevented by construction: the functions of ``screening.db`` that
return other reviewers' decisions are named ``raw_*`` and only this module
calls them (``tests/unit/test_screening_blind.py`` checks the source). Readers get
decision rows from :func:`events`, and everything computed from several
reviewers' labels through a :class:`Tallies` handle, which :func:`tallies`
hands out only to a viewer allowed to see the whole stage.

Blind mode keeps honest reviewers from seeing each other's votes; it is not
access control (anyone who can open ``review.db`` can read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Stage
from screening import db as sdb
from screening.errors import ScreeningError

TITLE_ABSTRACT = sdb.TITLE_ABSTRACT
FULL_TEXT = sdb.FULL_TEXT


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking at (or writing to) the screening data, under which rules.

    Build it with :func:`viewer`, which reads the role from the database.

    Attributes:
        name: The reviewer's name (``--reviewer``).
        is_lead: Leads see every decision and may unblind and reopen.
        blind: The review's blind setting (``protocol.screening.blind``).
        required: Reviewers per record (``protocol.screening.reviewers_per_record``).
    """

    name: str
    is_lead: bool
    blind: bool
    required: int


def viewer(db: Database, name: str, *, blind: bool, required: int = 1) -> Viewer:
    """Return the viewer for a reviewer name (unknown names are plain reviewers).

    Raises:
        ScreeningError: for an empty name or fewer than one reviewer per record.
    """
    name = check_name(name)
    if required < 1:
        raise ScreeningError("reviewers per record must be at least 1")
    role = sdb.reviewer_role(db, name)
    return Viewer(name=name, is_lead=role == "lead", blind=blind, required=required)


def check_name(name: str) -> str:
    """Return a reviewer name stripped, or raise for an unusable one."""
    clean = name.strip()
    if not clean or len(clean) > 80 or any(ch in clean for ch in "\n\r\t"):
        raise ScreeningError(f"reviewer name {name!r} must be 1-80 characters on one line")
    return clean


def check_stage(stage: str) -> Stage:
    """Return the stored stage name as a :class:`Stage`, or raise naming the stages there are.

    The one check of stage text, at the screening library's entry points
    (which callers reach with strings); below them a ``Stage`` is not re-checked.
    Text from people goes through ``protocols.vocabulary.parse_stage`` instead,
    which also takes the command-line spellings.
    """
    if stage not in sdb.STAGES:
        raise ScreeningError(f"unknown stage {stage!r}; use one of: {', '.join(sdb.STAGES)}")
    return Stage(stage)


def sees_all(db: Database, who: Viewer, stage: Stage) -> bool:
    """Tell whether a viewer may see every reviewer's decisions at a stage."""
    return _sees_all(db, who, check_stage(stage))


def _sees_all(db: Database, who: Viewer, stage: Stage) -> bool:
    if not who.blind or who.is_lead:
        return True
    return stage in sdb.unblinded(db)


def unblind(db: Database, who: Viewer, stage: Stage) -> bool:
    """Let every reviewer see every decision at a stage from now on (leads only).

    There is no re-blinding: what was seen cannot be unseen.

    Returns:
        True when this call unblinded the stage, False when it already was.

    Raises:
        ScreeningError: when the viewer is not a lead.
    """
    check_stage(stage)
    if not who.is_lead:
        raise ScreeningError(f"only a lead can unblind; {who.name} is a reviewer")
    with transaction(db):
        done = sdb.unblinded(db).get(stage)
        if done is not None:
            return False
        sdb.insert_unblind(db, stage, who.name, sdb.now())
    return True


def events(
    db: Database,
    who: Viewer,
    *,
    stage: Stage | None = None,
    group_id: int | None = None,
    history: bool = False,
) -> list[sdb.Event]:
    """Return the decision rows a viewer may see: current ones, or every event.

    Stages the viewer may not see whole give only the viewer's own rows.
    """
    stages = [check_stage(stage)] if stage is not None else list(sdb.STAGES)
    rows: list[sdb.Event] = []
    for s in stages:
        reviewer = None if _sees_all(db, who, s) else who.name
        rows.extend(
            sdb.raw_events(db, reviewer=reviewer, stage=s, group_id=group_id, history=history)
        )
    if stage is None:
        rows.sort(key=(lambda e: e.id) if history else (lambda e: (e.group_id, e.stage)))
    return rows


def own_current(db: Database, who: Viewer, group_id: int, stage: Stage) -> sdb.Event | None:
    """Return the viewer's own current decision on a group, if any."""
    rows = sdb.raw_events(db, reviewer=who.name, stage=check_stage(stage), group_id=group_id)
    return rows[0] if rows else None


def own_latest(db: Database, who: Viewer, stage: Stage) -> sdb.Event | None:
    """Return the viewer's most recent decision still in force at a stage."""
    return sdb.raw_latest_current(db, check_stage(stage), who.name)


def label_counts(db: Database, who: Viewer, stage: Stage) -> dict[str, dict[str, int]]:
    """Return reviewer -> label -> current decisions: every reviewer, or only the viewer."""
    reviewer = None if sees_all(db, who, stage) else who.name
    return sdb.raw_label_counts(db, stage, reviewer)


def tallies(db: Database, who: Viewer, stage: Stage) -> Tallies | None:
    """Return the handle to a stage's combined decisions, or None while it is blind."""
    checked = check_stage(stage)
    if not _sees_all(db, who, checked):
        return None
    return Tallies(db, checked, who.required)


def full_text_open(db: Database, who: Viewer) -> Tallies | None:
    """Return the title/abstract tallies that full-text eligibility needs, or None.

    Which studies reach full text follows from every reviewer's title/abstract
    votes, so in a blind review a reviewer starts full text only after the
    lead unblinds title/abstract.
    """
    return tallies(db, who, TITLE_ABSTRACT)


class Tallies:
    """Read access to one stage's decisions of all reviewers combined.

    Only :func:`tallies` creates these, for viewers allowed to see the stage.
    """

    def __init__(self, db: Database, stage: Stage, required: int) -> None:
        self._db = db
        self.stage = stage
        self.required = required

    def group_labels(self, group_id: int) -> dict[str, str]:
        """Return reviewer -> current label for one study (``"exclude / include"`` when a
        reviewer labelled groups merged into it differently; see ``screening.merges``)."""
        return sdb.raw_group_labels(self._db, self.stage, group_id)

    def group_votes(self, group_id: int) -> list[tuple[str, str]]:
        """Return a study's votes, ``(reviewer, label)``: one per reviewer and label."""
        return sdb.raw_group_votes(self._db, self.stage, group_id)

    def resolution(self, group_id: int) -> dict[str, Any] | None:
        """Return the resolution in force for one group."""
        return sdb.raw_resolution(self._db, self.stage, group_id)

    def outcome_counts(self) -> dict[str, int]:
        """Return outcome -> studies (decided studies only)."""
        return sdb.raw_outcome_counts(self._db, self.stage, self.required)

    def outcomes(self, outcome: str | None = None) -> list[tuple[int, str]]:
        """Return ``(group, outcome)`` for decided studies, optionally of one outcome."""
        return sdb.raw_outcomes(self._db, self.stage, self.required, outcome)

    def pair_tables(self) -> list[tuple[str, str, str, str, int]]:
        """Return ``(reviewer a, reviewer b, label a, label b, groups)`` per pair."""
        return sdb.raw_pair_tables(self._db, self.stage)

    # Title/abstract tallies decide full-text eligibility:

    def passed(self, group_id: int) -> bool:
        """Tell whether a study passed title/abstract (so it reaches full text)."""
        return sdb.raw_passed(self._db, self.required, group_id)

    def passed_groups(self) -> list[int]:
        """Return the studies that passed title/abstract (full text's eligible set), ascending."""
        return sorted(g for g, outcome in self.outcomes() if outcome in sdb.PROCEEDS)

    def full_text_counts(self) -> tuple[int, int]:
        """Return ``(reports sought, reports not retrieved)``."""
        return sdb.raw_full_text_counts(self._db, self.required)

    def next_full_text(
        self, reviewer: str, seed: str, model_version: str | None, skip: Sequence[int]
    ) -> tuple[int, int | None, float | None] | None:
        """Return ``(group, rank, score)`` of the next full-text group for a reviewer."""
        if model_version is not None:
            hit = sdb.raw_next_ranked_full_text(
                self._db, reviewer, self.required, model_version, skip
            )
            if hit is not None:
                return hit
        found = sdb.raw_next_random_full_text(self._db, reviewer, self.required, seed, skip)
        return None if found is None else (found, None, None)

    def open_full_text(self, reviewer: str, ids: Sequence[int]) -> set[int]:
        """Return which of ``ids`` are open to a reviewer at full text."""
        return sdb.raw_open_among_full_text(self._db, reviewer, self.required, ids)

    def open_full_text_count(self, reviewer: str) -> int:
        """Return how many full-text groups are open to a reviewer."""
        return sdb.raw_open_count_full_text(self._db, reviewer, self.required)
