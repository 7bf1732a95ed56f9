"""The stopping rule: p values against hand-computed hypergeometric sums, bounds, heuristics.

Expected probabilities are computed here with ``math.comb`` (exact integers), not
with scipy, so a wrong use of scipy's parameters in the module would show.
"""

from __future__ import annotations

import json
from fractions import Fraction
from math import comb
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from review.cli.commands.simulate import simulate as simulate_cmd
from screening import simulate as sim
from screening import stopping
from screening.errors import ScreeningError
from tests.simulate_support import synthetic_csv


def cdf(k: int, urn: int, in_urn: int, n: int) -> float:
    """P(X <= k) for X relevant records in a sample of n from an urn holding in_urn of urn."""
    hits = sum(comb(in_urn, i) * comb(urn - in_urn, n - i) for i in range(k + 1))
    return float(Fraction(hits, comb(urn, n)))


# --- the test ------------------------------------------------------------------------------


def test_p_matches_hand_computed_hypergeometric() -> None:
    # r = 100 seen; recall < 0.95 means >= floor(100 / 0.95) + 1 = 106 relevant, 6 in the urn.
    assert stopping.hypergeometric_p(1500, 100, 400, 0) == pytest.approx(cdf(0, 1500, 6, 400))
    # One relevant in the sample: r = 101 -> K >= 107, 7 in the urn; P(X <= 1).
    assert stopping.hypergeometric_p(1500, 100, 400, 1) == pytest.approx(cdf(1, 1500, 7, 400))
    # r = 18 + 2 = 20 at 90%: 20 / 0.9 = 22.2 -> K >= 23, so 23 - 18 = 5 were in the urn.
    assert stopping.hypergeometric_p(300, 18, 100, 2, target=0.9) == pytest.approx(
        cdf(2, 300, 5, 100)
    )


def test_p_counts_exact_target_as_reached() -> None:
    # 19 / 0.95 is 20.000000000000004 in floats; 20 relevant would be recall 0.95 exactly,
    # which meets the target, so H0 starts at 21 (2 in the urn), not 22 (3 in the urn).
    p = stopping.hypergeometric_p(1000, 19, 300, 0)
    assert p == pytest.approx(cdf(0, 1000, 2, 300))
    assert p != pytest.approx(cdf(0, 1000, 3, 300))


def test_p_is_zero_when_the_urn_cannot_hold_the_missing_records() -> None:
    # 100 seen -> 6 must be unscreened for recall < 95%, but only 5 records are left.
    assert stopping.hypergeometric_p(5, 100, 1, 0) == 0.0
    assert stopping.hypergeometric_p(0, 10, 0, 0) == 0.0


def test_p_falls_as_a_clean_sample_grows() -> None:
    ps = [stopping.hypergeometric_p(2000, 50, n, 0) for n in range(0, 2001, 100)]
    assert ps[0] == pytest.approx(1.0)
    assert all(later < earlier for earlier, later in zip(ps, ps[1:-1], strict=False))
    assert ps[-1] == 0.0  # the whole urn screened: nothing can hide


def test_p_stays_high_when_the_sample_finds_many_relevant() -> None:
    # 10 relevant in a sample of 100: the urn is full of them, recall is clearly short.
    assert stopping.hypergeometric_p(1000, 50, 100, 10) > 0.99
    assert stopping.hypergeometric_p(1000, 50, 400, 3) >= 0.05


def test_sequential_p_is_p_after_each_record() -> None:
    labels = [0, 0, 1, 0, 0]
    got = stopping.sequential_p(200, 30, labels)
    want = [stopping.hypergeometric_p(200, 30, n, sum(labels[:n])) for n in range(1, 6)]
    assert got.tolist() == pytest.approx(want)
    assert got[2] > got[1]  # finding a relevant record raises p


