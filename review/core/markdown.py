"""Text from the review's data made literal in Markdown.

Titles, source names, queries and extracted values are typed by people or
come from imported files. Rendered by a Markdown viewer, raw HTML in them
would run (``<img src=x onerror=...>``), a link or image would leak that the
report was opened, and a pipe or line break would break a table. Every
Markdown file the tool writes passes data through :func:`escape` (or
:func:`code` inside backticks), so a value shows as typed and does nothing.
"""

from __future__ import annotations

import html
import re

#: Inline Markdown syntax that a backslash makes literal: escapes, code spans,
#: emphasis, links and images, strike-through, table pipes.
_SPECIAL = re.compile(r"([\\`*\[\]|~])")
#: An underscore that could open or close emphasis (not one inside a word, as in study_id).
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def escape(value: object, *, line_break: str = " ") -> str:
    """Return ``value`` as literal Markdown text on one line.

    HTML is entity-escaped (a tag shows as text), Markdown's inline syntax
    is backslash-escaped, and line breaks become ``line_break`` (a space, or
    ``<br>`` in a table cell that keeps its lines).

    Args:
        value: Any value; None is empty.
        line_break: What a line break in the value becomes.
    """
    if value is None:
        return ""
    text = _SPECIAL.sub(r"\\\1", str(value))
    text = _UNDERSCORE.sub(r"\\_", text)
    text = html.escape(text, quote=False)
    return _LINE_BREAK.sub(line_break, text)


def code(value: object) -> str:
    """Return ``value`` as a code span (shown verbatim; nothing in it is markup).

    Backticks inside get a longer fence; a pipe is escaped, which GitHub's
    tables require even inside code.
    """
    text = _LINE_BREAK.sub(" ", "" if value is None else str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"
