"""Importing one export file into a review: read, detect, parse, store.

The whole file is parsed before anything is written, and the write is one
transaction, so a bad file leaves the review exactly as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import AlreadyImportedError, ImportFormatError
from corpus.formats import detect, parser_for
from corpus.model import Record
from corpus.provenance import detect_database
from corpus.textio import decode


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did, for the CLI's report."""

    source_ref: int
    file_name: str
    database: str
    format: str
    records: int
    flagged: int


def read_bytes(path: Path) -> bytes:
    """Read a file, turning OS errors into one clear import error."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot read file: {exc.strerror}") from None


def parse_bytes(data: bytes, name: str) -> tuple[str, str, list[Record]]:
    """Decode, detect and parse an export without touching any database.

    Returns:
        ``(format, text, records)``.

    Raises:
        ImportFormatError: for binary, empty, unknown or malformed files.
    """
    text = decode(data, name)
    fmt = detect(text, name)
    try:
        records = parser_for(fmt)(text, name)
    except ImportFormatError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as exc:
        # Parsers are fuzzed to raise only ImportFormatError; this net keeps a
        # parser bug on some unforeseen file from showing the user a traceback.
        raise ImportFormatError(
            name,
            f"could not be read as {fmt} ({type(exc).__name__}: {exc}); "
            "check the file or re-export it",
        ) from exc
    if not records:
        raise ImportFormatError(name, f"no records found in this {fmt} file")
    return fmt, text, records


def import_file(
    db: Database,
    path: Path,
    *,
    database: str | None = None,
    search_date: str | None = None,
    query: str | None = None,
    force: bool = False,
    method: str = "database",
) -> ImportResult:
    """Import one export file as a new source.

    Args:
        db: The review database.
        path: The export file.
        database: The database searched (``--source``); detected when None.
        search_date: When the search was run (ISO date), for the PRISMA report.
        query: The search string, for the report.
        force: Import even if a file with the same content was imported before.
        method: How the source was searched (``--method``): one of
            ``corpus.db.SOURCE_METHODS``; PRISMA counts database and register
            sources apart from websites, organisations and citation searching.

    Raises:
        ImportFormatError: bad input; nothing is written.
        AlreadyImportedError: same content imported before and not ``force``.
    """
    if method not in corpus_db.SOURCE_METHODS:
        choices = ", ".join(corpus_db.SOURCE_METHODS)
        raise ImportFormatError(str(path), f"unknown method {method!r}; use one of: {choices}")
    data = read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    if not force:
        earlier = corpus_db.source_by_hash(db, sha256)
        if earlier is not None:
            raise AlreadyImportedError(
                f"{path}: already imported as source {earlier['id']} "
                f"({earlier['file_name']}, {earlier['imported_at']}); use --force to import again"
            )
    fmt, text, records = parse_bytes(data, str(path))
    db_name = database or detect_database(fmt, text) or "unknown"
    info = corpus_db.SourceInfo(
        database=db_name,
        file_name=path.name,
        sha256=sha256,
        format=fmt,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        search_date=search_date,
        query=query,
        method=method,
    )
    source_ref = corpus_db.insert_source(db, info, records)
    flagged = sum(1 for r in records if r.flags())
    return ImportResult(source_ref, path.name, db_name, fmt, len(records), flagged)