def test_type_one_error_at_the_boundary_is_at_most_alpha() -> None:
    # Recall just below target: 94 found, 5 left in an urn of 800 (94/99 = 0.9495).
    rng = np.random.default_rng(5)
    n = stopping.required_sample(800, 94)
    found = rng.hypergeometric(5, 795, n, size=4000)
    rejects = {int(k): stopping.hypergeometric_p(800, 94, n, int(k)) < 0.05 for k in set(found)}
    rate = np.mean([rejects[int(k)] for k in found])
    assert 0.03 <= rate <= 0.05 + 0.01  # near alpha at the boundary, not above it


def test_required_sample_is_the_first_size_that_rejects() -> None:
    n = stopping.required_sample(1500, 100)
    assert cdf(0, 1500, 6, n) < 0.05 <= cdf(0, 1500, 6, n - 1)
    # With 1 relevant already in the sample more is needed; never more than the urn.
    assert stopping.required_sample(1500, 100, sample_relevant=1) > n
    assert stopping.required_sample(10, 100) <= 10
    assert stopping.required_sample(0, 3) == 0


# --- recall estimate ------------------------------------------------------------------------


def test_recall_point_estimate_and_order() -> None:
    est = stopping.estimate_recall(1000, 45, 200, 2)
    assert est is not None
    # 2 of 200 -> 8 more among the 800 unsampled: 47 / (47 + 8).
    assert est.recall == pytest.approx(47 / 55)
    assert est.low <= est.recall <= est.high <= 1.0
    assert est.confidence == 0.95


def test_no_sample_means_no_estimate_unless_nothing_is_left() -> None:
    assert stopping.estimate_recall(1000, 45, 0, 0) is None
    assert stopping.estimate_recall(0, 45, 0, 0) == stopping.RecallEstimate(1.0, 1.0, 1.0, 0.95)


def _coverage(urn: int, before: int, n: int, in_urn: int) -> tuple[float, float]:
    """Exact chance that low (high) covers the true recall, summed over sample outcomes."""
    low = high = 0.0
    for k in range(min(in_urn, n) + 1):
        chance = comb(in_urn, k) * comb(urn - in_urn, n - k) / comb(urn, n)
        est = stopping.estimate_recall(urn, before, n, k)
        assert est is not None
        truth = (before + k) / (before + in_urn)
        low += chance * (est.low <= truth + 1e-12)
        high += chance * (est.high >= truth - 1e-12)
    return low, high


def test_bounds_cover_the_truth_at_the_nominal_rate() -> None:
    covered = [_coverage(500, 40, 150, in_urn) for in_urn in (0, 3, 10, 20)]
    assert all(low >= 0.95 and high >= 0.95 for low, high in covered)
    # Exact bounds are conservative but not vacuous: somewhere coverage is near 95%.
    assert min(min(pair) for pair in covered) < 0.98


def test_bounds_cover_on_simulated_urns() -> None:
    rng = np.random.default_rng(11)
    urn, before, n, in_urn = 600, 30, 120, 12
    truth_hits = []
    cache: dict[int, stopping.RecallEstimate] = {}
    for _ in range(300):
        k = int(np.sum(rng.permutation(np.arange(urn) < in_urn)[:n]))
        if k not in cache:
            est = stopping.estimate_recall(urn, before, n, k)
            assert est is not None
            cache[k] = est
        truth_hits.append(cache[k].low <= (before + k) / (before + in_urn) + 1e-12)
    assert 0.93 <= np.mean(truth_hits) <= 1.0


@pytest.mark.parametrize(("n", "k"), [(50, 0), (300, 0), (600, 0), (900, 0), (700, 1), (950, 2)])
def test_stopping_justified_exactly_when_low_bound_meets_target(n: int, k: int) -> None:
    p = stopping.hypergeometric_p(1000, 60, n, k)
    est = stopping.estimate_recall(1000, 60, n, k)
    assert est is not None
    assert (p < 0.05) == (est.low >= 0.95)


# --- heuristics and phases -----------------------------------------------------------------


