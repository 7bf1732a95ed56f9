"""``review report prisma``: every PRISMA 2020 box from a review built through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from review.cli.root import cli
from review.core.context import open_context
from review.reports.prisma import PrismaCountError, PrismaCounts
from review.reports.prisma import counts as prisma_counts
from review.reports.prisma.csv_template import template_rows
from screening.decide import flag_report
from tests.pdfs import text_pdf

PROTOCOL = """[review]
title = "PRISMA counts"

[screening]
reviewers_per_record = 1
blind = false

[stages.full_text]
exclusion_reasons = ["wrong population", "wrong outcome"]
"""

BLIND = """[review]
title = "Blind PRISMA"

[screening]
reviewers_per_record = 2
blind = true
conflict_resolution = "third_reviewer"
"""


def ris(*entries: tuple[str, str, str]) -> str:
    """RIS text of ``(source id, title, doi)`` entries."""
    return "".join(
        f"TY  - JOUR\nTI  - {title}\nAU  - Smith, J.\nPY  - 2020\nAB  - Abstract of {title}.\n"
        f"DO  - {doi}\nID  - {sid}\nER  - \n\n"
        for sid, title, doi in entries
    )


TITLES = {
    "a": "Zinc versus penicillamine in Wilson disease",
    "b": "Trientine for hepatic Wilson disease",
    "c": "Tetrathiomolybdate in neurological Wilson disease",
    "d": "Copper chelation in rats",
    "e": "Liver transplantation outcomes in Wilson disease",
    "f": "Dietary copper restriction trial",
    "g": "Quality of life of patients with Wilson disease",
    "h": "Genetic screening of ATP7B carriers",
    "i": "Penicillamine adverse events cohort",
}

PUBMED = ris(*((f"p{k}", TITLES[k], f"10.1000/wd.{k}") for k in "abcde"))
# s-a and s-b are p-a and p-b again (same DOI and title); the rest are new.
SCOPUS = ris(*((f"s{k}", TITLES[k], f"10.1000/wd.{k}") for k in "abfgh"))
# Citation searching: c-c is p-c again, c-i is found only by citation searching.
CITATIONS = ris(("cc", TITLES["c"], "10.1000/wd.c"), ("ci", TITLES["i"], "10.1000/wd.i"))


class Review:
    """A review folder driven through the CLI in-process."""

    def __init__(self, root: Path, protocol: str = PROTOCOL) -> None:
        self.root = root
        self.runner = CliRunner()
        assert self.runner.invoke(cli, ["init", str(root)]).exit_code == 0
        (root / "protocol.toml").write_text(protocol, encoding="utf-8")

    def __call__(self, *args: str, ok: bool = True) -> str:
        res = self.runner.invoke(cli, ["--project", str(self.root), *args])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        if ok:
            assert res.exit_code == 0, res.output
        return res.output

    def load(self, name: str, text: str, *options: str) -> None:
        path = self.root.parent / name
        path.write_text(text, encoding="utf-8")
        self("import", "--no-embed", str(path), *options)

    def decide(self, sid: str, label: str, stage: str, *more: str) -> None:
        self("decide", f"source:{sid}", label, "--stage", stage, "--reviewer", "lead", *more)

    def prisma(self, *args: str, reviewer: str = "lead") -> dict[str, Any]:
        res = self.runner.invoke(
            cli,
            ["--project", str(self.root), "report", "prisma", "--reviewer", reviewer, *args],
        )
        assert res.exit_code == 0, res.output
        return dict(json.loads(res.stdout))


@pytest.fixture
def built(tmp_path: Path) -> Review:
    """Two databases with overlapping records, citation searching, both stages decided."""
    rev = Review(tmp_path / "rev")
    rev.load("pubmed.ris", PUBMED, "--source", "PubMed")
    rev.load("scopus.ris", SCOPUS, "--source", "Scopus")
    rev.load("citations.ris", CITATIONS, "--source", "Snowballing", "--method", "citation")
    merged = json.loads(rev("dedup", "--auto", "--no-vectors", "--json"))
    assert merged["merged"] == 3  # pa+sa, pb+sb, pc+cc
    rev("reviewer", "add", "lead", "--lead")
    ta, ft = "title-abstract", "full-text"
    for sid in ("pa", "pb", "sf", "sg", "ci"):
        rev.decide(sid, "include", ta)
    rev.decide("pc", "maybe", ta)  # include and maybe both proceed
    rev.decide("pd", "exclude", ta)
    rev.decide("pe", "exclude", ta)
    # sh: nobody has screened it yet -> awaiting
    opened = open_context(rev.root, "lead")
    try:
        group = int(
            opened.db.execute("SELECT group_id FROM records WHERE source_id = 'pc'").fetchone()[0]
        )
        flag_report(opened.db, opened.viewer, group)  # its report was not retrieved
    finally:
        opened.close()
    rev.decide("pa", "include", ft)
    rev.decide("ci", "include", ft)
    rev.decide("pb", "exclude", ft, "--reason", "wrong population")
    rev.decide("sf", "exclude", ft, "--reason", "wrong outcome")
    rev.decide("sg", "maybe", ft)  # a maybe at full text is a conflict -> awaiting
    # Two reports (papers) of study pa/sa: one PDF on each of its records.
    rev("attach", "pa", str(text_pdf(tmp_path / "one.pdf", ["First report"])))
    rev("attach", "sa", str(text_pdf(tmp_path / "two.pdf", ["Second report"])))
    return rev


EXPECTED: dict[str, Any] = {
    "database_results": 10,
    "database_specific_results": [{"database": "PubMed", "n": 5}, {"database": "Scopus", "n": 5}],
    "register_results": 0,
    "register_specific_results": [],
    "website_results": 0,
    "organisation_results": 0,
    "citations_results": 2,
    "other_method_results": 0,
    # 10 database records in 8 studies (pa+sa, pb+sb, pc, pd, pe, sf, sg, sh)
    "duplicates": 2,
    "excluded_automatic": 0,
    "excluded_other": 0,
    "records_screened": 7,
    "records_excluded": 2,
    "awaiting_screening": 1,
    "dbr_sought_reports": 5,
    "dbr_notretrieved_reports": 1,
    "dbr_assessed": 4,
    "dbr_excluded": [{"reason": "wrong outcome", "n": 1}, {"reason": "wrong population", "n": 1}],
    "awaiting_assessment": 1,
    # cc merged into the database study pc: a duplicate on the other-methods side
    "other_duplicates": 1,
    "other_excluded_automatic": 0,
    "other_records_screened": 1,
    "other_records_excluded": 0,
    "other_awaiting_screening": 0,
    "other_sought_reports": 1,
    "other_notretrieved_reports": 0,
    "other_assessed": 1,
    "other_excluded": [],
    "other_awaiting_assessment": 0,
    "new_studies": 2,
    "new_reports": 3,
    "previous_studies": 3,
    "previous_reports": 4,
    "total_studies": 5,
    "total_reports": 7,
    "automation_tool": None,
    "automation_tool_details": None,
    "hidden": False,
    "round": 1,
    "rounds": 1,
}


def test_every_box_of_the_json(built: Review) -> None:
    data = built.prisma("--previous-studies", "3", "--previous-reports", "4")
    assert data == EXPECTED


def test_csv_is_the_prisma2020_template_with_our_counts(built: Review, tmp_path: Path) -> None:
    out = tmp_path / "PRISMA.csv"
    res = built.runner.invoke(
        cli,
        ["--project", str(built.root), "report", "prisma", "--format", "csv", "-o", str(out),
         "--reviewer", "lead", "--previous-studies", "3", "--previous-reports", "4"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    template = template_rows()
    assert len(rows) == len(template) == 32
    assert list(rows[0]) == [
        "data",
        "node",
        "box",
        "description",
        "boxtext",
        "tooltips",
        "url",
        "n",
    ]
    for row, fixed in zip(rows, template, strict=True):
        assert {k: v for k, v in row.items() if k != "n"} == {
            k: v for k, v in fixed.items() if k != "n"
        }
    n = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    assert n["database_results"] == "10"
    assert n["database_specific_results"] == "PubMed, 5; Scopus, 5"
    assert n["citations_results"] == "2"
    assert n["duplicates"] == "2"
    assert n["records_screened"] == "7" and n["records_excluded"] == "2"
    assert n["dbr_sought_reports"] == "5" and n["dbr_notretrieved_reports"] == "1"
    assert n["dbr_assessed"] == "4"
    assert n["dbr_excluded"] == "wrong outcome, 1; wrong population, 1"
    assert n["other_sought_reports"] == "1" and n["other_assessed"] == "1"
    assert n["other_excluded"] == ""
    assert n["new_studies"] == "2" and n["new_reports"] == "3"
    assert n["previous_studies"] == "3" and n["total_studies"] == "5"
    assert n["total_reports"] == "7"
    assert n["identification"] == "0"  # label rows keep the template's value


def test_review_without_decisions_reports_zeros_and_awaiting(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    rev.load("pubmed.ris", PUBMED, "--source", '=HYPERLINK("http://x","y")')
    data = rev.prisma()
    assert data["database_results"] == 5 and data["duplicates"] == 0
    assert data["records_screened"] == 0 and data["awaiting_screening"] == 5
    assert data["new_studies"] == 0 and data["total_reports"] == 0
    assert data["dbr_excluded"] == [] and data["hidden"] is False
    text = rev("report", "prisma", "--format", "csv", "--reviewer", "lead")
    rows = {r["data"]: r for r in csv.DictReader(io.StringIO(text))}
    # exported text is neutralised against formula injection
    assert rows["database_specific_results"]["n"].startswith("'=HYPERLINK")
    pytest.importorskip("review.reports.prisma.render")
    for fmt in ("md", "mermaid", "svg", "html"):
        assert rev("report", "prisma", "--format", fmt, "--reviewer", "lead").strip()


def test_blind_review_hides_counts_from_a_reviewer(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev", BLIND)
    rev.load("pubmed.ris", PUBMED, "--source", "PubMed")
    rev("reviewer", "add", "lead", "--lead")
    rev("decide", "source:pa", "include", "--reviewer", "ana")
    rev("decide", "source:pa", "exclude", "--reviewer", "lead")
    hidden = rev.prisma(reviewer="ana")
    assert hidden["hidden"] is True
    assert hidden["database_results"] == 5  # identification reveals no decision
    for key in ("records_screened", "records_excluded", "awaiting_screening",
                "dbr_sought_reports", "dbr_excluded", "new_studies", "total_studies"):  # fmt: skip
        assert hidden[key] is None, key
    text = rev("report", "prisma", "--format", "csv", "--reviewer", "ana")
    rows = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO(text))}
    assert rows["records_screened"] == "" and rows["database_results"] == "5"
    lead = rev.prisma(reviewer="lead")
    assert lead["hidden"] is False
    assert lead["records_screened"] == 0  # pa is a conflict
    assert lead["awaiting_screening"] == 5


def test_stopping_rule_counts_unscreened_as_automation(
    built: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    details = {"method": "hypergeometric test", "target": 0.95, "confidence": 0.9,
               "recall": {"recall": 0.97, "low": 0.95, "high": 1.0, "confidence": 0.9}}  # fmt: skip
    monkeypatch.setattr(prisma_counts, "_stopping", lambda *args: details)
    data = built.prisma()
    assert data["excluded_automatic"] == 1 and data["awaiting_screening"] == 0
    assert "Callaghan & Müller-Hansen" in data["automation_tool"]
    assert "95% recall" in data["automation_tool"] and "97.0%" in data["automation_tool"]
    assert data["automation_tool_details"] == details


def test_check_names_the_boxes_that_do_not_add_up() -> None:
    counts = PrismaCounts(
        database_results=40, records_screened=40, records_excluded=30, dbr_sought_reports=9,
        dbr_assessed=9,
    )  # fmt: skip
    with pytest.raises(PrismaCountError) as err:
        counts.check()
    assert "records_screened (40) - records_excluded (30) != dbr_sought_reports (9)" in str(
        err.value
    )
    PrismaCounts(
        database_results=3, records_screened=2, awaiting_screening=1, dbr_sought_reports=2,
        dbr_assessed=2, awaiting_assessment=2,
    ).check()  # fmt: skip
    hidden = PrismaCounts(database_results=3, records_screened=None, hidden=True)
    hidden.check()  # hidden boxes are not checked
    assert hidden.to_json()["total_studies"] == 0


def test_import_method_is_stored_and_checked(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    rev.load("reg.ris", ris(("r1", TITLES["a"], "10.1000/r.1")), "--source", "CT.gov",
             "--method", "register")  # fmt: skip
    data = rev.prisma()
    assert data["register_results"] == 1
    assert data["register_specific_results"] == [{"register": "CT.gov", "n": 1}]
    path = tmp_path / "x.ris"
    path.write_text(PUBMED, encoding="utf-8")
    bad = rev("import", "--no-embed", str(path), "--method", "carrier-pigeon", ok=False)
    assert "carrier-pigeon" in bad
