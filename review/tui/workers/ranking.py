"""The ranking worker: retrains and explanations off the UI thread, in a process of their own.

Why a process and not a thread: the screen must show the next study < 50 ms
after a key press while a retrain runs, and Python threads share the GIL.
TF-IDF, the sparse products and scikit-learn's fitting hold it much of the
time. ``bench/rank_bench.py`` on the shared 2-core dev machine (load 4-5 from
other jobs), 10k studies, a key every 100 ms, retraining after decisions:
median key-to-card 7-40 ms with the worker process (no ranking at all: 6-14
ms in the same runs) against 29-130 ms with the retrain in a thread of the
UI process. Under that load every mode has a tail over 50 ms; the UI
thread's own work per key stays ~1 ms (p95 < 10 ms) in all of them.
The process also keeps the feature matrix (hundreds of MB at
100k studies) out of the UI process, runs at a lower priority with one BLAS
thread, and cannot take the screen down if it crashes.
``REVIEW_RANKING_WORKER=thread`` runs the jobs in the calling thread instead
(for comparison, and for platforms without ``spawn``).

Callers block in :meth:`RankingWorker.retrain` and
:meth:`RankingWorker.explain`, so call them from Textual thread workers;
the screen reads the stored ranking from SQLite and never waits for them.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protocols.vocabulary import Stage
from review.session import ranking as ranking_jobs

if TYPE_CHECKING:
    from review.session.ranking import Explained
    from screening.ranking import Ranked

MODES = ("process", "thread")
ENV_VAR = "REVIEW_RANKING_WORKER"


@contextmanager
def _real_stderr() -> Iterator[None]:
    """Give multiprocessing a real stderr while it starts the process.

    Textual captures ``sys.stderr`` with an object whose ``fileno()`` is -1,
    which the resource tracker would pass on as a file descriptor to keep.
    The worker itself writes nothing to the terminal (``ranking_jobs.serve``).
    """
    captured = sys.stderr
    try:
        bad = captured.fileno() < 0
    except (AttributeError, OSError, ValueError):
        bad = True
    if bad and sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = captured


class RankingError(Exception):
    """A job failed in the worker (the message says why) or the worker stopped."""


class RankingWorker:
    """One reviewer's ranking jobs, one at a time, in a spawned worker process.

    Args:
        root: The review folder.
        reviewer: Whose decisions train the model (and whose queue reads it).
        mode: ``process`` (default, or ``$REVIEW_RANKING_WORKER``) or ``thread``.
    """

    def __init__(self, root: Path, reviewer: str, mode: str | None = None) -> None:
        self.root = str(root)
        self.reviewer = reviewer
        self.mode = mode or os.environ.get(ENV_VAR, "process")
        if self.mode not in MODES:
            raise ValueError(f"{ENV_VAR} must be process or thread, not {self.mode!r}")
        self._lock = threading.Lock()  # one job at a time, in call order
        self._ticket_lock = threading.Lock()
        self._ticket = 0
        self._retrains_waiting = 0
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._closed = False

    def retrain(self, stage: Stage) -> Ranked | None:
        """Retrain and store the reviewer's ranking at a stage (blocks: call from a worker).

        A retrain waiting for the worker goes before any explanation waiting.
        """
        with self._ticket_lock:
            self._retrains_waiting += 1
        try:
            result: Ranked | None = self._call("retrain", (self.root, self.reviewer, stage))
        finally:
            with self._ticket_lock:
                self._retrains_waiting -= 1
        return result

    def explain(self, stage: Stage, group_id: int, model_version: str | None) -> Explained | None:
        """Explain a study, or return None when a newer request replaced this one.

        Keys are pressed faster than studies are explained; only the study
        on screen is worth the work, so a request still waiting when the
        next one arrives is dropped.
        """
        with self._ticket_lock:
            self._ticket += 1
            mine = self._ticket
        args = (self.root, self.reviewer, stage, group_id, model_version)
        result: Explained | None = self._call(
            "explain", args, lambda: mine == self._ticket, lambda: self._retrains_waiting > 0
        )
        return result

    def _call(
        self,
        name: str,
        args: tuple[Any, ...],
        wanted: Callable[[], bool] | None = None,
        defer: Callable[[], bool] | None = None,
    ) -> Any:
        # A request that stops being wanted while it waits gives its thread back:
        # Textual's thread workers share a small pool with the decision writes.
        while True:
            if wanted is not None and not wanted():
                return None
            if (defer is None or not defer()) and self._lock.acquire(timeout=0.05):
                break
            if defer is not None and defer():
                time.sleep(0.05)  # let the waiting retrain take the worker first
        try:
            if self._closed:
                raise RankingError("the ranking worker is closed")
            if wanted is not None and not wanted():
                return None
            return self._run(name, args)
        finally:
            self._lock.release()

    def _run(self, name: str, args: tuple[Any, ...]) -> Any:
        if self.mode == "thread":
            try:
                return ranking_jobs.JOBS[name](*args)
            except Exception as exc:  # as in the process: reported, never raised on
                raise RankingError(f"{type(exc).__name__}: {exc}") from exc
        try:
            conn = self._ensure()
        except OSError as exc:
            raise RankingError(f"cannot start the ranking worker: {exc}") from None
        try:
            conn.send((name, args))
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            self._stop()
            raise RankingError(f"the ranking worker stopped ({exc or 'closed'})") from None
        if status != "ok":
            raise RankingError(str(value))
        return value

    def _ensure(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._stop()
        context = multiprocessing.get_context("spawn")
        here, there = context.Pipe()
        proc = context.Process(
            target=ranking_jobs.serve, args=(there,), daemon=True, name="review-ranking"
        )
        with _real_stderr():
            proc.start()
        there.close()
        self._proc, self._conn = proc, here
        return here

    def _stop(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(2)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Stop the worker process now (a retrain in flight is rolled back by SQLite).

        Does not wait for the lock: a caller blocked on the pipe gets an
        error when the process ends, which is what lets the app exit.
        """
        self._closed = True
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(2)
