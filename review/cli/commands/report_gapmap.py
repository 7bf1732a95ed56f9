"""``review report gapmap``: the evidence gap map as offline HTML, long CSV or an XLSX crosstab.

The map is built by :mod:`review.reports.gapmap` from the consensus values
of the included studies, as the acting reviewer may see them; this module
only checks options and writes the result.
"""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.options import context, fail, reviewer_option


@click.command("gapmap")
@click.option(
    "--rows",
    default=None,
    metavar="FIELD",
    help="Choice field for the rows (default: harm_type, if the form has it).",
)
@click.option(
    "--cols",
    default=None,
    metavar="FIELD",
    help="Choice field for the columns (default: mnr_domain, if the form has it).",
)
@click.option(
    "--segment",
    default=None,
    metavar="FIELD",
    help="Choice field for the bubbles in a cell (default: study_design; 'none': one).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Keep only studies with this value (repeatable; FIELD may be year).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "csv", "xlsx"]), default="html", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (new files are owner-only, 0600; -: standard output, xlsx too; html and csv"
    " go to standard output without it).",
)
@reviewer_option
@click.pass_context
def gapmap(
    ctx: click.Context,
    rows: str | None,
    cols: str | None,
    segment: str | None,
    filters: tuple[str, ...],
    fmt: str,
    output: Path | None,
    reviewer: str | None,
) -> None:
    """Map the included studies: rows x columns, one bubble per segment value.

    Counts are distinct studies, from agreed (consensus) extraction values;
    empty cells stay, because the gaps are the point. The HTML is one file
    that works offline (filters by region, population, design and year;
    click a cell for its studies); csv is long (study_id,row,col,segment);
    xlsx is the crosstab.

    \b
    Example:
        review report gapmap -o gapmap.html
        review report gapmap --rows harm_type --cols region --segment none --format csv
        review report gapmap --filter region="Oceania" --format xlsx -o gapmap.xlsx
    """
    import sys

    from review.core.files import is_stdout
    from review.reports.gapmap import collect_gapmap
    from review.reports.gapmap_export import render_csv, save_csv, save_xlsx
    from review.reports.gapmap_html import render_html

    if is_stdout(output) and fmt != "xlsx":
        output = None
    if output is not None and not is_stdout(output) and not output.resolve().parent.is_dir():
        fail(f"-o {output}: folder {output.parent} does not exist")
    if fmt == "xlsx" and output is None:
        fail("--format xlsx writes a file; give -o FILE.xlsx (or -o - for standard output)")
    if is_stdout(output) and sys.stdout.isatty():
        fail("-o -: an XLSX workbook is binary; redirect standard output to a file or a pipe")
    review = context(ctx, reviewer)
    found = collect_gapmap(
        review.db,
        review.protocol,
        review.viewer,
        rows=rows,
        cols=cols,
        segment=segment,
        filters=filters,
        form=review.form,
    )
    if fmt == "xlsx":
        assert output is not None
        save_xlsx(found, output)
    elif fmt == "csv":
        if output is None:
            click.echo(render_csv(found), nl=False)
            return
        save_csv(found, output)
    else:
        page = render_html(found, f"Evidence gap map: {review.protocol.title}")
        if output is None:
            click.echo(page, nl=False)
            return
        from review.core.files import write_atomically

        write_atomically(output, lambda out: out.write(page))
    if not is_stdout(output):
        click.echo(f"Wrote {output} ({len(found.studies)} studies on the map)", err=True)
