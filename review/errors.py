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


class UsageError(Exception):
    """A bad option value the user can fix."""


class ProjectError(Exception):
    """No review where one was expected, or one where none should be."""


USER_ERRORS: tuple[type[Exception], ...] = (
    UsageError,
    ProjectError,
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
