"""``review attach``: add a full-text report (PDF) to a record."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.options import context, reviewer_option


@click.command()
@click.argument("record")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@reviewer_option
@click.pass_context
def attach(ctx: click.Context, record: str, pdf: Path, reviewer: str | None) -> None:
    """Attach a full-text PDF to a record (by id or source id); only its text is kept.

    The PDF is copied into the review's fulltext/ folder; its text (never its
    images) is extracted with pypdf for the full-text screening screen.

    \b
    Example:
        review attach 42 ~/Downloads/whittle2013.pdf
    """
    from corpus.db import record_ids_of
    from corpus.errors import FullTextError
    from corpus.fulltext import attach as attach_pdf
    review = context(ctx, reviewer)
    project, db = review.project, review.db
    ids = record_ids_of(db, [record])
    if not ids:
        raise FullTextError(f"no record {record!r} in this review; see review export records")
    done = attach_pdf(db, project.root, ids[0], pdf, review.reviewer)
    click.echo(
        f"Attached {pdf.name} to record {done.record_id}: {done.pages} pages, "
        f"{done.chars} characters of text ({done.stored_as})"
    )
