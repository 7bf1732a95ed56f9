"""Screening decisions when deduplication merges two screened studies.

The rule, for every stage (the whole of it, with examples and the reasons,
is docs/screening-merges.md):

1. decisions stay on the group they were made on: a merge or its undo writes,
   copies and rewrites no decision;
2. a merged study's votes are the distinct ``(reviewer, label)`` pairs of all
   its groups, so a reviewer who labelled two groups differently makes the
   study a conflict, as two reviewers would;
3. undoing the merge gives each group its own decisions back;
4. resolutions stay on their group too.

Blind mode reads the pooled votes only through ``screening.blind.Tallies``;
:func:`study_events` gives a reviewer their own decisions on all the study's
groups. The derived tables (``group_ancestors``, ``study_votes``) are kept by
triggers in ``screening.db.schema`` in the merge's transaction, and
``review check`` compares them with the log.
"""

from __future__ import annotations

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer


def study_of(db: Database, group_id: int) -> int:
    """Return the study a group's decisions count for now (itself unless merged away)."""
    return sdb.study_of(db, group_id)


def member_groups(db: Database, study_id: int) -> list[int]:
    """Return the groups whose decisions a study pools: its own and those merged into it."""
    return sdb.study_members(db, study_id)


def study_events(
    db: Database, who: Viewer, study_id: int, stage: Stage | None = None, history: bool = False
) -> list[sdb.Event]:
    """Return the decision rows of a study and every group merged into it, as the viewer may.

    Current decisions, or with ``history`` every event (undos included), in
    event order; blind stages give the viewer's own rows only (``blind.events``).
    """
    rows = [
        event
        for group in member_groups(db, study_id)
        for event in blind.events(db, who, stage=stage, group_id=group, history=history)
    ]
    return sorted(rows, key=lambda e: e.id)
