"""Recording decisions, undos, notes and reasons, with validation.

Every call appends events; nothing is updated. A decision event is a whole
snapshot (label, reason, note), so adding a note or a reason appends a copy
of the current decision with it, and an undo steps back one event: it
retracts the reviewer's current decision and the one before becomes current
again (undo after undo keeps stepping back; deciding again starts anew).

Allowed exclusion reasons come from the protocol and are passed in, so this
module does not read TOML.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.errors import ScreeningError
from screening.stages import FULL_TEXT, require_eligible

MAX_NOTE = 10_000


@dataclass(frozen=True, slots=True)
class Shown:
    """What the queue showed when the decision was made (saved with it for audit).

    Attributes:
        model_version: The ranking model's version, None in random order.
        rank: The group's rank in that ranking.
        score: The model's score for the group.
    """

    model_version: str | None = None
    rank: int | None = None
    score: float | None = None


def _check_reason(
    label: str, reason: str | None, allowed: Collection[str] | None, required: bool
) -> None:
    if reason is not None and label != "exclude":
        raise ScreeningError(f"a reason goes with exclude, not with {label}")
    if reason is not None and allowed is not None and reason not in allowed:
        choices = "; ".join(allowed) if allowed else "none defined in the protocol"
        raise ScreeningError(f"unknown exclusion reason {reason!r}; choose one of: {choices}")
    if required and label == "exclude" and not reason:
        raise ScreeningError("excluding at this stage needs a reason from the protocol")


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ScreeningError(f"a note holds at most {MAX_NOTE} characters")
    return note or None


def add_reviewer(db: Database, name: str, role: str = "reviewer") -> None:
    """Register a reviewer, or change an existing reviewer's role.

    Raises:
        ScreeningError: for an unusable name or an unknown role.
    """
    name = blind.check_name(name)
    if role not in sdb.ROLES:
        raise ScreeningError(f"unknown role {role!r}; use one of: {', '.join(sdb.ROLES)}")
    with transaction(db):
        sdb.ensure_reviewer(db, name, role, sdb.now())


def start_session(db: Database, who: Viewer, stage: Stage, client: str | None = None) -> int:
    """Open a screening session (decisions carry its id; the rate is measured per session)."""
    blind.check_stage(stage)
    with transaction(db):
        sdb.ensure_reviewer(db, who.name, None, sdb.now())
        return sdb.insert_session(db, who.name, stage, sdb.now(), client)


def decide(
    db: Database,
    who: Viewer,
    group_id: int,
    stage: Stage,
    label: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    allowed_reasons: Collection[str] | None = None,
    require_reason: bool = False,
    shown: Shown | None = None,
    session_id: int | None = None,
) -> int:
    """Record the viewer's decision on a group at a stage.

    A note left out keeps the current note; a reason left out keeps the
    current reason when the decision stays exclude. Deciding exactly what is
    already current writes nothing, so a repeated key press needs no extra undo.

    Args:
        db: The review database.
        who: The deciding reviewer.
        group_id: The group (study).
        stage: ``title_abstract`` or ``full_text``.
        label: ``include``, ``exclude`` or ``maybe``.
        reason: Exclusion reason (exclude only).
        note: Free-text note; ``""`` clears the current note.
        allowed_reasons: The protocol's reasons for this stage; None skips the check.
        require_reason: Refuse an exclude without a reason (e.g. at full text).
        shown: Ranking details shown with the group.
        session_id: The session from :func:`start_session`.

    Returns:
        The id of the decision in force afterwards.

    Raises:
        ScreeningError: for a bad label, reason, note, group or stage.
    """
    with transaction(db):
        if label not in sdb.LABELS:
            raise ScreeningError(f"unknown decision {label!r}; use include, exclude or maybe")
        shown = shown or Shown()
        require_eligible(db, who, group_id, blind.check_stage(stage))
        current = blind.own_current(db, who, group_id, stage)
        if current is not None:
            if note is None:
                note = current.note
            if reason is None and label == "exclude" and current.label == "exclude":
                reason = current.reason
        note = _clean_note(note)
        _check_reason(label, reason, allowed_reasons, require_reason)
        if current is not None and (current.label, current.reason, current.note) == (
            label,
            reason,
            note,
        ):
            return current.id
        at = sdb.now()
        sdb.ensure_reviewer(db, who.name, None, at)
        event = sdb.Event(
            id=0,
            group_id=group_id,
            stage=stage,
            reviewer=who.name,
            label=label,
            reason=reason,
            note=note,
            retracts=None,
            time=at,
            model_version=shown.model_version,
            rank_shown=shown.rank,
            score_shown=shown.score,
            session_id=session_id,
        )
        return sdb.insert_event(db, event)


def _amend(
    db: Database, who: Viewer, group_id: int, stage: Stage, field: str, value: str | None
) -> int:
    """Append a copy of the viewer's current decision with a new note or reason."""
    with transaction(db):
        current = blind.own_current(db, who, group_id, stage)
        if current is None:
            raise ScreeningError(f"decide on group {group_id} first, then add a note or reason")
        if field == "note":
            event = replace(current, time=sdb.now(), note=value)
        else:
            _check_reason(current.label, value, None, False)
            event = replace(current, time=sdb.now(), reason=value)
        if (event.label, event.reason, event.note) == (current.label, current.reason, current.note):
            return current.id
        return sdb.insert_event(db, event)


