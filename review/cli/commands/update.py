"""``review update start|list``: search rounds of a living review."""

from __future__ import annotations

import json

import click

from review.cli.options import context, json_option, reviewer_option


@click.group()
def update() -> None:
    """Update the review: open a search round, list the rounds.

    After review update start, imports belong to the new round: its records
    are deduplicated against every earlier one (review dedup), studies already
    decided keep their decisions, and only the round's new studies enter the
    screening queue. Status, the stopping rule and the PRISMA diagram are per
    round; the diagram of an update counts earlier rounds' included studies
    as previous studies.

    \b
    Example:
        review update start --search-date 2026-11-01
        review import pubmed-2026-11.nbib scopus-2026-11.ris
        review dedup
        review update list
    """


@update.command()
@click.option(
    "--search-date", required=True, help="Date the update's searches were run (YYYY-MM-DD)."
)
@click.option("--note", help="What this update is, e.g. 'six-monthly update'.")
@reviewer_option
@json_option
@click.pass_context
def start(
    ctx: click.Context, search_date: str, note: str | None, reviewer: str | None, as_json: bool
) -> None:
    """Open the next search round; the imports that follow belong to it.

    \b
    Example:
        review update start --search-date 2026-11-01 --note "first update" --reviewer lead
    """
    from review.session.rounds import start_round

    opened = start_round(context(ctx, reviewer), search_date, note)
    if as_json:
        click.echo(json.dumps(opened.to_json(), indent=2))
        return
    click.echo(
        f"Opened round {opened.number} (searches of {opened.search_date}). Next: review import"
        " FILE... then review dedup; only the new studies are screened."
    )
    if opened.unscreened:
        click.echo(
            f"  {opened.unscreened} studies of earlier rounds were never screened; they stay"
            " out of the queue (their round stopped)."
        )
    if opened.unfinished:
        click.echo(
            f"  {opened.unfinished} studies of earlier rounds are partly screened; they stay in"
            " the queue until their reviewers finish them."
        )


@update.command("list")
@reviewer_option
@json_option
@click.pass_context
def list_(ctx: click.Context, reviewer: str | None, as_json: bool) -> None:
    """List the search rounds with their records, new studies and screening counts.

    Counts from other reviewers' decisions show as "hidden" in a blind
    review until a lead unblinds the stage.

    \b
    Example:
        review update list --json
    """
    from review.session.rounds import render, summaries

    rounds = summaries(context(ctx, reviewer))
    if as_json:
        click.echo(json.dumps([r.to_json() for r in rounds], indent=2))
        return
    click.echo(render(rounds))
