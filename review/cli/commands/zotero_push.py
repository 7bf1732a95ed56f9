"""``review zotero push``: being written (a placeholder so the group loads)."""

from __future__ import annotations

import click

from review.cli.options import fail


@click.command("push")
def push() -> None:
    """Not available yet."""
    fail("review zotero push is not available yet")
