"""CSV, TSV and semicolon-separated exports (Scopus, Embase, PubMed, Zotero, ASReview, WoS).

Every vendor names its columns differently ("Source title", "Journal/Book",
"Publication Title"), so columns are matched against vocabularies after
folding case, spaces and underscores. A Web of Science tab-delimited file,
whose header is two-letter tags (``PT AU ... UT``), has its own vocabulary
because its tags would clash with generic names (``ID`` is Keywords Plus
there, a record id elsewhere).
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from corpus import normalize
from corpus.errors import ImportFormatError
from corpus.model import Record

#: Scopus "References" cells can pass csv's default 128 KiB limit.
_FIELD_LIMIT = 16 * 1024 * 1024
_DELIMITERS = (",", ";", "\t", "|")

# Named-column vocabulary: field -> folded header names, best first.
_NAMED: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "primary title", "titles"),
    "abstract": ("abstract", "abstract note", "abstracts", "summary"),
    "authors": ("authors", "author", "author names", "first authors", "author full names"),
    "year": (
        "year",
        "publication year",
        "pubyear",
        "py",
        "date",
        "publication date",
        "date of publication",
    ),
    "journal": (
        "journal",
        "source title",
        "publication title",
        "journal/book",
        "journal title",
        "secondary title",
        "publication name",
    ),
    "article_number": ("art. no.", "article number"),
    # Embase/PubMed write a whole citation here; Scopus writes "Scopus". Parsed, not copied.
    "citation": ("source", "citation"),
    "volume": ("volume",),
    "issue": ("issue", "number"),
    "pages": ("pages", "page", "page range"),
    "page_start": ("page start", "first page", "start page", "start_page"),
    "page_end": ("page end", "last page", "end page"),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed id", "medline pmid"),
    "issn": ("issn", "eissn"),
    "keywords": (
        "keywords",
        "author keywords",
        "index keywords",
        "manual tags",
        "automatic tags",
        "mesh terms",
    ),
    "language": ("language", "language of original document", "article language"),
    "type": ("type", "document type", "item type", "publication type", "type of reference"),
    "url": ("url", "link", "full text link", "embase link"),
    # Link-resolver URLs: never the record's URL, but some Embase CSVs carry
    # the DOI only there (``...&id=doi:10.1002%2Fcncr.20369&...``).
    "openurl": ("open url link", "openurl", "open url"),
    "extra": ("extra",),
    "source_id": (
        "record id",
        "id",
        "key",
        "eid",
        "ut (unique wos id)",
        "embase accession id",
        "embase accession number",
        "accession number",
        "pmid",
        "pui",
    ),
}
# Web of Science field tags.
_WOS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "abstract": ("AB",),
    "authors": ("AU", "AF"),
    "year": ("PY", "EA", "PD"),
    "journal": ("SO",),
    "volume": ("VL",),
    "issue": ("IS",),
    "pages": ("AR",),
    "page_start": ("BP",),
    "page_end": ("EP",),
    "doi": ("DI",),
    "pmid": ("PM",),
    "issn": ("SN", "EI"),
    "keywords": ("DE", "ID"),
    "language": ("LA",),
    "type": ("DT",),
    "url": ("DL",),
    "openurl": (),
    "extra": (),
    "citation": (),
    "article_number": (),
    "source_id": ("UT",),
}
_WOS_TAG = re.compile(r"^[A-Z][A-Z0-9]$")
#: Title-bearing columns, listed in the error for a file that has none.
_NEEDED = ("Title", "Article Title", "Abstract", "Abstract Note", "TI", "AB")
#: Embase's "Source": ``Cancer (2004) 102:4 (253-258). Date of Publication: ...``.
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?) \((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?"
    r"\s*(?:\((?P<pages>[^)]*)\))?"
)
#: PubMed's "Citation": ``Child Abuse Negl. 2021 Jul;117:105012. doi: ...``.
_PUBMED_CITATION = re.compile(
    r";(?P<volume>[^:;()\s]+)?(?:\((?P<issue>[^)]+)\))?:(?P<pages>[^.;\s]+)"
)
_NO_ABSTRACT = frozenset({"[no abstract available]", "no abstract available", "[no abstract]"})
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.[\s-]*)+$")
_AUTHOR_ID = re.compile(r"\s*\(\d{5,}\)\s*$")
_PMID_EXTRA = re.compile(r"\bPMID\s*:\s*(\d{1,9})", re.IGNORECASE)
_NO_AUTHOR = frozenset({"[no author name available]", "[anonymous]", "anonymous", "n/a"})


def parse(text: str, path: str) -> list[Record]:
    """Parse a delimited export into records.

    Args:
        text: The decoded file content.
        path: The file name, for error messages.

    Returns:
        One record per non-empty row. Rows without title or abstract are kept
        (they are flagged later, not dropped).

    Raises:
        ImportFormatError: for an empty file, a header without a title or
            abstract column, a row whose field count does not fit the header,
            or a quoted field left open at the end of the file (truncated).
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFormatError(path, "is empty; export the records again", line=1)
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    skipped = len(text) - len(text.lstrip("\n"))
    text = text.lstrip("\n")
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    wos = delimiter == "\t" and _is_wos(first_line.split("\t"))
    reader = csv.reader(
        io.StringIO(text),
        delimiter=delimiter,
        # WoS never quotes, and its titles may start with a quote character.
        quoting=csv.QUOTE_NONE if wos else csv.QUOTE_MINIMAL,
        strict=False,
    )
    try:
        return _rows(reader, wos, text, path, skipped, delimiter)
    except csv.Error as exc:
        raise ImportFormatError(
            path, f"cannot be read as CSV: {exc}", line=reader.line_num + skipped
        ) from None


