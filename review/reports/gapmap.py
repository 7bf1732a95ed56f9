"""The evidence gap map's data: which included studies fall in which cell.

A gap map crosses two categorical extraction fields (rows and columns, e.g.
harm type x MNR domain) and, in each cell, shows one bubble per value of a
third (the segment, e.g. study design), sized by the number of distinct
studies. The gaps are the point, so every choice of the form is a row,
column or segment, in form order, whether or not a study chose it.

**What is counted.** The *consensus* values of the studies included at the
last screening stage, read through :func:`~review.extraction.state.study_states`
for the acting viewer. While screening is blind the included studies are
unknown (an error says when the map opens); in blind dual extraction a
non-lead's consensus is empty until two copies are complete, so the map
never reveals another reviewer's decisions: it is blind by construction.

**Multi-choice fields** put a study in each chosen value. A study is one
study per bubble: a bubble is a *set* of study ids, never a tally of
values, so nothing is counted twice.

The HTML and spreadsheet writers (:mod:`review.reports.gapmap_html`,
:mod:`review.reports.gapmap_export`) only render a :class:`GapMap`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from protocols.form import Form, build_form
from protocols.model import ExtractionField, Protocol
from review.core.errors import ExtractionError, UsageError
from review.extraction.db import StudyRef, study_refs
from review.extraction.eligible import included_studies, last_stage
from review.extraction.state import study_states
from screening.blind import Viewer

#: Field types a map axis or filter can use.
CATEGORICAL = ("choice", "multi_choice")
#: The CSEA template's axes, used when --rows/--cols are not given.
DEFAULT_ROWS = "harm_type"
DEFAULT_COLS = "mnr_domain"
DEFAULT_SEGMENT = "study_design"
#: What ``--segment`` takes to draw one bubble per cell.
NO_SEGMENT = "none"
#: The filter that reads the record's publication year, not a form field.
YEAR = "year"
#: The filters offered in the HTML, first available of each group (issue: region,
#: population, design, year).
FILTER_FIELDS: tuple[tuple[str, ...], ...] = (
    ("region",),
    ("population", "age_group"),
    ("study_design",),
)
#: How a study without a segment value is shown (its segment value is "").
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True, slots=True)
class Axis:
    """A categorical field laid out on the map.

    Attributes:
        name: The field name (``harm_type``).
        label: What the form calls it.
        values: Its choices in form order, then any value a study holds that
            the form no longer offers (after an amendment), so nothing drops out.
    """

    name: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Citation:
    """What the map says about a study when its cell is opened."""

    study_id: int
    first_author: str
    year: str
    title: str
    doi: str


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter the HTML offers: a categorical field, or the publication year.

    Attributes:
        name: The field name, or :data:`YEAR`.
        label: What the select is labelled.
        values: The values offered, in form order (years ascending).
    """

    name: str
    label: str
    values: tuple[str, ...]


#: One study's place on the map: ``(study_id, row, col, segment)``.
Placement = tuple[int, str, str, str]


