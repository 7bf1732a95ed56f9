"""``review report``: the PRISMA 2020 flow diagram, the evidence gap map, the report folder.

Each subcommand lives in its own module (``report_prisma``, ``report_gapmap``,
``report_all``); this group only gathers them.
"""

from __future__ import annotations

import click


@click.group()
def report() -> None:
    """Report the review: PRISMA flow diagram, evidence gap map, report folder.

    \b
    Example:
        review report prisma --format svg -o prisma.svg
        review report all -o report/
    """


def _register() -> None:
    """Add the subcommands that exist (each is written and tested on its own)."""
    import importlib

    for module, name in (
        ("report_prisma", "prisma"),
        ("report_gapmap", "gapmap"),
        ("report_all", "all_"),
    ):
        try:
            loaded = importlib.import_module(f"review.cli.commands.{module}")
        except ModuleNotFoundError:
            continue
        report.add_command(getattr(loaded, name))


_register()
