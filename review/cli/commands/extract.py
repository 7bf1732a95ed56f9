"""``review extract``: evidence extraction from included studies, without the UI.

Thin commands over :mod:`review.extraction`: every read goes through
:func:`review.extraction.state.study_state` (or :func:`~review.extraction.overview.overview`)
built for the acting reviewer, so blind mode hides other extractors' copies
here exactly as in the terminal UI; this module never loads copies itself.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from review.cli.options import context, json_option, reviewer_option

if TYPE_CHECKING:
    from protocols.form import Form
    from protocols.model import ExtractionField
    from review.core.context import ReviewContext
    from review.extraction.db import ValueRow
    from review.extraction.state import Key, StudyState

CONSENSUS_NAME = "consensus"


@click.group()
def extract() -> None:
    """Extract data from included studies: fill in the form, resolve conflicts.

    Each extractor fills in their own copy of the protocol's extraction form
    for each included study. The protocol's mode says how copies combine:
    single (one extractor), dual (two, blind to each other until both are
    complete, then a lead or third reviewer resolves conflicts) or verify
    (a second reviewer checks a pre-filled copy).

    \b
    Example:
        review extract show 3 --reviewer ana
        review extract set 3 sample_size=120 study_design=1 --source "p. 4: 120 randomised"
        review extract complete 3 --reviewer ana
        review extract conflicts
    """


# --------------------------------------------------------------------------- helpers


def _open(ctx: click.Context, reviewer: str | None) -> tuple[ReviewContext, Form]:
    from protocols.form import build_form

    opened = context(ctx, reviewer)
    return opened, build_form(opened.protocol)


def _study(opened: ReviewContext, text: str) -> tuple[int, str | None]:
    from review.core.study import find_study

    found = find_study(opened.db, text)
    return found.group_id, found.title


def _fmt(value: Any) -> str:
    """A value as the text output shows it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(_fmt(v) for v in value)
    return str(value)


def _copy_name(owner: str) -> str:
    from review.extraction.db import CONSENSUS

    return CONSENSUS_NAME if owner == CONSENSUS else owner


def _where(copy: str) -> str:
    from review.extraction.db import CONSENSUS

    return "the consensus copy" if copy == CONSENSUS else f"{copy}'s copy"


