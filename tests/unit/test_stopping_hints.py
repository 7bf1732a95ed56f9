"""Hints in the stopping lines: a key hint never carries a command-line flag (issue 20)."""

from __future__ import annotations

from typing import Any

from protocols.vocabulary import Stage
from review.session.stopping_text import justified_notice, report_lines, status_line, verdict
from review.tui.widgets.stopping_view import stage_block
from screening.stopping import assess


def needs_more() -> dict[str, Any]:
    """A report whose random sample found a relevant record, so more must be drawn."""
    report = assess(2000, [1] * 20 + [0] * 200, [0] * 50 + [1], sample_size=60).to_json()
    assert report["sample_needed"] > report["sample_size"]
    return report


def test_tui_extend_hint_is_the_key_alone() -> None:
    line = str(stage_block(needs_more()))
    assert "(press k)" in line and "--" not in line


def test_cli_extend_hint_names_the_flag() -> None:
    report = needs_more()
    assert "(review stopping sample --extend)" in verdict(
        report, "review stopping sample", "review stopping sample --extend"
    )
    assert any("sample --extend)" in line for line in report_lines(Stage.TITLE_ABSTRACT, report))
    assert "(review stopping sample --extend)" in status_line(Stage.TITLE_ABSTRACT, report, False)


def test_first_draw_hint_has_no_flag() -> None:
    report = assess(2000, [1] * 20 + [0] * 200).to_json()
    assert "(press k)" in str(stage_block(report))
    assert "(review stopping sample)" in verdict(report, "review stopping sample")


def test_notice_names_the_chosen_model_based_rule_not_the_sample() -> None:
    # The protocol chose the point process; no random sample was drawn. The
    # notice must not claim a sample showed anything.
    report = assess(2000, [1] * 40 + [0] * 600, []).to_json()
    assert report["stop_justified"] is False and report["sample_size"] == 0
    row = {"rule": "point-process", "chosen": True, "stop": True, "stale": False,
           "assumption": "model-based", "recall": 0.97, "recall_low": 0.951}  # fmt: skip
    chosen = {**report, "stopping_rule": "point-process", "verdicts": [row], "stop_justified": True}
    text = justified_notice(Stage.TITLE_ABSTRACT, chosen)
    assert text is not None
    assert "by the protocol's point-process rule (model-based" in text
    assert "estimated recall 97.0% (≥ 95.1%)" in text
    assert "random sample" not in text
    assert "1,360 records left unscreened are reported as excluded" in text
    assert justified_notice(Stage.TITLE_ABSTRACT, report) is None  # certified: not justified