def test_irrelevant_run_and_threshold() -> None:
    assert stopping.irrelevant_run([1, 0, 1, 0, 0, 0]) == 3
    assert stopping.irrelevant_run([0, 0]) == 2
    assert stopping.irrelevant_run([1]) == 0
    assert stopping.irrelevant_run([]) == 0
    assert stopping.run_threshold(400) == 50
    assert stopping.run_threshold(2333) == 234  # ceil(10% of 2333)
    assert not stopping.ready_for_random_check(2000, 199)
    assert stopping.ready_for_random_check(2000, 200)


def test_phases_follow_the_counts() -> None:
    phase = stopping.screening_phase
    assert phase(100, [], 0, False) is stopping.Phase.NOT_STARTED
    assert phase(100, [0, 0, 0], 0, False) is stopping.Phase.INITIAL
    assert phase(1000, [1, 0, 1], 0, False) is stopping.Phase.ACTIVE_LEARNING
    assert phase(1000, [1] * 10 + [0] * 99, 0, False) is stopping.Phase.ACTIVE_LEARNING
    ranked = [1] * 10 + [0] * 100
    assert phase(1000, ranked, 0, False) is stopping.Phase.READY_FOR_CHECK
    assert phase(1000, ranked, 20, False) is stopping.Phase.RANDOM_CHECK
    assert phase(1000, ranked, 20, True) is stopping.Phase.STOPPING_JUSTIFIED
    assert phase(100, ranked, 0, False) is stopping.Phase.COMPLETE


# --- the report ----------------------------------------------------------------------------


def test_report_sentence_cites_the_numbers() -> None:
    ranked = [1] * 30 + [0] * 903 + [1] * 2 + [0] * 299  # 1,234 records, 32 relevant
    report = stopping.assess(2333, ranked, [0] * 900)
    assert report.stop_justified and report.phase is stopping.Phase.STOPPING_JUSTIFIED
    assert report.screened == 2134 and report.urn_size == 1099
    p = cdf(0, 1099, 2, 900)  # 32 / 0.95 = 33.7 -> 34 relevant, 2 in the urn
    assert report.p_value == pytest.approx(p)
    text = report.sentence()
    assert text.startswith("Screening stopped after 2,134 of 2,333 records (91.5%)")
    assert "random sample of 900 of the 1,099 records" in text
    assert "0 relevant records" in text and "Callaghan & Müller-Hansen (2020)" in text
    assert "95% recall target was reached with 95% confidence" in text
    assert "(p = 0.033)" in text  # two significant digits, well clear of alpha
    assert report.estimate is not None
    assert f"{report.estimate.low * 100:.1f}%" in text


def test_report_before_and_during_the_random_check() -> None:
    ranked = [1] * 20 + [0] * 200
    before = stopping.assess(2000, ranked)
    assert before.p_value is None and before.estimate is None and not before.stop_justified
    assert before.phase is stopping.Phase.READY_FOR_CHECK
    assert f"{before.sample_needed:,} records" in before.sentence()
    during = stopping.assess(2000, ranked, [0] * 50 + [1], sample_size=400)
    assert not during.stop_justified and during.phase is stopping.Phase.RANDOM_CHECK
    assert "cannot yet be claimed" in during.sentence() and "1 relevant record;" in (
        during.sentence()
    )
    payload = json.loads(json.dumps(during.to_json()))
    assert payload["sample_size"] == 400 and payload["sample_screened"] == 51
    assert payload["recall"]["low"] <= payload["recall"]["recall"] <= payload["recall"]["high"]
    assert payload["phase"] == "random check" and payload["p_value"] > 0.05


