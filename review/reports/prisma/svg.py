"""The PRISMA 2020 flow diagram as a standalone SVG 1.1 document.

Layout follows the official template for new reviews that searched
databases, registers and other sources: blue rotated phase bars on the
left, an optional previous-studies column, then the databases-and-registers
and other-methods columns, each a main box with its exclusion box to the
right. Rows take the height of their tallest wrapped box.

The SVG is built as plain strings with every text XML-escaped
(``xml.sax.saxutils``) rather than through a drawing library: no new
dependency, and the output is byte-for-byte deterministic (fixed number
formatting, no ids or timestamps that vary), so it can be diffed and
committed. Width and height are in millimetres, scaled to fit A4 portrait
inside 180 x 267 mm; there are no external fonts, images or scripts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from review.reports.prisma.content import HEADERS, PHASES, Box, diagram_boxes, has_previous
from review.reports.prisma.wrap import text_width, wrap

FONT = 11.0
LINE = 14.0
PAD = 7.0
INDENT = 10.0
MARGIN = 8.0
BAR_W = 26.0
BAR_GAP = 12.0
BOX_W = 150.0
PREV_W = 140.0
ARROW_GAP = 28.0
COL_GAP = 22.0
ROW_GAP = 22.0
MAX_MM = (180.0, 267.0)

FILL = {"box": "#ffffff", "dbr": "#ffc000", "other": "#d9d9d9", "previous": "#d9d9d9"}
BAR_FILL = "#9dc3e6"
FONT_FAMILY = "Arial, Helvetica, sans-serif"

ROWS = ("header", "ident", "screened", "sought", "assessed", "included")

# Box key -> (row, column slot); slots are resolved to x positions by _columns.
PLACES = {
    "previous": ("ident", "prev"),
    "dbr_identified": ("ident", "dbr_l"),
    "dbr_removed": ("ident", "dbr_r"),
    "other_identified": ("ident", "oth_l"),
    "dbr_screened": ("screened", "dbr_l"),
    "dbr_screen_excluded": ("screened", "dbr_r"),
    "dbr_sought": ("sought", "dbr_l"),
    "dbr_notretrieved": ("sought", "dbr_r"),
    "other_sought": ("sought", "oth_l"),
    "other_notretrieved": ("sought", "oth_r"),
    "dbr_assessed": ("assessed", "dbr_l"),
    "dbr_excluded": ("assessed", "dbr_r"),
    "other_assessed": ("assessed", "oth_l"),
    "other_excluded": ("assessed", "oth_r"),
    "included": ("included", "dbr_l"),
    "total": ("included", "prev"),
}


@dataclass(frozen=True)
class Line:
    """One drawn line of text, its x offset inside the box and its weight."""

    text: str
    indent: float
    bold: bool


@dataclass(frozen=True)
class Rect:
    """A placed rectangle in user units."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        """Right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """Bottom edge."""
        return self.y + self.h


def _num(value: float) -> str:
    """Fixed, short number formatting so the output never varies."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _lines(box: Box, width: float) -> list[Line]:
    """Wrap every item of a box to the box's inner width."""
    inner = width - 2 * PAD
    out: list[Line] = []
    for item in box.items:
        indent = INDENT if item.indent else 0.0
        for text in wrap(item.text, inner - indent, FONT, bold=item.heading):
            out.append(Line(text, indent, item.heading))
    return out


def _text_height(count: int) -> float:
    return count * LINE + 2 * PAD


def _bar_length(label: str) -> float:
    """Least length of a phase bar so its rotated label fits inside it."""
    return text_width(label, FONT, bold=True) + 2 * PAD


def _columns(previous: bool) -> tuple[dict[str, tuple[float, float]], float]:
    """x and width of every column slot, and the drawing's total width."""
    x = MARGIN + BAR_W + BAR_GAP
    slots: dict[str, tuple[float, float]] = {}
    if previous:
        slots["prev"] = (x, PREV_W)
        x += PREV_W + COL_GAP
    for name in ("dbr", "oth"):
        slots[f"{name}_l"] = (x, BOX_W)
        slots[f"{name}_r"] = (x + BOX_W + ARROW_GAP, BOX_W)
        x += 2 * BOX_W + ARROW_GAP + COL_GAP
    return slots, x - COL_GAP + MARGIN


