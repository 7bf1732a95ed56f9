"""EndNote XML as EndNote, Zotero and Mendeley write it; XXE safety; errors; fuzzing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import ImportFormatError
from corpus.formats import detect, endnote_xml
from corpus.model import Record
from corpus.textio import decode
from tests.parser_support import only_import_errors, text_of

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
XML_FILES = ["endnote.xml", "zotero.xml", "mendeley.xml"]

D1, D2, D3, D4 = (
    "10.1016/j.chiabu.2021.105012",
    "10.1177/08862605221081234",
    "10.1016/j.chb.2019.106189",
    "10.1177/15248380211036789",
)
T1 = "Online grooming of children: A systematic review of risk factors"
T2 = (
    "COVID-19 lockdowns and reports of child sexual abuse material: "
    "An interrupted time-series analysis"
)
T3 = "Machine learning for detecting sexual exploitation in online advertisements"
T4 = "Perspectives of survivors on content moderation by online platforms"


def load(name: str) -> list[Record]:
    return endnote_xml.parse(text_of(name), name)


# name -> (source_ids, titles, dois, years, journals, types, database)
EXPECTED = {
    "endnote.xml": (
        ["41", "42", "43", "44"],
        [T1, T2, T3, T4],
        [D1, D2, D3, D4],
        [2021, 2022, 2020, 2023],
        [
            "Child Abuse & Neglect",
            "Journal of Interpersonal Violence",
            "Web and Social Media",
            "Trauma, Violence, & Abuse",
        ],
        ["Journal Article", "Journal Article", "Book Section", "Journal Article"],
        "EndNote",
    ),
    "zotero.xml": (
        ["1", "2", "3"],
        [T1, T3, T4],
        [D1, D3, D4],
        [2021, 2020, 2023],
        ["Child Abuse & Neglect", "Computers in Human Behavior", "Trauma, Violence, & Abuse"],
        ["Journal Article"] * 3,
        "Zotero",
    ),
    "mendeley.xml": (
        ["1", "2", "3"],
        [T1, T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        ["Child Abuse & Neglect", "Journal of Interpersonal Violence", "Trauma, Violence, & Abuse"],
        ["Journal Article"] * 3,
        "Mendeley",
    ),
}


@pytest.mark.parametrize("name", XML_FILES)
def test_vendor_exports(name: str) -> None:
    ids, titles, dois, years, journals, types, database = EXPECTED[name]
    records = load(name)
    assert [r.source_id for r in records] == ids
    assert [r.title for r in records] == titles
    assert [r.doi for r in records] == dois
    assert [r.year for r in records] == years
    assert [r.journal for r in records] == journals
    assert [r.type for r in records] == types
    assert records[0].authors == ["Müller, Hans", "Ødegaard, Kari", "Smith, John A."]
    assert records[0].keywords == [
        "Child sexual abuse",
        "Online grooming",
        "Risk factors",
        "Systematic review",
    ]
    assert records[-1].abstract is None and "missing_abstract" in records[-1].flags()
    text = text_of(name)
    assert detect(text, name) == "endnote-xml"
    assert endnote_xml.detect_database(text) == database


def test_endnote_style_runs_isbn_and_pubmed_accession() -> None:
    first, second, chapter, last = load("endnote.xml")
    assert second.title == T2  # three <style> runs, one italic, joined
    assert second.authors[0] == "García-López, María"
    assert first.issn == "0145-2134"  # "0145-2134 (Print)&#xD;0145-2134 (Linking)"
    assert chapter.issn is None  # an ISBN is not an ISSN
    assert chapter.raw["isbn"] == "978-3-030-60974-0"
    assert first.pmid == "33812345"  # accession-num from remote-database-provider NLM
    assert last.pmid is None  # no provider: a bare number is not assumed to be a PMID
    assert first.url == "https://pubmed.ncbi.nlm.nih.gov/33812345/"
    assert first.pages == "105012" and second.pages == "NP3021-NP3045"
    assert second.issue == "5-6" and first.language == "eng"
    assert first.line == 1  # EndNote writes the whole file on one line
    assert first.raw["ref-type@name"] == "Journal Article"
    assert first.raw["titles/alt-title"] == "Child Abuse Negl"
    assert first.raw["contributors/authors/author"] == [
        "Müller, Hans",
        "Ødegaard, Kari",
        "Smith, John A.",
    ]
    assert chapter.raw["contributors/secondary-authors/author"] == "Rossi, Marco"


def test_zotero_and_mendeley_plain_text_and_lines() -> None:
    zotero = load("zotero.xml")
    assert [r.line for r in zotero] == [4, 48, 90]
    assert zotero[2].issue == "2"  # Zotero writes both <number> and <issue>
    assert zotero[0].url == f"https://doi.org/{D1}"
    assert zotero[0].language == "en"
    assert zotero[0].raw["access-date"] == "2024-03-14 09:12:44"
    mendeley = load("mendeley.xml")
    assert [r.line for r in mendeley] == [2, 3, 4]
    assert mendeley[1].authors == ["García-López, María", "Nguyen, Thi Lan", "Brown, Peter"]


def test_url_keeps_its_query_string() -> None:
    text = (
        "<xml><records><record><titles><title>T</title></titles><urls><web-urls>"
        "<url>https://x.org/?a=1&amp;copy=2</url></web-urls></urls></record></records></xml>"
    )
    assert endnote_xml.parse(text, "u.xml")[0].url == "https://x.org/?a=1&copy=2"


def test_utf16_file_with_its_declaration() -> None:
    text = text_of("zotero.xml").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = b"\xff\xfe" + text.encode("utf-16-le")
    records = endnote_xml.parse(decode(data, "u16.xml"), "u16.xml")
    assert records[0].authors[0] == "Müller, Hans"


XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "http://127.0.0.1:9/evil.dtd">
]>
<xml><records><record><titles><title>Safe &xxe;&remote; title</title></titles>
<abstract>&xxe;</abstract></record></records></xml>"""


