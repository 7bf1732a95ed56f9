"""The extraction acceptance path in a real terminal (tmux, 80x24), as a new user drives it.

Two reviewers each open the included study from the dashboard, fill in the
generic template's form with sources (a typed page, and a passage selected
in the PDF's text), and mark it complete; their sample sizes differ. The lead
resolves that one conflict on the conflicts screen. The evidence table then
opens in openpyxl with the consensus values and the codebook. Needs tmux
(installed by .ci/run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.extraction_support import included_review, invoke
from tests.pdfs import text_pdf
from tests.terminal_support import press, tmux, wait_for

REVIEW = str(Path(sys.executable).parent / "review")

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


def extract_as(project: Path, session: str, name: str, sample_size: str) -> None:
    """Fill in every required field and two more, with sources, by keys only."""
    command = f"HF_HUB_OFFLINE=1 {REVIEW} --project {project} tui --reviewer {name}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "Extraction")
        press(session, "x", expect="Study 1 (1/1)")
        press(session, "1", expect="Randomised controlled trial saved")
        press(session, "C-g", expect="Source: page")
        press(session, "1: a randomised trial in ten schools", "Enter",
              expect="source of Study design set")  # fmt: skip
        press(session, "Tab", "UK", "Tab", expect="Country or countries: UK saved")
        press(session, "2", expect="Funding source declared: no saved")
        press(session, "Tab", sample_size, "Tab", expect=f"enrolled: {sample_size} saved")
        # The sample size's source: select its sentence in the full text.
        press(session, "BTab", "C-t", expect="p. 1")
        press(session, "Down", "Down", "Home", "S-End", "C-s",
              expect="source of Participants randomised or enrolled set")  # fmt: skip
        press(session, "C-t")
        # The MMAT appraisal: the category, then its questions, by ctrl+n and digits.
        press(session, "C-n", "2", expect="(MMAT): Quantitative randomized")
        for _ in range(7):  # S1, S2 and the category's five criteria
            press(session, "C-n", "1")
        press(session, "C-n", expect="Every required field has a value")
        press(session, "C-d", expect="marked complete")
        press(session, "q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_two_extractors_and_a_lead_finish_a_study_by_keys(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="dual", include=1)
    report = text_pdf(
        tmp_path / "report.pdf",
        ["Methods: a randomised trial in ten schools.", "We enrolled 240 pupils aged 11 to 13."],
    )
    invoke(project, "attach", "1", str(report))
    tag = tmp_path.name[-8:]
    extract_as(project, f"xa{tag}", "ana", "240")
    extract_as(project, f"xb{tag}", "ben", "236")

    state = json.loads(invoke(project, "extract", "conflicts", "--json", "--reviewer", "lead"))
    assert [(c["field"], c["values"]) for c in state["conflicts"]] == [
        ("sample_size", {"ana": 240, "ben": 236})
    ]
    session = f"xl{tag}"
    command = f"HF_HUB_OFFLINE=1 {REVIEW} --project {project} tui --reviewer lead"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "Extraction")
        press(session, "c", expect="1 extraction conflict")
        press(session, "Tab", "a")
        wait_for(session, "sample_size")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

    shown = json.loads(invoke(project, "extract", "show", "1", "--json", "--reviewer", "lead"))
    assert shown["status"] == "complete"
    assert shown["consensus"]["sample_size"] == 240
    assert shown["consensus"]["country"] == "UK"
    for name in ("ana", "ben"):
        cell = shown["copies"][name]["sample_size"]
        assert (cell["page"], cell["quote"]) == (1, "We enrolled 240 pupils aged 11 to 13.")
        design = shown["copies"][name]["study_design"]
        assert design["quote"] == "a randomised trial in ten schools"

    out = tmp_path / "evidence.xlsx"
    invoke(project, "export", "evidence", "--format", "xlsx", "-o", str(out),
           "--reviewer", "lead")  # fmt: skip
    book = openpyxl.load_workbook(out, read_only=True)
    rows = {}
    for sheet in book.worksheets:
        table = list(sheet.iter_rows(values_only=True))
        rows[sheet.title] = table
    population = rows["Population and setting"]
    header = list(population[0])
    assert population[1][header.index("sample_size")] == 240
    codebook = rows["Codebook"]
    assert any(r[0] == "mmat_2_1" for r in codebook[1:])
    assert any(r[0] == "sample_size" for r in codebook[1:])
