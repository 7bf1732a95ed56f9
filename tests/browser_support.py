"""A real headless browser for the tests of browser-facing output.

Playwright drives the system's Chromium (``apt-get install chromium``;
``.ci/run`` installs it); Playwright's own browser download is never used.
Tests using :func:`open_page` are skipped where no Chromium is installed.
Every page records console errors, page errors and network requests, so a
test can assert that a report opened from disk works offline and cleanly.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no system Chromium (apt-get install chromium; .ci/run does)"
)


@dataclass
class Opened:
    """A page opened from a file, with what happened while it loaded and ran."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def network(self) -> list[str]:
        """Requests that left the file itself (anything not ``file:`` or ``data:``)."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]


@contextmanager
def open_page(path: Path, width: int = 1200, height: int = 900) -> Iterator[Opened]:
    """Open ``path`` in headless system Chromium and yield it with its logs."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            opened = Opened(page)
            page.on(
                "console",
                lambda m: opened.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: opened.page_errors.append(str(e)))
            page.on("request", lambda r: opened.requests.append(r.url))
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            yield opened
        finally:
            browser.close()
