"""Comparison keys for deduplication: titles, journals, pages, DOIs.

The same study comes from PubMed, Embase, Scopus and Web of Science with its
fields written differently (``J Child Sex Abus`` / ``Journal of Child Sexual
Abuse``, ``9848-53`` / ``9848--9853``, ``<i>in vivo</i>``, British or American
spelling, ``[Translated title].``). These helpers map each spelling to one key
so that :mod:`corpus.dedup.score` compares like with like; author names are
in :mod:`corpus.dedup.names`. Journals repeat across records, so their keys
are cached; titles are not (each is seen once per record), but their words are.
Also used by full-text matching and decision imports. More: docs/methods/dedup.md.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

# Names live in corpus.dedup.names; re-exported because callers look for all keys here.
from corpus.dedup.names import (  # noqa: F401
    GREEK,
    Name,
    fold,
    names_match,
    parse_name,
    split_authors,
)

_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_LATEX_CMD = re.compile(r"\\([a-zA-Z]+)\s*|\\.")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# British -> American spelling, so "randomised behaviour" == "randomized behavior".
# Applied per word (and cached) because running these on whole titles cost ~20 us.
# Each rule is (substring a word must hold for it to apply, pattern, replacement).
_SPELLING = (
    ("is", re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    ("our", re.compile(r"(?<=[a-z]{2})our(s|ed|ing|al|ally)?$"), r"or\1"),
    ("ae", re.compile(r"ae"), "e"),
    ("oe", re.compile(r"oe"), "e"),
    ("tre", re.compile(r"(?<=[a-z])tre(s)?$"), r"ter\1"),
    ("ll", re.compile(r"ll(ing|ed|er|ers)$"), r"l\1"),
    ("ogue", re.compile(r"ogue$"), "og"),
    ("programme", re.compile(r"^programme"), "program"),
)
_SPELLED: dict[str, str] = {}
_PUNCT_CHARS = b'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r\x0b\x0c'
# bytes.translate is a C table lookup: twice as fast as str.translate on titles.
_PUNCT = bytes.maketrans(_PUNCT_CHARS, b" " * len(_PUNCT_CHARS))
# Ovid adds "[Review] [42 refs]", "[Erratum appears in ...]" to MEDLINE titles.
# Exports cut long titles, leaving "[Erratum appears in J Pediatr. 2003 Jun" unclosed;
# WoS marks letters "(multiple letters) [1]".
# Notes inside a marker nest one level ("Note: Niauif, P [added]]"), and a cut export
# leaves a bare "[Erratum" or "[Erratum appear" at the end.
_OVID_MARKER = re.compile(
    r"\[(?:review|comment|editorial|letter|\d+ refs?|see comments?|news|corrected)\]|"
    r"\[(?:published )?(?:erratum|retraction|comment|update|summary for patients) "
    r"(?:appears? )?in(?:[^\[\]]|\[[^\[\]]*\])*(?:\]|$)|\[corrected and republished[^\]]*\]|"
    r"\[(?:published )?(?:erratum|retraction)(?: appears?)?$|"
    r"\(multiple letters\)(?:\s*\[\d{1,2}\])?",
    re.IGNORECASE,
)
# Where the article says its erratum is: "[Erratum appears in Am J Transplant. 2009
# Sep;9(9):2205 Note: ...]" -> year, volume, issue, first page.
_ERRATUM_AT = re.compile(
    r"erratum (?:appears? )?in:?\s[^;\]\[]*?((?:19|20)\d\d)[^;\]\[]*;\s*(\d+)\s*"
    r"(?:\(([^()\]]*)\))?\s*:\s*([a-z]?\d+)",
    re.IGNORECASE,
)
# A correction notice citing its article, as Web of Science writes it ("<title> (vol 360,
# pg 542, 2009)") and as Embase does ("<title> (New England Journal of Medicine (2009)
# 360 (542-544))"): volume, first page, year.
_WOS_CITE = re.compile(
    r"\s*\(\s*vol\.?\s*(\w+)\s*,\s*pg\.?\s*([a-z]?\d+)[a-z]?\s*,\s*((?:19|20)\d\d)\s*\)\s*\.?\s*$",
    re.IGNORECASE,
)
_EMBASE_CITE = re.compile(
    r"\s*\((?:[^()]*[a-z][^()]*)\s\(((?:19|20)\d\d)\)\s*(\d+)\s*(?::\s*\d+|\(\s*[^()]*\))?\s*"
    r"\(\s*([a-z]?\d+)[^()]*\)\s*\)\s*\.?\s*$",
    re.IGNORECASE,
)
# PsycINFO: '"<title of the article>": Correction'.
_QUOTED_NOTICE = re.compile(
    r'^\s*["\u201c\u201d](.{10,})["\u201c\u201d]\s*[:.]\s*(?:correction|erratum|corrigendum)\s*\.?\s*$',
    re.IGNORECASE,
)
# MEDLINE comment records end with the commented article: "... N Engl J Med. 2009 Jan
# 29;360(5):544-6". A citation, not part of the title.
_TRAILING_CITATION = re.compile(
    r"(?:\.\.\.?|\.)\s*[A-Z][A-Za-z&. ]{1,80}?\.?\s+(?:19|20)\d\d(?:\s+[A-Za-z]{3}(?:\s+\d{1,2})?)?"
    r"\s*;\s*\d+\s*(?:\([^()]*\))?\s*:\s*[a-z]?\d+(?:\s*-\s*\d+)?\.?\s*$"
)
_RETRACTION = re.compile(r"retract|withdraw|expression of concern", re.IGNORECASE)
# "[Article in German]", "(author's transl)": MEDLINE's marks of a translated title.
_MARKER = re.compile(
    r"\[(?:(?:article|text|title|abstract|paper)\s+)?in\s+[a-z ,;]+\]|\(author'?s transl\)|"
    r"\[(?:english|original) (?:abstract|title)[^\]]*\]|"
    r"\[(?:article in |text in |in )?(?:english|french|german|spanish|italian|portuguese|russian|"
    r"chinese|japanese|polish|dutch|czech|hungarian|turkish|korean|danish|swedish|norwegian|"
    r"finnish|croatian|serbian|romanian|greek|hebrew|persian|arabic|slovak|bulgarian)"
    r"(?: with english abstract)?\]",
    re.IGNORECASE,
)
_BRACKET = re.compile(r"\[([^\[\]]{10,})\]")
# Notices that are records of their own: kept apart from the article they correct.
_NOTICE = re.compile(
    r"^\s*(?:erratum|errata|corrigendum|corrigenda|correction|retraction(?: notice)?|"
    r"notice of retraction|(?:editorial )?expression of concern|publisher'?s? note)"
    r"(?:\s*$|\s*[:.\-–\[(]|\s+(?:to|for|notice)\b)\s*",
    re.IGNORECASE,
)
_NOTICE_INITIALS = frozenset("ecrnpwECRNPW")
# "RETRACTED: <title>" is the retracted article itself, not the notice.
_RETRACTED = re.compile(r"^\s*(?:retracted(?: article)?|withdrawn)\s*[:.\-]\s*", re.IGNORECASE)
_ROMAN = re.compile(r"\b(?:part|phase|type|stage|grade|class|study|volume|vol|paper)\s+"
                    r"(i{1,3}|iv|v|vi{1,3}|ix|x)\b")  # fmt: skip
_ROMAN_VALUE = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8,
                "ix": 9, "x": 10}  # fmt: skip
_DIGITS = re.compile(r"\d+")
_ROMAN_WORDS = frozenset({"ii", "iii", "iv", "vi", "vii", "viii", "ix"})
_ROMAN_HINTS = ("part ", "phase ", "type ", "stage ", "grade ", "class ", "study ", "vol", "paper ")

#: Titles shared by many unrelated records: a match needs venue and pages too.
GENERIC_TITLES = frozenset(
    " ".join(t.split())
    for t in """editorial|introduction|letter|letters|letter to the editor|letters to the editor|
    reply|in reply|response|authors reply|author reply|reply to letter|reply to the letter|
    comment|comments|commentary|correspondence|erratum|errata|correction|corrigendum|
    book review|book reviews|review|reviews|preface|foreword|news|obituary|abstracts|index|
    contents|table of contents|editors note|editor s note|editorial comment|guest editorial|
    in memoriam|conclusion|conclusions|discussion|summary|retraction|expression of concern|
    announcement|announcements|acknowledgements|acknowledgments|acknowledgement|reviewers|
    front matter|back matter|masthead|highlights|conference report|meeting report|
    invited commentary|viewpoint|perspective|perspectives|case report|
    letter from the editor|from the editor|abstract|notes|note|overview|research highlights|
    in this issue|retraction notice|notice of retraction|editor s comments|editors comments|
    editor s comment|editorial comments|from the editors|editor s introduction|issue information|
    editorial board|in brief|news in brief|president s message|message from the editor|
    message from the president|letter from the editors|editor s corner|news and views""".split("|")
)
JUNK_TITLES = frozenset(
    {"unknown", "untitled", "no title", "no title available", "not available", "na", "n a",
     "anonymous", "title", "none", "null", "no abstract available"}
)  # fmt: skip
#: Words whose swap makes a different study ("... in men" vs "... in women"):
#: word -> the words it contrasts with.
_CONTRAST_GROUPS = (
    "men women",
    "male female",
    "males females",
    "boys girls",
    "mice rats",
    "mouse rat",
    "adults children adolescents infants",
    "vitro vivo",
    "positive negative",
    "acute chronic",
    "increase decrease",
    "increased decreased",
    "high low",
    "higher lower",
    "early late",
    "before after",
    "with without",
    "primary secondary",
    "upper lower",
    "left right",
    "anterior posterior",
    "pre post",
    "preterm term",
    "maternal paternal",
    "benign malignant",
    "agonist antagonist",
    "agonists antagonists",
    "type1 type2",
    "first second",
)
CONTRAST: dict[str, frozenset[str]] = {}
for _group in _CONTRAST_GROUPS:
    for _word in _group.split():
        CONTRAST[_word] = CONTRAST.get(_word, frozenset()) | (frozenset(_group.split()) - {_word})


def strip_markup(text: str) -> str:
    """Remove HTML tags/entities and LaTeX commands databases leave in titles."""
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:  # "&lt;i&gt;" decoded into a tag
            text = _TAG.sub("", text)
    if "\\" in text or "{" in text or "$" in text:
        text = _LATEX_CMD.sub(lambda m: _latex_word(m.group(1)), text)
        text = text.replace("{", "").replace("}", "").replace("$", "")
    return text


def _latex_word(name: str | None) -> str:
    if name and name.lower() in GREEK.values():
        return f" {name.lower()} "
    return ""


def key_text(text: str) -> str:
    """Fold and keep only letters and digits, single-spaced."""
    text = fold(text)
    if text.isascii():
        return " ".join(text.encode().translate(_PUNCT, b"'").decode().split())
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def title_keys(raw: str | None) -> tuple[str, str | None, bool, bool]:
    """Normalised title, its bracketed alternative, translated flag, notice flag.

    MEDLINE writes translated titles in brackets (``[Depression in old age].``),
    Embase may add the original or English title in brackets after the
    title; both variants are kept so either can match the other record.
    ``Erratum: <title>`` is reduced to ``<title>`` with the notice flag set,
    so the engine still finds it next to the article and can say why they
    stay apart.

    Returns:
        (main title key, alternative key or None, translated, notice)
    """
    if not raw:
        return "", None, False, False
    text = strip_markup(raw).strip()
    notice = False
    if text[:1] in _NOTICE_INITIALS:  # cheap gate: most titles start otherwise
        m = _RETRACTED.match(text)
        if m:
            text = text[m.end() :]
        else:
            m = _NOTICE.match(text)
            if m:
                notice = True
                text = text[m.end() :]
    if text.endswith(")"):
        text, cited = _cut_citation(text)
        notice = notice or cited is not None
    elif notice and text.count("(") > text.count(")"):
        # "Erratum: <title> (The Journal of Pediatrics (M": the citation, cut short.
        text = _cut_unclosed(text)
    elif text[:1] in '"\u201c\u201d':
        m = _QUOTED_NOTICE.match(text)
        if m:
            text, notice = m.group(1), True
    if ";" in text and ":" in text:
        m = _TRAILING_CITATION.search(text)
        if m and m.start() >= 20:
            text = text[: m.start()]
    translated = False
    if "[" in text or "(" in text:
        if "[" in text:
            text = _OVID_MARKER.sub(" ", text)
        cut = _MARKER.sub(" ", text)
        translated = cut != text
        text = cut.strip().rstrip(". ")
    alt = None
    if text.startswith("[") and _closes_at_end(text):
        while text.startswith("[") and _closes_at_end(text):  # "[[...]]" too
            text = text[1:-1].strip()
        translated = True
    if "[" in text:
        m = _BRACKET.search(text)
        if m:
            outside = (text[: m.start()] + " " + text[m.end() :]).strip(" .")
            alt_key = spelling(key_text(m.group(1)))
            if len(outside) < 10:  # "[Title]." with a stray remnant: the bracket is the title
                text, translated = m.group(1), True
            elif len(alt_key) >= 10:
                alt, translated, text = alt_key, True, outside
    if "&" in text:
        text = text.replace("&", " and ")
    main = spelling(key_text(text))
    if alt == main:
        alt = None
    return main, alt, translated, notice


def _cut_citation(text: str) -> tuple[str, tuple[str, str, int] | None]:
    """Split a notice's citation of its article off the title (WoS and Embase forms)."""
    m = _WOS_CITE.search(text)
    if m and m.start() >= 10:
        volume, page, year = m.group(1), m.group(2), int(m.group(3))
    else:
        m = _EMBASE_CITE.search(text)
        if not m or m.start() < 10:
            return text, None
        year, volume, page = int(m.group(1)), m.group(2), m.group(3)
    return text[: m.start()], (number_key(volume) or volume, first_page(page) or page, year)


