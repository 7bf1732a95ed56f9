"""``review decide`` and ``review import-decisions``: screening decisions without the UI.

Thin commands over :mod:`review.decisions`, which records through
``screening.decide`` with the reviewer's blind-mode viewer, as the TUI does.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from protocols.model import Stage
from review.cli.options import LABELS, context, json_option, reviewer_option, stage_option


@click.command()
@click.argument("study")
@click.argument("label", type=click.Choice(LABELS, case_sensitive=False))
@stage_option()
@click.option(
    "--reason",
    help="Exclusion reason: its text or its number in the protocol's list (needed at full text).",
)
@click.option("--note", help='A note on the decision ("" clears the current note).')
@reviewer_option
@json_option
@click.pass_context
def decide(
    ctx: click.Context,
    study: str,
    label: str,
    stage: Stage,
    reason: str | None,
    note: str | None,
    reviewer: str | None,
    as_json: bool,
) -> None:
    """Record one screening decision without the UI.

    STUDY is a group id, a record id, or the record's own ID in its file
    (source id); write group:ID, record:ID or source:ID when those differ.
    Blind mode, eligibility and conflicts work as in the terminal UI.

    \b
    Example:
        review decide 42 exclude --stage full-text --reason 2 --reviewer ana
        review decide source:PMID123 include --note "RCT, check dosing"
    """
    from review.decisions.single import record_decision

    opened = context(ctx, reviewer)
    done = record_decision(
        opened.db,
        opened.protocol,
        opened.viewer,
        study,
        stage,
        label.lower(),
        reason=reason,
        note=note,
    )
    if as_json:
        click.echo(json.dumps(done.as_dict(), indent=2, ensure_ascii=False))
        return
    d = done.decision
    why = f" ({d.reason})" if d.reason else ""
    title = f' "{_short(done.study.title)}"' if done.study.title else ""
    state = "recorded" if done.changed else "already current, nothing recorded"
    click.echo(
        f"group {d.group_id}{title}: {d.label}{why} at {stage.short.lower()}"
        f" by {d.reviewer}: {state}"
    )
    found = done.outcome
    if found is None:
        click.echo(f"outcome: hidden until a lead unblinds {stage.short.lower()} (blind review)")
    else:
        votes = ", ".join(f"{who} {lab}" for who, lab in sorted(found.labels.items()))
        click.echo(f"outcome: {found.outcome} ({votes})")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("import-decisions")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@stage_option(default=None)
@click.option("--dry-run", is_flag=True, help="Check every line and count; record nothing.")
@click.option(
    "--add-reviewers",
    is_flag=True,
    help="Register reviewers the review does not know (leads only; else they are refused).",
)
@reviewer_option
@json_option
@click.pass_context
def import_decisions(
    ctx: click.Context,
    file: Path,
    stage: Stage | None,
    dry_run: bool,
    add_reviewers: bool,
    reviewer: str | None,
    as_json: bool,
) -> None:
    """Import screening decisions from a CSV (review's own export, ASReview, Rayyan).

    Reads `review export decisions` output (each row under its reviewer),
    ASReview's export (label_included 1/0, recorded under --reviewer; rows are
    matched by the record's own ID, else DOI, else title) or Rayyan's. All or
    nothing: a bad line is named and nothing is recorded. With --stage only
    that stage's rows are read (files without a stage column: their stage;
    default title-abstract). In a blind review only a lead imports other
    reviewers' decisions. A reviewer the review does not know is refused
    (all such names in one line) unless a lead adds them with
    --add-reviewers (in a review with no lead, anyone may).

    \b
    Example:
        review export decisions -o old.csv        # in the old review
        review import-decisions old.csv --reviewer lead
        review import-decisions asreview_export.csv --reviewer ana
        review import-decisions rayyan.csv --reviewer lead --add-reviewers
    """
    from review.core import db as review_db
    from review.decisions.importing import file_sha256
    from review.decisions.importing import import_decisions as run_import

    opened = context(ctx, reviewer)
    summary = run_import(
        opened.db,
        opened.protocol,
        opened.viewer,
        file,
        stage=stage,
        dry_run=dry_run,
        add_reviewers=add_reviewers,
    )
    if not dry_run:
        review_db.append_audit(
            opened.db,
            opened.reviewer,
            "decisions.import",
            {**summary.as_dict(), "sha256": file_sha256(file)},
        )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
        return
    verb = "would record" if dry_run else "recorded"
    skipped = [
        f"{summary.unchanged} same as current",
        *([f"{summary.repeated} repeated in the file"] if summary.repeated else []),
        *([f"{summary.unlabelled} without a decision"] if summary.unlabelled else []),
        *([f"{summary.other_stage} of another stage"] if summary.other_stage else []),
    ]
    conflicts = (
        "conflicts: hidden while the stage is blind to you"
        if summary.conflicts_created is None
        else f"{summary.conflicts_created} conflict{'' if summary.conflicts_created == 1 else 's'}"
        " created"
    )
    added = (
        f"; {'would add' if dry_run else 'added'} reviewers: {', '.join(summary.added_reviewers)}"
        if summary.added_reviewers
        else ""
    )
    click.echo(
        f"{file} ({summary.layout}, {summary.rows} rows): {verb} {summary.recorded} decisions;"
        f" skipped {', '.join(skipped)}; {conflicts}{added}"
    )
