"""Per-record comparison keys for the pair scorer, computed once per record.

Scoring a pair must cost microseconds because the engine scores every
candidate pair (blocking plus FAISS neighbours: several per record at 100k
records), so everything that depends on one record only is done here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.fuzz import ratio

from corpus import normalize as nz
from corpus.dedup import keys as dk
from corpus.dedup.names import Name, names_match, parse_name, split_authors

# Types that say "journal article" (RIS, BibTeX, MEDLINE PT, WoS DT, Scopus, EndNote).
_ARTICLE_TYPES = frozenset(
    ("jour", "ejour", "jfull", "article", "journal article", "review", "research article")
)
# WoS "Article; Proceedings Paper" is a journal article from a conference issue: not here.
_CONFERENCE_TYPE = re.compile(r"conf|meeting|inproceedings|abst|congress")
# "Dissertation Abstracts International" indexes theses, not meetings.
_CONFERENCE_VENUE = re.compile(
    r"\b(?:conference|congress|symposium|workshop|meeting|colloquium|"
    r"(?<!dissertation )abstracts)\b"
)
_PREPRINT_VENUE = re.compile(
    r"medrxiv|biorxiv|arxiv|ssrn|research ?square|psyarxiv|osf preprints|preprint|socarxiv|"
    r"chemrxiv|techrxiv|authorea"
)
_PREPRINT_URL = re.compile(
    r"arxiv\.org|biorxiv\.org|medrxiv\.org|ssrn\.com|researchsquare\.com|psyarxiv\.com|"
    r"osf\.io/preprints|preprints\.org"
)
_NOTICE_TYPE = re.compile(r"erratum|correction|corrigendum|retraction|expression of concern")
_SUPPLEMENT = re.compile(r"suppl|supplement|\bs\d", re.IGNORECASE)
_MAX_AUTHORS = 6  # enough to tell authorships apart; parsing names is the main cost


@dataclass(slots=True)
class Prepared:
    """Normalised comparison keys of one record (see :func:`prepare`)."""

    title: str
    title_alt: str | None
    generic: bool
    translated: bool
    first_author: str
    authors: tuple[Name, ...]
    author_tokens: frozenset[str]
    year: int | None
    journal: tuple[str, ...]
    volume: str | None
    issue: str | None
    supplement: bool
    first_page: str | None
    doi: str | None
    doi_base: str | None
    doi_version: int | None
    pmid: str | None
    abstract_head: str
    erratum: bool
    notice_title: bool
    conference: bool
    preprint: bool
    cochrane: bool
    article: bool
    #: A correction notice's citation of its article: (volume, first page, year).
    cites: tuple[str, str, int] | None = None
    #: Where the article's own title says its errata are: (volume, issue, page, year).
    errata_at: tuple[tuple[str, str | None, str, int], ...] = ()
    #: A retraction notice or expression of concern, not a mere correction.
    retraction: bool = False
    #: Numeric page ranges ("230-5, 246-51" -> (230, 235), (246, 251)).
    page_ranges: tuple[tuple[int, int], ...] = ()

    def block_keys(self) -> list[str]:
        """Blocking keys: records sharing one are worth scoring.

        ``t:`` first 25 characters of the title (generic titles get the year
        added, or every "Editorial" would meet every other; the bracketed
        alternative title gets one too), ``a:`` first-author surname and year,
        ``v:`` journal initials and first page, ``d:`` the DOI without its
        version suffix (so versions meet and are kept apart with a reason),
        ``p:`` the PMID.
        """
        keys: list[str] = []
        if self.title:
            if self.generic:
                keys.append(f"t:{self.title}:{self.year}")
            else:
                keys.append("t:" + self.title[:25])
        if self.title_alt:
            keys.append("t:" + self.title_alt[:25])
        if self.first_author and self.year:
            keys.append(f"a:{self.first_author}:{self.year}")
        if self.journal and self.first_page:
            # Initials survive abbreviation ("J Hepatol" / "Journal of Hepatology"),
            # so this meets copies whose titles differ early (typos, translations).
            keys.append(f"v:{''.join(w[0] for w in self.journal)}:{self.first_page}")
        if self.doi_base:
            keys.append("d:" + self.doi_base)
        if self.pmid:
            keys.append("p:" + self.pmid)
        return keys


def prepare(record: Mapping[str, Any] | Any) -> Prepared:
    """Compute the comparison keys of one record.

    Args:
        record: A mapping with :class:`corpus.model.Record` field names (or a
            ``Record``); ``raw`` is used when present for Embase's ``M3``
            document type. Missing fields are fine.

    Returns:
        The keys :func:`corpus.dedup.score.score_pair` compares.
    """
    if isinstance(record, (dict, Mapping)):
        get = record.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(record, name, default)

    journal_raw = _text(get("journal"))
    journal = dk.journal_key(journal_raw) if journal_raw else ()
    raw_title = _text(get("title"))
    title, alt, translated, notice = dk.title_keys(raw_title)
    if title in dk.JUNK_TITLES or (
        len(journal) >= 3 and title.startswith(journal[0]) and _repeats_journal(title, journal)
    ):
        title, alt = "", None
    doi = _doi(get("doi"))
    doi_base, version = dk.doi_version(doi) if doi else (None, None)

    names = []
    for raw_name in split_authors(get("authors"))[:_MAX_AUTHORS]:
        parsed = parse_name(raw_name)
        if parsed:
            names.append(parsed)
    tokens: frozenset[str] = frozenset().union(*[n[1] for n in names])

    kind = (_text(get("type")) or "").lower()
    raw = get("raw")
    doc_type = kind + " " + _raw_type(raw) if raw else kind
    venue = " ".join(journal)
    # The whole venue, not its key: the key drops "ICIS - Thirty First International
    # Conference on ..." to "icis" and "Circulation. Conference: ..." to "circulation".
    full_venue = dk.key_text(journal_raw) if journal_raw else ""
    conference = bool(
        (_CONFERENCE_TYPE.search(doc_type) and "proceedings paper" not in doc_type)
        or ("proceedings paper" in doc_type and "article" not in doc_type)
        or (full_venue and _CONFERENCE_VENUE.search(full_venue))
        or _conference_keyword(get("keywords"))
    )
    url = _text(get("url"))
    preprint = bool(
        "preprint" in doc_type
        or (doi is not None and dk.is_preprint_doi(doi))
        or (venue and _PREPRINT_VENUE.search(venue))
        or (url and _PREPRINT_URL.search(url.lower()))
    )
    erratum = notice or bool(_NOTICE_TYPE.search(doc_type))
    abstract = _text(get("abstract"))
    pages = _text(get("pages"))
    return Prepared(
        title=title,
        title_alt=alt,
        generic=dk.is_generic(title) if title else False,
        translated=translated,
        first_author=names[0][0] if names else "",
        authors=tuple(names),
        author_tokens=tokens,
        year=_year(get("year")),
        journal=journal,
        volume=dk.number_key(get("volume")),
        issue=dk.number_key(get("issue")),
        supplement=bool(_SUPPLEMENT.search(f"{get('volume') or ''} {get('issue') or ''}")),
        first_page=dk.first_page(pages),
        doi=doi,
        doi_base=doi_base,
        doi_version=version,
        pmid=_pmid(get("pmid")),
        abstract_head=abstract[:300] if abstract else "",
        erratum=erratum,
        notice_title=notice,
        conference=conference and not preprint,
        preprint=preprint,
        cochrane=venue.startswith("cochrane database")
        or (doi is not None and doi.startswith("10.1002/14651858.")),
        article=kind in _ARTICLE_TYPES or (bool(journal) and not conference and not preprint),
        cites=dk.notice_citation(raw_title) if notice else None,
        errata_at=dk.erratum_locations(raw_title),
        retraction=erratum and (dk.is_retraction(raw_title) or dk.is_retraction(doc_type)),
        page_ranges=page_ranges(pages) if pages else (),
    )


_RANGE = re.compile(r"(\d+)(?:\s*[-\u2013]+\s*(\d+))?")


def page_ranges(pages: str) -> tuple[tuple[int, int], ...]:
    """Numeric page ranges of a pages field, last pages written in full.

    ``"2243-5"`` is 2243-2245; a range that runs backwards (``"2297-2108"``, a typo in
    the first page) keeps only its last page. Prefixed pages (``S33``) are left out.
    """
    out = []
    for part in re.split(r"[,;+]", pages):
        part = part.strip(" \"'.")
        m = _RANGE.fullmatch(part)
        if not m:
            continue
        start = int(m.group(1))
        end_text = m.group(2)
        if end_text is None:
            out.append((start, start))
            continue
        head = m.group(1)
        end = int(head[: max(len(head) - len(end_text), 0)] + end_text)
        out.append((start, end) if end >= start else (end, end))
    return tuple(out)


def ranges_overlap(a: Prepared, b: Prepared) -> bool:
    """True when the two records' page ranges share a page."""
    return any(x0 <= y1 and y0 <= x1 for x0, x1 in a.page_ranges for y0, y1 in b.page_ranges)


