"""The full-text report on the screening screen: what it shows, and finding words in it.

Plain functions over a :class:`~textual.widgets.TextArea`, apart from the
screen so it stays about deciding; the search goes on from the last match
when the same words are asked for again.
"""

from __future__ import annotations

from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from review.core.review import Review
from review.session.data import Card


def show_report(area: TextArea, card: Card | None, review: Review, reveal: bool) -> None:
    """Load the study's first report (masked unless revealed), or say how to attach one."""
    if card is None:
        area.load_text("")
    elif not card.fulltexts:
        first = card.records[0]["id"]
        area.load_text(
            "No full text attached to this study.\n\n"
            "Press a to attach a PDF by its path, or on the command line:\n"
            f"  review attach {first} FILE.pdf\n"
            "or press x if the report cannot be retrieved."
        )
        area.border_title = "No full text attached"
    else:
        report = card.fulltexts[0]
        area.load_text(report["text"] if reveal else review.masked(report["text"]))
        area.border_title = f"{report['file_name']} ({report['pages']} pages)"


def find_next(area: TextArea, text: str, again: bool) -> int:
    """Select the next match of ``text`` (ignoring case) and scroll to it.

    Args:
        area: The report.
        text: What to find.
        again: Go on after the current selection (the same words as last time).

    Returns:
        How many matches the report has (0: nothing was selected).
    """
    body = area.text
    lower, needle = body.lower(), text.lower()
    start = _index(body, area.selection.end) if again else 0
    found = lower.find(needle, start)
    if found < 0:
        found = lower.find(needle)
    if found < 0:
        return 0
    area.selection = Selection(_location(body, found), _location(body, found + len(text)))
    area.scroll_cursor_visible(center=True)
    return lower.count(needle)


def _location(text: str, index: int) -> tuple[int, int]:
    """Return the (row, column) of a character offset in a text."""
    row = text.count("\n", 0, index)
    return row, index - (text.rfind("\n", 0, index) + 1)


def _index(text: str, location: tuple[int, int]) -> int:
    """Return the character offset of a (row, column) location in a text."""
    row, column = location
    offset = 0
    for _ in range(row):
        offset = text.index("\n", offset) + 1
    return offset + column
