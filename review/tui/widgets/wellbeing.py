"""Wellbeing practices around a screening session (protocol ``[wellbeing]``).

Reviewers of research on abuse limit vicarious trauma with a content notice
before they start, breaks, and a look back at what they did; these dialogs
follow the protocol's settings and never block a decision already taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from protocols.model import Wellbeing
from review.tui.widgets.modals import Notice

if TYPE_CHECKING:
    from review.tui.screens.screening import ScreeningScreen


def before_session(screen: ScreeningScreen, settings: Wellbeing, begin: Callable[[], None]) -> None:
    """Show the content notice (if the protocol has one), then begin, or leave on "Quit"."""
    text = settings.content_notice.strip()
    if not text:
        begin()
        return

    def answered(go_on: bool | None) -> None:
        if go_on:
            begin()
        else:
            _finish(screen, quit_app=True)

    screen.app.push_screen(Notice("Content notice", text, "Continue", "Quit"), answered)


def suggest_break(screen: ScreeningScreen, why: str) -> None:
    """Suggest a break (once at a time); the timer starts again when it is closed."""
    if isinstance(screen.app.screen, Notice):
        return

    def closed(_: bool | None) -> None:
        screen.last_break = time.monotonic()

    text = (
        f"{why} Time for a short break: stand up, look away from the screen, "
        "talk to someone. Every decision is already saved."
    )
    screen.app.push_screen(Notice("Take a break", text, "Back to screening"), closed)


def check_break_records(screen: ScreeningScreen) -> None:
    """Suggest a break after every ``break_every_records`` decisions of this session."""
    every = screen.review.protocol.wellbeing.break_every_records
    if every and screen.tally.decided and screen.tally.decided % every == 0:
        suggest_break(screen, f"You have screened {screen.tally.decided} records.")


def check_break_time(screen: ScreeningScreen) -> None:
    """Suggest a break once ``break_every_minutes`` passed since the last one (a timer calls it)."""
    every = screen.review.protocol.wellbeing.break_every_minutes
    if every and time.monotonic() - screen.last_break >= every * 60:
        unit = "minute" if every == 1 else "minutes"
        suggest_break(screen, f"You have been screening for {every} {unit}.")


def summary_text(screen: ScreeningScreen) -> str:
    """Return what this session did: records screened, includes/excludes/maybes, time."""
    t = screen.tally
    labels = ", ".join(f"{t.labels.get(k, 0)} {k}d" for k in ("include", "exclude")) + (
        f", {t.labels.get('maybe', 0)} maybe"
    )
    minutes = round(t.minutes)
    return (
        f"Records screened this session: {t.decided} ({labels}).\n"
        f"Time: {minutes} minute{'s' if minutes != 1 else ''}.\n\n"
        "Everything is saved. Thank you, and take care of yourself."
    )


def after_session(screen: ScreeningScreen, quit_app: bool) -> None:
    """Show the end-of-session summary (when the protocol asks for it), then leave."""
    if not screen.review.protocol.wellbeing.session_summary or not screen.started:
        _finish(screen, quit_app)
        return
    screen.app.push_screen(
        Notice("Session summary", summary_text(screen), "Close"),
        lambda _: _finish(screen, quit_app),
    )


def _finish(screen: ScreeningScreen, quit_app: bool) -> None:
    app = screen.review_app
    if quit_app:
        app.call_next(app.action_quit)
    elif app.screen is screen:
        app.pop_screen()
