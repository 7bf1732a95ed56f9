"""Attach a folder of PDFs at once: read in parallel, match to studies, attach.

``review attach FOLDER`` walks the folder (and its subfolders) for ``*.pdf``,
extracts each PDF's text and metadata in reader processes
(:mod:`corpus.fulltext_pool`: pypdf is pure Python, so threads would not help,
and a reader stalled by a hostile PDF is killed at the time limit while the
next file goes on), matches it to a study with
:mod:`corpus.fulltext_match`, and attaches the matched ones exactly as
``review attach RECORD FILE`` does (:func:`corpus.fulltext.store`): the PDF
copied content-addressed under ``fulltext/``, its text stored, never images.

Each file is attached in its own transaction, as its result comes back, so
an interrupted run keeps what it attached and a re-run skips it: a PDF whose
content (sha256) is already attached to a study is reported "already
attached" and not matched again. Ambiguous PDFs (several candidate studies)
are never attached; unreadable ones (encrypted, damaged, no text layer,
nothing read within the time limit) are reported one line each and the rest
go on. A PDF cut short by a limit is attached with the text read so far,
flagged, and listed with one line saying which limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import FullTextError
from corpus.fulltext import store
from corpus.fulltext_match import Candidate, Matcher, PdfFacts
from corpus.fulltext_pool import MAX_WORKERS, Limits, PdfRead, limit_note, read_all

__all__ = ["MAX_WORKERS", "BulkReport", "PdfRead", "bulk_attach", "find_pdfs", "read_all"]

Progress = Callable[[int, int], None]


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
class Cut:
    """A PDF whose text a limit cut short (time, pages, characters): what was read is kept."""

    file: str
    limited: str
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
    limited: list[Cut] = field(default_factory=list)
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
            "limited": [
                {"file": c.file, "limit": c.limited, "message": c.message} for c in self.limited
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


def bulk_attach(
    db: Database,
    root: Path,
    folder: Path,
    by: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
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
        limits: Time, page and character limits per PDF (default :class:`Limits`).

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
    limits = limits or Limits()
    if progress is not None:
        progress(0, len(paths))
    for done, read in enumerate(read_all(paths, workers, limits), start=1):
        seen = read.sha256 in attached  # flagged when it was attached, not said again
        _one(db, root, folder, by, dry_run, matcher, attached, read, report)
        note = limit_note(read.limited, read.pages, read.pages_read, limits)
        if note is not None and read.limited is not None and not seen:
            rel = Path(read.path).relative_to(folder).as_posix()
            report.limited.append(Cut(rel, read.limited, note))
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
            stored = store(
                db, root, target.record_id, path, read.sha256, read.text, read.pages, by,
                limited=read.limited,
            )  # fmt: skip
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
