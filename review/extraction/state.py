"""A study's extraction as a reader may see it: copies, consensus, conflicts, status.

Everything here is derived from the append-only log at read time, so a mode
switch (single, dual, verify) loses nothing: the events stay, only how they
combine changes.

**Copies.** Each extractor has their own copy of the form (``copy`` = their
name); copy ``''`` is the consensus record: resolutions by a lead or third
reviewer, and a verifier's edits of the pre-filled extractor copy.

**Consensus value of a key** (a field, or a cell of a repeating group):

- a consensus event, if there is one, always wins;
- with two complete extractor copies: their value if they agree, else a conflict;
- with one complete extractor copy (single and verify modes): its value.

**Status.** ``to_extract`` (nothing yet), ``in_progress``, ``to_verify``
(verify mode, extractor done), ``conflicts`` (two complete copies disagree on
an unresolved key), ``complete`` (single: one complete copy; dual: two and no
open conflict; verify: the verifier marked it complete).

**Blind mode.** In ``dual`` mode a reviewer who is not a lead sees only their
own copy of a study until two copies are complete (then every reader sees
every copy, so that a third reviewer can resolve) or a lead unblinds
extraction. :func:`visible` is the only way readers get copies, and
:class:`StudyState` built for a viewer holds nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from protocols.form import Form
from review.extraction import db as xdb
from review.extraction.db import CONSENSUS, MarkRow, ValueRow

#: A key of the form: ``(field, row, column)``; row 0 and column "" for plain fields.
Key = tuple[str, int, str]

STATUSES: tuple[str, ...] = ("to_extract", "in_progress", "to_verify", "conflicts", "complete")


def key_name(key: Key) -> str:
    """Write a key as users type it: ``sample_size`` or ``outcome_results[2].effect``."""
    name, row, column = key
    return name if not row else f"{name}[{row}].{column}"


@dataclass(frozen=True, slots=True)
class Copy:
    """One copy of the form for one study.

    Attributes:
        owner: The extractor's name, or '' for the consensus record.
        cells: Key -> its current value event (cleared values included, as None).
        complete: Whether the copy's latest mark is ``complete``.
        mark: That latest mark, if any.
    """

    owner: str
    cells: dict[Key, ValueRow]
    complete: bool = False
    mark: MarkRow | None = None

    def value(self, key: Key) -> Any:
        """Return the current value of a key (None when empty or never set)."""
        cell = self.cells.get(key)
        return None if cell is None else cell.value


def values_of(cells: Mapping[Key, Any]) -> dict[str, Any]:
    """Return key -> value as the form's :data:`protocols.form.Values` (groups as row lists)."""
    out: dict[str, Any] = {}
    rows: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for (name, row, column), value in cells.items():
        if row:
            if value is not None:
                rows[name].setdefault(row, {})[column] = value
        elif value is not None:
            out[name] = value
    for name, numbered in rows.items():
        out[name] = [numbered[n] for n in sorted(numbered)]
    return out


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two complete copies disagree on a key that has no resolution.

    Attributes:
        group_id: The study.
        key: The field (or group cell).
        values: Extractor -> their value (None = left empty).
    """

    group_id: int
    key: Key
    values: dict[str, Any]

    @property
    def name(self) -> str:
        """The key as users type it."""
        return key_name(self.key)


@dataclass(frozen=True, slots=True)
class StudyState:
    """A study's extraction as one viewer may see it.

    Attributes:
        group_id: The study.
        mode: The protocol's mode when it was read.
        extractors: Every extractor of the study, in the order they started
            (names only: who extracts is not a value).
        copies: The copies the viewer may see, by owner ('' = consensus).
        open: Whether the viewer sees every copy (False: blind, own copy only).
        status: One of :data:`STATUSES`.
        consensus: Key -> consensus value, for keys with one (empty while blind).
        conflicts: Open field-level conflicts (empty while blind).
    """

    group_id: int
    mode: str
    extractors: tuple[str, ...]
    copies: dict[str, Copy]
    open: bool
    status: str
    consensus: dict[Key, Any] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()

    def own(self, name: str) -> Copy | None:
        """Return the viewer's own copy, if they have one."""
        return self.copies.get(name)

    def complete_extractors(self) -> list[str]:
        """Return the extractors whose copy is complete (as far as the viewer may know)."""
        return [n for n in self.extractors if n in self.copies and self.copies[n].complete]


@dataclass(frozen=True, slots=True)
class _Raw:
    """Every copy of one study, before blind rules are applied."""

    group_id: int
    extractors: tuple[str, ...]
    copies: dict[str, Copy]


def _load(db: Database, group_ids: Iterable[int] | None) -> dict[int, _Raw]:
    cells: dict[tuple[int, str], dict[Key, ValueRow]] = defaultdict(dict)
    for row in xdb.current_values(db, group_ids):
        cells[(row.group_id, row.copy)][(row.field, row.row, row.column)] = row
    marks = {(m.group_id, m.copy): m for m in xdb.current_marks(db, group_ids)}
    order: dict[int, list[str]] = defaultdict(list)
    for group, copy in xdb.first_seen(db, group_ids):
        if copy != CONSENSUS:
            order[group].append(copy)
    for group, copy in marks:
        if copy != CONSENSUS and copy not in order[group]:
            order[group].append(copy)
    owners_of: dict[int, set[str]] = defaultdict(set)
    for group, copy in [*cells, *marks]:
        owners_of[group].add(copy)
    out: dict[int, _Raw] = {}
    for group, owners in owners_of.items():
        copies = {
            owner: Copy(
                owner,
                cells.get((group, owner), {}),
                complete=(
                    marks.get((group, owner)) is not None
                    and marks[(group, owner)].action == "complete"
                ),
                mark=marks.get((group, owner)),
            )  # fmt: skip
            for owner in owners
        }
        out[group] = _Raw(group, tuple(order[group]), copies)
    return out


