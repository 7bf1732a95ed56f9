"""EndNote XML exports, as EndNote, Zotero and Mendeley write them.

EndNote wraps every value in ``<style face="normal" font="default"
size="100%">`` (several styles when part of a title is italic) and writes the
whole file on one line; Zotero and Mendeley write plain text inside the
elements. Reading the text of an element with all its descendants covers both.

Security: the parser never resolves entities, loads no DTD and opens no
network or file, so an XXE or "billion laughs" file yields no content and no
blow-up. ``huge_tree`` stays off: no bibliographic field needs 10 MB.
"""

from __future__ import annotations

import io
import re
from typing import Any

from lxml import etree

from corpus import normalize
from corpus.errors import ImportFormatError
from corpus.model import Record

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPLIT = re.compile(r"[\r\n]+")
_ISSN_ALONE = re.compile(r"(?<![\dXx-])\d{4}-?\d{3}[\dXx](?![\dXx-])")
_PUBMED_DB = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)
_SOURCE_APP = re.compile(r"<source-app\b[^>]*\bname=\"([^\"]+)\"")
#: Containers whose children are the values (``titles/title``, ``dates/year``).
_CONTAINERS = frozenset(
    {
        "contributors",
        "authors",
        "secondary-authors",
        "tertiary-authors",
        "subsidiary-authors",
        "translated-authors",
        "titles",
        "periodical",
        "alt-periodical",
        "dates",
        "pub-dates",
        "copyright-dates",
        "urls",
        "related-urls",
        "web-urls",
        "pdf-urls",
        "text-urls",
        "image-urls",
        "keywords",
        "foreign-keys",
    }
)


_RECORD_OPEN = re.compile(r"<record[\s>]")


def parse(text: str, path: str) -> list[Record]:
    """Parse an EndNote XML export into records.

    Args:
        text: The decoded file content.
        path: The file name, for error messages.

    Returns:
        One record per ``<record>``, in file order.

    Raises:
        ImportFormatError: for an empty file, XML that is not well formed (with
            the line lxml reports), or a file without ``<record>`` elements.
    """
    if not text.strip():
        raise ImportFormatError(path, "is empty; export the library again", line=1)
    # The text is already decoded: a declaration saying UTF-16 would now lie.
    try:
        data = _DECLARATION.sub("", text, count=1).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ImportFormatError(path, f"contains invalid characters ({exc.reason})") from None
    records: list[Record] = []
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag="record",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _event, element in events:
            records.append(_to_record(element, len(records) + 1))
            element.clear(keep_tail=False)
            # Drop finished records so a 100k-record library is not kept whole.
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno and exc.lineno > 0 else None
        # libxml2's message can hold a newline (e.g. for a NUL byte); the
        # user gets one line (found by bench/fuzz_importers.py).
        reason = " ".join(str(exc.msg).split())
        raise ImportFormatError(
            path,
            f"is not well-formed XML ({reason}); the file may be truncated, export it again",
            line=line,
            record=_record_at(text, line) or len(records) + 1,
        ) from None
    except (ValueError, LookupError, MemoryError) as exc:
        raise ImportFormatError(path, f"cannot be read as XML ({exc})") from None
    if not records:
        raise ImportFormatError(path, "contains no EndNote <record> elements", line=1)
    return records


def _record_at(text: str, line: int | None) -> int | None:
    """The number of the ``<record>`` open at ``line``, counted in the text itself.

    Not from the records parsed so far: how far lxml reads ahead before it
    reports an error changes between its releases (6.2 reports a record
    before the previous one's end event).
    """
    if line is None:
        return None
    head = "\n".join(text.split("\n", line)[:line])
    return len(_RECORD_OPEN.findall(head)) or None


