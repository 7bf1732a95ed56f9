"""Cyclic garbage collection between key presses, not during them.

Measured with ``bench/rank_bench.py`` at 10k studies, a key every 100 ms:
with Python's automatic collector, 3-6 of 60 keys took 50-130 ms from key
to card, with or without a retrain running, and the screen's own work was
~1-2 ms: the stalls were full (generation 2) collections walking every
object the app holds. With the collector paused and run when the keys
pause, the slowest of 60 keys took 6 ms while the model retrained 30 times.

So while the app runs: objects alive after start-up are frozen (never
scanned again), automatic collection is off, and :meth:`IdleCollector.tick`
collects once no key has come for ``IDLE_S``, or at once when more than
``BACKSTOP`` tracked objects are waiting (a long burst of keys cannot grow
memory without bound). The collector is restored when the app exits.
"""

from __future__ import annotations

import gc
import time

#: Seconds without a key before a collection may run.
IDLE_S = 0.5
#: Net new tracked objects that force a collection even mid-burst.
BACKSTOP = 2_000_000


class IdleCollector:
    """Runs the cyclic collector when the reviewer pauses."""

    def __init__(self) -> None:
        self._was_enabled = gc.isenabled()
        self._last_key = time.monotonic()
        self._dirty = False
        self.collections = 0

    def start(self) -> None:
        """Freeze what start-up built and switch automatic collection off."""
        gc.collect()
        gc.freeze()
        gc.disable()

    def key(self) -> None:
        """Note a key press: collection waits for the next pause."""
        self._last_key = time.monotonic()
        self._dirty = True

    def tick(self) -> None:
        """Collect if the keys have paused (call from a timer every ~0.25 s)."""
        waiting = gc.get_count()[0]
        idle = time.monotonic() - self._last_key >= IDLE_S
        if (self._dirty and idle) or waiting > BACKSTOP:
            gc.collect()
            self._dirty = False
            self.collections += 1

    def stop(self) -> None:
        """Give the interpreter its collector back."""
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()
