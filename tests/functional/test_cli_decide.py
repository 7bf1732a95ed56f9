"""``review decide`` and ``review import-decisions``: decisions without the UI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from review.cli.root import cli
from review.core import db as review_db
from review.core.project import Project

BLIND = """[review]
title = "Blind dual screening"

[screening]
reviewers_per_record = 2
blind = true
conflict_resolution = "third_reviewer"

[stages.title_abstract]
exclusion_reasons = ["wrong population", "not empirical"]

[stages.full_text]
exclusion_reasons = ["wrong population", "no full text"]
"""


def ris(*entries: tuple[str, str, str | None]) -> str:
    """RIS text of ``(source id, title, doi)`` entries."""
    out = []
    for source_id, title, doi in entries:
        out.append(f"TY  - JOUR\nTI  - {title}\nAB  - Abstract of {title}.\nID  - {source_id}\n")
        if doi:
            out.append(f"DO  - {doi}\n")
        out.append("ER  - \n\n")
    return "".join(out)


STUDIES = ris(
    ("pm-a", "Zinc versus penicillamine in Wilson disease", "10.1000/wd.1"),
    ("pm-b", "Trientine for hepatic Wilson disease", "10.1000/wd.2"),
    ("pm-c", "Tetrathiomolybdate in neurological Wilson disease", None),
    ("pm-d", "Copper chelation in rats", None),
)


class Review:
    """A review folder driven through the CLI in-process."""

    def __init__(self, root: Path, protocol: str | None = None, records: str = STUDIES) -> None:
        self.root = root
        self.runner = CliRunner()
        assert self.runner.invoke(cli, ["init", str(root)]).exit_code == 0
        if protocol is not None:
            (root / "protocol.toml").write_text(protocol, encoding="utf-8")
        source = root.parent / f"{root.name}.ris"
        source.write_text(records, encoding="utf-8")
        code, out = self("import", "--no-embed", str(source))
        assert code == 0, out

    def __call__(self, *args: str) -> tuple[int, str]:
        res = self.runner.invoke(cli, ["--project", str(self.root), *args])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        return res.exit_code, res.output

    def groups(self) -> dict[str, int]:
        """Return source id -> group id."""
        db = Project(self.root.resolve()).open_db()
        try:
            return dict(db.execute("SELECT source_id, group_id FROM records").fetchall())
        finally:
            db.close()

    def decisions(self, reviewer: str = "lead") -> list[dict[str, str]]:
        code, out = self("export", "decisions", "--reviewer", reviewer)
        assert code == 0, out
        return list(csv.DictReader(io.StringIO(out)))


ANA = ("--reviewer", "ana")
FT = ("--stage", "full-text")


def one_error_line(code: int, out: str) -> str:
    assert code == 1, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("review: error: "), out
    return lines[0]


def test_decide_by_group_record_and_source_id(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    g = rev.groups()
    code, out = rev("decide", f"group:{g['pm-a']}", "include", "--reviewer", "ana")
    assert code == 0, out
    assert "include" in out and "recorded" in out and "outcome: include" in out
    code, out = rev("decide", "pm-c", "exclude", "--reason", "Wrong population", *ANA)
    assert code == 0, out
    db = Project(rev.root.resolve()).open_db()
    record_b = db.execute("SELECT id FROM records WHERE source_id = 'pm-b'").fetchone()[0]
    db.close()
    code, out = rev(
        "decide", f"record:{record_b}", "maybe", "--note", "check dosing", *ANA, "--json"
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["decision"]["group_id"] == g["pm-b"] and data["decision"]["label"] == "maybe"
    assert data["decision"]["note"] == "check dosing" and data["recorded"] is True
    assert data["outcome"]["outcome"] == "maybe" and data["blind"] is False
    # the same decision again records nothing
    code, out = rev("decide", "pm-c", "exclude", "--reviewer", "ana")
    assert code == 0 and "already current" in out
    rows = {r["group_id"]: r for r in rev.decisions("ana")}
    assert rows[str(g["pm-a"])]["label"] == "include"
    assert rows[str(g["pm-c"])]["reason"] == "Wrong population"
    assert rows[str(g["pm-b"])]["note"] == "check dosing"
    # the reason picked by its number in the protocol's list (generic: 2 = Wrong intervention)
    code, out = rev("decide", "pm-d", "exclude", "--reason", "2", "--reviewer", "ana", "--json")
    assert code == 0 and json.loads(out)["decision"]["reason"] == "Wrong intervention"


def test_ambiguous_and_unknown_study_are_one_line(tmp_path: Path) -> None:
    # record "2" in its file is the first record, so "2" reads as two different studies
    rev = Review(tmp_path / "rev", records=ris(("2", "First", None), ("1", "Second", None)))
    line = one_error_line(*rev("decide", "2", "include", "--reviewer", "ana"))
    assert "ambiguous" in line and "group:2" in line and "source:2" in line
    line = one_error_line(*rev("decide", "nothing-like-this", "include", "--reviewer", "ana"))
    assert "no study 'nothing-like-this'" in line
    line = one_error_line(*rev("decide", "group:99", "include", "--reviewer", "ana"))
    assert "no study" in line
    code, out = rev("decide", "source:2", "include", "--reviewer", "ana", "--json")
    assert code == 0 and json.loads(out)["study"]["title"] == "First"
    assert rev.decisions("ana") and rev.decisions("ana")[0]["group_id"] == "1"


def test_full_text_exclusion_needs_a_protocol_reason(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    assert rev("decide", "pm-a", "include", "--reviewer", "ana")[0] == 0
    line = one_error_line(*rev("decide", "pm-a", "exclude", *FT, *ANA))
    assert "needs --reason" in line and "1. Wrong population" in line
    line = one_error_line(*rev("decide", "pm-a", "exclude", *FT, "--reason", "99", *ANA))
    assert "(1-8)" in line
    line = one_error_line(*rev("decide", "pm-a", "exclude", *FT, "--reason", "too long", *ANA))
    assert "unknown exclusion reason 'too long'" in line
    reason = ("--reason", "no full text available")
    code, out = rev("decide", "pm-a", "exclude", *FT, *reason, *ANA, "--json")
    assert code == 0, out
    assert json.loads(out)["decision"]["reason"] == "No full text available"
    # a study that did not pass title/abstract is not open at full text
    assert rev("decide", "pm-b", "exclude", "--reason", "1", "--reviewer", "ana")[0] == 0
    line = one_error_line(
        *rev("decide", "pm-b", "include", "--stage", "full-text", "--reviewer", "ana")
    )
    assert "has not passed title/abstract" in line
    assert [r["stage"] for r in rev.decisions("ana")].count("full_text") == 1


def test_blind_decisions_conflict_shows_to_the_lead_only(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev", protocol=BLIND)
    assert rev("reviewer", "add", "lead", "--lead")[0] == 0
    code, out = rev("decide", "pm-a", "include", "--reviewer", "ana", "--json")
    assert code == 0 and json.loads(out)["blind"] is True and json.loads(out)["outcome"] is None
    code, out = rev("decide", "pm-a", "exclude", "--reason", "1", "--reviewer", "ben")
    assert code == 0, out
    assert "hidden until a lead unblinds" in out and "ana" not in out
    # ben's export holds only his own decision; the lead sees the conflict
    assert {r["reviewer"] for r in rev.decisions("ben")} == {"ben"}
    status = json.loads(rev("status", "--json", "--reviewer", "lead")[1])["screening"]
    assert status["stages"]["title_abstract"]["conflicts"] == 1
    status = json.loads(rev("status", "--json", "--reviewer", "ben")[1])["screening"]
    assert status["stages"]["title_abstract"]["conflicts"] is None
    code, out = rev("decide", "pm-a", "include", "--reviewer", "lead", "--json")
    votes = {"ana": "include", "ben": "exclude", "lead": "include"}
    assert json.loads(out)["outcome"]["labels"] == votes


def test_import_round_trips_an_export_into_a_fresh_review(tmp_path: Path) -> None:
    old = Review(tmp_path / "old")
    old("decide", "pm-a", "include", "--note", "=looks eligible", "--reviewer", "ana")
    old("decide", "pm-b", "exclude", "--reason", "Wrong outcomes", "--reviewer", "ana")
    old("decide", "pm-b", "include", "--reviewer", "ben")
    old("decide", "pm-c", "maybe", "--reviewer", "ben")
    old("decide", "pm-a", "exclude", "--stage", "full-text", "--reason", "8", "--reviewer", "ana")
    exported = tmp_path / "decisions.csv"
    assert old("export", "decisions", "--reviewer", "ana", "-o", str(exported))[0] == 0
    assert "'=looks eligible" in exported.read_text("utf-8")  # neutralised for spreadsheets
    new = Review(tmp_path / "new")
    # ben is unknown to the new review: refused unless added (no lead here, so ana may)
    line = one_error_line(*new("import-decisions", str(exported), "--reviewer", "ana"))
    assert "unknown reviewer 'ben'" in line and new.decisions("ana") == []
    code, out = new("import-decisions", str(exported), "--reviewer", "ana", "--add-reviewers")
    assert code == 0, out
    assert "added reviewers: ben" in out
    # ana and ben disagree on pm-b (one reviewer per record: a conflict), as in the old review
    assert "recorded 5 decisions" in out and "1 conflict created" in out

    def strip_time(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{k: v for k, v in r.items() if k != "time"} for r in rows]

    assert strip_time(new.decisions("ana")) == strip_time(old.decisions("ana"))
    # again: everything is already current
    code, out = new("import-decisions", str(exported), "--reviewer", "ana", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["recorded"] == 0 and summary["unchanged"] == 5
    db = Project(new.root.resolve()).open_db()
    audit = review_db.audit_events(db, "decisions.import")
    db.close()
    assert len(audit) == 2 and audit[0]["details"]["recorded"] == 5
    assert audit[0]["details"]["sha256"]


def test_import_asreview_label_included(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    g = rev.groups()
    asreview = tmp_path / "asreview.csv"
    asreview.write_text(
        "record_id,title,abstract,doi,label_included\n"
        'pm-a,"Zinc versus penicillamine in Wilson disease",x,,1\n'  # by source id
        '17,"Another title",x,https://doi.org/10.1000/WD.2,0\n'  # by DOI
        '18,"Tetrathiomolybdate in neurological Wilson disease.",x,,1\n'  # by title
        "pm-d,Copper chelation in rats,x,,\n",  # unlabelled: skipped
        encoding="utf-8",
    )
    code, out = rev("import-decisions", str(asreview), "--reviewer", "ana")
    assert code == 0, out
    assert "asreview" in out and "recorded 3 decisions" in out and "1 without a decision" in out
    labels = {int(r["group_id"]): r["label"] for r in rev.decisions("ana")}
    assert labels == {g["pm-a"]: "include", g["pm-b"]: "exclude", g["pm-c"]: "include"}
    assert {r["reviewer"] for r in rev.decisions("ana")} == {"ana"}


def test_a_bad_line_imports_nothing(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    assert rev("reviewer", "add", "ana")[0] == 0
    g = rev.groups()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "group_id,stage,reviewer,label,reason,note,time\n"
        f"{g['pm-a']},title_abstract,ana,include,,,\n"
        f"{g['pm-b']},title_abstract,ana,exclude,Wrong population,,\n"
        f"{g['pm-c']},title_abstract,ana,yes,,,\n",
        encoding="utf-8",
    )
    line = one_error_line(*rev("import-decisions", str(bad)))
    assert "bad.csv line 4" in line and "'yes'" in line
    assert rev.decisions("ana") == []
    # an error only the screening rules find (full text before title/abstract) rolls back too
    bad.write_text(
        "group_id,stage,reviewer,label,reason,note,time\n"
        f"{g['pm-a']},title_abstract,ana,include,,,\n"
        f"{g['pm-b']},full_text,ana,include,,,\n",
        encoding="utf-8",
    )
    line = one_error_line(*rev("import-decisions", str(bad)))
    assert "line 3" in line and "has not passed title/abstract" in line
    assert rev.decisions("ana") == []
    asreview = tmp_path / "asreview.csv"
    asreview.write_text(
        "record_id,title,label_included\n"
        "pm-a,Zinc versus penicillamine in Wilson disease,1\n"
        "pm-b,A different study with the same ID elsewhere,0\n",
        "utf-8",
    )
    line = one_error_line(*rev("import-decisions", str(asreview), "--reviewer", "ana"))
    assert "line 3" in line and "no record in this review matches" in line
    assert rev.decisions("ana") == []


def test_import_refusals(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev", protocol=BLIND)
    g = rev.groups()
    mine = tmp_path / "theirs.csv"
    mine.write_text(
        "group_id,stage,reviewer,label,reason,note,time\n"
        f"{g['pm-a']},title_abstract,ana,include,,,\n",
        encoding="utf-8",
    )
    line = one_error_line(*rev("import-decisions", str(mine), "--reviewer", "ben"))
    assert "only a lead imports other reviewers' decisions" in line
    history = tmp_path / "history.csv"
    rev("decide", "pm-a", "include", "--reviewer", "ben")
    rev("export", "decisions", "--history", "--reviewer", "ben", "-o", str(history))
    line = one_error_line(*rev("import-decisions", str(history), "--reviewer", "ben"))
    assert "--history" in line
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert "not a decisions file" in one_error_line(*rev("import-decisions", str(other)))
    missing = one_error_line(*rev("import-decisions", str(tmp_path / "nope.csv")))
    assert "nope.csv" in missing
    # a dry run checks and counts, and records nothing
    code, out = rev("import-decisions", str(mine), "--reviewer", "ana", "--dry-run")
    assert code == 0 and "would record 1" in out
    assert rev.decisions("ana") == []


def test_commands_have_help_with_an_example(tmp_path: Path) -> None:
    runner: Callable[..., object] = CliRunner().invoke
    for name in ("decide", "import-decisions"):
        res = runner(cli, [name, "--help"])
        assert res.exit_code == 0 and "Example:" in res.output  # type: ignore[attr-defined]


def test_import_rayyan_votes(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev")
    g = rev.groups()
    assert rev("reviewer", "add", "lead", "--lead")[0] == 0
    rayyan = tmp_path / "articles.csv"
    rayyan.write_text(
        "key,title,doi,notes\n"
        '1,"Zinc versus penicillamine in Wilson disease",,'
        '"RAYYAN-INCLUSION: {""Ana""=>""Included"", ""Ben""=>""Excluded""}'
        ' | RAYYAN-EXCLUSION-REASONS: wrong population,foreign language"\n'
        '2,"Copper chelation in rats",,"RAYYAN-INCLUSION: {""Ana""=>""Maybe""}"\n'
        '3,"Trientine for hepatic Wilson disease",,""\n',
        encoding="utf-8",
    )
    code, out = rev("import-decisions", str(rayyan), "--reviewer", "lead", "--add-reviewers")
    assert code == 0, out
    assert "rayyan" in out and "recorded 3 decisions" in out and "1 conflict created" in out
    rows = {(int(r["group_id"]), r["reviewer"]): r for r in rev.decisions("lead")}
    assert rows[(g["pm-a"], "Ana")]["label"] == "include"
    ben = rows[(g["pm-a"], "Ben")]
    assert ben["label"] == "exclude" and ben["reason"] == "Wrong population"
    assert ben["note"] == "Rayyan exclusion reasons: foreign language"
    assert rows[(g["pm-d"], "Ana")]["label"] == "maybe"


def test_import_refuses_unknown_reviewers_unless_a_lead_adds_them(tmp_path: Path) -> None:
    rev = Review(tmp_path / "rev", protocol=BLIND)
    g = rev.groups()
    assert rev("reviewer", "add", "lead", "--lead")[0] == 0
    assert rev("reviewer", "add", "ana")[0] == 0
    team = tmp_path / "team.csv"
    team.write_text(
        "group_id,stage,reviewer,label,reason,note,time\n"
        f"{g['pm-a']},title_abstract,ana,include,,,\n"
        f"{g['pm-a']},title_abstract,bob,include,,,\n"
        f"{g['pm-b']},title_abstract,Zoe,include,,,\n"
        f"{g['pm-c']},title_abstract,bob,include,,,\n",
        encoding="utf-8",
    )

    def known() -> set[str]:
        db = Project(rev.root.resolve()).open_db()
        try:
            return {row[0] for row in db.execute("SELECT name FROM reviewers").fetchall()}
        finally:
            db.close()

    before = known()
    for extra in ((), ("--dry-run",)):
        line = one_error_line(*rev("import-decisions", str(team), "--reviewer", "lead", *extra))
        assert "unknown reviewers 'Zoe', 'bob'" in line and "--add-reviewers" in line
    assert rev.decisions("lead") == [] and known() == before  # nothing recorded or registered
    # only a lead may add reviewers
    line = one_error_line(
        *rev("import-decisions", str(team), "--reviewer", "ana", "--add-reviewers")
    )
    assert "only a lead adds reviewers" in line and "ana is not a lead" in line
    assert rev.decisions("lead") == [] and known() == before
    code, out = rev("import-decisions", str(team), "--reviewer", "lead", "--add-reviewers")
    assert code == 0, out
    assert "recorded 4 decisions" in out and "added reviewers: Zoe, bob" in out
    assert known() == before | {"Zoe", "bob"}
    assert {r["reviewer"] for r in rev.decisions("lead")} == {"ana", "bob", "Zoe"}