def _rows(
    reader: Any, wos: bool, text: str, path: str, offset: int, delimiter: str
) -> list[Record]:
    """Read the header and the rows; ``reader`` is a csv reader (it has ``line_num``)."""
    names = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    cols = _columns(names, wos)
    if not cols["title"] and not cols["abstract"]:
        raise ImportFormatError(
            path,
            "no title or abstract column; expected one of " + ", ".join(_NEEDED),
            line=1 + offset,
        )
    keys = _raw_keys(names)
    width = len(names)
    records: list[Record] = []
    start = reader.line_num + 1
    for row in reader:
        line = start + offset
        start = reader.line_num + 1
        if not any(row) or not "".join(row).strip():
            continue
        if len(row) != width:
            if len(row) > width and not "".join(row[width:]).strip():
                row = row[:width]  # WoS ends every row with a tab
            else:
                raise ImportFormatError(
                    path,
                    f"row has {len(row)} fields but the header has {width} "
                    + (
                        "(the file looks truncated)"
                        if reader.line_num >= text.count("\n")
                        else "(a delimiter or line break inside an unquoted field?)"
                    ),
                    line=line,
                    record=len(records) + 1,
                )
        records.append(_record(row, cols, keys, wos, line, len(records) + 1))
    if records and not wos:
        _check_open_quote(text, records[-1].line, offset, path, len(records), delimiter)
    if not records:
        raise ImportFormatError(path, "has a header but no records", line=1 + offset)
    return records


