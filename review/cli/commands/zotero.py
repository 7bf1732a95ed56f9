"""``review zotero``: import a Zotero library (incrementally) and push decisions back."""

from __future__ import annotations

import click

from review.cli.commands.zotero_import import import_
from review.cli.commands.zotero_push import push


@click.group()
def zotero() -> None:
    """Import from Zotero and push screening decisions back as tags.

    \b
    Example:
        review zotero import --library group:12345 --collection "CSEA search" --with-pdfs
        review zotero push --dry-run
    """


zotero.add_command(import_)
zotero.add_command(push)
