"""``review simulate``: replay a labelled review to measure the ranking model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from review.core.errors import UsageError


def _seeds(value: str) -> list[int]:
    """Parse ``1,2,3`` into seeds; a bad list is a usage error, not a traceback."""
    try:
        seeds = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--seeds: {value!r} is not a comma-separated list of integers") from None
    if not seeds:
        raise UsageError("--seeds: give at least one seed")
    return seeds


def _share(option: str, value: str, allow_one: bool) -> float:
    """Parse a share such as ``0.95``; out of range is a usage error, not a traceback."""
    try:
        share = float(value)
    except ValueError:
        share = float("nan")
    ok = 0.0 < share <= 1.0 if allow_one else 0.0 < share < 1.0
    if not ok:
        upper = "1" if allow_one else "below 1"
        raise UsageError(f"{option} {value!r}: expected a number above 0 and up to {upper}")
    return share


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
@click.option(
    "--model",
    default=None,
    help="hedge (default; embeds the texts), hedge-text (text only) or elas_u4 (ASReview's"
    " default, for comparison). The experiments run from bench/simulate_bench.py.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (per seed and `mean`).")
@click.option(
    "--plot", type=click.Path(path_type=Path, dir_okay=False), help="Write the recall curve SVG."
)
@click.option("--target", default="0.95", show_default=True, help="Stopping rule: recall target.")
@click.option(
    "--confidence", default="0.95", show_default=True, help="Stopping rule: confidence level."
)
@click.option(
    "--stopping",
    default=None,
    help="Also replay these stopping rules: all or NAME[,NAME] (certified, knee, budget,"
    " point-process, point-process-scores, quant, quant-ci); adds a per-rule table"
    " (JSON: `rules`).",
)
def simulate(
    data: Path,
    seeds: str,
    model: str | None,
    as_json: bool,
    plot: Path | None,
    target: str,
    confidence: str,
    stopping: str | None,
) -> None:
    """Replay a labelled review (ASReview CSV) and report WSS@95, WSS@100, RRF@10, ATD.

    DATA has `title`, `abstract` and `label_included` or `included` (1/0).
    Per seed one random relevant and one irrelevant record are the priors;
    the model retrains after every label until all relevant records are found.

    Each seed also replays the stopping rule: ranked screening until a run of
    irrelevant records, then a random sample of the rest until the
    hypergeometric test (Callaghan & Müller-Hansen 2020) shows the recall
    target reached with the given confidence; it reports the recall reached
    and the work saved then.

    --stopping replays other rules too: the ranked order goes on to the end of
    the review and each rule is asked every max(10, 1% of N) records; per rule
    it reports recall, work saved and how often the target was met.

    \b
    Example:
        review simulate nudging.csv --seeds 1,2,3 --json --plot recall.svg
        review simulate wilson.csv --target 0.95 --confidence 0.99
        review simulate wilson.csv --stopping all --json
    """
    from review.cli.options import fail
    from screening import ranking
    from screening import simulate as sim
    from screening.errors import ScreeningError

    chosen = model or ranking.DEFAULT_MODEL
    rules: list[str] | None = None
    try:
        if stopping is not None:
            from screening.stopping import replay

            rules = replay.parse_rules(stopping)
        seed_list = _seeds(seeds)
        recall_target = _share("--target", target, allow_one=True)
        level = _share("--confidence", confidence, allow_one=False)
        labelled = sim.read_labelled_csv(data)
        if chosen not in ranking.MODELS:
            names = ", ".join(ranking.MODELS)
            raise ScreeningError(
                f"unknown model {chosen!r}; choose one of {names}"
                " (experimental models run from bench/simulate_bench.py)"
            )
    except (ScreeningError, UsageError) as exc:
        fail(str(exc))
    vectors = None
    if ranking.needs_embeddings(chosen):
        from corpus.errors import ModelError
        from review.session.sim_vectors import cached_vectors

        try:
            vectors = cached_vectors(labelled.texts)
        except ModelError as exc:
            fail(str(exc))
    per_rule: dict[str, Any] | None = None
    if rules is None:
        result = sim.simulate(
            labelled,
            seed_list,
            model=chosen,
            embeddings=vectors,
            target=recall_target,
            confidence=level,
            progress=_report_seed,
        )
    else:
        from screening.stopping import replay

        result, per_rule = replay.simulate_rules(
            labelled,
            seed_list,
            rules,
            model=chosen,
            embeddings=vectors,
            target=recall_target,
            confidence=level,
            progress=_report_seed,
        )
    if plot is not None:
        curves = [s.curve for s in result.seeds]
        svg = recall_svg(curves, result.records, result.relevant, f"Recall curve: {data.name}")
        try:
            plot.write_text(svg, encoding="utf-8")
        except OSError as exc:
            fail(f"{plot}: cannot write plot: {exc.strerror}")
    payload = result.to_json()
    if per_rule is None:
        from screening.stopping import replay

        payload["rules"] = {replay.DEFAULT_RULE: replay.default_block(result)}
    else:
        payload["rules"] = per_rule
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    _print_table(payload, data.name)
    if per_rule is not None:
        _print_rules(per_rule, recall_target)


def _report_seed(result: Any, seconds: float) -> None:
    """One stderr line per finished seed, so a long simulation shows it is alive."""
    click.echo(f"seed {result.seed}: WSS@95 {result.wss95:.3f} ({seconds:.0f} s)", err=True)


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
    _print_stopping(payload)


def _print_stopping(payload: dict[str, Any]) -> None:
    """Print where the stopping rule fired per seed, and how often it met its target."""
    rule = payload["stopping"]
    target, mean = rule["target"], payload["mean"]
    click.echo(
        f"stopping rule: {target * 100:g}% recall target, {rule['confidence'] * 100:g}% confidence "
        "(Callaghan & Müller-Hansen 2020)"
    )
    click.echo(f"{'seed':>6} {'screened':>9} {'sample':>7} {'recall':>7} {'saved':>6}")
    for s in payload["seeds"]:
        click.echo(
            f"{s['seed']:>6} {s['stop_screened']:9d} {s['stop_sample']:7d} "
            f"{s['stop_recall']:7.3f} {s['stop_saved']:6.3f}"
        )
    met = round(mean["stop_target_met"] * len(payload["seeds"]))
    click.echo(
        f"{'mean':>6} {mean['stop_screened']:9.1f} {'':>7} {mean['stop_recall']:7.3f} "
        f"{mean['stop_saved']:6.3f}  (recall >= target in {met}/{len(payload['seeds'])} runs)"
    )


def _print_rules(per_rule: dict[str, Any], target: float) -> None:
    """One row per stopping rule: means over the seeds, and how often it met the target."""
    click.echo(f"stopping rules at {target * 100:g}% recall target (means over seeds)")
    click.echo(
        f"{'rule':22} {'screened':>9} {'recall':>7} {'p05':>6} {'at target':>9} "
        f"{'saved':>6} {'vs random':>9}"
    )
    for name, block in per_rule.items():
        mean = block["mean"]
        click.echo(
            f"{name:22} {mean['screened']:9.1f} {mean['recall']:7.3f} "
            f"{block['p05_recall']:6.3f} {block['share_at_target']:9.0%} "
            f"{mean['saved']:6.3f} {mean['saved_vs_random']:9.3f}"
        )
