"""Extraction as people read it: values, ``review extract`` text and JSON.

Free of click and textual so that the CLI, the terminal UI and the evidence
export share one way of writing a value (:func:`format_value`), and so that
the commands stay thin: they build a :class:`~review.extraction.state.StudyState`
for the acting reviewer and echo what this module returns. Nothing here
reads the database; everything it shows comes from states already cut by
blind mode, so it cannot show a copy the reviewer may not see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from review.extraction.db import CONSENSUS
from review.extraction.parse import Source
from review.extraction.state import key_name, values_of

if TYPE_CHECKING:
    from protocols.form import Form
    from review.extraction.db import ValueRow
    from review.extraction.overview import FieldAgreement, Overview
    from review.extraction.state import Conflict, Key, StudyState
    from review.extraction.write import Written

#: How people (and JSON) name the consensus record, whose copy is ``''`` in the log.
CONSENSUS_NAME = "consensus"
#: What the text output shows for an empty value, so that it never reads as a blank line.
EMPTY = "—"


def format_value(value: Any) -> str:
    """Return an extracted value as people read it; ``""`` when empty.

    Multi choices are joined by "; ", booleans are "yes"/"no" and whole
    numbers lose their ``.0`` (a number field stores 120 as 120.0), the
    same in the CLI, the form's inputs and the evidence tables.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(format_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown(value: Any) -> str:
    """Return a value for the text output: :func:`format_value`, or :data:`EMPTY`."""
    return format_value(value) or EMPTY


def copy_name(owner: str) -> str:
    """Return a copy's owner as people name it (the consensus record has no owner)."""
    return CONSENSUS_NAME if owner == CONSENSUS else owner


def where(copy: str) -> str:
    """Return which copy a write went to, for a confirmation line."""
    return "the consensus copy" if copy == CONSENSUS else f"{copy}'s copy"


def status_label(status: str) -> str:
    """Return a status as words (``in_progress`` -> ``in progress``)."""
    return status.replace("_", " ")


