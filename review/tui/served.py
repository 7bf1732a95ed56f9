"""The rules of a served session (``review serve``) that screens share.

A browser session's user holds a reviewer token, not the server's files:
only leads add sources or attach files, and every path they pick or type
must resolve inside the review's ``inbox/`` folder. Each refusal is one
notification line; outside serve, nothing here refuses anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from review.core.confine import OutsideFolderError, confine, inbox

if TYPE_CHECKING:
    from review.tui.screens.base import ReviewScreen


def refuse_plain_reviewer(screen: ReviewScreen, what: str) -> bool:
    """Say so and return True when a served session's reviewer is not a lead.

    Args:
        screen: The screen asking.
        what: What was refused, after "Only a lead may".
    """
    if screen.review_app.served and not screen.viewer().is_lead:
        screen.warn(f"Only a lead may {what} in a served session.")
        return True
    return False


def pick_root(screen: ReviewScreen) -> Path:
    """Where pickers open: the review's inbox/ when served, else the shell's folder."""
    return inbox(screen.project.root) if screen.review_app.served else Path.cwd()


def allowed_path(screen: ReviewScreen, typed: str) -> Path | None:
    """The path to read for ``typed``, or None (said in one line) when served and outside inbox/.

    Served, a relative path is taken inside inbox/; outside serve, as typed.
    """
    if not screen.review_app.served:
        return Path(typed).expanduser()
    try:
        return confine(inbox(screen.project.root), typed)
    except OutsideFolderError as exc:
        screen.warn(str(exc))
        return None
