"""Every stopping rule side by side in a review: review stopping, status, methods (issue 20)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from review.core.context import open_context, viewer_for
from review.core.project import Project
from review.reports.methods import HUMAN_DECISIONS, methods_markdown
from screening.decide import decide
from screening.stopping.stoppers import STOPPERS
from tests.stopping_support import TA, cli_review, decide_first

ROOT = Path(__file__).resolve().parents[2]
HEAD = '[review]\ntitle = "T"\n\n[screening]\n'
ROW_KEYS = {"rule", "chosen", "stop", "assumption", "recall", "recall_low", "source", "stale"}


def test_stopping_and_status_show_every_rule_the_chosen_one_marked(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    report = json.loads(run("stopping", "--json", "--reviewer", "ana").output)
    assert report["stopping_rule"] == "certified"
    rows = report["verdicts"]
    assert [r["rule"] for r in rows] == list(STOPPERS)
    assert all(ROW_KEYS <= set(r) for r in rows)
    assert [r["rule"] for r in rows if r["chosen"]] == ["certified"]
    by = {r["rule"]: r for r in rows}
    assert by["certified"]["stop"] is report["stop_justified"] is False
    assert by["quant"]["stop"] is None and by["quant"]["source"] is None  # not ranked yet
    assert "certified_stop_justified" not in report  # certified: the report as before
    # The ranking job stores the model-based verdicts; status reads them back.
    assert run("rank", "--reviewer", "ana").exit_code == 0
    status = json.loads(run("status", "--json", "--reviewer", "ana").output)
    stored = {r["rule"]: r for r in status["screening"]["stages"][TA]["stopping"]["verdicts"]}
    assert stored["quant"]["source"] == "stored" and stored["quant"]["stale"] is False
    assert stored["quant"]["recall"] is not None and stored["quant-ci"]["recall_low"] is not None
    assert stored["point-process"]["stop"] in (True, False)
    text = run("stopping", "--reviewer", "ana").output
    assert "Stopping rules (* the protocol's [screening] stopping" in text
    assert "* certified" in text and "  quant-ci" in text and "model-based" in text
    decide_first(project, "ana", 61, 6)  # one more decision: the stored ones go stale
    again = json.loads(run("stopping", "--json", "--reviewer", "ana").output)
    assert {r["rule"]: r["stale"] for r in again["verdicts"]}["quant"] is True


#: Relevant records thinning out down the ranking (positions 1.8^i - 1), 7 in the first 100.
FADING = [1 if i in {int(1.8**j) - 1 for j in range(12)} else 0 for i in range(100)]


def decide_in_order(project: Project, reviewer: str, labels: list[int]) -> None:
    """Decide the first studies in order: include where ``labels`` says 1."""
    db = project.open_db()
    who = viewer_for(project, db, reviewer)
    groups = [g for (g,) in db.execute("SELECT DISTINCT group_id FROM records ORDER BY 1")]
    for g, label in zip(groups, labels, strict=False):
        decide(db, who, g, TA, "include" if label else "exclude")
    db.close()


def test_a_chosen_model_rule_drives_stopping_justified(tmp_path: Path) -> None:
    # At an 80% target the Poisson bound allows stopping with 7 found (at most 8 in all).
    protocol = HEAD + 'stopping = "point-process"\nstopping_target = 0.8\n'
    run, project = cli_review(tmp_path, protocol)
    one = run("stopping", "--json", "--reviewer", "ana")
    assert one.exit_code != 0 and "no decisions yet" in one.output
    decide_in_order(project, "ana", FADING)
    before = json.loads(run("stopping", "--json", "--reviewer", "ana").output)
    assert before["stopping_rule"] == "point-process" and before["stop_justified"] is False
    assert "no verdict yet" in run("status", "--reviewer", "ana").output
    run("rank", "--reviewer", "ana")
    after = json.loads(run("stopping", "--json", "--reviewer", "ana").output)
    chosen = next(r for r in after["verdicts"] if r["chosen"])
    assert chosen["rule"] == "point-process" and chosen["source"] == "stored"
    assert after["stop_justified"] is chosen["stop"] is True
    assert after["certified_stop_justified"] is False
    plain = run("status", "--reviewer", "ana").output
    assert "Stopping justified by the point-process rule" in plain


def test_status_with_verdicts_loads_neither_numpy_nor_scipy(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    assert run("rank", "--reviewer", "ana").exit_code == 0
    code = (
        "import sys\n"
        "from review.cli.root import cli\n"
        f"try:\n    cli(['--project', {str(project.root)!r}, 'status', '--json', "
        "'--reviewer', 'ana'], prog_name='review')\n"
        "except SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('numpy', 'scipy', 'sklearn', 'torch') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert '"source": "stored"' in out and '"rule": "quant-ci"' in out
    assert "HEAVY []" in out


def test_methods_name_the_chosen_rule_its_assumption_and_the_human_decisions(
    tmp_path: Path,
) -> None:
    run, project = cli_review(tmp_path, HEAD + 'stopping = "quant-ci"\nseed = 11\n')
    decide_first(project, "ana", 60, 6)
    run("rank", "--reviewer", "ana")
    text = methods_markdown(open_context(project.root, "ana"))
    assert "The stopping rule chosen in the protocol was `quant-ci` (model-based" in text
    assert "Yang E, Lewis DD, Frieder O." in text
    assert "with a 95% recall target and 95% confidence" in text
    assert "By the chosen quant-ci rule: 60 of 120 records were screened (6 relevant)" in text
    assert "estimated recall " in text and "(lower bound " in text
    assert "were ranked by the model `hedge-text@60`, version `hedge-text@60#" in text
    assert "logistic regression" in text and "random screening order seed 11" in text
    assert HUMAN_DECISIONS in text
