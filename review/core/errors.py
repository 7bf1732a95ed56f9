"""The user errors the CLI reports as one line, and small input checks.

Kept apart from the CLI's commands so that importing the error types stays
cheap: ``review --help`` must not load sqlite-utils, the parsers or numpy.
"""

from __future__ import annotations

import datetime as _dt

from corpus.errors import (
    AlreadyImportedError,
    DedupError,
    FullTextError,
    ImportFormatError,
    ModelError,
    SearchError,
)
from protocols.loader import ProtocolError
from screening.errors import ScreeningError


class ReviewError(Exception):
    """The root of the review layer's user errors: the CLI prints its text as one line.

    Lower layers (corpus, screening, protocols) cannot import this class, so
    their error types are listed beside it in :data:`USER_ERRORS`.
    """


class UsageError(ReviewError):
    """A bad option value the user can fix."""


class ExtractionError(ReviewError):
    """An extraction step the review's rules refuse (blind mode, mode, roles)."""


class ProjectError(ReviewError):
    """No review where one was expected, or one where none should be."""


class BusyError(ReviewError):
    """Another process held the review's write lock past the busy timeout."""


USER_ERRORS: tuple[type[Exception], ...] = (
    ReviewError,
    ImportFormatError,
    AlreadyImportedError,
    ProtocolError,
    SearchError,
    ModelError,
    DedupError,
    FullTextError,
    ScreeningError,
)


def check_date(value: str) -> str:
    """Return an ISO date unchanged, or raise UsageError saying the format."""
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--search-date {value!r}: expected a date as YYYY-MM-DD") from None
    return value