def _short(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def study_title(group_id: int, title: str | None) -> str:
    """Return a study's heading: its id and (shortened) title, so one line stays one line."""
    return f'study {group_id} "{_short(title)}"' if title else f"study {group_id}"


def source_text(cell: ValueRow | None) -> str:
    """Return a value's source as ``--source`` takes it (``p. 4: "quote"``), or ``""``."""
    if cell is None:
        return ""
    return str(Source(cell.page, cell.quote))


def in_form(form: Form, key: Key) -> bool:
    """Tell whether a key is still a field (or group cell) of the current form.

    Values outlive protocol amendments; keys that are not in the form any
    more are listed apart instead of being dropped.
    """
    name, row, column = key
    if not form.has(name):
        return False
    item = form.field(name)
    if item.type == "group":
        return bool(row) and any(c.name == column for c in item.fields)
    return not row


def label_of(form: Form, key: Key) -> str:
    """Return a key's label in the form, or its name when the form no longer has it."""
    name, row, column = key
    if not form.has(name):
        return name
    item = form.field(name)
    if row:
        try:
            return f"{item.label} row {row}: {item.column(column).label}"
        except KeyError:
            return name
    return item.label


# --------------------------------------------------------------------------- writes


def set_summary(group_id: int, written: Written) -> str:
    """Return what ``set`` wrote: how many fields changed, in which copy, and which."""
    n = len(written.changed)
    names = ", ".join(key_name(k) for k in written.changed)
    line = f"study {group_id}: set {n} field{'' if n == 1 else 's'} in {where(written.copy)}"
    if n:
        line += f" ({names})"
    if written.unchanged:
        line += f"; {len(written.unchanged)} unchanged"
    return line


def complete_summary(group_id: int, state: StudyState, viewer: str) -> str:
    """Return what ``complete`` did: a verifier verifies, an extractor completes their copy."""
    what = (
        "verified"
        if state.mode == "verify" and viewer not in state.extractors
        else f"{viewer}'s extraction complete"
    )
    return f"study {group_id}: {what}; status: {status_label(state.status)}"


def resolve_summary(group_id: int, key: Key, chosen: Any, pick: str | None) -> str:
    """Return the consensus value ``resolve`` set (and whose copy it came from)."""
    picked = f" (picked from {pick})" if pick is not None else ""
    return f"study {group_id}: consensus {key_name(key)} = {shown(chosen)}{picked}"


# --------------------------------------------------------------------------- show


def appraisal_json(form: Form, values: dict[str, Any], based_on: str) -> dict[str, Any] | None:
    """Return the checklist's appraisal of some values (None without a checklist)."""
    found = form.appraisal(values)
    if found is None:
        return None
    return {
        "based_on": based_on,
        "overall": found.overall,
        "domains": dict(found.domains),
        "met": found.met,
        "applicable": found.applicable,
        "robvis": {"domains": list(found.robvis[0]), "overall": found.robvis[1]},
    }


def appraise(
    form: Form, state: StudyState, copy: str | None, cells: Mapping[Key, ValueRow], viewer: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Return ``(values, appraisal)`` that ``show`` bases itself on.

    The reviewer's working copy while it holds anything (or while there is no
    consensus), else the consensus: a lead reading a finished study sees the
    agreed appraisal, an extractor their own. The values also decide which
    conditional fields apply.
    """
    own = values_of({k: c.value for k, c in cells.items()})
    if own or not state.consensus:
        based_on = copy_name(copy) if copy is not None else viewer
        return own, appraisal_json(form, own, based_on)
    agreed = values_of(state.consensus)
    return agreed, appraisal_json(form, agreed, CONSENSUS_NAME)


def _cell_json(cell: ValueRow) -> dict[str, Any]:
    return {
        "value": cell.value,
        "page": cell.page,
        "quote": cell.quote,
        "comment": cell.comment,
        "reviewer": cell.reviewer,
        "time": cell.time,
    }


def show_json(
    state: StudyState,
    group_id: int,
    title: str | None,
    copy: str | None,
    cells: Mapping[Key, ValueRow],
    appraisal: dict[str, Any] | None,
) -> dict[str, Any]:
    """Return ``review extract show --json``: values as stored, every visible copy."""
    return {
        "study": group_id,
        "title": title,
        "status": state.status,
        "mode": state.mode,
        "extractors": list(state.extractors),
        "open": state.open,
        "copies": {
            copy_name(owner): {key_name(k): _cell_json(c) for k, c in sorted(found.cells.items())}
            for owner, found in sorted(state.copies.items())
        },
        "complete": {copy_name(o): c.complete for o, c in sorted(state.copies.items())},
        "working": None
        if copy is None
        else {
            "copy": copy_name(copy),
            "values": {key_name(k): c.value for k, c in sorted(cells.items())},
        },
        "consensus": {key_name(k): v for k, v in sorted(state.consensus.items())},
        "conflicts": [{"field": c.name, "values": dict(c.values)} for c in state.conflicts],
        "appraisal": appraisal,
    }


def status_line(state: StudyState) -> str:
    """Return a study's status, mode and extractors (who is complete) on one line."""
    names = []
    for name in state.extractors:
        found = state.copies.get(name)
        names.append(f"{name} (complete)" if found is not None and found.complete else name)
    who = ", ".join(names) if names else "none yet"
    return f"status: {status_label(state.status)} ({state.mode} extraction); extractors: {who}"


def _copy_line(copy: str | None) -> str:
    if copy is None:
        return "your copy: none (you have no copy to edit in this study)"
    if copy == CONSENSUS:
        return "your copy: the consensus copy (pre-filled from the extractor's; edit to verify)"
    return f"your copy: {copy}"


def _key_lines(
    state: StudyState,
    cells: Mapping[Key, ValueRow],
    others: Sequence[str],
    conflicts: Mapping[Key, Conflict],
    key: Key,
    label: str,
    required: bool,
    indent: str,
) -> list[str]:
    """Return one key's lines: the working value, its source and comment, then the others'."""
    cell = cells.get(key)
    star = "*" if required else " "
    mine = None if cell is None else cell.value
    lines = [f"{indent}{star} {key_name(key)} — {label}: {shown(mine)}"]
    source = source_text(cell)
    if source:
        lines.append(f"{indent}      source: {source}")
    if cell is not None and cell.comment:
        lines.append(f"{indent}      comment: {cell.comment}")
    for owner in others:
        theirs = state.copies[owner].cells.get(key)
        if theirs is not None:
            lines.append(f"{indent}      {owner}: {shown(theirs.value)}")
    if state.open and key in state.consensus:
        lines.append(f"{indent}      consensus: {shown(state.consensus[key])}")
    if key in conflicts:
        both = " | ".join(f"{n} {shown(v)}" for n, v in conflicts[key].values.items())
        lines.append(f"{indent}      CONFLICT: {both}")
    return lines


def _appraisal_line(appraisal: dict[str, Any]) -> str:
    domains = ", ".join(f"{d}: {j}" for d, j in appraisal["domains"].items())
    overall = appraisal["overall"] or "not yet judged"
    return (
        f"appraisal ({appraisal['based_on']}): {appraisal['met']} of"
        f" {appraisal['applicable']} applicable items met; overall: {overall}"
        + (f"; {domains}" if domains else "")
    )


def show_text(
    form: Form,
    state: StudyState,
    group_id: int,
    title: str | None,
    copy: str | None,
    cells: Mapping[Key, ValueRow],
    appraised: dict[str, Any],
    appraisal: dict[str, Any] | None,
) -> list[str]:
    """Return ``review extract show``'s lines: the form section by section.

    A field shows when it applies to ``appraised`` or when any visible copy
    has a value for it (a value is never hidden by a condition). Other
    extractors' values, the consensus and conflicts show only once the study
    is open to the reader.
    """
    lines = [study_title(group_id, title), status_line(state), _copy_line(copy)]
    if not state.open:
        lines.append(
            "blind: other extractors' values are hidden until both extractions are complete"
        )
    # extractors besides the copy being edited, only when the study is open
    others = [o for o in state.copies if o != CONSENSUS and o != copy and state.open]
    conflicts = {c.key: c for c in state.conflicts}
    keys_everywhere: set[Key] = set(cells) | set(state.consensus)
    for found in state.copies.values():
        keys_everywhere |= set(found.cells)

    def lines_for(key: Key, label: str, required: bool, indent: str = "  ") -> list[str]:
        return _key_lines(state, cells, others, conflicts, key, label, required, indent)

    for section, items in form.sections():
        shown_items = [
            item
            for item in items
            if form.applies(item, appraised) or any(k[0] == item.name for k in keys_everywhere)
        ]
        if not shown_items:
            continue
        lines += ["", section]
        for item in shown_items:
            if item.type != "group":
                lines += lines_for((item.name, 0, ""), item.label, item.required)
                continue
            rows = sorted({k[1] for k in keys_everywhere if k[0] == item.name and k[1]})
            star = "*" if item.required else " "
            count = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
            lines.append(f"  {star} {item.name} — {item.label} (repeating group): {count}")
            for row in rows:
                lines.append(f"    row {row}")
                for column in item.fields:
                    key = (item.name, row, column.name)
                    lines += lines_for(key, column.label, column.required, "      ")
    if appraisal is not None:
        lines += ["", _appraisal_line(appraisal)]
    return lines + kept_lines(form, state, copy, cells)


def kept_lines(
    form: Form, state: StudyState, copy: str | None, cells: Mapping[Key, ValueRow]
) -> list[str]:
    """Return the values of keys no longer in the form (empty when there are none).

    An amended protocol may drop a field; what was extracted for it stays in
    the log, so ``show`` still lists it, with whose copy holds it.
    """
    kept: list[str] = []
    seen: set[tuple[str, Key]] = set()
    sources: list[tuple[str, Mapping[Key, ValueRow]]] = [("yours", cells)]
    sources += [(copy_name(o), c.cells) for o, c in sorted(state.copies.items()) if o != copy]
    for owner, found in sources:
        for key, cell in sorted(found.items()):
            if in_form(form, key) or cell.value is None or (owner, key) in seen:
                continue
            seen.add((owner, key))
            kept.append(f"  {key_name(key)}: {shown(cell.value)} ({owner})")
    if not kept:
        return []
    return ["", "kept from earlier protocol versions (no longer in the form):", *kept]


# --------------------------------------------------------------------------- conflicts, status


def conflicts_json(ov: Overview, agreement: Sequence[FieldAgreement]) -> dict[str, Any]:
    """Return ``review extract conflicts --json``: conflicts, agreement and the overview."""
    return {
        "conflicts": [
            {"study": c.group_id, "field": c.name, "values": dict(c.values)} for c in ov.conflicts
        ],
        "agreement": [a.to_json() for a in agreement],
        "overview": ov.to_json(),
    }


def conflicts_text(
    form: Form,
    ov: Overview,
    agreement: Sequence[FieldAgreement],
    titles: Mapping[int, str | None],
) -> list[str]:
    """Return the open conflicts side by side per study, then agreement per field.

    ``titles`` holds the title of every study in conflict (read by the caller:
    this module does not touch the database).
    """
    if not ov.open:
        return ["extraction opens when a lead unblinds full-text screening; nothing to show"]
    found = ov.conflicts
    lines = [] if found else ["no open extraction conflicts"]
    by_study: dict[int, list[Conflict]] = {}
    for c in found:
        by_study.setdefault(c.group_id, []).append(c)
    for group_id, items in by_study.items():
        n = len(items)
        title = study_title(group_id, titles.get(group_id))
        lines.append(f"{title}: {n} conflict{'' if n == 1 else 's'}")
        for c in items:
            values = " | ".join(f"{name}: {shown(v)}" for name, v in c.values.items())
            lines.append(f"  {c.name} ({label_of(form, c.key)}): {values}")
    compared = [a for a in agreement if a.compared]
    lines.append("")
    if not compared:
        return [*lines, "agreement: no studies with two complete extractions yet"]
    lines.append("agreement per field (studies with two complete extractions):")
    for a in compared:
        kappa = "" if a.kappa is None else f", kappa {a.kappa:.2f}"
        lines.append(f"  {a.name}: {a.agreed}/{a.compared} agree ({a.percent:.0f}%){kappa}")
    return lines


def status_text(ov: Overview) -> list[str]:
    """Return ``review extract status``: counts per status, then per extractor."""
    if not ov.open:
        return ["extraction opens when a lead unblinds full-text screening"]
    counts = ", ".join(f"{status_label(s)} {n}" for s, n in ov.statuses.items())
    lines = [f"extraction ({ov.mode}): {ov.included} included studies; {counts}"]
    for name, c in sorted(ov.extractors.items()):
        lines.append(f"  {name}: {c.in_progress} in progress, {c.complete} complete")
    return lines