def _cut_unclosed(text: str) -> str:
    """Cut the title at the first parenthesis a truncated export never closed."""
    opened: list[int] = []
    for i, c in enumerate(text):
        if c == "(":
            opened.append(i)
        elif c == ")" and opened:
            opened.pop()
    return text[: opened[0]] if opened and opened[0] >= 20 else text


def notice_citation(raw: str | None) -> tuple[str, str, int] | None:
    """The article a correction notice cites in its title: (volume, first page, year).

    Web of Science titles a correction "<article title> (vol 360, pg 542, 2009)", Embase
    "<article title> (New England Journal of Medicine (2009) 360 (542-544))".
    """
    if not raw or not raw.rstrip(" .").endswith(")"):
        return None
    return _cut_citation(strip_markup(raw).strip().rstrip(" ."))[1]


def erratum_locations(raw: str | None) -> tuple[tuple[str, str | None, str, int], ...]:
    """Where an article's title says its errata are: (volume, issue, first page, year).

    MEDLINE via Ovid appends "[Erratum appears in Am J Transplant. 2009 Sep;9(9):2205]".
    """
    if not raw or "rratum" not in raw:
        return ()
    return tuple(
        (
            number_key(m.group(2)) or m.group(2),
            number_key(m.group(3)),
            first_page(m.group(4)) or m.group(4),
            int(m.group(1)),
        )
        for m in _ERRATUM_AT.finditer(raw)
    )


