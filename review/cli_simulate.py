"""``review simulate``: replay a labelled review to measure the ranking model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from review.errors import UsageError


def _seeds(value: str) -> list[int]:
    """Parse ``1,2,3`` into seeds; a bad list is a usage error, not a traceback."""
    try:
        seeds = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--seeds: {value!r} is not a comma-separated list of integers") from None
    if not seeds:
        raise UsageError("--seeds: give at least one seed")
    return seeds


def recall_svg(curves: list[list[int]], total: int, relevant: int, title: str) -> str:
    """Return an SVG recall curve (records screened -> relevant found), one line per seed.

    Hand-written so that plotting needs no matplotlib.
    """
    width, height, pad = 640, 420, 50
    plot_w, plot_h = width - 2 * pad, height - 2 * pad
    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")

    def xy(screened: float, found: float) -> str:
        x = pad + plot_w * screened / total
        y = height - pad - plot_h * found / relevant
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle">{_escape(title)}</text>',
        f'<polyline points="{xy(0, 0)} {xy(total, relevant)}" fill="none" '
        'stroke="#999" stroke-dasharray="4 4"/>',
        f'<polyline points="{xy(0, 0)} {xy(0, relevant)} {xy(total, relevant)} {xy(total, 0)} '
        f'{xy(0, 0)}" fill="none" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">records screened '
        f"(of {total})</text>",
        f'<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})" '
        f'text-anchor="middle">relevant found (of {relevant})</text>',
    ]
    for number, curve in enumerate(curves):
        points = [xy(0, 0)] + [xy(i + 1, found) for i, found in enumerate(curve)]
        colour = colours[number % len(colours)]
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            'stroke-width="1.5"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@click.command()
@click.argument("data", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--seeds", default="1,2,3,4,5", show_default=True, help="Comma-separated seeds.")
@click.option("--model", default=None, help="svm (default), lr, svm+emb or lr+emb (embeds: slow).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (per seed and `mean`).")
@click.option(
    "--plot", type=click.Path(path_type=Path, dir_okay=False), help="Write the recall curve SVG."
)
def simulate(data: Path, seeds: str, model: str | None, as_json: bool, plot: Path | None) -> None:
    """Replay a labelled review (ASReview CSV) and report WSS@95, WSS@100, RRF@10, ATD.

    DATA has `title`, `abstract` and `label_included` or `included` (1/0).
    Per seed one random relevant and one irrelevant record are the priors;
    the model retrains after every label until all relevant records are found.

    \b
    Example:
        review simulate nudging.csv --seeds 1,2,3 --json --plot recall.svg
    """
    from review.cli import fail
    from screening import ranking
    from screening import simulate as sim
    from screening.errors import ScreeningError

    chosen = model or ranking.DEFAULT_MODEL
    try:
        seed_list = _seeds(seeds)
        labelled = sim.read_labelled_csv(data)
        if chosen not in ranking.MODELS:
            names = ", ".join(ranking.MODELS)
            raise ScreeningError(f"unknown model {chosen!r}; choose one of {names}")
    except (ScreeningError, UsageError) as exc:
        fail(str(exc))
    vectors = None
    if chosen.endswith("+emb"):
        # Slow on CPU (about 20 abstracts/s), hence not the default.
        from corpus.embeddings import Embedder
        from corpus.errors import ModelError

        try:
            vectors = Embedder().encode(labelled.texts)
        except ModelError as exc:
            fail(str(exc))
    result = sim.simulate(labelled, seed_list, model=chosen, embeddings=vectors)
    if plot is not None:
        curves = [s.curve for s in result.seeds]
        svg = recall_svg(curves, result.records, result.relevant, f"Recall curve: {data.name}")
        try:
            plot.write_text(svg, encoding="utf-8")
        except OSError as exc:
            fail(f"{plot}: cannot write plot: {exc.strerror}")
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    _print_table(result.to_json(), data.name)


def _print_table(payload: dict[str, Any], name: str) -> None:
    click.echo(
        f"{name}: {payload['records']} records, {payload['relevant']} relevant, "
        f"model {payload['model']}"
    )
    click.echo(f"{'seed':>6} {'WSS@95':>7} {'WSS@100':>8} {'RRF@10':>7} {'ATD':>6}")
    rows = [(str(s["seed"]), s) for s in payload["seeds"]] + [("mean", payload["mean"])]
    for label, row in rows:
        click.echo(
            f"{label:>6} {row['wss95']:7.3f} {row['wss100']:8.3f} "
            f"{row['rrf10']:7.3f} {row['atd']:6.3f}"
        )
