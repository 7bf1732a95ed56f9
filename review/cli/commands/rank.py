"""``review rank``: retrain the ranking once and show the studies it puts first."""

from __future__ import annotations

import json
from typing import Any

import click

from protocols.model import Stage
from review.cli.options import context, reviewer_option, stage_option


@click.command("rank")
@stage_option()
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print the model and the top as JSON.")
@reviewer_option
@click.pass_context
def rank(ctx: click.Context, stage: Stage, top: int, as_json: bool, reviewer: str | None) -> None:
    """Retrain the ranking model on the decisions so far and show the top studies.

    While a stopping sample is drawn and not yet screened by the reviewer, its
    studies come first (`"order": "sample"`, score null), in the order
    `review tui` serves them; `sample` lists them all.

    The ranking is stored for the reviewer: with `order = "ranked"` in the
    protocol, `review tui` shows studies in this order (and retrains as you
    screen). In a blind review it learns from the reviewer's own decisions
    only. Before the first include, studies are ranked by similarity to the
    protocol's question and include terms (cold start).

    \b
    Example:
        review rank --stage title-abstract --reviewer ana --top 5 --json
    """
    from review.session.ranking import retrain_job
    from screening import db as sdb
    from screening import queue

    chosen = stage
    review = context(ctx, reviewer)
    db, name = review.db, review.reviewer
    ranked = retrain_job(str(review.project.root), name, chosen)
    served = queue.sample_queue(db, review.viewer, chosen) or []
    payload: dict[str, Any] = {
        "stage": chosen.value,
        "reviewer": name,
        "model_version": None,
        "sample": served,
    }
    rows = (
        []
        if ranked is None
        else sdb.ranking_top(db, ranked.model_version, chosen, top + len(served))
    )
    taken = set(served)
    order: list[tuple[int, float | None, str]] = [(g, None, "sample") for g in served]
    order += [(g, s, "ranked") for g, s in rows if g not in taken]
    order = order[:top]
    titles = {g: t for g, t, _ in sdb.group_texts(db, [g for g, _, _ in order])}
    payload["top"] = [
        {
            "rank": i,
            "group_id": g,
            "score": None if s is None else round(s, 6),
            "title": titles.get(g, ""),
            "order": how,
        }
        for i, (g, s, how) in enumerate(order, 1)
    ]
    if ranked is not None:
        payload.update(
            model_version=ranked.model_version,
            model=ranked.model,
            labelled=ranked.labelled,
            included=ranked.included,
            ranked=ranked.size,
            seconds=round(ranked.seconds, 3),
        )
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    if ranked is None:
        click.echo(
            "Nothing ranked: no study is open to you at this stage, or there is no "
            "question, include term or include to rank by yet."
        )
    else:
        click.echo(
            f"Model {ranked.model_version}: {ranked.labelled} decisions "
            f"({ranked.included} relevant), {ranked.size:,} studies ranked in "
            f"{ranked.seconds:.2f} s"
        )
    if served:
        click.echo(f"The random sample comes first: {len(served):,} of its studies still open.")
    for item in payload["top"]:
        score = "sample" if item["score"] is None else f"{item['score']:+.3f}"
        click.echo(f"{item['rank']:>4}  {score:>6}  {item['group_id']:>7}  {item['title']}")
