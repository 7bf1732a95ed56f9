"""The Textual terminal UI (``review tui``).

Only the ``review`` layer imports textual, and only when the UI starts: this
package's ``__init__`` loads the app lazily, so the CLI can read the screen
table (:mod:`review.tui.registry`, plain data) without loading textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from review.tui.app import ReviewApp, make_app

__all__ = ["ReviewApp", "make_app"]


def __getattr__(name: str) -> Any:
    """Import the app on first use of :class:`ReviewApp` or :func:`make_app`."""
    if name in __all__:
        from review.tui import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
