"""``review stopping``: may prioritised screening stop? The report, and the random sample."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from protocols.model import Stage
from review.cli.options import context, json_option, reviewer_option, round_option, stage_option

if TYPE_CHECKING:
    from review.core.context import ReviewContext


@click.group("stopping", invoke_without_command=True)
@stage_option()
@round_option
@json_option
@reviewer_option
@click.pass_context
def stopping(
    ctx: click.Context, stage: Stage, round_no: int | None, as_json: bool, reviewer: str | None
) -> None:
    """Report whether screening may stop (Callaghan & Müller-Hansen 2020).

    Shows the phase, the run of irrelevant records against its threshold, the
    hypergeometric test's p value on the random sample, the estimated recall
    with its bounds, whether stopping is justified at the protocol's
    `stopping_target` and `stopping_confidence`, and a sentence to cite.
    Then every stopping rule's verdict side by side (estimated recall and
    bound where the rule gives them, what it assumes), the protocol's
    `stopping` rule marked: that one decides whether stopping is justified.
    In a blind review only a lead sees it until the stage is unblinded.
    After review update start, it is about the newest round's new studies.

    \b
    Example:
        review stopping --stage title-abstract
        review stopping --round 1
        review stopping sample          # draw the random sample, then screen it
    """
    if ctx.invoked_subcommand is not None:
        return
    from review.session.status import stopping_report
    from review.session.stopping_text import report_lines, rule_lines
    from screening.errors import ScreeningError

    review = context(ctx, reviewer)
    settings = review.protocol.screening
    report = stopping_report(review.db, review.viewer, stage, settings, round_no)
    if report is None:
        raise ScreeningError(f"no decisions yet at {stage.short.lower()}: screen first")
    if as_json:
        click.echo(json.dumps({"stage": stage.value, **report}, indent=2))
        return
    click.echo("\n".join([*report_lines(stage, report), *rule_lines(report)]))


@stopping.command("sample")
@stage_option()
@click.option("--extend", is_flag=True, help="Draw the extra records a relevant find requires.")
@click.option("--seed", help="Seed of the draw (default: a fresh random one, recorded).")
@json_option
@reviewer_option
@click.pass_context
def sample(
    ctx: click.Context,
    stage: Stage,
    extend: bool,
    seed: str | None,
    as_json: bool,
    reviewer: str | None,
) -> None:
    """Draw the random sample of unscreened records that the stopping test needs.

    Draws as many as would justify stopping if none of them is relevant; they
    are shown first in `review tui` (marked "Random check"). One sample per
    stage: if relevant records turn up, `--extend` draws the extra ones now
    needed from the same unscreened records. The seed, who drew it and the
    counts at the time are stored with it.

    With `--json` it prints the sample: its study ids in draw order, how many
    are screened and remain, and `queue`, the ids still open to the reviewer
    in the order `review tui` serves them. Once a sample is drawn, `--json`
    alone lists it instead of refusing to draw another.

    \b
    Example:
        review stopping sample --stage title-abstract --reviewer lead-name
        review stopping sample --json      # the ids, in the order the app serves them
    """
    from review.core.errors import UsageError
    from screening import db as sdb
    from screening.stopping import draw_sample, extend_sample

    if extend and seed is not None:
        raise UsageError("--seed goes with a new sample; an extension uses its seed")
    review = context(ctx, reviewer)
    db, who, settings = review.db, review.viewer, review.protocol.screening
    target, confidence = settings.stopping_target, settings.stopping_confidence
    listing = as_json and not extend and seed is None and sdb.stopping_sample(db, stage)
    if listing:
        count = 0
    elif extend:
        count = extend_sample(db, who, stage, target, confidence)
    else:
        drawn = draw_sample(db, who, stage, target, confidence, seed)
        count = len(drawn.groups)
    if as_json:
        click.echo(json.dumps(_sample_json(review, stage, count), indent=2))
        return
    if extend:
        click.echo(f"Added {count:,} records to the random sample.")
    else:
        click.echo(f"Drew a random sample of {count:,} unscreened records (seed {drawn.seed}).")
    click.echo(
        "Screen them with: review tui (they come first, marked Random check); then: review stopping"
    )


def _sample_json(review: ReviewContext, stage: Stage, drawn: int) -> dict[str, Any]:
    """The sample as ``review stopping sample --json`` prints it (see its help)."""
    from screening import db as sdb
    from screening import queue
    from screening.stopping import assess_stage

    db, who, settings = review.db, review.viewer, review.protocol.screening
    sample = sdb.stopping_sample(db, stage)
    assert sample is not None  # drawn or listed above
    report = assess_stage(db, who, stage, settings.stopping_target, settings.stopping_confidence)
    assert report is not None  # a sample exists
    return {
        "stage": stage.value,
        "seed": sample.seed,
        "drawn": drawn,
        "sample": list(sample.groups),
        "screened": report.sample_screened,
        "remaining": report.sample_size - report.sample_screened,
        "queue": queue.sample_queue(db, who, stage) or [],
    }