def is_retraction(raw: str | None) -> bool:
    """True for a retraction notice or expression of concern (never linked to the article)."""
    return bool(raw and _RETRACTION.search(raw[:60]))


def _closes_at_end(text: str) -> bool:
    """True when the "[" opening ``text`` is closed by its last character."""
    if not text.endswith("]"):
        return False
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "[") - (c == "]")
        if depth == 0:
            return i == len(text) - 1
    return False


def spelling(key: str) -> str:
    """Map British spellings to American ones, word by word."""
    out = []
    for word in key.split():
        spelled = _SPELLED.get(word)
        if spelled is None:
            spelled = word
            for hint, pattern, repl in _SPELLING:
                if hint in spelled:
                    spelled = pattern.sub(repl, spelled)
            if len(_SPELLED) < 500_000:  # bounded: titles of a huge import must not grow it
                _SPELLED[word] = spelled
        out.append(spelled)
    return " ".join(out)


def title_numbers(key: str) -> frozenset[str]:
    """Numbers in a title (``part II`` counts as 2): differing numbers, different study."""
    nums = [n.lstrip("0") or "0" for n in _DIGITS.findall(key)]
    if any(w in key for w in _ROMAN_HINTS):
        nums.extend(str(_ROMAN_VALUE[r]) for r in _ROMAN.findall(key))
    # "ii", "iii", "iv"... alone are numerals ("i", "v", "x" may be words or letters).
    nums.extend(str(_ROMAN_VALUE[w]) for w in key.split() if w in _ROMAN_WORDS)
    return frozenset(nums)