def _check_open_quote(
    text: str, line: int | None, offset: int, path: str, number: int, delimiter: str
) -> None:
    """Refuse a file cut off inside a quoted field (csv would accept it silently)."""
    if line is None:
        return
    tail_start = 0
    for _ in range(line - offset - 1):
        tail_start = text.find("\n", tail_start) + 1
        if not tail_start:  # a bare \r counted as a line by csv; text should have none
            return
    tail = text[tail_start:]
    if tail.count('"') % 2 == 0:
        return
    try:
        for _row in csv.reader(io.StringIO(tail), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise ImportFormatError(
                path,
                "a quoted field is never closed; the file looks truncated, export it again",
                line=line,
                record=number,
            ) from None


def _delimiter(line: str) -> str:
    """Pick the delimiter that occurs most often outside quotes in the header."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _fold(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip(' _\t\ufeff"')).lower()


def _is_wos(header: Sequence[str]) -> bool:
    tags = [h.strip().lstrip("\ufeff") for h in header if h.strip()]
    if len(tags) < 5:
        return False
    share = sum(1 for t in tags if _WOS_TAG.match(t)) / len(tags)
    return share >= 0.8 and ({"TI", "AU"} <= set(tags) or {"PT", "UT"} <= set(tags))


def _columns(names: list[str], wos: bool) -> dict[str, tuple[int, ...]]:
    """Map each field to the indices of the columns that may hold it, best first."""
    if wos:
        index = {n: i for i, n in reversed(list(enumerate(names)))}
        return {f: tuple(index[t] for t in tags if t in index) for f, tags in _WOS.items()}
    folded: dict[str, int] = {}
    for i, n in enumerate(names):
        folded.setdefault(_fold(n), i)
    return {f: tuple(folded[a] for a in aliases if a in folded) for f, aliases in _NAMED.items()}


def _raw_keys(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for i, n in enumerate(names):
        n = n or f"column {i + 1}"
        seen[n] = seen.get(n, 0) + 1
        keys.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return keys


def _record(
    row: list[str],
    cols: dict[str, tuple[int, ...]],
    keys: list[str],
    wos: bool,
    line: int,
    number: int,
) -> Record:
    def get(field: str) -> str | None:
        for i in cols[field]:
            if row[i] and not row[i].isspace():
                return row[i]
        return None

    journal = get("journal")
    year = normalize.year(*(row[i] for i in cols["year"]))
    volume, issue, pages = get("volume"), get("issue"), get("pages")
    citation = get("citation")
    if citation:  # a whole citation (Embase "Source", PubMed "Citation"): take it apart
        cite = _EMBASE_SOURCE.match(citation)
        if cite:
            journal = journal or cite["journal"]
            year = year or normalize.year(cite["year"])
        else:
            cite = _PUBMED_CITATION.search(citation)
        if cite:
            volume, issue = volume or cite["volume"], issue or cite["issue"]
            pages = pages or cite["pages"]
    if not pages or wos:
        pages = normalize.pages(get("page_start"), get("page_end")) or pages
    pages = pages or get("article_number")
    url = _url(get("url"))
    doi = (
        normalize.doi(get("doi"))
        or normalize.doi_in_url(url)
        or normalize.doi_in_url(get("openurl"))
    )
    extra = get("extra") or ""
    pmid_match = _PMID_EXTRA.search(extra)
    source_id = _clean(get("source_id")) or str(number)
    kw_cells = [row[i] for i in cols["keywords"] if row[i]]
    abstract = _clean(get("abstract"))
    if abstract and abstract.lower() in _NO_ABSTRACT:
        abstract = None  # Scopus writes a placeholder
    return Record(
        title=_clean(get("title")),
        abstract=abstract,
        authors=split_authors(get("authors") or ""),
        year=year,
        journal=_clean(journal),
        volume=_clean(volume),
        issue=_clean(issue),
        pages=_pages(pages),
        doi=doi,
        pmid=normalize.pmid(get("pmid")) or (pmid_match and pmid_match.group(1)) or None,
        issn=normalize.issn(get("issn")),
        keywords=_keywords(kw_cells, semicolons_only=wos),
        language=_clean(get("language")),
        type=_clean(get("type")),
        url=url,
        source_id=source_id,
        raw={keys[i]: v for i, v in enumerate(row) if v},
        line=line,
    )


def _clean(value: str | None) -> str | None:
    """:func:`normalize.clean`, skipped for cells already clean (a third of 100k-row imports)."""
    if not value:
        return None
    if (
        value.isprintable()
        and "  " not in value
        and "<" not in value
        and "&" not in value
        and (value[0] != " " and value[-1] != " ")
    ):
        return value
    return normalize.clean(value)


def _url(value: str | None) -> str | None:
    """First URL of a cell, untouched: ``clean`` would unescape ``&copy=`` into ``©=``."""
    parts = value.split() if value else []
    return parts[0] if parts else None


def _pages(value: str | None) -> str | None:
    """``455 – 470`` and ``455--470`` both become ``455-470``."""
    if value:
        value = re.sub(r"\s*[-\u2010-\u2015]+\s*", "-", value)
    return normalize.pages(value)


def _literal_list(value: str) -> list[str] | None:
    """Read ``['a', 'b']`` cells (ASReview and pandas write lists that way)."""
    if not (value.startswith("[") and value.endswith("]") and ("'" in value or '"' in value)):
        return None
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(parsed, (list, tuple)):
        return [str(v) for v in parsed if v is not None]
    return None


# BibTeX's "Family, Given and Family, Given": "and" between names, one comma in each.
_BIBTEX_AND = re.compile(r"\s+and\s+")


def split_authors(value: str) -> list[str]:
    """Split an author cell whatever the vendor's convention.

    ``A; B`` (Zotero, WoS, new Scopus), ``Gatica G.N., Sequeira F.A.`` (old
    Scopus, Embase), ``Gatica, G.N., Sequeira, F.A.`` (2022 Scopus),
    ``Wang C, Lizardo O.`` (PubMed), ``Smith, J. and Le Quintrec, M.`` (BibTeX
    converted to CSV) and ``['A', 'B']`` (ASReview). A lone ``Smith, John`` stays one
    author.
    """
    value = value.strip()
    if not value or value.lower() in _NO_AUTHOR:
        return []
    listed = _literal_list(value)
    if listed is not None:
        return _names(listed)
    if ";" in value:
        return _names(value.split(";"))
    bibtex = _BIBTEX_AND.split(value)
    if len(bibtex) > 1 and all(part.count(",") == 1 for part in bibtex):
        return _names(bibtex)
    if "," not in value:
        return _names([value])
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    odd, even = tokens[1::2], tokens[0::2]
    if (
        len(tokens) % 2 == 0
        and all(_INITIALS.match(t) for t in odd)
        and not any(_INITIALS.match(t) for t in even)
    ):
        return _names([f"{a}, {b}" for a, b in zip(even, odd, strict=True)])
    if len(tokens) > 1 and all(" " in t for t in tokens):
        if tokens[-1].endswith(".") and not any(t.endswith(".") for t in tokens[:-1]):
            tokens[-1] = tokens[-1][:-1]  # PubMed ends the list with a full stop
        return _names(tokens)
    return _names([value])


def _keywords(cells: list[str], semicolons_only: bool = False) -> list[str]:
    parts: list[str] = []
    for cell in cells:
        listed = _literal_list(cell.strip())
        if listed is not None:
            parts.extend(listed)
        elif ";" in cell or semicolons_only:
            parts.extend(cell.split(";"))
        else:
            parts.extend(cell.split(","))
    out: list[str] = []
    seen: set[str] = set()
    for part in parts:
        c = _clean(part.strip())
        if c and c.lower() not in seen:
            seen.add(c.lower())
            out.append(c)
    return out


def _names(parts: Sequence[str]) -> list[str]:
    """:func:`normalize.authors` with the fast path of :func:`_clean`.

    Scopus' "Author full names" end each name with its author ID, ``(57212345678)``.
    """
    out = []
    for part in parts:
        c = _clean(_AUTHOR_ID.sub("", part).strip())
        if c:
            c = c.rstrip(",").strip()
            if c:
                out.append(c)
    return out


def detect_database(text: str) -> str | None:
    """Name the database that wrote a delimited export, from its header and first rows."""
    head = text.lstrip("\ufeff")[:20000]
    first = head.split("\n", 1)[0]
    folded = {_fold(c) for c in re.split(r"[,;\t|]", first)}
    if (
        "embase accession id" in folded
        or "emtree drug index terms" in folded
        or ("sid=EMBASE" in head)
    ):
        return "Embase"
    if {"pmid", "citation", "first author", "journal/book"} <= folded:
        return "PubMed"
    if "eid" in folded and ("source title" in folded or "author(s) id" in folded):
        return "Scopus"
    if "ut (unique wos id)" in folded or _is_wos(first.split("\t")):
        return "Web of Science"
    if {"key", "item type", "publication year", "abstract note"} <= folded:
        return "Zotero"
    return None