def _short(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _title(group_id: int, title: str | None) -> str:
    return f'study {group_id} "{_short(title)}"' if title else f"study {group_id}"


def _working(state: StudyState, viewer: str) -> tuple[str | None, dict[Key, ValueRow]]:
    """The copy the viewer edits and its cells (a verifier's: pre-filled by the extractor).

    Built only from the copies ``state`` holds, which blind mode has already cut.
    """
    from review.extraction.db import CONSENSUS
    from review.extraction.state import working_values

    found = working_values(state, viewer)
    if found is None:
        return None, {}
    copy, _ = found
    cells: dict[Key, ValueRow] = {}
    if copy == CONSENSUS:
        done = state.complete_extractors()
        if done:
            cells.update(state.copies[done[0]].cells)
    if copy in state.copies:
        cells.update(state.copies[copy].cells)
    return copy, cells


def _source_text(cell: ValueRow | None) -> str:
    from review.extraction.parse import Source

    if cell is None:
        return ""
    return str(Source(cell.page, cell.quote))


def _cell_json(cell: ValueRow) -> dict[str, Any]:
    return {
        "value": cell.value,
        "page": cell.page,
        "quote": cell.quote,
        "comment": cell.comment,
        "reviewer": cell.reviewer,
        "time": cell.time,
    }


def _in_form(form: Form, key: Key) -> bool:
    name, row, column = key
    if not form.has(name):
        return False
    item = form.field(name)
    if item.type == "group":
        return bool(row) and any(c.name == column for c in item.fields)
    return not row


def _appraisal_json(form: Form, values: dict[str, Any], based_on: str) -> dict[str, Any] | None:
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


# --------------------------------------------------------------------------- show


@extract.command()
@click.argument("study")
@reviewer_option
@json_option
@click.pass_context
def show(ctx: click.Context, study: str, reviewer: str | None, as_json: bool) -> None:
    """Show a study's extraction form with your values (and others' once open).

    STUDY is a group id, record id or source id (as for `review decide`).
    Each field shows your value, its source and comment; once the study is
    open to you (not blind) also every other extractor's value, the
    consensus and conflicts. In dual mode other extractors' values stay
    hidden until both extractions are complete or a lead unblinds.

    \b
    Example:
        review extract show 3 --reviewer ana
        review extract show source:PMID123 --json
    """
    from review.extraction.eligible import require_included
    from review.extraction.state import study_state, values_of

    opened, form = _open(ctx, reviewer)
    group_id, title = _study(opened, study)
    who = opened.viewer
    require_included(opened.db, opened.protocol, who, group_id)
    state = study_state(opened.db, form, group_id, who.name, is_lead=who.is_lead)
    copy, cells = _working(state, who.name)
    own_values = values_of({k: c.value for k, c in cells.items()})
    if own_values or not state.consensus:
        based_on = _copy_name(copy) if copy is not None else who.name
        appraisal = _appraisal_json(form, own_values, based_on)
        appraised = own_values
    else:
        appraisal = _appraisal_json(form, values_of(state.consensus), CONSENSUS_NAME)
        appraised = values_of(state.consensus)
    if as_json:
        _show_json(state, group_id, title, copy, cells, appraisal)
        return
    _show_text(form, state, who.name, group_id, title, copy, cells, appraised, appraisal)


def _show_json(
    state: StudyState,
    group_id: int,
    title: str | None,
    copy: str | None,
    cells: dict[Key, ValueRow],
    appraisal: dict[str, Any] | None,
) -> None:
    from review.extraction.state import key_name

    out = {
        "study": group_id,
        "title": title,
        "status": state.status,
        "mode": state.mode,
        "extractors": list(state.extractors),
        "open": state.open,
        "copies": {
            _copy_name(owner): {key_name(k): _cell_json(c) for k, c in sorted(found.cells.items())}
            for owner, found in sorted(state.copies.items())
        },
        "complete": {_copy_name(o): c.complete for o, c in sorted(state.copies.items())},
        "working": None
        if copy is None
        else {
            "copy": _copy_name(copy),
            "values": {key_name(k): c.value for k, c in sorted(cells.items())},
        },
        "consensus": {key_name(k): v for k, v in sorted(state.consensus.items())},
        "conflicts": [{"field": c.name, "values": dict(c.values)} for c in state.conflicts],
        "appraisal": appraisal,
    }
    click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))


def _status_line(state: StudyState) -> str:
    names = []
    for name in state.extractors:
        found = state.copies.get(name)
        names.append(f"{name} (complete)" if found is not None and found.complete else name)
    who = ", ".join(names) if names else "none yet"
    return f"status: {state.status.replace('_', ' ')} ({state.mode} extraction); extractors: {who}"


