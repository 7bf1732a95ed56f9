"""``review demo``: a filled-in review from bundled real data."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("directory", required=False, default="review-demo", type=click.Path(path_type=Path))
def demo(directory: Path) -> None:
    """Create a demo review from bundled real data and show it.

    The data are the Wilson disease screening set (Appenzeller-Herzog et al.
    2020, CC-BY 4.0) from the ASReview simulation study.

    \b
    Example:
        review demo && cd review-demo && review status
    """
    from review.demo.build import run_demo

    project = run_demo(directory, click.echo)
    if sys.stdout.isatty() and sys.stdin.isatty():
        # Only in a terminal: tests and CI pipe stdout and get the text above.
        from review.tui import make_app

        make_app(project, None).run()
