"""Inter-rater agreement: percent agreement, Cohen's kappa, Gwet's AC1 and PABAK.

Screening data are skewed (most records are excluded), where kappa drops
even at high agreement (the "kappa paradox") and is undefined when both
reviewers used one label only; Gwet's AC1 and PABAK stay meaningful there,
so all are reported.

Two schemes: two categories, where maybe counts as include (at title/abstract
both send a study on to full text, the same rule that makes include vs maybe
no conflict), and three categories (include, exclude, maybe as they were).
Pairs are the groups two reviewers both decided; the stage figure pools every
reviewer pair's groups (with two reviewers per record, it is that pair's).

Formulas for two raters, ``n`` items, categories ``k`` (K of them), ``p_o``
the share of items with the same label, ``a_k``/``b_k`` each rater's share
of label k:

- kappa = (p_o - p_e) / (1 - p_e), p_e = sum a_k * b_k; undefined (None) when
  p_e = 1, i.e. both raters gave every item the same single label;
- AC1 = (p_o - p_e) / (1 - p_e), p_e = sum pi_k * (1 - pi_k) / (K - 1),
  pi_k = (a_k + b_k) / 2 (Gwet 2008); defined for any n > 0;
- PABAK = (K * p_o - 1) / (K - 1) (Byrt, Bishop and Carlin 1993).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from protocols.vocabulary import LABELS, Label, Stage
from screening import blind
from screening.blind import Viewer

TWO: tuple[Label, ...] = (Label.INCLUDE, Label.EXCLUDE)
THREE: tuple[Label, ...] = LABELS


def binary(label: str) -> str:
    """Map a label to the two-category scheme: maybe counts as include."""
    return "exclude" if label == "exclude" else "include"


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of two raters over ``n`` items (None where undefined).

    Attributes:
        n: Items both raters labelled.
        categories: K, the number of categories of the scheme.
        observed: Proportion of items with the same label (0-1).
        kappa: Cohen's kappa.
        ac1: Gwet's AC1.
        pabak: Prevalence- and bias-adjusted kappa.
    """

    n: int
    categories: int
    observed: float | None
    kappa: float | None
    ac1: float | None
    pabak: float | None

    @property
    def percent(self) -> float | None:
        """Percent agreement (0-100)."""
        return None if self.observed is None else 100 * self.observed

    def as_dict(self) -> dict[str, Any]:
        """Return the figures for JSON, rounded to 4 decimals."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "n": self.n,
            "categories": self.categories,
            "percent": r(self.percent),
            "kappa": r(self.kappa),
            "ac1": r(self.ac1),
            "pabak": r(self.pabak),
        }


def measure(pairs: Sequence[tuple[str, str]], categories: Sequence[str] = TWO) -> Agreement:
    """Return agreement for ``(label a, label b)`` pairs over the given categories.

    Raises:
        ValueError: for a label outside ``categories`` or fewer than two categories.
    """
    return measure_table(Counter(pairs), categories)


def measure_table(table: Mapping[tuple[str, str], int], categories: Sequence[str]) -> Agreement:
    """Return agreement from a contingency table ``{(label a, label b): items}``.

    Raises:
        ValueError: for a label outside ``categories`` or fewer than two categories.
    """
    k = len(categories)
    if k < 2:
        raise ValueError("agreement needs at least two categories")
    n = sum(table.values())
    if n == 0:
        return Agreement(0, k, None, None, None, None)
    index = {c: i for i, c in enumerate(categories)}
    a = [0] * k
    b = [0] * k
    same = 0
    for (x, y), count in table.items():
        if x not in index or y not in index:
            raise ValueError(f"label outside {tuple(categories)}: {x!r}, {y!r}")
        a[index[x]] += count
        b[index[y]] += count
        same += count if x == y else 0
    p_o = same / n
    p_e_kappa = sum(a[i] * b[i] for i in range(k)) / (n * n)
    kappa = None if abs(1 - p_e_kappa) < 1e-12 else (p_o - p_e_kappa) / (1 - p_e_kappa)
    pi = [(a[i] + b[i]) / (2 * n) for i in range(k)]
    p_e_ac1 = sum(p * (1 - p) for p in pi) / (k - 1)
    ac1 = (p_o - p_e_ac1) / (1 - p_e_ac1)
    pabak = (k * p_o - 1) / (k - 1)
    return Agreement(n, k, p_o, kappa, ac1, pabak)


def measure_both(pairs: Sequence[tuple[str, str]]) -> tuple[Agreement, Agreement]:
    """Return (two-category, three-category) agreement for label pairs."""
    return _both(Counter(pairs))


def _both(table: Mapping[tuple[str, str], int]) -> tuple[Agreement, Agreement]:
    two: Counter[tuple[str, str]] = Counter()
    for (x, y), count in table.items():
        two[(binary(x), binary(y))] += count
    return measure_table(two, TWO), measure_table(table, THREE)


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Agreement of one reviewer pair at a stage."""

    reviewer_a: str
    reviewer_b: str
    two: Agreement
    three: Agreement


@dataclass(frozen=True, slots=True)
class StageAgreement:
    """Agreement at a stage: all pairs pooled, and per reviewer pair."""

    stage: Stage
    two: Agreement
    three: Agreement
    pairs: list[PairAgreement]

    def as_dict(self) -> dict[str, Any]:
        """Return the figures for JSON."""
        return {
            "two_categories": self.two.as_dict(),
            "three_categories": self.three.as_dict(),
            "pairs": [
                {
                    "reviewers": [p.reviewer_a, p.reviewer_b],
                    "two_categories": p.two.as_dict(),
                    "three_categories": p.three.as_dict(),
                }
                for p in self.pairs
            ],
        }


def stage_agreement(db: Database, who: Viewer, stage: Stage) -> StageAgreement | None:
    """Return agreement at a stage, or None while the stage is blind to the viewer."""
    tallies = blind.tallies(db, who, stage)
    if tallies is None:
        return None
    by_pair: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    pooled: Counter[tuple[str, str]] = Counter()
    for ra, rb, la, lb, count in tallies.pair_tables():
        by_pair.setdefault((ra, rb), Counter())[(la, lb)] += count
        pooled[(la, lb)] += count
    two, three = _both(pooled)
    pairs = [PairAgreement(ra, rb, *_both(table)) for (ra, rb), table in sorted(by_pair.items())]
    return StageAgreement(stage, two, three, pairs)
