"""``review attach``: add full-text reports (PDFs) to records, one or a folder at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.options import context, json_option, reviewer_option

if TYPE_CHECKING:
    from corpus.fulltext_bulk import BulkReport

AMBIGUOUS_HINT = "choose the study and attach it with review attach RECORD FILE"


@click.command()
@click.argument("record")
@click.argument("pdf", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="With a folder: match and report, attach nothing.")
@json_option
@reviewer_option
@click.pass_context
def attach(
    ctx: click.Context,
    record: str,
    pdf: Path | None,
    dry_run: bool,
    as_json: bool,
    reviewer: str | None,
) -> None:
    """Attach a full-text PDF to a record, or a folder of PDFs to their studies.

    RECORD FILE attaches one PDF to a record (by id or source id). A single
    FOLDER attaches every PDF under it (subfolders too), each matched to its
    study by DOI (metadata, first pages), then title, then file name (DOI,
    PMID, Author_2019). PDFs that fit several studies are listed, never
    attached. Only text is kept: the PDF is copied into the review's
    fulltext/ folder and its text (never its images) extracted with pypdf.

    \b
    Examples:
        review attach 42 ~/Downloads/whittle2013.pdf
        review attach ~/Downloads/fulltexts --dry-run
        review attach ~/Downloads/fulltexts --json
    """
    from corpus.db import record_ids_of
    from corpus.errors import FullTextError
    from corpus.fulltext import attach as attach_pdf

    if pdf is None:
        folder = Path(record)
        if not folder.is_dir():
            raise FullTextError(
                f"{record}: not a folder; attach one PDF with review attach RECORD FILE.pdf"
            )
        _bulk(ctx, folder, dry_run, as_json, reviewer)
        return
    if dry_run:
        raise click.UsageError("--dry-run is for a folder: review attach FOLDER --dry-run")
    review = context(ctx, reviewer)
    project, db = review.project, review.db
    ids = record_ids_of(db, [record])
    if not ids:
        raise FullTextError(f"no record {record!r} in this review; see review export records")
    done = attach_pdf(db, project.root, ids[0], pdf, review.reviewer)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": str(pdf),
                    "record": done.record_id,
                    "fulltext_id": done.fulltext_id,
                    "pages": done.pages,
                    "chars": done.chars,
                    "stored_as": done.stored_as,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"Attached {pdf.name} to record {done.record_id}: {done.pages} pages, "
        f"{done.chars} characters of text ({done.stored_as})"
    )


def _bulk(
    ctx: click.Context, folder: Path, dry_run: bool, as_json: bool, reviewer: str | None
) -> None:
    from corpus.fulltext_bulk import bulk_attach
    from review.cli.options import progress_bar

    review = context(ctx, reviewer)
    with progress_bar("Reading PDFs") as bar:
        report = bulk_attach(
            review.db, review.project.root, folder, review.reviewer, dry_run=dry_run, progress=bar
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(render(report))


def render(report: BulkReport) -> str:
    """The bulk report as text: counts, then one line per file that needs a person."""
    verb = "Would attach" if report.dry_run else "Attached"
    files = "PDF" if report.files == 1 else "PDFs"
    lines = [
        f"{verb} {len(report.matched)} of {report.files} {files} in {report.folder} "
        f"({report.seconds:.1f} s)"
    ]
    hows: dict[str, int] = {}
    for m in report.matched:
        rule = m.how.split(" (", 1)[0]
        rule = "title" if rule.startswith("title") else rule
        hows[rule] = hows.get(rule, 0) + 1
    detail = ", ".join(f"{rule} {n}" for rule, n in sorted(hows.items(), key=lambda x: -x[1]))
    lines.append(f"  matched: {len(report.matched)}" + (f" ({detail})" if detail else ""))
    lines.append(f"  already attached: {len(report.already)}")
    lines.append(f"  ambiguous: {len(report.ambiguous)}")
    for a in report.ambiguous:
        options = "; ".join(
            f"record {c.record_id} (study {c.group_id}) {_short(c.title)}" for c in a.candidates
        )
        lines.append(f"    {a.file}: {options}")
    lines.append(f"  unmatched: {len(report.unmatched)}")
    lines.extend(f"    {name}" for name in report.unmatched)
    lines.append(f"  failed: {len(report.failed)}")
    lines.extend(f"    {f.file}: {f.message}" for f in report.failed)
    if report.ambiguous:
        lines.append(f"Ambiguous PDFs were not attached: {AMBIGUOUS_HINT}.")
    if report.unmatched:
        lines.append("Unmatched PDFs: attach each with review attach RECORD FILE.")
    if report.dry_run:
        lines.append("Dry run: nothing was attached.")
    return "\n".join(lines)


def _short(title: str | None, width: int = 60) -> str:
    if not title:
        return "(no title)"
    return f'"{title}"' if len(title) <= width else f'"{title[: width - 1]}…"'
