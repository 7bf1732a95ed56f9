"""The dashboard's PRISMA 2020 flow: ``text_diagram`` lines sized to the block's width.

The counts are read in the dashboard's worker; this widget keeps the last
ones and redraws the boxes (cheap, no database) whenever its width changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from review.reports.prisma import text_diagram


class FlowDiagram(Static):
    """The PRISMA flow as text boxes, or the reason it cannot be drawn."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("Counting…", id=id, classes=classes, markup=False)
        self.counts: Mapping[str, Any] | None = None
        self.error = ""
        self._width = 0

    def show(self, counts: Mapping[str, Any] | None, error: str = "") -> None:
        """Draw fresh counts (``error`` instead when they could not be had)."""
        self.counts, self.error = counts, error
        self._width = 0
        self._draw()

    def on_resize(self, event: Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width
        if self.counts is None:
            if self.error:
                self.update(Content.styled(self.error, "$text-warning"))
            return
        if width <= 0 or width == self._width:
            return
        self._width = width
        self.update(Content("\n".join(text_diagram(self.counts, width))))
