"""Ranking jobs on a review folder: what ``review rank`` and the TUI's ranking worker run.

Each job takes plain values (the review's folder, the reviewer, the stage)
and opens its own database connection, so it runs the same in the calling
thread or in a worker process (:func:`serve`). Only the standard library is
imported at module level: the worker process sets its thread limits and
priority before numpy loads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protocols.vocabulary import Stage

if TYPE_CHECKING:
    from sqlite_utils import Database

    from review.core.project import Project
    from screening.blind import Viewer
    from screening.ranking import Ranked, Spec, Why


@dataclass(frozen=True, slots=True)
class Explained:
    """Why a study ranks where it does, and how many studies its ranking holds."""

    why: Why | None
    size: int | None


@contextmanager
def _open(root: str, reviewer: str) -> Iterator[tuple[Project, Database, Viewer, Spec]]:
    from protocols import loader
    from review.core.project import Project
    from review.core.review import Review
    from screening.ranking import Spec

    project = Project(Path(root))
    review = Review(project, loader.load(project.protocol_path), reviewer)
    with review.connect() as db:
        yield project, db, review.viewer(db), Spec.from_protocol(review.protocol)


def retrain_job(root: str, reviewer: str, stage: Stage) -> Ranked | None:
    """Retrain the reviewer's model at a stage and store its ranking (see ``screening.ranking``).

    Then, in the same connection, refresh the stored verdicts of the stopping
    rules that need a fitted model (:func:`refresh_stopping`).
    """
    from screening import ranking

    with _open(root, reviewer) as (project, db, who, spec):
        ranked = ranking.retrain(db, who, stage, spec, cache_dir=project.cache_dir)
        try:
            refresh_stopping(project, db, who, stage, spec, ranked)
        except Exception:  # noqa: BLE001 - advisory figures must never cost the ranking
            # The stored verdicts then stay as they were and read as stale (their
            # decision count is behind), which every report says.
            pass
    return ranked


def refresh_stopping(
    project: Project, db: Database, who: Viewer, stage: Stage, spec: Spec, ranked: Ranked | None
) -> int:
    """Fit the probabilities and store the model-based stopping verdicts; return how many.

    Runs ``screening.stopping.fitted.refresh`` on the features the ranking
    just used (cached), at the protocol's target and confidence. Nothing is
    stored while the stage is blind to the reviewer or nothing is screened.
    """
    from protocols import loader
    from screening.ranking import load_features
    from screening.stopping import fitted

    settings = loader.load(project.protocol_path).screening
    features = load_features(db, spec, project.cache_dir)
    found = fitted.refresh(
        db, who, stage, features, settings.stopping_target, settings.stopping_confidence,
        None if ranked is None else ranked.model_version,
    )  # fmt: skip
    return 0 if found is None else len(found)


def explain_job(
    root: str, reviewer: str, stage: Stage, group_id: int, model_version: str | None
) -> Explained:
    """Explain a study's relevance, with the size of the ranking it was shown from."""
    from screening import db as sdb
    from screening import ranking

    with _open(root, reviewer) as (project, db, who, spec):
        why = ranking.explain(db, who, stage, group_id, spec, cache_dir=project.cache_dir)
        size = sdb.ranking_size(db, model_version, stage) if model_version else None
        return Explained(why, size)


JOBS: dict[str, Callable[..., Any]] = {
    "retrain": retrain_job,
    "explain": explain_job,
}


def _quiet() -> None:
    """Send the worker's output nowhere: it shares the terminal the TUI draws on."""
    import warnings

    warnings.simplefilter("ignore")
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        os.close(sink)
    except OSError:
        pass
    sys.stdout = sys.stderr = open(os.devnull, "w")  # lives as long as the process


def serve(conn: Connection) -> None:
    """Answer jobs sent over a pipe until it closes (the worker process's main loop).

    Each request is ``(job name, args)``; each answer ``("ok", result)`` or
    ``("error", message)``. The process runs at a lower priority (nice 10,
    ``$REVIEW_RANKING_NICE``) and with one BLAS thread, so that on a
    two-core laptop the screen keeps a core.
    """
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    _quiet()
    try:
        os.nice(int(os.environ.get("REVIEW_RANKING_NICE", "10")))
    except (AttributeError, OSError):
        pass  # not on this platform: the screen still never waits, only shares
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        name, args = request
        answer: tuple[str, Any]
        try:
            answer = ("ok", JOBS[name](*args))
        except Exception as exc:  # reported to the screen, never raised there
            answer = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return
