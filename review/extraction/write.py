"""Writing extraction: values, completion, resolutions, unblinding; each one transaction.

Every write appends events (never updates) and an audit entry in the same
transaction, so the audit log holds the full history of every value. Which
copy a reviewer writes to follows the mode (:func:`target_copy`); the
decision is made on the whole study (every copy), under the write lock, so
two reviewers racing for the second extractor slot cannot both get it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from corpus.db import transaction
from protocols.form import Form
from protocols.model import Protocol
from review.core import db as cdb
from review.core.errors import ExtractionError
from review.extraction import db as xdb
from review.extraction.db import CONSENSUS
from review.extraction.eligible import require_included
from review.extraction.parse import Source, check_value, field_of
from review.extraction.state import (
    Key,
    StudyState,
    key_name,
    study_state,
    values_of,
    working_cells,
)
from screening import db as sdb
from screening.blind import Viewer


@dataclass(frozen=True, slots=True)
class Written:
    """What a write did.

    Attributes:
        group_id: The study.
        copy: The copy written to (a reviewer's name, or '' for consensus).
        changed: The keys whose value, source or comment changed.
        unchanged: The keys given with what they already held (nothing written).
    """

    group_id: int
    copy: str
    changed: tuple[Key, ...]
    unchanged: tuple[Key, ...]


def _whole(db: Database, form: Form, group_id: int) -> StudyState:
    """Every copy of a study: for the write rules only, never shown to anyone."""
    return study_state(db, form, group_id, "", is_lead=True)


def target_copy(whole: StudyState, name: str) -> str:
    """Return the copy ``name`` writes to under the study's mode.

    Raises:
        ExtractionError: when the mode gives the reviewer no copy to edit,
            saying whose turn it is and what to do instead.
    """
    g = whole.group_id
    extractors = whole.extractors
    if name in extractors:
        if whole.copies[name].complete:
            raise ExtractionError(
                f"study {g}: you marked your extraction complete; reopen it first"
                f" (review extract reopen {g})"
            )
        return name
    if whole.mode == "verify" and extractors:
        first = whole.copies[extractors[0]]
        if not first.complete:
            raise ExtractionError(
                f"study {g} is being extracted by {extractors[0]}; verify it once they mark"
                " it complete"
            )
        verified = whole.copies.get(CONSENSUS)
        if verified is not None and verified.complete:
            raise ExtractionError(
                f"study {g} is verified; reopen it first (review extract reopen {g})"
            )
        return CONSENSUS
    if whole.mode == "dual" and len(extractors) >= 2:
        raise ExtractionError(
            f"study {g} already has two extractors ({extractors[0]} and {extractors[1]});"
            " once both are complete a lead or third reviewer resolves conflicts"
            " (review extract resolve)"
        )
    if whole.mode == "single" and extractors:
        raise ExtractionError(
            f"study {g} is extracted by {extractors[0]} (single extraction); a lead corrects"
            " a value with review extract resolve"
        )
    return name


def _register(db: Database, name: str) -> None:
    sdb.ensure_reviewer(db, name, None, cdb.now())


def set_values(
    db: Database,
    protocol: Protocol,
    form: Form,
    who: Viewer,
    group_id: int,
    items: Sequence[tuple[Key, Any]],
    *,
    source: Source | None = None,
    comment: str | None = None,
) -> Written:
    """Check and write values to the copy the reviewer edits (all or nothing).

    Args:
        items: ``(key, raw value)``; "" or None clears a value; choices may
            be given by number.
        source: The source of every value given (None keeps each value's
            current source; an empty Source clears it).
        comment: A comment on every value given (None keeps; "" clears).

    Raises:
        UsageError: a bad field name or value (nothing is written).
        ExtractionError: the study is not included, or the mode gives the
            reviewer no copy to write to.
    """
    checked = [(key, check_value(field_of(form, key), raw)) for key, raw in items]
    if not checked:
        raise ExtractionError("give at least one FIELD=VALUE")
    changed: list[Key] = []
    unchanged: list[Key] = []
    with transaction(db):
        require_included(db, protocol, who, group_id)
        whole = _whole(db, form, group_id)
        copy = target_copy(whole, who.name)
        cells = working_cells(whole, copy)
        _register(db, who.name)
        at = cdb.now()
        for key, value in checked:
            before = cells.get(key)
            page = before.page if before and source is None else (source.page if source else None)
            quote = (
                before.quote if before and source is None else (source.quote if source else None)
            )
            note = (before.comment if before else None) if comment is None else (comment or None)
            now_is = (value, page, quote, note)
            if (
                before is not None
                and (before.value, before.page, before.quote, before.comment) == now_is
            ):
                unchanged.append(key)
                continue
            if before is None and value is None and page is None and quote is None and note is None:
                unchanged.append(key)
                continue
            xdb.insert_value(
                db, group_id=group_id, copy=copy, field=key[0], row=key[1], column=key[2],
                value=value, page=page, quote=quote, comment=note, reviewer=who.name,
                protocol_version=protocol.version, time=at,
            )  # fmt: skip
            changed.append(key)
        if changed:
            cdb._insert_audit(
                db, at, who.name, "extraction.set",
                {"group_id": group_id, "copy": copy, "fields": [key_name(k) for k in changed]},
            )  # fmt: skip
    return Written(group_id, copy, tuple(changed), tuple(unchanged))


def mark_complete(
    db: Database, protocol: Protocol, form: Form, who: Viewer, group_id: int
) -> StudyState:
    """Mark the reviewer's copy complete (a verifier's: the study verified).

    Raises:
        ExtractionError: required fields are missing (named), the copy is
            already complete, or the reviewer has no copy here.
    """
    with transaction(db):
        require_included(db, protocol, who, group_id)
        whole = _whole(db, form, group_id)
        copy = target_copy(whole, who.name)
        if copy != CONSENSUS and copy not in whole.copies:
            raise ExtractionError(f"study {group_id}: you have entered no values to complete")
        cells = working_cells(whole, copy)
        missing = form.missing(values_of({k: c.value for k, c in cells.items()}))
        if missing:
            shown = "; ".join(missing[:6]) + (
                f"; and {len(missing) - 6} more" if len(missing) > 6 else ""
            )
            raise ExtractionError(
                f"study {group_id} cannot be complete: required fields missing: {shown}"
            )
        _register(db, who.name)
        at = cdb.now()
        xdb.insert_mark(db, group_id, copy, "complete", who.name, protocol.version, at)
        cdb._insert_audit(
            db, at, who.name, "extraction.complete", {"group_id": group_id, "copy": copy}
        )
    return study_state(db, form, group_id, who.name, is_lead=who.is_lead)


def reopen(db: Database, protocol: Protocol, form: Form, who: Viewer, group_id: int) -> str:
    """Reopen the reviewer's complete copy (a verifier's or lead's: the verified record).

    Returns:
        The copy reopened.

    Raises:
        ExtractionError: nothing of the reviewer's is complete.
    """
    with transaction(db):
        whole = _whole(db, form, group_id)
        mine = whole.copies.get(who.name)
        agreed = whole.copies.get(CONSENSUS)
        if mine is not None and mine.complete:
            copy = who.name
        elif (
            whole.mode == "verify"
            and agreed is not None
            and agreed.complete
            and (who.is_lead or (agreed.mark is not None and agreed.mark.reviewer == who.name))
        ):
            copy = CONSENSUS
        else:
            raise ExtractionError(f"study {group_id}: you have no complete extraction to reopen")
        at = cdb.now()
        xdb.insert_mark(db, group_id, copy, "reopen", who.name, protocol.version, at)
        cdb._insert_audit(
            db, at, who.name, "extraction.reopen", {"group_id": group_id, "copy": copy}
        )
    return copy


def resolve(
    db: Database,
    protocol: Protocol,
    form: Form,
    who: Viewer,
    group_id: int,
    key: Key,
    value: Any = None,
    *,
    pick: str | None = None,
) -> Any:
    """Set a key's consensus value: typed, or picked from an extractor's copy.

    A lead may resolve any study once its extraction is complete or in
    conflict; in dual mode a third reviewer (not one of the study's two
    extractors) may too.

    Returns:
        The consensus value written.

    Raises:
        ExtractionError: not allowed, or the study is not ready to resolve.
        UsageError: a bad field, value or picked reviewer.
    """
    item = field_of(form, key)
    with transaction(db):
        require_included(db, protocol, who, group_id)
        whole = _whole(db, form, group_id)
        done = whole.complete_extractors()
        third = whole.mode == "dual" and who.name not in whole.extractors[:2]
        if not (who.is_lead or third):
            raise ExtractionError(
                f"only a lead{' or a third reviewer' if whole.mode == 'dual' else ''} resolves"
                f" extraction; {who.name} extracted study {group_id}"
            )
        needed = 2 if whole.mode == "dual" else 1
        if len(done) < needed:
            raise ExtractionError(
                f"study {group_id} cannot be resolved yet: {len(done)} of {needed} extractions"
                " are complete"
            )
        if pick is not None:
            if pick not in whole.copies or pick == CONSENSUS:
                names = ", ".join(done)
                raise ExtractionError(
                    f"--pick {pick!r}: not an extractor of study {group_id} ({names})"
                )
            chosen = whole.copies[pick].value(key)
            source_cell = whole.copies[pick].cells.get(key)
        else:
            chosen = check_value(item, value)
            source_cell = None
        _register(db, who.name)
        at = cdb.now()
        xdb.insert_value(
            db, group_id=group_id, copy=CONSENSUS, field=key[0], row=key[1], column=key[2],
            value=chosen, page=source_cell.page if source_cell else None,
            quote=source_cell.quote if source_cell else None, comment=None,
            reviewer=who.name, protocol_version=protocol.version, time=at,
        )  # fmt: skip
        cdb._insert_audit(
            db, at, who.name, "extraction.resolve",
            {"group_id": group_id, "field": key_name(key), "value": chosen, "picked": pick},
        )  # fmt: skip
    return chosen


def unblind(db: Database, who: Viewer) -> bool:
    """Let every reviewer see every extractor's values from now on (leads only; final).

    Returns:
        True when this call unblinded extraction, False when it already was.
    """
    if not who.is_lead:
        raise ExtractionError(f"only a lead can unblind extraction; {who.name} is a reviewer")
    with transaction(db):
        if xdb.unblinded(db) is not None:
            return False
        at = cdb.now()
        xdb.insert_unblind(db, who.name, at)
        cdb._insert_audit(db, at, who.name, "extraction.unblind", {})
    return True


def reopen_missing_required(
    db: Database, protocol: Protocol, form: Form, lead: str
) -> list[tuple[int, str]]:
    """Reopen complete copies that lack a required field of ``form`` (after an amendment).

    Only run when the lead asks for it (``review protocol amend
    --reopen-extraction``); otherwise completed studies stay complete.

    Returns:
        ``(study, copy)`` of every copy reopened.
    """
    reopened: list[tuple[int, str]] = []
    with transaction(db):
        marks = [m for m in xdb.current_marks(db) if m.action == "complete"]
        from review.extraction.state import study_states

        states = study_states(db, form, sorted({m.group_id for m in marks}), "", is_lead=True)
        at = cdb.now()
        for mark in marks:
            whole = states[mark.group_id]
            cells = working_cells(whole, mark.copy)
            if form.missing(values_of({k: c.value for k, c in cells.items()})):
                xdb.insert_mark(db, mark.group_id, mark.copy, "reopen", lead, protocol.version, at)
                reopened.append((mark.group_id, mark.copy))
        if reopened:
            _register(db, lead)
            cdb._insert_audit(
                db, at, lead, "extraction.reopen_amendment",
                {"reopened": [[g, c] for g, c in reopened]},
            )  # fmt: skip
    return reopened
