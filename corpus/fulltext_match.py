"""Which study a PDF is the full text of: DOI, then title, then file name.

Pure matching (no database, no files): :class:`Matcher` is built from the
review's records and asked about one PDF at a time (:class:`PdfFacts`: its
file name, the text of its first pages and its document information).

Rules, in order; the first that names exactly one study decides:

1. DOI in the PDF's metadata (``/doi``, subject, title, keywords), then in the
   text of its first page, then of its second (references start later, so a
   DOI on page 1 is the article's own far more often than one on page 2).
2. Title: the metadata title, and the first non-trivial lines of page 1 (one,
   two or three consecutive lines, as titles wrap), compared with every
   record title by :func:`rapidfuzz.fuzz.ratio` on folded keys (and
   ``token_set_ratio`` when the lengths are within 15 %). A study matches at
   :data:`TITLE_MIN` or more when no other study scores within
   :data:`TITLE_MARGIN` of it; otherwise every study that close is a candidate.
3. File name: a DOI (``/`` written ``_`` or ``%2F``), a PMID (``PMID12345678``,
   ``12345678.pdf``), or first author + year (``Smith_2019_review.pdf``,
   ``smith2019.pdf``, ``Smith et al 2019.pdf``).

Records of one study (duplicates merged by dedup) are one candidate. When a
rule finds several studies, the later rules may narrow them down to one of
those (a title shared by two studies, told apart by ``Smith_2019.pdf``);
a later rule pointing elsewhere only adds to the candidates. Nothing with
several candidates is ever chosen: the caller lists them for a person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from corpus import normalize
from corpus.dedup.keys import fold, is_generic, key_text, parse_name, split_authors, strip_markup

#: Lowest title similarity (0-100, rapidfuzz) that matches a study.
TITLE_MIN = 92.0
#: A title match must beat every other study by more than this, else it is ambiguous.
TITLE_MARGIN = 3.0
#: Record titles shorter than this (as keys) are not matched by title ("Editorial").
TITLE_MIN_CHARS = 15
#: How many non-trivial lines of page 1 are tried as (parts of) the title.
TITLE_LINES = 12

_DOI_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"<>{}]+", re.IGNORECASE)
_DOI_NAME = re.compile(r"10\.\d{4,9}(?:/|_|%2f)", re.IGNORECASE)
_COPY_SUFFIX = re.compile(r"\s*\(\d{1,3}\)$")  # a second download: "paper (1).pdf"
_PMID_NAME = re.compile(r"(?i)(?<![a-z])pmid[\s_\-:.]*(\d{1,9})(?!\d)")
_BARE_PMID = re.compile(r"\d{6,9}")
_AUTHOR_YEAR = re.compile(
    r"^([^\W\d_][^\W\d_'’\-]*?)[\s_\-.,]*(?:et[\s_.]*al[\s_.,]*)?((?:19|20)\d\d)(?!\d)"
)
_DOI_TRAIL = ".,;:)]}>'\""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One record a PDF may belong to."""

    record_id: int
    group_id: int
    title: str | None = None
    doi: str | None = None
    pmid: str | None = None
    surnames: frozenset[str] = frozenset()
    year: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Candidate:
        """Build from a records row (``authors`` as JSON text or a list)."""
        authors = row.get("authors")
        if isinstance(authors, str):
            try:
                authors = json.loads(authors)
            except ValueError:
                authors = [authors]
        return cls(
            record_id=int(row["id"]),
            group_id=int(row["group_id"] if row.get("group_id") is not None else row["id"]),
            title=row.get("title"),
            doi=normalize.doi(row.get("doi")),
            pmid=normalize.pmid(row.get("pmid")),
            surnames=surname_keys(authors),
            year=normalize.year(row.get("year")),
        )


