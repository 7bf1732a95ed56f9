"""The deduplication pair scorer: hard cases, one test per rule, ASySD counting."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from corpus.dedup.keys import first_page, journal_key, journals_compatible, title_keys
from corpus.dedup.names import names_match, parse_name
from corpus.dedup.score import DedupPolicy, PairScore, Prepared, prepare, score_pair
from corpus.model import Record

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests/fixtures/dedup/pair_cases.json").read_text())["cases"]
COCHRANE_CASE = "tan_2004_2005_pub2_vs_pub3"


def _load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("dedup_data", ROOT / "bench/dedup_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_data"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def score(a: dict[str, Any], b: dict[str, Any], **policy: bool) -> PairScore:
    return score_pair(prepare(a), prepare(b), DedupPolicy(**policy))


ARTICLE: dict[str, Any] = {
    "title": "Help-seeking among people with sexual interest in children: an online survey",
    "authors": ["Lindgren, Johanna", "Åberg, Viktor", "Sahlin, Carl"],
    "year": 2021,
    "journal": "Frontiers in Psychiatry",
    "volume": "12",
    "issue": "3",
    "pages": "637963",
    "doi": "10.3389/fpsyt.2021.637963",
    "abstract": "Few people with a sexual interest in children seek professional help.",
    "type": "JOUR",
}


def copy(**changes: Any) -> dict[str, Any]:
    return {**ARTICLE, **changes}


# ---------------------------------------------------------------- bib-dedupe cases


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_pair_cases_all_right_when_versions_may_merge(case: dict[str, Any]) -> None:
    a, b = (bench.from_bibtex_like(case[k]) for k in ("record_a", "record_b"))
    result = score(a, b, keep_versions_apart=False)
    assert (result.verdict == "duplicate") == case["expected_duplicate"], result.reason
    assert 0.0 <= result.score <= 1.0
    json.dumps(result.evidence)  # stored as JSON by the engine


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_pair_cases_with_default_policy(case: dict[str, Any]) -> None:
    a, b = (bench.from_bibtex_like(case[k]) for k in ("record_a", "record_b"))
    result = score(a, b)
    if case["id"] == COCHRANE_CASE:  # bib-dedupe merges review versions; we keep them apart
        assert result.verdict == "distinct"
        assert result.reason == "versions pub2 vs pub3 kept apart"
    else:
        assert (result.verdict == "duplicate") == case["expected_duplicate"], result.reason


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "name",
    ["Müller, H.", "H. Müller", "Muller H", "MÜLLER Hans", "Müller, Hans J.", "MULLER H"],
)
def test_author_formats_parse_to_one_person(name: str) -> None:
    parsed = parse_name(name)
    assert parsed is not None
    assert parsed[0] == "muller" and "h" in parsed[2]


def test_author_lists_in_other_formats_are_the_same_authors() -> None:
    a = copy(authors=["Abrahao, Bruno", "Parigi, Paolo", "Cook, Karen S."], doi=None)
    b = copy(authors="B. Abrahao; P. Parigi; K. S. Cook", doi=None)
    c = copy(authors=["ABRAHAO B", "PARIGI P", "COOK KS"], doi=None, journal=None)
    d = copy(authors=["Abrahao B.Parigi P.Cook K. S."], doi=None)  # run together, one string
    for other in (b, c, d):
        result = score(a, other)
        assert result.evidence["authors"] == "same", other["authors"]
        assert result.verdict == "duplicate"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ricci LA", "Ricci, L.A."),  # initials that spell a particle
        ("van der Berg P.J.", "VAN DER BERG PJ"),
        ("De Luca, Anna", "DE LUCA A"),
        ("García-López, M.", "García López M"),
        ("O'Neill, Hayley", "O’Neill H"),
        ("Zhang Wei", "Zhang, W."),  # order unknown: both words may be the surname
    ],
)
def test_harder_name_pairs_match(a: str, b: str) -> None:
    x, y = parse_name(a), parse_name(b)
    assert x is not None and y is not None and names_match(x, y)


def test_different_people_with_one_surname_do_not_match() -> None:
    assert parse_name("Hall, Laura L")[2] != parse_name("Hall, Gillian")[2]  # type: ignore[index]
    result = score(copy(authors=["Hall, Laura L"]), copy(authors=["Hall, Gillian"], doi=None))
    assert result.evidence["authors"] == "conflict"
    assert parse_name("UNKNOWN") is None and parse_name("[No authors listed]") is None


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("J Child Sex Abus", "Journal of Child Sexual Abuse"),
        ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the "
         "United States of America"),
        ("Child Abuse Negl", "Child Abuse & Neglect"),
        ("J. Am. Acad. Child Adolesc. Psychiatry",
         "Journal of the American Academy of Child and Adolescent Psychiatry"),
        ("Lancet (London, England)", "The Lancet"),
        ("BMJ", "British Medical Journal"),
        ("Health Aff (Millwood)", "HEALTH AFFAIRS"),
    ],
)  # fmt: skip
def test_journal_abbreviations_match_full_names(short: str, full: str) -> None:
    assert journals_compatible(journal_key(short), journal_key(full))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Journal of Digital Studies", "Workshop of Digital Studies"),
        ("Annals of Surgery", "Archives of Surgery"),
        ("Journal of Medicine", "Journal of Medical Ethics"),
    ],
)
def test_different_journals_do_not_match(a: str, b: str) -> None:
    assert not journals_compatible(journal_key(a), journal_key(b))


def test_titles_lose_html_latex_case_and_spelling() -> None:
    key = title_keys('Effects of <i>in vivo</i> &amp; {\\"u}ber-Randomised Behaviour.')[0]
    assert key == title_keys("EFFECTS OF IN VIVO AND ÜBER RANDOMIZED BEHAVIOR")[0]
    assert key == "effects of in vivo and uber randomized behavior"
    main, alt, translated, _ = title_keys("Depression im Alter [Depression in old age]")
    assert (main, alt, translated) == ("depression im alter", "depression in old age", True)
    assert title_keys("[Depression in old age]. [Article in German]")[0] == "depression in old age"
    ovid = title_keys("Wilson disease: a review. [Review] [85 refs] [Erratum appears in X. 2010]")
    assert ovid[:3] == ("wilson disease a review", None, False)


def test_first_page_from_vendor_formats() -> None:
    assert first_page("9848-53") == first_page("9848--9853") == "9848"
    assert first_page("e1234") == first_page("1234") == "1234"
    assert first_page("S12-S14") == "s12"


def test_html_in_one_title_still_a_duplicate() -> None:
    result = score(copy(title="CO<sub>2</sub> levels &amp; <i>sexual</i> interest"),
                   copy(title="CO2 levels and sexual interest", doi=None))  # fmt: skip
    assert result.verdict == "duplicate" and result.evidence["title"] == 1.0


def test_prepare_accepts_a_record() -> None:
    rec = Record(title=ARTICLE["title"], authors=ARTICLE["authors"], year=2021)
    assert prepare(rec).first_author == "lindgren"


def test_block_keys_meet_across_formats() -> None:
    a = prepare(copy(doi="10.3389/FPSYT.2021.637963"))
    b = prepare(copy(title=ARTICLE["title"].upper() + ".", authors=["LINDGREN J"],
                     journal="Front. Psychiatry", doi=None))  # fmt: skip
    assert set(a.block_keys()) & set(b.block_keys()) >= {
        "t:help seeking among people",
        "a:lindgren:2021",
        "v:fp:637963",
    }
    assert "d:10.3389/fpsyt.2021.637963" in a.block_keys()


# ---------------------------------------------------------------- rules


def test_same_doi_or_pmid_is_a_duplicate() -> None:
    assert score(copy(), copy(title=None, authors=[])).evidence["rule"] == "same_id"
    result = score(copy(doi=None, pmid="33777777"), copy(doi=None, pmid="33777777", year=2020))
    assert result.verdict == "duplicate" and "PMID" in result.reason


def test_same_doi_with_other_title_and_authors_is_a_wrong_doi() -> None:
    other = copy(title="Understanding privacy assimilation", authors=["Attili, V."], year=2018)
    assert score(copy(), other).verdict == "distinct"


def test_conflicting_dois_are_distinct_unless_all_else_is_identical() -> None:
    result = score(copy(), copy(doi="10.3389/fpsyt.2021.999999"))
    assert result.verdict == "uncertain" and "identifier may be wrong" in result.reason
    result = score(copy(), copy(doi="10.3389/fpsyt.2021.999999", pages="12-20"))
    assert result.verdict == "distinct" and result.reason == "different DOIs"


def test_cochrane_versions_kept_apart_by_default() -> None:
    review = {"title": "Air versus oxygen for resuscitation of infants at birth",
              "authors": ["Tan A", "Schulze A"], "journal": "Cochrane Database Syst Rev",
              "pages": "CD002273", "type": "JOUR"}  # fmt: skip
    a = {**review, "year": 2004, "doi": "10.1002/14651858.CD002273.pub2"}
    b = {**review, "year": 2005, "doi": "10.1002/14651858.CD002273.pub3"}
    assert score(a, b).reason == "versions pub2 vs pub3 kept apart"
    assert score(a, b, keep_versions_apart=False).verdict == "duplicate"
    no_doi = {**review, "year": 2005}  # a database without the DOI: the year tells versions
    assert score(a, no_doi).evidence["rule"] == "versions"
    assert score(a, {**review, "year": 2004}).verdict == "duplicate"


def test_erratum_kept_apart_from_the_article() -> None:
    erratum = copy(title="Erratum: " + ARTICLE["title"], doi=None, pages="640000", abstract=None)
    result = score(copy(), erratum)
    assert result.verdict == "distinct" and result.evidence["rule"] == "erratum"
    correction = copy(title="Correction to: " + ARTICLE["title"], doi=None, pages=None)
    assert score(copy(), correction).verdict == "distinct"
    assert score(copy(), correction, keep_errata_apart=False).verdict == "duplicate"
    retracted = copy(title="RETRACTED: " + ARTICLE["title"], doi=None)  # the article itself
    assert score(copy(), retracted).verdict == "duplicate"
    assert not prepare({"title": "Correction of hallux valgus in adolescents"}).erratum
    assert prepare({"title": "A trial", "type": "Published Erratum"}).erratum


def test_preprint_kept_apart_from_the_journal_article() -> None:
    preprint = copy(journal="medRxiv", doi="10.1101/2020.05.12.20099999", volume=None,
                    pages=None, year=2020)  # fmt: skip
    result = score(copy(), preprint)
    assert result.verdict == "distinct" and result.evidence["rule"] == "preprint"
    research_square = copy(journal=None, doi="10.21203/rs.3.rs-123456/v1", pages=None)
    assert score(copy(), research_square).evidence["rule"] == "preprint"
    assert score(copy(), preprint, keep_preprints_apart=False).verdict == "duplicate"


def test_conference_abstract_kept_apart_from_the_paper() -> None:
    embase = copy(doi=None, issue="Supplement 1", pages="S215", keywords=["conference abstract"])
    assert score(copy(), embase).evidence["rule"] == "conference"
    meeting = copy(doi=None, type="CONF", journal="Annual Congress of the ESCAP", pages=None)
    assert score(copy(), meeting).verdict == "distinct"
    raw_m3 = copy(doi=None, pages="S1", raw={"M3": ["Conference Abstract"]})
    assert score(copy(), raw_m3).verdict == "distinct"
    both = score(embase, copy(doi=None, pages="S215", keywords=["conference abstract"]))
    assert both.verdict == "duplicate"
    assert score(copy(), embase, keep_conference_abstracts_apart=False).verdict == "duplicate"


def test_wos_article_from_proceedings_is_still_an_article() -> None:
    wos = copy(doi=None, type="Article; Proceedings Paper")
    assert score(copy(), wos).verdict == "duplicate"


@pytest.mark.parametrize("generic", ["Editorial", "Letter to the editor", "Reply", "Book review"])
def test_generic_titles_need_venue_and_pages(generic: str) -> None:
    base = copy(title=generic, doi=None, abstract=None, authors=[])
    assert score(base, base).verdict == "duplicate"
    assert score(base, {**base, "pages": "637990"}).verdict == "distinct"
    bare = {"title": generic, "year": 2021}
    assert score(bare, bare).verdict != "duplicate"


def test_year_off_by_one_for_online_first() -> None:
    online = copy(year=2020, volume=None, issue=None, pages="1-17", doi=None)
    result = score(copy(), online)
    assert result.verdict == "duplicate" and "online first" in result.reason
    assert score(copy(), copy(year=2019, doi=None)).evidence["rule"] == "years"
    assert score(copy(), copy(year=2018)).verdict == "duplicate"  # same DOI wins


def test_missing_fields_do_not_block() -> None:
    bare = {"title": ARTICLE["title"], "authors": ["Lindgren J"], "year": 2021}
    assert score(copy(), bare).verdict == "duplicate"
    no_authors = copy(authors=[], abstract=None, journal=None, pages=None, doi=None)
    assert score(copy(), no_authors).verdict == "duplicate"


def test_near_identical_titles_naming_other_studies() -> None:
    part1 = copy(title="Outcomes of online grooming prevention: part I", doi=None)
    part2 = copy(title="Outcomes of online grooming prevention: part II", doi=None, pages="9")
    assert score(part1, part2).verdict != "duplicate"
    men = copy(title="Sexual interest in children among men: a survey", doi=None)
    women = copy(title="Sexual interest in children among women: a survey", doi=None, pages="1")
    assert score(men, women).verdict != "duplicate"
    sequel = copy(title=ARTICLE["title"] + ". II. Follow-up", doi=None, pages=None)
    assert score(copy(), sequel).verdict != "duplicate"


def test_translated_titles() -> None:
    pubmed = copy(title="[Depression in old age: a register study].", doi=None)
    embase = copy(title="Depression im Alter: eine Registerstudie [Depression in old age: a "
                  "register study]", doi=None)  # fmt: skip
    assert score(pubmed, embase).verdict == "duplicate"
    original = copy(title="Depression im Alter: eine Registerstudie", doi=None)
    assert score(pubmed, original).verdict == "duplicate"  # journal, volume, pages, year agree
    assert score(pubmed, {**original, "pages": None}).verdict == "uncertain"


def test_different_titles_same_authors_are_uncertain_or_distinct() -> None:
    other = copy(title="Barriers to help-seeking: a qualitative interview study", doi=None,
                 pages="12-19", abstract="We interviewed 12 people.")  # fmt: skip
    assert score(copy(), other).verdict == "distinct"
    same_abstract = {**other, "abstract": ARTICLE["abstract"]}
    assert score(copy(), same_abstract).evidence["rule"] == "same_abstract"
    reworded = {**other, "title": "Help-seeking in people with a sexual interest in children"}
    assert score(copy(), reworded).verdict == "uncertain"


def test_policy_from_mapping() -> None:
    assert DedupPolicy.from_mapping({}) == DedupPolicy()
    assert not DedupPolicy.from_mapping({"keep_preprints_apart": False}).keep_preprints_apart
    with pytest.raises(ValueError, match="keep_version_apart"):
        DedupPolicy.from_mapping({"keep_version_apart": True})
    with pytest.raises(ValueError, match="true or false"):
        DedupPolicy.from_mapping({"keep_errata_apart": "yes"})


# ---------------------------------------------------------------- benchmark helpers


def test_asysd_metrics_hand_computed() -> None:
    truth = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C", "c2": "C", "d1": "D", "e1": "E"}
    predicted = {"a1": 1, "a2": 1, "a3": 2, "b1": 3, "c1": 3, "c2": 4, "d1": 5, "e1": 5}
    # Kept: a1, a3, b1, c2, d1. A: 2 kept (TN + FN), a2 removed (TP). B: TN. C: c1 removed
    # (TP, C still has c2), c2 TN. D: TN. E: its only record removed -> FP.
    m = bench.asysd_metrics(truth, predicted)
    assert (m["tp"], m["fn"], m["tn"], m["fp"]) == (2, 1, 4, 1)
    assert m["sensitivity"] == pytest.approx(2 / 3)
    assert m["specificity"] == pytest.approx(4 / 5)
    singletons = bench.asysd_metrics(truth, {})
    assert (singletons["tp"], singletons["fn"], singletons["fp"]) == (0, 3, 0)


def test_bench_data_builds_and_scores_well(tmp_path: Path) -> None:
    from corpus.formats.ris import parse

    out = bench.build(tmp_path / "bench", seed=3, studies=150)
    truth = bench.load_truth(out)
    records: dict[tuple[str, str], Prepared] = {}
    for db in bench.DATABASES:
        for rec in parse((out / f"{db}.ris").read_text(encoding="utf-8"), db):
            records[(db, str(rec.source_id))] = prepare(rec)
    assert records.keys() == truth.keys()
    assert len(set(truth.values())) > 150  # hard look-alikes were added
    blocks: dict[str, list[tuple[str, str]]] = {}
    for key, prep in records.items():
        for block in prep.block_keys():
            blocks.setdefault(block, []).append(key)
    parent = {key: key for key in records}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent[x] != x:
            x = parent[x]
        return x

    for members in blocks.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if score_pair(records[a], records[b]).verdict == "duplicate":
                    parent[find(a)] = find(b)
    m = bench.asysd_metrics(truth, {key: find(key) for key in records})
    assert m["specificity"] >= 0.995 and m["sensitivity"] >= 0.98, m


# --- records that carry only a title and an abstract (ASReview-style CSV) -----

_ABSTRACT = (
    "BACKGROUND: Wilson disease is an autosomal recessive disorder of copper metabolism. "
    "METHODS: We followed 71 patients treated with chelators for over two decades in a "
    "tertiary centre and recorded hepatic and neurological outcomes."
)


def _bare(title: str, abstract: str) -> dict[str, object]:
    return {"title": title, "abstract": abstract, "authors": []}


def test_same_long_title_and_same_abstract_is_a_duplicate() -> None:
    title = "Wilson disease in 71 patients followed for over two decades in a tertiary center"
    result = score_pair(
        prepare(_bare(title, _ABSTRACT)), prepare(_bare(title + ".", _ABSTRACT.upper()))
    )
    assert result.verdict == "duplicate", result.reason


def test_short_title_over_another_abstract_is_distinct() -> None:
    other = "We describe a patient who had severe neurologic symptoms and psychiatric illness."
    result = score_pair(
        prepare(_bare("Wilson's disease", _ABSTRACT)), prepare(_bare("Wilson's disease", other))
    )
    assert result.verdict == "distinct", result.reason


def test_reworded_title_needs_the_identical_abstract() -> None:
    a = _bare("Inhibitory effects of trientine on DNA strand breaks in kidney cells", _ABSTRACT)
    b = _bare(
        "Inhibitory effects of trientine on DNA strand breaks in hepatic cells",
        _ABSTRACT.replace("hepatic and neurological", "renal and hepatic"),
    )
    assert score_pair(prepare(a), prepare(b)).verdict != "duplicate"


# ---------------------------------------------------------------- versions need their own evidence
# Defect "Dedup keeps real duplicates apart": the version rules fired on the venue
# string alone, and recurring or co-paginated items merged.

CIRCULATION_ABSTRACT: dict[str, Any] = {
    "title": "Sacubitril-valsartan and ventricular remodelling after myocardial infarction",
    "authors": ["Okafor, Chidi", "Lindqvist, Maja", "Berger, Tomas"],
    "year": 2017,
    "journal": "Circulation",
    "volume": "136",
    "abstract": "Background: Remodelling after infarction predicts heart failure. Methods: "
    "We randomised 412 patients to sacubitril-valsartan or valsartan for 12 months.",
    "type": "JOUR",
}


def test_conference_abstract_under_the_journal_name_and_under_the_meeting_merge() -> None:
    embase = {
        **CIRCULATION_ABSTRACT,
        "journal": "Circulation. Conference: American Heart Association's Scientific "
        "Sessions 2017. United States",
        "keywords": ["conference abstract"],
    }
    result = score(CIRCULATION_ABSTRACT, embase)
    assert result.verdict == "duplicate", result.reason
    assert journal_key(embase["journal"]) == ("circulation",)
    assert prepare(embase).conference  # still known as a meeting abstract


def test_auto_dedup_merges_the_medline_and_embase_copies_of_a_meeting_abstract() -> None:
    from corpus import db as corpus_db
    from corpus.dedup import run

    db = corpus_db.connect(":memory:")
    medline = Record(**CIRCULATION_ABSTRACT, source_id="medline")
    embase = Record(
        **{
            **CIRCULATION_ABSTRACT,
            "journal": "Circulation. Conference: American Heart Association's Scientific "
            "Sessions 2017. United States",
            "keywords": ["conference abstract"],
        },
        source_id="embase",
    )
    info = corpus_db.SourceInfo("bench", "two.ris", "sha", "ris", "now", None, None)
    corpus_db.insert_source(db, info, [medline, embase])
    report = run(db, auto=True)
    groups = {gid for (gid,) in db.execute("SELECT group_id FROM records")}
    assert len(groups) == 1 and report.queued == 0


def test_conference_abstract_whose_record_differs_from_the_paper_stays_apart() -> None:
    meeting = {
        **CIRCULATION_ABSTRACT,
        "journal": "Circulation. Conference: American Heart Association's Scientific "
        "Sessions 2017. United States",
        "issue": "Supplement 1",
        "pages": "A14021",
        "keywords": ["conference abstract"],
    }
    paper = {
        **CIRCULATION_ABSTRACT,
        "issue": "4",
        "pages": "412-424",
        "abstract": "Ventricular remodelling after a first infarction was smaller with "
        "sacubitril-valsartan in a double-blind trial of 412 patients followed for a year.",
    }
    result = score(meeting, paper)
    assert result.verdict == "distinct" and result.evidence["rule"] == "conference"
    assert {"pages", "abstract"} <= set(result.evidence["versions_differ_in"].split(", "))
    # The abstract book's supplement against the article's issue is evidence too.
    no_pages = {**meeting, "pages": None, "abstract": paper["abstract"]}
    apart = score(no_pages, paper)
    assert apart.verdict == "distinct" and "issue" in apart.evidence["versions_differ_in"]


def test_conference_venue_spellings_of_one_paper_merge() -> None:
    paper = {
        "title": "Digital platform governance and complementor exit: a panel study",
        "authors": ["Nakamura, Aiko", "Osei, Kwame"],
        "year": 2010,
        "journal": "International Conference on Information Systems",
    }
    icis = {**paper, "journal": "ICIS 2010 Proceedings - Thirty First International Conference "
            "on Information Systems"}  # fmt: skip
    assert score(paper, icis).verdict == "duplicate"
    typed = {**paper, "type": "CONF", "journal": "Proceedings of the 31st International "
             "Conference on Information Systems, St. Louis"}  # fmt: skip
    assert score({**paper, "type": "CONF", "journal": "ICIS 2010"}, typed).verdict == "duplicate"


def test_recurring_title_in_other_issues_of_a_volume_stays_apart() -> None:
    column = {
        "title": "Editor's Comments",
        "authors": ["Rai, Arun"],
        "year": 2017,
        "journal": "MIS Quarterly",
        "volume": "41",
        "issue": "1",
        "pages": "iii-xiv",
        "type": "JOUR",
    }
    second = {**column, "issue": "2", "pages": "iii-viii"}
    assert score(column, second).verdict == "distinct"
    assert score(column, {**second, "pages": None}).verdict == "distinct"
    assert score(column, {**column, "pages": None}).verdict == "duplicate"
    assert first_page("iii-xiv") == "iii"


def test_same_pages_in_another_issue_under_another_title_stays_apart() -> None:
    a = {
        "title": "Factor H autoantibodies are associated with membranoproliferative "
        "glomerulonephritis",
        "authors": ["Pappworth, I. Y.", "Denton, M.", "Kavanagh, D."],
        "year": 2010,
        "journal": "Molecular Immunology",
        "volume": "47",
        "issue": "13",
        "pages": "2291",
    }
    b = {
        **a,
        "title": "Factor I autoantibodies in atypical haemolytic uraemic syndrome",
        "authors": ["Kavanagh, D.", "Pappworth, I. Y.", "Roversi, P."],
        "issue": "14",
        "pages": "2291-2292",
    }
    result = score(a, b)
    assert result.verdict == "distinct", result.reason
    # Abstract books print several abstracts on one page: a different title is not a copy.
    same_issue = {**b, "issue": "13", "title": "Complement activation in dense deposit disease"}
    assert score(a, same_issue).verdict != "duplicate"


def test_letter_prefixed_and_bare_page_numbers_agree() -> None:
    poster = copy(doi=None, issue=None, pages="P63 [tp 104]")
    assert score(copy(doi=None, issue=None, pages="63"), poster).verdict == "duplicate"
    assert (
        score(copy(doi=None, pages="S12"), copy(doi=None, pages="A12")).evidence["pages"]
        == "conflict"
    )


def test_bibtex_style_author_cells_split_into_names() -> None:
    from corpus.formats.tabular import split_authors

    names = split_authors("Le Quintrec, M. and Zuber, J. and Noel, L. H.")
    assert names == ["Le Quintrec, M.", "Zuber, J.", "Noel, L. H."]
    assert split_authors("Department of Health and Social Care") == [
        "Department of Health and Social Care"
    ]


# ---------------------------------------------------------------- notices linked to their study

NEJM: dict[str, Any] = {
    "title": "Eculizumab for atypical hemolytic-uremic syndrome",
    "authors": ["Nurnberger, J.", "Philipp, T.", "Witzke, O."],
    "year": 2009,
    "journal": "New England Journal of Medicine",
    "volume": "360",
    "issue": "5",
    "pages": "542-544",
    "type": "JOUR",
}


def test_wos_and_embase_correction_titles_are_notices_citing_the_article() -> None:
    wos = prepare({**NEJM, "title": NEJM["title"] + " (vol 360, pg 542, 2009)"})
    embase = prepare(
        {**NEJM, "title": NEJM["title"] + " (New England Journal of Medicine (2009) 360 (542-544))"}
    )
    for notice in (wos, embase):
        assert notice.erratum and notice.cites == ("360", "542", 2009)
        assert notice.title == prepare(NEJM).title


def test_correction_notice_citing_its_article_joins_its_study() -> None:
    notice = {**NEJM, "title": NEJM["title"] + " (vol 360, pg 542, 2009)", "issue": "23",
              "pages": "2487", "authors": ["Philipp, T."]}  # fmt: skip
    result = score(NEJM, notice)
    assert result.verdict == "duplicate" and result.evidence["rule"] == "erratum_of_article"
    assert score(NEJM, notice, link_cited_errata=False).verdict == "distinct"
    # A notice citing another page of the volume is another article's.
    other = {**notice, "title": NEJM["title"] + " (vol 360, pg 600, 2009)"}
    assert score(NEJM, other).evidence["rule"] != "erratum_of_article"
    # Two records of one notice are one record.
    embase = {**notice, "title": NEJM["title"] + " (N Engl J Med (2009) 360 (542-544))"}
    assert score(notice, embase).verdict == "duplicate"


def test_article_naming_its_erratum_joins_the_notice_to_its_study() -> None:
    article = {**NEJM, "title": NEJM["title"] + ".[Erratum appears in N Engl J Med. 2009 Jun "
               "4;360(23):2487 Note: Philipp, Thomas [added]]"}  # fmt: skip
    assert prepare(article).title == prepare(NEJM).title
    assert prepare(article).errata_at == (("360", "23", "2487", 2009),)
    at_the_place = {**NEJM, "issue": "23", "pages": "2487-2487"}
    result = score(article, at_the_place)
    assert result.verdict == "duplicate" and result.evidence["rule"] == "erratum_of_article"
    elsewhere = {**NEJM, "issue": "12", "pages": "1200-1200"}
    assert score(article, elsewhere).evidence["rule"] != "erratum_of_article"
    # A retraction notice stays a record of its own.
    retraction = {**at_the_place, "title": "Retraction notice: " + NEJM["title"]}
    assert score(article, retraction).verdict == "distinct"


def test_notice_of_another_year_is_not_linked() -> None:
    notice = {**NEJM, "title": NEJM["title"] + " (vol 360, pg 542, 2009)", "year": 2011,
              "volume": "364", "pages": "100"}  # fmt: skip
    assert score(NEJM, notice).verdict == "distinct"


def test_truncated_erratum_citation_and_quoted_correction_titles() -> None:
    cut = prepare({"title": "Erratum: Severe deficiency of the cleaving protease activity in "
                   "children (The Journal of Pediatrics (M"})  # fmt: skip
    assert (
        cut.erratum
        and cut.title == "severe deficiency of the cleaving protease activity in children"
    )
    quoted = prepare({"title": '"Ecologically-oriented neurorehabilitation of memory": Correction'})
    assert quoted.erratum and quoted.title == "ecologically oriented neurorehabilitation of memory"
    raw = (
        "Anti-Factor H autoantibodies in a transplant recipient.[Erratum appears "
        "in Am J Transplant. 2009 Sep;9(9):2205 Note: Niauif, P [added]].[Erratum"
    )
    nested = title_keys(raw)
    assert nested[0] == "anti factor h autoantibodies in a transplant recipient"


def test_trailing_citation_of_the_commented_article_is_not_title() -> None:
    title = "More on eculizumab for congenital atypical hemolytic-uremic syndrome"
    cited = "... N Engl J Med. 2009 Jan 29;360(5):544-6"
    a = {**NEJM, "title": title + cited, "issue": "20", "pages": "2142-2143"}
    b = {**a, "title": "More on eculizumab for congenital atypical hemolytic-uremic syndrome"}
    assert prepare(a).title == prepare(b).title
    assert score(a, b).verdict == "duplicate"


def test_overlapping_page_ranges_are_one_article() -> None:
    a = copy(doi=None, abstract=None, volume="10", pages="2141-2147")
    b = copy(doi=None, abstract=None, volume="10", pages="2142-2147")
    assert score(a, b).verdict == "duplicate"
    multi_a = copy(doi=None, abstract=None, pages="233-238+230-235+246-251")
    multi_b = copy(doi=None, abstract=None, pages='"230-5, 246-51, 233-8"')
    assert score(multi_a, multi_b).verdict == "duplicate"
    typo = copy(doi=None, abstract=None, pages="2297-2108")
    assert score(typo, copy(doi=None, abstract=None, pages="2097-2108")).verdict == "duplicate"
    # Ranges apart in one volume: two articles, still not merged.
    assert (
        score(a, copy(doi=None, abstract=None, volume="10", pages="2200-2210")).verdict
        != "duplicate"
    )


def test_a_surname_alone_matches_the_full_name() -> None:
    assert names_match(parse_name("Hillmen"), parse_name("Hillmen, P."))
    assert not names_match(parse_name("Hillmen"), parse_name("Jones, P."))
