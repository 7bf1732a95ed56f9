"""``review tui`` and ``review screen``: open the review in the terminal UI."""

from __future__ import annotations

import click

from protocols.model import Stage
from review.cli.options import find_project, reviewer_option, stage_option
from review.tui.registry import HOME, NAMES  # plain data: no textual at import


@click.command()
@reviewer_option
@click.option(
    "--start",
    type=click.Choice(NAMES),
    default=HOME,
    show_default=True,
    help="Screen to open on: the dashboard (home), the duplicate queue, screening, ...",
)
# Set by `review serve` in the command it runs per browser session; the
# browser cannot change that command line, so it cannot turn this off.
@click.option("--served", is_flag=True, hidden=True)
@click.pass_context
def tui(ctx: click.Context, reviewer: str | None, start: str, served: bool) -> None:
    """Open the review in the terminal UI (keyboard and mouse).

    Keys: s screen, f full text, c conflicts, d duplicates, / search, ? help,
    q quit; ctrl+p for the command palette.

    \b
    Example:
        review tui --reviewer ana --start duplicates
    """
    # Imported here so that `review --help` never loads textual.
    from review.tui import make_app

    make_app(find_project(ctx), reviewer, start, served=served).run()


@click.command()
@stage_option()
@reviewer_option
@click.pass_context
def screen(ctx: click.Context, stage: Stage, reviewer: str | None) -> None:
    """Screen records in the terminal UI, one key per decision.

    Keys: i include, e exclude, 1-9 exclude with that reason, m maybe,
    u undo, n note, r set the exclusion reason afterwards, x report not
    retrieved (full text), v reveal masked terms, / search, ? help,
    Esc dashboard, q quit. At full text, e asks for the reason (PRISMA
    reports them). Every decision is saved at once.

    \b
    Example:
        review screen --stage title-abstract --reviewer ana
    """
    from review.tui import make_app

    make_app(find_project(ctx), reviewer, "screening", stage).run()
