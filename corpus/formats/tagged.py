"""Tagged-line exports (RIS, Web of Science, MEDLINE): lines split into records.

All three write one field per line, a tag first (``TI  - ...``, ``TI ...``,
``TI  - ...``), with long values continued on the lines below, and records
opened by one tag (``TY``, ``PT``, ``PMID``) and closed by another (``ER``) or
by a blank line. :class:`TaggedLines` is that loop once; a format gives its
tag pattern, opening and closing tags and continuation rule as class
attributes, and its own tolerances and error messages by overriding the
hooks. The record-level checks after the loop (nothing found, a cut-off last
record) stay in each format's module.
"""

from __future__ import annotations

import re
from typing import ClassVar

from corpus.errors import ImportFormatError

#: Tag -> its values in file order; a value's continuation lines joined by ``join``.
Raw = dict[str, list[str]]


class TaggedLines:
    """Split a tagged-line text into ``(tag -> values, first line)`` blocks.

    Class attributes (the layout):

    * ``tag``: group 1 is the tag, group 2 the value (may be missing).
    * ``start``: the tag that opens a record.
    * ``end``: the tag that closes it; ``None``: a blank line does.
    * ``breaks``: other tags that may not occur inside a record (:meth:`broken`).
    * ``join``: what joins a continuation line to the value above it.
    * ``loose``: RIS's tolerances. Outside a record every line but ``start``
      (indented or not) is ignored; inside, a line without a tag continues the
      value above, an indented tag still counts, and a bare ``end`` (no ``-``)
      closes the record. Otherwise a continuation line starts with a space or
      a tab, and after the first tag line any line that is neither tag,
      continuation nor blank is an error (:meth:`unexpected`).

    Blank lines carry nothing. One instance splits one file (the hooks may
    keep state, like Web of Science's header tags).
    """

    tag: ClassVar[re.Pattern[str]]
    start: ClassVar[str]
    end: ClassVar[str | None] = None
    breaks: ClassVar[frozenset[str]] = frozenset()
    join: ClassVar[str] = "\n"
    loose: ClassVar[bool] = False

    def __init__(self, path: str) -> None:
        self.path = path

    def split(self, text: str) -> list[tuple[Raw, int]]:
        """The blocks in file order, each with the line of its ``start`` tag.

        Raises the hooks' :class:`ImportFormatError`; in the hooks ``count``
        is the number of records begun so far, an open one included.
        """
        blocks: list[tuple[Raw, int]] = []
        raw: Raw | None = None
        start = 0
        last: list[str] = []
        seen = False  # a tag line seen (strict layouts ignore free text before it)
        match = self.tag.match
        opener, closer, join, loose = self.start, self.end, self.join, self.loose
        breaks = self.breaks
        for lineno, written in enumerate(text.split("\n"), 1):
            line = written.rstrip()
            if not line:
                if closer is None:
                    raw = None  # a blank line closes the record
                continue
            if loose:
                if raw is None:
                    # Outside a record: skip vendor headers and trailers until the opener.
                    if opener in line:
                        m = match(line.lstrip())
                        if m and m.group(1) == opener:
                            raw = {opener: [(m.group(2) or "").strip()]}
                            blocks.append((raw, lineno))
                            start, last = lineno, raw[opener]
                    continue
                m = match(line)
                if m is None:
                    stripped = line.strip()
                    if line[0] in " \t":  # an indented tag (pasted from a web page or mail)
                        m = match(stripped)
                    if m is None:
                        if stripped.rstrip(" -") != closer:
                            last[-1] = f"{last[-1]}{join}{stripped}" if last[-1] else stripped
                            continue
                        raw = None  # a bare closer: still the end of the record
                        continue
            else:
                if line[0] in " \t":
                    if raw is None:
                        if not seen:
                            continue
                        raise self.stray(lineno, len(blocks))
                    value = line.strip()
                    last[-1] = f"{last[-1]}{join}{value}" if last[-1] else value
                    continue
                m = match(line)
                if m is None:
                    if not seen:
                        continue  # free text before the first tag line
                    raise self.unexpected(written, lineno, len(blocks), raw is not None)
                seen = True
            tag = m.group(1)
            value = (m.group(2) or "").strip()
            if raw is None:
                if tag == opener:
                    raw = {opener: [value]}
                    blocks.append((raw, lineno))
                    start, last = lineno, raw[opener]
                else:
                    self.between(tag, lineno, len(blocks))
                continue
            if tag == closer:
                raw = None
            elif tag == opener or tag in breaks:
                self.broken(tag, lineno, start, len(blocks))
                raw = {opener: [value]}  # the hook let the opener begin a new record
                blocks.append((raw, lineno))
                start, last = lineno, raw[opener]
            else:
                values = raw.get(tag)
                if values is None:
                    values = raw[tag] = []
                values.append(value)
                last = values
        if raw is not None and closer is not None:
            raise self.unclosed(start, len(blocks))
        return blocks

    # Hooks: a format's tolerances and messages. Each refuses by default.

    def between(self, tag: str, lineno: int, count: int) -> None:
        """A tag line outside a record that is not the opener; raise to refuse it."""
        raise ImportFormatError(self.path, f"tag {tag!r} outside a record", line=lineno)

    def broken(self, tag: str, lineno: int, start: int, count: int) -> None:
        """The opener (or one of ``breaks``) inside the record begun at ``start``.

        Raise to refuse; returning begins a new record (only the opener may).
        """
        raise ImportFormatError(
            self.path, f"record starting at line {start} is not closed", line=start, record=count
        )

    def unclosed(self, start: int, count: int) -> ImportFormatError:
        """The error for a record still open at the end of the text."""
        return ImportFormatError(
            self.path, f"record starting at line {start} is not closed", line=start, record=count
        )

    def stray(self, lineno: int, count: int) -> ImportFormatError:
        """The error for a continuation line outside a record."""
        return ImportFormatError(
            self.path, "continuation line outside a record", line=lineno, record=count or None
        )

    def unexpected(self, line: str, lineno: int, count: int, inside: bool) -> ImportFormatError:
        """The error for a line (as written) that is no tag, continuation or blank."""
        return ImportFormatError(
            self.path, f"unexpected line {line[:40]!r}", line=lineno, record=count or None
        )
