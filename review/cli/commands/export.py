"""``review export``: records and decisions, as files a report or another tool reads."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.commands.screening import export_decisions
from review.cli.options import context, fail, reviewer_option


@click.group()
def export() -> None:
    """Export records, screening decisions and the evidence table."""


@export.command("records")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "ris", "bibtex", "jsonl"]),
    default="csv",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (new files are owner-only, 0600; - or none: standard output).",
)
@reviewer_option
@click.pass_context
def export_records(ctx: click.Context, fmt: str, output: Path | None, reviewer: str | None) -> None:
    """Export every imported record, one row each, with its group_id.

    \b
    Example:
        review export records --format ris -o all.ris
    """
    from review.core.files import is_stdout
    from review.reports.records import export_to_path, export_to_string
    from screening.export import group_decisions

    review = context(ctx, reviewer)
    db = review.db
    decisions = group_decisions(db, review.viewer) if fmt == "csv" else None
    if output is None or is_stdout(output):
        text, _ = export_to_string(db, fmt, decisions)
        click.echo(text, nl=False)
        return
    n = export_to_path(db, fmt, output, decisions)
    click.echo(f"Wrote {n} records to {output}", err=True)


@export.command("evidence")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "md", "jsonl"]),
    default="csv",
    show_default=True,
)
@click.option(
    "--values",
    type=click.Choice(["consensus", "all"]),
    default="consensus",
    show_default=True,
    help="The consensus record only, or every copy you may see (column extractor).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (needed for groups and robvis; new files are owner-only, 0600; -: standard"
    " output, xlsx too).",
)
@reviewer_option
@click.pass_context
def export_evidence(
    ctx: click.Context, fmt: str, values: str, output: Path | None, reviewer: str | None
) -> None:
    """Export the evidence table: one row per included study, one column per field.

    Repeating groups get a table of their own (a sheet in xlsx, else a file
    beside FILE named FILE-GROUP), and a quality checklist a robvis table
    (sheet robvis, else FILE-robvis.csv). xlsx has a sheet per form section
    and a Codebook sheet. In blind dual extraction you export only what you
    may see.

    \b
    Example:
        review export evidence --format xlsx -o evidence.xlsx
        review export evidence --format md -o -
    """
    import sys

    from review.core.files import is_stdout
    from review.extraction.export import collect, render, write_evidence

    if is_stdout(output) and fmt != "xlsx":
        output = None
    if output is not None and not is_stdout(output) and not output.resolve().parent.is_dir():
        fail(f"-o {output}: folder {output.parent} does not exist")
    if fmt == "xlsx" and output is None:
        fail("--format xlsx writes a file; give -o FILE.xlsx (or -o - for standard output)")
    if is_stdout(output) and sys.stdout.isatty():
        fail("-o -: an XLSX workbook is binary; redirect standard output to a file or a pipe")
    review = context(ctx, reviewer)
    evidence = collect(review.db, review.protocol, review.viewer, values=values, form=review.form)
    if output is None:
        click.echo(render(evidence, fmt), nl=False)
        if fmt != "jsonl" and (evidence.group_fields or evidence.form.checklist):
            click.echo(
                "review: repeating groups and the robvis table are written with -o FILE",
                err=True,
            )
        return
    for path in write_evidence(evidence, fmt, output):
        if not is_stdout(path):
            click.echo(f"Wrote {path}", err=True)


export.add_command(export_decisions)