@dataclass(frozen=True, slots=True)
class PdfFacts:
    """What matching reads of one PDF: its file name, first pages' text, metadata."""

    file_name: str
    pages: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, file_name: str, text: str, metadata: Mapping[str, str]) -> PdfFacts:
        """Build from extracted text (pages separated by form feeds) and metadata."""
        return cls(file_name, tuple(first_pages(text, 2)), dict(metadata))


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome for one PDF.

    Attributes:
        status: ``matched``, ``ambiguous`` or ``unmatched``.
        how: The rule that decided (``doi in metadata``, ``title 97``, ...).
        candidates: The matched record (one), or one record per candidate study.
    """

    status: str
    how: str
    candidates: tuple[Candidate, ...] = ()


def first_pages(text: str, count: int) -> list[str]:
    """Return the text of the first ``count`` pages (pages are separated by ``\\f``)."""
    return [page.strip() for page in text.split("\f", count)[:count]]


def surname_keys(authors: object) -> frozenset[str]:
    """Folded surname keys of the first author (each word and the words joined)."""
    names = split_authors(authors)
    if not names:
        return frozenset()
    parsed = parse_name(names[0])
    if parsed is None:
        return frozenset()
    words = {w for w in parsed[1] if w}
    joined = "".join(sorted(words)) if len(words) > 1 else ""
    keys = {re.sub(r"[^a-z]", "", w) for w in words | ({joined} if joined else set())}
    return frozenset(k for k in keys if len(k) > 1)


def title_key(title: str | None) -> str:
    """The folded, punctuation-free key titles are compared on."""
    return key_text(strip_markup(title)) if title else ""


def dois_in(text: str | None) -> list[str]:
    """DOIs written in ``text``, normalised, in order, without repeats."""
    if not text:
        return []
    found: dict[str, None] = {}
    for raw in _DOI_TEXT.findall(text):
        value = normalize.doi(raw.rstrip(_DOI_TRAIL))
        if value:
            found[value.rstrip(_DOI_TRAIL)] = None
    return list(found)


def _stem(file_name: str) -> str:
    name = file_name.rsplit("/", 1)[-1]
    if name.lower().endswith(".pdf"):
        name = name[:-4]
    return _COPY_SUFFIX.sub("", unquote(name)).strip()


def dois_in_name(file_name: str) -> list[str]:
    """DOIs a file name may spell (``10.1000_abc.1.pdf``, ``10.1000%2Fabc.pdf``)."""
    stem = _stem(file_name)
    m = _DOI_NAME.search(stem)
    if m is None:
        return []
    prefix = stem[m.start() : m.end() - 1]
    rest = stem[m.end() :].strip()
    if not rest:
        return []
    variants = [rest, rest.replace("_", "/"), rest.replace("_", ".")]
    out: dict[str, None] = {}
    for suffix in variants:
        value = normalize.doi(f"{prefix}/{suffix}")
        if value:
            out[value.rstrip(_DOI_TRAIL)] = None
    return list(out)


def pmid_in_name(file_name: str) -> str | None:
    """The PMID a file name carries (``PMID12345678``, ``12345678.pdf``), or None."""
    stem = _stem(file_name)
    m = _PMID_NAME.search(stem)
    if m:
        return normalize.pmid(m.group(1))
    return normalize.pmid(stem) if _BARE_PMID.fullmatch(stem) else None


def author_year_in_name(file_name: str) -> tuple[str, int] | None:
    """``(surname key, year)`` from ``Smith_2019*.pdf`` / ``smith2019`` / ``Smith et al 2019``."""
    m = _AUTHOR_YEAR.match(_stem(file_name))
    if m is None:
        return None
    surname = re.sub(r"[^a-z]", "", fold(m.group(1)))
    return (surname, int(m.group(2))) if len(surname) > 1 else None


def _trivial(key: str) -> bool:
    return len(key) < 10 or key.count(" ") < 1 or key.startswith(("doi ", "http", "www "))


def title_probes(facts: PdfFacts) -> list[str]:
    """Keys that may be the PDF's title: metadata title, then page-1 lines (1-3 joined)."""
    probes: dict[str, None] = {}
    meta = title_key(facts.metadata.get("title"))
    lowered = (facts.metadata.get("title") or "").lower()
    if (
        meta
        and not _trivial(meta)
        and not any(
            junk in lowered for junk in (".doc", ".pdf", ".tex", "untitled", "microsoft word")
        )
    ):
        probes[meta] = None
    page = facts.pages[0] if facts.pages else ""
    lines: list[str] = []
    for raw in page.splitlines():
        key = title_key(raw)
        if key and not _trivial(key):
            lines.append(key)
            if len(lines) >= TITLE_LINES:
                break
    for width in (1, 2, 3):
        for start in range(len(lines) - width + 1):
            probes[" ".join(lines[start : start + width])] = None
    return list(probes)


