"""The screening screen's progress line: "ana · screened 12 of 400 · 388 left · ...".

The counts scan every study, so they run in a worker with a connection of
their own, and only once the keys pause (see :meth:`ProgressLine.count_when_idle`);
between counts the line stays right by subtracting the writes still queued.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from protocols.vocabulary import Stage
from review.session.data import Progress, stage_progress
from review.session.screening import Tally

if TYPE_CHECKING:
    from review.tui.app import ReviewApp

#: Seconds without a landed write before the progress line is recounted.
COUNT_IDLE_S = 1.0


class ProgressLine(Static):
    """Who screens, how far they are, and this session's pace.

    Args:
        stage: The stage counted.
        tally: This session's decisions (kept by the screen).
        pending: How many decisions are queued but not yet written.
    """

    @dataclass
    class Counted(Message):
        """Fresh counts, read off the UI thread (it bubbles on to the screen)."""

        progress: Progress
        seconds: float = 0.0

    def __init__(
        self, stage: Stage, tally: Tally, pending: Callable[[], int], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.tally = tally
        self.pending = pending
        self.counts: Progress | None = None
        self._counting = self._count_again = False
        self._timer: Timer | None = None

    def count_when_idle(self) -> None:
        """Recount once the keys pause for ``COUNT_IDLE_S``, not after every key.

        A count is a scan in a thread; during a fast run of keys it would
        share the GIL with the UI thread and stretch key-to-card times, while
        the line stays right meanwhile (pending writes are subtracted from
        the last count).
        """
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(COUNT_IDLE_S, self.count)

    def count(self) -> None:
        """Recount soon: now if idle, else once after the running count.

        A count scans every study (~0.3 s at 100k on two cores). One thread
        per key would pile up (a cancelled thread worker still runs) and
        starve the UI thread; back-to-back counts would still hold a core,
        so a follow-up count first rests as long as the last count took.
        """
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        self._count(0.0)

    @work(thread=True, group="counts")
    def _count(self, rest: float) -> None:
        """Recount what is left (a count over every study: not on the UI thread)."""
        time.sleep(rest)
        start = time.perf_counter()
        app: ReviewApp = self.app  # type: ignore[assignment]
        with app.review.connect() as db:
            progress = stage_progress(db, app.review.viewer(db), self.stage)
            self.post_message(self.Counted(progress, time.perf_counter() - start))

    def on_progress_line_counted(self, message: Counted) -> None:
        self._counting = self._count_again
        if self._count_again:
            self._count_again = False
            self._count(min(message.seconds, 2.0))
        self.counts = message.progress
        self.show()

    def show(self) -> None:
        """Redraw the line from the last counts, this session's tally and the queued writes."""
        app: ReviewApp = self.app  # type: ignore[assignment]
        p = self.counts
        rate = self.tally.per_hour
        parts = [app.reviewer]
        if p is not None and p.eligible is not None:
            parts.append(f"screened {p.mine:,} of {p.eligible:,}")
        if p is not None and p.remaining is not None:
            parts.append(f"{max(p.remaining - self.pending(), 0):,} left")
        parts.append(f"this session {self.tally.decided}" + (f" ({rate}/h)" if rate else ""))
        if p is not None and p.without_fulltext:
            n = p.without_fulltext
            parts.append(f"{n:,} {'study' if n == 1 else 'studies'} without full text")
        self.update(" · ".join(parts))
