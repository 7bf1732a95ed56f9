"""Full-text reports: PDFs copied into the review and reduced to their text.

Only text is ever taken from a PDF (pypdf's text extraction); images are never
decoded, rendered or stored, which matters for reviews of research on abuse.
The PDF itself is copied under ``fulltext/`` with a content-addressed name, so
attaching the same file twice stores it once. The text is read in a reader
process with a time, page and character limit (:mod:`corpus.fulltext_pool`),
because a PDF is untrusted input that can stall pypdf for minutes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import FullTextError
from corpus.fulltext_pool import MIN_CHARS_PER_PAGE, Limits, limit_note, read_one

__all__ = ["MIN_CHARS_PER_PAGE", "Attached", "Extracted", "Limits", "attach", "extract", "store"]


@dataclass(frozen=True, slots=True)
class Attached:
    """An attached report, for the CLI's message; ``note`` says if a limit cut it short."""

    fulltext_id: int
    record_id: int
    pages: int
    chars: int
    stored_as: str
    limited: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """A PDF's text, page count and document information (title, subject, /doi...).

    ``limited`` names the limit that cut the text short (``time``, ``pages``,
    ``characters``); ``pages_read`` is how many pages' text was kept.
    """

    text: str
    pages: int
    metadata: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    limited: str | None = None
    pages_read: int = 0


def extract(path: Path, limits: Limits | None = None) -> Extracted:
    """Read a PDF's text, page count and metadata in a reader process, within ``limits``.

    Raises:
        FullTextError: not a PDF, damaged, protected by a password, without a
            text layer (a scan), or nothing read within the time limit: each
            with what to do.
    """
    read = read_one(path, limits)
    if read.error is not None:
        raise FullTextError(read.error)
    return Extracted(
        read.text, read.pages, dict(read.metadata), read.sha256, read.limited, read.pages_read
    )


def attach(
    db: Database, root: Path, record_id: int, pdf: Path, by: str, limits: Limits | None = None
) -> Attached:
    """Copy a PDF into the review, extract its text and link it to a record.

    Past a limit the text read so far is stored, flagged, and the result's
    ``note`` says so.

    Raises:
        FullTextError: unknown record or a PDF that gives no text; nothing is stored.
    """
    if not corpus_db.records_full(db, [record_id]):
        raise FullTextError(f"no record {record_id} in this review")
    limits = limits or Limits()
    done = extract(pdf, limits)
    note = limit_note(done.limited, done.pages, done.pages_read, limits)
    stored = store(
        db, root, record_id, pdf, done.sha256, done.text, done.pages, by, limited=done.limited
    )
    return Attached(
        stored.fulltext_id, record_id, stored.pages, stored.chars, stored.stored_as,
        done.limited, note,
    )  # fmt: skip


def store(
    db: Database,
    root: Path,
    record_id: int,
    pdf: Path,
    digest: str,
    text: str,
    pages: int,
    by: str,
    limited: str | None = None,
) -> Attached:
    """Copy an already read PDF under ``fulltext/`` (content-addressed) and store its text."""
    folder = root / "fulltext"
    folder.mkdir(exist_ok=True)
    stored = folder / f"{digest[:32]}.pdf"
    if not stored.exists():
        tmp = stored.with_suffix(".part")
        shutil.copyfile(pdf, tmp)
        tmp.replace(stored)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    rel = str(stored.relative_to(root))
    fid = corpus_db.add_fulltext(
        db, record_id, digest, pdf.name, rel, pages, text, by, at, limited=limited
    )
    return Attached(fid, record_id, pages, len(text), rel, limited)
