"""A compact plain-text PRISMA flow for the TUI dashboard, redrawn live.

The terminal cannot show the full two-column template legibly, so this
folds it into one flow: each stage's main box (databases and registers,
with other methods added as a line when they contributed) and, when the
terminal is wide enough, its exclusion box to the right. Below
``SIDE_BY_SIDE`` columns the exclusions move under their stage as an
indented box under it, a vertical list. Every line is at most ``width`` characters.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from review.reports.prisma.content import Box, diagram_boxes, has_previous

SIDE_BY_SIDE = 72
MAX_WIDTH = 110
ARROW = " ──▶ "

# (main box, other-methods box folded into it, exclusion box, other-methods exclusion)
STAGES: tuple[tuple[str, str | None, str | None, str | None], ...] = (
    ("dbr_identified", "other_identified", "dbr_removed", None),
    ("dbr_screened", None, "dbr_screen_excluded", None),
    ("dbr_sought", "other_sought", "dbr_notretrieved", "other_notretrieved"),
    ("dbr_assessed", "other_assessed", "dbr_excluded", "other_excluded"),
    ("included", None, None, None),
    ("total", None, None, None),
)


def _texts(box: Box | None, folded: bool = False) -> list[str]:
    """A box's lines; a folded other-methods box goes under its own heading."""
    if box is None:
        return []
    lines = [("  " if item.indent else "") + item.text for item in box.items]
    if not folded:
        return lines
    kept = [line for line, item in zip(lines, box.items, strict=True) if not item.heading]
    return ["Other methods:", *("  " + line for line in kept)]


def _other_contributed(box: Box | None) -> bool:
    """Fold an other-methods box in only when it has a count that is not 0."""
    if box is None:
        return False
    return any(_positive(item.value) for item in box.items if not item.heading)


def _positive(value: object) -> bool:
    """A shown count above 0 ("hidden (blind screening)" and "0" are not)."""
    text = str(value or "").replace(",", "")
    return text.isdigit() and int(text) > 0


def _framed(texts: list[str], width: int) -> list[str]:
    """A box-drawing frame ``width`` characters wide around wrapped ``texts``."""
    inner = max(1, width - 4)
    body: list[str] = []
    for text in texts:
        lead = len(text) - len(text.lstrip(" "))
        wrapped = textwrap.wrap(
            text.strip(),
            max(1, inner - lead),
            break_long_words=True,
            break_on_hyphens=False,
        )
        body += [" " * lead + part for part in wrapped or [""]]
    top = "┌" + "─" * (width - 2) + "┐"
    bottom = "└" + "─" * (width - 2) + "┘"
    return [top, *("│ " + line.ljust(inner) + " │" for line in body), bottom]


def _pad(lines: list[str], height: int, width: int) -> list[str]:
    return lines + [" " * width] * (height - len(lines))


def _stage_texts(
    boxes: Mapping[str, Box], stage: tuple[str, str | None, str | None, str | None]
) -> tuple[list[str], list[str]]:
    main, other, side, other_side = stage
    main_texts = _texts(boxes.get(main))
    side_texts = _texts(boxes.get(side)) if side else []
    other_box = boxes.get(other) if other else None
    if _other_contributed(other_box):
        main_texts += _texts(other_box, folded=True)
        side_texts += _texts(boxes.get(other_side) if other_side else None, folded=True)
    return main_texts, side_texts


def text_diagram(data: Mapping[str, Any], width: int) -> list[str]:
    """The flow as lines no longer than ``width``; side by side when wide enough."""
    width = max(8, min(width, MAX_WIDTH))
    boxes = diagram_boxes(data)
    if not has_previous(data):
        boxes.pop("total", None)
    stages = [s for s in STAGES if s[0] in boxes]
    out: list[str] = []
    wide = width >= SIDE_BY_SIDE
    left_w = (width - len(ARROW)) // 2 if wide else width
    right_w = width - len(ARROW) - left_w
    for index, stage in enumerate(stages):
        main_texts, side_texts = _stage_texts(boxes, stage)
        if index:
            out.append(" " * (left_w // 2) + "│")
            out.append(" " * (left_w // 2) + "▼")
        left = _framed(main_texts, left_w)
        if wide and side_texts:
            right = _framed(side_texts, right_w)
            height = max(len(left), len(right))
            left, right = _pad(left, height, left_w), _pad(right, height, right_w)
            for row, (a, b) in enumerate(zip(left, right, strict=True)):
                joint = ARROW if row == 1 else " " * len(ARROW)
                out.append((a + joint + b).rstrip())
        else:
            out += left
            if side_texts:
                out += ["  " + line for line in _framed(side_texts, width - 2)]
    return out
