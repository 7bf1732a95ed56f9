"""The evidence table: extracted values per included study, as CSV, Markdown or JSON lines.

``review export evidence`` writes one row per included study (in study
order): the study's first author, year, title and DOI, then one column per
top-level field of the form. Repeating groups become long tables of their
own (one row per group row), and a checklist's appraisal becomes a table in
the robvis layout (``Study, D1..Dn, Overall``), which the robvis R package
reads as it is. The XLSX workbook is written by
:mod:`review.extraction.export_xlsx` from the same tables.

**What is exported.** By default the consensus record of each study
(:attr:`~review.extraction.state.StudyState.consensus`); with ``all``, one
row per copy the viewer may see as well (column ``extractor``; the consensus
record is ``consensus``). Everything comes through
:func:`~review.extraction.state.study_states` built for the acting viewer,
so in blind dual extraction another extractor's values never appear.

**Safety.** Every text cell of CSV, XLSX and Markdown passes through
:func:`screening.export.safe_cell` (a value ``=HYPERLINK(...)`` stays text);
Markdown also makes HTML and Markdown syntax literal
(:func:`review.core.markdown.escape`: a value ``<img onerror=...>`` shows as
text) and keeps each row on one line. Files are built in memory, then
written to a temporary name and renamed, so a failure leaves no half-written
file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlite_utils import Database

from protocols.form import Form, build_form
from protocols.model import ExtractionField, Protocol
from review.core.errors import ExtractionError
from review.core.files import atomic_path
from review.core.markdown import escape as md_escape
from review.extraction.db import StudyRef, study_refs
from review.extraction.eligible import last_stage
from review.extraction.render import CONSENSUS_NAME, format_value
from review.extraction.state import Key, StudyState, study_states, values_of
from screening.blind import Viewer
from screening.export import safe_cell

EVIDENCE_FORMATS = ("csv", "xlsx", "md", "jsonl")
VALUE_CHOICES = ("consensus", "all")
#: The columns that name a study, before the extracted fields.
STUDY_COLUMNS: tuple[str, ...] = ("study_id", "first_author", "year", "title", "doi")
#: What the ``extractor`` column says for the consensus record (as ``review extract`` names it).
CONSENSUS_LABEL = CONSENSUS_NAME
#: robvis's word for a domain without an answer.
NO_INFORMATION = "No information"

Table = tuple[list[str], list[list[Any]]]


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One exported record of one study: the consensus record or an extractor's copy.

    Attributes:
        ref: The study's first author, year, title and DOI.
        extractor: The copy's owner, or :data:`CONSENSUS_LABEL`.
        status: The study's extraction status (as the viewer may know it).
        plain: Field name -> value of the plain fields.
        groups: Group name -> row number -> column -> value.
    """

    ref: StudyRef
    extractor: str
    status: str
    plain: dict[str, Any]
    groups: dict[str, dict[int, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything an evidence export writes, already filtered for the viewer.

    Attributes:
        form: The extraction form.
        rows: The records, by study and then copy (consensus first).
        all_copies: Whether rows carry an ``extractor`` (``--values all``).
        appraisals: Study -> its consensus values (for the robvis table),
            for studies with a consensus record.
    """

    form: Form
    rows: list[EvidenceRow]
    all_copies: bool
    appraisals: list[tuple[StudyRef, dict[str, Any]]] = field(default_factory=list)

    @property
    def plain_fields(self) -> list[ExtractionField]:
        """The top-level fields that are one column each (every field but groups)."""
        return [f for f in self.form.fields if f.type != "group"]

    @property
    def group_fields(self) -> list[ExtractionField]:
        """The repeating groups (one long table each)."""
        return [f for f in self.form.fields if f.type == "group"]

    def study_header(self) -> list[str]:
        """``study_id .. doi`` (and ``extractor`` with every copy)."""
        return [*STUDY_COLUMNS, *(["extractor"] if self.all_copies else [])]

    def study_cells(self, row: EvidenceRow) -> list[Any]:
        """The cells of :meth:`study_header` for a record."""
        ref = row.ref
        cells: list[Any] = [ref.group_id, ref.first_author, ref.year, ref.title, ref.doi]
        if self.all_copies:
            cells.append(row.extractor)
        return cells

    def main_table(self, fields: Iterable[ExtractionField] | None = None) -> Table:
        """The evidence table: study columns, then one column per plain field."""
        chosen = self.plain_fields if fields is None else [f for f in fields if f.type != "group"]
        header = self.study_header() + [f.name for f in chosen]
        rows = [
            self.study_cells(r) + [cell(f, r.plain.get(f.name)) for f in chosen] for r in self.rows
        ]
        return header, rows

    def group_table(self, group: ExtractionField) -> Table:
        """A repeating group's long table: one row per group row of every record."""
        header = ["study_id", *(["extractor"] if self.all_copies else []), "row"]
        header += [c.name for c in group.fields]
        rows: list[list[Any]] = []
        for r in self.rows:
            lead: list[Any] = [r.ref.group_id, *([r.extractor] if self.all_copies else [])]
            for number, values in sorted(r.groups.get(group.name, {}).items()):
                rows.append(lead + [number] + [cell(c, values.get(c.name)) for c in group.fields])
        return header, rows

    def robvis_table(self) -> Table | None:
        """The appraisal in the robvis layout (None when the form has no checklist).

        One row per study with a consensus record: ``Study`` (first author
        and year), ``D1..Dn`` and ``Overall``; studies with fewer judgements
        than the longest are padded with "No information".
        """
        if self.form.checklist is None:
            return None
        judged: list[tuple[str, tuple[str, ...], str]] = []
        seen: dict[str, int] = {}
        for ref, values in self.appraisals:
            appraisal = self.form.appraisal(values)
            assert appraisal is not None
            domains, overall = appraisal.robvis
            name = study_label(ref)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} (study {ref.group_id})"
            judged.append((name, domains, overall))
        width = max((len(d) for _, d, _ in judged), default=0)
        header = ["Study", *(f"D{i}" for i in range(1, width + 1)), "Overall"]
        rows = [
            [name, *domains, *[NO_INFORMATION] * (width - len(domains)), overall]
            for name, domains, overall in judged
        ]
        return header, rows

    def codebook(self) -> Table:
        """Every field (and group column, as ``group.column``) with what it means."""
        header = [
            "field", "label", "section", "type", "required", "instructions", "choices", "min",
            "max",
        ]  # fmt: skip
        rows: list[list[Any]] = []

        def describe(name: str, item: ExtractionField, section: str) -> list[Any]:
            return [
                name, item.label, section, item.type, "yes" if item.required else "no",
                item.instructions, "; ".join(item.choices), _number(item.min), _number(item.max),
            ]  # fmt: skip

        for item in self.form.fields:
            rows.append(describe(item.name, item, item.section))
            for column in item.fields:
                rows.append(describe(f"{item.name}.{column.name}", column, item.section))
        return header, rows


def study_label(ref: StudyRef) -> str:
    """Return how robvis names a study: "first_author year", or "Study <id>"."""
    if not ref.first_author:
        return f"Study {ref.group_id}"
    author = ref.first_author.split(",")[0].strip() or ref.first_author
    return f"{author} {ref.year}".strip()


def _number(value: Any) -> Any:
    """Return a whole float as an int (120.0 -> 120), anything else as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def cell(item: ExtractionField, value: Any) -> Any:
    """Return a value as a table cell: text, a number, or None.

    Numbers stay numbers (XLSX writes them as such), whole ones without
    their ``.0``; everything else is text as
    :func:`~review.extraction.render.format_value` writes it (multi choices
    joined by "; ", booleans "yes"/"no").
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value)
    return format_value(value)


