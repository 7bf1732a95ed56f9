"""Web of Science plain-text import: the fixture, dialect details, errors and fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import ImportFormatError
from corpus.formats import detect, ris, wos
from corpus.model import Record
from tests.fuzzing import ROUND_TRIP_FIELDS
from tests.parser_support import only_import_errors, text_of

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = "FN Clarivate Analytics Web of Science\nVR 1.0\n"


def parse(text: str | None = None) -> list[Record]:
    return wos.parse(text_of("wos_plain.txt") if text is None else text, "savedrecs.txt")


def test_fixture_records() -> None:
    recs = parse()
    assert detect(text_of("wos_plain.txt"), "wos_plain.txt") == "wos"
    assert [r.source_id for r in recs] == [
        "WOS:000787654300012",
        "WOS:001172345600001",
        "WOS:000876543200021",
    ]
    assert [r.doi for r in recs] == [
        "10.1016/j.chiabu.2022.105574",
        "10.1177/08862605241234567",
        "10.1016/j.chb.2022.107470",
    ]
    assert [r.year for r in recs] == [2022, 2024, 2023]
    assert [r.pmid for r in recs] == ["35361432", "38412345", None]
    assert [r.journal for r in recs] == [
        "CHILD ABUSE & NEGLECT",
        "JOURNAL OF INTERPERSONAL VIOLENCE",
        "COMPUTERS IN HUMAN BEHAVIOR",
    ]
    assert [r.line for r in recs] == [10, 66, 107]
    assert recs[0].title == (
        "Online sexual exploitation of children in Europe: prevalence estimates "
        "from a multi-country survey of 12- to 17-year-olds"
    )
    assert recs[0].authors == ["Müller, Jürgen", "Gómez-Ruiz, María José", "Kowalczyk, Łukasz"]
    assert recs[2].authors == ["Nowak, Anna", "Wiśniewski, Łukasz"]


def test_fields_and_raw() -> None:
    first, early, review = parse()
    assert first.keywords == [
        "Online sexual exploitation",
        "Sextortion",
        "Adolescents",
        "Survey",
        "Cross-national comparison",
        "SEXUAL SOLICITATION",
        "YOUTH",
        "VICTIMIZATION",
        "INTERNET",
        "RISK",
    ]
    assert first.abstract and first.abstract.startswith("Background Comparable estimates")
    assert first.pages == "105574-105586" and first.issn == "0145-2134"
    assert first.language == "English" and first.type == "Article" and first.volume == "127"
    assert first.raw["AU"] == ["Muller, J\nGomez-Ruiz, MJ\nKowalczyk, L"]
    assert len(first.raw["C1"][0].split("\n")) == 3
    assert early.pages == "08862605241234567" and early.type == "Article; Early Access"
    assert "PY" not in early.raw  # year 2024 came from EA
    assert review.abstract is None and review.flags() == ["missing_abstract"]
    assert review.issue == "1"


def test_short_names_and_eissn_fallbacks() -> None:
    text = HEADER + "PT J\nAU Smith, J\n   Doe, A\nTI A\nEI 1234-5678\nPY 2001\nER\n\nEF\n"
    (rec,) = parse(text)
    assert rec.authors == ["Smith, J", "Doe, A"] and rec.issn == "1234-5678"


def test_concatenated_exports_and_preamble() -> None:
    block = HEADER + "PT J\nTI A\nER\n\nEF\n"
    assert len(parse("Saved from Web of Science\n" + block + block)) == 2


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        (HEADER + "\nEF\n", 1),
        (HEADER + "PT J\nTI Cut off\nAB Half an abs", 3),
        (HEADER + "PT J\nTI A\nPT J\nTI B\nER\n", 3),
        (HEADER + "PT J\nTI A\nEF\n", 3),
        (HEADER + "PT J\nTI A\nnot a tag line\nER\n", 5),
        (HEADER + "TI outside\n", 3),
        (HEADER + "PT J\nTI A\nER\n   stray continuation\n", 6),
    ],
)
def test_errors_name_a_line(text: str, line: int) -> None:
    with pytest.raises(ImportFormatError) as err:
        parse(text)
    assert err.value.line == line and err.value.path == "savedrecs.txt"


def test_truncated_fixture_names_the_open_record() -> None:
    text = text_of("wos_plain.txt")
    cut = text[: text.index("Young men are frequent targets")]
    with pytest.raises(ImportFormatError) as err:
        parse(cut)
    assert err.value.line == 66 and err.value.record == 2


def test_round_trip_through_ris_keeps_fields_but_type() -> None:
    recs = parse()
    again = ris.parse(ris.dump(recs), "x.ris")
    for a, b in zip(recs, again, strict=True):
        for field in ROUND_TRIP_FIELDS:
            assert getattr(a, field) == getattr(b, field), field


@settings(FUZZ)
@given(
    st.lists(
        st.sampled_from(
            [
                "FN x",
                "VR 1.0",
                "PT J",
                "ER",
                "EF",
                "TI t",
                "   more",
                "",
                "AU A",
                "AF B, C",
                "PY 20",
                "DI 10.",
                "BP 1",
                "EP",
                "AR e1",
                "SN 1234-",
                "junk line",
                "DE a;;b",
                "UT WOS:1",
            ]
        )
    )
)
def test_random_tag_soup(lines: list[str]) -> None:
    only_import_errors(wos.parse, "\n".join(lines), "fuzz.txt")
