"""``review init``, ``review import`` and ``review status``: a review's life on disk."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from review.cli.options import (
    find_project,
    json_option,
    open_project,
    reviewer_option,
    round_option,
    search_options,
)


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--template", default="generic", show_default=True, help="Protocol template.")
@click.option("--title", help="The review's title, written into protocol.toml.")
def init(directory: Path, template: str, title: str | None) -> None:
    """Create a review: DIR/review.db and DIR/protocol.toml.

    \b
    Example:
        review init grooming-review --template generic --title "Online grooming"
    """
    from review.core.project import init_project

    project = init_project(directory, template, title)
    click.echo(f"Created review in {project.root}")
    click.echo(f"  edit {project.protocol_path.name}, then: review import FILE...")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", "database", help="Database searched, e.g. PubMed (default: detected).")
@search_options(
    "How the records were found, for PRISMA: databases and registers, or other "
    "methods (websites, organisations, citation searching)."
)
@click.option("--force", is_flag=True, help="Import a file even if it was imported before.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def import_(
    ctx: click.Context,
    files: tuple[Path, ...],
    database: str | None,
    search_date: str | None,
    query: str | None,
    method: str,
    force: bool,
    no_embed: bool,
    as_json: bool,
) -> None:
    """Import search results; the format is told from the content.

    RIS, BibTeX, PubMed MEDLINE (.nbib), CSV/TSV, Web of Science plain text
    and EndNote XML. Each file is one transaction: a bad file imports nothing
    and the others still import.

    \b
    Example:
        review import scopus.ris embase.ris --search-date 2026-11-01
        review import snowball.ris --source "Citation searching" --method citation

    After review update start, the files belong to the new round (and take
    its search date unless --search-date is given).
    """
    from corpus.db import current_round
    from review.core.errors import check_date
    from review.session.sources import FileImported, import_files, imported_line

    if search_date:
        check_date(search_date)
    project, db = open_project(ctx)
    round_no = current_round(db)  # an update's imports take its search date (insert_source)
    in_round = f" (round {round_no})" if round_no > 1 else ""
    results: list[dict[str, Any]] = []

    def told(done: FileImported) -> None:
        res = done.result
        if res is None:
            click.echo(f"review: error: {done.error}", err=True)
            results.append({"file": str(done.path), "error": done.error})
            return
        results.append(
            {
                "file": str(done.path),
                "database": res.database,
                "format": res.format,
                "method": method.lower(),
                "records": res.records,
                "flagged": res.flagged,
                "round": round_no,
            }
        )
        if not as_json:
            click.echo(f"{done.path}: {imported_line(res)}{in_round}")

    job = import_files(
        project,
        files,
        database=database,
        search_date=search_date,
        query=query,
        method=method.lower(),
        force=force,
        on_file=told,
    )
    if job.warning:
        click.echo(f"review: {job.warning}", err=True)
    if job.ok:
        from review.cli.options import progress_bar
        from review.session.indexing import refresh

        with progress_bar("Embedding") as bar:
            refresh(project, db, embed=not no_embed, progress=bar)
    if as_json:
        click.echo(json.dumps(results, indent=2))
    if any("error" in r for r in results):
        sys.exit(1)


@click.command()
@json_option
@reviewer_option
@round_option
@click.pass_context
def status(ctx: click.Context, as_json: bool, reviewer: str | None, round_no: int | None) -> None:
    """Show sources, record counts and what to do next.

    \b
    Example:
        review status --json
        review status --round 1
    """
    from review.core.review import Review
    from review.session.status import collect, render

    report = collect(Review.open(find_project(ctx), reviewer), round_no)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else render(report))
