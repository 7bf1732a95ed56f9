"""The state behind the Sources screen: what was imported, and the jobs that bring papers in.

No UI here. The screen lists :func:`source_rows`, shows :func:`preview` of a
picked file before importing it, and queues :func:`import_files`,
:func:`attach_folder` and :func:`attach_one` on the app's one write queue;
each job opens its own connection, reports progress through a
:class:`ProgressState` the screen polls, and answers a :class:`JobResult`
(one line per problem file, as the CLI prints them). ``review import``
calls :func:`import_files` too, printing each file as ``on_file`` hears of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import AlreadyImportedError, FullTextError, ImportFormatError
from corpus.formats import detect
from corpus.fulltext import attach
from corpus.fulltext_bulk import BulkReport, bulk_attach, missing_fulltext
from corpus.importer import ImportResult, import_file, read_bytes
from corpus.provenance import detect_database
from corpus.textio import decode
from review.core.project import Project
from review.core.review import Review
from review.session import db as session_db
from screening.blind import Viewer, full_text_open

#: The columns of the sources table, in order.
COLUMNS = (
    "Database", "Method", "File / library", "Searched", "Query", "Records", "Flagged", "Round",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One source as the Sources screen lists it (no import time: it is not shown)."""

    id: int
    database: str
    method: str
    file_name: str
    format: str
    search_date: str
    query: str
    records: int
    flagged: int
    round: int = 1

    def cells(self) -> tuple[str, ...]:
        """The row's cells, in :data:`COLUMNS` order."""
        return (
            self.database,
            self.method,
            self.file_name,
            self.search_date or "—",
            self.query or "—",
            str(self.records),
            str(self.flagged),
            str(self.round),
        )


def source_rows(db: Database) -> list[SourceRow]:
    """Every source, oldest first."""
    return [
        SourceRow(
            int(s["id"]),
            str(s.get("database") or "unknown"),
            str(s.get("method") or "database"),
            str(s.get("file_name") or ""),
            str(s.get("format") or ""),
            str(s.get("search_date") or ""),
            str(s.get("query") or ""),
            int(s.get("record_count") or 0),
            int(s.get("flagged_count") or 0),
            int(s.get("round") or 1),
        )
        for s in corpus_db.sources(db)
    ]


def preview(path: Path) -> str:
    """Say what a file would import as: ``"RIS export from PubMed"``, read only.

    Raises:
        ImportFormatError: a file that cannot be imported (one line: path and reason).
    """
    if path.is_dir():
        raise ImportFormatError(str(path), "is a folder; pick an export file")
    text = decode(read_bytes(path), str(path))
    fmt = detect(text, str(path))
    database = detect_database(fmt, text)
    return f"{fmt.upper()} export" + (f" from {database}" if database else "")


class ProgressState:
    """Progress of a running job, written by its worker thread, read by the screen's timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.label = ""
        self.done = 0
        self.total: int | None = None

    def callback(self, label: str) -> Callable[[int, int], None]:
        """A ``progress(done, total)`` callback that reports under ``label``."""

        def update(done: int, total: int) -> None:
            with self._lock:
                self.label, self.done, self.total = label, done, total

        return update

    def read(self) -> tuple[str, int, int | None]:
        """The label, the work done and the total (None: not known yet)."""
        with self._lock:
            return self.label, self.done, self.total


@dataclass(slots=True)
class JobResult:
    """What a job of the Sources screen did (a write-queue result).

    Attributes:
        ok: Whether anything was written (a run with no success is not ok).
        message: One sentence for a notification.
        lines: One line per file or problem, shown on the screen.
        kind: What ran: ``import``, ``zotero``, ``folder`` or ``attach``.
        group_id: The study an ``attach`` job was for.
    """

    ok: bool
    message: str
    lines: list[str] = field(default_factory=list)
    kind: str = ""
    group_id: int | None = None
    warning: str = ""


@dataclass(frozen=True, slots=True)
class FileImported:
    """One file's outcome in :func:`import_files`: its result, or why it imported nothing."""

    path: Path
    result: ImportResult | None = None
    error: str = ""


def import_files(
    project: Project,
    paths: Sequence[Path],
    *,
    database: str | None = None,
    search_date: str | None = None,
    query: str | None = None,
    method: str = "database",
    force: bool = False,
    state: ProgressState | None = None,
    on_file: Callable[[FileImported], None] | None = None,
) -> JobResult:
    """Import export files as ``review import`` does: each file all or nothing.

    Args:
        project: The review.
        paths: The export files, imported in order, each in its own transaction.
        database: The database searched (None: told from the file).
        search_date: When the search ran (None: the update round's date, if any).
        query: The search query, for PRISMA.
        method: How the records were found (``database``, ``citation``...).
        force: Import a file even if it was imported before.
        state: Where the progress goes (the screen polls it).
        on_file: Told of each file as soon as it is done (the CLI prints it).

    Returns:
        One line per file, and whether any file imported. The search indexes
        are not refreshed here (the caller does).
    """
    state = state or ProgressState()
    step = state.callback("Importing")
    lines: list[str] = []
    imported = 0
    with project.connect() as db:
        stopped = stopped_before(project, db)
        for done, path in enumerate(paths):
            step(done, len(paths))
            try:
                res = import_file(
                    db,
                    path,
                    database=database,
                    search_date=search_date,
                    query=query,
                    force=force,
                    method=method,
                )
            except (ImportFormatError, AlreadyImportedError) as exc:
                lines.append(f"error: {exc}")
                if on_file is not None:
                    on_file(FileImported(path, error=str(exc)))
                continue
            imported += 1
            lines.append(f"{path.name}: {imported_line(res)}")
            if on_file is not None:
                on_file(FileImported(path, res))
        step(len(paths), len(paths))
        warning = reopened_warning(project, db, stopped) if imported else None
    failed = len(paths) - imported
    if not imported:
        return JobResult(False, lines[0] if lines else "Nothing to import.", lines, "import")
    message = f"Imported {imported} of {len(paths)} files"
    message += f"; {failed} failed" if failed else ""
    if warning:
        lines.append(warning)
    return JobResult(True, message, lines, "import", warning=warning or "")