def _text(element: Any) -> str:
    """All text under an element, ``<style>`` runs included; entities left out."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):  # not an unresolved entity reference
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _values(record: Any, path: str) -> list[str]:
    return [t for t in (normalize.clean(_text(e)) for e in record.iterfind(path)) if t]


def _one(record: Any, *paths: str) -> str | None:
    for path in paths:
        for element in record.iterfind(path):
            value = normalize.clean(_text(element))
            if value:
                return value
    return None


def _to_record(record: Any, number: int) -> Record:
    raw = _raw(record)
    ref_type = record.find("ref-type")
    kind = None
    if ref_type is not None:
        kind = normalize.clean(ref_type.get("name")) or normalize.clean(_text(ref_type))
    keywords: list[str] = []
    for element in record.iterfind("keywords/keyword"):
        keywords.extend(_SPLIT.split(_text(element)))
    url = _url(record)
    doi = normalize.doi(_one(record, "electronic-resource-num"))
    if not doi and url and "doi.org/" in url:
        doi = normalize.doi(url)
    return Record(
        title=_one(record, "titles/title"),
        abstract=_one(record, "abstract"),
        authors=normalize.authors(_values(record, "contributors/authors/author")),
        year=normalize.year(_one(record, "dates/year"), _one(record, "dates/pub-dates/date")),
        journal=_one(
            record,
            "titles/secondary-title",
            "periodical/full-title",
            "alt-periodical/full-title",
            "periodical/abbr-1",
        ),
        volume=_one(record, "volume"),
        issue=_one(record, "number", "issue"),
        pages=normalize.pages(_one(record, "pages")),
        doi=doi,
        pmid=_pmid(record),
        issn=_issn(_one(record, "isbn")),
        keywords=normalize.keywords(keywords, split=""),
        language=_one(record, "language"),
        type=kind,
        url=url,
        source_id=_one(record, "rec-number") or str(number),
        raw=raw,
        line=record.sourceline,
    )


def _url(record: Any) -> str | None:
    """First web link, as written: ``normalize.clean`` would unescape ``&copy=`` to ``©=``."""
    for path in ("urls/related-urls/url", "urls/web-urls/url", "urls/text-urls/url"):
        for element in record.iterfind(path):
            parts = _text(element).split()
            if parts:
                return parts[0]
    return None


def _issn(value: str | None) -> str | None:
    """The ISSN in an ``<isbn>`` field, never a group taken out of an ISBN."""
    if not value:
        return None
    match = _ISSN_ALONE.search(value)
    return normalize.issn(match.group(0)) if match else None


def _pmid(record: Any) -> str | None:
    """A numeric accession number is a PMID only when PubMed/MEDLINE supplied it."""
    accession = _one(record, "accession-num")
    if not accession or not accession.isdigit():
        return None
    origin = " ".join(
        v
        for v in (_one(record, "remote-database-provider"), _one(record, "remote-database-name"))
        if v
    )
    return normalize.pmid(accession) if _PUBMED_DB.search(origin) else None


def _raw(record: Any) -> dict[str, Any]:
    """Flatten a record to ``path -> text`` (lists for repeated paths), keeping all fields."""
    raw: dict[str, Any] = {}

    def walk(element: Any, prefix: str) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag == "style":
                continue
            key = f"{prefix}{tag}"
            if tag in _CONTAINERS and len(child):
                walk(child, key + "/")
                continue
            value = _text(child).strip()
            for name, attr in child.attrib.items():
                if tag in ("ref-type", "source-app", "database"):
                    raw[f"{key}@{name}"] = attr
            if not value:
                continue
            if key in raw:
                existing = raw[key]
                raw[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                raw[key] = value

    walk(record, "")
    return raw


def detect_database(text: str) -> str | None:
    """Name the program that wrote the export, from its ``<source-app>``."""
    match = _SOURCE_APP.search(text[:20000])
    if not match:
        return None
    name = match.group(1)
    for known in ("EndNote", "Zotero", "Mendeley"):
        if known.lower() in name.lower():
            return known
    return name.strip() or None
