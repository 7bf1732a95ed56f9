"""``review attach``: add full-text reports (PDFs) to records, one or a folder at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from review.cli.options import context, json_option, reviewer_option

if TYPE_CHECKING:
    from corpus.fulltext_bulk import BulkReport
    from corpus.fulltext_pool import Limits

AMBIGUOUS_HINT = "choose the study and attach it with review attach RECORD FILE"

F = TypeVar("F", bound=Callable[..., Any])


def limit_options(command: F) -> F:
    """``--time-limit``, ``--max-pages``, ``--max-chars``: how much of each PDF is read.

    Defaults are those of :class:`corpus.fulltext_pool.Limits`, written out
    here so that ``--help`` stays free of the corpus import.
    """
    options = [
        click.option("--time-limit", type=click.FloatRange(min=0.1), default=30.0,
                     show_default=True, metavar="SECONDS",
                     help="Stop reading a PDF after this long; its text so far is kept."),
        click.option("--max-pages", type=click.IntRange(min=1), default=2000, metavar="N",
                     show_default=True, help="Read at most this many pages of a PDF."),
        click.option("--max-chars", type=click.IntRange(min=1), default=2_000_000, metavar="N",
                     show_default=True, help="Keep at most this many characters of a PDF's text."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _limits(time_limit: float, max_pages: int, max_chars: int) -> Limits:
    from corpus.fulltext_pool import Limits

    return Limits(time_limit, max_pages, max_chars)


@click.command()
@click.argument("record")
@click.argument("pdf", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="With a folder: match and report, attach nothing.")
@limit_options
@json_option
@reviewer_option
@click.pass_context
def attach(
    ctx: click.Context,
    record: str,
    pdf: Path | None,
    dry_run: bool,
    time_limit: float,
    max_pages: int,
    max_chars: int,
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

    Each PDF is read in a separate process with a time, page and character
    limit; past one, the text read so far is kept, flagged and reported.

    \b
    Examples:
        review attach 42 ~/Downloads/whittle2013.pdf
        review attach ~/Downloads/fulltexts --dry-run
        review attach ~/Downloads/fulltexts --json
        review attach 42 huge-report.pdf --time-limit 120 --max-pages 5000
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
        limits = _limits(time_limit, max_pages, max_chars)
        _bulk(ctx, folder, dry_run, as_json, reviewer, limits)
        return
    if dry_run:
        raise click.UsageError("--dry-run is for a folder: review attach FOLDER --dry-run")
    review = context(ctx, reviewer)
    project, db = review.project, review.db
    ids = record_ids_of(db, [record])
    if not ids:
        raise FullTextError(f"no record {record!r} in this review; see review export records")
    limits = _limits(time_limit, max_pages, max_chars)
    done = attach_pdf(db, project.root, ids[0], pdf, review.reviewer, limits)
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
                    "limited": done.limited,
                    "note": done.note,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"Attached {pdf.name} to record {done.record_id}: {done.pages} pages, "
        f"{done.chars} characters of text ({done.stored_as})"
    )
    if done.note:
        click.echo(f"{pdf.name}: {done.note}")


def _bulk(
    ctx: click.Context,
    folder: Path,
    dry_run: bool,
    as_json: bool,
    reviewer: str | None,
    limits: Limits,
) -> None:
    from corpus.fulltext_bulk import bulk_attach
    from review.cli.options import progress_bar

    review = context(ctx, reviewer)
    with progress_bar("Reading PDFs") as bar:
        report = bulk_attach(
            review.db,
            review.project.root,
            folder,
            review.reviewer,
            dry_run=dry_run,
            progress=bar,
            limits=limits,
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
    if report.limited:
        lines.append(f"  cut short: {len(report.limited)}")
        lines.extend(f"    {c.file}: {c.message}" for c in report.limited)
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
