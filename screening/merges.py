"""Screening decisions when deduplication merges two screened studies.

A dedup run or a person may merge groups (studies) after reviewers screened
them, and a merge can be undone. The rule, for every stage:

1. **Decisions stay on the group they were made on.** The log is append-only
   and is never rewritten or copied: a merge writes no decision event, so
   undoing it needs none either, and the history shows what each reviewer saw
   when they decided.
2. **A merged study's votes come from all its groups.** Its own group's current
   decisions and those of every group merged into it (directly, or through a
   group that was itself merged) are pooled as distinct ``(reviewer, label)``
   votes:

   - a reviewer who gave both groups the same label votes once;
   - a reviewer who gave them different labels votes twice, so the study is a
     **conflict** for the lead to resolve, exactly as if two reviewers had
     disagreed (include and maybe at title/abstract still agree, as they do
     between two reviewers);
   - different reviewers are combined as on any study: agreement gives the
     outcome, disagreement a conflict.

   The votes drive everything computed from decisions: outcomes, conflicts
   (``screening.conflicts``), full-text eligibility, the queue (a reviewer who
   decided any of the groups has decided the study), progress and the stopping
   rule.
3. **Undoing the merge gives each group its own decisions back**, because
   nothing was moved: the votes are recomputed from the groups again.
4. **Resolutions stay on their group too.** A resolution in force on the
   surviving group still settles the merged study (a lead can reopen it); one
   made on an absorbed group settled that group's votes only, so a conflict
   the merge creates needs a new resolution. Both stay in the log, and undoing
   the merge brings the absorbed group's back into force.

Why this rule: nothing is lost (every decision still counts and stays
visible), nothing is silently chosen (a "latest wins" or "surviving group
wins" rule would drop a reviewer's judgement without anyone noticing, which
PRISMA's accounting of excluded studies cannot allow), and a disagreement is
handled by the procedure the protocol already has for disagreements.

Blind mode is unchanged: the pooled votes are read only through
``screening.blind.Tallies``, so a reviewer who may not see the stage whole sees
no other reviewer's vote on the merged study; :func:`study_events` gives them
their own decisions on all its groups.

The derived tables that implement this (``group_ancestors``, ``study_votes``)
are kept by triggers in ``screening.db.schema`` (migration
``m004_merged_studies``) in the same transaction as the merge or its undo, and
``review check`` compares them with the log (``derived_mismatches``).
"""

from __future__ import annotations

from sqlite_utils import Database

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
    db: Database, who: Viewer, study_id: int, stage: str | None = None, history: bool = False
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
