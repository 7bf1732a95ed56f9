"""The hypergeometric distribution in pure Python, for the stopping rule.

It replaces ``scipy.stats.hypergeom``, whose import (with numpy) would blow
``review status``'s 0.3 s budget; this module imports only :mod:`math`.

Parameters follow scipy's order and meaning, so a call reads the same as
``hypergeom.cdf(k, M, n, N)``: ``population`` (M) records, ``successes`` (n)
of them relevant, a sample of ``draws`` (N) without replacement; ``k``
relevant records in the sample. Bad parameters raise :class:`ValueError`.

Accuracy: relative error ~1e-13 typically, ~1e-11 at worst near the edges of
the support at 100k records, deep in the tails included (Loader's saddle-point
density, tails summed outwards from their inner end, never ``1 - (nearly 1)``).
``tests/unit/test_hypergeom.py`` holds it to scipy and to exact fractions. How it
works: ``docs/methods/stopping.md``.
"""

from __future__ import annotations

import math

_LN_SQRT_2PI = 0.5 * math.log(2 * math.pi)
#: Stop a tail sum once the remainder is below this share of it (below 1 ulp).
_NEGLIGIBLE = 2.0**-60


def _stirlerr(n: int) -> float:
    """Return ``log(n!) - log(sqrt(2 pi n) (n/e)^n)``, Stirling's error, for n >= 1.

    Small n: from ``lgamma`` (the value is small, so its absolute error, which
    is what enters the log-density, stays at ~1e-15). Larger n: Loader's series.
    """
    if n <= 15:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LN_SQRT_2PI
    s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
    nn = float(n) * n
    if n > 500:
        return (s0 - s1 / nn) / n
    if n > 80:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


def _bd0(x: float, mean: float) -> float:
    """Return the deviance ``x log(x / mean) + mean - x`` without cancellation near x = mean."""
    if abs(x - mean) < 0.1 * (x + mean):
        v = (x - mean) / (x + mean)
        total = (x - mean) * v
        term = 2 * x * v
        v *= v
        j = 1
        while True:
            term *= v
            nxt = total + term / (2 * j + 1)
            if nxt == total:
                return nxt
            total = nxt
            j += 1
    return x * math.log(x / mean) + mean - x


def _log_binom(x: int, n: int, p: float, q: float) -> float:
    """Return log P(Bin(n, p) = x) with ``q = 1 - p`` given separately (exactness at the ends)."""
    if p == 0.0:
        return 0.0 if x == 0 else -math.inf
    if q == 0.0:
        return 0.0 if x == n else -math.inf
    if x < 0 or x > n:
        return -math.inf
    if x == 0:
        return 0.0 if n == 0 else (-_bd0(n, n * q) - n * p if p < 0.1 else n * math.log(q))
    if x == n:
        return -_bd0(n, n * p) - n * q if q < 0.1 else n * math.log(p)
    deviance = _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, n * p) - _bd0(n - x, n * q)
    return deviance - 0.5 * (2 * _LN_SQRT_2PI + math.log(x) + math.log1p(-x / n))


def _check(population: int, successes: int, draws: int) -> None:
    if population < 0 or not 0 <= successes <= population or not 0 <= draws <= population:
        raise ValueError(
            f"hypergeometric: need 0 <= successes ({successes}) and draws ({draws}) "
            f"<= population ({population})"
        )


def support(population: int, successes: int, draws: int) -> tuple[int, int]:
    """Return the smallest and largest possible ``k``."""
    _check(population, successes, draws)
    return max(0, draws - (population - successes)), min(successes, draws)


def logpmf(k: int, population: int, successes: int, draws: int) -> float:
    """Return log P(X = k); ``-inf`` outside the support.

    Loader's identity: the hypergeometric probability is
    ``Bin(successes, p)(k) * Bin(failures, p)(draws - k) / Bin(population, p)(draws)``
    for any p; ``p = draws / population`` keeps all three near their modes.
    """
    low, high = support(population, successes, draws)
    if k < low or k > high:
        return -math.inf
    if draws == 0 or draws == population:
        return 0.0
    p = draws / population
    q = (population - draws) / population
    failures = population - successes
    return (
        _log_binom(k, successes, p, q)
        + _log_binom(draws - k, failures, p, q)
        - _log_binom(draws, population, p, q)
    )


def pmf(k: int, population: int, successes: int, draws: int) -> float:
    """Return P(X = k)."""
    return math.exp(logpmf(k, population, successes, draws))


def _mode(population: int, successes: int, draws: int) -> int:
    return (successes + 1) * (draws + 1) // (population + 2)


def _log_tail(k: int, population: int, successes: int, draws: int, upward: bool) -> float:
    """Return log of the sum of P(X = i) from ``k`` away from the mode to the support's end.

    ``k`` must lie in the support on the far side of the mode (terms fall from it).
    """
    low, high = support(population, successes, draws)
    rest = population - successes - draws
    total = term = 1.0
    i = k
    while (i < high) if upward else (i > low):
        if upward:
            ratio = (successes - i) * (draws - i) / ((i + 1) * (rest + i + 1))
            i += 1
        else:
            ratio = i * (rest + i) / ((successes - i + 1) * (draws - i + 1))
            i -= 1
        term *= ratio
        total += term
        # Later ratios are smaller (log-concavity): the rest is below term * r / (1 - r).
        if ratio < 1.0 and term * ratio < _NEGLIGIBLE * total * (1.0 - ratio):
            break
    return logpmf(k, population, successes, draws) + math.log(total)


def cdf(k: int, population: int, successes: int, draws: int) -> float:
    """Return P(X <= k)."""
    low, high = support(population, successes, draws)
    if k < low:
        return 0.0
    if k >= high:
        return 1.0
    if k < _mode(population, successes, draws):
        return min(1.0, math.exp(_log_tail(k, population, successes, draws, upward=False)))
    return max(0.0, 1.0 - math.exp(_log_tail(k + 1, population, successes, draws, upward=True)))


def sf(k: int, population: int, successes: int, draws: int) -> float:
    """Return P(X > k), summed directly where it is small (not as ``1 - cdf``)."""
    low, high = support(population, successes, draws)
    if k < low:
        return 1.0
    if k >= high:
        return 0.0
    if k + 1 > _mode(population, successes, draws):
        return min(1.0, math.exp(_log_tail(k + 1, population, successes, draws, upward=True)))
    return max(0.0, 1.0 - math.exp(_log_tail(k, population, successes, draws, upward=False)))
