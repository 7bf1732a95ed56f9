"""A review made through the CLI for the stopping-rule tests (CLI and TUI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from review.cli.root import cli
from review.core.context import viewer_for
from review.core.project import Project
from screening import queue
from screening.decide import decide

TA = "title_abstract"


def cli_review(tmp_path: Path, protocol: str = "") -> tuple[Callable[..., Result], Project]:
    """A review made by the CLI with 120 studies; ``protocol`` replaces protocol.toml."""
    runner = CliRunner()
    root = tmp_path / "rev"
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    if protocol:
        (root / "protocol.toml").write_text(protocol, "utf-8")
    ris = tmp_path / "a.ris"
    ris.write_text(
        "".join(f"TY  - JOUR\nTI  - Study {n}\nAB  - Text {n}.\nER  - \n\n" for n in range(120)),
        "utf-8",
    )

    def run(*args: str) -> Result:
        return runner.invoke(cli, ["--project", str(root), *args], catch_exceptions=False)

    assert run("import", "--no-embed", str(ris)).exit_code == 0
    return run, Project(root.resolve())


def decide_first(project: Project, reviewer: str, count: int, relevant: int) -> None:
    db = project.open_db()
    who = viewer_for(project, db, reviewer)
    groups = [g for (g,) in db.execute("SELECT DISTINCT group_id FROM records ORDER BY 1")]
    for i, g in enumerate(groups[:count]):
        decide(db, who, g, TA, "include" if i < relevant else "exclude")
    db.close()


BLIND = """[review]
title = "Blind"

[screening]
reviewers_per_record = 1
blind = true
stopping_target = 0.9
"""


def justify_stopping(run: Any, project: Project) -> None:
    """Draw the random sample and exclude every record in it: stopping is then justified."""
    run("stopping", "sample", "--reviewer", "ana", "--seed", "7")
    db = project.open_db()
    ana = viewer_for(project, db, "ana")
    while (pick := queue.next_group(db, ana, TA)) is not None and pick.order == "sample":
        decide(db, ana, pick.group_id, TA, "exclude")
    db.close()
    report = json.loads(run("stopping", "--json", "--reviewer", "ana").output)
    assert report["stop_justified"] is True