def stopped_before(project: Project, db: Database) -> int | None:
    """Title/abstract studies of the newest round if its stopping was justified, else None.

    Read before an import: new records added to that round make the stopping
    sentence false (:func:`reopened_warning`). None too while the figures are
    hidden (blind) or cannot be computed; the import goes ahead regardless.
    """
    from review.core.errors import USER_ERRORS
    from screening.errors import ScreeningError
    from screening.stages import TITLE_ABSTRACT
    from screening.stopping import assess_stage, visible

    try:
        review = Review.open(project)
        who = review.viewer(db)
        if not visible(db, who, TITLE_ABSTRACT):
            return None
        settings = review.protocol.screening
        report = assess_stage(
            db, who, TITLE_ABSTRACT, settings.stopping_target, settings.stopping_confidence
        )
    except (*USER_ERRORS, ScreeningError):  # type: ignore[misc]
        return None
    return report.records if report is not None and report.stop_justified else None


def reopened_warning(project: Project, db: Database, before: int | None) -> str | None:
    """One line when an import reopened a round whose stopping was justified (issue 20).

    It warns, never refuses: the records are in, and the way out is an update round.
    """
    if before is None:
        return None
    from screening import db as sdb
    from screening.rounds import scope

    studies = scope(db, None).studies
    now = len(sdb.study_ids(db)) if studies is None else len(studies)
    added = now - before
    if added <= 0:
        return None
    records = "record reopens" if added == 1 else "records reopen"
    return (
        "warning: screening of this round was already justified to stop; the "
        f"{added:,} new {records} it (the stopping sentence no longer holds) - start an "
        "update round for new records: review update start"
    )


def imported_line(res: ImportResult) -> str:
    """What one file imported: ``"120 records from PubMed [ris] (3 lack ...)"``."""
    flagged = f" ({res.flagged} lack a title or abstract)" if res.flagged else ""
    return f"{res.records} records from {res.database} [{res.format}]{flagged}"


def bulk_lines(report: BulkReport) -> list[str]:
    """The bulk report: counts, then one line per file that needs a person."""
    lines = [
        f"Attached {len(report.matched)} of {report.files} PDFs in {report.folder}",
        f"matched {len(report.matched)} · already attached {len(report.already)} · "
        f"ambiguous {len(report.ambiguous)} · unmatched {len(report.unmatched)} · "
        f"failed {len(report.failed)}",
    ]
    for a in report.ambiguous:
        studies = ", ".join(f"study {c.group_id}" for c in a.candidates)
        lines.append(f"ambiguous: {a.file}: {studies}")
    lines.extend(f"unmatched: {name}" for name in report.unmatched)
    lines.extend(f"failed: {f.file}: {f.message}" for f in report.failed)
    lines.extend(f"cut short: {c.file}: {c.message}" for c in report.limited)
    return lines


def attach_folder(review: Review, folder: Path, state: ProgressState | None = None) -> JobResult:
    """Attach a folder of PDFs as ``review attach FOLDER`` does, as the acting reviewer."""
    state = state or ProgressState()
    root, reviewer = review.project.root, review.reviewer
    try:
        with review.connect() as db:
            progress = state.callback("Reading PDFs")
            report = bulk_attach(db, root, folder, reviewer, progress=progress)
    except FullTextError as exc:
        return JobResult(False, str(exc), [str(exc)], "folder")
    lines = bulk_lines(report)
    return JobResult(bool(report.matched), lines[0], lines, "folder")


def attach_one(review: Review, group_id: int, path: Path) -> JobResult:
    """Attach one PDF to a study's first record, as ``review attach RECORD FILE`` does."""
    with review.connect() as db:
        ids = session_db.group_record_ids(db, group_id)
        if not ids:
            return JobResult(False, f"no study {group_id}", kind="attach", group_id=group_id)
        try:
            done = attach(db, review.project.root, ids[0], path.expanduser(), review.reviewer)
        except FullTextError as exc:
            return JobResult(False, str(exc), kind="attach", group_id=group_id)
        except OSError as exc:
            message = f"{path}: cannot read file: {exc.strerror}"
            return JobResult(False, message, kind="attach", group_id=group_id)
    message = f"Attached {path.name} to record {done.record_id}: {done.pages} pages"
    if done.note:
        message += f"; {done.note}"
    return JobResult(True, message, kind="attach", group_id=group_id)


def without_fulltext(db: Database, who: Viewer) -> int | None:
    """How many studies at full text have no report attached (None: stage closed)."""
    tallies = full_text_open(db, who)
    if tallies is None:
        return None
    return len(missing_fulltext(db, tallies.passed_groups()))


def describe_sync(row: dict[str, Any]) -> str:
    """One earlier Zotero sync, for the re-sync list."""
    parts = [str(row["library"])]
    if row.get("collection_name") or row.get("collection"):
        parts.append(f"collection {row.get('collection_name') or row['collection']}")
    if row.get("tag"):
        parts.append(f"tag {row['tag']}")
    return " · ".join(parts) + f" (v{row['library_version']})"
