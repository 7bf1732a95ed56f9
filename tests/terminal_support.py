"""Helpers for the tmux terminal tests: drive ``review`` in a real terminal and read its screen."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REVIEW = str(Path(sys.executable).parent / "review")


def tmux(*args: str) -> str:
    """Run a tmux command; once more if it met a server that was just exiting.

    When the previous test's last session closes, its tmux server exits; a
    ``new-session`` in that moment fails with "server exited unexpectedly".
    """
    for attempt in range(3):
        done = subprocess.run(["tmux", *args], capture_output=True, text=True)
        if done.returncode == 0 or "server exited unexpectedly" not in done.stderr:
            break
        time.sleep(0.5 * (attempt + 1))
    done.check_returncode()
    return done.stdout


def screen_text(session: str) -> str:
    return tmux("capture-pane", "-t", session, "-p")


def wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = screen_text(session)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared:\n{screen_text(session)}")


def press(session: str, *keys: str, expect: str | None = None) -> None:
    for key in keys:
        tmux("send-keys", "-t", session, key)
        time.sleep(0.4)
    if expect:
        wait_for(session, expect)


BLIND = """[review]
title = "Blind pair"

[screening]
reviewers_per_record = 2
blind = true
conflict_resolution = "consensus"
"""
