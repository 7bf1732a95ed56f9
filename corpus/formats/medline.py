"""PubMed's MEDLINE format (``.nbib``, "Send to: Citation manager").

Layout: a tag of up to four characters padded to four, then ``- `` and the
value (``PMID- 123``, ``TI  - ...``, ``FAU - ...``); long values wrap at a
space onto lines that start with six spaces (``Record.raw`` joins them back
with one space); records are separated by blank lines and
always begin with ``PMID``. Free text before the first tag line is ignored
(as RIS headers are). There is no end-of-record marker, so truncation
is caught from the shape of what is there: a line that is neither tag,
continuation nor blank is an error, and so is a last record that lacks the
``SO`` line PubMed writes last in every record when the others have it.
Ovid's own field-labelled MEDLINE export is a different format and is not
read here.
"""

from __future__ import annotations

import re

from corpus import normalize as nz
from corpus.errors import ImportFormatError
from corpus.formats.tagged import TaggedLines
from corpus.gcpause import gc_paused
from corpus.model import Record

_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,2}- ?(.*)$")
_DOI_MARK = re.compile(r"^(\S+)\s*\[doi\]", re.I)
_PMID = re.compile(r"\d{1,9}")


def parse(text: str, path: str) -> list[Record]:
    """Parse a MEDLINE/.nbib export into records.

    Args:
        text: The decoded file (``\\n`` newlines, no BOM).
        path: The file's name, for error messages.

    Returns:
        One record per PMID block, in file order.

    Raises:
        ImportFormatError: no ``PMID-`` line, text that is not MEDLINE, a
            record not starting with PMID, or a truncated last record.
    """
    with gc_paused():
        records = [_record(raw, line) for raw, line in _blocks(text, path)]
    if records and _cut_short(records):
        raise ImportFormatError(
            path,
            f"the last record (PMID {records[-1].pmid}, line {records[-1].line}) ends early: "
            "the file looks truncated, export it again",
            line=records[-1].line,
            record=len(records),
        )
    return records


def _cut_short(records: list[Record]) -> bool:
    """True when the last record lacks the ``SO`` line PubMed writes last.

    With other records to compare, their ``SO`` decides. A lone record is
    judged by PubMed's own head lines: ``OWN``/``STAT`` follow ``PMID`` in
    every record PubMed writes, so having them without ``SO`` (or having
    nothing but ``PMID``) means the download stopped inside the record.
    """
    last = records[-1].raw
    if "SO" in last:
        return False
    if len(records) > 1:
        return "SO" in records[-2].raw
    return "OWN" in last or "STAT" in last or len(last) == 1


class _Lines(TaggedLines):
    """MEDLINE lines: ``PMID`` opens a record (even without a blank line before it)."""

    tag = _TAG
    start = "PMID"
    join = " "

    def between(self, tag: str, lineno: int, count: int) -> None:
        raise ImportFormatError(
            self.path,
            f"record starts with {tag!r} instead of 'PMID- '; the file looks truncated "
            "or edited, export it again",
            line=lineno,
            record=count + 1,
        )

    def broken(self, tag: str, lineno: int, start: int, count: int) -> None:
        return  # PMID always opens a record, even when the blank line before it is missing

    def stray(self, lineno: int, count: int) -> ImportFormatError:
        return ImportFormatError(
            self.path,
            "continuation line outside a record; the file is not valid MEDLINE",
            line=lineno,
            record=count or None,
        )

    def unexpected(self, line: str, lineno: int, count: int, inside: bool) -> ImportFormatError:
        return ImportFormatError(
            self.path,
            f"unexpected line {line[:40]!r}; expected a tag like 'TI  - ' "
            "(is the file complete and really PubMed MEDLINE format?)",
            line=lineno,
            record=count or None,
        )


def _blocks(text: str, path: str) -> list[tuple[dict[str, list[str]], int]]:
    """Split the text into (tag -> values, first line) blocks."""
    blocks = _Lines(path).split(text)
    if not blocks:
        raise ImportFormatError(
            path, "no 'PMID- ' line found; is this really a PubMed MEDLINE export?", line=1
        )
    return blocks


def _record(raw: dict[str, list[str]], line: int) -> Record:
    """Normalise one MEDLINE block (FAU over AU, JT over TA, AID/LID DOIs)."""
    get = raw.get
    pmid = nz.pmid(get("PMID"))
    authors = nz.authors(get("FAU") or get("AU") or get("CN") or [])
    keywords = nz.keywords((get("OT") or []) + (get("MH") or []), split="")
    return Record(
        title=nz.first(get("TI")) or nz.first(get("BTI")) or nz.first(get("TT")),
        abstract=nz.clean(get("AB")),
        authors=authors,
        year=nz.year(get("DP"), get("DEP"), get("EDAT")),
        journal=nz.first(get("JT")) or nz.first(get("TA")),
        volume=nz.first(get("VI")),
        issue=nz.first(get("IP")),
        pages=nz.first(get("PG")),
        doi=_doi(raw),
        pmid=pmid,
        issn=nz.issn(get("IS")),
        keywords=keywords,
        language=nz.first(get("LA")),
        type=nz.first(get("PT")),
        url=None,
        source_id=pmid,
        raw=raw,
        line=line,
    )


def _doi(raw: dict[str, list[str]]) -> str | None:
    """The ``[doi]``-marked AID or LID; else a ``doi:`` in the SO citation."""
    for tag in ("AID", "LID"):
        for value in raw.get(tag, ()):
            m = _DOI_MARK.match(value.strip())
            if m:
                found = nz.doi(m.group(1))
                if found:
                    return found
    for value in raw.get("SO", ()):
        if "doi:" in value:
            return nz.doi(value[value.index("doi:") + 4 :])
    return None
