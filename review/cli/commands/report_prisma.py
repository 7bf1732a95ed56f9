"""``review report prisma``: the PRISMA 2020 flow diagram and its counts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from review.cli.options import context, reviewer_option, round_option

FORMATS = ("json", "csv", "svg", "html", "md", "mermaid")


@click.command("prisma")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="json",
    show_default=True,
    help="json (PRISMA2020 data names), csv (the PRISMA2020 Shiny app's template), "
    "svg, html, md or mermaid.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (new files are owner-only, 0600; - or none: standard output).",
)
@round_option
@click.option(
    "--previous-studies",
    type=click.IntRange(min=0),
    default=None,
    help="An update: studies included in the previous version of the review "
    "(default: those of earlier rounds).",
)
@click.option(
    "--previous-reports",
    type=click.IntRange(min=0),
    default=None,
    help="An update: reports of those studies (default: counted, or as many as studies).",
)
@reviewer_option
@click.pass_context
def prisma(
    ctx: click.Context,
    fmt: str,
    output: Path | None,
    round_no: int | None,
    previous_studies: int | None,
    previous_reports: int | None,
    reviewer: str | None,
) -> None:
    """Report the PRISMA 2020 flow diagram, every count from the review database.

    Records identified per database, register and other method (review
    import --method), duplicates merged, records screened and excluded,
    reports sought, not retrieved, assessed and excluded by reason, and the
    studies and reports included. After review update start, the diagram
    is of the newest round, with the studies of earlier rounds as previous
    studies. The boxes are checked to add up. Conflicts
    and undecided records are counted as awaiting. In a blind review counts
    from other reviewers' decisions stay hidden until a lead unblinds.

    \b
    Example:
        review report prisma --format svg -o prisma.svg
        review report prisma --format csv -o PRISMA.csv   # PRISMA2020 Shiny app
        review report prisma --round 1
        review report prisma --previous-studies 12 --previous-reports 15
    """
    from review.reports.prisma import collect

    review = context(ctx, reviewer)
    settings = review.protocol.screening
    counts = collect(
        review.db,
        review.viewer,
        target=settings.stopping_target,
        confidence=settings.stopping_confidence,
        previous_studies=previous_studies,
        previous_reports=previous_reports,
        round_no=round_no,
    )
    counts.check()
    fmt = fmt.lower()
    if fmt == "json":
        text = json.dumps(counts.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        from review.reports.prisma import render_csv

        text = render_csv(counts)
    else:
        from review.reports.prisma import render

        text = render(counts.to_json(), fmt, review.protocol.title)
    from review.core.files import is_stdout, write_atomically

    if output is None or is_stdout(output):
        click.echo(text, nl=False)
        return

    write_atomically(output, lambda out: out.write(text))
    click.echo(f"Wrote {output}", err=True)
