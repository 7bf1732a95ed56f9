"""``review export evidence``: the evidence table in CSV, XLSX, Markdown and JSON lines."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from protocols.form import build_form
from review.core.context import open_context
from review.extraction.export import STUDY_COLUMNS, collect
from review.extraction.export_xlsx import sheet_names
from review.extraction.write import mark_complete, set_values
from tests.extraction_support import included_review, invoke

MMAT = {
    "mmat_domain": "Quantitative randomized controlled trial",
    "mmat_s1": "Yes",
    "mmat_s2": "Yes",
    "mmat_2_1": "Yes",
    "mmat_2_2": "No",
    "mmat_2_3": "Can't tell",
    "mmat_2_4": "Yes",
    "mmat_2_5": "Yes",
}
EVIL = '=HYPERLINK("http://evil.example","click")'


def extract(
    project: Path, who: str, group: int, values: dict[str, Any], *, complete: bool = True
) -> None:
    """Write values as ``who`` (plain fields by name, group cells as (name, row, column))."""
    review = open_context(project, who)
    try:
        form = build_form(review.protocol)
        items = [((k, 0, "") if isinstance(k, str) else k, v) for k, v in values.items()]
        set_values(review.db, review.protocol, form, review.viewer, group, items)
        if complete:
            mark_complete(review.db, review.protocol, form, review.viewer, group)
    finally:
        review.close()


def full(groups: dict[Any, Any] | None = None, **extra: Any) -> dict[Any, Any]:
    return {"study_design": "Randomised controlled trial", **MMAT, **extra, **(groups or {})}


@pytest.fixture()
def single(tmp_path: Path) -> tuple[Path, list[int]]:
    project, groups = included_review(tmp_path, mode="single", include=3)
    extract(
        project, "lead", groups[0],
        full(
            {("outcome_results", 1, "outcome"): "Grooming",
             ("outcome_results", 1, "effect"): "-0.4",
             ("outcome_results", 2, "outcome"): "Disclosure"},
            country=EVIL, funding_declared="yes", sample_size="120", follow_up_weeks="12.5",
            population="Adolescents | online\nsecond line",
        ),
    )  # fmt: skip
    extract(project, "lead", groups[1], full(country="Chile", follow_up_weeks="8"))
    extract(project, "lead", groups[2], {"country": "Peru"}, complete=False)
    return project, groups


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_consensus(single: tuple[Path, list[int]], tmp_path: Path) -> None:
    project, groups = single
    out = tmp_path / "evidence.csv"
    said = invoke(project, "export", "evidence", "-o", str(out), "--reviewer", "lead")
    rows = read_csv(out)
    form = build_form(open_context(project, "lead").protocol)
    names = [f.name for f in form.fields if f.type != "group"]
    assert rows[0] == [*STUDY_COLUMNS, *names]
    assert [r[0] for r in rows[1:]] == [str(g) for g in sorted(groups)]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["first_author"] == "Author1, A." and first["year"] == "2011"
    assert first["doi"] == "10.1000/study.1"
    assert first["country"] == "'" + EVIL  # neutralised
    assert first["funding_declared"] == "yes"
    assert first["sample_size"] == "120" and first["follow_up_weeks"] == "12.5"
    assert first["mmat_2_3"] == "Can't tell"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["follow_up_weeks"] == "8" and second["country"] == "Chile"
    third = dict(zip(rows[0], rows[3], strict=True))
    assert third["country"] == ""  # not complete: no consensus yet
    results = read_csv(tmp_path / "evidence-outcome_results.csv")
    assert results[0][:4] == ["study_id", "row", "outcome", "time_point"]
    assert [r[:3] for r in results[1:]] == [
        [str(groups[0]), "1", "Grooming"],
        [str(groups[0]), "2", "Disclosure"],
    ]
    assert results[1][results[0].index("effect")] == "-0.4"
    robvis = read_csv(tmp_path / "evidence-robvis.csv")
    assert robvis[0] == ["Study", "D1", "D2", "D3", "D4", "D5", "Overall"]
    assert robvis[1] == ["Author1 2011", "Low", "High", "Some concerns", "Low", "Low", "High"]
    assert len(robvis) == 3
    assert "evidence-outcome_results.csv" in said and "evidence-robvis.csv" in said


def test_stdout_csv_and_missing_folder(single: tuple[Path, list[int]], tmp_path: Path) -> None:
    project, _ = single
    text = invoke(project, "export", "evidence", "--reviewer", "lead")
    rows = list(csv.reader(io.StringIO(text.split("review: repeating")[0])))
    assert rows[0][:5] == list(STUDY_COLUMNS) and len(rows) >= 4
    bad = invoke(project, "export", "evidence", "-o", str(tmp_path / "nope" / "e.csv"), ok=False)
    assert "does not exist" in bad and len(bad.strip().splitlines()) == 1
    assert not (tmp_path / "nope").exists()


def test_xlsx(single: tuple[Path, list[int]], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    project, groups = single
    out = tmp_path / "evidence.xlsx"
    invoke(project, "export", "evidence", "--format", "xlsx", "-o", str(out), "--reviewer", "lead")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "Study details", "Population and setting", "Interventions and outcomes", "Results",
        "Quality appraisal (MMAT 2018)", "outcome_results", "robvis", "Codebook",
    ]  # fmt: skip
    details = book["Study details"]
    header = [c.value for c in details[1]]
    assert header == [*STUDY_COLUMNS, "study_design", "country", "funding_declared"]
    assert details["A2"].font.b is False and details["A1"].font.b is True
    assert details.freeze_panes == "A2"
    assert details.cell(2, 7).value == "'" + EVIL and details.cell(2, 7).data_type == "s"
    assert details.cell(2, 1).value == groups[0]
    pop = book["Population and setting"]
    assert pop.cell(2, 6).value == 120
    rows = list(book["outcome_results"].values)
    assert rows[0][:3] == ("study_id", "row", "outcome")
    assert [r[:3] for r in rows[1:]] == [(groups[0], 1, "Grooming"), (groups[0], 2, "Disclosure")]
    robvis = list(book["robvis"].values)
    assert robvis[0] == ("Study", "D1", "D2", "D3", "D4", "D5", "Overall")
    assert robvis[1][0] == "Author1 2011"
    codebook = {r[0]: r for r in book["Codebook"].iter_rows(min_row=2, values_only=True)}
    assert codebook["mmat_2_1"][6] == "Yes; No; Can't tell"
    assert codebook["mmat_2_1"][2] == "Quality appraisal (MMAT 2018)"
    assert codebook["mmat_domain"][4] == "yes"
    assert codebook["outcome_results.effect"][3] == "number"
    assert codebook["sample_size"][7] == 0


def test_xlsx_needs_output(single: tuple[Path, list[int]]) -> None:
    project, _ = single
    said = invoke(project, "export", "evidence", "--format", "xlsx", ok=False)
    assert "-o FILE" in said


def test_values_all_has_extractor(single: tuple[Path, list[int]], tmp_path: Path) -> None:
    project, groups = single
    out = tmp_path / "all.csv"
    invoke(project, "export", "evidence", "--values", "all", "-o", str(out), "--reviewer", "lead")
    rows = read_csv(out)
    assert rows[0][:6] == [*STUDY_COLUMNS, "extractor"]
    pairs = [(r[0], r[5]) for r in rows[1:]]
    assert pairs == [
        (str(groups[0]), "consensus"), (str(groups[0]), "lead"),
        (str(groups[1]), "consensus"), (str(groups[1]), "lead"),
        (str(groups[2]), "lead"),
    ]  # fmt: skip
    assert rows[-1][rows[0].index("country")] == "Peru"
    results = read_csv(tmp_path / "all-outcome_results.csv")
    assert results[0][:3] == ["study_id", "extractor", "row"]


def test_blind_dual(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="dual", include=1)
    invoke(project, "reviewer", "add", "ana")
    invoke(project, "reviewer", "add", "ben")
    g = groups[0]
    extract(project, "ana", g, full(country="ANA-SECRET"))
    extract(project, "ben", g, full(country="Benland"), complete=False)
    out = tmp_path / "ben.csv"
    invoke(project, "export", "evidence", "--values", "all", "-o", str(out), "--reviewer", "ben")
    text = out.read_text(encoding="utf-8")
    assert "ANA-SECRET" not in text and "Benland" in text
    assert [r[5] for r in read_csv(out)[1:]] == ["ben"]
    lines = invoke(project, "export", "evidence", "--values", "all", "--format", "jsonl",
                   "--reviewer", "ben")  # fmt: skip
    assert "ANA-SECRET" not in lines
    # Once both are complete (and they disagree), ben sees ana's copy too.
    review = open_context(project, "ben")
    form = build_form(review.protocol)
    mark_complete(review.db, review.protocol, form, review.viewer, g)
    evidence = collect(review.db, review.protocol, review.viewer, values="all")
    review.close()
    assert sorted(r.extractor for r in evidence.rows) == ["ana", "ben", "consensus"]


def test_jsonl(single: tuple[Path, list[int]], tmp_path: Path) -> None:
    project, groups = single
    text = invoke(project, "export", "evidence", "--format", "jsonl", "--reviewer", "lead")
    objects = [json.loads(line) for line in text.splitlines()]
    assert [o["study_id"] for o in objects] == sorted(groups)
    first = objects[0]
    assert first["status"] == "complete" and objects[2]["status"] == "in_progress"
    assert first["country"] == EVIL  # JSON is not a spreadsheet: as extracted
    assert first["funding_declared"] is True and first["sample_size"] == 120
    assert first["outcome_results"][0]["outcome"] == "Grooming"
    assert first["outcome_results"][0]["effect"] == -0.4
    assert objects[1]["outcome_results"] == []
    out = tmp_path / "e.jsonl"
    invoke(project, "export", "evidence", "--format", "jsonl", "-o", str(out))
    assert (tmp_path / "e-robvis.csv").exists()
    assert not (tmp_path / "e-outcome_results.jsonl").exists()  # nested instead


def test_md(single: tuple[Path, list[int]], tmp_path: Path) -> None:
    project, groups = single
    out = tmp_path / "e.md"
    invoke(project, "export", "evidence", "--format", "md", "-o", str(out), "--reviewer", "lead")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 + len(groups)
    assert lines[0].startswith("| study_id | first_author |")
    assert set(lines[1].replace(" ", "")) == {"|", "-"}
    columns = len(re.findall(r"(?<!\\)\|", lines[0]))
    assert all(len(re.findall(r"(?<!\\)\|", line)) == columns for line in lines[1:])
    assert "Adolescents \\| online<br>second line" in lines[2]
    assert "'=HYPERLINK" in lines[2]
    assert (tmp_path / "e-outcome_results.md").read_text(encoding="utf-8").count("\n") == 4


def test_sheet_names() -> None:
    long = "A very long section name that Excel cannot hold"
    assert sheet_names(["a/b[c]", "Codebook", "codebook", long, long]) == [
        "a_b_c_", "Codebook", "codebook (2)", long[:31], long[:27] + " (2)",
    ]  # fmt: skip


def test_failed_write_leaves_nothing(
    single: tuple[Path, list[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review.extraction import export as evidence_export

    project, _ = single
    review = open_context(project, "lead")
    evidence = collect(review.db, review.protocol, review.viewer)
    review.close()

    def boom(*args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(evidence_export, "write_csv", boom)
    with pytest.raises(RuntimeError):
        evidence_export.write_evidence(evidence, "csv", tmp_path / "x.csv")
    assert not list(tmp_path.glob("x*")) and not list(tmp_path.glob(".x*"))
