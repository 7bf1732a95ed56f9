"""Which bibliographic database an export came from, told from its content.

PRISMA reports records identified per database, so each import records one.
``--source`` always wins; this guess only fills in when the user gave none.
"""

from __future__ import annotations

import re
from importlib import import_module

# (pattern, database) tried in order on the first part of the text.
_RIS_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE | re.MULTILINE), name)
    for p, name in (
        (r"^DB  - Scopus|scopus\.com/", "Scopus"),
        (r"^DB  - (Embase|EMBASE)|^AN  - L\d{6,}|embase\.com", "Embase"),
        (r"^DB  - .*(Ovid|MEDLINE\(R\))|ovidsp|ovid\.com", "Ovid"),
        (r"^DB  - .*PsycINFO|^DB  - APA PsycInfo", "PsycINFO"),
        (r"^DB  - .*ProQuest|proquest\.com", "ProQuest"),
        (r"^DB  - .*Web of Science|webofscience\.com|^AN  - WOS:", "Web of Science"),
        (r"^DB  - .*PubMed|^DP  - NLM|ncbi\.nlm\.nih\.gov/pubmed|pubmed\.ncbi", "PubMed"),
        (r"^DB  - .*CINAHL|^DP  - EBSCOhost", "EBSCOhost"),
        (r"^DB  - .*Cochrane", "Cochrane Library"),
    )
)


def detect_database(fmt: str, text: str) -> str | None:
    """Return the database an export of format ``fmt`` came from, if it shows.

    Args:
        fmt: A format name from :data:`corpus.formats.FORMATS`.
        text: The decoded export.

    Returns:
        A database name such as ``"Scopus"``, or None when nothing tells.
    """
    head = text[:200_000]
    if fmt == "medline":
        return "PubMed"
    if fmt == "wos":
        return "Web of Science"
    if fmt == "ris":
        for pattern, name in _RIS_HINTS:
            if pattern.search(head):
                return name
        return None
    module = import_module(f"corpus.formats.{_MODULES[fmt]}")
    detect = getattr(module, "detect_database", None)
    return detect(head) if detect else None


_MODULES = {"bibtex": "bibtex", "endnote-xml": "endnote_xml", "csv": "tabular"}
