"""BibTeX/BibLaTeX exports: one fixture per vendor, errors, fuzzing, dump round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import normalize
from corpus.errors import ImportFormatError
from corpus.formats import bibtex, detect
from corpus.model import FIELDS as MODEL_FIELDS
from corpus.model import Record
from corpus.textio import decode
from tests.parser_support import only_import_errors, text_of

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
BIB_FILES = sorted(p.name for p in EXPORTS.glob("*.bib"))

D1, D2, D3, D4 = (
    "10.1016/j.chiabu.2021.105012",
    "10.1177/08862605221081234",
    "10.1007/978-3-030-60975-7_17",
    "10.1177/15248380211036789",
)
T1 = "Online grooming of children: A systematic review of risk factors"
T2 = (
    "COVID-19 lockdowns and reports of child sexual abuse material: "
    "An interrupted time-series analysis"
)
T4 = "Perspectives of survivors on content moderation by online platforms"


def load(name: str) -> list[Record]:
    return bibtex.parse(text_of(name), name)


# name -> (source_ids, titles, dois, years, journals, database)
EXPECTED: dict[str, tuple[list[str], list[str], list[str | None], list[int], list, str | None]] = {
    "scopus.bib": (
        ["Müller2021", "García-López2022NP3021", "Björk2023455"],
        [T1, T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        [
            "Child Abuse and Neglect",
            "Journal of Interpersonal Violence",
            "Trauma, Violence, and Abuse",
        ],
        "Scopus",
    ),
    "wos.bib": (
        ["WOS:000650217400001", "WOS:000861234500017", "WOS:000923456700012"],
        [T1, "Machine learning for detecting sexual exploitation in online advertisements", T4],
        [D1, D3, D4],
        [2021, 2020, 2023],
        [
            "CHILD ABUSE & NEGLECT",
            "PROCEEDINGS OF THE 2020 INTERNATIONAL CONFERENCE ON WEB AND SOCIAL MEDIA",
            "TRAUMA VIOLENCE & ABUSE",
        ],
        "Web of Science",
    ),
    "zotero.bib": (
        ["muller_online_2021", "garcia-lopez_covid-19_2022", "simic_machine_2020"],
        [T1, T2, "Machine learning for detecting sexual exploitation in online advertisements"],
        [D1, D2, D3],
        [2021, 2022, 2020],
        ["Child Abuse & Neglect", "Journal of Interpersonal Violence", "Web and Social Media"],
        None,
    ),
    "zotero_bbt.bib": (
        [
            "mullerOnlineGroomingChildren2021",
            "bjorkPerspectivesSurvivorsContent2023",
            "internetwatchfoundationAnnualReport20232024",
        ],
        [
            "Online Grooming of Children: A Systematic Review of Risk Factors",
            "Perspectives of Survivors on Content Moderation by Online Platforms",
            "Annual Report 2023",
        ],
        [D1, D4, None],
        [2021, 2023, 2024],
        ["Child Abuse & Neglect", "Trauma, Violence, & Abuse", None],
        None,
    ),
    "scholar.bib": (
        ["muller2021online", "vsimic2020machine", "garcia2022covid"],
        [T1, "Machine learning for detecting sexual exploitation in online advertisements", T2],
        [None, None, None],
        [2021, 2020, 2022],
        [
            "Child Abuse & Neglect",
            "International Conference on Web and Social Media",
            "Journal of Interpersonal Violence",
        ],
        None,
    ),
    "mendeley.bib": (
        ["Muller2021", "Garcia-Lopez2022", "Bjork2023"],
        [T1, T2, T4],
        [D1, D2, D4],
        [2021, 2022, 2023],
        ["Child Abuse & Neglect", "Journal of Interpersonal Violence", "Trauma, Violence, & Abuse"],
        "Mendeley",
    ),
    "jabref.bib": (
        ["Mueller2021", "Bjoerk2023", "ECPAT2020"],
        [T1, T4, "Summary Paper on Online Child Sexual Exploitation"],
        [D1, D4, None],
        [2021, 2023, 2020],
        ["Child Abuse & Neglect", "Trauma, Violence, & Abuse", None],
        "JabRef",
    ),
}


def test_every_bib_fixture_has_expectations() -> None:
    assert set(BIB_FILES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vendor_exports(name: str) -> None:
    ids, titles, dois, years, journals, database = EXPECTED[name]
    records = load(name)
    assert [r.source_id for r in records] == ids
    assert [r.title for r in records] == titles
    assert [r.doi for r in records] == dois
    assert [r.year for r in records] == years
    assert [r.journal for r in records] == journals
    text = decode((EXPORTS / name).read_bytes(), name)
    assert detect(text, name) == "bibtex"
    assert bibtex.detect_database(text) == database
    # every export has a record without abstract: it is kept, and flagged
    assert any("missing_abstract" in r.flags() for r in records)
    assert all(r.line is not None for r in records)


@pytest.mark.parametrize(
    ("name", "authors"),
    [
        ("scopus.bib", ["Müller, H.", "Ødegaard, K.", "Smith, J.A."]),
        ("wos.bib", ["Müller, Hans", "Ødegaard, Kari", "Smith, John A."]),
        ("zotero.bib", ["Müller, Hans", "Ødegaard, Kari", "Smith, John A."]),
        ("scholar.bib", ["Müller, Hans", "Ødegaard, Kari", "Smith, John A"]),
        ("mendeley.bib", ["Müller, Hans", "Ødegaard, Kari", "Smith, John A."]),
        ("jabref.bib", ["Hans Müller", "Kari Ødegaard", "John A. Smith"]),
    ],
)
def test_authors_split_on_and_with_latex_accents_decoded(name: str, authors: list[str]) -> None:
    assert load(name)[0].authors == authors


def test_accents_that_bibtexparser_alone_gets_wrong() -> None:
    by_id = {r.source_id: r for r in load("scholar.bib") + load("mendeley.bib")}
    assert by_id["garcia2022covid"].authors[0] == "García-López, María"
    assert by_id["Garcia-Lopez2022"].authors[0] == "García-López, María"
    assert by_id["vsimic2020machine"].authors[0] == "Šimić, Ana"


def test_braced_corporate_author_is_one_name() -> None:
    ecpat = load("jabref.bib")[2]
    assert ecpat.authors == ["ECPAT International", "Research and Development Unit"]
    assert load("zotero_bbt.bib")[2].authors == ["Internet Watch Foundation"]


def test_scopus_fields_and_note_kept_raw_only() -> None:
    first, second, third = load("scopus.bib")
    assert first.pmid == "33812345"
    assert first.issn == "0145-2134"  # Scopus writes 01452134
    assert first.pages == "105012"  # art_number stands in for pages
    assert second.pages == "NP3021-NP3045"  # "NP3021 – NP3045"
    assert third.pages == "455-470"
    assert second.issue == "5-6"
    assert first.keywords[:4] == [
        "Child sexual abuse",
        "Online grooming",
        "Risk factors",
        "Systematic review",
    ]
    assert "Child Abuse, Sexual" in first.keywords  # index keywords are ;-separated
    assert first.raw["note"].startswith("Cited by: 12")
    assert first.type == "article"
    assert first.language == "English"
    for value in (first.title, first.abstract, first.journal):
        assert "Cited by" not in (value or "")


def test_wos_latex_escapes_and_keywords_plus() -> None:
    first, second, _ = load("wos.bib")
    assert first.journal == "CHILD ABUSE & NEGLECT"
    assert second.doi == D3  # written 10.1007/978-3-030-60975-7\_17
    assert second.type == "inproceedings"
    assert second.issn == "0302-9743"
    assert first.keywords == [
        "Online grooming",
        "Child sexual abuse",
        "Risk factors",
        "SEXUAL SOLICITATION",
        "INTERNET",
        "YOUTH",
    ]
    assert first.abstract is not None and "  " not in first.abstract


def test_zotero_plain_and_better_biblatex() -> None:
    plain = load("zotero.bib")
    assert plain[1].title == T2  # {COVID}-19 -> COVID-19
    assert plain[1].pages == "NP3021-NP3045"
    assert plain[1].pmid == "35234567"
    assert plain[0].keywords == [
        "Child sexual abuse",
        "Online grooming",
        "Risk factors",
        "Systematic review",
    ]
    bbt = load("zotero_bbt.bib")
    assert bbt[0].year == 2021  # from date = {2021-07-01}
    assert bbt[0].journal == "Child Abuse & Neglect"  # journaltitle
    assert bbt[0].pmid == "33812345"  # eprint with eprinttype = pmid
    assert bbt[1].pmid == "34321098"
    assert bbt[2].type == "online"
    assert bbt[0].language == "english"


def test_mendeley_double_braced_titles_and_pmid() -> None:
    first = load("mendeley.bib")[0]
    assert first.title == T1
    assert first.pmid == "33812345"
    assert first.raw["mendeley-groups"] == "CSEA review"
    assert "27% increase" in (load("mendeley.bib")[1].abstract or "")


def test_lines_point_at_entry_starts() -> None:
    name = "jabref.bib"
    lines = (EXPORTS / name).read_text(encoding="utf-8").split("\n")
    for record in load(name):
        assert record.line is not None
        assert lines[record.line - 1].lstrip().startswith("@")
        assert record.source_id in lines[record.line - 1]


GOOD = "@article{a,\n  title = {First},\n  year = {2020}\n}\n\n@article{b,\n  title = {Second}\n}\n"


def test_truncated_file_names_the_lost_entry() -> None:
    text = GOOD + "\n@article{c,\n  title = {Third is cut o"
    with pytest.raises(ImportFormatError) as err:
        bibtex.parse(text, "cut.bib")
    assert err.value.line == 10
    assert err.value.record == 3
    assert "@article{c}" in str(err.value)


def test_unbalanced_brace_in_the_middle_is_an_error_not_a_silent_skip() -> None:
    text = "@article{a,\n  title = {First\n}\n\n@article{b,\n  title = {Second}\n}\n"
    with pytest.raises(ImportFormatError) as err:
        bibtex.parse(text, "x.bib")
    assert err.value.line == 1


def test_missing_comma_after_key() -> None:
    text = GOOD + "@article{c title = {Third}}\n"
    with pytest.raises(ImportFormatError) as err:
        bibtex.parse(text, "x.bib")
    assert err.value.line == 9


def test_urls_are_not_html_unescaped() -> None:
    (record,) = bibtex.parse("@misc{a, title={T}, url={https://x.org/?a=1&copy=2&not=3}}", "x")
    assert record.url == "https://x.org/?a=1&copy=2&not=3"


def test_undefined_string_macro_names_macro_and_line() -> None:
    with pytest.raises(ImportFormatError) as err:
        bibtex.parse(GOOD + "@article{c,\n  journal = jpsy,\n  title = {T}\n}\n", "x.bib")
    assert err.value.line == 10
    assert "'jpsy'" in str(err.value)


@pytest.mark.parametrize("text", ["", "   \n\n", "just some text\nno entries here\n"])
def test_empty_or_entryless_files(text: str) -> None:
    with pytest.raises(ImportFormatError) as err:
        bibtex.parse(text, "empty.bib")
    assert err.value.line == 1


def test_comments_strings_and_preambles_are_not_entries() -> None:
    text = (
        '@preamble{"\\newcommand{\\x}{y}"}\n@string{jan = "January"}\n'
        "@comment{jabref-meta: databaseType:bibtex;}\n" + GOOD
    )
    assert [r.source_id for r in bibtex.parse(text, "x.bib")] == ["a", "b"]


# --- dump ----------------------------------------------------------------------------

FIELDS = (*MODEL_FIELDS, "source_id")


def _fields(record: Record) -> dict[str, object]:
    return {f: getattr(record, f) for f in FIELDS}


@pytest.mark.parametrize("name", ["zotero.bib", "scopus.bib", "wos.bib", "zotero_bbt.bib"])
def test_dump_then_parse_keeps_the_fields(name: str) -> None:
    records = load(name)
    again = bibtex.parse(bibtex.dump(records), "dumped.bib")
    assert [_fields(r) for r in again] == [_fields(r) for r in records]


def test_dump_generates_unique_keys_when_source_id_is_missing_or_invalid() -> None:
    base = Record(title="Online grooming review", authors=["Müller, Hans"], year=2021)
    records = [
        base,
        Record(title="Online grooming review", authors=["Müller, Hans"], year=2021),
        Record(title="Other", source_id="has space"),
        Record(title="Kept", source_id="Key-1:x"),
    ]
    text = bibtex.dump(records)
    keys = [r.source_id for r in bibtex.parse(text, "x.bib")]
    assert keys[0] == "muller2021online"  # ASCII, as BibTeX tools expect
    assert len(set(keys)) == 4
    assert keys[3] == "Key-1:x"


def test_dump_writes_double_dash_pages_and_an_article_by_default() -> None:
    text = bibtex.dump([Record(title="T", pages="12-19", type="Journal Article")])
    assert "pages = {12--19}" in text
    assert text.startswith("@article{")


_WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzäöüøéßABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    min_size=1,
    max_size=12,
)
_PHRASE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)
_NAME = st.tuples(_WORD, _WORD).map(lambda t: f"{t[0]}, {t[1]}")


@settings(max_examples=200, deadline=None)
@given(
    title=_PHRASE,
    abstract=st.one_of(
        st.none(),
        st.text(
            alphabet=st.characters(
                blacklist_characters="{}\\&<", blacklist_categories=("Cc", "Cs")
            ),
            max_size=200,
        ),
    ),
    authors=st.lists(_NAME, max_size=5),
    year=st.one_of(st.none(), st.integers(1900, 2100)),
    keywords=st.lists(_PHRASE, max_size=4, unique_by=str.lower),
    pages=st.one_of(st.none(), st.from_regex(r"[1-9][0-9]{0,3}-[1-9][0-9]{0,3}", fullmatch=True)),
)
def test_round_trip_property(
    title: str,
    abstract: str | None,
    authors: list[str],
    year: int | None,
    keywords: list[str],
    pages: str | None,
) -> None:
    record = Record(
        title=title,
        abstract=normalize.clean(abstract),
        authors=authors,
        year=year,
        keywords=keywords,
        pages=pages,
        doi="10.1000/xyz.1",
        journal="J Test",
    )
    (back,) = bibtex.parse(bibtex.dump([record]), "rt.bib")
    assert back.title == normalize.clean(title)
    assert back.abstract == record.abstract
    assert back.authors == authors
    assert back.year == year
    assert back.keywords == keywords
    assert back.pages == pages
    assert back.doi == "10.1000/xyz.1"


# --- fuzzing: nothing but ImportFormatError escapes ----------------------------------

SAMPLES = [text_of(n) for n in BIB_FILES]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_exports(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    where = data.draw(st.integers(0, len(sample)))
    junk = data.draw(st.text(alphabet='{}@,="\\\n %#()ü', max_size=12))
    text = sample[:where] + junk + sample[where:cut] if where < cut else sample[:cut] + junk
    only_import_errors(bibtex.parse, text, "fuzz.bib")
