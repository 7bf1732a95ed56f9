"""``review stopping``: may prioritised screening stop? The report, and the random sample."""

from __future__ import annotations

import json

import click

from review.cli.options import open_project, reviewer_option

stage_opt = click.option(
    "--stage", default="title-abstract", show_default=True, help="title-abstract or full-text."
)


@click.group("stopping", invoke_without_command=True)
@stage_opt
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reviewer_option
@click.pass_context
def stopping(ctx: click.Context, stage: str, as_json: bool, reviewer: str | None) -> None:
    """Report whether screening may stop (Callaghan & Müller-Hansen 2020).

    Shows the phase, the run of irrelevant records against its threshold, the
    hypergeometric test's p value on the random sample, the estimated recall
    with its bounds, whether stopping is justified at the protocol's
    `stopping_target` and `stopping_confidence`, and a sentence to cite.
    In a blind review only a lead sees it until the stage is unblinded.

    \b
    Example:
        review stopping --stage title-abstract
        review stopping sample          # draw the random sample, then screen it
    """
    if ctx.invoked_subcommand is not None:
        return
    from review.status.stopping_text import report_lines
    from screening.stages import parse_stage
    from screening.stopping_state import stage_json

    chosen = parse_stage(stage)
    project, db, who, settings = _open(ctx, reviewer)
    try:
        report = stage_json(db, who, chosen, settings.stopping_target, settings.stopping_confidence)
    finally:
        db.close()
    if report is None:
        from screening.errors import ScreeningError

        raise ScreeningError(f"no decisions yet at {chosen.replace('_', '/')}: screen first")
    if as_json:
        click.echo(json.dumps({"stage": chosen, **report}, indent=2))
        return
    click.echo("\n".join(report_lines(chosen, report)))


@stopping.command("sample")
@stage_opt
@click.option("--extend", is_flag=True, help="Draw the extra records a relevant find requires.")
@click.option("--seed", help="Seed of the draw (default: a fresh random one, recorded).")
@reviewer_option
@click.pass_context
def sample(
    ctx: click.Context, stage: str, extend: bool, seed: str | None, reviewer: str | None
) -> None:
    """Draw the random sample of unscreened records that the stopping test needs.

    Draws as many as would justify stopping if none of them is relevant; they
    are shown first in `review tui` (marked "Random check"). One sample per
    stage: if relevant records turn up, `--extend` draws the extra ones now
    needed from the same unscreened records. The seed, who drew it and the
    counts at the time are stored with it.

    \b
    Example:
        review stopping sample --stage title-abstract --reviewer lead-name
    """
    from screening.stages import parse_stage
    from screening.stopping_state import draw_sample, extend_sample

    chosen = parse_stage(stage)
    project, db, who, settings = _open(ctx, reviewer)
    target, confidence = settings.stopping_target, settings.stopping_confidence
    try:
        if extend:
            if seed is not None:
                from review.core.errors import UsageError

                raise UsageError("--seed goes with a new sample; an extension uses its seed")
            count = extend_sample(db, who, chosen, target, confidence)
            click.echo(f"Added {count:,} records to the random sample.")
        else:
            drawn = draw_sample(db, who, chosen, target, confidence, seed)
            count = len(drawn.groups)
            click.echo(f"Drew a random sample of {count:,} unscreened records (seed {drawn.seed}).")
    finally:
        db.close()
    click.echo(
        "Screen them with: review tui (they come first, marked Random check); then: review stopping"
    )


def _open(ctx: click.Context, reviewer: str | None):  # type: ignore[no-untyped-def]
    """Return ``(project, db, viewer, screening settings)``."""
    from protocols import loader
    from review.core.context import viewer_for

    project, db = open_project(ctx)
    try:
        who = viewer_for(project, db, reviewer)
        settings = loader.load(project.protocol_path).screening
    except BaseException:
        db.close()
        raise
    return project, db, who, settings
