"""p values written with the digits that matter: the one formatter of the stopping reports."""

from __future__ import annotations

import math
from collections.abc import Iterable

#: Thresholds a printed p value must never appear to reach or cross by rounding.
P_THRESHOLDS = (0.05, 0.01, 0.001)


def format_p(p: float, alpha: float | None = None) -> str:
    """Write a p value with the digits that matter: ``p = 0.0012``, ``p < 0.0001``.

    Two significant digits, more (up to six) where rounding would make the
    value reach or cross 0.05, 0.01, 0.001 or ``alpha``: 0.04997 prints as
    ``p = 0.04997``, never ``p = 0.050``; 0.0503 as ``p = 0.0503``; trailing
    zeros dropped (``p = 0.05`` only for exactly 0.05); never ``p = 1`` below 1.
    """
    if math.isnan(p):
        return "p not computed"
    if p < 0.0001:
        return "p < 0.0001"
    if p >= 1.0:
        return "p = 1"
    if p > 0.9999:
        return "p > 0.9999"
    # 1 - 0.975 is 0.025000000000000022: compare with the alpha a person set.
    thresholds = [1.0, *P_THRESHOLDS, *([] if alpha is None else [round(alpha, 12)])]
    exponent = math.floor(math.log10(p))
    for digits in range(2, 7):
        text = f"{p:.{max(0, digits - 1 - exponent)}f}"
        if _same_side(p, float(text), thresholds):
            break
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"p = {text}"


def _same_side(p: float, shown: float, thresholds: Iterable[float]) -> bool:
    """Whether ``shown`` lies on the same side of every threshold as ``p`` (never on one)."""
    return all(p == t or (p < t) == (shown < t) and shown != t for t in thresholds)