def test_external_entities_are_never_resolved() -> None:
    (record,) = endnote_xml.parse(XXE, "xxe.xml")
    assert record.title == "Safe title"
    assert record.abstract is None
    assert "root:" not in repr(record)


def test_billion_laughs_does_not_expand() -> None:
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    text = (
        f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY l0 "lol">{entities}]>'
        "<xml><records><record><titles><title>&l9;</title></titles></record></records></xml>"
    )
    start = time.perf_counter()
    try:
        records = endnote_xml.parse(text, "lol.xml")
    except ImportFormatError:
        records = []
    assert time.perf_counter() - start < 2
    assert all(len(r.title or "") < 100 for r in records)


def test_malformed_xml_reports_lxml_line() -> None:
    text = text_of("zotero.xml").replace("<volume>104</volume>", "<volume>104</volumes>")
    with pytest.raises(ImportFormatError) as err:
        endnote_xml.parse(text, "bad.xml")
    assert err.value.line == 66
    assert err.value.record == 2
    assert "not well-formed" in str(err.value)


def test_truncated_file_is_an_error_not_a_partial_import() -> None:
    text = text_of("endnote.xml")
    with pytest.raises(ImportFormatError) as err:
        endnote_xml.parse(text[: len(text) // 2], "cut.xml")
    assert err.value.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  \n",
        '<?xml version="1.0"?><xml><records></records></xml>',
        "<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>",
    ],
)
def test_empty_or_recordless(text: str) -> None:
    with pytest.raises(ImportFormatError):
        endnote_xml.parse(text, "empty.xml")


# --- fuzzing: nothing but ImportFormatError escapes ----------------------------------

SAMPLES = [text_of(n) for n in XML_FILES]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["", "<xml><records><record>", '<?xml version="1.0" encoding="UTF-16"?>']),
    st.text(max_size=400),
)
def test_random_text(prefix: str, text: str) -> None:
    only_import_errors(endnote_xml.parse, prefix + text, "fuzz.xml")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_exports(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    where = data.draw(st.integers(0, len(sample)))
    junk = data.draw(st.text(alphabet="<>/&;!\"'=x\x00\ud800 ü", max_size=12))
    text = sample[:where] + junk + sample[where:cut] if where < cut else sample[:cut] + junk
    only_import_errors(endnote_xml.parse, text, "fuzz.xml")


def test_an_invalid_character_is_reported_on_one_line(tmp_path: Path) -> None:
    """libxml2 puts a newline in its message for a NUL byte; the user gets one line."""
    with pytest.raises(ImportFormatError) as caught:
        endnote_xml.parse('<?xml version="1.0"?><xml><records><record>\x00E', "lib.xml")
    assert "\n" not in str(caught.value) and "not well-formed XML" in str(caught.value)
