"""The pure-Python hypergeometric distribution, and a status path free of scipy and numpy.

``screening.stopping.hypergeom`` replaced ``scipy.stats.hypergeom`` so that ``review
status`` starts within its 0.3 s budget. These tests hold it to scipy (the
reference it replaced) and to exact rational arithmetic (the ground truth), deep
in the tails included, and check in a fresh interpreter that the stopping
figures load neither scipy nor numpy.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from fractions import Fraction
from math import comb
from pathlib import Path

import pytest

from screening.stopping import hypergeom

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("pmf", "cdf", "sf")


def _grid() -> list[tuple[int, int, int, int]]:
    """``(k, population, successes, draws)``: small to 100k records, edges and tails."""
    cases = set()
    for pop in (1, 2, 5, 10, 37, 100, 1000, 2333, 10_000, 100_000):
        for good in {0, 1, 2, 6, pop // 10, pop // 2, pop - 1, pop}:
            for draws in {0, 1, 3, pop // 7, pop // 2, pop - 1, pop}:
                if not (0 <= good <= pop and 0 <= draws <= pop):
                    continue
                low, high = hypergeom.support(pop, good, draws)
                mode = (good + 1) * (draws + 1) // (pop + 2)
                for k in {low - 1, low, low + 1, low + 3, mode, high - 3, high - 1, high, high + 1}:
                    cases.add((k, pop, good, draws))
    return sorted(cases)


def _close(got: float, want: float) -> bool:
    """Relative 1e-9; values scipy itself gives as (sub)normal dust compare absolutely."""
    if want < 1e-290:
        return got < 1e-290
    return abs(got - want) <= 1e-9 * want


def test_matches_scipy_over_a_grid_with_extreme_tails() -> None:
    stats = pytest.importorskip("scipy.stats")
    bad = []
    tails = 0
    for k, pop, good, draws in _grid():
        for name in FUNCTIONS:
            got = getattr(hypergeom, name)(k, pop, good, draws)
            want = float(getattr(stats.hypergeom, name)(k, pop, good, draws))
            tails += 0.0 < want < 1e-100
            if not _close(got, want):
                bad.append((name, k, pop, good, draws, got, want))
    assert not bad, bad[:5]
    assert tails > 20  # the grid does reach far into the tails


@pytest.mark.parametrize(
    ("name", "k", "pop", "good", "draws"),
    [
        ("cdf", 3, 1000, 500, 500),  # ~1.6e-285: a lower tail 280 orders below 1
        ("sf", 497, 1000, 500, 500),  # ~5.8e-290: the matching upper tail
        ("sf", 97, 1000, 100, 142),  # ~6e-98, summed directly, never as 1 - cdf
        ("cdf", 0, 100_000, 6, 5_000),  # the stopping rule's usual call
        ("sf", 0, 100_000, 90_000, 5_000),  # the recall bound's usual call, k - 1 = 0
    ],
)
def test_extreme_tails_match_scipy(name: str, k: int, pop: int, good: int, draws: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    want = float(getattr(stats.hypergeom, name)(k, pop, good, draws))
    assert getattr(hypergeom, name)(k, pop, good, draws) == pytest.approx(want, rel=1e-9)


def _exact(name: str, k: int, pop: int, good: int, draws: int) -> Fraction:
    low, high = max(0, draws - (pop - good)), min(good, draws)
    counts = range(k, k + 1) if name == "pmf" else range(low, k + 1)
    if name == "sf":
        counts = range(k + 1, high + 1)
    hits = sum(comb(good, i) * comb(pop - good, draws - i) for i in counts if low <= i <= high)
    return Fraction(hits, comb(pop, draws))


def test_matches_exact_rational_arithmetic() -> None:
    rng = random.Random(7)
    for _ in range(600):
        pop = rng.choice([rng.randint(1, 40), rng.randint(40, 1500)])
        good, draws = rng.randint(0, pop), rng.randint(0, pop)
        low, high = hypergeom.support(pop, good, draws)
        k = rng.randint(low - 1, high + 1)
        for name in FUNCTIONS:
            want = _exact(name, k, pop, good, draws)
            got = getattr(hypergeom, name)(k, pop, good, draws)
            assert abs(Fraction(got) - want) <= Fraction(1, 10**12) * want, (name, k, pop)


def test_degenerate_distributions_are_exact() -> None:
    assert hypergeom.pmf(0, 1_000_000, 0, 3) == 1.0  # nothing relevant: 0 found for sure
    assert hypergeom.pmf(5, 10, 5, 10) == 1.0  # the whole urn drawn
    assert hypergeom.cdf(0, 10, 3, 0) == 1.0 and hypergeom.sf(0, 10, 3, 0) == 0.0
    assert hypergeom.cdf(-1, 10, 3, 4) == 0.0 and hypergeom.sf(-1, 10, 3, 4) == 1.0


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError, match="population"):
        hypergeom.cdf(0, 10, 11, 2)
    with pytest.raises(ValueError, match="population"):
        hypergeom.pmf(0, 10, 2, 11)


_PURE = """
import json, sys
from screening import stopping
report = stopping.assess(2000, [1] * 40 + [0] * 300, [0] * 150, sample_size=200)
json.dumps(report.to_json())
stopping.hypergeometric_p(1500, 100, 400, 1)
stopping.required_sample(1500, 100)
stopping.estimate_recall(1500, 100, 400, 1)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "numpy"})))
"""

_STATUS = """
import json, sys
from pathlib import Path
from screening import progress, stopping
from screening.blind import viewer
from screening.decide import add_reviewer, decide
from tests.screening_support import make_review
db, groups = make_review(Path(sys.argv[1]), 30)
add_reviewer(db, "lead", "lead")
lead = viewer(db, "lead", blind=False, required=1)
for i, group in enumerate(groups[:12]):
    decide(db, lead, group, "title_abstract", "include" if i % 4 == 0 else "exclude")
stopping.draw_sample(db, lead, "title_abstract", seed="1")
json.dumps(stopping.stage_json(db, lead, "title_abstract"))
json.dumps(progress.progress(db, lead).to_json())
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "numpy"})))
"""


def _heavy_modules(script: str, *args: str) -> list[str]:
    """Run ``script`` in a fresh interpreter; return which of scipy and numpy it loaded."""
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_stopping_figures_load_neither_scipy_nor_numpy() -> None:
    assert _heavy_modules(_PURE) == []


def test_status_figures_from_a_review_do_not_load_scipy(tmp_path: Path) -> None:
    # numpy may be there: sqlite_utils imports it whenever it is installed.
    assert "scipy" not in _heavy_modules(_STATUS, str(tmp_path / "rev"))
