"""The stopping rules behind ``check(run) -> Verdict``: hand-computed cases for each rule.

Expected numbers are worked out in the comments; the formulas are in each
module's docstring and ``docs/methods/stopping.md``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from screening.stopping import rules
from screening.stopping.pvalue import format_p
from screening.stopping.stoppers import (
    STOPPERS,
    Assumption,
    Budget,
    Certified,
    Knee,
    PointProcess,
    PointProcessScores,
    Quant,
    QuantCI,
    Run,
    check_all,
    stopper,
)
from screening.stopping.stoppers.knee import gain_knee
from screening.stopping.stoppers.point_process import min_relevant, power_integral
from screening.stopping.stoppers.quant import quant_estimate

ROOT = Path(__file__).resolve().parents[2]

# --- knee and budget ----------------------------------------------------------------------


def test_knee_point_and_slope_ratio_by_hand() -> None:
    # gain 1,2,3,3,4,4,4,4,4,4; line slope m = 4/10; |m x - relret(x)| =
    # .6, 1.2, 1.8, 1.4, 2.0, 1.6, 1.2, .8, .4, 0 -> knee at x = 5 (relret 4);
    # rho = (4/5) / ((1 + 4 - 4) / (10 - 5)) = 0.8 * 5 = 4.0.
    knee = gain_knee([1, 1, 1, 0, 1, 0, 0, 0, 0, 0])
    assert (knee.rank, knee.found_at_knee) == (5, 4)
    assert knee.rho == pytest.approx(4.0)


def test_knee_stops_when_rho_reaches_156_less_relret() -> None:
    # 10 relevant then 190 irrelevant: knee at 10, rho = (10/10) / (1/190) = 190;
    # threshold 156 - 10 = 146 <= 190 and s = 200 >= 150: stop.
    verdict = Knee().check(Run(labels=[1] * 10 + [0] * 190, total=2247))
    assert verdict.stop
    assert verdict.details["rho"] == pytest.approx(190.0)
    assert verdict.details["threshold"] == 146
    assert verdict.recall is None and verdict.assumption is Assumption.HEURISTIC
    assert "slope ratio reached 190.0 (threshold 146) after 200 of 2,247 records" in (
        verdict.sentence
    )


def test_knee_does_not_stop_below_the_threshold() -> None:
    # 10 relevant then 139 irrelevant: rho = 1 / (1/139) = 139 < 146.
    verdict = Knee().check(Run(labels=[1] * 10 + [0] * 139, total=2247))
    assert not verdict.stop
    assert verdict.details["rho"] == pytest.approx(139.0)
    assert "at least 150 records" in verdict.sentence


def test_knee_uses_relret_at_the_current_rank() -> None:
    # 100 relevant, 20 irrelevant, 1 relevant, then 49 irrelevant (s = 170):
    # relret(s) = 101 -> threshold 55; at the knee relret is 100 -> would be 56.
    labels = [1] * 100 + [0] * 20 + [1] + [0] * 49
    verdict = Knee().check(Run(labels=labels, total=1000))
    assert verdict.details["threshold"] == 55


def test_budget_needs_ten_n_over_relret_or_three_quarters() -> None:
    labels = [1] * 10 + [0] * 190  # rho 190 >= 6
    # 10 N / relret = 10 * 1000 / 10 = 1000 > 200 screened: not yet.
    assert not Budget().check(Run(labels=labels, total=1000)).stop
    # N = 200: 10 * 200 / 10 = 200 <= 200: stop.
    assert Budget().check(Run(labels=labels, total=200)).stop
    # Nothing relevant: only the 75% share can stop it (750 of 1000).
    assert not Budget().check(Run(labels=[0] * 749, total=1000)).stop
    assert Budget().check(Run(labels=[0] * 750, total=1000)).stop


# --- Quant and QuantCI -----------------------------------------------------------------------


def test_quant_estimate_and_variance_by_hand() -> None:
    # K = .9 + .8 + .1 = 1.8, U = .1 + .1 = .2, recall = 1.8 / 2 = 0.9.
    # v = .09, .16, .09 | .09, .09: all = .52, screened = .34.
    # Var = 1.8^2 / 2^4 * .52 + .34 / 2^2 = .2025 * .52 + .085 = .1903.
    run = Run(labels=[1, 1, 0], total=5, screened_probs=[0.9, 0.8, 0.1],
              unscreened_probs=[0.1, 0.1], target=0.85)  # fmt: skip
    est = quant_estimate(run)
    assert est.recall == pytest.approx(0.9)
    assert est.variance == pytest.approx(0.1903)
    assert Quant().check(run).stop  # 0.9 >= 0.85
    assert Quant().check(run).total_relevant == pytest.approx(2.0)  # K + U
    ci = QuantCI().check(run)
    # low = 0.9 - 2 * sqrt(.1903) = 0.9 - 0.87247 = 0.02753
    assert ci.low == pytest.approx(0.9 - 2 * math.sqrt(0.1903))
    assert not ci.stop


def test_quant_ci_stops_when_the_bound_reaches_the_target() -> None:
    # 100 screened at .99, 100 unscreened at .01: K = 99, U = 1, recall .99;
    # v = .0099 each: all 1.98, screened .99;
    # Var = 99^2 / 100^4 * 1.98 + .99 / 100^2 = 1.940598e-4 + 0.99e-4 = 2.930598e-4;
    # low = .99 - 2 * .0171190 = .955762 >= .95.
    run = Run(labels=[1] * 100, total=200, screened_probs=[0.99] * 100,
              unscreened_probs=[0.01] * 100, target=0.95)  # fmt: skip
    verdict = QuantCI().check(run)
    assert verdict.recall == pytest.approx(0.99)
    assert verdict.low == pytest.approx(0.955762, abs=1e-6)
    assert verdict.stop
    assert not QuantCI().check(Run(**{**_fields(run), "target": 0.96})).stop


def test_quant_refuses_a_run_without_probabilities() -> None:
    with pytest.raises(ValueError, match="probabilities"):
        Quant().check(Run(labels=[1, 0], total=10))


def _fields(run: Run) -> dict[str, object]:
    return {name: getattr(run, name) for name in Run.__dataclass_fields__}


# --- point process -----------------------------------------------------------------------------


def _from_rate(total: int, a: float, k: float) -> list[int]:
    """Labels whose running count follows the integral of min(1, a x^k): one per whole unit."""
    labels, cumulative, before = [], 0.0, 0
    for x in range(1, total + 1):
        cumulative += min(1.0, a * x**k)
        labels.append(int(cumulative) - before)
        before = int(cumulative)
    return labels


LABELS = _from_rate(5000, 1.0, -0.5)  # 139 relevant in all (about 2 sqrt(5000) - 2)


def test_power_integral_and_the_dynamic_minimum() -> None:
    # F(x) = a / (k + 1) (x^(k+1) - 1): a = 1, k = -.5 -> 2 (sqrt(100) - 1) = 18.
    assert power_integral(1.0, -0.5, 100) == pytest.approx(18.0)
    assert power_integral(2.0, -1.0, math.e) == pytest.approx(2.0)  # a ln x
    # N = 1000, steps of 25: 20, then int(m - step * m) after each step passed.
    steps = [min_relevant(n, 1000) for n in range(25, 400, 25)]
    assert steps == [20, 19, 18, 16, 14, 12, 10, 8, 6, 4, 3, 2, 1, 0, 0]


def test_point_process_estimates_the_total_of_a_power_law_ranking() -> None:
    assert sum(LABELS) == 139
    verdict = PointProcess().check(Run(labels=LABELS[:4000], total=5000, target=0.8))
    assert verdict.details["reason"] == "estimate"
    assert verdict.total_relevant == pytest.approx(139, rel=0.1)
    assert verdict.total_high is not None and verdict.total_high >= 139
    assert verdict.low is not None and verdict.recall is not None
    assert verdict.low == pytest.approx(125 / verdict.total_high)
    assert verdict.stop  # 0.8 * total_high <= 125 found
    assert "point-process rule" in verdict.sentence


def test_point_process_does_not_stop_early() -> None:
    # 61 of 139 found at 1,000 records: recall 44%.
    verdict = PointProcess().check(Run(labels=LABELS[:1000], total=5000, target=0.9))
    assert not verdict.stop
    assert verdict.total_high is not None and verdict.total_high > 139
    assert "short of the 90% target" in verdict.sentence


def test_point_process_guards() -> None:
    few = PointProcess().check(Run(labels=[1] * 5 + [0] * 45, total=1000))
    assert not few.stop and few.details["reason"] == "too few relevant"  # 5 < 20
    # 25 relevant then 475 irrelevant: the last 5 windows hold nothing. The reference
    # stopped there at once; here only the bound decides (a step is no power law).
    tail = PointProcess().check(Run(labels=[1] * 25 + [0] * 475, total=1000))
    assert not tail.stop and tail.details["reason"] == "poor fit"


def test_point_process_scores_fits_the_whole_ranking() -> None:
    n = 3000
    rest = LABELS[n:]
    probs = [0.9 if label else 0.2 for label in rest]  # 0.2 < 0.5 counts as 0
    run = Run(labels=LABELS[:n], total=5000, screened_probs=[0.5] * n, unscreened_probs=probs)
    assert PointProcessScores().rates(run)[n:] == [0.9 if label else 0.0 for label in rest]
    verdict = PointProcessScores().check(run)
    assert verdict.total_relevant == pytest.approx(139, rel=0.1)
    assert verdict.total_high is not None and verdict.total_high >= 139
    # Without scores the same prefix is fitted alone, and the estimate differs.
    plain = PointProcess().check(Run(labels=LABELS[:n], total=5000))
    assert plain.total_relevant != pytest.approx(verdict.total_relevant)


# --- certified ----------------------------------------------------------------------------------


def test_certified_matches_the_hypergeometric_test() -> None:
    ranked, sample = [1] * 40 + [0] * 300, [0] * 150
    verdict = Certified().check(Run(labels=ranked, total=2000, sample=sample))
    p = rules.hypergeometric_p(1660, 40, 150, 0, 0.95)
    assert verdict.details["p"] == p
    assert verdict.stop is (p < 0.05)
    assert format_p(p, 0.05) in verdict.sentence
    assert verdict.citation == rules.CITATION and verdict.assumption is Assumption.MODEL_FREE
    est = rules.estimate_recall(1660, 40, 150, 0, 0.95)
    assert est is not None and verdict.low == est.low


def test_certified_small_urn_by_hand() -> None:
    # 19 found, target .95: K_tar = floor(19/.95) + 1 = 21, so H0 puts 2 relevant in the
    # urn of 10. A clean sample of 8 of 10: p = C(8,8) C(2,0)... = C(8,8)/C(10,8) = 1/45.
    verdict = Certified().check(Run(labels=[1] * 19 + [0] * 21, total=50, sample=[0] * 8))
    assert verdict.details["p"] == pytest.approx(1 / 45)
    assert verdict.stop and "p = 0.022" in verdict.sentence
    # A sample of 5: p = C(8,5) / C(10,5) = 56 / 252 = 2/9: not yet.
    five = Certified().check(Run(labels=[1] * 19 + [0] * 21, total=50, sample=[0] * 5))
    assert five.details["p"] == pytest.approx(2 / 9) and not five.stop


def test_certified_without_a_sample_cannot_stop_and_a_full_screen_can() -> None:
    assert not Certified().check(Run(labels=[1, 0, 0], total=100)).stop
    assert Certified().check(Run(labels=[1, 0, 0], total=3)).stop


# --- registry --------------------------------------------------------------------------------


def test_registry_names_and_errors() -> None:
    assert list(STOPPERS) == [
        "certified", "knee", "budget", "point-process", "point-process-scores", "quant",
        "quant-ci",
    ]  # fmt: skip
    assert isinstance(stopper("quant-ci"), QuantCI)
    with pytest.raises(ValueError, match="knee, budget"):
        stopper("kneed")


def test_check_all_skips_rules_that_need_probabilities() -> None:
    run = Run(labels=[1] * 10 + [0] * 190, total=1000)
    assert set(check_all(run)) == {"certified", "knee", "budget", "point-process"}
    with pytest.raises(ValueError, match="quant"):
        check_all(run, ["knee", "quant"])
    probs = Run(**{**_fields(run), "screened_probs": [0.5] * 200,
                   "unscreened_probs": [0.1] * 800})  # fmt: skip
    assert set(check_all(probs)) == set(STOPPERS)
    assert set(check_all(probs, ["quant"])) == {"quant"}


def test_importing_the_rules_loads_neither_numpy_nor_scipy() -> None:
    script = (
        "import json, sys\n"
        "from screening.stopping.stoppers import Run, check_all\n"
        "check_all(Run(labels=[1] * 10 + [0] * 190, total=1000, sample=[0] * 50), "
        "['certified', 'knee', 'budget'])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'scipy'})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_window_fit_recovers_the_power_law_that_made_the_ranking() -> None:
    # LABELS come from the rate x^-0.5; fitting each window's mean rate (not the
    # rate at the window's start, as the reference code did) gets k back.
    for n in (1000, 3000):
        verdict = PointProcess().check(Run(labels=LABELS[:n], total=5000))
        assert verdict.details["k"] == pytest.approx(-0.5, abs=0.05)
        assert verdict.total_relevant == pytest.approx(139, rel=0.05)


def test_scores_never_read_a_zero_tail_of_predictions_as_an_empty_tail() -> None:
    # Relevant records keep arriving in the screened part; the classifier puts every
    # unscreened record below 0.5. The whole-ranking windows' second half is then
    # all zero, which must not count as "no relevant record lately".
    n = 1000
    run = Run(labels=LABELS[:n], total=5000, unscreened_probs=[0.1] * (5000 - n))
    verdict = PointProcessScores().check(run)
    assert verdict.details["reason"] != "empty tail"
    assert not verdict.stop