def _header_cells(slots: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    cells: dict[str, tuple[float, float]] = {}
    if "prev" in slots:
        cells["previous"] = slots["prev"]
    for name, key in (("dbr", "dbr"), ("oth", "other")):
        left, _ = slots[f"{name}_l"]
        right, width = slots[f"{name}_r"]
        cells[key] = (left, right + width - left)
    return cells


@dataclass
class Layout:
    """Everything placed: boxes with their lines, headers, phase bars, size."""

    boxes: dict[str, tuple[Rect, list[Line]]]
    headers: dict[str, tuple[Rect, list[Line]]]
    rows: dict[str, tuple[float, float]]
    width: float
    height: float


def layout(data: Mapping[str, Any]) -> Layout:
    """Place every box: wrap text, size rows to their tallest box, stack rows."""
    previous = has_previous(data)
    slots, width = _columns(previous)
    boxes = diagram_boxes(data)
    wrapped = {
        key: (_lines(box, slots[PLACES[key][1]][1]), PLACES[key]) for key, box in boxes.items()
    }
    header_cells = _header_cells(slots)
    header_lines = {
        key: [Line(t, 0.0, True) for t in wrap(HEADERS[key], w - 2 * PAD, FONT, bold=True)]
        for key, (_, w) in header_cells.items()
    }
    heights: dict[str, float] = {row: 0.0 for row in ROWS}
    heights["header"] = max(_text_height(len(lines)) for lines in header_lines.values())
    for lines, (row, _) in wrapped.values():
        heights[row] = max(heights[row], _text_height(len(lines)))
    ident, screen, incl = PHASES
    heights["ident"] = max(heights["ident"], _bar_length(ident))
    heights["included"] = max(heights["included"], _bar_length(incl))
    spanned = heights["screened"] + heights["sought"] + heights["assessed"] + 2 * ROW_GAP
    heights["screened"] += max(0.0, _bar_length(screen) - spanned)
    rows: dict[str, tuple[float, float]] = {}
    y = MARGIN
    for row in ROWS:
        rows[row] = (y, heights[row])
        y += heights[row] + ROW_GAP
    placed = {}
    for key, (lines, (row, slot)) in wrapped.items():
        x, w = slots[slot]
        ry, rh = rows[row]
        placed[key] = (Rect(x, ry, w, rh), lines)
    hy, hh = rows["header"]
    headers = {k: (Rect(x, hy, w, hh), header_lines[k]) for k, (x, w) in header_cells.items()}
    return Layout(placed, headers, rows, width, y - ROW_GAP + MARGIN)


def _text_block(rect: Rect, lines: list[Line], anchor_middle: bool) -> list[str]:
    """``<text>`` elements for lines, vertically centred in ``rect``."""
    top = rect.y + (rect.h - len(lines) * LINE) / 2
    out = []
    for i, line in enumerate(lines):
        baseline = top + i * LINE + LINE * 0.75
        weight = ' font-weight="bold"' if line.bold else ""
        if anchor_middle:
            x, anchor = rect.cx, ' text-anchor="middle"'
        else:
            x, anchor = rect.x + PAD + line.indent, ""
        out.append(
            f'<text x="{_num(x)}" y="{_num(baseline)}"{anchor}{weight}>{escape(line.text)}</text>'
        )
    return out


def _box(key: str, rect: Rect, lines: list[Line], fill: str, centred: bool) -> list[str]:
    return [
        f'<g class="box" id={quoteattr("prisma-" + key)}>',
        f'<rect x="{_num(rect.x)}" y="{_num(rect.y)}" width="{_num(rect.w)}" '
        f'height="{_num(rect.h)}" rx="3" fill="{fill}" stroke="#000000" stroke-width="1"/>',
        *_text_block(rect, lines, centred),
        "</g>",
    ]


def _phase_bar(label: str, top: float, bottom: float) -> list[str]:
    """A blue rounded bar with its label rotated to read bottom-up, as in the template.

    The rect is drawn inside the rotated group too, so text and rect share
    one user space and ``getBBox`` compares them directly.
    """
    length = bottom - top
    cx, cy = MARGIN + BAR_W / 2, top + length / 2
    rect = Rect(-length / 2, -BAR_W / 2, length, BAR_W)
    return [
        f'<g class="box phase" id={quoteattr("prisma-phase-" + label.lower())} '
        f'transform="translate({_num(cx)} {_num(cy)}) rotate(-90)">',
        f'<rect x="{_num(rect.x)}" y="{_num(rect.y)}" width="{_num(rect.w)}" '
        f'height="{_num(rect.h)}" rx="6" fill="{BAR_FILL}" stroke="#2e75b6" stroke-width="1"/>',
        f'<text x="0" y="{_num(FONT * 0.36)}" text-anchor="middle" font-weight="bold">'
        f"{escape(label)}</text>",
        "</g>",
    ]


def _arrow(*points: tuple[float, float]) -> str:
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_num(x)} {_num(y)}" for i, (x, y) in enumerate(points)
    )
    return (
        f'<path d="{path}" fill="none" stroke="#000000" stroke-width="1.2" '
        'marker-end="url(#prisma-arrow)"/>'
    )


