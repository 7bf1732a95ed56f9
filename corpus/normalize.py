"""Field normalisation shared by every importer.

Vendors write the same value many ways (``https://doi.org/10.1/X`` vs
``10.1/x``, ``Y1  - 2019///`` vs ``PY  - 2019`` vs ``10 15``); these helpers
turn them into one form so that later stages (deduplication, export) compare
like with like.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote

_WS = re.compile(r"\s+")
_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_PREFIX = re.compile(
    r"^(?:doi\s*:?\s*|https?://(?:dx\.)?doi\.org/|(?:dx\.)?doi\.org/)", re.IGNORECASE
)
# DOIs inside links: https://doi.org/10.x/y, OpenURL ?id=doi:10.x%2Fy, rft_id=info:doi/10.x
_URL_DOI = re.compile(r"(?:doi\.org/|doi[=:/])\s*(10\.\d{4,9}(?:/|%2[fF])[^\s&#]+)", re.I)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")
_PMID = re.compile(r"\d{1,9}")
# Not inside an ISBN such as 978-1-4419-1234-5 (no digit or hyphen around).
_ISSN = re.compile(r"(?<![\d-])(\d{4})-?(\d{3}[\dXx])(?![\d-])")
_DASHES = re.compile(r"\s*(?:--|[-\u2010-\u2015\u2212])\s*")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


def clean(value: object) -> str | None:
    """Return ``value`` as one line of text, or None when empty.

    HTML entities are decoded and inline markup (``<i>``, ``<sup>``) that
    databases put in titles is removed, whitespace collapsed, and the text
    put in Unicode NFC: databases differ in composed vs decomposed accents,
    and BibTeX's LaTeX accents are composed, so one form makes every
    importer's text (and the duplicate keys built from it) comparable.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value if v is not None)
    text = str(value)
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = _WS.sub(" ", text).strip()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text or None


def first(values: object) -> str | None:
    """Return the first non-empty cleaned value of a scalar or list."""
    if isinstance(values, (list, tuple)):
        for v in values:
            c = clean(v)
            if c:
                return c
        return None
    return clean(values)


def doi(value: object) -> str | None:
    """Return a DOI lowercased, without URL or ``doi:`` prefix, or None.

    >>> doi("https://doi.org/10.1000/ABC.1 ")
    '10.1000/abc.1'
    """
    text = first(value)
    if not text:
        return None
    text = _DOI_PREFIX.sub("", text.strip())
    match = _DOI.search(text)
    if not match:
        return None
    found = match.group(0).rstrip(".,;)]}>")
    return found.lower()


def doi_in_url(value: str | None) -> str | None:
    """Return the DOI a link carries (doi.org path, OpenURL ``id=doi:`` query), or None.

    Link resolvers URL-encode the slash (``10.4103%2F2303-9027.138783``);
    Embase's "Open URL Link" is the only place some of its CSVs put the DOI.

    >>> doi_in_url("http://sfx.example/?sid=EMBASE&id=doi:10.1002%2Fcncr.20369&atitle=x")
    '10.1002/cncr.20369'
    """
    if not value:
        return None
    m = _URL_DOI.search(value)
    return doi(unquote(m.group(1))) if m else None


def year(*values: object) -> int | None:
    """Return the first plausible 4-digit year among ``values``.

    Handles ``2019///``, ``2019/05/03``, ``May 2019``, ``10 15`` (Scopus'
    day-month forms carry no year: None), and integers.
    """
    for value in values:
        if value is None:
            continue
        if isinstance(value, int):
            return value if 1500 <= value <= 2100 else None
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if item is None:
                continue
            match = _YEAR.search(str(item))
            if match:
                return int(match.group(1))
    return None


def pmid(value: object) -> str | None:
    """Return a bare PubMed ID (digits only), or None."""
    text = first(value)
    if not text:
        return None
    match = _PMID.search(text)
    return match.group(0).lstrip("0") or None if match else None


def issn(value: object) -> str | None:
    """Return the first ISSN as ``NNNN-NNNC``, or None."""
    text = first(value)
    if not text:
        return None
    match = _ISSN.search(text)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2).upper()}"


def pages(start: object, end: object = None) -> str | None:
    """Join start and end pages as ``start-end`` (``123-9`` kept as written)."""
    s = first(start)
    e = first(end)
    if s and e and e != s and "-" not in s:
        return f"{s}-{e}"
    if s:
        return _DASHES.sub("-", s)
    return e


def keywords(values: Iterable[object] | object, split: str = ";") -> list[str]:
    """Return keywords as a de-duplicated list, splitting on ``split``."""
    if values is None:
        return []
    items = values if isinstance(values, (list, tuple)) else [values]
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item is None:
            continue
        for part in str(item).split(split) if split else [str(item)]:
            c = clean(part)
            if c and c.lower() not in seen:
                seen.add(c.lower())
                out.append(c)
    return out


def authors(values: Iterable[object] | object, split: str | None = None) -> list[str]:
    """Return a list of author names, cleaned, empty ones dropped."""
    if values is None:
        return []
    items = values if isinstance(values, (list, tuple)) else [values]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        parts = str(item).split(split) if split else [str(item)]
        for part in parts:
            c = clean(part)
            if c:
                out.append(c.rstrip(",").strip())
    return [a for a in out if a]