def is_blind_to(mode: str, raw_complete: int, viewer: str, is_lead: bool, unblinded: bool) -> bool:
    """Tell whether a viewer sees only their own copy of a study (see the module doc)."""
    return mode == "dual" and not is_lead and not unblinded and raw_complete < 2


def _derive(raw: _Raw, mode: str) -> tuple[str, dict[Key, Any], tuple[Conflict, ...]]:
    """Return ``(status, consensus, conflicts)`` of a study from all its copies."""
    extractors = [raw.copies[n] for n in raw.extractors if n in raw.copies]
    done = [c for c in extractors if c.complete]
    agreed = raw.copies.get(CONSENSUS)
    resolved = {} if agreed is None else {k: c.value for k, c in agreed.cells.items()}
    consensus: dict[Key, Any] = {}
    conflicts: list[Conflict] = []
    if len(done) >= 2:
        a, b = done[0], done[1]
        for key in sorted(set(a.cells) | set(b.cells)):
            if key in resolved:
                continue
            va, vb = a.value(key), b.value(key)
            if va == vb:
                consensus[key] = va
            else:
                conflicts.append(Conflict(raw.group_id, key, {a.owner: va, b.owner: vb}))
    elif done:
        consensus.update((k, c.value) for k, c in done[0].cells.items())
    consensus.update(resolved)
    consensus = {k: v for k, v in consensus.items() if v is not None}
    started = any(c.cells or c.mark for c in extractors)
    if mode == "verify" and len(done) < 2:
        verified = agreed is not None and agreed.complete
        if verified:
            status = "complete"
        elif done:
            status = "to_verify"
        else:
            status = "in_progress" if started else "to_extract"
        if not verified:
            consensus = {}
    elif len(done) >= 2:
        status = "conflicts" if conflicts else "complete"
    elif done and mode != "dual":
        status = "complete"
    else:
        status = "in_progress" if started else "to_extract"
        consensus = {}
    return status, consensus, tuple(conflicts)


def _state(raw: _Raw, mode: str, viewer: str, is_lead: bool, unblinded: bool) -> StudyState:
    done = sum(1 for n in raw.extractors if n in raw.copies and raw.copies[n].complete)
    status, consensus, conflicts = _derive(raw, mode)
    if is_blind_to(mode, done, viewer, is_lead, unblinded):
        own = {viewer: raw.copies[viewer]} if viewer in raw.copies else {}
        return StudyState(raw.group_id, mode, raw.extractors, own, False, status)
    return StudyState(
        raw.group_id, mode, raw.extractors, dict(raw.copies), True, status, consensus, conflicts
    )


def study_state(
    db: Database, form: Form, group_id: int, viewer: str, *, is_lead: bool
) -> StudyState:
    """Return one study's extraction as ``viewer`` may see it."""
    raws = _load(db, [group_id])
    raw = raws.get(group_id, _Raw(group_id, (), {}))
    return _state(raw, form.mode, viewer, is_lead, xdb.unblinded(db) is not None)


def study_states(
    db: Database, form: Form, group_ids: Iterable[int], viewer: str, *, is_lead: bool
) -> dict[int, StudyState]:
    """Return many studies' extraction as ``viewer`` may see it (three queries in all)."""
    ids = list(group_ids)
    raws = _load(db, ids)
    unblinded = xdb.unblinded(db) is not None
    return {
        g: _state(raws.get(g, _Raw(g, (), {})), form.mode, viewer, is_lead, unblinded) for g in ids
    }


def working_values(state: StudyState, viewer: str) -> tuple[str, dict[Key, Any]] | None:
    """Return ``(copy, key -> value)`` the viewer edits, pre-filled where the mode says so.

    A verifier edits the consensus record, pre-filled with the extractor's
    complete copy; everyone else edits their own copy. None when the viewer
    has no copy to edit here (see :func:`review.extraction.write.target_copy`).
    """
    if state.mode == "verify" and viewer not in state.extractors:
        done = state.complete_extractors()
        if not done:
            return None
        base = {k: c.value for k, c in state.copies[done[0]].cells.items()}
        agreed = state.copies.get(CONSENSUS)
        if agreed is not None:
            base.update((k, c.value) for k, c in agreed.cells.items())
        return CONSENSUS, base
    own = state.copies.get(viewer)
    return viewer, ({} if own is None else {k: c.value for k, c in own.cells.items()})


def working_cells(state: StudyState, copy: str) -> dict[Key, ValueRow]:
    """Return the cells a copy shows: a verifier's consensus copy is pre-filled by the extractor."""
    cells: dict[Key, ValueRow] = {}
    if copy == CONSENSUS:
        done = state.complete_extractors()
        if done:
            cells.update(state.copies[done[0]].cells)
    if copy in state.copies:
        cells.update(state.copies[copy].cells)
    return cells
