"""Full-text reports: PDFs copied into the review and reduced to their text.

Only text is ever taken from a PDF (pypdf's text extraction); images are never
decoded, rendered or stored, which matters for reviews of research on abuse.
The PDF itself is copied under ``fulltext/`` with a content-addressed name, so
attaching the same file twice stores it once.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import FullTextError

#: Below this many characters per page a PDF is a scan without a text layer.
MIN_CHARS_PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class Attached:
    """An attached report, for the CLI's message."""

    fulltext_id: int
    record_id: int
    pages: int
    chars: int
    stored_as: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """A PDF's text, page count and document information (title, subject, /doi...)."""

    text: str
    pages: int
    metadata: dict[str, str]


def extract_text(path: Path) -> tuple[str, int]:
    """Return ``(text, pages)`` of a PDF.

    Raises:
        FullTextError: not a PDF, damaged, encrypted with a password, or
            without a text layer (a scan): each with what to do.
    """
    done = extract(path)
    return done.text, done.pages


def _metadata(reader: Any) -> dict[str, str]:
    """The document information dictionary as plain strings (``/Title`` -> ``title``)."""
    info = reader.metadata
    if not info:
        return {}
    out: dict[str, str] = {}
    for key, value in info.items():
        if isinstance(value, (str, bytes)) and value:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            out[str(key).lstrip("/").lower()] = text
    return out


def extract(path: Path) -> Extracted:
    """Return a PDF's text, page count and metadata (see :func:`extract_text`).

    Raises:
        FullTextError: as :func:`extract_text`.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError  # PyPdfError covers DependencyError

    name = str(path)
    try:
        with path.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise FullTextError(f"{name}: not a PDF file; attach the report as a PDF")
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except (PyPdfError, NotImplementedError) as exc:
                raise FullTextError(
                    f"{name}: encrypted PDF that cannot be opened ({exc}); save an unprotected copy"
                ) from None
            if not unlocked:
                raise FullTextError(
                    f"{name}: the PDF is protected by a password; save an unprotected copy"
                )
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = _metadata(reader)
    except FullTextError:
        raise
    except OSError as exc:
        raise FullTextError(f"{name}: cannot read file: {exc.strerror}") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FullTextError(
            f"{name}: damaged PDF ({type(exc).__name__}: {exc}); download the report again"
        ) from None
    text = "\n\f\n".join(p.strip() for p in pages).strip()
    if len(text.replace("\f", "").strip()) < MIN_CHARS_PER_PAGE * max(1, len(pages)) / 4:
        raise FullTextError(
            f"{name}: the PDF has no text layer (a scanned image?); run OCR on it first"
        )
    return Extracted(text, len(pages), metadata)


def attach(db: Database, root: Path, record_id: int, pdf: Path, by: str) -> Attached:
    """Copy a PDF into the review, extract its text and link it to a record.

    Raises:
        FullTextError: unknown record or a PDF that gives no text; nothing is stored.
    """
    if not corpus_db.records_full(db, [record_id]):
        raise FullTextError(f"no record {record_id} in this review")
    text, pages = extract_text(pdf)
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    return store(db, root, record_id, pdf, digest, text, pages, by)


def store(
    db: Database, root: Path, record_id: int, pdf: Path, digest: str, text: str, pages: int, by: str
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
    fid = corpus_db.add_fulltext(db, record_id, digest, pdf.name, rel, pages, text, by, at)
    return Attached(fid, record_id, pages, len(text), rel)
