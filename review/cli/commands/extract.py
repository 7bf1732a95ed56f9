"""``review extract``: evidence extraction from included studies, without the UI.

Thin commands over :mod:`review.extraction`: every read goes through
:func:`review.extraction.state.study_state` (or :func:`~review.extraction.overview.overview`)
built for the acting reviewer, so blind mode hides other extractors' copies
here exactly as in the terminal UI; this module never loads copies itself.
What the commands print is written by :mod:`review.extraction.render`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from review.cli.options import context, json_option, reviewer_option

if TYPE_CHECKING:
    from protocols.form import Form
    from review.core.context import ReviewContext


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
    opened = context(ctx, reviewer)
    return opened, opened.form


def _open_study(
    ctx: click.Context, reviewer: str | None, study: str
) -> tuple[ReviewContext, Form, int, str | None]:
    """Open the review and find the study a command names (group, record or source id)."""
    from review.core.study import find_study

    opened, form = _open(ctx, reviewer)
    found = find_study(opened.db, study)
    return opened, form, found.group_id, found.title


def _echo_json(out: Any) -> None:
    click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


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
    from review.extraction import render
    from review.extraction.eligible import require_included
    from review.extraction.state import study_state, working_cells, working_values

    opened, form, group_id, title = _open_study(ctx, reviewer, study)
    who = opened.viewer
    require_included(opened.db, opened.protocol, who, group_id)
    # Built only from the copies the state holds, which blind mode has already cut.
    state = study_state(opened.db, form, group_id, who.name, is_lead=who.is_lead)
    working = working_values(state, who.name)
    copy = None if working is None else working[0]
    cells = {} if copy is None else working_cells(state, copy)
    appraised, appraisal = render.appraise(form, state, copy, cells, who.name)
    if as_json:
        _echo_json(render.show_json(state, group_id, title, copy, cells, appraisal))
        return
    _echo_lines(render.show_text(form, state, group_id, title, copy, cells, appraised, appraisal))


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
    from review.extraction.render import set_summary
    from review.extraction.write import set_values

    items = [parse_assignment(text) for text in assignments]
    cited = None if source is None else parse_source(source)
    opened, form, group_id, _ = _open_study(ctx, reviewer, study)
    who = opened.viewer
    written = set_values(
        opened.db, opened.protocol, form, who, group_id, items, source=cited, comment=comment
    )
    click.echo(set_summary(group_id, written))


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
    from review.extraction.render import complete_summary
    from review.extraction.write import mark_complete

    opened, form, group_id, _ = _open_study(ctx, reviewer, study)
    state = mark_complete(opened.db, opened.protocol, form, opened.viewer, group_id)
    click.echo(complete_summary(group_id, state, opened.viewer.name))


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
    from review.extraction.render import where
    from review.extraction.write import reopen as reopen_copy

    opened, form, group_id, _ = _open_study(ctx, reviewer, study)
    copy = reopen_copy(opened.db, opened.protocol, form, opened.viewer, group_id)
    click.echo(f"study {group_id}: reopened {where(copy)}")


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
    from review.extraction import render
    from review.extraction.overview import field_agreement, overview

    opened, form = _open(ctx, reviewer)
    ov = overview(opened.db, opened.protocol, form, opened.viewer)
    agreement = field_agreement(form, ov.states)
    if as_json:
        _echo_json(render.conflicts_json(ov, agreement))
        return
    titles = {c.group_id: cdb.group_title(opened.db, c.group_id) for c in ov.conflicts}
    _echo_lines(render.conflicts_text(form, ov, agreement, titles))


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
    from review.extraction.render import resolve_summary
    from review.extraction.write import resolve as resolve_value

    if (value is None) == (pick is None):
        raise UsageError("review extract resolve: give exactly one of VALUE or --pick REVIEWER")
    key = parse_key(field)
    opened, form, group_id, _ = _open_study(ctx, reviewer, study)
    picker = pick.strip() if pick is not None else None
    chosen = resolve_value(
        opened.db, opened.protocol, form, opened.viewer, group_id, key, value, pick=picker
    )
    click.echo(resolve_summary(group_id, key, chosen, picker))


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
    from review.extraction.render import status_text

    opened, form = _open(ctx, reviewer)
    ov = overview(opened.db, opened.protocol, form, opened.viewer)
    if as_json:
        _echo_json(ov.to_json())
        return
    _echo_lines(status_text(ov))
