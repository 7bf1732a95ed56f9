"""Conflicts between reviewers and their resolution.

A conflict exists only once the required number of reviewers have a current
decision on a group and those decisions disagree (see ``screening.stages``
for which disagreements count: at title/abstract include vs maybe is not a
conflict, at full text any maybe is). Until then a group is undecided, so a
reviewer who screens first never creates a conflict on their own.

A conflict is resolved by a third reviewer (who did not vote on the group)
or by consensus (recorded by whoever enters it). Resolutions are events too:
the latest is in force, and a lead can reopen one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Label, Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.errors import ScreeningError
from screening.stages import outcome


@dataclass(frozen=True, slots=True)
class Conflict:
    """A group whose reviewers disagree at a stage.

    Attributes:
        group_id: The group (study).
        stage: The stage.
        labels: Reviewer -> current label.
    """

    group_id: int
    stage: Stage
    labels: dict[str, str]


def conflicts(db: Database, who: Viewer, stage: Stage) -> list[Conflict] | None:
    """Return the unresolved conflicts at a stage, or None while it is blind to the viewer."""
    tallies = blind.tallies(db, who, stage)
    if tallies is None:
        return None
    return [
        Conflict(group, stage, tallies.group_labels(group))
        for group, _ in tallies.outcomes("conflict")
    ]


def resolve(
    db: Database,
    who: Viewer,
    group_id: int,
    stage: Stage,
    label: str,
    method: str,
    note: str | None = None,
) -> int:
    """Settle a conflict: the group's outcome becomes ``resolved_<label>``.

    Args:
        db: The review database.
        who: The resolver: a third reviewer, or whoever records a consensus.
        group_id: The group in conflict.
        stage: The stage of the conflict.
        label: ``include`` or ``exclude``.
        method: ``third_reviewer`` or ``consensus``.
        note: Why, for the audit log.

    Returns:
        The resolution event's id.

    Raises:
        ScreeningError: when the group is not in conflict, the stage is still
            blind to the resolver, or a third reviewer voted on the group.
    """
    if label not in (Label.INCLUDE, Label.EXCLUDE):
        raise ScreeningError(f"a conflict resolves to include or exclude, not {label!r}")
    if method not in sdb.METHODS:
        raise ScreeningError(f"unknown method {method!r}; use third_reviewer or consensus")
    with transaction(db):
        found = outcome(db, who, group_id, stage)
        if found is None:
            raise ScreeningError(
                "resolving shows every reviewer's decision: a lead unblinds the stage first"
            )
        if found.outcome != "conflict":
            raise ScreeningError(f"group {group_id} is not in conflict ({found.outcome})")
        if method == "third_reviewer" and who.name in found.labels:
            raise ScreeningError(
                f"{who.name} voted on group {group_id}; a third reviewer must not have"
            )
        at = sdb.now()
        sdb.ensure_reviewer(db, who.name, None, at)
        return sdb.insert_resolution(db, group_id, stage, who.name, label, method, note, at)


def reopen(db: Database, who: Viewer, group_id: int, stage: Stage, note: str | None = None) -> int:
    """Withdraw the resolution in force, so the votes decide again (leads only).

    Returns:
        The reopening event's id.
    """
    if not who.is_lead:
        raise ScreeningError("only a lead can reopen a resolved conflict")
    with transaction(db):
        found = outcome(db, who, group_id, stage)
        if found is None or found.resolution is None:
            raise ScreeningError(f"group {group_id} has no resolution to reopen")
        return sdb.insert_resolution(db, group_id, stage, who.name, "reopen", None, note, sdb.now())
