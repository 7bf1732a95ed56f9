"""The ``review`` command line: a thin layer over the library packages.

Heavy modules (torch, sentence-transformers, faiss, textual, pypdf, pyzotero)
and even the parsers are imported inside the commands that need them, so that
``review --help`` and the commands that need no model start fast.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from review.errors import USER_ERRORS


class ReviewGroup(click.Group):
    """A group that turns user errors into one line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            fail(str(exc))
        except sqlite3.DatabaseError as exc:
            fail(f"review database: {exc}; is review.db a review created by `review init`?")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line to stderr and exit."""
    click.echo(f"review: error: {message}", err=True)
    sys.exit(code)


@click.group(cls=ReviewGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Review folder (default: $REVIEW_PROJECT, else nearest parent with review.db).",
)
@click.version_option(package_name="review-assistant")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None) -> None:
    """Offline systematic literature review assistant.

    \b
    Example:
        review init my-review && cd my-review
        review import pubmed.nbib scopus.ris --search-date 2026-11-01
        review status
    """
    ctx.obj = project_dir


def _project(ctx: click.Context):  # type: ignore[no-untyped-def]
    from review.project import find_project

    return find_project(ctx.obj)


def open_project(ctx: click.Context):  # type: ignore[no-untyped-def]
    """Return ``(project, database)`` for the review this command works on."""
    project = _project(ctx)
    return project, project.open_db()


@cli.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--template", default="generic", show_default=True, help="Protocol template.")
@click.option("--title", help="The review's title, written into protocol.toml.")
def init(directory: Path, template: str, title: str | None) -> None:
    """Create a review: DIR/review.db and DIR/protocol.toml.

    \b
    Example:
        review init grooming-review --template generic --title "Online grooming"
    """
    from review.project import init_project

    project = init_project(directory, template, title)
    click.echo(f"Created review in {project.root}")
    click.echo(f"  edit {project.protocol_path.name}, then: review import FILE...")


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", "database", help="Database searched, e.g. PubMed (default: detected).")
@click.option("--search-date", help="Date the search was run (YYYY-MM-DD).")
@click.option("--query", help="The search string, for the PRISMA report.")
@click.option("--force", is_flag=True, help="Import a file even if it was imported before.")
@click.option(
    "--no-embed",
    is_flag=True,
    help="Skip indexing now (embeddings, full-text); search and review embed catch up.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def import_(
    ctx: click.Context,
    files: tuple[Path, ...],
    database: str | None,
    search_date: str | None,
    query: str | None,
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
    """
    from corpus.errors import AlreadyImportedError, ImportFormatError
    from corpus.importer import import_file
    from review.errors import check_date

    project = _project(ctx)
    if search_date:
        check_date(search_date)
    db = project.open_db()
    results: list[dict[str, Any]] = []
    failed = 0
    for path in files:
        try:
            res = import_file(
                db, path, database=database, search_date=search_date, query=query, force=force
            )
        except (ImportFormatError, AlreadyImportedError) as exc:
            failed += 1
            click.echo(f"review: error: {exc}", err=True)
            results.append({"file": str(path), "error": str(exc)})
            continue
        results.append(
            {
                "file": str(path),
                "database": res.database,
                "format": res.format,
                "records": res.records,
                "flagged": res.flagged,
            }
        )
        if not as_json:
            flagged = f" ({res.flagged} lack a title or abstract)" if res.flagged else ""
            click.echo(f"{path}: {res.records} records from {res.database} [{res.format}]{flagged}")
    if len(results) > failed:
        from review.cli_search import progress_bar
        from review.indexing import refresh

        with progress_bar("Embedding") as bar:
            refresh(project, db, embed=not no_embed, progress=bar)
    if as_json:
        click.echo(json.dumps(results, indent=2))
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--reviewer", help="Whose view of screening progress (blind mode); default: you.")
@click.pass_context
def status(ctx: click.Context, as_json: bool, reviewer: str | None) -> None:
    """Show sources, record counts and what to do next.

    \b
    Example:
        review status --json
    """
    from review.status import collect, render

    project = _project(ctx)
    data = collect(project, reviewer)
    click.echo(json.dumps(data, indent=2) if as_json else render(data))


@cli.group()
def export() -> None:
    """Export records (and, later, decisions and evidence tables)."""


@export.command("records")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "ris", "bibtex", "jsonl"]),
    default="csv",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@click.option("--reviewer", help="Whose view of the decisions (blind mode); default: you.")
@click.pass_context
def export_records(ctx: click.Context, fmt: str, output: Path | None, reviewer: str | None) -> None:
    """Export every imported record, one row each, with its group_id.

    \b
    Example:
        review export records --format ris -o all.ris
    """
    from review.export import export_to_path, export_to_string
    from review.reviewing import viewer_for
    from screening.export import group_decisions

    project, db = open_project(ctx)
    decisions = group_decisions(db, viewer_for(project, db, reviewer)) if fmt == "csv" else None
    if output is None:
        text, _ = export_to_string(db, fmt, decisions)
        click.echo(text, nl=False)
        return
    n = export_to_path(db, fmt, output, decisions)
    click.echo(f"Wrote {n} records to {output}", err=True)


@cli.command()
@click.argument("directory", required=False, default="review-demo", type=click.Path(path_type=Path))
def demo(directory: Path) -> None:
    """Create a demo review from bundled real data and show it.

    The data are the Wilson disease screening set (Appenzeller-Herzog et al.
    2020, CC-BY 4.0) from the ASReview simulation study.

    \b
    Example:
        review demo && cd review-demo && review status
    """
    from review.demo import run_demo

    run_demo(directory)


def _register() -> None:
    from review.cli_dedup import dedup
    from review.cli_fulltext import attach
    from review.cli_protocol import protocol
    from review.cli_rank import rank
    from review.cli_screening import export_decisions, reviewer_group, unblind
    from review.cli_search import embed, search
    from review.cli_simulate import simulate
    from review.cli_stopping import stopping
    from review.cli_tui import screen, tui

    cli.add_command(embed)
    cli.add_command(search)
    cli.add_command(dedup)
    cli.add_command(attach)
    cli.add_command(tui)
    cli.add_command(screen)
    cli.add_command(simulate)
    cli.add_command(stopping)
    cli.add_command(rank)
    cli.add_command(protocol)
    cli.add_command(reviewer_group)
    cli.add_command(unblind)
    export.add_command(export_decisions)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="review")
