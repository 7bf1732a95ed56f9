"""RIS import: every vendor dialect in tests/fixtures/exports, errors, fuzzing, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import normalize as nz
from corpus.errors import ImportFormatError
from corpus.formats import detect, ris
from corpus.model import FIELDS, Record
from corpus.textio import decode
from tests.parser_support import only_import_errors, text_of

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
RIS_FIXTURES = (
    "scopus.ris",
    "wos.ris",
    "embase.ris",
    "ovid.ris",
    "proquest.ris",
    "endnote.ris",
    "zotero.ris",
    "pubmed_zotero.ris",
)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(name: str) -> list[Record]:
    return ris.parse(text_of(name), name)


# (title start, doi, first author, year, journal, source_id, pmid) per record
EXPECTED: dict[
    str, list[tuple[str, str | None, str | None, int | None, str | None, str | None, str | None]]
] = {
    "scopus.ris": [
        (
            "Online grooming of children",
            "10.1016/j.chiabu.2022.105599",
            "Müller, H.",
            2022,
            "Child Abuse and Neglect",
            None,
            None,
        ),
        (
            "Detecting child sexual abuse material",
            "10.1016/j.fsidi.2022.301338",
            "Pereira, M.",
            2022,
            "Forensic Science International: Digital Investigation",
            None,
            None,
        ),
        (
            "Sextortion of minors",
            "10.1177/08862605211037408",
            "Harlow, J.",
            2022,
            "Journal of Interpersonal Violence",
            None,
            None,
        ),
        (
            "Children's exposure to sexual content",
            "10.1089/cyber.2021.0188",
            "Lindqvist, K.",
            2022,
            "Cyberpsychology, Behavior, and Social Networking",
            None,
            None,
        ),
    ],
    "wos.ris": [
        (
            "Self-produced sexual imagery",
            "10.1016/j.chiabu.2020.104812",
            "Quinlan, E",
            2021,
            "CHILD ABUSE & NEGLECT",
            "WOS:000652436200011",
            None,
        ),
        (
            "Beyond the screen",
            "10.1177/1079063218765432",
            "Hartley, M",
            2017,
            "SEXUAL ABUSE-A JOURNAL OF RESEARCH AND TREATMENT",
            "WOS:000436918400004",
            None,
        ),
        (
            "Parental mediation",
            "10.1016/j.chb.2022.107461",
            "Sánchez-Ortega, A",
            2023,
            "COMPUTERS IN HUMAN BEHAVIOR",
            "WOS:000875420100006",
            None,
        ),
    ],
    "embase.ris": [
        (
            "Technology-facilitated child sexual abuse",
            "10.1016/j.chiabu.2020.104715",
            "Haddad S.",
            2020,
            "Child Abuse and Neglect",
            "L2005123456",
            "32966948",
        ),
        (
            "Help-seeking among people",
            "10.3389/fpsyt.2021.637963",
            "Lindgren J.",
            2021,
            "Frontiers in Psychiatry",
            "L2011234567",
            None,
        ),
        (
            "Screening adolescents",
            "10.1016/j.jaac.2022.07.453",
            "Núñez R.",
            2022,
            "Journal of the American Academy of Child and Adolescent Psychiatry",
            "L2021987654",
            None,
        ),
    ],
    "ovid.ris": [
        (
            "Online child sexual exploitation during",
            "10.1016/j.chiabu.2021.105214",
            "Ní Dhálaigh, Áine",
            2021,
            "Child abuse & neglect",
            "34512345",
            "34512345",
        ),
        (
            "Safeguarding children in the metaverse.",
            "10.1016/s2352-4642(22)00012-3",
            "Okafor, Chidi",
            2022,
            "Lancet. Child & adolescent health",
            "35098765",
            "35098765",
        ),
        (
            "Bystander responses",
            "10.1037/vio0000412",
            "Schäfer, Lena",
            2022,
            "Psychology of Violence",
            "2022-45678-001",
            None,
        ),
    ],
    "proquest.ris": [
        (
            "Perceptions of risk among adolescents",
            "10.1016/j.adolescence.2021.08.004",
            "Wiśniewska, Zofia",
            2021,
            "Journal of Adolescence",
            "2587412365; 60321",
            None,
        ),
        (
            "Victim identification",
            "10.1002/car.2789",
            "Dupont, Amélie",
            2022,
            "Child Abuse Review",
            "2712093344; 61877",
            None,
        ),
        (
            "Hotline reports",
            "10.1080/10538712.2022.2031354",
            "O'Brien, Siobhán",
            2022,
            "Journal of Child Sexual Abuse",
            "2633219087; 60990",
            None,
        ),
    ],
    "endnote.ris": [
        (
            "Livestreamed child sexual abuse",
            "10.1016/j.chiabu.2021.105412",
            "van den Berg, M.",
            2022,
            "Child Abuse Negl",
            "412",
            "34820471",
        ),
        (
            "An anonymous online self-help",
            "10.1177/1079063221993478",
            "Schröder, T.",
            2022,
            "Sex Abuse",
            "418",
            "33687192",
        ),
        ("Annual report 2022", None, "Internet Watch Foundation", 2023, None, "420", None),
        (
            "Automated detection of online grooming",
            "10.3390/ijerph192416654",
            "Ionescu, Ș.",
            2022,
            "Int J Environ Res Public Health",
            "425",
            "36512089",
        ),
    ],
    "zotero.ris": [
        (
            "Age estimation of children",
            "10.1016/j.forsciint.2023.111652",
            "Ferreira, João",
            2023,
            "Forensic Science International",
            None,
            None,
        ),
        (
            "Automated tools for detecting",
            "10.1007/978-3-030-41287-6_7",
            "Whitfield, Brian G.",
            2020,
            "The Handbook of Online Harms Research",
            None,
            None,
        ),
        (
            "Children's disclosure of online sexual abuse",
            "10.1080/10538712.2021.1970679",
            "Johansson, Malin",
            2021,
            "Journal of Child Sexual Abuse",
            None,
            None,
        ),
        ("Tech firms must do more", "10.1038/d41586-022-09999-9", None, 2022, "Nature", None, None),
    ],
    "pubmed_zotero.ris": [
        (
            "Prevalence of online sexual solicitation",
            "10.1016/j.chiabu.2021.105180",
            "Madsen, Sheri",
            2021,
            "Child abuse & neglect",
            "34217486",
            "34217486",
        ),
        (
            "Grooming of children for sexual abuse",
            "10.1080/10538712.2019.1666945",
            "Pérez-González, Alicia",
            2019,
            "Journal of child sexual abuse",
            "31567089",
            "31567089",
        ),
        (
            "Technology-assisted child sexual abuse",
            "10.1002/car.2638",
            "Hamilton-Grey, Catherine",
            2020,
            "Child abuse review (Chichester, England : 1992)",
            None,
            "32905021",
        ),
        (
            "Child sexual abuse online",
            "10.1016/s0140-6736(23)00390-1",
            "Łopatka, Katarzyna",
            2023,
            "Lancet (London, England)",
            "36906341",
            "36906341",
        ),
    ],
}


@pytest.mark.parametrize("name", RIS_FIXTURES)
def test_fixture_records(name: str) -> None:
    records = parse(name)
    expected = EXPECTED[name]
    assert len(records) == len(expected)
    for rec, (title, doi, author, year, journal, source_id, pmid) in zip(
        records, expected, strict=True
    ):
        assert rec.title and rec.title.startswith(title)
        assert rec.doi == doi
        assert (rec.authors[0] if rec.authors else None) == author
        assert rec.year == year
        assert rec.journal == journal
        assert rec.source_id == source_id
        assert rec.pmid == pmid
        assert rec.raw["TY"] == [rec.type]
        assert rec.line and text_of(name).split("\n")[rec.line - 1].startswith("TY  - ")


TITLES = {
    "scopus.ris": [
        "Online grooming of children: A systematic review of offender strategies and victim "
        "vulnerabilities",
        "Detecting child sexual abuse material with deep learning: A benchmark of image and video "
        "classifiers",
        "Sextortion of minors: Characteristics and dynamics of incidents reported to a national "
        "hotline",
        "Children's exposure to sexual content on video-sharing platforms",
    ],
    "wos.ris": [
        "Self-produced sexual imagery of children: A grounded theory of adolescent motivations",
        "Beyond the screen: a review of research on people who view child sexual abuse material "
        "online",
        "Parental mediation of children's smartphone use and exposure to online sexual "
        "solicitation",
    ],
    "embase.ris": [
        "Technology-facilitated child sexual abuse: A systematic review",
        "Help-seeking among people with sexual interest in children: An anonymous online survey",
        "Screening adolescents for online sexual exploitation in the emergency department",
    ],
    "ovid.ris": [
        "Online child sexual exploitation during the COVID-19 pandemic: A rapid review.",
        "Safeguarding children in the metaverse.",
        "Bystander responses to online sexual harassment of adolescents: A vignette experiment.",
    ],
    "proquest.ris": [
        "Perceptions of risk among adolescents who share sexual images: a mixed-methods study",
        "Victim identification in child sexual abuse material investigations: practitioner "
        "perspectives",
        "Hotline reports of online child sexual abuse: trends 2015-2020",
    ],
    "endnote.ris": [
        "Livestreamed child sexual abuse: an analysis of court cases",
        "An anonymous online self-help programme for people with sexual interest in children",
        "Annual report 2022",
        "Automated detection of online grooming: a review",
    ],
    "zotero.ris": [
        "Age estimation of children in sexual abuse images: how accurate are practitioners?",
        "Automated tools for detecting child sexual abuse material",
        "Children's disclosure of online sexual abuse to parents, peers and professionals",
        "Tech firms must do more to stop child abuse online",
    ],
    "pubmed_zotero.ris": [
        "Prevalence of online sexual solicitation and interactions with adults among "
        "adolescents: a meta-analysis.",
        "Grooming of children for sexual abuse in religious settings: unique characteristics and "
        "select case studies.",
        "Technology-assisted child sexual abuse in the UK: a cross-sectional survey of young "
        "adults.",
        "Child sexual abuse online: the need for an international response.",
    ],
}


AUTHOR_COUNTS = {
    "scopus.ris": [4, 3, 2, 2],
    "wos.ris": [3, 3, 2],
    "embase.ris": [3, 3, 2],
    "ovid.ris": [3, 1, 2],
    "proquest.ris": [2, 2, 1],
    "endnote.ris": [3, 2, 1, 2],
    "zotero.ris": [3, 1, 4, 0],
    "pubmed_zotero.ris": [5, 2, 4, 1],
}


@pytest.mark.parametrize("name", RIS_FIXTURES)
def test_fixture_titles_exact_and_author_counts(name: str) -> None:
    records = parse(name)
    assert [r.title for r in records] == TITLES[name]
    assert [len(r.authors) for r in records] == AUTHOR_COUNTS[name]
    for rec in records:  # every AU/A1 line, cleaned, in file order; never A2 editors
        expected = [" ".join(v.split()) for t in ("A1", "AU") for v in rec.raw.get(t, [])]
        assert rec.authors == [a.rstrip(",") for a in expected]


@pytest.mark.parametrize("name", RIS_FIXTURES)
def test_fixture_detected_as_ris_and_one_record_lacks_abstract(name: str) -> None:
    text = text_of(name)
    assert detect(text, name) == "ris"
    assert sum(1 for r in parse(name) if not r.abstract) >= 1


def test_scopus_details() -> None:
    recs = parse("scopus.ris")
    assert recs[0].authors == ["Müller, H.", "Kowalski, Ł.", "Gómez, M.", "O'Sullivan, R."]
    assert recs[0].keywords[:2] == ["Child sexual abuse", "Online grooming"]
    assert recs[0].abstract and recs[0].abstract.endswith("© 2022 Elsevier Ltd")
    assert recs[2].pages == "NP17512-NP17536" and recs[2].issue == "19-20"
    assert "DO" not in recs[2].raw  # DOI came from the URL-encoded UR link
    assert recs[3].abstract is None and recs[3].flags() == ["missing_abstract"]
    assert recs[0].raw["N1"] == ["Export Date: 14 March 2023"]


def test_wos_ris_multiline_note_and_issn() -> None:
    recs = parse("wos.ris")
    assert recs[0].raw["N1"] == [
        "Times Cited in Web of Science Core Collection:  12\nTotal Times Cited:  14\n"
        "Cited Reference Count:  58"
    ]
    assert recs[0].issn == "0145-2134"  # first of the two SN lines
    assert recs[1].pages == "416-441"
    assert recs[2].abstract is None


def test_embase_pmid_editors_and_doi_from_link() -> None:
    recs = parse("embase.ris")
    assert recs[0].pmid == "32966948"  # C5 when DB lists Medline
    assert recs[1].pmid is None  # L-numbers are Embase accessions, never PMIDs
    assert "DO" not in recs[1].raw and recs[1].doi == "10.3389/fpsyt.2021.637963"
    assert recs[0].title == "Technology-facilitated child sexual abuse: A systematic review"
    assert recs[0].abstract and recs[0].abstract.startswith("Background:")  # from N2
    assert recs[2].abstract is None and recs[2].issue == "10"


def test_ovid_junk_between_records_and_no_pagination() -> None:
    recs = parse("ovid.ris")
    assert [r.line for r in recs] == [8, 34, 56]
    assert recs[2].pages is None  # "SP  - No" / "EP  - Specified"
    assert recs[2].keywords[0] == "*Bystander Effect"
    assert "NL" not in recs[2].raw  # written after ER: outside the record
    assert recs[1].abstract is None
    assert recs[0].issn == "1873-7757"


def test_proquest_multiline_abstract() -> None:
    rec = parse("proquest.ris")[1]
    assert rec.abstract is not None
    assert rec.abstract.startswith("Background Identifying the children depicted")
    assert "\n" not in rec.abstract and "Methods We interviewed" in rec.abstract
    assert rec.raw["AB"][0].count("\n") == 7
    assert rec.url and rec.url.endswith("docview/2712093344/se-2?accountid=14772")
    assert rec.issn == "0952-9136"


def test_endnote_keywords_one_per_line_and_corporate_author() -> None:
    recs = parse("endnote.ris")
    assert recs[0].keywords == [
        "Child",
        "Child Abuse, Sexual/*statistics & numerical data",
        "Crime Victims",
        "Humans",
        "Internet",
        "*Livestreaming",
        "Philippines",
    ]
    assert recs[0].abstract and "Offenders were predominantly men" in recs[0].abstract
    assert recs[1].pages == "187-210"
    assert recs[2].authors == ["Internet Watch Foundation"]
    assert recs[2].type == "RPRT" and recs[2].abstract is None


def test_zotero_editors_are_not_authors_and_access_date_is_not_year() -> None:
    recs = parse("zotero.ris")
    chapter = recs[1]
    assert chapter.authors == ["Whitfield, Brian G."]
    assert chapter.raw["A2"] == ["Holloway, Thomas J.", "Bosworth, Adam M."]
    assert chapter.issn is None  # SN holds an ISBN
    assert chapter.pages == "115-134"
    assert recs[3].authors == [] and recs[3].issn == "0028-0836"
    assert recs[0].year == 2023  # not the Y2 access year 2024


def test_pubmed_zotero_pmid_from_link_and_issn_pair() -> None:
    recs = parse("pubmed_zotero.ris")
    assert recs[2].pmid == "32905021" and recs[2].source_id is None
    assert recs[0].issn == "1873-7757"
    assert recs[1].year == 2019  # DA 2019/10//undefined
    assert recs[0].abstract and "  " not in recs[0].abstract


# --- dialect details on small inputs -------------------------------------------------------


def one(text: str) -> Record:
    records = ris.parse(text, "t.ris")
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize("end", ["ER  -", "ER  - ", "ER  -  ", "ER -", "ER", "  ER  - "])
def test_end_tag_variants(end: str) -> None:
    assert one(f"TY  - JOUR\nTI  - A\n{end}\n").title == "A"


def test_tolerant_tags_and_blank_lines() -> None:
    text = "\n\n  TY - JOUR\nTI - One space\n\nAU  -  Smith, J.\n\nER  -\n\n\n\nTY  - BOOK\nER  -"
    first, second = ris.parse(text, "t")
    assert first.title == "One space" and first.authors == ["Smith, J."]
    assert first.line == 3 and second.line == 12 and second.type == "BOOK"


def test_indented_record_pasted_from_a_web_page() -> None:
    rec = one("    TY  - JOUR\n    TI  - Indented\n    AB  - Text\n      wrapped\n    ER  - \n")
    assert (rec.title, rec.abstract, rec.type) == ("Indented", "Text wrapped", "JOUR")


@pytest.mark.parametrize(
    ("tags", "journal"),
    [
        ("JA  - J Abbr\nJF  - Full Journal\n", "Full Journal"),
        ("J2  - Abbr\nT2  - Secondary\n", "Secondary"),
        ("JO  - Jo Name\nJA  - Abbr\n", "Jo Name"),
        ("J1  - Only J1\n", "Only J1"),
    ],
)
def test_journal_prefers_full_names(tags: str, journal: str) -> None:
    assert one(f"TY  - JOUR\n{tags}ER  - \n").journal == journal


@pytest.mark.parametrize(
    ("tags", "year"),
    [
        ("PY  - 2019///\n", 2019),
        ("Y1  - 2019/05/03/\n", 2019),
        ("PY  - 10 15\nDA  - 2018/10/15/\n", 2018),
        ("DA  - 2019//\n", 2019),
        ("Y2  - 2024/01/15/\n", None),
        ("PY  - \nY1  - 2017\n", 2017),
    ],
)
def test_year_variants(tags: str, year: int | None) -> None:
    assert one(f"TY  - JOUR\n{tags}ER  - \n").year == year


@pytest.mark.parametrize(
    ("tags", "doi"),
    [
        ("DO  - https://doi.org/10.1000/ABC\nM3  - 10.9/other\n", "10.1000/abc"),
        ("M3  - Article\nM3  - 10.1000/m3\n", "10.1000/m3"),
        (
            "UR  - https://www.scopus.com/x?eid=1&doi=10.1016%2fj.x.2020.1&partnerID=40\n",
            "10.1016/j.x.2020.1",
        ),
        ("L3  - http://dx.doi.org/10.1002/l3.1\n", "10.1002/l3.1"),
        ("N1  - Clin Pharmacokinet. 2011;50(6):349-69. doi: 10.2165/1158.\n", "10.2165/1158"),
        ("UR  - http://example.org/10.1000/not-a-doi-link\n", None),
    ],
)
def test_doi_sources(tags: str, doi: str | None) -> None:
    assert one(f"TY  - JOUR\n{tags}ER  - \n").doi == doi


@pytest.mark.parametrize(
    ("tags", "pmid"),
    [
        ("AN  - 12345678\n", "12345678"),  # no database named: Zotero/PubMed style
        ("AN  - 12345678\nDP  - NLM\n", "12345678"),
        ("AN  - 12345678\nDB  - Embase\n", None),
        ("AN  - L2001234567\nDB  - Embase\n", None),
        ("AN  - 2214991469; 51887\nDB  - PTSDpubs\n", None),
        ("AN  - 2214991469\n", None),  # ten digits: a ProQuest docview id, not a PMID
        ("N1  - PMID: 31234567\n", "31234567"),
        ("C2  - PMC6543210\n", None),
        ("AN  - PMID:36123456\nDB  - Embase\n", "36123456"),
        ("UR  - https://pubmed.ncbi.nlm.nih.gov/30218120/\n", "30218120"),
        ("L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=prem&NEWS=N&AN=30011099\n", "30011099"),
        ("L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=emed&NEWS=N&AN=621381829\n", None),
    ],
)
def test_pmid_only_when_clearly_pubmed(tags: str, pmid: str | None) -> None:
    assert one(f"TY  - JOUR\n{tags}ER  - \n").pmid == pmid


def test_authors_keywords_abstract_and_raw() -> None:
    rec = one(
        "TY  - JOUR\nT1  - Title one\nTI  - Title two\nA1  - Kim, A.\nA1  - Wang, Y.\n"
        "A1  - Wang, Y.\nAU  - Kim, A.\nAU  - Lee, B.\nA2  - Editor, E.\n"
        "KW  - alpha; beta;gamma\nKW  - Beta\nN2  - Second.\nAB  - First part\ncontinued.\n"
        "AB  - First part\ncontinued.\nSN  - 978-1-4419-1234-5\nSN  - 1234-567x (Print)\n"
        "ID  - rec-1\nAN  - other\nER  - \n"
    )
    assert rec.title == "Title two"
    assert rec.authors == ["Kim, A.", "Wang, Y.", "Wang, Y.", "Lee, B."]
    assert rec.keywords == ["alpha", "beta", "gamma"]
    assert rec.abstract == "First part continued."
    assert rec.issn == "1234-567X"
    assert rec.source_id == "rec-1"
    assert rec.raw["AB"] == ["First part\ncontinued.", "First part\ncontinued."]
    assert rec.raw["A1"] == ["Kim, A.", "Wang, Y.", "Wang, Y."]


def test_record_without_title_or_abstract_is_kept() -> None:
    rec = one("TY  - JOUR\nAU  - Nobody, N.\nER  - \n")
    assert rec.title is None and rec.flags() == ["missing_title", "missing_abstract"]


def test_short_title_fallback_and_markup() -> None:
    rec = one("TY  - JOUR\nST  - Short <i>E. coli</i> &amp; more\nER  - \n")
    assert rec.title == "Short E. coli & more"


# --- errors -----------------------------------------------------------------------------------


def test_truncated_file_names_the_open_record() -> None:
    text = "TY  - JOUR\nTI  - A\nER  - \n\nTY  - JOUR\nTI  - Cut off\nAB  - Half an abs"
    with pytest.raises(ImportFormatError) as err:
        ris.parse(text, "cut.ris")
    assert err.value.line == 5 and err.value.record == 2
    assert "cut.ris:5" in str(err.value) and "ER" in err.value.message


def test_ty_before_er_is_an_error_naming_both_lines() -> None:
    text = "TY  - JOUR\nTI  - A\nTY  - JOUR\nTI  - B\nER  - \n"
    with pytest.raises(ImportFormatError) as err:
        ris.parse(text, "glued.ris")
    assert err.value.line == 1 and "line 3" in err.value.message


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "AU  - Smith\nER  - \n", "hello\nworld"])
def test_no_record_is_an_error(text: str) -> None:
    with pytest.raises(ImportFormatError) as err:
        ris.parse(text, "empty.ris")
    assert err.value.line == 1


def test_truncated_fixture_raises_with_line() -> None:
    text = text_of("scopus.ris")
    cut = text[: text.index("Sextortion of minors") + 30]
    with pytest.raises(ImportFormatError) as err:
        ris.parse(cut, "scopus.ris")
    assert err.value.line == parse("scopus.ris")[2].line


# --- robustness (hypothesis) ------------------------------------------------------------------


@FUZZ
@given(
    st.lists(
        st.sampled_from(
            [
                "TY  - JOUR",
                "ER  - ",
                "ER",
                "TI  - x",
                "AU  - a, b",
                "KW  - k;;",
                "",
                "  ",
                "PY  - 10 15",
                "DO  - 10.",
                "UR  - doi=10.1%2",
                "AN  - 1",
                "DB  - medline",
                "SN  - 1234-",
                "cont line",
                "TY  -",
                "SP  - No",
                "EP  - Specified",
                "N1  - PMID:",
                "AB  - <b>&amp;",
            ]
        )
    )
)
def test_random_tag_soup(lines: list[str]) -> None:
    only_import_errors(ris.parse, "\n".join(lines), "fuzz.ris")


@FUZZ
@given(st.sampled_from(RIS_FIXTURES), st.binary(min_size=1, max_size=64), st.data())
def test_fixture_with_random_bytes_spliced_in(name: str, junk: bytes, data: st.DataObject) -> None:
    raw = (EXPORTS / name).read_bytes()
    at = data.draw(st.integers(0, len(raw)))
    try:
        text = decode(raw[:at] + junk + raw[at:], name)
    except ImportFormatError:
        return
    only_import_errors(ris.parse, text, "fuzz.ris")


# --- round trip -------------------------------------------------------------------------------


def fields(rec: Record) -> dict[str, object]:
    return {f: getattr(rec, f) for f in (*FIELDS, "source_id")}


@pytest.mark.parametrize("name", RIS_FIXTURES)
def test_dump_parse_round_trip(name: str) -> None:
    records = parse(name)
    again = ris.parse(ris.dump(records), "dumped.ris")
    assert [fields(r) for r in again] == [fields(r) for r in records]


def test_dump_layout() -> None:
    rec = parse("pubmed_zotero.ris")[0]
    text = ris.dump([rec])
    assert text.startswith("TY  - JOUR\nTI  - Prevalence")
    assert "ID  - 34217486\n" in text and "N1  - PMID: 34217486\n" in text
    assert text.endswith("ER  - \n\n")
    assert ris.dump([Record(title="No type")]).startswith("TY  - GEN\n")


def _clean(text: str) -> str | None:
    value = nz.clean(text)
    return value if value is not None and nz.clean(value) == value else None


_words = st.text(
    st.characters(codec="utf-8", exclude_characters="\n;"),
    min_size=1,
    max_size=40,
).map(_clean)


@st.composite
def records(draw: st.DrawFn) -> Record:
    page_range = st.from_regex(r"[Ae]?[0-9]{1,5}(-[0-9]{1,5})?", fullmatch=True)
    pages = draw(st.one_of(st.none(), page_range))
    return Record(
        title=draw(_words),
        abstract=draw(_words),
        authors=[a for a in draw(st.lists(_words, max_size=4)) if a and a.rstrip(",") == a],
        year=draw(st.one_of(st.none(), st.integers(1500, 2100))),
        journal=draw(_words),
        volume=draw(_words),
        issue=draw(_words),
        pages=pages,
        doi=draw(
            st.one_of(
                st.none(),
                st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9._()-]{1,20}[a-z0-9]", fullmatch=True),
            )
        ),
        pmid=draw(st.one_of(st.none(), st.from_regex(r"[1-9][0-9]{0,7}", fullmatch=True))),
        issn=draw(st.one_of(st.none(), st.from_regex(r"[0-9]{4}-[0-9]{3}[0-9X]", fullmatch=True))),
        keywords=nz.keywords(draw(st.lists(_words.filter(bool), max_size=4))),
        language=draw(_words),
        type=draw(st.sampled_from(["JOUR", "BOOK", "CHAP", "CONF", "RPRT", "THES"])),
        url=draw(
            st.one_of(
                st.none(), st.from_regex(r"https://example\.org/[a-z0-9]{1,12}", fullmatch=True)
            )
        ),
        source_id=draw(_words),
    )


@FUZZ
@given(st.lists(records(), min_size=1, max_size=5))
def test_dump_parse_round_trip_generated(recs: list[Record]) -> None:
    again = ris.parse(ris.dump(recs), "dumped.ris")
    assert [fields(r) for r in again] == [fields(r) for r in recs]
