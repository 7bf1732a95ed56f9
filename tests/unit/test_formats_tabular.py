"""CSV/TSV exports: vendor fixtures, encodings, author conventions, errors, fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import ImportFormatError
from corpus.formats import detect, tabular
from corpus.model import Record
from tests.parser_support import only_import_errors, text_of

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
TABULAR = [
    "asreview.csv",
    "scopus.csv",
    "embase.csv",
    "embase_2019.csv",
    "zotero.csv",
    "pubmed.csv",
    "semicolon.csv",
    "wos_tab.txt",
    "wos_tab_utf16.txt",
]

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
SCOPUS_IDS = ["2-s2.0-85103456789", "2-s2.0-85125678901", "2-s2.0-85112345678"]
WOS_IDS = ["WOS:000650217400001", "WOS:000771234500009", "WOS:000923456700012"]


def load(name: str) -> list[Record]:
    return tabular.parse(text_of(name), name)


# name -> (source_ids, titles, dois, years, journals, first record's authors, database)
EXPECTED = {
    "asreview.csv": (
        ["0", "1", "2", "3"],
        [T1, T2, T3, T4],
        [D1, D2, D3, D4],
        [2021, 2022, 2020, 2023],
        [
            "Child Abuse & Neglect",
            "Journal of Interpersonal Violence",
            "Computers in Human Behavior",
            "Trauma, Violence, & Abuse",
        ],
        ["Müller, Hans", "Ødegaard, Kari", "Smith, John A."],
        None,
    ),
    "scopus.csv": (
        [SCOPUS_IDS[0], SCOPUS_IDS[1], "2-s2.0-85076543210", SCOPUS_IDS[2]],
        [T1, T2, T3, T4],
        [D1, D2, D3, D4],
        [2021, 2022, 2020, 2023],
        [
            "Child Abuse and Neglect",
            "Journal of Interpersonal Violence",
            "Computers in Human Behavior",
            "Trauma, Violence, and Abuse",
        ],
        ["Müller H.", "Ødegaard K.", "Smith J.A."],
        "Scopus",
    ),
    "embase.csv": (
        ["L2011234567", "L2016789012", "L2005123456"],
        [T1, T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        ["Child Abuse & Neglect", "Journal of Interpersonal Violence", "Trauma, Violence, & Abuse"],
        ["Müller H.", "Ødegaard K.", "Smith J.A."],
        "Embase",
    ),
    "embase_2019.csv": (
        ["1", "2", "3"],
        [T1, T4, T2],
        [D1, D4, D2],  # only in the "Open URL Link" (id=doi:10.1016%2F...)
        [2021, 2023, 2022],
        ["Child Abuse & Neglect", "Trauma, Violence, & Abuse", "Journal of Interpersonal Violence"],
        ["Müller H.", "Ødegaard K.", "Smith J.A."],
        "Embase",
    ),
    "zotero.csv": (
        ["8XK2M4QZ", "QW7E3RTY", "ZP9L2MNB", "H5G4F3DS"],
        [T1, T2, T3, T4],
        [D1, D2, D3, D4],
        [2021, 2022, 2020, 2023],
        [
            "Child Abuse & Neglect",
            "Journal of Interpersonal Violence",
            "Web and Social Media",
            "Trauma, Violence, & Abuse",
        ],
        ["Müller, Hans", "Ødegaard, Kari", "Smith, John A."],
        "Zotero",
    ),
    "pubmed.csv": (
        ["33812345", "35234567", "34321098"],
        [T1, T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        ["Child Abuse Negl", "J Interpers Violence", "Trauma Violence Abuse"],
        ["Müller H", "Ødegaard K", "Smith JA"],
        "PubMed",
    ),
    "semicolon.csv": (
        SCOPUS_IDS,
        [T1, T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        ["Child Abuse & Neglect", "Journal of Interpersonal Violence", "Trauma, Violence, & Abuse"],
        ["Müller H.", "Ødegaard K.", "Smith J.A."],
        "Scopus",
    ),
    "wos_tab.txt": (
        WOS_IDS,
        [T1, '"Self-generated" material and ' + T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        ["CHILD ABUSE & NEGLECT", "JOURNAL OF INTERPERSONAL VIOLENCE", "TRAUMA VIOLENCE & ABUSE"],
        ["Müller, H", "Ødegaard, K", "Smith, JA"],
        "Web of Science",
    ),
}
EXPECTED["wos_tab_utf16.txt"] = EXPECTED["wos_tab.txt"]


@pytest.mark.parametrize("name", TABULAR)
def test_vendor_exports(name: str) -> None:
    ids, titles, dois, years, journals, authors, database = EXPECTED[name]
    records = load(name)
    assert [r.source_id for r in records] == ids
    assert [r.title for r in records] == titles
    assert [r.doi for r in records] == dois
    assert [r.year for r in records] == years
    assert [r.journal for r in records] == journals
    assert records[0].authors == authors
    text = text_of(name)
    assert detect(text, name) == "csv"
    assert tabular.detect_database(text) == database
    assert any("missing_abstract" in r.flags() for r in records)


@pytest.mark.parametrize(
    ("name", "encoding_mark"),
    [
        ("scopus.csv", b"\xef\xbb\xbf"),
        ("zotero.csv", b"\xef\xbb\xbf"),
        ("wos_tab.txt", b"\xef\xbb\xbf"),
        ("wos_tab_utf16.txt", b"\xff\xfe"),
        ("semicolon.csv", b"Authors;"),
    ],
)
def test_encodings_decode_without_mojibake(name: str, encoding_mark: bytes) -> None:
    data = (EXPORTS / name).read_bytes()
    assert data.startswith(encoding_mark)
    if name == "semicolon.csv":  # Excel's "CSV (semicolon)" is Windows-1252, not UTF-8
        assert "Müller".encode("cp1252") in data
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    records = load(name)
    names = " ".join(a for r in records for a in r.authors)
    assert "Müller" in names and "Ødegaard" in names and "García-López" in names
    assert "Ã" not in names and "\ufeff" not in (records[0].raw.keys().__iter__().__next__())


def test_scopus_details() -> None:
    records = load("scopus.csv")
    assert records[0].pages == "105012"  # "Art. No." when there are no pages
    assert records[3].pages == "455-470"  # Page start + Page end
    assert records[0].issn == "0145-2134"
    assert records[0].pmid == "33812345"
    assert records[3].abstract is None  # "[No abstract available]"
    assert records[0].abstract and records[0].abstract.endswith("© 2021 Elsevier Ltd")
    assert "27% increase" in (records[1].abstract or "")
    assert records[0].keywords == [
        "Child sexual abuse",
        "Online grooming",
        "Risk factors",
        "Systematic review",
        "human",
        "child",
    ]
    assert records[0].type == "Review"
    assert records[0].language == "English"
    assert records[0].url and "&partnerID=40&md5=" in records[0].url  # not HTML-unescaped
    assert records[0].raw["Cited by"] == "12"
    assert records[0].raw["Author full names"].startswith("Müller, Hans (57212345678)")


def test_zotero_multiline_extra_and_record_lines() -> None:
    records = load("zotero.csv")
    assert [r.line for r in records] == [2, 4, 6, 7]  # Extra holds "PMID: ...\nPMCID: ..."
    assert records[0].pmid == "33812345"
    assert records[0].keywords == [
        "Child sexual abuse",
        "Online grooming",
        "Risk factors",
        "Systematic review",
    ]
    assert records[3].pages == "455-470"  # en dash
    assert records[2].type == "conferencePaper"
    assert records[2].issn is None


def test_asreview_lists_labels_and_years() -> None:
    records = load("asreview.csv")
    assert records[0].year == 2021  # "2021//"
    assert records[1].doi == D2  # written as https://doi.org/...
    assert records[0].keywords == [
        "Child sexual abuse",
        "Online grooming",
        "Risk factors",
        "Systematic review",
    ]
    assert [r.raw.get("included") for r in records] == ["1", "0", "1", None]
    assert records[0].raw["asreview_ranking"] == "1"


def test_embase_citation_and_pubmed_citation_are_taken_apart() -> None:
    old = load("embase_2019.csv")
    assert (old[1].volume, old[1].issue, old[1].pages) == ("24", "2", "455-470")
    assert old[0].keywords == [
        "child sexual abuse",
        "online grooming",
        "risk factors",
        "systematic review",
    ]
    new = load("embase.csv")
    assert new[0].pmid == "33812345"
    assert new[0].issn == "0145-2134"
    pubmed = load("pubmed.csv")
    assert (pubmed[1].volume, pubmed[1].issue, pubmed[1].pages) == ("37", "5-6", "NP3021-NP3045")
    assert pubmed[2].authors == ["Björk E", "O'Connor S"]  # PubMed's closing full stop dropped


def test_wos_tab_trailing_tab_and_tags() -> None:
    records = load("wos_tab.txt")
    assert records[0].pmid == "33812345"
    assert records[0].pages == "105012"  # AR, no BP/EP
    assert records[2].pages == "455-470"
    assert records[0].keywords[-3:] == ["SEXUAL SOLICITATION", "INTERNET", "YOUTH"]
    assert records[0].raw["UT"] == WOS_IDS[0]
    assert records[0].type == "Review"


@pytest.mark.parametrize(
    ("cell", "authors"),
    [
        ("Müller H.; Ødegaard K.; Smith J.A.", ["Müller H.", "Ødegaard K.", "Smith J.A."]),
        ("Gatica G.N., Sequeira F.A.", ["Gatica G.N.", "Sequeira F.A."]),  # Scopus until 2021
        ("Gatica, G.N., Sequeira, F.A.", ["Gatica, G.N.", "Sequeira, F.A."]),  # Scopus 2022
        (
            "Hajj-Boutros G, Landry-Duval MA, Karelis AD.",
            ["Hajj-Boutros G", "Landry-Duval MA", "Karelis AD"],
        ),  # PubMed
        ("['Marx, Karl', 'Lindgren, Astrid']", ["Marx, Karl", "Lindgren, Astrid"]),  # ASReview
        ("Smith, John", ["Smith, John"]),
        (
            "Müller, Hans (57212345678); Smith, John A. (7004123456)",
            ["Müller, Hans", "Smith, John A."],
        ),  # Scopus "Author full names"
        ("Ødegaard, K.", ["Ødegaard, K."]),
        ("[No author name available]", []),
        ("", []),
        ("['unclosed", ["['unclosed"]),
    ],
)
def test_split_authors(cell: str, authors: list[str]) -> None:
    assert tabular.split_authors(cell) == authors


def test_header_names_fold_case_spaces_and_underscores() -> None:
    text = ' TITLE ;Publication_Year;DOI ;label_included\n"A title";2019;doi:10.1000/ABC;1\n'
    (record,) = tabular.parse(text, "x.csv")
    assert (record.title, record.year, record.doi) == ("A title", 2019, "10.1000/abc")
    assert record.raw["label_included"] == "1"


def test_rows_without_title_are_kept_and_empty_rows_skipped() -> None:
    text = "title,abstract,id\nFirst,,a\n,,\n\n,Only an abstract,b\n"
    records = tabular.parse(text, "x.csv")
    assert [r.source_id for r in records] == ["a", "b"]
    assert [r.line for r in records] == [2, 5]
    assert records[1].flags() == ["missing_title"]


def test_row_number_is_the_fallback_source_id() -> None:
    records = tabular.parse("title\nA\nB\n", "x.csv")
    assert [r.source_id for r in records] == ["1", "2"]


def test_missing_title_and_abstract_columns() -> None:
    with pytest.raises(ImportFormatError) as err:
        tabular.parse("name,year\nx,2019\n", "people.csv")
    assert err.value.line == 1
    assert "no title or abstract column; expected one of" in str(err.value)


def test_unclosed_quote_at_end_of_file_is_truncation() -> None:
    text = text_of("scopus.csv")
    cut = text[: text.index("Reports to hotlines") + 30]  # inside the 2nd record's abstract
    with pytest.raises(ImportFormatError) as err:
        tabular.parse(cut, "scopus.csv")
    assert err.value.line == 3
    assert "truncated" in str(err.value)


def test_unclosed_quote_in_the_last_column() -> None:
    with pytest.raises(ImportFormatError) as err:
        tabular.parse('id,title\n1,"ok"\n2,"cut off he', "x.csv")
    assert err.value.line == 3


def test_row_with_extra_fields() -> None:
    with pytest.raises(ImportFormatError) as err:
        tabular.parse("title,year\nA,2019\nB, with comma,2020\nC,2021\n", "x.csv")
    assert err.value.line == 3
    assert "3 fields but the header has 2" in str(err.value)


def test_row_with_too_few_fields() -> None:
    with pytest.raises(ImportFormatError) as err:
        tabular.parse("title,year,doi\nA,2019,10.1/a\nB\n", "x.csv")
    assert err.value.line == 3


@pytest.mark.parametrize("text", ["", "\n\n", "title,abstract\n", "title,abstract\n,\n"])
def test_empty_files(text: str) -> None:
    with pytest.raises(ImportFormatError):
        tabular.parse(text, "empty.csv")


def test_plain_tsv_with_quotes_is_not_read_as_wos() -> None:
    text = 'title\tauthors\n"A title, quoted"\t"Smith, J; Doe, K"\n'
    (record,) = tabular.parse(text, "x.tsv")
    assert record.title == "A title, quoted"
    assert record.authors == ["Smith, J", "Doe, K"]


# --- fuzzing: nothing but ImportFormatError escapes ----------------------------------

SAMPLES = [text_of(n) for n in TABULAR]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["", "title,abstract\n", "TI\tAU\tPT\tUT\tAB\tPY\n", "title;authors\n"]),
    st.text(max_size=400),
)
def test_random_text(prefix: str, text: str) -> None:
    only_import_errors(tabular.parse, prefix + text, "fuzz.csv")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_exports(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    where = data.draw(st.integers(0, len(sample)))
    junk = data.draw(st.text(alphabet="\",;\t\n\r[]'\x00ü", max_size=12))
    text = sample[:where] + junk + sample[where:cut] if where < cut else sample[:cut] + junk
    only_import_errors(tabular.parse, text, "fuzz.csv")
