"""Web of Science plain text ("Export > Plain text file", savedrecs.txt).

Layout: ``FN Clarivate Analytics Web of Science`` and ``VR 1.0`` header lines,
then records from ``PT J`` to ``ER``, the file closed by ``EF``. A line is a
two-character tag, a space and the value; continuation lines start with
three spaces. For name and address tags (AU, AF, C1, CR...) each continuation
line is another value; for text tags (TI, AB, SO) it is the same value
wrapped, and keyword tags (DE, ID) are ``;``-separated across lines.
``Record.raw`` keeps continuations joined with ``\\n`` as written.

Why not ``rispy.WokParser``: like its RIS parser it drops a record that lacks
``ER`` and keeps no line numbers, and it treats every continuation line as a
new list value, which splits wrapped titles and keywords.
"""

from __future__ import annotations

import re

from corpus import normalize as nz
from corpus.errors import ImportFormatError
from corpus.formats.tagged import TaggedLines
from corpus.gcpause import gc_paused
from corpus.model import Record

_TAG = re.compile(r"([A-Z][A-Z0-9])(?: (.*))?$")
_OUTSIDE = frozenset({"FN", "VR", "EF", "ER"})


def parse(text: str, path: str) -> list[Record]:
    """Parse a Web of Science plain-text export into records.

    Args:
        text: The decoded file (``\\n`` newlines, no BOM).
        path: The file's name, for error messages.

    Returns:
        One record per ``PT`` ... ``ER`` block, in file order.

    Raises:
        ImportFormatError: no ``PT`` record, a record cut off before ``ER``
            or a file with the ``FN`` header but no closing ``EF`` (truncated
            download), or lines that are not Web of Science tags.
    """
    with gc_paused():
        return _parse(text, path)


class _Lines(TaggedLines):
    """Web of Science lines: ``PT`` ... ``ER``, header tags between records."""

    tag = _TAG
    start = "PT"
    end = "ER"
    breaks = frozenset({"EF"})

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.header = False  # an "FN" header seen
        self.closed = False  # the last tag between records was "EF"...
        self.closed_after = 0  # ...after this many records

    def between(self, tag: str, lineno: int, count: int) -> None:
        self.header = self.header or tag == "FN"
        self.closed, self.closed_after = tag == "EF", count
        if tag not in _OUTSIDE:
            raise _error(self.path, f"tag {tag!r} outside a record", lineno, count + 1)

    def broken(self, tag: str, lineno: int, start: int, count: int) -> None:
        raise ImportFormatError(
            self.path,
            f"record starting at line {start} has no 'ER' line before line {lineno}; "
            "the file looks truncated or badly joined, export it again",
            line=start,
            record=count,
        )

    def unclosed(self, start: int, count: int) -> ImportFormatError:
        return ImportFormatError(
            self.path,
            f"record starting at line {start} ends without an 'ER' line; the file looks "
            "truncated, export it again",
            line=start,
            record=count,
        )

    def stray(self, lineno: int, count: int) -> ImportFormatError:
        return _error(self.path, "continuation line outside a record", lineno, count)

    def unexpected(self, line: str, lineno: int, count: int, inside: bool) -> ImportFormatError:
        return _error(
            self.path, f"unexpected line {line[:40]!r}", lineno, count if inside else count + 1
        )


def _parse(text: str, path: str) -> list[Record]:
    lines = _Lines(path)
    records = [_record(raw, start) for raw, start in lines.split(text)]
    # "EF" closes the file only when no record was begun after it.
    header, closed = lines.header, lines.closed and lines.closed_after == len(records)
    if not records:
        raise ImportFormatError(path, "no Web of Science record found (no 'PT ' line)", line=1)
    if header and not closed:
        # Web of Science closes every file it writes with "EF"; a file with
        # the "FN" header but no "EF" was cut between two records.
        raise ImportFormatError(
            path,
            f"ends after record {len(records)} without the closing 'EF' line; the file "
            "looks truncated, export it again",
            line=text.rstrip().count("\n") + 1,
            record=len(records) + 1,
        )
    return records


def _error(path: str, what: str, line: int, record: int) -> ImportFormatError:
    return ImportFormatError(
        path,
        f"{what}; is the file complete and a Web of Science plain-text export?",
        line=line,
        record=record or None,
    )


def _lines(raw: dict[str, list[str]], tag: str) -> list[str]:
    return [part for value in raw.get(tag, ()) for part in value.split("\n")]


def _record(raw: dict[str, list[str]], line: int) -> Record:
    """Normalise one record: AF over AU, BP-EP else AR, SN else EI, UT as id."""
    get = raw.get
    authors = nz.authors(_lines(raw, "AF") or _lines(raw, "AU") or _lines(raw, "CA"))
    keywords = nz.keywords((get("DE") or []) + (get("ID") or []))
    pages = nz.pages(get("BP"), get("EP")) or nz.first(get("AR"))
    return Record(
        title=nz.clean(get("TI")),
        abstract=nz.clean(get("AB")),
        authors=authors,
        year=nz.year(get("PY"), get("EA"), get("PD")),
        journal=nz.clean(get("SO")) or nz.first(get("JI")) or nz.first(get("J9")),
        volume=nz.first(get("VL")),
        issue=nz.first(get("IS")),
        pages=pages,
        doi=nz.doi(get("DI")) or nz.doi(get("D2")),
        pmid=nz.pmid(get("PM")),
        issn=nz.issn(get("SN")) or nz.issn(get("EI")),
        keywords=keywords,
        language=nz.first(get("LA")),
        type=nz.first(get("DT")),
        url=None,
        source_id=nz.first(get("UT")),
        raw=raw,
        line=line,
    )
