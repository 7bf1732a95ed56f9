"""``review demo``: a ready-made review from bundled real data."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from corpus.db import sync_fts
from corpus.importer import import_file
from review.core.project import DB_NAME, Project, init_project
from review.core.review import Review
from review.session.status import collect, render

DEMO_FILE = "wilson.csv"
#: The protocol template holding the Wilson disease review's real question,
#: criteria, exclusion reasons and highlight terms (no placeholders to fill).
DEMO_TEMPLATE = "demo-wilson"


def run_demo(directory: Path, echo: Callable[[str], object] = print) -> Project:
    """Create (or reopen) the demo review in ``directory`` and show its status.

    ``review demo`` then opens the app (the CLI does it: this package sits
    below the TUI). ``echo`` prints a line (the CLI passes ``click.echo``).

    The bundled CSV is copied into the folder so the user sees a real export
    file next to the review it came from; the protocol is the published
    review's own question (template ``demo-wilson``), so the criteria,
    reasons and highlights shown while screening are real ones.
    """
    if (directory / DB_NAME).exists():
        project = Project(directory.resolve())
        echo(f"Demo review already exists in {project.root}; showing it.")
    else:
        project = init_project(directory, DEMO_TEMPLATE)
        data = resources.files("review.demo") / "data" / DEMO_FILE
        target = project.root / DEMO_FILE
        with resources.as_file(data) as src:
            shutil.copyfile(src, target)
        with project.connect() as db:
            res = import_file(db, target, database="ASReview benchmark (Wilson disease)")
            sync_fts(db)
        echo(f"Created demo review in {project.root}: imported {res.records} records.")
    echo("")
    echo(render(collect(Review.open(project))))
    echo("")
    echo("Try next:")
    echo(f"  cd {directory} && review status --json")
    echo("  review protocol show   # the review's question, criteria and reasons")
    echo('  review search "penicillamine AND trientine" --mode keyword')
    echo("  review embed      # vectors for semantic search and dedup (a few minutes)")
    echo("  review dedup --auto")
    echo("  review export records --format ris -o records.ris")
    echo("  review screen --stage title-abstract   # screen by keys: i, e, m, u, n, r")
    return project