def _split(cells: dict[Key, Any]) -> tuple[dict[str, Any], dict[str, dict[int, dict[str, Any]]]]:
    plain: dict[str, Any] = {}
    groups: dict[str, dict[int, dict[str, Any]]] = {}
    for (name, row, column), value in cells.items():
        if value is None:
            continue
        if row:
            groups.setdefault(name, {}).setdefault(row, {})[column] = value
        else:
            plain[name] = value
    return plain, groups


def _records(state: StudyState, all_copies: bool) -> list[tuple[str, dict[Key, Any]]]:
    """Return ``(extractor label, key -> value)`` of the records exported for a study."""
    out: list[tuple[str, dict[Key, Any]]] = []
    if not all_copies or state.consensus:
        out.append((CONSENSUS_LABEL, dict(state.consensus)))
    if all_copies:
        for owner in state.extractors:
            copy = state.copies.get(owner)
            if copy is not None:
                out.append((owner, {k: c.value for k, c in copy.cells.items()}))
        if not out:
            out.append((CONSENSUS_LABEL, {}))
    return out


def collect(
    db: Database,
    protocol: Protocol,
    viewer: Viewer,
    *,
    values: str = "consensus",
    form: Form | None = None,
) -> Evidence:
    """Read what ``viewer`` may export of every included study.

    Args:
        values: ``consensus`` (one row per study) or ``all`` (the consensus
            record and every copy the viewer may see).

    Raises:
        ExtractionError: while screening is blind to the viewer (no study
            is known to be included yet).
    """
    from review.extraction.eligible import included_studies

    if values not in VALUE_CHOICES:
        raise ValueError(f"unknown values {values!r}")
    form = form or build_form(protocol)
    ids = included_studies(db, protocol, viewer)
    if ids is None:
        stage = last_stage(protocol)
        raise ExtractionError(
            f"extraction opens when a lead unblinds {stage.label.lower()} screening"
            f" (review unblind --stage {stage.cli})"
        )
    states = study_states(db, form, ids, viewer.name, is_lead=viewer.is_lead)
    refs = study_refs(db, ids)
    all_copies = values == "all"
    rows: list[EvidenceRow] = []
    appraisals: list[tuple[StudyRef, dict[str, Any]]] = []
    for g in sorted(ids):
        state = states[g]
        ref = refs.get(g, StudyRef(g, "", "", "", ""))
        for label, cells in _records(state, all_copies):
            plain, groups = _split(cells)
            rows.append(EvidenceRow(ref, label, state.status, plain, groups))
        if state.consensus:
            appraisals.append((ref, values_of(state.consensus)))
    return Evidence(form, rows, all_copies, appraisals)