def _show_text(
    form: Form,
    state: StudyState,
    viewer: str,
    group_id: int,
    title: str | None,
    copy: str | None,
    cells: dict[Key, ValueRow],
    appraised: dict[str, Any],
    appraisal: dict[str, Any] | None,
) -> None:
    from review.extraction.db import CONSENSUS

    click.echo(_title(group_id, title))
    click.echo(_status_line(state))
    if copy is None:
        click.echo("your copy: none (you have no copy to edit in this study)")
    elif copy == CONSENSUS:
        click.echo(
            "your copy: the consensus copy (pre-filled from the extractor's; edit to verify)"
        )
    else:
        click.echo(f"your copy: {copy}")
    if not state.open:
        click.echo("blind: other extractors' values are hidden until both extractions are complete")
    others = [
        o for o in state.copies if o != CONSENSUS and o != copy and state.open
    ]  # extractors besides the copy being edited, only when the study is open
    conflicts = {c.key: c for c in state.conflicts}
    keys_everywhere: set[Key] = set(cells) | set(state.consensus)
    for found in state.copies.values():
        keys_everywhere |= set(found.cells)

    def lines_for(key: Key, label: str, required: bool, indent: str = "  ") -> None:
        from review.extraction.state import key_name

        cell = cells.get(key)
        star = "*" if required else " "
        mine = None if cell is None else cell.value
        click.echo(f"{indent}{star} {key_name(key)} — {label}: {_fmt(mine)}")
        source = _source_text(cell)
        if source:
            click.echo(f"{indent}      source: {source}")
        if cell is not None and cell.comment:
            click.echo(f"{indent}      comment: {cell.comment}")
        for owner in others:
            theirs = state.copies[owner].cells.get(key)
            if theirs is not None:
                click.echo(f"{indent}      {owner}: {_fmt(theirs.value)}")
        if state.open and key in state.consensus:
            click.echo(f"{indent}      consensus: {_fmt(state.consensus[key])}")
        if key in conflicts:
            shown = " | ".join(f"{n} {_fmt(v)}" for n, v in conflicts[key].values.items())
            click.echo(f"{indent}      CONFLICT: {shown}")

    for section, items in form.sections():
        shown_items = [
            item
            for item in items
            if form.applies(item, appraised) or any(k[0] == item.name for k in keys_everywhere)
        ]
        if not shown_items:
            continue
        click.echo("")
        click.echo(section)
        for item in shown_items:
            if item.type != "group":
                lines_for((item.name, 0, ""), item.label, item.required)
                continue
            rows = sorted({k[1] for k in keys_everywhere if k[0] == item.name and k[1]})
            star = "*" if item.required else " "
            count = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
            click.echo(f"  {star} {item.name} — {item.label} (repeating group): {count}")
            for row in rows:
                click.echo(f"    row {row}")
                for column in item.fields:
                    lines_for(
                        (item.name, row, column.name), column.label, column.required, "      "
                    )
    if appraisal is not None:
        click.echo("")
        domains = ", ".join(f"{d}: {j}" for d, j in appraisal["domains"].items())
        overall = appraisal["overall"] or "not yet judged"
        click.echo(
            f"appraisal ({appraisal['based_on']}): {appraisal['met']} of"
            f" {appraisal['applicable']} applicable items met; overall: {overall}"
            + (f"; {domains}" if domains else "")
        )
    _show_kept(form, state, copy, cells)


def _show_kept(form: Form, state: StudyState, copy: str | None, cells: dict[Key, ValueRow]) -> None:
    from review.extraction.state import key_name

    kept: list[str] = []
    seen: set[tuple[str, Key]] = set()
    sources: list[tuple[str, dict[Key, ValueRow]]] = [("yours", cells)]
    sources += [(_copy_name(o), c.cells) for o, c in sorted(state.copies.items()) if o != copy]
    for owner, found in sources:
        for key, cell in sorted(found.items()):
            if _in_form(form, key) or cell.value is None or (owner, key) in seen:
                continue
            seen.add((owner, key))
            kept.append(f"  {key_name(key)}: {_fmt(cell.value)} ({owner})")
    if kept:
        click.echo("")
        click.echo("kept from earlier protocol versions (no longer in the form):")
        for line in kept:
            click.echo(line)


# --------------------------------------------------------------------------- writing


