"""Hints in the stopping lines: a key hint never carries a command-line flag (issue 20)."""

from __future__ import annotations

from typing import Any

from protocols.vocabulary import Stage
from review.session.stopping_text import report_lines, status_line, verdict
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
