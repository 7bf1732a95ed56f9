"""``review report``: the PRISMA 2020 flow diagram, the evidence gap map, the report folder.

Each subcommand lives in its own module (``report_prisma``, ``report_gapmap``,
``report_all``); this group only gathers them.
"""

from __future__ import annotations

import click

from review.cli.commands.report_all import all_
from review.cli.commands.report_gapmap import gapmap
from review.cli.commands.report_prisma import prisma


@click.group()
def report() -> None:
    """Report the review: PRISMA flow diagram, evidence gap map, report folder.

    \b
    Example:
        review report prisma --format svg -o prisma.svg
        review report all -o report/
    """


report.add_command(prisma)
report.add_command(gapmap)
report.add_command(all_)