@extract.command("set")
@click.argument("study")
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option(
    "--source",
    help='Where the values are in the full text: "p. 4: quoted text", "page 4" or a quote'
    ' ("" clears; default: keep each value\'s source).',
)
@click.option("--comment", help='A comment on every value given ("" clears; default: keep).')
@reviewer_option
@click.pass_context
def set_(
    ctx: click.Context,
    study: str,
    assignments: tuple[str, ...],
    source: str | None,
    comment: str | None,
    reviewer: str | None,
) -> None:
    """Set values in your copy of a study's form (all or nothing).

    Choices may be given by label or number; a multi choice as several
    separated by ";"; a repeating group's cell as group[ROW].column=VALUE;
    FIELD= clears a value. A bad value names the field and what is
    expected, and nothing is written.

    \b
    Example:
        review extract set 3 study_design=1 sample_size=120 --reviewer ana
        review extract set 3 "outcome_results[1].outcome=Depression" --source "p. 6: Table 2"
        review extract set 3 country= --reviewer ana
    """
    from review.extraction.parse import parse_assignment, parse_source
    from review.extraction.state import key_name
    from review.extraction.write import set_values

    items = [parse_assignment(text) for text in assignments]
    parsed_source = None if source is None else parse_source(source)
    opened, form = _open(ctx, reviewer)
    group_id, _ = _study(opened, study)
    written = set_values(
        opened.db,
        opened.protocol,
        form,
        opened.viewer,
        group_id,
        items,
        source=parsed_source,
        comment=comment,
    )
    n = len(written.changed)
    names = ", ".join(key_name(k) for k in written.changed)
    line = f"study {group_id}: set {n} field{'' if n == 1 else 's'} in {_where(written.copy)}"
    if n:
        line += f" ({names})"
    if written.unchanged:
        line += f"; {len(written.unchanged)} unchanged"
    click.echo(line)


@extract.command()
@click.argument("study")
@reviewer_option
@click.pass_context
def complete(ctx: click.Context, study: str, reviewer: str | None) -> None:
    """Mark your extraction of a study complete (a verifier's: the study verified).

    Refused while required fields are missing (they are named).

    \b
    Example:
        review extract complete 3 --reviewer ana
    """
    from review.extraction.write import mark_complete

    opened, form = _open(ctx, reviewer)
    group_id, _ = _study(opened, study)
    state = mark_complete(opened.db, opened.protocol, form, opened.viewer, group_id)
    what = (
        "verified"
        if state.mode == "verify" and opened.viewer.name not in state.extractors
        else f"{opened.viewer.name}'s extraction complete"
    )
    click.echo(f"study {group_id}: {what}; status: {state.status.replace('_', ' ')}")


@extract.command()
@click.argument("study")
@reviewer_option
@click.pass_context
def reopen(ctx: click.Context, study: str, reviewer: str | None) -> None:
    """Reopen your complete extraction of a study to edit it again.

    \b
    Example:
        review extract reopen 3 --reviewer ana
    """
    from review.extraction.write import reopen as reopen_copy

    opened, form = _open(ctx, reviewer)
    group_id, _ = _study(opened, study)
    copy = reopen_copy(opened.db, opened.protocol, form, opened.viewer, group_id)
    click.echo(f"study {group_id}: reopened {_where(copy)}")


# --------------------------------------------------------------------------- conflicts