def test_report_when_everything_was_screened() -> None:
    report = stopping.assess(3, [1, 0, 0])
    assert report.stop_justified and report.phase is stopping.Phase.COMPLETE
    assert "100% by definition" in report.sentence()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stopping.hypergeometric_p(10, 1, 2, 0, target=1.5), "target 1.5"),
        (lambda: stopping.hypergeometric_p(10, 1, 11, 0), "sample of 11"),
        (lambda: stopping.hypergeometric_p(10, 1, 2, 3), "3 relevant records in a sample of 2"),
        (lambda: stopping.assess(10, [0, 2]), "0 .irrelevant. or 1"),
        (lambda: stopping.assess(2, [0, 1, 0]), "3 records screened of only 2"),
        (lambda: stopping.assess(10, [1, 0], confidence=1.0), "confidence 1.0"),
        (lambda: stopping.assess(10, [1, 0], [0, 0], sample_size=1), "2 sample records"),
    ],
)
def test_bad_input_is_a_screening_error(call: object, message: str) -> None:
    with pytest.raises(ScreeningError, match=message):
        call()  # type: ignore[operator]


# --- simulation --------------------------------------------------------------------------------


def test_stopping_run_fires_after_heuristic_and_clean_sample() -> None:
    # 1,000 records; the replay finds all 20 relevant first. Past them only
    # irrelevant records remain: a run of 100 (10%) ends the ranked part at 120.
    labels = np.zeros(1000, dtype=np.int64)
    labels[:20] = 1
    order = list(range(20))
    assert sim.ranked_stop([1] * 20, 1000) == 120
    assert sim.ranked_stop([1] * 20 + [0] * 30 + [1], 1000) == 151
    stop = sim.stopping_run(order, labels, seed=1, target=0.95, confidence=0.95)
    # 20 / 0.95 = 21.05 -> 22 relevant under H0, 2 hidden among the 880 left.
    n = stop.sample
    assert cdf(0, 880, 2, n) < 0.05 <= cdf(0, 880, 2, n - 1)
    assert stop.screened == 120 + n and stop.recall == 1.0
    assert stop.saved == pytest.approx(1 - (120 + n) / 1000)


def test_stopping_run_samples_records_the_ranking_missed() -> None:
    # The heuristic fires before the 5 late relevant records: the sample must meet them.
    labels = np.zeros(600, dtype=np.int64)
    labels[:15] = 1
    labels[500:505] = 1
    order = list(range(15)) + list(range(15, 500)) + list(range(500, 505))
    stop = sim.stopping_run(order, labels, seed=3, target=0.95, confidence=0.95)
    assert stop.screened > sim.ranked_stop([int(v) for v in labels[order]], 600)
    found = round(stop.recall * 20)
    assert 15 <= found <= 20 and stop.recall == found / 20


def test_small_review_never_triggers_the_heuristic() -> None:
    labels = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    result = sim.evaluate([1, 0, 4], labels, seed=7)
    assert (result.stop_screened, result.stop_recall, result.stop_saved) == (10, 1.0, 0.0)


def test_cli_reports_stopping(tmp_path: Path) -> None:
    data = synthetic_csv(tmp_path / "s.csv")
    fast = ["--model", "hedge-text"]  # text only: no embedding model to load
    out = CliRunner().invoke(simulate_cmd, [str(data), "--seeds", "1", "--json", *fast])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["stopping"]["target"] == 0.95
    seed = payload["seeds"][0]
    assert {"stop_recall", "stop_saved", "stop_screened", "stop_sample"} <= set(seed)
    assert {"stop_recall", "stop_saved", "stop_screened", "stop_target_met"} <= set(payload["mean"])
    table = CliRunner().invoke(simulate_cmd, [str(data), "--seeds", "1", "--target", "0.9", *fast])
    assert table.exit_code == 0 and "stopping rule: 90% recall target" in table.output


@pytest.mark.parametrize(
    ("option", "value"),
    [("--target", "1.5"), ("--target", "abc"), ("--target", "0"), ("--confidence", "1")],
)
def test_cli_bad_share_is_one_line(tmp_path: Path, option: str, value: str) -> None:
    data = synthetic_csv(tmp_path / "s.csv")
    out = CliRunner().invoke(simulate_cmd, [str(data), option, value])
    assert out.exit_code == 1
    assert f"{option} {value!r}" in out.output
    assert len(out.output.strip().splitlines()) == 1
    assert "Traceback" not in out.output
