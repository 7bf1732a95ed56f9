"""The one exception screening raises for a user's mistake."""

from __future__ import annotations


class ScreeningError(ValueError):
    """A screening action that cannot be done as asked (the message says why).

    The CLI and TUI show the message as it is, on one line, never a traceback.
    """
