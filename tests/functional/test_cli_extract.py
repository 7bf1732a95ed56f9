"""``review extract``: the extraction commands on a real review built through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from review.cli.root import cli
from tests.extraction_support import fill_required, included_review, invoke


def show(project: Path, group: int, reviewer: str) -> dict[str, Any]:
    """Return ``review extract show --json`` as a reviewer sees it."""
    out: dict[str, Any] = json.loads(
        invoke(project, "extract", "show", str(group), "--json", "--reviewer", reviewer)
    )
    return out


def fail(project: Path, *args: str) -> str:
    """Run a command that must fail with one error line; return that line."""
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def add_field(project: Path, text: str) -> None:
    """Append a field to the extraction form in protocol.toml."""
    path = project / "protocol.toml"
    path.write_text(path.read_text("utf-8") + "\n" + text, "utf-8")


def test_set_choices_by_label_and_number_and_multi_choice(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    add_field(
        project,
        '[[extraction.fields]]\nname = "settings"\nlabel = "Settings"\n'
        'type = "multi_choice"\nchoices = ["School", "Home", "Online"]\n',
    )
    a, b = groups[0], groups[1]
    out = invoke(project, "extract", "set", str(a), "study_design=Cohort study",
                 "country=Spain", "--reviewer", "ana")  # fmt: skip
    assert out.strip() == f"study {a}: set 2 fields in ana's copy (study_design, country)"
    invoke(project, "extract", "set", str(b), "study_design=3", "settings=1;3",
           "--reviewer", "ana")  # fmt: skip
    assert show(project, a, "ana")["copies"]["ana"]["study_design"]["value"] == "Cohort study"
    copy = show(project, b, "ana")["copies"]["ana"]
    assert copy["study_design"]["value"] == "Cohort study"
    assert copy["settings"]["value"] == ["School", "Online"]
    again = invoke(project, "extract", "set", str(a), "study_design=3", "country=",
                   "--reviewer", "ana")  # fmt: skip
    assert again.strip() == f"study {a}: set 1 field in ana's copy (country); 1 unchanged"
    assert show(project, a, "ana")["copies"]["ana"]["country"]["value"] is None


def test_bad_value_names_the_field_and_writes_nothing(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    g = str(groups[0])
    line = fail(project, "extract", "set", g, "country=Spain", "sample_size=many",
                "--reviewer", "ana")  # fmt: skip
    assert "Participants randomised or enrolled" in line
    assert "whole number" in line
    assert show(project, groups[0], "ana")["copies"] == {}
    line = fail(project, "extract", "set", g, "study_design=9", "--reviewer", "ana")
    assert "Study design" in line and "1-6" in line
    assert "unknown field 'nope'" in fail(project, "extract", "set", g, "nope=1",
                                          "--reviewer", "ana")  # fmt: skip
    assert show(project, groups[0], "ana")["copies"] == {}


def test_group_cells_and_sources(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    g = str(groups[0])
    invoke(project, "extract", "set", g, "outcome_results[1].outcome=Depression",
           "outcome_results[2].outcome=Anxiety", "outcome_results[2].effect=0.4",
           "--reviewer", "ana")  # fmt: skip
    invoke(project, "extract", "set", g, "sample_size=120", "--source", "p. 4: 120 randomised",
           "--comment", "from the flow chart", "--reviewer", "ana")  # fmt: skip
    invoke(project, "extract", "set", g, "sample_size=130", "--reviewer", "ana")
    copy = show(project, groups[0], "ana")["copies"]["ana"]
    assert copy["outcome_results[1].outcome"]["value"] == "Depression"
    assert copy["outcome_results[2].outcome"]["value"] == "Anxiety"
    assert copy["outcome_results[2].effect"]["value"] == 0.4
    cell = copy["sample_size"]
    assert (cell["value"], cell["page"], cell["quote"]) == (130, 4, "120 randomised")
    assert cell["comment"] == "from the flow chart"
    text = invoke(project, "extract", "show", g, "--reviewer", "ana")
    assert "row 2" in text and "outcome_results[2].effect — Effect estimate: 0.4" in text
    assert 'source: p. 4: "120 randomised"' in text
    assert "outcome_results=x" not in text
    assert "repeating group" in fail(project, "extract", "set", g, "outcome_results=x",
                                     "--reviewer", "ana")  # fmt: skip


def test_complete_needs_required_fields_then_single_mode_has_one_extractor(
    tmp_path: Path,
) -> None:
    project, groups = included_review(tmp_path)
    g = str(groups[0])
    invoke(project, "extract", "set", g, "study_design=1", "--reviewer", "ana")
    line = fail(project, "extract", "complete", g, "--reviewer", "ana")
    assert "required fields missing" in line
    assert "Category of study design (MMAT)" in line and "S1 " in line
    fill_required(project, groups[0], "ana")
    out = invoke(project, "extract", "complete", g, "--reviewer", "ana")
    assert "status: complete" in out
    assert show(project, groups[0], "ana")["status"] == "complete"
    assert show(project, groups[0], "ana")["appraisal"]["met"] == 7
    line = fail(project, "extract", "set", g, "country=Spain", "--reviewer", "ben")
    assert "single extraction" in line
    status = json.loads(invoke(project, "extract", "status", "--json", "--reviewer", "lead"))
    assert status["statuses"]["complete"] == 1
    assert status["extractors"] == {"ana": {"in_progress": 0, "complete": 1}}
    invoke(project, "extract", "reopen", g, "--reviewer", "ana")
    assert show(project, groups[0], "ana")["status"] == "in_progress"


def test_verify_mode_verifier_edits_the_prefilled_copy(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="verify")
    g = str(groups[0])
    fill_required(project, groups[0], "ana", "sample_size=120", "country=Spain")
    line = fail(project, "extract", "set", g, "sample_size=99", "--reviewer", "ben")
    assert "being extracted by ana" in line
    invoke(project, "extract", "complete", g, "--reviewer", "ana")
    seen = show(project, groups[0], "ben")
    assert seen["status"] == "to_verify"
    assert seen["working"]["copy"] == "consensus"
    assert seen["working"]["values"]["sample_size"] == 120
    assert "sample_size — Participants randomised or enrolled: 120" in invoke(
        project, "extract", "show", g, "--reviewer", "ben"
    )
    out = invoke(project, "extract", "set", g, "sample_size=99", "--reviewer", "ben")
    assert "consensus copy" in out
    invoke(project, "extract", "complete", g, "--reviewer", "ben")
    lead = show(project, groups[0], "lead")
    assert lead["status"] == "complete"
    assert lead["consensus"]["sample_size"] == 99
    assert lead["consensus"]["country"] == "Spain"
    assert lead["copies"]["ana"]["sample_size"]["value"] == 120


def test_dual_mode_conflicts_and_resolution(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="dual")
    a, b = groups[0], groups[1]
    for who, size, country in (("ana", "100", "Spain"), ("ben", "120", "Spain")):
        fill_required(project, a, who, f"sample_size={size}", f"country={country}")
    for who, country in (("ana", "Spain"), ("ben", "Chile")):
        fill_required(project, b, who, f"country={country}")
    line = fail(project, "extract", "set", str(a), "country=Peru", "--reviewer", "cat")
    assert "already has two extractors" in line
    for g in (a, b):
        for who in ("ana", "ben"):
            invoke(project, "extract", "complete", str(g), "--reviewer", who)
    found = json.loads(invoke(project, "extract", "conflicts", "--json", "--reviewer", "lead"))
    assert found["conflicts"] == [
        {"study": a, "field": "sample_size", "values": {"ana": 100, "ben": 120}},
        {"study": b, "field": "country", "values": {"ana": "Spain", "ben": "Chile"}},
    ]
    agreement = {row["field"]: row for row in found["agreement"]}
    assert agreement["study_design"]["percent"] == 100.0
    assert agreement["country"]["agreed"] == 1 and agreement["country"]["compared"] == 2
    assert found["overview"]["statuses"]["conflicts"] == 2
    text = invoke(project, "extract", "conflicts", "--reviewer", "lead")
    assert "sample_size (Participants randomised or enrolled): ana: 100 | ben: 120" in text
    assert "resolve" in fail(project, "extract", "resolve", str(a), "sample_size", "110",
                             "--reviewer", "ana")  # fmt: skip
    assert "exactly one" in fail(project, "extract", "resolve", str(a), "sample_size", "110",
                                 "--pick", "ana", "--reviewer", "lead")  # fmt: skip
    out = invoke(project, "extract", "resolve", str(a), "sample_size", "110", "--reviewer", "lead")
    assert out.strip() == f"study {a}: consensus sample_size = 110"
    out = invoke(project, "extract", "resolve", str(b), "country", "--pick", "ben",
                 "--reviewer", "lead")  # fmt: skip
    assert out.strip() == f"study {b}: consensus country = Chile (picked from ben)"
    found = json.loads(invoke(project, "extract", "conflicts", "--json", "--reviewer", "lead"))
    assert found["conflicts"] == []
    assert found["overview"]["statuses"]["complete"] == 2
    assert show(project, a, "ana")["consensus"]["sample_size"] == 110
    assert show(project, b, "ben")["consensus"]["country"] == "Chile"
    assert show(project, b, "lead")["status"] == "complete"


def test_amend_reopens_extraction_only_when_asked(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    g = str(groups[0])
    fill_required(project, groups[0], "ana")
    invoke(project, "extract", "complete", g, "--reviewer", "ana")
    add_field(project, '[[extraction.fields]]\nname = "dropout"\nlabel = "Dropout rate"\n'
              'type = "text"\nrequired = true\n')  # fmt: skip
    out = invoke(project, "protocol", "amend", "--reason", "dropout", "--reviewer", "lead")
    assert "Reopened" not in out
    assert show(project, groups[0], "ana")["status"] == "complete"
    add_field(project, '[[extraction.fields]]\nname = "setting"\nlabel = "Setting"\n'
              'type = "text"\nrequired = true\n')  # fmt: skip
    line = fail(project, "protocol", "amend", "--reason", "setting", "--reopen-extraction",
                "--reviewer", "ana")  # fmt: skip
    assert "only a lead" in line
    history = json.loads(invoke(project, "protocol", "history", "--json"))
    assert [v["reason"] for v in history][-1] == "dropout"
    assert show(project, groups[0], "ana")["status"] == "complete"
    out = invoke(project, "protocol", "amend", "--reason", "setting", "--reopen-extraction",
                 "--reviewer", "lead")  # fmt: skip
    assert "Reopened 1 completed extraction copy (1 study)" in out
    assert show(project, groups[0], "ana")["status"] == "in_progress"
    line = fail(project, "extract", "complete", g, "--reviewer", "ana")
    assert "Dropout rate" in line and "Setting" in line


def test_values_of_removed_fields_are_kept_and_listed(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    add_field(project, '[[extraction.fields]]\nname = "old_note"\nlabel = "Old note"\n'
              'type = "text"\n')  # fmt: skip
    invoke(project, "extract", "set", str(groups[0]), "old_note=kept value", "--reviewer", "ana")
    path = project / "protocol.toml"
    path.write_text(path.read_text("utf-8").split('\n[[extraction.fields]]\nname = "old_note"')[0])
    text = invoke(project, "extract", "show", str(groups[0]), "--reviewer", "ana")
    tail = text.split("kept from earlier protocol versions")[1]
    assert "old_note: kept value (yours)" in tail