def _arrows(lay: Layout) -> list[str]:
    """Connectors: down each main column, right into each exclusion box."""
    b = {key: rect for key, (rect, _) in lay.boxes.items()}
    out = []
    for main, side in (
        ("dbr_identified", "dbr_removed"),
        ("dbr_screened", "dbr_screen_excluded"),
        ("dbr_sought", "dbr_notretrieved"),
        ("dbr_assessed", "dbr_excluded"),
        ("other_sought", "other_notretrieved"),
        ("other_assessed", "other_excluded"),
    ):
        out.append(_arrow((b[main].right, b[main].cy), (b[side].x, b[main].cy)))
    for upper, lower in (
        ("dbr_identified", "dbr_screened"),
        ("dbr_screened", "dbr_sought"),
        ("dbr_sought", "dbr_assessed"),
        ("dbr_assessed", "included"),
        ("other_identified", "other_sought"),
        ("other_sought", "other_assessed"),
    ):
        out.append(_arrow((b[upper].cx, b[upper].bottom), (b[upper].cx, b[lower].y)))
    inc = b["included"]
    oth = b["other_assessed"]
    out.append(_arrow((oth.cx, oth.bottom), (oth.cx, inc.cy), (inc.right, inc.cy)))
    if "total" in b:
        prev, total = b["previous"], b["total"]
        out.append(_arrow((prev.cx, prev.bottom), (prev.cx, total.y)))
        out.append(_arrow((inc.x, inc.cy), (total.right, inc.cy)))
    return out


def size_mm(width: float, height: float) -> tuple[float, float]:
    """Printed size: as wide as A4's text block allows, shrunk if too tall."""
    scale = min(MAX_MM[0] / width, MAX_MM[1] / height)
    return round(width * scale, 1), round(height * scale, 1)


def render_svg(data: Mapping[str, Any], title: str = "", prolog: bool = True) -> str:
    """The whole diagram as SVG text; ``prolog=False`` for inlining into HTML."""
    lay = layout(data)
    w_mm, h_mm = size_mm(lay.width, lay.height)
    name = title or "PRISMA 2020 flow diagram"
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>' if prolog else "",
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{_num(w_mm)}mm" height="{_num(h_mm)}mm" '
        f'viewBox="0 0 {_num(lay.width)} {_num(lay.height)}" '
        f'font-family="{FONT_FAMILY}" font-size="{_num(FONT)}" role="img">',
        f"<title>{escape(name)}</title>",
        "<defs>",
        '<marker id="prisma-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="6" markerHeight="6" orient="auto">',
        '<path d="M0 0 L10 5 L0 10 z" fill="#000000"/>',
        "</marker>",
        "</defs>",
        f'<rect x="0" y="0" width="{_num(lay.width)}" height="{_num(lay.height)}" fill="#ffffff"/>',
    ]
    for key, (rect, lines) in lay.headers.items():
        parts += _box("header-" + key, rect, lines, FILL[key], centred=True)
    ident, screen, incl = PHASES
    spans = {
        ident: ("ident", "ident"),
        screen: ("screened", "assessed"),
        incl: ("included", "included"),
    }
    for label, (first, last) in spans.items():
        top = lay.rows[first][0]
        bottom = lay.rows[last][0] + lay.rows[last][1]
        parts += _phase_bar(label, top, bottom)
    for key, (rect, lines) in lay.boxes.items():
        parts += _box(key, rect, lines, FILL["box"], centred=False)
    parts += _arrows(lay)
    parts.append("</svg>")
    return "\n".join(p for p in parts if p) + "\n"