@extract.command()
@reviewer_option
@json_option
@click.pass_context
def conflicts(ctx: click.Context, reviewer: str | None, as_json: bool) -> None:
    """List open extraction conflicts side by side, and agreement per field.

    Only studies whose two extractions are complete (or every study, once a
    lead unblinds) show values; blind copies never appear.

    \b
    Example:
        review extract conflicts --reviewer lead
        review extract conflicts --json
    """
    from review.core import db as cdb
    from review.extraction.overview import field_agreement, overview

    opened, form = _open(ctx, reviewer)
    ov = overview(opened.db, opened.protocol, form, opened.viewer)
    found = ov.conflicts
    agreement = field_agreement(form, ov.states)
    if as_json:
        out = {
            "conflicts": [
                {"study": c.group_id, "field": c.name, "values": dict(c.values)} for c in found
            ],
            "agreement": [a.to_json() for a in agreement],
            "overview": ov.to_json(),
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    if not ov.open:
        click.echo("extraction opens when a lead unblinds full-text screening; nothing to show")
        return
    if not found:
        click.echo("no open extraction conflicts")
    by_study: dict[int, list[Any]] = {}
    for c in found:
        by_study.setdefault(c.group_id, []).append(c)
    for group_id, items in by_study.items():
        n = len(items)
        title = _title(group_id, cdb.group_title(opened.db, group_id))
        click.echo(f"{title}: {n} conflict{'' if n == 1 else 's'}")
        for c in items:
            label = _label_of(form, c.key)
            shown = " | ".join(f"{name}: {_fmt(v)}" for name, v in c.values.items())
            click.echo(f"  {c.name} ({label}): {shown}")
    compared = [a for a in agreement if a.compared]
    click.echo("")
    if not compared:
        click.echo("agreement: no studies with two complete extractions yet")
        return
    click.echo("agreement per field (studies with two complete extractions):")
    for a in compared:
        kappa = "" if a.kappa is None else f", kappa {a.kappa:.2f}"
        click.echo(f"  {a.name}: {a.agreed}/{a.compared} agree ({a.percent:.0f}%){kappa}")


def _label_of(form: Form, key: Key) -> str:
    name, row, column = key
    if not form.has(name):
        return name
    item: ExtractionField = form.field(name)
    if row:
        try:
            return f"{item.label} row {row}: {item.column(column).label}"
        except KeyError:
            return name
    return item.label


@extract.command()
@click.argument("study")
@click.argument("field")
@click.argument("value", required=False)
@click.option("--pick", help="Take this extractor's value as the consensus.")
@reviewer_option
@click.pass_context
def resolve(
    ctx: click.Context,
    study: str,
    field: str,
    value: str | None,
    pick: str | None,
    reviewer: str | None,
) -> None:
    """Set a field's consensus value: typed, or picked from an extractor (leads).

    Give exactly one of VALUE or --pick. A lead resolves any study whose
    extraction is complete or in conflict; in dual mode a third reviewer
    (not one of the study's two extractors) may too.

    \b
    Example:
        review extract resolve 3 sample_size 120 --reviewer lead
        review extract resolve 3 study_design --pick ana --reviewer lead
    """
    from review.core.errors import UsageError
    from review.extraction.parse import parse_key
    from review.extraction.state import key_name
    from review.extraction.write import resolve as resolve_value

    if (value is None) == (pick is None):
        raise UsageError("review extract resolve: give exactly one of VALUE or --pick REVIEWER")
    key = parse_key(field)
    opened, form = _open(ctx, reviewer)
    group_id, _ = _study(opened, study)
    chosen = resolve_value(
        opened.db,
        opened.protocol,
        form,
        opened.viewer,
        group_id,
        key,
        value,
        pick=pick.strip() if pick is not None else None,
    )
    picked = f" (picked from {pick.strip()})" if pick is not None else ""
    click.echo(f"study {group_id}: consensus {key_name(key)} = {_fmt(chosen)}{picked}")


@extract.command()
@reviewer_option
@click.pass_context
def unblind(ctx: click.Context, reviewer: str | None) -> None:
    """Let every reviewer see every extractor's values from now on (leads only; final).

    \b
    Example:
        review extract unblind --reviewer lead
    """
    from review.extraction.write import unblind as unblind_extraction

    opened = context(ctx, reviewer)
    if unblind_extraction(opened.db, opened.viewer):
        click.echo("extraction unblinded: every reviewer now sees every extractor's values")
    else:
        click.echo("extraction was already unblinded; nothing changed")


@extract.command()
@reviewer_option
@json_option
@click.pass_context
def status(ctx: click.Context, reviewer: str | None, as_json: bool) -> None:
    """Count studies to extract, in progress, to verify, in conflict and complete.

    \b
    Example:
        review extract status
        review extract status --json
    """
    from review.extraction.overview import overview

    opened, form = _open(ctx, reviewer)
    ov = overview(opened.db, opened.protocol, form, opened.viewer)
    if as_json:
        click.echo(json.dumps(ov.to_json(), indent=2, ensure_ascii=False))
        return
    if not ov.open:
        click.echo("extraction opens when a lead unblinds full-text screening")
        return
    counts = ", ".join(f"{s.replace('_', ' ')} {n}" for s, n in ov.statuses.items())
    click.echo(f"extraction ({ov.mode}): {ov.included} included studies; {counts}")
    for name, c in sorted(ov.extractors.items()):
        click.echo(f"  {name}: {c.in_progress} in progress, {c.complete} complete")
