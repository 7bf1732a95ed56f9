"""Export-file formats: detection from content and one parser per format.

Each format module exposes ``parse(text, path) -> list[Record]`` and raises
only :class:`corpus.errors.ImportFormatError` for bad input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module

from corpus.errors import ImportFormatError
from corpus.model import Record

#: format name -> module under corpus.formats
FORMATS: dict[str, str] = {
    "ris": "ris",
    "medline": "medline",
    "wos": "wos",
    "bibtex": "bibtex",
    "endnote-xml": "endnote_xml",
    "csv": "tabular",
}

_RIS_START = re.compile(r"^\s*TY\s{1,2}-", re.MULTILINE)
_MEDLINE_START = re.compile(r"^PMID- ?\d", re.MULTILINE)
_WOS_START = re.compile(r"^(FN |VR |PT [A-Z]\s*$)", re.MULTILINE)
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def detect(text: str, path: str) -> str:
    """Return the format of an export from its content, not its file name.

    Vendors write RIS into ``.txt`` files and CSV into ``.xls`` files, so the
    name is no guide. The first kilobytes decide.

    Raises:
        ImportFormatError: for an empty file or one no parser recognises.
    """
    head = text.lstrip("\ufeff \t\n")[:20000]
    if not head.strip():
        raise ImportFormatError(path, "is empty; export the search results again")
    if head.startswith("<") and re.search(r"<(records|record|xml)\b", head[:5000]):
        return "endnote-xml"
    if _MEDLINE_START.search(head):
        return "medline"
    if _RIS_START.search(head):
        return "ris"
    if _WOS_START.search(head[:2000]):
        return "wos"
    if _BIBTEX_START.search(head):
        return "bibtex"
    first_line = head.split("\n", 1)[0]
    if any(sep in first_line for sep in (",", ";", "\t")):
        return "csv"
    raise ImportFormatError(
        path,
        "format not recognised; expected RIS, BibTeX, PubMed MEDLINE, Web of Science, "
        "EndNote XML or CSV",
        line=1,
    )


def parser_for(fmt: str) -> Callable[[str, str], list[Record]]:
    """Return the ``parse`` function of a format (imported lazily)."""
    module = import_module(f"corpus.formats.{FORMATS[fmt]}")
    return module.parse  # type: ignore[no-any-return]
