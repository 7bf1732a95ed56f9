"""p as printed: one formatter, the digits that matter against alpha (issue 20)."""

from __future__ import annotations

import pytest

from protocols.vocabulary import Stage
from review.session.stopping_text import report_lines
from screening.stopping import assess
from screening.stopping.pvalue import format_p


@pytest.mark.parametrize(
    ("p", "alpha", "text"),
    [
        (0.0497, 0.05, "p = 0.0497"),
        (0.0497, 1 - 0.95, "p = 0.0497"),
        (0.04999, 1 - 0.95, "p = 0.04999"),
        (0.0503, 0.05, "p = 0.0503"),
        (0.0495, 0.05, "p = 0.0495"),
        (0.012, 0.05, "p = 0.012"),
        (0.00003, 0.05, "p < 0.0001"),
        (0.0, 0.05, "p < 0.0001"),
        (0.5, 0.05, "p = 0.5"),
        (1.0, 0.05, "p = 1"),
        (0.0497, None, "p = 0.0497"),  # 0.05 and 0.01 are always kept apart
        (0.99999, 0.05, "p > 0.9999"),
        (0.0249, 1 - 0.975, "p = 0.0249"),
        (0.05, 1 - 0.95, "p = 0.05"),
    ],
)
def test_format_p_keeps_the_digits_that_matter(p: float, alpha: float | None, text: str) -> None:
    assert format_p(p, alpha) == text


def test_sentence_and_report_lines_use_the_formatter() -> None:
    ranked = [1] * 20 + [0] * 200
    report = assess(2000, ranked, [0] * 50 + [1], sample_size=400)
    assert report.p_value is not None
    formatted = format_p(report.p_value, 0.05)
    assert f"({formatted};" in report.sentence()
    line = next(x for x in report_lines(Stage.TITLE_ABSTRACT, report.to_json()) if "p value:" in x)
    assert line.endswith(f"{formatted} (stopping needs p < 0.05)")


# --- without alpha: 0.05, 0.01 and 0.001 are never reached by rounding ---------------


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0497, "p = 0.0497"),  # 2 digits would give 0.050, reaching alpha
        (0.04997, "p = 0.04997"),
        (0.0503, "p = 0.0503"),  # 0.050 would look like alpha itself
        (0.05, "p = 0.05"),
        (0.0012, "p = 0.0012"),
        (0.00999, "p = 0.00999"),  # not 0.010
        (0.0105, "p = 0.011"),
        (0.12, "p = 0.12"),
        (0.999, "p = 0.999"),  # never "1.0" below 1
        (1.0, "p = 1"),
        (0.00009, "p < 0.0001"),
        (0.0, "p < 0.0001"),
    ],
)
def test_format_p(p: float, text: str) -> None:
    assert format_p(p) == text


def test_format_p_keeps_a_custom_alpha_apart() -> None:
    # 0.0249 at 2 digits is 0.025, which is alpha for 97.5% confidence.
    assert format_p(0.0249) == "p = 0.025"
    assert format_p(0.0249, alpha=0.025) == "p = 0.0249"
