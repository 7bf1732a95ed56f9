"""Blind dual extraction: no CLI surface shows another extractor's values too early."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from review.cli.root import cli
from tests.extraction_support import fill_required, included_review, invoke

ANA = "ana-secret-QX7731"
BEN = "ben-secret-ZW4410"


def surfaces(project: Path, reviewer: str, groups: list[int]) -> str:
    """Everything ``review extract`` shows a reviewer, text and JSON, joined."""
    out = []
    for g in groups:
        out.append(invoke(project, "extract", "show", str(g), "--reviewer", reviewer))
        out.append(invoke(project, "extract", "show", str(g), "--json", "--reviewer", reviewer))
    for command in ("conflicts", "status"):
        out.append(invoke(project, "extract", command, "--reviewer", reviewer))
        out.append(invoke(project, "extract", command, "--json", "--reviewer", reviewer))
    return "\n".join(out)


def dual(tmp_path: Path) -> tuple[Path, list[int]]:
    """Ana and ben each fill in study 1 with a secret country (and a differing size)."""
    project, groups = included_review(tmp_path, mode="dual")
    g = groups[0]
    fill_required(project, g, "ana", f"country={ANA}", "sample_size=100")
    fill_required(project, g, "ben", f"country={BEN}", "sample_size=120")
    return project, groups


def test_extractors_are_blind_to_each_other_until_both_are_complete(tmp_path: Path) -> None:
    project, groups = dual(tmp_path)
    g = str(groups[0])
    for step in ("nothing complete", "ana complete"):
        ben = surfaces(project, "ben", groups)
        ana = surfaces(project, "ana", groups)
        cat = surfaces(project, "cat", groups)
        lead = surfaces(project, "lead", groups)
        assert BEN in ben and ANA not in ben, step
        assert ANA in ana and BEN not in ana, step
        assert ANA not in cat and BEN not in cat, step
        assert ANA in lead and BEN in lead, step
        if step == "nothing complete":
            invoke(project, "extract", "complete", g, "--reviewer", "ana")
    assert (
        "you marked your extraction complete"
        in CliRunner()
        .invoke(
            cli, ["--project", str(project), "extract", "set", g, "country=x", "--reviewer", "ana"]
        )
        .output
    )
    invoke(project, "extract", "complete", g, "--reviewer", "ben")
    for who in ("ana", "ben", "cat", "lead"):
        seen = surfaces(project, who, groups)
        assert ANA in seen and BEN in seen, who
    text = invoke(project, "extract", "conflicts", "--reviewer", "cat")
    assert f"country (Country or countries): ana: {ANA} | ben: {BEN}" in text


def test_only_a_lead_unblinds_extraction(tmp_path: Path) -> None:
    project, groups = dual(tmp_path)
    result = CliRunner().invoke(
        cli, ["--project", str(project), "extract", "unblind", "--reviewer", "ana"]
    )
    assert result.exit_code != 0
    assert "only a lead can unblind extraction" in result.output
    assert ANA not in surfaces(project, "ben", groups)
    out = invoke(project, "extract", "unblind", "--reviewer", "lead")
    assert "extraction unblinded" in out
    assert "already" in invoke(project, "extract", "unblind", "--reviewer", "lead")
    ben = surfaces(project, "ben", groups)
    assert ANA in ben and BEN in ben
    assert ANA in surfaces(project, "cat", groups)
