"""Field normalisation shared by all importers."""

from __future__ import annotations

import pytest

from corpus import normalize as n


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://doi.org/10.1016/J.CHIABU.2020.104", "10.1016/j.chiabu.2020.104"),
        ("doi: 10.1177/0886260521999999.", "10.1177/0886260521999999"),
        ("http://dx.doi.org/10.1002/14651858.CD001234.pub3", "10.1002/14651858.cd001234.pub3"),
        (["", "10.1234/X"], "10.1234/x"),
        ("not a doi", None),
        (None, None),
    ],
)
def test_doi(raw: object, expected: str | None) -> None:
    assert n.doi(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2019///", 2019), ("2019/05/03/", 2019), ("May 2019", 2019), ("10 15", None), (1999, 1999)],
)
def test_year(raw: object, expected: int | None) -> None:
    assert n.year(raw) == expected


def test_year_takes_first_usable_value() -> None:
    assert n.year(None, "10 15", "2018//") == 2018


def test_issn_not_taken_from_isbn() -> None:
    assert n.issn("978-1-4419-1234-5") is None
    assert n.issn("1234-567x (Electronic)") == "1234-567X"
    assert n.issn("01452134") == "0145-2134"


def test_pages_and_text() -> None:
    assert n.pages("455 – 470") == "455-470"
    assert n.pages("12", "19") == "12-19"
    assert n.clean("  <i>Homo sapiens</i> &amp;  grooming\n") == "Homo sapiens & grooming"
    assert n.keywords(["a; b", "A", None]) == ["a", "b"]
    assert n.pmid("PMID: 00012345") == "12345"


def test_clean_puts_text_in_nfc() -> None:
    # Decomposed accents (some database exports) and compatibility ideographs
    # come out in the composed form BibTeX's LaTeX accents produce.
    assert n.clean("Mu\u0308ller e\u0301tude") == "Müller étude"
    assert n.clean("\U0002f800") == "\u4e3d"