def is_generic(key: str) -> bool:
    """True for titles like "Editorial" or "Reply" that many records share."""
    return key in GENERIC_TITLES or key.count(" ") < 1


# ---------------------------------------------------------------- journals
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Embase names a conference abstract's venue "Circulation. Conference: American Heart
# Association's Scientific Sessions 2017": the journal is the part before the meeting.
_MEETING_PART = re.compile(r"[.,;]\s*(?:conference|congress|meeting|symposium)\b", re.IGNORECASE)
_SUBTITLE = re.compile(r"\s(?:-|–|=)\s|:|\.\s+-")
_JOURNAL_STOP = frozenset("of the and for in on at to und fur fuer de des du la le et".split())


@lru_cache(maxsize=1 << 14)
def journal_key(name: str) -> tuple[str, ...]:
    """Content tokens of a journal name: ``The Lancet (London)`` -> ``('lancet',)``.

    ``PLoS ONE [Electronic Resource]`` is ``PLoS ONE``, and Embase's ``Circulation.
    Conference: <meeting>`` is ``Circulation``, so the supplement's abstract meets the
    same abstract exported from MEDLINE under the journal's own name.
    """
    text = strip_markup(name).replace("&", " and ")
    m = _MEETING_PART.search(text)
    if m and m.start() > 2:
        text = text[: m.start()]
    text = _PARENS.sub(" ", text)
    m = _SUBTITLE.search(text)
    if m and m.start() > 2:
        text = text[: m.start()]
    return tuple(t for t in key_text(text).split() if t not in _JOURNAL_STOP)


