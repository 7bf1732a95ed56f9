"""PubMed MEDLINE (.nbib) import: the fixture, dialect details, errors and fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import ImportFormatError
from corpus.formats import detect, medline, ris
from corpus.model import Record
from tests.fuzzing import ROUND_TRIP_FIELDS
from tests.parser_support import only_import_errors, text_of

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(text: str | None = None) -> list[Record]:
    return medline.parse(text_of("pubmed.nbib") if text is None else text, "pubmed.nbib")


def test_fixture_records() -> None:
    recs = parse()
    assert detect(text_of("pubmed.nbib"), "pubmed.nbib") == "medline"
    assert [r.pmid for r in recs] == ["35361432", "36754321", "37001234", "38412345"]
    assert [r.source_id for r in recs] == [r.pmid for r in recs]
    assert [r.doi for r in recs] == [
        "10.1016/j.chiabu.2022.105574",
        "10.1002/car.2801",
        "10.1016/s0140-6736(23)00498-0",
        "10.1177/08862605241234567",
    ]
    assert [r.year for r in recs] == [2022, 2023, 2023, 2024]
    assert [r.journal for r in recs] == [
        "Child abuse & neglect",
        "Child abuse review",
        "Lancet (London, England)",
        "Journal of interpersonal violence",
    ]
    assert [r.line for r in recs] == [7, 75, 128, 169]
    assert recs[0].title == (
        "Online sexual exploitation of children in Europe: prevalence estimates from "
        "a multi-country survey of 12- to 17-year-olds."
    )
    assert recs[0].authors == ["Müller, Jürgen", "Gómez-Ruiz, María José", "Kowalczyk, Łukasz"]
    assert recs[1].authors == ["Nakamura, Haruto", "O'Neill, Siobhán"]
    assert recs[3].authors == ["Araújo, João Pedro", "Conceição, Beatriz"]


def test_fields_of_first_record() -> None:
    rec = parse()[0]
    assert rec.abstract and rec.abstract.startswith("BACKGROUND: Comparable estimates")
    assert rec.abstract.endswith("warrants coordinated prevention.")
    assert "  " not in rec.abstract and "\n" not in rec.abstract
    assert rec.issn == "1873-7757"
    assert (rec.volume, rec.issue, rec.pages) == ("127", None, "105574")
    assert rec.language == "eng" and rec.type == "Journal Article"
    assert rec.keywords[:3] == ["Online sexual exploitation", "Sextortion", "Survey"]
    assert "*Child Abuse, Sexual/statistics & numerical data" in rec.keywords
    assert rec.raw["AU"] == ["Müller J", "Gómez-Ruiz MJ", "Kowalczyk Ł"]
    assert len(rec.raw["PHST"]) == 6


def test_letter_without_abstract_and_ahead_of_print() -> None:
    letter, ahead = parse()[2], parse()[3]
    assert letter.abstract is None and letter.flags() == ["missing_abstract"]
    assert letter.pages == "1101-1102" and letter.type == "Comment"
    assert ahead.volume is None and ahead.year == 2024


def test_au_used_without_fau_and_doi_fallbacks() -> None:
    text = (
        "PMID- 1\nTI  - A title\nAU  - Smith J\nAU  - Doe A\nTA  - J Abbr\nDP  - 1998 Dec\n"
        "LID - e123 [pii]\nSO  - J Abbr. 1998;1:e123. doi: 10.1000/xyz.\n\n"
        "PMID- 2\nTI  - B\nAID - 10.1000/AID [doi]\nLID - 10.1000/lid [doi]\nSO  - J. 1999.\n"
    )
    first, second = parse(text)
    assert first.authors == ["Smith J", "Doe A"] and first.journal == "J Abbr"
    assert first.doi == "10.1000/xyz" and first.year == 1998
    assert second.doi == "10.1000/aid"


def test_pmid_without_blank_line_starts_a_new_record() -> None:
    assert len(parse("PMID- 1\nTI  - A\nSO  - x\nPMID- 2\nTI  - B\nSO  - y\n")) == 2


def test_preamble_before_first_tag_is_ignored() -> None:
    assert len(parse("Saved from PubMed\n\nPMID- 1\nTI  - A\n")) == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("\n\n", 1),
        ("Just some words\n", 1),
        ("PMID- 1\nTI  - A\nthis line is no tag\n", 3),
        ("PMID- 1\nTI  - A\n\nTI  - orphan record without PMID\n", 4),
        ("PMID- 1\nTI  - A\n\n      continuation outside a record\n", 4),
    ],
)
def test_errors_name_a_line(text: str, line: int) -> None:
    with pytest.raises(ImportFormatError) as err:
        parse(text)
    assert err.value.line == line and err.value.path == "pubmed.nbib"


def test_truncated_last_record_is_an_error() -> None:
    text = text_of("pubmed.nbib")
    cut = text[: text.index("Young men are frequent targets")]
    with pytest.raises(ImportFormatError) as err:
        parse(cut)
    assert err.value.line == 169 and err.value.record == 4
    assert "truncated" in err.value.message


def test_round_trip_through_ris_keeps_fields_but_type() -> None:
    recs = parse()
    again = ris.parse(ris.dump(recs), "x.ris")
    for a, b in zip(recs, again, strict=True):
        for field in ROUND_TRIP_FIELDS:
            assert getattr(a, field) == getattr(b, field), field
        assert b.type == "GEN"


@settings(FUZZ)
@given(
    st.lists(
        st.sampled_from(
            [
                "PMID- 1",
                "PMID- x",
                "TI  - t",
                "      more",
                "",
                "AU  - A",
                "FAU - B, C",
                "DP  - 20",
                "AID - [doi]",
                "LID - 10.1/x [doi]",
                "SO  - doi:",
                "IS  - 12",
                "junk",
                "\t tab",
                "SO  - end",
            ]
        )
    )
)
def test_random_tag_soup(lines: list[str]) -> None:
    only_import_errors(medline.parse, "\n".join(lines), "fuzz.nbib")
