"""A Zotero item (the API's ``data`` object) as a corpus :class:`~corpus.model.Record`.

Every regular item becomes a record whatever its item type; notes,
attachments and annotations are not records (:func:`is_regular`).

Creators: :class:`Record` has one ``authors`` list and no editors field, so
``authors`` holds only the item's primary creators (author, or the type's own
primary role: artist, director, inventor, presenter...); editors (``editor``,
``seriesEditor``) are kept apart in ``raw["editors"]`` and every other role
(contributor, translator, bookAuthor...) in ``raw["other_creators"]`` as
``{"role", "name"}``. ``raw`` also keeps the item's full Zotero data.

DOI and PMID are also read from ``extra`` lines (``DOI: 10.x``, ``PMID: 123``),
the way Zotero stores fields an item type lacks.
"""

from __future__ import annotations

import re
from typing import Any

from corpus import normalize as norm
from corpus.model import Record

NON_REGULAR = frozenset({"note", "attachment", "annotation"})

#: Creator roles that are a work's authors (the primary role of each item type).
AUTHOR_ROLES = frozenset(
    {
        "author",
        "artist",
        "director",
        "presenter",
        "interviewee",
        "programmer",
        "inventor",
        "sponsor",
        "podcaster",
        "cartographer",
        "performer",
        "composer",
        "creator",
    }
)
EDITOR_ROLES = frozenset({"editor", "seriesEditor"})

#: Where each item type keeps the title of the work it appears in.
PUBLICATION_FIELDS = (
    "publicationTitle",
    "proceedingsTitle",
    "bookTitle",
    "websiteTitle",
    "blogTitle",
    "forumTitle",
    "encyclopediaTitle",
    "dictionaryTitle",
    "programTitle",
    "reporter",
    "code",
)
TITLE_FIELDS = ("title", "caseName", "nameOfAct", "subject")

_EXTRA = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.+?)\s*$")


def is_regular(data: dict[str, Any]) -> bool:
    """Tell whether an item is a bibliographic item (not a note, attachment or annotation)."""
    return str(data.get("itemType", "")) not in NON_REGULAR


def extra_fields(extra: object) -> dict[str, str]:
    """Return the ``Key: value`` lines of an item's ``extra`` field (keys lowercased)."""
    out: dict[str, str] = {}
    for line in str(extra or "").splitlines():
        m = _EXTRA.match(line)
        if m and m.group(1).lower() not in out:
            out[m.group(1).lower()] = m.group(2)
    return out


def creator_name(creator: dict[str, Any]) -> str | None:
    """``Last, First`` (or the single-field name)."""
    if creator.get("name"):
        return norm.clean(creator["name"])
    last, first = norm.clean(creator.get("lastName")), norm.clean(creator.get("firstName"))
    if last and first:
        return f"{last}, {first}"
    return last or first


def to_record(item: dict[str, Any]) -> Record:
    """Map one API item (the full object or just its ``data``) to a record."""
    data: dict[str, Any] = item.get("data", item)
    meta: dict[str, Any] = item.get("meta", {}) if "data" in item else {}
    authors: list[str] = []
    editors: list[str] = []
    others: list[dict[str, str]] = []
    for creator in data.get("creators") or []:
        name = creator_name(creator)
        if not name:
            continue
        role = str(creator.get("creatorType") or "author")
        if role in AUTHOR_ROLES:
            authors.append(name)
        elif role in EDITOR_ROLES:
            editors.append(name)
        else:
            others.append({"role": role, "name": name})
    extra = extra_fields(data.get("extra"))
    doi = (
        norm.doi(data.get("DOI"))
        or norm.doi(extra.get("doi"))
        or norm.doi_in_url(norm.clean(data.get("url")))
    )
    raw = dict(data)
    raw["editors"] = editors
    raw["other_creators"] = others
    return Record(
        title=_first(data, TITLE_FIELDS),
        abstract=norm.clean(data.get("abstractNote")),
        authors=authors,
        year=norm.year(data.get("date"), meta.get("parsedDate")),
        journal=_first(data, PUBLICATION_FIELDS),
        volume=norm.clean(data.get("volume")),
        issue=norm.clean(data.get("issue")),
        pages=norm.clean(data.get("pages")),
        doi=doi,
        pmid=norm.pmid(extra.get("pmid")),
        issn=norm.issn(data.get("ISSN")),
        keywords=norm.keywords([t.get("tag") for t in data.get("tags") or []], split=""),
        language=norm.clean(data.get("language")),
        type=str(data.get("itemType") or "") or None,
        url=norm.clean(data.get("url")),
        source_id=str(data.get("key") or item.get("key") or "") or None,
        raw=raw,
    )


def _first(data: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = norm.clean(data.get(name))
        if value:
            return value
    return None