def _abbrev_of(short: str, full: str) -> bool:
    """``natl`` abbreviates ``national``: same first letter, letters in order."""
    if short == full:
        return True
    if short[0] != full[0] or len(short) > len(full):
        return False
    it = iter(full[1:])
    return all(c in it for c in short[1:])


@lru_cache(maxsize=1 << 16)
def journals_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when one journal name can be an abbreviation of the other (ISO4-like).

    Token by token the shorter word must abbreviate the longer one (``Proc
    Natl Acad Sci U S A``); a name may stop early when three words already
    agree (a dropped subtitle); an acronym (``BMJ``, ``PNAS``) may spell the
    initials of the other name.
    """
    if a == b:
        return True
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        one, other = (a, b) if len(a) == 1 else (b, a)
        initials = "".join(t[0] for t in other)
        acro = one[0]
        if len(acro) >= 3 and (acro == initials or (len(acro) >= 4 and initials.startswith(acro))):
            return True
    n = min(len(a), len(b))
    if len(a) != len(b) and n < 3:
        return False
    for x, y in zip(a[:n], b[:n], strict=True):
        if not (_abbrev_of(x, y) if len(x) <= len(y) else _abbrev_of(y, x)):
            return False
    return True


# ---------------------------------------------------------------- numbers
_FIRST_PAGE = re.compile(r"[a-z]*\d+[a-z]*")
_FIRST_NUMBER = re.compile(r"\d+")
_ROMAN_PAGE = re.compile(r"[ivxlc]+")


def first_page(pages: str | None) -> str | None:
    """First page as a key: ``9848-53`` -> ``9848``, ``e1234`` -> ``1234``, ``S12`` -> ``s12``."""
    if not pages:
        return None
    head = pages.partition("-")[0].strip()
    if head.isdigit():  # the common case, without a regex
        return head.lstrip("0") or "0"
    m = _FIRST_PAGE.search(pages.lower())
    if not m:
        # Front matter is numbered in Roman numerals ("iii-vi"): still a page that
        # tells one issue's editorial from the next one's.
        roman = head.lower()
        return roman if roman and _ROMAN_PAGE.fullmatch(roman) else None
    page = m.group(0)
    if page[0] == "e" and page[1:].isdigit():
        page = page[1:]
    return page.lstrip("0") or "0"


def pages_match(a: str, b: str) -> bool:
    """First pages agree, or one is the other with a letter prefix a database dropped.

    ``P63`` (a poster number) and ``63``, ``S12`` and ``12``, ``viii108`` and ``108``:
    supplements and abstract books prefix page numbers, and not every export keeps
    the prefix. Two different prefixes (``S12`` / ``A12``) still differ.
    """
    if a == b:
        return True
    if a.isdigit() == b.isdigit():
        return False
    bare, prefixed = (a, b) if a.isdigit() else (b, a)
    head = prefixed[: len(prefixed) - len(bare)]
    return prefixed.endswith(bare) and head.isalpha()


def number_key(value: object) -> str | None:
    """First number of a volume or issue (``4 (1) (no pagination)`` -> ``4``)."""
    if value is None:
        return None
    text = str(value)
    if text.isdigit():
        return text.lstrip("0") or "0"
    m = _FIRST_NUMBER.search(text)
    return (m.group(0).lstrip("0") or "0") if m else None


# ---------------------------------------------------------------- DOIs
_DOI_VERSION = (
    re.compile(r"^(.*)\.pub(\d+)$"),  # Cochrane review updates
    re.compile(r"^(.*)/v(\d+)$"),  # Research Square, some repositories
    re.compile(r"^(10\.1101/[\d.]+)v(\d+)$"),  # bioRxiv/medRxiv links with a version
    re.compile(r"^(10\.12688/[a-z]+\.\d+)\.(\d+)$"),  # F1000Research and sister journals
)
_VERSIONED_PREFIXES = ("10.1101/", "10.12688/", "10.1002/14651858.")
_COCHRANE_DOI = re.compile(r"^10\.1002/14651858\.[a-z]{2}\d+$")
PREPRINT_PREFIXES = (
    "10.48550/", "10.21203/", "10.2139/", "10.31234/", "10.20944/", "10.31219/", "10.31235/",
    "10.26434/", "10.36227/", "10.22541/",
)  # fmt: skip
_BIORXIV = re.compile(r"^10\.1101/\d")


def doi_version(doi: str) -> tuple[str, int | None]:
    """Split a versioned DOI into (base, version); a Cochrane DOI without .pub is version 1."""
    if ".pub" not in doi and "/v" not in doi and not doi.startswith(_VERSIONED_PREFIXES):
        return doi, None
    for pattern in _DOI_VERSION:
        m = pattern.match(doi)
        if m:
            return m.group(1), int(m.group(2))
    if _COCHRANE_DOI.match(doi):
        return doi, 1
    return doi, None


def is_preprint_doi(doi: str) -> bool:
    """DOI of a preprint server (bioRxiv/medRxiv numeric DOIs, not CSHL journals)."""
    return doi.startswith(PREPRINT_PREFIXES) or bool(_BIORXIV.match(doi))
