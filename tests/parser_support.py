"""Import formats for the parser tests: their fixtures, and the contract every parser keeps.

The contract (checked for every format in tests/unit/test_parser_contract.py,
and by each format's own fuzz tests on its tag soup): ``parse(text, path)``
returns records or raises :class:`ImportFormatError` whose message is one
non-empty line that starts with ``path``; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import ImportFormatError
from corpus.formats import bibtex, endnote_xml, medline, ris, tabular, wos
from corpus.model import Record
from corpus.textio import decode

EXPORTS = Path(__file__).parent / "fixtures" / "exports"

Parse = Callable[[str, str], list[Record]]


def text_of(name: str) -> str:
    """A fixture as the importer reads it (BOM, CRLF and encodings handled by textio)."""
    return decode((EXPORTS / name).read_bytes(), name)


def only_import_errors(parse: Parse, text: str, path: str) -> list[Record]:
    """Parse ``text``; fail the test on anything but the contract (see the module doc)."""
    try:
        records = parse(text, path)
    except ImportFormatError as exc:
        message = str(exc)
        assert exc.path == path and message.startswith(path), message
        assert message.strip() and "\n" not in message, repr(message)
        return []
    assert records and all(isinstance(r, Record) for r in records)
    return records


@dataclass(frozen=True)
class Format:
    """One import format: its parser and its sample exports (the first is cut in the tests)."""

    name: str
    parse: Parse
    samples: tuple[str, ...]
    fuzz_path: str  # the file name fuzzed text is parsed under


def _glob(pattern: str, first: str) -> tuple[str, ...]:
    return (first, *sorted(p.name for p in EXPORTS.glob(pattern) if p.name != first))


FORMATS: tuple[Format, ...] = (
    Format("ris", ris.parse, _glob("*.ris", "scopus.ris"), "fuzz.ris"),
    Format("medline", medline.parse, ("pubmed.nbib",), "fuzz.nbib"),
    Format("wos", wos.parse, ("wos_plain.txt",), "fuzz.txt"),
    Format("bibtex", bibtex.parse, _glob("*.bib", "scopus.bib"), "fuzz.bib"),
    Format("endnote_xml", endnote_xml.parse, _glob("*.xml", "endnote.xml"), "fuzz.xml"),
    Format(
        "tabular",
        tabular.parse,
        (
            "scopus.csv",
            "asreview.csv",
            "embase.csv",
            "embase_2019.csv",
            "zotero.csv",
            "pubmed.csv",
            "semicolon.csv",
            "wos_tab.txt",
            "wos_tab_utf16.txt",
        ),
        "fuzz.csv",
    ),
)
