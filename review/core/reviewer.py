"""Who is acting when nobody is named: one answer for the CLI, the TUI and init.

Kept out of :mod:`review.core.context` so that :mod:`review.core.project`
(which logs the first protocol version) can use it without a cycle.
"""

from __future__ import annotations

import getpass
import os

from review.core.errors import UsageError

REVIEWER_ENV = "REVIEW_REVIEWER"


def resolve_reviewer(given: str | None, configured: str = "") -> str:
    """Return who acts: the given name, the protocol's default, the env, the login.

    Args:
        given: ``--reviewer`` (None or blank when not given).
        configured: The protocol's ``[screening] default_reviewer``.

    Raises:
        UsageError: when no name can be found (a container with no login name
            and nothing configured), saying how to give one.
    """
    for name in (given, configured, os.environ.get(REVIEWER_ENV)):
        if name and name.strip():
            return name.strip()
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = ""
    if login.strip():
        return login.strip()
    raise UsageError(
        "no reviewer name: pass --reviewer NAME, set $REVIEW_REVIEWER, or set"
        " default_reviewer under [screening] in protocol.toml"
    )