class Matcher:
    """Match PDFs against a review's records (see the module docstring)."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.candidates = list(candidates)
        self._by_doi: dict[str, list[Candidate]] = {}
        self._by_pmid: dict[str, list[Candidate]] = {}
        self._by_author_year: dict[tuple[str, int], list[Candidate]] = {}
        self._titled: list[Candidate] = []
        self._keys: list[str] = []
        for c in self.candidates:
            if c.doi:
                self._by_doi.setdefault(c.doi, []).append(c)
            if c.pmid:
                self._by_pmid.setdefault(c.pmid, []).append(c)
            if c.year:
                for s in c.surnames:
                    self._by_author_year.setdefault((s, c.year), []).append(c)
            key = title_key(c.title)
            if len(key) >= TITLE_MIN_CHARS and not is_generic(key):
                self._titled.append(c)
                self._keys.append(key)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Matcher:
        """Build from records rows (see :func:`corpus.db.match_candidates`)."""
        return cls(Candidate.from_row(r) for r in rows)

    def match(self, facts: PdfFacts) -> Match:
        """Return which study ``facts`` is the full text of, or the candidates, or none."""
        pending: dict[int, Candidate] = {}
        hows: list[str] = []
        for how, found in self._rules(facts):
            if not found:
                continue
            if pending:
                common = {g: c for g, c in found.items() if g in pending}
                if len(common) == 1:
                    return Match(
                        "matched", f"{how} (among {'; '.join(hows)})", tuple(common.values())
                    )
                if common:
                    pending = common
                else:
                    pending.update(found)
                hows.append(how)
                continue
            if len(found) == 1:
                return Match("matched", how, tuple(found.values()))
            pending = dict(found)
            hows.append(how)
        if pending:
            ordered = tuple(pending[g] for g in sorted(pending))
            return Match("ambiguous", "; ".join(hows), ordered)
        return Match("unmatched", "")

    def _rules(self, facts: PdfFacts) -> Iterator[tuple[str, dict[int, Candidate]]]:
        meta = facts.metadata
        meta_dois = dois_in(
            " ".join(meta.get(k, "") for k in ("doi", "subject", "title", "keywords"))
        )
        yield "doi in metadata", self._groups(self._by_doi, meta_dois)
        for number, page in enumerate(facts.pages[:2], start=1):
            yield f"doi on page {number}", self._groups(self._by_doi, dois_in(page))
        title = self._title(facts)
        if title is not None:
            yield title
        yield "doi in file name", self._groups(self._by_doi, dois_in_name(facts.file_name))
        pmid = pmid_in_name(facts.file_name)
        yield "pmid in file name", self._groups(self._by_pmid, [pmid] if pmid else [])
        author_year = author_year_in_name(facts.file_name)
        found = self._groups(self._by_author_year, [author_year] if author_year else [])
        yield "author and year in file name", found

    @staticmethod
    def _groups(index: Mapping[Any, list[Candidate]], keys: Sequence[Any]) -> dict[int, Candidate]:
        found: dict[int, Candidate] = {}
        for key in keys:
            for c in index.get(key, ()):
                found.setdefault(c.group_id, c)
        return found

    def _title(self, facts: PdfFacts) -> tuple[str, dict[int, Candidate]] | None:
        if not self._keys:
            return None
        probes = title_probes(facts)
        if not probes:
            return None
        import numpy as np
        from rapidfuzz import fuzz, process

        scores = process.cdist(
            probes, self._keys, scorer=fuzz.ratio, score_cutoff=TITLE_MIN - 12, dtype=np.float32
        )
        best: dict[int, tuple[float, Candidate]] = {}
        rows, cols = scores.nonzero()
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            score = float(scores[i, j])
            probe, key = probes[i], self._keys[j]
            if score < TITLE_MIN and 0.85 <= len(probe) / len(key) <= 1.18:
                score = max(score, fuzz.token_set_ratio(probe, key))
            c = self._titled[j]
            if score > best.get(c.group_id, (0.0, c))[0]:
                best[c.group_id] = (score, c)
        if not best:
            return None
        top = max(score for score, _ in best.values())
        if top < TITLE_MIN:
            return None
        close = {g: c for g, (s, c) in best.items() if s >= max(TITLE_MIN, top - TITLE_MARGIN)}
        return f"title {top:.0f}", close
