"""The normalised bibliographic record every importer produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from protocols.vocabulary import Flag

#: Normalised fields in the order exports list them.
FIELDS: tuple[str, ...] = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "issn",
    "keywords",
    "language",
    "type",
    "url",
)


@dataclass(slots=True)
class Record:
    """One record as found in an imported file, after normalisation.

    ``raw`` keeps the record exactly as parsed (tag or column -> value) so that
    nothing a vendor exported is lost; ``source_id`` is the record's own ID in
    its file (RIS ``ID``/``AN``, PubMed PMID, BibTeX key, CSV id column...).
    """

    title: str | None = None
    abstract: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    issn: str | None = None
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    type: str | None = None
    url: str | None = None
    source_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    #: 1-based line where the record starts in its file (for error messages).
    line: int | None = None

    def flags(self) -> list[str]:
        """Return what is missing, so incomplete records are flagged, not dropped."""
        out: list[str] = []
        if not self.title:
            out.append(Flag.MISSING_TITLE)
        if not self.abstract:
            out.append(Flag.MISSING_ABSTRACT)
        return out