def set_note(db: Database, who: Viewer, group_id: int, stage: Stage, note: str) -> int:
    """Set (or with ``""`` clear) the note on the viewer's current decision.

    Returns:
        The id of the decision in force afterwards.
    """
    return _amend(db, who, group_id, stage, "note", _clean_note(note))


def set_reason(
    db: Database,
    who: Viewer,
    group_id: int,
    stage: Stage,
    reason: str | None,
    allowed_reasons: Collection[str] | None = None,
) -> int:
    """Set the exclusion reason on the viewer's current exclude decision.

    Raises:
        ScreeningError: when the current decision is not exclude or the reason is unknown.
    """
    _check_reason("exclude", reason, allowed_reasons, False)
    return _amend(db, who, group_id, stage, "reason", reason)


def undo(db: Database, who: Viewer, group_id: int, stage: Stage) -> int:
    """Retract the viewer's current decision on a group (the previous one comes back).

    Returns:
        The undo event's id.

    Raises:
        ScreeningError: when the viewer has no decision on the group to undo.
    """
    with transaction(db):
        current = blind.own_current(db, who, group_id, stage)
        if current is None:
            raise ScreeningError(f"nothing to undo on group {group_id}")
        return _insert_undo(db, current)


def undo_last(db: Database, who: Viewer, stage: Stage) -> int | None:
    """Retract the viewer's most recent decision still in force at a stage (the ``u`` key).

    Returns:
        The study whose decision was undone (to show it again: the group a merge
        took the decided group into, if any), or None when there is nothing left to undo.
    """
    with transaction(db):
        current = blind.own_latest(db, who, stage)
        if current is None:
            return None
        _insert_undo(db, current)
        return sdb.study_of(db, current.group_id)


def _insert_undo(db: Database, current: sdb.Event) -> int:
    event = replace(
        current,
        label=sdb.UNDO,
        reason=None,
        note=None,
        retracts=current.id,
        time=sdb.now(),
        model_version=None,
        rank_shown=None,
        score_shown=None,
    )
    return sdb.insert_event(db, event)


def flag_report(
    db: Database, who: Viewer, group_id: int, *, retrieved: bool = False, note: str | None = None
) -> int:
    """Mark a study's full-text report not retrieved (PRISMA), or retrieved after all.

    Returns:
        The flag event's id.
    """
    with transaction(db):
        require_eligible(db, who, group_id, FULL_TEXT)
        at = sdb.now()
        sdb.ensure_reviewer(db, who.name, None, at)
        flag = "retrieved" if retrieved else "not_retrieved"
        return sdb.insert_report_flag(db, group_id, flag, who.name, _clean_note(note), at)


def report_flag(db: Database, group_id: int) -> str | None:
    """Return ``not_retrieved``, ``retrieved`` or None for a study's full-text report."""
    return sdb.report_flag(db, group_id)
