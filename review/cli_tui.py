"""``review tui`` and ``review screen``: open the review in the terminal UI."""

from __future__ import annotations

import click

from review.cli_dedup import reviewer_option


@click.command()
@reviewer_option
@click.option(
    "--start",
    type=click.Choice(["home", "duplicates", "screening"]),
    default="home",
    show_default=True,
    help="Screen to open on: the dashboard, the duplicate queue or title/abstract screening.",
)
@click.pass_context
def tui(ctx: click.Context, reviewer: str, start: str) -> None:
    """Open the review in the terminal UI (keyboard and mouse).

    Keys: s screen, f full text, c conflicts, d duplicates, / search, ? help,
    q quit; ctrl+p for the command palette.

    \b
    Example:
        review tui --reviewer ana --start duplicates
    """
    from review.project import find_project

    # Imported here so that `review --help` never loads textual.
    from review.tui import make_app

    make_app(find_project(ctx.obj), reviewer, start).run()


@click.command()
@click.option(
    "--stage",
    type=click.Choice(["title-abstract", "full-text"]),
    default="title-abstract",
    show_default=True,
    help="Screening stage.",
)
@reviewer_option
@click.pass_context
def screen(ctx: click.Context, stage: str, reviewer: str) -> None:
    """Screen records in the terminal UI, one key per decision.

    Keys: i include, e exclude (with a reason), m maybe, u undo, n note,
    r reason, x report not retrieved (full text), v reveal masked terms,
    / search, ? help, Esc dashboard, q quit. Every decision is saved at once.

    \b
    Example:
        review screen --stage title-abstract --reviewer ana
    """
    from review.project import find_project
    from review.tui import make_app

    stage_name = stage.replace("-", "_")
    make_app(find_project(ctx.obj), reviewer, "screening", stage_name).run()
