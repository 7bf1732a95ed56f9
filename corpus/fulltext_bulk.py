"""Attach a folder of PDFs at once: read in parallel, match to studies, attach.

``review attach FOLDER`` walks the folder (and its subfolders) for ``*.pdf``,
extracts each PDF's text and metadata in worker processes (pypdf is pure
Python, so threads would not help), matches it to a study with
:mod:`corpus.fulltext_match`, and attaches the matched ones exactly as
``review attach RECORD FILE`` does (:func:`corpus.fulltext.store`): the PDF
copied content-addressed under ``fulltext/``, its text stored, never images.

Each file is attached in its own transaction, as its result comes back, so
an interrupted run keeps what it attached and a re-run skips it: a PDF whose
content (sha256) is already attached to a study is reported "already
attached" and not matched again. Ambiguous PDFs (several candidate studies)
are never attached; unreadable ones (encrypted, damaged, no text layer) are
reported one line each and the rest go on.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import FullTextError
from corpus.fulltext import extract, store
from corpus.fulltext_match import Candidate, Matcher, PdfFacts

#: Most worker processes used to read PDFs.
MAX_WORKERS = 8
#: Folders with fewer PDFs than this are read in this process (no pool to start).
SMALL_FOLDER = 6

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class PdfRead:
    """One PDF as a worker read it: text and metadata, or the one-line reason it failed."""

    path: str
    sha256: str = ""
    text: str = ""
    pages: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A PDF matched to a study (attached unless the run was a dry run)."""

    file: str
    group_id: int
    record_id: int
    how: str
    pages: int
    fulltext_id: int | None = None


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A PDF that may be the full text of several studies; a person chooses."""

    file: str
    how: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Failure:
    """A PDF that could not be read (encrypted, damaged, no text layer...)."""

    file: str
    message: str


@dataclass(frozen=True, slots=True)
class Already:
    """A PDF whose content is already attached to a study."""

    file: str
    group_id: int
    record_id: int


@dataclass(slots=True)
class BulkReport:
    """What ``review attach FOLDER`` did, file by file."""

    folder: str
    dry_run: bool
    files: int = 0
    matched: list[Attachment] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    already: list[Already] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "folder": self.folder,
            "dry_run": self.dry_run,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "counts": {
                "matched": len(self.matched),
                "ambiguous": len(self.ambiguous),
                "unmatched": len(self.unmatched),
                "failed": len(self.failed),
                "already_attached": len(self.already),
            },
            "matched": [
                {
                    "file": m.file,
                    "study": m.group_id,
                    "record": m.record_id,
                    "how": m.how,
                    "pages": m.pages,
                    "fulltext_id": m.fulltext_id,
                }
                for m in self.matched
            ],
            "ambiguous": [
                {
                    "file": a.file,
                    "how": a.how,
                    "candidates": [
                        {"study": c.group_id, "record": c.record_id, "title": c.title}
                        for c in a.candidates
                    ],
                }
                for a in self.ambiguous
            ],
            "unmatched": list(self.unmatched),
            "failed": [{"file": f.file, "message": f.message} for f in self.failed],
            "already_attached": [
                {"file": a.file, "study": a.group_id, "record": a.record_id} for a in self.already
            ],
        }


def find_pdfs(folder: Path, skip: Path | None = None) -> list[Path]:
    """Every ``*.pdf`` (any case) under ``folder``, sorted; none under ``skip``."""
    skipped = skip.resolve() if skip is not None else None
    found = []
    for path in folder.rglob("*"):
        if path.suffix.lower() != ".pdf" or not path.is_file():
            continue
        if skipped is not None and path.resolve().is_relative_to(skipped):
            continue
        found.append(path)
    return sorted(found)


def read_pdf(path: str) -> PdfRead:
    """Read one PDF (a top-level function, so worker processes can run it)."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "EOF marker not found" x 1000
    file = Path(path)
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        done = extract(file)
    except FullTextError as exc:
        return PdfRead(path, error=str(exc))
    except OSError as exc:
        return PdfRead(path, error=f"{path}: cannot read file: {exc.strerror}")
    except Exception as exc:  # noqa: BLE001 - pypdf on a broken file: report it, go on
        return PdfRead(path, error=f"{path}: damaged PDF ({type(exc).__name__}); download it again")
    return PdfRead(path, digest, done.text, done.pages, dict(done.metadata))


