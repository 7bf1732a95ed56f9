"""``review export``: records and decisions, as files a report or another tool reads."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.commands.screening import export_decisions
from review.cli.options import context, reviewer_option


@click.group()
def export() -> None:
    """Export records and screening decisions."""


@export.command("records")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "ris", "bibtex", "jsonl"]),
    default="csv",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@reviewer_option
@click.pass_context
def export_records(ctx: click.Context, fmt: str, output: Path | None, reviewer: str | None) -> None:
    """Export every imported record, one row each, with its group_id.

    \b
    Example:
        review export records --format ris -o all.ris
    """
    from review.exports.records import export_to_path, export_to_string
    from screening.export import group_decisions

    review = context(ctx, reviewer)
    db = review.db
    decisions = group_decisions(db, review.viewer) if fmt == "csv" else None
    if output is None:
        text, _ = export_to_string(db, fmt, decisions)
        click.echo(text, nl=False)
        return
    n = export_to_path(db, fmt, output, decisions)
    click.echo(f"Wrote {n} records to {output}", err=True)



export.add_command(export_decisions)
