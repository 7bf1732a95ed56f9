"""The Textual terminal UI (``review tui``).

Only the ``review`` layer imports textual, and only when the UI starts: the
CLI imports this package inside its ``tui`` command.
"""

from __future__ import annotations

from review.tui.app import ReviewApp, make_app

__all__ = ["ReviewApp", "make_app"]
