"""``review report all -o DIR``: the report folder a team hands in, all or nothing.

Every file is computed from the review database and written into a staging
folder beside ``DIR`` (:mod:`review.reports.staging`, which also removes the
ones killed runs left); only when all of them are written does the staging
folder take ``DIR``'s place, so a failure never leaves half a report. The
folder and its files are the owner's only (0700, 0600): they hold
confidential screening data. A
part that cannot be made for this reader (blind screening, no extraction
form, nothing included yet) is skipped with the reason in the folder's
``README.md``, never filled with guesses.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO

from protocols.model import STAGES, Stage
from review.core.context import ReviewContext
from review.core.errors import ReviewError, UsageError
from review.core.markdown import code, escape
from review.extraction.eligible import included_studies
from review.reports.methods import methods_markdown
from review.reports.recall_svg import recall_svg
from review.reports.records import write_records
from review.reports.staging import make_private, make_staging, remove_stale
from screening import stopping
from screening.export import write_csv as write_decisions


@dataclass
class Report:
    """The files of a report folder, built in a staging folder.

    Attributes:
        root: The staging folder.
        files: ``(name, what it holds)`` in the order written.
        skipped: ``(part, why)`` for each part that could not be made.
    """

    root: Path
    files: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def text(self, name: str, what: str, content: str) -> None:
        """Write a text file of the report."""
        (self.root / name).write_text(content, encoding="utf-8", newline="")
        self.files.append((name, what))

    def written(self, write: Callable[[TextIO], int]) -> str:
        """Return what a writer of a text stream writes."""
        buffer = io.StringIO(newline="")
        write(buffer)
        return buffer.getvalue()


def _screening_parts(context: ReviewContext, report: Report) -> None:
    db, who = context.db, context.viewer
    report.text(
        "decisions.csv",
        "every screening decision you may see, with reviewer, stage and reason",
        report.written(lambda out: write_decisions(db, who, out)),
    )
    for stage in STAGES:
        if stage not in context.protocol.screening.stages:
            continue
        label = Stage(stage).label
        found = stopping.recall_curve(db, who, stage)
        name = f"recall-{Stage(stage).cli}.svg"
        if found is None:
            report.skipped.append((name, f"{label.lower()} screening is blind to you"))
        elif not found[1]:
            report.skipped.append((name, f"nothing screened at {label.lower()} yet"))
        else:
            report.text(
                name,
                f"recall curve of {label.lower()} screening",
                recall_svg(*found, title=f"Recall curve: {label.lower()} screening"),
            )


def _included_parts(context: ReviewContext, report: Report) -> None:
    ids = included_studies(context.db, context.protocol, context.viewer)
    if ids is None:
        report.skipped.append(("included.ris, included.bib", "full-text screening is blind to you"))
        return
    for name, fmt in (("included.ris", "ris"), ("included.bib", "bibtex")):
        report.text(
            name,
            f"the {len(ids)} included studies, one reference each",
            report.written(partial(write_records, context.db, fmt, studies=ids)),
        )


def _evidence_parts(context: ReviewContext, report: Report) -> None:
    from review.extraction.export import collect, write_evidence

    if not context.protocol.extraction and context.protocol.extraction_settings.checklist is None:
        report.skipped.append(("evidence tables", "the protocol has no extraction form"))
        return
    try:
        evidence = collect(context.db, context.protocol, context.viewer, form=context.form)
    except ReviewError as exc:
        report.skipped.append(("evidence tables", str(exc)))
        return
    for fmt, what in (
        ("xlsx", "evidence table: a sheet per form section, codebook, robvis"),
        ("csv", "evidence table (consensus values), one row per study"),
    ):
        for path in write_evidence(evidence, fmt, report.root / f"evidence.{fmt}"):
            report.files.append((path.name, what if path.stem == "evidence" else "side table"))


def _prisma_parts(
    context: ReviewContext,
    report: Report,
    previous_studies: int | None,
    previous_reports: int | None,
) -> None:
    from review.reports.prisma import collect, render, render_csv

    settings = context.protocol.screening
    counts = collect(
        context.db,
        context.viewer,
        target=settings.stopping_target,
        confidence=settings.stopping_confidence,
        previous_studies=previous_studies,
        previous_reports=previous_reports,
    )
    counts.check()
    data = counts.to_json()
    title = context.protocol.title
    report.text("prisma.svg", "PRISMA 2020 flow diagram (prints on A4)", render(data, "svg", title))
    report.text("prisma.md", "PRISMA 2020 flow as Markdown and Mermaid", render(data, "md", title))
    report.text(
        "prisma.csv",
        "PRISMA 2020 counts in the PRISMA2020 Shiny app's template",
        render_csv(counts),
    )
    report.text(
        "prisma.json",
        "PRISMA 2020 counts (PRISMA2020 data names)",
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
    )


def _gapmap_parts(context: ReviewContext, report: Report) -> None:
    from review.reports.gapmap import collect_gapmap
    from review.reports.gapmap_export import render_csv
    from review.reports.gapmap_html import render_html

    try:
        found = collect_gapmap(
            context.db,
            context.protocol,
            context.viewer,
            rows=None,
            cols=None,
            segment=None,
            filters=[],
            form=context.form,
        )
    except ReviewError as exc:
        why = str(exc).split("; give", 1)[0].removeprefix("--rows: ").removeprefix("--cols: ")
        report.skipped.append(
            ("gap map", f"{why}; make one with review report gapmap --rows FIELD --cols FIELD")
        )
        return
    report.text(
        "gapmap.html",
        "evidence gap map: one offline page, click a cell for its studies",
        render_html(found, f"Evidence gap map: {context.protocol.title}"),
    )
    report.text(
        "gapmap.csv", "gap map in long format (study_id,row,col,segment)", render_csv(found)
    )


#: The parts every report has, in the order written (the PRISMA part takes options).
PARTS: list[Callable[[ReviewContext, Report], None]] = [
    _screening_parts,
    _included_parts,
    _evidence_parts,
    _gapmap_parts,
]


def _index(context: ReviewContext, report: Report) -> str:
    lines = [
        f"# Report: {escape(context.protocol.title)}",
        "",
        f"Made with `review report all` as {escape(context.reviewer)} (protocol version "
        f"{code(context.protocol.version)}). Every figure is computed from the review database.",
        "",
        "| file | what it holds |",
        "|---|---|",
        *(f"| {escape(name)} | {escape(what)} |" for name, what in report.files),
    ]
    if report.skipped:
        lines += ["", "Not included:", ""]
        lines += [f"- {escape(part)}: {escape(why)}" for part, why in report.skipped]
    return "\n".join(lines) + "\n"


def write_report(
    context: ReviewContext,
    folder: Path,
    *,
    force: bool = False,
    previous_studies: int | None = None,
    previous_reports: int | None = None,
) -> Report:
    """Write the report folder (see the module doc) and return what it holds.

    Args:
        force: Replace the report's files in a folder that is not empty
            (other files there are left alone).
        previous_studies: An update: studies of the previous review (PRISMA;
            default: those of earlier rounds).
        previous_reports: An update: their reports.

    Raises:
        UsageError: the folder's parent is missing, or it is not empty and
            ``force`` is not given.
    """
    folder = folder.expanduser()
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{folder}: folder {parent} does not exist; create it first")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; name a folder for the report")
    busy = folder.is_dir() and any(folder.iterdir())
    if busy and not force:
        raise UsageError(
            f"{folder}: folder is not empty; name a new folder or add --force to replace"
            " the report's files in it"
        )
    remove_stale(parent)
    staging = make_staging(parent, folder.name)
    try:
        report = Report(staging)
        _prisma_parts(context, report, previous_studies, previous_reports)
        for part in PARTS:
            part(context, report)
        report.text(
            "methods.md", "methods summary written from the data", methods_markdown(context)
        )
        report.text("README.md", "this index", _index(context, report))
        make_private(staging)
        if not folder.exists():
            os.replace(staging, folder)
        else:
            for name in os.listdir(staging):
                os.replace(staging / name, folder / name)
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.root = folder
    return report