def _text(value: object) -> str | None:
    if not value:
        return None
    if not isinstance(value, str):
        value = str(value)
    return value.strip() or None


def _doi(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    low = text.lower()
    if low.startswith("10.") and " " not in low and "%" not in low:
        return low.rstrip(".,;")
    if "%2f" in low:
        low = low.replace("%2f", "/")
    return nz.doi(low)


def _pmid(value: object) -> str | None:
    if not value:
        return None
    if isinstance(value, str) and value.isdigit():
        return value.lstrip("0") or None
    return nz.pmid(value)


def _year(value: object) -> int | None:
    if isinstance(value, int):
        return value
    return nz.year(value) if value else None


def _raw_type(raw: object) -> str:
    """Embase's ``M3`` (Conference Abstract, Erratum) and MEDLINE's ``PT`` from ``raw``."""
    if not isinstance(raw, Mapping):
        return ""
    out = []
    for tag in ("M3", "PT", "DT"):
        value = raw.get(tag)
        if value:
            out.append(" ".join(value) if isinstance(value, (list, tuple)) else str(value))
    return " ".join(out).lower()


def _conference_keyword(keywords: object) -> bool:
    """Embase tags conference abstracts with the keyword "conference abstract"."""
    if not keywords or isinstance(keywords, str):
        return False
    return any(
        isinstance(k, str) and k.lower() in ("conference abstract", "meeting abstract")
        for k in keywords  # type: ignore[attr-defined]
    )


def _repeats_journal(title: str, journal: tuple[str, ...]) -> bool:
    """A "title" that is the journal's name (landing pages, tables of contents)."""
    words = title.split()
    content = [w for w in words if w not in ("of", "the", "and", "for", "in", "on")]
    return tuple(content[: len(journal)]) == journal


# ---------------------------------------------------------------- pairwise comparisons


def title_similarity(a: Prepared, b: Prepared) -> float | None:
    """Best Indel ratio over main and bracketed titles; None when one is missing."""
    if not a.title or not b.title:
        return None
    if a.title == b.title:
        return 1.0
    best = ratio(a.title, b.title)
    if a.title_alt or b.title_alt:
        for x in (a.title, a.title_alt):
            for y in (b.title, b.title_alt):
                if x and y and (x is not a.title or y is not b.title):
                    best = max(best, ratio(x, y))
    return best / 100


def extends_title(a: Prepared, b: Prepared) -> bool:
    """One title is the other plus words (a subtitle, or "II. Follow-up": a sequel).

    Only worth saying when the shorter title has at least four words.
    """
    short, long_ = sorted((a.title, b.title), key=len)
    return bool(short) and short.count(" ") >= 3 and long_.startswith(short + " ")


def title_clash(a: Prepared, b: Prepared) -> str | None:
    """Near-identical titles that still name different studies (part 1/2, men/women)."""
    if a.title == b.title:
        return None
    if dk.title_numbers(a.title) != dk.title_numbers(b.title):
        return "numbers"
    wa, wb = set(a.title.split()), set(b.title.split())
    only_a, only_b = wa - wb, wb - wa
    for word in only_a & dk.CONTRAST.keys():
        if dk.CONTRAST[word] & only_b:
            return "contrasting words"
    return None


def author_relation(a: Prepared, b: Prepared) -> tuple[str, float | None]:
    """``same``, ``partial``, ``conflict`` or ``missing``, and the overlap fraction.

    The overlap is over the shorter list, because databases truncate author
    lists (``et al.``) but do not invent authors.
    """
    if not a.authors or not b.authors:
        return "missing", None
    if a.author_tokens.isdisjoint(b.author_tokens):
        return "conflict", 0.0
    first = names_match(a.authors[0], b.authors[0])
    short, long_, long_tokens = a.authors, b.authors, b.author_tokens
    if len(short) > len(long_):
        short, long_, long_tokens = long_, short, a.author_tokens
    matched = 0
    for i, name in enumerate(short):
        if name[1].isdisjoint(long_tokens):  # most non-matches end here, cheaply
            continue
        if i < len(long_) and names_match(name, long_[i]):
            matched += 1
            continue
        for other in long_:
            if names_match(name, other):
                matched += 1
                break
    frac = matched / len(short)
    if first and frac >= 0.6:
        return "same", frac
    if first or frac >= 0.5:
        return "partial", frac
    return "conflict", frac
