"""``review report all``: the whole report folder in one command."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.options import context, fail, reviewer_option


@click.command("all")
@click.option(
    "-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="The report folder (created owner-only, 0700; it must be new or empty unless --force).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the report's files in a non-empty folder.")
@click.option(
    "--previous-studies", type=click.IntRange(min=0), default=None,
    help="An update: studies included in the previous version of the review "
    "(default: those of earlier rounds).",
)  # fmt: skip
@click.option(
    "--previous-reports", type=click.IntRange(min=0), default=None,
    help="An update: reports of those studies (default: counted, or as many as studies).",
)  # fmt: skip
@reviewer_option
@click.pass_context
def all_(
    ctx: click.Context,
    output: Path,
    force: bool,
    previous_studies: int | None,
    previous_reports: int | None,
    reviewer: str | None,
) -> None:
    """Write the report folder: PRISMA diagram, evidence tables, gap map, methods.

    The folder gets the PRISMA 2020 diagram (svg, md, csv, json), the
    evidence tables (xlsx, csv), the gap map (html, csv), the included
    studies (RIS, BibTeX), the decisions with reasons, the recall curves
    (svg), a methods summary written from the data and an index (README.md).
    After review update start, the PRISMA diagram is of the newest round.
    Everything is written, or nothing: a failure leaves no half folder.
    The folder and its files are readable by you only (0700, 0600): they
    hold confidential screening data.

    \b
    Example:
        review report all -o report/ --reviewer lead
    """
    from review.core.files import is_stdout
    from review.reports.folder import write_report

    if is_stdout(output):
        fail("-o -: report all writes a folder of files; name a folder, not standard output")
    review = context(ctx, reviewer)
    report = write_report(
        review,
        output,
        force=force,
        previous_studies=previous_studies,
        previous_reports=previous_reports,
    )
    click.echo(f"Wrote {len(report.files)} files to {output}/ (index: {output}/README.md)")
    for part, why in report.skipped:
        click.echo(f"  not included: {part}: {why}")
