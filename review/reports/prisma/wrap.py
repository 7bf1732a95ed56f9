"""Word wrapping by estimated text width, for SVG boxes that must hold their text.

SVG has no text flow, so lines are broken here, before drawing. The widths
are generous per-character estimates (em fractions) for Arial's metric
clones and for the wider DejaVu Sans that ``sans-serif`` falls back to on
Linux: a line judged to fit here fits in either font, which the browser
test checks with ``getBBox``. Estimating keeps the output deterministic and
free of any font-measuring dependency.
"""

from __future__ import annotations

import re

# "(n = 1432)" and "n = 120" stay whole, so a count is never split from its "n =".
_TOKEN = re.compile(r"\(n = [^)\s]*\)[^\s]*|n = \S+|\S+")
_NARROW = set("iljtfrI.,:;'|!()[]-\u00a0 ")
_WIDE = set("mwMW@%")
_DIGITS = set("0123456789")
BOLD_FACTOR = 1.1


def char_em(ch: str) -> float:
    """Estimated advance width of ``ch`` in em (font size units)."""
    if ch == " ":
        return 0.33
    if ch in _NARROW:
        return 0.4
    if ch in _WIDE:
        return 1.0
    if ch in _DIGITS:
        return 0.62
    if ch.isupper():
        return 0.76
    if ord(ch) > 0x2000:
        return 1.0
    return 0.6


def text_width(text: str, font_size: float, bold: bool = False) -> float:
    """Estimated width of ``text`` in user units at ``font_size``."""
    width = sum(char_em(ch) for ch in text) * font_size
    return width * BOLD_FACTOR if bold else width


def _split_word(word: str, max_width: float, font_size: float, bold: bool) -> list[str]:
    """Break a word longer than a line (a URL, a long database name) by characters."""
    parts: list[str] = []
    current = ""
    for ch in word:
        if current and text_width(current + ch, font_size, bold) > max_width:
            parts.append(current)
            current = ch
        else:
            current += ch
    if current:
        parts.append(current)
    return parts


def wrap(text: str, max_width: float, font_size: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` each estimated to fit within ``max_width`` user units."""
    lines: list[str] = []
    current = ""
    for word in _TOKEN.findall(text):
        pieces = (
            _split_word(word, max_width, font_size, bold)
            if text_width(word, font_size, bold) > max_width
            else [word]
        )
        for piece in pieces:
            candidate = f"{current} {piece}" if current else piece
            if current and text_width(candidate, font_size, bold) > max_width:
                lines.append(current)
                current = piece
            else:
                current = candidate
    if current:
        lines.append(current)
    return lines or [""]