# -- text formats ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def write_csv(table: Table, out: TextIO) -> int:
    """Write a table as CSV, every text cell made safe; returns the number of rows."""
    header, rows = table
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_text(safe_cell(v)) for v in row])
    return len(rows)


def _md_cell(value: Any) -> str:
    """A Markdown cell: neutralised, HTML and Markdown made literal, line breaks as <br>."""
    return md_escape(safe_cell(value), line_break="<br>")


def write_md(table: Table, out: TextIO) -> int:
    """Write a table as a Markdown (GitHub) pipe table; returns the number of rows."""
    header, rows = table
    out.write("| " + " | ".join(_md_cell(h) for h in header) + " |\n")
    out.write("|" + "|".join(" --- " for _ in header) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(_md_cell(v) for v in row) + " |\n")
    return len(rows)


def write_jsonl(evidence: Evidence, out: TextIO) -> int:
    """Write one JSON object per exported record, repeating groups nested as row lists.

    Values keep their JSON types (lists, booleans, numbers); the record's
    ``status`` is its study's extraction status. JSON lines are not opened
    by spreadsheets, so values are written as extracted.
    """
    for r in evidence.rows:
        ref = r.ref
        obj: dict[str, Any] = {
            "study_id": ref.group_id,
            "first_author": ref.first_author,
            "year": ref.year,
            "title": ref.title,
            "doi": ref.doi,
        }
        if evidence.all_copies:
            obj["extractor"] = r.extractor
        obj["status"] = r.status
        for item in evidence.form.fields:
            if item.type == "group":
                obj[item.name] = [
                    {"row": n, **{c.name: _number(v.get(c.name)) for c in item.fields}}
                    for n, v in sorted(r.groups.get(item.name, {}).items())
                ]
            else:
                obj[item.name] = _number(r.plain.get(item.name))
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return len(evidence.rows)


def _render(write: Callable[[TextIO], int]) -> str:
    buffer = io.StringIO(newline="")
    write(buffer)
    return buffer.getvalue()


def render(evidence: Evidence, fmt: str) -> str:
    """Return the main file of a text format (what goes to stdout without ``-o``)."""
    if fmt == "csv":
        return _render(lambda out: write_csv(evidence.main_table(), out))
    if fmt == "md":
        return _render(lambda out: write_md(evidence.main_table(), out))
    if fmt == "jsonl":
        return _render(lambda out: write_jsonl(evidence, out))
    raise ValueError(f"not a text format: {fmt!r}")


def side_path(path: Path, name: str, suffix: str | None = None) -> Path:
    """Return ``FOLDER/<stem>-<name><suffix>`` beside ``path`` (a group's or robvis's file)."""
    return path.with_name(f"{path.stem}-{name}{path.suffix if suffix is None else suffix}")


def write_evidence(evidence: Evidence, fmt: str, path: Path) -> list[Path]:
    """Write the export into ``path`` (and its side files) atomically.

    CSV and Markdown write a file per repeating group beside ``path``
    (``evidence-outcome_results.csv``); JSON lines nest groups in each
    object instead. With a checklist, ``<stem>-robvis.csv`` holds the robvis
    table (CSV in every format: robvis reads CSV). Every file is built in
    memory before the first one is written.

    Returns:
        The files written, main file first.
    """
    if fmt == "xlsx":
        from review.extraction.export_xlsx import write_xlsx

        write_xlsx(evidence, path)
        return [path]
    files: list[tuple[Path, str]] = [(path, render(evidence, fmt))]
    side: list[tuple[Path, Callable[[Table, TextIO], int], Table]] = []
    if fmt in ("csv", "md"):
        table_writer = write_csv if fmt == "csv" else write_md
        side += [
            (side_path(path, g.name), table_writer, evidence.group_table(g))
            for g in evidence.group_fields
        ]
    robvis = evidence.robvis_table()
    if robvis is not None:
        side.append((side_path(path, "robvis", ".csv"), write_csv, robvis))
    for target, writer, table in side:
        buffer = io.StringIO(newline="")
        writer(table, buffer)
        files.append((target, buffer.getvalue()))
    for target, text in files:
        with atomic_path(target) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="")
    return [target for target, _ in files]
