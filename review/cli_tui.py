"""``review tui``: open the review in the terminal UI."""

from __future__ import annotations

import click

from review.cli_dedup import reviewer_option


@click.command()
@reviewer_option
@click.option(
    "--start",
    type=click.Choice(["home", "duplicates"]),
    default="home",
    show_default=True,
    help="Screen to open on: the dashboard or the duplicate review queue.",
)
@click.pass_context
def tui(ctx: click.Context, reviewer: str, start: str) -> None:
    """Open the review in the terminal UI (keyboard and mouse).

    Keys: d duplicates queue, ? help, q quit; ctrl+p for the command palette.

    \b
    Example:
        review tui --reviewer ana --start duplicates
    """
    from review.project import find_project

    # Imported here so that `review --help` never loads textual.
    from review.tui import make_app

    make_app(find_project(ctx.obj), reviewer, start).run()
