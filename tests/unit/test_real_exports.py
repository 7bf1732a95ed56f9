"""Exports whose layout comes from real files in public repositories.

Each fixture copies the layout (and, where small, the metadata) of a real
export; tests/fixtures/exports/README-sources.md names where each came from.
The table pins the exact record count, titles and DOIs, so a parser change
that drops, merges or mangles a record fails here. The second half covers
files cut short by a failed download: one clean error, never a partial import.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import ImportFormatError
from corpus.importer import parse_bytes

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"

# file -> (format, titles, DOIs), one entry per record in file order
EXPECTED: dict[str, tuple[str, list[str], list[str | None]]] = {
    "real_ebsco_greenfile.ris": (
        "ris",
        [
            "Learned Discourses: Timely Scientific Opinions",
            "Evaluating in situ biodegradation of 13C-labelled naphthenic acids in "
            "groundwater near oil sands tailings ponds",
        ],
        ["10.1002/ieam.4057", "10.1016/j.scitotenv.2018.06.159"],
    ),
    "real_proquest_asfa.ris": (
        "ris",
        [
            "A Unique Find of Rhenium-bearing Wolframite in Ongonites of the Russian Far East",
            "Biotech Pioneers Named as 2018 Stockholm Water Prize Recipients",
        ],
        ["10.1134/s1028334x18020216", None],  # empty rft_id=info:doi/ is no DOI
    ),
    "real_scielo.ris": (
        "ris",
        [
            "The importance of isolated patches for maintaining local bird biodiversity and "
            "ecosystem function: a case study from the Pernambuco Center of Endemism, "
            "Northeast Brazil",
            "Análisis de la condición corporal de aves Passeriformes en zonas secas del norte "
            "del Alto Valle del Magdalena, Colombia",
        ],
        ["10.1590/1678-4766e2018021", "10.15446/caldasia.v40n1.60284"],
    ),
    "real_citavi_scopus.ris": (
        "ris",
        [
            "Design and prototyping of directly driven outer rotor permanent magnet generator "
            "for small scale wind turbines",
            "Validity Frame Driven Computational Design Synthesis for Complex Cyber-Physical "
            "Systems",
            "BLUE: A 3D Dynamic Bipedal Robot",
            "Influence of the motor load inertia and torque in the fault diagnosis of rotors "
            "in induction machines",
        ],
        [
            "10.15598/aeee.v16i3.2698",
            "10.1007/978-3-030-58167-1_7",
            None,
            "10.1109/tla.2005.1642429",
        ],
    ),
    "real_rayyan.ris": (
        "ris",
        [
            "Overcoming Medication Reconciliation Challenges",
            "Quarterly change",
            "Hospital reduces med errors to 0.1 per 1,000",
            "Clinical Integration",
        ],
        [None, "10.4168/aair.2012.4.1.1", None, None],
    ),
    "real_jstor.ris": (
        "ris",
        ["This is the title - charset UTF-8 used", "The title can also appear down here"],
        [None, "10.1111/something.2014.3.4.56"],
    ),
    "real_embase_openurl.csv": (
        "csv",
        [
            "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
            "Endoscopic ultrasound-guided fine-needle aspiration in the diagnosis of foregut "
            "duplication cysts: The value of demonstrating detached ciliary tufts in cyst fluid",
            "Foregut duplication cysts: A report of two cases with emphasis on embryogenesis",
        ],
        # No DOI column: the DOI is only in "Open URL Link" as id=doi:10.4103%2F...
        ["10.4103/2303-9027.138783", "10.1002/cncr.20369", "10.3748/wjg.v17.i1.130"],
    ),
    "real_zoorec_tab_cr.txt": (
        "csv",
        [
            "Testing the benefits of conservation set-asides for improved habitat connectivity "
            "in tropical agricultural landscapes.",
            "Insect herbivory and avian insectivory in novel native oak forests: Divergent "
            "effects of stand size and connectivity.",
        ],
        [None, None],
    ),
    "real_endnote17.xml": (
        "endnote-xml",
        [
            "Can Density Cumulant Functional Theory Describe Static Correlation Effects?",
            "Second: Can Density Cumulant Functional Theory Describe Static Correlation Effects?",
        ],
        ["10.1021/acs.jctc.5b00346", "10.1021/acs.jctc.5b00999"],
    ),
    "concat_bom.ris": (
        "ris",
        [
            "Cyber-grooming of minors: a \u201cscoping\u201d review of café culture",
            "Second record \u2013 Ødegaard\u2019s study",
        ],
        ["10.1007/s00127-019-01736-1", "10.1016/s0140-6736(20)30183-5"],
    ),
    "bibtex_strings.bib.txt": (
        "bibtex",
        [
            "The HIV epidemic and online harm",
            "A different paper, same Scholar key",
            "Parenthesised entry",
        ],
        ["10.1016/j_chiabu.2019.1", "10.1016/j.chb.2019.02.002", "10.1000/paren.2020"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_counts_titles_and_dois(name: str) -> None:
    fmt, titles, dois = EXPECTED[name]
    got_fmt, _text, records = parse_bytes((EXPORTS / name).read_bytes(), name)
    assert got_fmt == fmt
    assert [r.title for r in records] == titles
    assert [r.doi for r in records] == dois


def test_zoological_record_tab_file_keeps_its_pmid() -> None:
    """Old-Mac CR-only line ends; the PM column is read as the PMID."""
    _fmt, _text, records = parse_bytes((EXPORTS / "real_zoorec_tab_cr.txt").read_bytes(), "z")
    assert [r.pmid for r in records] == ["31762491", None]
    assert records[0].source_id == "ZOOREC:ZOOR15601000869"


def test_bibtex_parser_logs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """A redefined @string made bibtexparser print a warning beside our output."""
    parse_bytes((EXPORTS / "bibtex_strings.bib.txt").read_bytes(), "s.bib")
    with pytest.raises(ImportFormatError):
        parse_bytes(b"@article{a,\n title={x},\n}\n@article{b,\n title={y\n", "cut.bib")
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def _cut_after(name: str, marker: bytes, keep: int) -> bytes:
    """The file cut ``keep`` bytes into the first ``marker`` after its first record."""
    data = (EXPORTS / name).read_bytes()
    at = data.index(marker, data.index(marker) + 1)
    return data[: at + keep]


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        # Cut inside the next record's "TY  - " line: "TY" is no tag yet.
        ("proquest.ris", lambda: _cut_after("proquest.ris", b"\nTY  -", 3), "cut-off line 'TY'"),
        # Cut inside the next entry's "@article{": no brace, so no entry start.
        ("scholar.bib", lambda: _cut_after("scholar.bib", b"\n@", 6), "cut-off entry start"),
        # Cut inside the only record: PubMed writes SO last in every record.
        (
            "pubmed.nbib",
            lambda: (EXPORTS / "pubmed.nbib").read_bytes().split(b"\nAB  - ")[0],
            "ends early",
        ),
        # Cut between two records: Web of Science always closes with EF.
        (
            "wos_plain.txt",
            lambda: (EXPORTS / "wos_plain.txt").read_bytes().rsplit(b"\nPT ", 1)[0],
            "without the closing 'EF'",
        ),
    ],
)
def test_truncated_download_is_one_clean_error(name: str, data: object, where: str) -> None:
    assert callable(data)
    with pytest.raises(ImportFormatError) as info:
        parse_bytes(data(), name)
    message = str(info.value)
    assert message.startswith(f"{name}:")
    assert where in message
    assert "\n" not in message
    assert info.value.line is not None
