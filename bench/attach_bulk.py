"""Bulk attach throughput: ``review attach FOLDER`` on N generated PDFs.

Usage: python bench/attach_bulk.py [--pdfs 500] [--workers N] [--pages 2] [--dry-run]

Builds a review of N records (imported from a generated RIS with titles,
DOIs, first authors and years) and a folder of N real PDFs made with
reportlab, a mix of what a downloads folder holds: the DOI on page 1, the
DOI in the metadata, only the title, only a DOI or Author_Year in the file
name, a few that fit two studies, a few unrelated and a few without a text
layer. Times :func:`corpus.fulltext_bulk.bulk_attach` (reading in worker
processes, matching, copying, storing) and prints::

    attach 500 PDFs: X s (Y PDFs/s), matched a, ambiguous b, unmatched c
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlite_utils import Database  # noqa: E402

from corpus.fulltext_bulk import bulk_attach  # noqa: E402
from tests.attach_support import generated, pdf, ris, textless  # noqa: E402

FILLER = (
    "Participants were recruited through schools and youth services. Interviews were "
    "transcribed and coded by two researchers; disagreements were resolved by discussion."
)


def build(folder: Path, count: int, pages: int) -> Path:
    """Create the review and the PDFs; return the review's folder."""
    from click.testing import CliRunner

    from review.cli.root import cli

    records, pdfs = generated(count)
    project = folder / "rev"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(project)]).exit_code == 0
    (folder / "s.ris").write_text(ris(records), encoding="utf-8")
    done = runner.invoke(
        cli, ["--project", str(project), "import", "--no-embed", str(folder / "s.ris")]
    )
    assert done.exit_code == 0, done.output
    pdf_dir = folder / "pdfs"
    for i, (name, lines, subject, kind) in enumerate(pdfs):
        target = pdf_dir / f"batch{i % 10}" / name
        if kind == "failed":
            target.parent.mkdir(parents=True, exist_ok=True)
            textless(target)
        else:
            body = lines + [FILLER[j : j + 90] for j in range(0, len(FILLER), 90)] * 6
            pdf(target, body, subject=subject, pages=pages)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--pages", type=int, default=2, help="pages per generated PDF")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        project = build(folder, args.pdfs, args.pages)
        print(
            f"built review and {args.pdfs} PDFs in {time.perf_counter() - t:.1f} s", file=sys.stderr
        )
        db = Database(project / "review.db")
        workers = args.workers or min(os.cpu_count() or 1, 8)
        t = time.perf_counter()
        report = bulk_attach(
            db, project, folder / "pdfs", "bench", dry_run=args.dry_run, workers=workers
        )
        seconds = time.perf_counter() - t
        db.close()
    print(
        f"attach {report.files} PDFs: {seconds:.2f} s ({report.files / seconds:.0f} PDFs/s), "
        f"matched {len(report.matched)}, ambiguous {len(report.ambiguous)}, "
        f"unmatched {len(report.unmatched)} (failed {len(report.failed)}; {workers} workers, "
        f"{os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
