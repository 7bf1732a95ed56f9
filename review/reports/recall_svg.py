"""The screening's recall curve as a standalone SVG: relevant studies found vs screened.

A reader of a review screened with active learning asks how quickly the
relevant studies surfaced and whether the curve had flattened when
screening stopped. The curve plots, in the order studies were first
decided, the relevant studies found against the studies screened, with the
line a random order would give for comparison. Plain SVG built as text
(deterministic, no plotting library, every label escaped).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 48, 56


def recall_svg(eligible: int, labels: list[int], title: str = "Recall curve") -> str:
    """Return the SVG of a recall curve.

    Args:
        eligible: Studies the stage screens (the x axis runs to it).
        labels: 1 relevant / 0 not, in the order studies were screened.
        title: The heading drawn above the plot.
    """
    total = max(eligible, len(labels), 1)
    found = sum(labels)
    top = max(found, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        return LEFT + plot_w * n / total

    def y(n: float) -> float:
        return TOP + plot_h * (1 - n / top)

    points = [(x(0), y(0))]
    running = 0
    for i, label in enumerate(labels, start=1):
        running += label
        points.append((x(i), y(running)))
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="Arial, Helvetica, sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15" '
        f'font-weight="bold">{escape(title)}</text>',
        # axes
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 16}" text-anchor="middle">'
        f"Studies screened (of {eligible})</text>",
        f'<text x="18" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {TOP + plot_h / 2})">Relevant studies found</text>',
    ]
    for tick in _ticks(total):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{tick}</text>'
        )
    for tick in _ticks(top):
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    # What a random order would find on average, screening the same studies.
    random_end = found * len(labels) / total if total else 0
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(len(labels)):.1f}" '
        f'y2="{y(random_end):.1f}" stroke="#999" stroke-dasharray="6 4"/>'
    )
    parts.append(f'<polyline fill="none" stroke="#0072B2" stroke-width="2" points="{path}"/>')
    # The legend sits bottom right, under the diagonal, where a curve that
    # beats random order never runs.
    right, low = LEFT + plot_w - 8, TOP + plot_h
    parts.append(
        f'<text x="{right}" y="{low - 28}" text-anchor="end" fill="#0072B2">screening order:'
        f" {found} relevant in {len(labels)} screened</text>"
    )
    parts.append(
        f'<text x="{right}" y="{low - 12}" text-anchor="end" fill="#777">'
        "random order (expected)</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _ticks(top: int, count: int = 5) -> list[int]:
    """Return up to ``count`` + 1 round tick values from 0 to ``top``."""
    if top <= count:
        return list(range(top + 1))
    raw = top / count
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, top + 1, step))
