"""``review zotero import``: being written (a placeholder so the group loads)."""

from __future__ import annotations

import click

from review.cli.options import fail


@click.command("import")
def import_() -> None:
    """Not available yet."""
    fail("review zotero import is not available yet")
