"""The app's one write queue: every screen's writes, one at a time, in key order.

No UI here. A screen turns a key into a job (a function that opens its own
connection, writes, and answers a :class:`WriteResult`) and queues it here
with itself as the origin; the app starts one worker per job, and each worker
runs the oldest job under one lock. So writes from the duplicate queue, the
screening screens and the conflicts screen never interleave, land in the
order the keys were pressed whatever order threads start in, and a quit that
waits for the workers loses none of them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

O = TypeVar("O")  # noqa: E741 - the origin: whoever queued the job


class WriteResult(Protocol):
    """What a job answers: whether it was written, and a sentence saying what happened."""

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...


Job = Callable[[], WriteResult]


@dataclass(frozen=True, slots=True)
class Done(Generic[O]):
    """A job that ran: its result and whoever queued it."""

    result: WriteResult
    origin: O


class WriteQueue(Generic[O]):
    """Runs queued jobs strictly one at a time, oldest first (call :meth:`run_next` per job)."""

    def __init__(self) -> None:
        self._jobs: deque[tuple[Job, O]] = deque()
        self._lock = threading.Lock()  # held for a whole job: writes never overlap
        self._queue_lock = threading.Lock()  # held only to touch the deque

    @property
    def pending(self) -> int:
        """Jobs queued and not yet started."""
        with self._queue_lock:
            return len(self._jobs)

    def submit(self, job: Job, origin: O) -> None:
        """Queue a job; the caller then starts one worker that calls :meth:`run_next`."""
        with self._queue_lock:
            self._jobs.append((job, origin))

    def run_next(self) -> Done[O]:
        """Run the oldest job (from a worker thread) and return what it answered.

        Raises:
            IndexError: when called more often than :meth:`submit`.
        """
        with self._lock:
            with self._queue_lock:
                job, origin = self._jobs.popleft()
            return Done(job(), origin)
