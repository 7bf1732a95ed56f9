"""BibTeX / BibLaTeX exports (Scopus, Web of Science, Zotero, Mendeley, JabRef, Scholar).

Parsing uses bibtexparser 1.x. Its one weakness for us is that a malformed
entry (unbalanced brace, missing comma after the key, a file cut off by a
failed download) is silently turned into a comment. We therefore count the
``@type{`` entry starts ourselves and refuse the file when an entry was lost,
naming the line where it starts: a partial import must never look complete.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import bibtexparser
from bibtexparser.bibdatabase import BibDatabase, UndefinedString
from bibtexparser.bparser import BibTexParser
from bibtexparser.bwriter import BibTexWriter
from bibtexparser.latexenc import latex_to_unicode

from corpus import normalize
from corpus.errors import ImportFormatError
from corpus.model import Record

# bibtexparser logs "Overwriting existing string for key: jan." and "Could
# not parse properly" at WARNING/ERROR; with no logging configured Python
# prints them to stderr, an extra line beside our one-line error. Every
# problem it can log is reported by this module itself.
_BIBTEX_LOG = logging.getLogger("bibtexparser")
_BIBTEX_LOG.addHandler(logging.NullHandler())
_BIBTEX_LOG.propagate = False

#: ``@type{key,`` at the start of a line, which is where bibtexparser looks.
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]*)", re.MULTILINE)
_NOT_ENTRIES = frozenset({"comment", "string", "preamble"})
#: A last line that is only the start of an entry (``@artic``): a cut download.
_CUT_ENTRY = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z]*[ \t]*\Z")
#: Font commands whose argument is the text to keep (``\textit{E. coli}``).
_FONT_CMD = re.compile(
    r"\\(?:textit|textbf|textsc|textrm|textsf|texttt|textup|textmd|textnormal|emph|"
    r"mathrm|mathit|mathbf|mathsf|mathtt|mathcal|textsuperscript|textsubscript|"
    r"mbox|hbox|text|url|NoCaseChange|enquote)\s*(?=\{)"
)
_LEFTOVER_CMD = re.compile(r"\\([A-Za-z]+)\s?")
# Accents done here: bibtexparser's table-driven latex_to_unicode mangles some
# sequences ("Garc{\\'{i}}a-L{\\'{o}}pez, Mar{\\'{i}}a" ends in "Mar\\á").
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_ACCENT = re.compile(
    r"\\(?:([`'^\"~=.])\s*|([uvHckrdb])(?=[\s{]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))"
)
_LETTERS = {
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])(?:\{\}|\s(?=[A-Za-z]))?")
_ESCAPED = re.compile(r"\\([&%_$#])")
_PMID_IN_TEXT = re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.IGNORECASE)
_KEY_CHARS = re.compile(r"[^A-Za-z0-9]+")
_BIB_TYPE = re.compile(r"^[A-Za-z]+$")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def parse(text: str, path: str) -> list[Record]:
    """Parse a BibTeX or BibLaTeX export into records.

    Args:
        text: The decoded file content.
        path: The file name, for error messages.

    Returns:
        One record per entry, in file order.

    Raises:
        ImportFormatError: for an empty file, a file without entries, or an
            entry bibtexparser had to skip (truncated file, unbalanced braces).
    """
    if not text.strip():
        raise ImportFormatError(path, "is empty; export the references again", line=1)
    starts: list[tuple[int, str, str]] = []
    line, pos = 1, 0
    for m in _ENTRY_START.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        if m.group(1).lower() not in _NOT_ENTRIES:
            starts.append((line, m.group(1).lower(), m.group(2)))
    cut = _CUT_ENTRY.search("\n" + text.rstrip())
    if cut:
        raise ImportFormatError(
            path,
            f"the file ends in a cut-off entry start {cut.group(0).strip()!r}; the file "
            "looks truncated, export it again",
            line=text.rstrip().count("\n") + 1,
            record=len(starts) + 1,
        )
    entries = _load(text, path)
    lines = _match_lines(starts, entries, path)
    if not entries:
        raise ImportFormatError(path, "contains no BibTeX entries (@article{...})", line=1)
    return [_to_record(entry, line) for entry, line in zip(entries, lines, strict=True)]


def _load(text: str, path: str) -> list[dict[str, Any]]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    try:
        database = bibtexparser.loads(text, parser)
    except UndefinedString as exc:
        name = str(exc.args[0]) if exc.args else ""
        m = re.search(rf"=\s*{re.escape(name)}\b", text) if name else None
        raise ImportFormatError(
            path,
            f"uses the undefined @string macro {name!r}; define it or write the value in braces",
            line=text.count("\n", 0, m.start()) + 1 if m else None,
        ) from None
    except Exception as exc:  # noqa: BLE001 - pyparsing raises many types on odd input
        raise ImportFormatError(path, f"cannot be read as BibTeX ({type(exc).__name__})") from None
    return list(database.entries)


def _match_lines(
    starts: list[tuple[int, str, str]], entries: list[dict[str, Any]], path: str
) -> list[int | None]:
    """Pair each parsed entry with the line of its ``@type{``; fail on a lost one.

    bibtexparser keeps entries in file order, so walking both lists together
    finds the first start whose key never came out of the parser.
    """
    lines: list[int | None] = [None] * len(entries)
    j = 0
    for number, (line, kind, key) in enumerate(starts, start=1):
        k = j
        while k < len(entries) and not _same(entries[k], kind, key):
            k += 1
        if k == len(entries):
            raise ImportFormatError(
                path,
                f"entry @{kind}{{{key}}} could not be read (unbalanced braces, a missing "
                "comma or a truncated file); fix it or export the file again",
                line=line,
                record=number,
            )
        lines[k] = line
        j = k + 1
    return lines


def _same(entry: dict[str, Any], kind: str, key: str) -> bool:
    if key:
        return str(entry.get("ID", "")) == key
    return str(entry.get("ENTRYTYPE", "")) == kind


def _to_record(entry: dict[str, Any], line: int | None) -> Record:
    raw = {k: v for k, v in entry.items() if isinstance(v, str)}
    f = {k: _latex(v) for k, v in raw.items() if k not in ("author", "editor")}
    kind = raw.get("ENTRYTYPE", "").lower() or None
    container = f.get("journal") or f.get("journaltitle")
    if not container and kind in ("inproceedings", "incollection", "inbook", "conference"):
        container = f.get("booktitle")
    # Not normalize.clean: its HTML unescaping would turn "&copy=" into "©=".
    url = next(iter(f.get("url", "").split()), None)
    doi = normalize.doi(f.get("doi")) or (normalize.doi(url) if url and "doi.org" in url else None)
    return Record(
        title=normalize.clean(f.get("title")),
        abstract=normalize.clean(f.get("abstract")),
        authors=_authors(raw.get("author", "")),
        year=normalize.year(f.get("year"), f.get("date")),
        journal=normalize.clean(container),
        volume=normalize.clean(f.get("volume")),
        issue=normalize.clean(f.get("number") or f.get("issue")),
        pages=_pages(f.get("pages") or f.get("art_number") or f.get("article-number")),
        doi=doi,
        pmid=_pmid(f),
        issn=normalize.issn(f.get("issn")) or normalize.issn(f.get("eissn")),
        keywords=_keywords(
            f.get(k) for k in ("author_keywords", "keywords", "keywords-plus", "mesh")
        ),
        language=normalize.clean(f.get("language") or f.get("langid")),
        type=kind,
        url=url,
        source_id=normalize.clean(raw.get("ID")),
        raw=raw,
        line=line,
    )


def _latex(value: str) -> str:
    """Turn LaTeX markup into plain Unicode: ``{\\"u}`` -> ü, ``{COVID}`` -> COVID."""
    if "\\" in value:
        value = _ACCENT.sub(_accent, value)
        value = _LETTER.sub(lambda m: _LETTERS[m.group(1)], value)
        value = _ESCAPED.sub(r"\1", _FONT_CMD.sub("", value))
    if "\\" in value:
        value = latex_to_unicode(value)  # symbols and math: \\alpha, \\textendash...
        value = _LEFTOVER_CMD.sub(r"\1", value)
    elif "{" in value or "}" in value:
        value = value.replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", value)


def _accent(match: re.Match[str]) -> str:
    letter = match.group(3) or match.group(4)
    base = "i" if letter == "\\i" else "j" if letter == "\\j" else letter
    return unicodedata.normalize("NFC", base + _ACCENTS[match.group(1) or match.group(2)])


def _pages(value: str | None) -> str | None:
    """``455 – 470`` (Scopus) and ``12--19`` both become ``455-470``."""
    if value:
        value = re.sub(r"\s*[-\u2010-\u2015]+\s*", "-", value)
    return normalize.pages(value)


def _authors(value: str) -> list[str]:
    """Split ``A and B`` on top-level ``and`` only: ``{Research and Development}`` is one."""
    names: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and ch.isspace():
            m = _AND.match(value, i)
            if m:
                names.append(value[start:i])
                i = start = m.end()
                continue
        i += 1
    names.append(value[start:])
    out = [_latex(name) for name in names if name.strip().lower() != "others"]
    return normalize.authors(out)


def _keywords(values: Iterable[str | None]) -> list[str]:
    parts: list[str] = []
    for value in values:
        if value:
            parts.extend(re.split(r"\s*;\s*" if ";" in value else r"\s*,\s*", value))
    return normalize.keywords(parts, split="")


def _pmid(f: dict[str, str]) -> str | None:
    """PMID from ``pmid``, a BibLaTeX ``eprint`` of type pubmed, or ``PMID: n`` notes."""
    found = normalize.pmid(f.get("pmid") or f.get("pubmed-id"))
    if found:
        return found
    if f.get("eprinttype", "").strip().lower() in ("pubmed", "pmid"):
        return normalize.pmid(f.get("eprint"))
    for key in ("extra", "note", "annote"):
        m = _PMID_IN_TEXT.search(f.get(key, ""))
        if m:
            return normalize.pmid(m.group(1))
    return None


def dump(records: Iterable[Record]) -> str:
    """Write records as BibTeX that :func:`parse` and reference managers read back.

    Keys are the records' ``source_id`` when it is a valid key, otherwise a
    generated ``surnameYEARword`` key; duplicates get a letter suffix.
    """
    database = BibDatabase()
    used: set[str] = set()
    for record in records:
        key = _key(record, used)
        used.add(key)
        entry: dict[str, str] = {"ID": key, "ENTRYTYPE": _entry_type(record.type)}
        fields: dict[str, Any] = {
            "title": record.title,
            "author": " and ".join(_safe(a) for a in record.authors) or None,
            "year": str(record.year) if record.year else None,
            "journal": record.journal,
            "volume": record.volume,
            "number": record.issue,
            "pages": record.pages.replace("-", "--") if record.pages else None,
            "doi": record.doi,
            "pmid": record.pmid,
            "issn": record.issn,
            "keywords": "; ".join(record.keywords) or None,
            "abstract": record.abstract,
            "language": record.language,
            "url": record.url,
        }
        for name, value in fields.items():
            if value:
                entry[name] = _safe(str(value))
        database.entries.append(entry)
    writer = BibTexWriter()
    writer.order_entries_by = None
    writer.indent = "  "
    writer.display_order = ["title", "author", "year", "journal"]
    return str(writer.write(database))


def _safe(value: str) -> str:
    """Drop braces (bibtexparser 1.x cannot read escaped ones) and newlines."""
    return " ".join(value.replace("{", "").replace("}", "").split())


def _entry_type(kind: str | None) -> str:
    if kind and _BIB_TYPE.match(kind):
        return kind.lower()
    return "article"


def _key(record: Record, used: set[str]) -> str:
    key = record.source_id or ""
    if not key or re.search(r"[\s,{}()\"#%'=\\]", key):
        surname = record.authors[0].split(",")[0] if record.authors else "anon"
        word = next((w for w in (record.title or "").split() if len(w) > 3), "")
        ascii_key = unicodedata.normalize("NFKD", f"{surname}{record.year or ''}{word}")
        key = _KEY_CHARS.sub("", ascii_key.encode("ascii", "ignore").decode().lower()) or "ref"
    base, suffix = key, 0
    while key in used:
        suffix += 1
        key = f"{base}{chr(96 + suffix) if suffix < 27 else suffix}"
    return key


def detect_database(text: str) -> str | None:
    """Name the database or tool that wrote a BibTeX export, when its marks show it."""
    head = text[:20000]
    if re.search(r"source\s*=\s*[{\"]\s*Scopus", head, re.IGNORECASE) or (
        "www.scopus.com/inward/record" in head
    ):
        return "Scopus"
    if re.search(r"Unique-ID\s*=\s*\{\s*(?:WOS|ISI):", head, re.IGNORECASE):
        return "Web of Science"
    if "generated by Mendeley" in head:
        return "Mendeley"
    if "created with JabRef" in head:
        return "JabRef"
    return None
