"""Several reviewers writing to one review.db at once: nothing lost, no "locked" error.

A small version of ``bench/concurrent_writers.py`` (eight processes through
``screening.decide``), and parallel runs of the real ``review decide``
executable.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from click.testing import CliRunner

from review.cli.root import cli

ROOT = Path(__file__).resolve().parents[2]
REVIEW = Path(sys.executable).parent / "review"


def test_eight_processes_lose_no_decision(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import concurrent_writers as bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = tmp_path / "review.db"
    groups = bench.build(path, studies=60, writers=8)
    # Spawned workers re-import the bench module, so they need bench/ on their path.
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        result = bench.run(path, groups, writers=8, decisions=50, disjoint=False)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert result["errors"] == []
    assert result["exit_codes"] == [0] * 8
    assert result["current"] == 8 * 50
    assert result["logged"] == 8 * 50


def ris(n: int) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - Study number {i}\nAB  - Abstract {i}.\nID  - pm-{i}\nER  - \n\n"
        for i in range(n)
    )


def test_parallel_review_decide_processes(tmp_path: Path) -> None:
    root = tmp_path / "rev"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    source = tmp_path / "studies.ris"
    source.write_text(ris(5), encoding="utf-8")
    res = runner.invoke(cli, ["--project", str(root), "import", "--no-embed", str(source)])
    assert res.exit_code == 0, res.output
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("REVIEW_PROJECT", None)

    def lane(reviewer: str) -> list[subprocess.CompletedProcess[str]]:
        """One reviewer deciding the five studies, one process per decision."""
        out = []
        for i, label in enumerate(["include", "exclude", "maybe", "include", "exclude"]):
            cmd = [str(REVIEW), "--project", str(root), "decide", f"pm-{i}", label]
            cmd += ["--reviewer", reviewer]
            out.append(subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120))
        return out

    with ThreadPoolExecutor(4) as pool:
        runs = [r for lane_runs in pool.map(lane, ["ana", "ben", "cas", "dee"]) for r in lane_runs]
    assert len(runs) == 20
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "locked" not in (run.stdout + run.stderr).lower()
        assert "busy" not in (run.stdout + run.stderr).lower()
    conn = sqlite3.connect(root / "review.db")
    try:
        current = conn.execute(
            "SELECT COUNT(*) FROM current_decisions WHERE stage = 'title_abstract'"
        ).fetchone()[0]
        reviewers = conn.execute(
            "SELECT COUNT(DISTINCT reviewer) FROM current_decisions"
        ).fetchone()[0]
    finally:
        conn.close()
    assert current == 20
    assert reviewers == 4