@dataclass(frozen=True, slots=True)
class GapMap:
    """The evidence gap map of a review, ready to render.

    Attributes:
        rows: The row axis.
        cols: The column axis.
        segment: The segment axis, or None for one bubble per cell.
        segments: The bubble values in order (``("",)`` without a segment;
            "" also stands for "not recorded" when some study lacks a value).
        cells: ``(row, col)`` -> segment -> study ids (ascending, distinct);
            every row x col pair is present, empty ones included.
        studies: Every study on the map -> its citation.
        filters: The filters the HTML offers, with their values.
        study_filters: Study -> filter name -> the study's values for it.
        applied: The ``FIELD=VALUE`` pre-filters already applied.
        unmapped: Included studies (after pre-filters) without consensus
            values for the rows or columns, so not on the map (yet).
    """

    rows: Axis
    cols: Axis
    segment: Axis | None
    segments: tuple[str, ...]
    cells: dict[tuple[str, str], dict[str, list[int]]]
    studies: dict[int, Citation]
    filters: tuple[Filter, ...] = ()
    study_filters: dict[int, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    applied: tuple[tuple[str, str], ...] = ()
    unmapped: tuple[int, ...] = ()

    def count(self, row: str, col: str, segment: str | None = None) -> int:
        """Return the distinct studies in a cell (one bubble with ``segment``)."""
        bubbles = self.cells[(row, col)]
        if segment is not None:
            return len(bubbles.get(segment, ()))
        return len({s for ids in bubbles.values() for s in ids})

    def placements(self) -> list[Placement]:
        """Return every ``(study, row, col, segment)`` on the map, study first, in axis order."""
        row_at = {v: i for i, v in enumerate(self.rows.values)}
        col_at = {v: i for i, v in enumerate(self.cols.values)}
        seg_at = {v: i for i, v in enumerate(self.segments)}
        out = [
            (study, row, col, seg)
            for (row, col), bubbles in self.cells.items()
            for seg, ids in bubbles.items()
            for study in ids
        ]
        return sorted(out, key=lambda p: (p[0], row_at[p[1]], col_at[p[2]], seg_at[p[3]]))

    def segment_label(self, value: str) -> str:
        """Return how a segment value is shown ("" -> "Not recorded" or "Studies")."""
        if value:
            return value
        return NOT_RECORDED if self.segment is not None else "Studies"


# -- choosing fields ------------------------------------------------------------------------


def categorical_fields(form: Form) -> list[ExtractionField]:
    """Return the form's choice and multi-choice fields (what an axis may be)."""
    return [f for f in form.fields if f.type in CATEGORICAL]


def _choose_from(form: Form) -> str:
    return ", ".join(f.name for f in categorical_fields(form)) or "(the form has none)"


def axis(form: Form, option: str, name: str) -> Axis:
    """Return the axis of field ``name``, or fail in one line listing the valid fields.

    Raises:
        UsageError: ``--rows: sample_size is not a choice field; choose from: ...``.
    """
    if not form.has(name):
        raise UsageError(f"{option}: {name} is not a field; choose from: {_choose_from(form)}")
    item = form.field(name)
    if item.type not in CATEGORICAL:
        raise UsageError(
            f"{option}: {name} is not a choice field; choose from: {_choose_from(form)}"
        )
    return Axis(item.name, item.label, tuple(item.choices))


def choose_axes(
    form: Form, rows: str | None, cols: str | None, segment: str | None
) -> tuple[Axis, Axis, Axis | None]:
    """Return the rows, columns and segment axes, filling in the CSEA defaults.

    Args:
        rows: A field name, or None for ``harm_type``.
        cols: A field name, or None for ``mnr_domain``.
        segment: A field name, :data:`NO_SEGMENT`, or None for
            ``study_design`` when the form has it (else no segment).

    Raises:
        UsageError: a missing default, an unknown or non-categorical field,
            or the same field on two axes.
    """
    picked: list[Axis] = []
    for option, given, default in (("--rows", rows, DEFAULT_ROWS), ("--cols", cols, DEFAULT_COLS)):
        if given is None and not form.has(default):
            raise UsageError(
                f"{option}: the form has no {default} field; give {option} FIELD, one of:"
                f" {_choose_from(form)}"
            )
        picked.append(axis(form, option, given or default))
    seg: Axis | None = None
    if segment is None:
        if form.has(DEFAULT_SEGMENT) and form.field(DEFAULT_SEGMENT).type in CATEGORICAL:
            seg = axis(form, "--segment", DEFAULT_SEGMENT)
    elif segment != NO_SEGMENT:
        seg = axis(form, "--segment", segment)
    if picked[0].name == picked[1].name:
        raise UsageError(f"--rows and --cols are both {picked[0].name}; choose two fields")
    return picked[0], picked[1], seg


def filter_options(form: Form) -> list[Filter]:
    """Return the HTML's filters: region, population (or age group), design, then year."""
    out: list[Filter] = []
    for names in FILTER_FIELDS:
        for name in names:
            if form.has(name) and form.field(name).type in CATEGORICAL:
                item = form.field(name)
                out.append(Filter(item.name, item.label, tuple(item.choices)))
                break
    out.append(Filter(YEAR, "Year", ()))
    return out


def parse_filters(form: Form, given: Iterable[str]) -> list[tuple[str, str]]:
    """Check ``--filter FIELD=VALUE`` options; return ``(field, value)`` with choices as spelled.

    ``FIELD`` is a choice or multi-choice field, or ``year``; a choice's value
    is matched ignoring case. Raises UsageError in one line otherwise.
    """
    out: list[tuple[str, str]] = []
    for text in given:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise UsageError(f"--filter {text}: expected FIELD=VALUE (e.g. region=Oceania)")
        if name == YEAR:
            out.append((YEAR, value))
            continue
        item = form.field(name) if form.has(name) else None
        if item is None or item.type not in CATEGORICAL:
            raise UsageError(
                f"--filter {text}: {name} is not a choice field; choose from: year,"
                f" {_choose_from(form)}"
            )
        match = [c for c in item.choices if c.casefold() == value.casefold()]
        if not match:
            raise UsageError(
                f"--filter {text}: {value} is not a choice of {name}; choose from:"
                f" {'; '.join(item.choices)}"
            )
        out.append((name, match[0]))
    return out


# -- building the map -----------------------------------------------------------------------


def as_values(value: Any) -> tuple[str, ...]:
    """Return a consensus value as distinct text values (a multi choice's list, or one)."""
    if value is None or value == "" or value == []:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(dict.fromkeys(str(v) for v in items if v not in (None, "")))


def _extend(values: tuple[str, ...], seen: Iterable[str]) -> tuple[str, ...]:
    extra = sorted(set(seen) - set(values) - {""})
    return values + tuple(extra)


def assemble(
    rows: Axis,
    cols: Axis,
    segment: Axis | None,
    values: Mapping[int, Mapping[str, Any]],
    refs: Mapping[int, StudyRef],
    *,
    filters: Sequence[Filter] = (),
    applied: Sequence[tuple[str, str]] = (),
) -> GapMap:
    """Build the map from each study's consensus values (field name -> value).

    Pure (no database), so the counting rules are tested directly. Studies
    failing a pre-filter are left out entirely; studies with no row or no
    column value are :attr:`GapMap.unmapped`.
    """

    def of(study: int, name: str) -> tuple[str, ...]:
        if name == YEAR:
            ref = refs.get(study)
            return (ref.year,) if ref is not None and ref.year else ()
        return as_values(values[study].get(name))

    kept = [
        s for s in sorted(values)
        if all(wanted in of(s, name) for name, wanted in applied)
    ]  # fmt: skip

    def widen(given: Axis) -> Axis:
        seen = (v for s in kept for v in of(s, given.name))
        return Axis(given.name, given.label, _extend(given.values, seen))

    row_axis, col_axis = widen(rows), widen(cols)
    seg_axis = None if segment is None else widen(segment)
    cells: dict[tuple[str, str], dict[str, set[int]]] = {
        (r, c): {} for r in row_axis.values for c in col_axis.values
    }
    mapped: set[int] = set()
    missing_segment = False
    for s in kept:
        segs = of(s, seg_axis.name) if seg_axis is not None else ("",)
        places = [(r, c) for r in of(s, rows.name) for c in of(s, cols.name)]
        if places and not segs:
            segs, missing_segment = ("",), True
        for place in places:
            for seg in segs:
                cells[place].setdefault(seg, set()).add(s)
                mapped.add(s)
    segments: tuple[str, ...] = ("",)
    if seg_axis is not None:
        segments = seg_axis.values + (("",) if missing_segment else ())
    on_map = sorted(mapped)
    return GapMap(
        rows=row_axis,
        cols=col_axis,
        segment=seg_axis,
        segments=segments,
        cells={
            key: {seg: sorted(bubbles[seg]) for seg in segments if seg in bubbles}
            for key, bubbles in cells.items()
        },
        studies={s: _citation(s, refs.get(s)) for s in on_map},
        filters=tuple(_with_years(filters, [of(s, YEAR) for s in on_map])),
        study_filters={s: {f.name: of(s, f.name) for f in filters} for s in on_map},
        applied=tuple(applied),
        unmapped=tuple(s for s in kept if s not in mapped),
    )


def _citation(study: int, ref: StudyRef | None) -> Citation:
    if ref is None:
        return Citation(study, "", "", "", "")
    return Citation(study, ref.first_author, ref.year, ref.title, ref.doi)


def _with_years(filters: Sequence[Filter], years: Iterable[tuple[str, ...]]) -> list[Filter]:
    found = sorted({y for ys in years for y in ys})
    return [Filter(f.name, f.label, tuple(found)) if f.name == YEAR else f for f in filters]


def collect_gapmap(
    db: Database,
    protocol: Protocol,
    viewer: Viewer,
    *,
    rows: str | None = None,
    cols: str | None = None,
    segment: str | None = None,
    filters: Iterable[str] = (),
    form: Form | None = None,
) -> GapMap:
    """Read the gap map ``viewer`` may see: consensus values of the included studies.

    Args:
        rows, cols, segment: See :func:`choose_axes`.
        filters: ``FIELD=VALUE`` pre-filters (see :func:`parse_filters`).

    Raises:
        UsageError: a bad field or filter (one line).
        ExtractionError: while screening is blind to the viewer.
    """
    form = form or build_form(protocol)
    row_axis, col_axis, seg_axis = choose_axes(form, rows, cols, segment)
    applied = parse_filters(form, filters)
    ids = included_studies(db, protocol, viewer)
    if ids is None:
        stage = last_stage(protocol)
        raise ExtractionError(
            f"the gap map opens when a lead unblinds {stage.label.lower()} screening"
            f" (review unblind --stage {stage.cli})"
        )
    states = study_states(db, form, ids, viewer.name, is_lead=viewer.is_lead)
    values = {
        g: {name: v for (name, row, _), v in states[g].consensus.items() if not row} for g in ids
    }
    refs = study_refs(db, ids)
    return assemble(
        row_axis, col_axis, seg_axis, values, refs,
        filters=filter_options(form), applied=applied,
    )  # fmt: skip
