"""``review demo``: a ready-made review from bundled real data."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import click

from corpus.db import sync_fts
from corpus.importer import import_file
from review.core.project import DB_NAME, Project, init_project
from review.status.report import collect, render

DEMO_FILE = "wilson.csv"
#: The protocol template holding the Wilson disease review's real question,
#: criteria, exclusion reasons and highlight terms (no placeholders to fill).
DEMO_TEMPLATE = "demo-wilson"


def run_demo(directory: Path) -> Project:
    """Create (or reopen) the demo review in ``directory`` and show its status.

    ``review demo`` then opens the app (the CLI does it: this package sits
    below the TUI).

    The bundled CSV is copied into the folder so the user sees a real export
    file next to the review it came from; the protocol is the published
    review's own question (template ``demo-wilson``), so the criteria,
    reasons and highlights shown while screening are real ones.
    """
    if (directory / DB_NAME).exists():
        project = Project(directory.resolve())
        click.echo(f"Demo review already exists in {project.root}; showing it.")
    else:
        project = init_project(directory, DEMO_TEMPLATE)
        data = resources.files("review.demo") / "data" / DEMO_FILE
        target = project.root / DEMO_FILE
        with resources.as_file(data) as src:
            shutil.copyfile(src, target)
        db = project.open_db()
        try:
            res = import_file(db, target, database="ASReview benchmark (Wilson disease)")
            sync_fts(db)
        finally:
            db.close()
        click.echo(f"Created demo review in {project.root}: imported {res.records} records.")
    click.echo("")
    click.echo(render(collect(project)))
    click.echo("")
    click.echo("Try next:")
    click.echo(f"  cd {directory} && review status --json")
    click.echo("  review protocol show   # the review's question, criteria and reasons")
    click.echo('  review search "penicillamine AND trientine" --mode keyword')
    click.echo("  review embed      # vectors for semantic search and dedup (a few minutes)")
    click.echo("  review dedup --auto")
    click.echo("  review export records --format ris -o records.ris")
    click.echo("  review screen --stage title-abstract   # screen by keys: i, e, m, u, n, r")
    return project
