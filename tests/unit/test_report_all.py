"""``review report all``: the report folder, all or nothing, from a real review."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import openpyxl
import pytest

from review.core.context import open_context
from review.core.errors import UsageError
from review.reports import folder as report_folder
from review.reports.folder import write_report
from tests.extraction_support import included_review, invoke

EXPECTED = {
    "README.md", "methods.md", "decisions.csv", "included.ris", "included.bib",
    "prisma.svg", "prisma.md", "prisma.csv", "prisma.json",
    "recall-title-abstract.svg", "recall-full-text.svg",
    "evidence.xlsx", "evidence.csv", "evidence-outcome_results.csv", "evidence-robvis.csv",
}  # fmt: skip


def test_the_folder_holds_every_part_computed_from_the_review(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, include=2)
    invoke(project, "decide", "source:s3", "exclude", "--reviewer", "lead")
    invoke(project, "extract", "set", str(groups[0]), "sample_size=240", "--reviewer", "lead")
    out = tmp_path / "report"
    said = invoke(project, "report", "all", "-o", str(out), "--reviewer", "lead")
    assert f"Wrote {len(EXPECTED)} files to {out}/" in said
    assert "not included: gap map: the form has no harm_type field" in said
    assert {p.name for p in out.iterdir()} == EXPECTED
    # Confidential screening data: the owner's only, whatever the umask.
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o600}
    # The included studies only, one reference each.
    ris = (out / "included.ris").read_text()
    assert ris.count("ER  -") == 2 and "Online grooming study 3" not in ris
    prisma = json.loads((out / "prisma.json").read_text())
    assert (prisma["records_screened"], prisma["records_excluded"]) == (3, 1)
    assert prisma["new_studies"] == 2
    assert (out / "prisma.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    index = (out / "README.md").read_text()
    assert "| prisma.csv |" in index and "- gap map:" in index
    book = openpyxl.load_workbook(out / "evidence.xlsx", read_only=True)
    assert "Codebook" in book.sheetnames
    assert "## Stopping rule" in (out / "methods.md").read_text()


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path, include=1)
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    said = invoke(project, "report", "all", "-o", str(out), "--reviewer", "lead", ok=False)
    assert "folder is not empty" in said and "--force" in said
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    invoke(project, "report", "all", "-o", str(out), "--force", "--reviewer", "lead")
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "prisma.svg").exists()


def test_a_failing_part_leaves_no_half_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = included_review(tmp_path, include=1)

    def broken(context: object, report: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(report_folder, "PARTS", [*report_folder.PARTS, broken])
    out = tmp_path / "report"
    with pytest.raises(OSError, match="disk full"):
        write_report(open_context(project, "lead"), out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []
    with pytest.raises(UsageError, match="does not exist"):
        write_report(open_context(project, "lead"), tmp_path / "missing" / "report")


def test_a_blind_reviewer_gets_no_counts_from_others(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path, include=1)
    path = project / "protocol.toml"
    path.write_text(path.read_text().replace("blind = false", "blind = true"))
    invoke(project, "protocol", "amend", "--reason", "Blind", "--reviewer", "lead")
    out = tmp_path / "report"
    said = invoke(project, "report", "all", "-o", str(out), "--reviewer", "ana")
    prisma = json.loads((out / "prisma.json").read_text())
    assert prisma["hidden"] is True and prisma["records_screened"] is None
    assert "not included: included.ris, included.bib: full-text screening is blind" in said
    assert not (out / "included.ris").exists()
    assert "hidden while screening is blind" in (out / "methods.md").read_text()
