"""The study's full text on the extraction screen: pages, highlighted terms, sources.

The report's text (pypdf's, pages separated by form feeds) is shown in a
read-only :class:`~textual.widgets.TextArea`, so the reviewer can select a
passage with the keyboard or the mouse. Each page starts with a marker line
(``── p. 2 ──``) rather than a form feed, which a terminal cannot draw; the
page of a selection is the number of page starts before it, which is the
number of form feeds before it in the stored text, plus one.

The protocol's include highlight terms are drawn in bold colour by
:class:`ReportArea`, which fills the TextArea's highlight map from the
terms' pattern instead of a tree-sitter grammar.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rich.style import Style
from textual.widgets import TextArea
from textual.widgets.text_area import Selection, TextAreaTheme

#: The longest quote a source keeps (characters, after collapsing whitespace).
QUOTE_LIMIT = 300
#: The name of the highlight the include terms get (a style of :data:`THEME`).
INCLUDE = "review.include"
#: The TextArea theme: the app's CSS colours plus the include terms' style.
THEME = TextAreaTheme(
    name="review-report", syntax_styles={INCLUDE: Style(bold=True, color="green", underline=True)}
)
_MARKER = re.compile(r"── p\. \d+ ──\n?")


@dataclass(frozen=True, slots=True)
class Report:
    """A full text as shown: the display text and where each page starts in it."""

    text: str
    starts: tuple[int, ...]

    @classmethod
    def of(cls, raw: str) -> Report:
        """Lay out a stored text (pages split on form feeds), a marker line per page."""
        pages = raw.split("\f")
        if len(pages) > 1 and not pages[-1].strip():
            pages.pop()  # pypdf ends the last page with a form feed too
        parts: list[str] = []
        starts: list[int] = []
        offset = 0
        for number, page in enumerate(pages, start=1):
            starts.append(offset)
            block = f"── p. {number} ──\n{page.rstrip()}\n\n"
            parts.append(block)
            offset += len(block)
        return cls("".join(parts), tuple(starts))

    def page_at(self, offset: int) -> int:
        """Return the page (from 1) a display-text offset falls on."""
        return max(1, bisect.bisect_right(self.starts, offset))


def clean_quote(text: str) -> str:
    """Return a selection as a quote: page markers dropped, whitespace collapsed, 300 chars."""
    return " ".join(_MARKER.sub(" ", text).split())[:QUOTE_LIMIT].rstrip()


def offset_of(text: str, location: tuple[int, int]) -> int:
    """Return the character offset of a (row, column) location in a text."""
    row, column = location
    offset = 0
    for _ in range(row):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset + column


def location_of(text: str, index: int) -> tuple[int, int]:
    """Return the (row, column) of a character offset in a text."""
    row = text.count("\n", 0, index)
    return row, index - (text.rfind("\n", 0, index) + 1)


class ReportArea(TextArea):
    """A read-only report whose include terms are highlighted; Tab leaves it."""

    def __init__(self, pattern: re.Pattern[str] | None = None, *, id: str | None = None) -> None:
        self.pattern = pattern  # read by the highlight map, which the base class builds
        super().__init__(read_only=True, soft_wrap=True, tab_behavior="focus", id=id)
        self.report = Report.of("")
        self.register_theme(THEME)
        self.theme = THEME.name

    def show(self, raw: str | None, placeholder: str = "") -> None:
        """Show a stored full text (None: show ``placeholder`` instead)."""
        self.report = Report.of(raw) if raw is not None else Report(placeholder, (0,))
        self.load_text(self.report.text)

    def _build_highlight_map(self) -> None:
        """Highlight the include terms (there is no grammar to query)."""
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        pattern: re.Pattern[str] | None = getattr(self, "pattern", None)
        if pattern is None:
            return
        for row, line in enumerate(self.document.lines):
            for match in pattern.finditer(line):
                start = len(line[: match.start()].encode("utf-8"))
                end = len(line[: match.end()].encode("utf-8"))
                highlights[row].append((start, end, INCLUDE))

    def term_lines(self) -> list[int]:
        """Return the (1-based) lines holding an include term."""
        return sorted(row + 1 for row, found in self._highlights.items() if found)

    def selected_source(self) -> tuple[int, str] | None:
        """Return ``(page, quote)`` of the selection, or None when nothing is selected."""
        selected = self.selected_text
        if not selected.strip():
            return None
        start, end = sorted((self.selection.start, self.selection.end))
        offset = offset_of(self.text, start)
        # A selection starting on a page marker belongs to that page.
        return self.report.page_at(offset), clean_quote(selected)

    def find_next(self, needle: str) -> int:
        """Select the next match of ``needle`` after the selection (ignoring case).

        Returns:
            How many matches the text has (0: nothing was selected).
        """
        body = self.text
        lower, wanted = body.lower(), needle.lower()
        if not wanted:
            return 0
        start = offset_of(body, self.selection.end)
        found = lower.find(wanted, start)
        if found < 0:
            found = lower.find(wanted)
        if found < 0:
            return 0
        self.selection = Selection(location_of(body, found), location_of(body, found + len(needle)))
        self.scroll_cursor_visible(center=True)
        return lower.count(wanted)
