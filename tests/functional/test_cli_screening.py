"""Screening through the CLI: blind exports, unblinding, status and record exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from review.cli.root import cli
from review.core.context import viewer_for
from review.core.project import Project
from screening.decide import decide

PROTOCOL = """[review]
title = "Blind dual screening"

[screening]
reviewers_per_record = 2
blind = true
conflict_resolution = "third_reviewer"

[stages.title_abstract]
exclusion_reasons = ["wrong population", "not empirical"]
"""


def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    root = tmp_path / "rev"
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    (root / "protocol.toml").write_text(PROTOCOL, encoding="utf-8")
    ris = tmp_path / "a.ris"
    ris.write_text(
        "".join(
            f"TY  - JOUR\nTI  - Study {n}\nAB  - Text {n}.\nID  - s{n}\nER  - \n\n"
            for n in range(1, 5)
        ),
        encoding="utf-8",
    )

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(cli, ["--project", str(root), *args])
        return res.exit_code, res.output

    assert run("import", "--no-embed", str(ris))[0] == 0
    assert run("reviewer", "add", "lead", "--lead")[0] == 0
    project = Project(root.resolve())
    db = project.open_db()
    ana, ben = viewer_for(project, db, "ana"), viewer_for(project, db, "ben")
    groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id")]
    stage = "title_abstract"
    reasons = ("wrong population", "not empirical")
    decide(db, ana, groups[0], stage, "include", note="ana-note-secret")
    decide(db, ben, groups[0], stage, "exclude", reason="wrong population", allowed_reasons=reasons)
    decide(db, ana, groups[1], stage, "exclude", reason="not empirical", allowed_reasons=reasons)
    decide(db, ben, groups[1], stage, "exclude", reason="not empirical", allowed_reasons=reasons)
    decide(db, ben, groups[2], stage, "include")
    return run, groups


def rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_blind_export_shows_only_own_until_unblinded(tmp_path: Path) -> None:
    run, groups = setup(tmp_path)
    code, out = run("export", "decisions", "--reviewer", "ana")
    assert code == 0, out
    mine = rows(out)
    assert {r["reviewer"] for r in mine} == {"ana"}
    assert len(mine) == 2
    assert list(mine[0]) == ["group_id", "stage", "reviewer", "label", "reason", "note", "time"]
    _, out = run("export", "decisions", "--reviewer", "ben", "--history")
    assert "ana" not in out and "ana-note-secret" not in out
    _, out = run("export", "records", "--reviewer", "ben")
    assert "ana-note-secret" not in out
    ben_view = {r["group_id"]: r["decision_title_abstract"] for r in rows(out)}
    assert ben_view[str(groups[0])] == "exclude"  # ben's own label, not the conflict
    # status: ben sees no agreement or outcomes while blind
    status = json.loads(run("status", "--json", "--reviewer", "ben")[1])["screening"]
    assert status["stages"]["title_abstract"]["conflicts"] is None
    # only a lead may unblind
    code, out = run("unblind", "--stage", "title-abstract", "--reviewer", "ben")
    assert code == 1 and "only a lead" in out
    assert run("unblind", "--stage", "title-abstract", "--reviewer", "lead")[0] == 0
    _, out = run("export", "decisions", "--reviewer", "ben")
    assert {r["reviewer"] for r in rows(out)} == {"ana", "ben"}
    status = json.loads(run("status", "--json", "--reviewer", "ben")[1])["screening"]
    ta = status["stages"]["title_abstract"]
    assert ta["conflicts"] == 1 and ta["excluded"] == 1
    _, out = run("export", "records", "--reviewer", "ben")
    view = {r["group_id"]: r["decision_title_abstract"] for r in rows(out)}
    assert view[str(groups[0])] == "conflict" and view[str(groups[1])] == "exclude"


def test_bad_stage_and_reviewer_are_one_line(tmp_path: Path) -> None:
    run, _ = setup(tmp_path)
    code, out = run("unblind", "--stage", "screening", "--reviewer", "lead")
    assert code == 2  # click's own usage error for a bad choice
    code, out = run("reviewer", "add", " ")
    assert code == 1 and out.startswith("review: error:")


def test_search_filters_by_screening_state(tmp_path: Path) -> None:
    run, groups = setup(tmp_path)
    code, out = run(
        "search", "study", "--mode", "keyword", "--state", "exclude", "--reviewer", "ben", "--json"
    )
    assert code == 0, out
    assert {h["group_id"] for h in json.loads(out)} == {groups[0], groups[1]}  # ben's own
    _, out = run(
        "search",
        "study",
        "--mode",
        "keyword",
        "--state",
        "undecided",
        "--reviewer",
        "ben",
        "--json",
    )
    assert {h["group_id"] for h in json.loads(out)} == {groups[3]}
