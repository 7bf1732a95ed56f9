"""What the extraction screen shows and its write jobs: no UI here.

It joins the study card (``review.session.data``) and the extraction feature
package (``review.extraction``) for the front ends; the screen module
(``review.tui.screens.extraction``) keeps only widgets.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from protocols.form import Form
from protocols.model import Stage
from review.core.errors import ReviewError
from review.extraction import db as xdb
from review.extraction.overview import overview
from review.extraction.parse import Source, check_value, field_of
from review.extraction.render import format_value
from review.extraction.state import (
    Conflict,
    Key,
    StudyState,
    key_name,
    study_state,
    working_cells,
    working_values,
)
from review.extraction.write import mark_complete, resolve, set_values
from review.session.data import Card, load_card

if TYPE_CHECKING:
    from review.core.review import Review

STATUS_NAMES = {
    "to_extract": "to extract",
    "in_progress": "in progress",
    "to_verify": "to verify",
    "conflicts": "conflicts",
    "complete": "complete",
}


@dataclass(slots=True)
class Study:
    """One study as the extraction screen shows it to the viewer.

    Attributes:
        group_id: The study.
        card: Its records, merged, and its attached full texts.
        state: Its extraction as the viewer may see it.
        copy: The copy the viewer edits (None: none, e.g. nothing to verify yet).
        values: Key -> the value the viewer edits.
        sources: Key -> (page, quote) of those values.
        comments: Key -> the reviewer's comment on those values.
    """

    group_id: int
    card: Card | None
    state: StudyState
    copy: str | None
    values: dict[Key, Any] = field(default_factory=dict)
    sources: dict[Key, tuple[int | None, str | None]] = field(default_factory=dict)
    comments: dict[Key, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str((self.card.fields.get("title") if self.card else None) or "(no title)")


def load_study(db: Any, review: Review, group_id: int) -> Study:
    """Read one study for the viewer: records, full texts, the copy they edit (indexed reads)."""
    who = review.viewer(db)
    state = study_state(db, review.form, group_id, who.name, is_lead=who.is_lead)
    card = load_card(db, who, group_id, Stage.FULL_TEXT)
    working = working_values(state, who.name)
    if working is None:
        return Study(group_id, card, state, None)
    copy, values = working
    cells = working_cells(state, copy)
    sources = {k: (c.page, c.quote) for k, c in cells.items() if c.page or c.quote}
    comments = {k: c.comment for k, c in cells.items() if c.comment}
    return Study(group_id, card, state, copy, dict(values), sources, comments)


def is_done(state: StudyState, reviewer: str) -> bool:
    """Whether the reviewer has nothing left to do on a study."""
    own = state.copies.get(reviewer)
    return (own is not None and own.complete) or state.status == "complete"


@dataclass(frozen=True, slots=True)
class Saved:
    """What a job of this screen did (a write queue result)."""

    ok: bool
    message: str
    group_id: int
    kind: str  # "value", "source", "comment" or "complete"
    key: Key | None = None
    value: Any = None
    source: Source | None = None
    status: str = ""
    comment: str | None = None


def save_job(
    review: Review,
    group_id: int,
    key: Key,
    raw: Any,
    source: Source | None = None,
    comment: str | None = None,
) -> Saved:
    """Write one value (and/or its source or comment) as the reviewer (a write queue job)."""
    kind = "comment" if comment is not None else ("value" if source is None else "source")
    form = review.form
    try:
        value = check_value(field_of(form, key), raw)
        with review.connect() as db:
            who, items = review.viewer(db), [(key, raw)]
            set_values(
                db, review.protocol, form, who, group_id, items, source=source, comment=comment
            )
    except (ReviewError, sqlite3.Error) as exc:
        return Saved(False, str(exc), group_id, kind, key)
    return Saved(True, "saved", group_id, kind, key, value, source, comment=comment)


def complete_job(review: Review, group_id: int) -> Saved:
    """Mark the reviewer's copy of a study complete (a write queue job)."""
    try:
        with review.connect() as db:
            state = mark_complete(db, review.protocol, review.form, review.viewer(db), group_id)
    except (ReviewError, sqlite3.Error) as exc:
        return Saved(False, str(exc), group_id, "complete")
    shown = STATUS_NAMES.get(state.status, state.status)
    message = f"study {group_id} marked complete ({shown})"
    return Saved(True, message, group_id, "complete", status=state.status)


# --- extraction conflicts ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field two extractors disagree on, as listed: A's and B's values."""

    conflict: Conflict
    title: str
    label: str

    @property
    def names(self) -> tuple[str, str]:
        """Extractor A and extractor B."""
        a, b = list(self.conflict.values)[:2]
        return a, b


def extraction_conflicts(review: Review) -> list[FieldConflict]:
    """Read the open field-level conflicts the reviewer may see (in a worker)."""
    form = review.form
    with review.connect() as db:
        found = overview(db, review.protocol, form, review.viewer(db)).conflicts
        refs = xdb.study_refs(db, {c.group_id for c in found})
        out = []
        for c in found:
            ref = refs.get(c.group_id)
            title = review.masked(ref.title) if ref else ""
            out.append(FieldConflict(c, title, _label(form, c)))
        return out


def _label(form: Form, conflict: Conflict) -> str:
    name, row, column = conflict.key
    try:
        item = form.field(name)
        if row:
            return f"{item.label} row {row}: {item.column(column).label}"
        return item.label
    except KeyError:
        return key_name(conflict.key)


@dataclass(frozen=True, slots=True)
class FieldResolved:
    """What resolving a field conflict did, in a sentence (a write queue result)."""

    ok: bool
    message: str


def resolve_field(
    review: Review, conflict: Conflict, value: Any = None, pick: str | None = None
) -> FieldResolved:
    """Set a conflicting field's consensus value: picked or typed (a write queue job)."""
    try:
        with review.connect() as db:
            try:
                who = review.viewer(db)
                chosen = resolve(
                    db,
                    review.protocol,
                    review.form,
                    who,
                    conflict.group_id,
                    conflict.key,
                    value,
                    pick=pick,
                )
            except (ReviewError, sqlite3.Error) as exc:
                return FieldResolved(False, str(exc))
    except sqlite3.Error as exc:
        return FieldResolved(False, f"cannot open the review database: {exc}")
    how = f"{pick}'s value" if pick else "typed value"
    return FieldResolved(
        True,
        f"study {conflict.group_id}, {conflict.name}: {format_value(chosen) or '(empty)'} ({how})",
    )