def read_all(paths: Sequence[Path], workers: int | None = None) -> Iterator[PdfRead]:
    """Read ``paths`` in worker processes, yielding results in order."""
    names = [str(p) for p in paths]
    count = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if count <= 1 or len(names) < SMALL_FOLDER:
        yield from map(read_pdf, names)
        return
    count = min(count, len(names))
    chunk = max(1, min(16, len(names) // (count * 4)))
    # "spawn", not Linux's default fork: the terminal UI calls this from a
    # worker thread, and forking a multithreaded process can deadlock.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=spawn) as pool:
        yield from pool.map(read_pdf, names, chunksize=chunk)


def bulk_attach(
    db: Database,
    root: Path,
    folder: Path,
    by: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BulkReport:
    """Match every PDF under ``folder`` to a study and attach the matched ones.

    Args:
        db: The review's database.
        root: The review's folder (PDFs are copied under ``root/fulltext``).
        folder: Where the PDFs are (searched recursively).
        by: The reviewer recorded as having attached them.
        dry_run: Match and report, attach nothing.
        progress: Called as ``progress(done, total)`` after each file.
        workers: Processes reading PDFs (default: CPU count, at most 8).

    Raises:
        FullTextError: ``folder`` is not a folder.
    """
    if not folder.is_dir():
        raise FullTextError(f"{folder}: not a folder")
    started = time.perf_counter()
    paths = find_pdfs(folder, skip=root / "fulltext")
    report = BulkReport(str(folder), dry_run, files=len(paths))
    matcher = Matcher.from_rows(corpus_db.match_candidates(db))
    attached = corpus_db.attached_hashes(db)
    if progress is not None:
        progress(0, len(paths))
    for done, read in enumerate(read_all(paths, workers), start=1):
        _one(db, root, folder, by, dry_run, matcher, attached, read, report)
        if progress is not None:
            progress(done, len(paths))
    report.seconds = time.perf_counter() - started
    return report


def _one(
    db: Database,
    root: Path,
    folder: Path,
    by: str,
    dry_run: bool,
    matcher: Matcher,
    attached: dict[str, list[tuple[int, int]]],
    read: PdfRead,
    report: BulkReport,
) -> None:
    path = Path(read.path)
    rel = path.relative_to(folder).as_posix()
    if read.error is not None:
        report.failed.append(Failure(rel, _reason(read.error, read.path)))
        return
    if read.sha256 in attached:
        group, record = attached[read.sha256][0]
        report.already.append(Already(rel, group, record))
        return
    found = matcher.match(PdfFacts.of(path.name, read.text, read.metadata))
    if found.status == "unmatched":
        report.unmatched.append(rel)
        return
    if found.status == "ambiguous":
        report.ambiguous.append(Ambiguity(rel, found.how, found.candidates))
        return
    target = found.candidates[0]
    fid = None
    if not dry_run:
        try:
            stored = store(db, root, target.record_id, path, read.sha256, read.text, read.pages, by)
        except OSError as exc:
            report.failed.append(Failure(rel, f"cannot copy into the review: {exc.strerror}"))
            return
        fid = stored.fulltext_id
    attached.setdefault(read.sha256, []).append((target.group_id, target.record_id))
    report.matched.append(
        Attachment(rel, target.group_id, target.record_id, found.how, read.pages, fid)
    )


def _reason(message: str, path: str) -> str:
    """The reason of a :class:`FullTextError` message, without its leading path."""
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def missing_fulltext(db: Database, group_ids: Sequence[int]) -> set[int]:
    """Return those of ``group_ids`` (studies) with no full text attached to any record."""
    wanted = {int(g) for g in group_ids}
    return wanted - corpus_db.groups_with_fulltext(db, list(wanted))
