"""Where extraction stands: the dashboard block, conflicts list and per-field agreement.

Counts and agreement are computed from every copy, but only from what blind
mode lets a reader see: agreement and conflicts come from studies whose two
extractions are both complete (then every reader sees both copies).
Per-extractor counts say how many studies each person has in progress and
complete; they carry no values, so they are shown to everyone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from protocols.form import Form
from protocols.model import Protocol
from review.extraction.db import CONSENSUS
from review.extraction.eligible import included_studies
from review.extraction.state import Conflict, StudyState, study_states
from screening.agreement import measure
from screening.blind import Viewer


@dataclass(frozen=True, slots=True)
class ExtractorCounts:
    """One extractor's studies: in progress and complete."""

    in_progress: int = 0
    complete: int = 0


@dataclass(frozen=True, slots=True)
class Overview:
    """Extraction at a glance (the dashboard's block, ``review extract conflicts``).

    Attributes:
        open: False while screening is blind to the viewer (nothing else is known).
        mode: The protocol's extraction mode.
        included: Studies in extraction.
        statuses: Status -> studies (every status of ``state.STATUSES`` present).
        extractors: Name -> counts.
        states: Study -> its state as the viewer may see it.
    """

    open: bool
    mode: str
    included: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    extractors: dict[str, ExtractorCounts] = field(default_factory=dict)
    states: dict[int, StudyState] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[Conflict]:
        """Every open field-level conflict, by study."""
        return [c for g in sorted(self.states) for c in self.states[g].conflicts]

    def to_json(self) -> dict[str, Any]:
        """Return the figures (no values) for ``--json``."""
        return {
            "open": self.open,
            "mode": self.mode,
            "included": self.included,
            "statuses": dict(self.statuses),
            "extractors": {
                n: {"in_progress": c.in_progress, "complete": c.complete}
                for n, c in sorted(self.extractors.items())
            },
        }


def overview(db: Database, protocol: Protocol, form: Form, who: Viewer) -> Overview:
    """Return extraction's figures as ``who`` may see them."""
    from review.extraction.state import STATUSES

    ids = included_studies(db, protocol, who)
    if ids is None:
        return Overview(False, form.mode)
    states = study_states(db, form, ids, who.name, is_lead=who.is_lead)
    statuses = Counter({s: 0 for s in STATUSES})
    statuses.update(s.status for s in states.values())
    people: dict[str, list[int]] = {}
    for state in states.values():
        for name in state.extractors:
            counts = people.setdefault(name, [0, 0])
            copy = state.copies.get(name)
            # A hidden copy's completion shows in the status, not its values.
            done = copy.complete if copy is not None else _done_hidden(state, name)
            counts[1 if done else 0] += 1
    return Overview(
        True,
        form.mode,
        len(ids),
        dict(statuses),
        {n: ExtractorCounts(a, b) for n, (a, b) in people.items()},
        states,
    )


def _done_hidden(state: StudyState, name: str) -> bool:
    """Whether a copy the viewer cannot see is complete: known only when both are."""
    return state.status in ("complete", "conflicts") and name in state.extractors[:2]


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    """Agreement of two extractors on one field over the studies both completed.

    Attributes:
        name: The field.
        label: Its label.
        compared: Studies where at least one extractor gave a value.
        agreed: Of those, studies with the same value.
        kappa: Cohen's kappa (choice and boolean fields; None otherwise or undefined).
    """

    name: str
    label: str
    compared: int
    agreed: int
    kappa: float | None

    @property
    def percent(self) -> float | None:
        """Percent agreement (None when nothing was compared)."""
        return None if not self.compared else 100 * self.agreed / self.compared

    def to_json(self) -> dict[str, Any]:
        """Return the figures for ``--json``."""
        return {
            "field": self.name,
            "compared": self.compared,
            "agreed": self.agreed,
            "percent": None if self.percent is None else round(self.percent, 2),
            "kappa": None if self.kappa is None else round(self.kappa, 4),
        }


def field_agreement(form: Form, states: dict[int, StudyState]) -> list[FieldAgreement]:
    """Return per-field agreement of the first two complete copies of each visible study.

    Repeating groups are compared cell by cell (a field agrees on a study
    when every cell does). Consensus values do not count: agreement is
    between the independent extractions.
    """
    pairs: dict[str, list[tuple[Any, Any]]] = {f.name: [] for f in form.fields}
    for state in states.values():
        done = [n for n in state.complete_extractors() if n != CONSENSUS]
        if not state.open or len(done) < 2:
            continue
        a, b = state.copies[done[0]], state.copies[done[1]]
        for item in form.fields:
            keys = {k for k in set(a.cells) | set(b.cells) if k[0] == item.name}
            va = tuple(sorted((k, _hashable(a.value(k))) for k in keys))
            vb = tuple(sorted((k, _hashable(b.value(k))) for k in keys))
            if all(v is None for _, v in va) and all(v is None for _, v in vb):
                continue
            pairs[item.name].append((va, vb))
    out: list[FieldAgreement] = []
    for item in form.fields:
        got = pairs[item.name]
        agreed = sum(1 for x, y in got if x == y)
        kappa = None
        if item.type in ("choice", "boolean") and got:
            labels = [(_label(x), _label(y)) for x, y in got]
            categories = sorted({v for pair in labels for v in pair})
            if len(categories) >= 2:
                kappa = measure(labels, categories).kappa
        out.append(FieldAgreement(item.name, item.label, len(got), agreed, kappa))
    return out


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _label(cells: tuple[tuple[Any, Any], ...]) -> str:
    value = cells[0][1] if cells else None
    return "(empty)" if value is None else str(value)
