"""Writing one reviewer's screening decisions, in key order, off the UI thread.

No UI here: the screen turns keys into :class:`Write` values and shows the
next record at once; the app's workers call :meth:`ScreeningSession.apply_next`,
which writes the oldest pending action through ``screening.decide`` with a
connection of its own thread, and answers with a :class:`Written`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import decide
from screening.decide import Shown
from screening.errors import ScreeningError

if TYPE_CHECKING:
    from review.core.review import Review

WriteKind = Literal["decide", "undo", "note", "reason", "not_retrieved"]


@dataclass(frozen=True, slots=True)
class Write:
    """A key press to record: a decision on a group, an undo, a note or a reason."""

    kind: WriteKind
    group_id: int = 0
    label: str = ""
    reason: str | None = None
    note: str | None = None
    shown: Shown = field(default_factory=Shown)


@dataclass(frozen=True, slots=True)
class Written:
    """What a write did, in a sentence; ``group_id`` is the group an undo brought back."""

    write: Write
    message: str
    ok: bool
    group_id: int | None = None


@dataclass(slots=True)
class Tally:
    """This session's counts for the progress line and the end-of-session summary."""

    started: float = field(default_factory=time.monotonic)
    decided: int = 0
    labels: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, step: int) -> None:
        self.decided += step
        self.labels[label] = self.labels.get(label, 0) + step

    @property
    def minutes(self) -> float:
        return (time.monotonic() - self.started) / 60

    @property
    def per_hour(self) -> float | None:
        return round(self.decided / (self.minutes / 60)) if self.minutes > 0.1 else None


class ScreeningSession:
    """Applies one reviewer's screening writes in key-press order.

    Each worker pops the oldest pending write under a lock held for the whole
    write, so writes land in key order whatever order threads start in.

    Args:
        review: The review and who decides (blind rules, reasons).
        stage: ``title_abstract`` or ``full_text``.
    """

    def __init__(self, review: Review, stage: Stage) -> None:
        self.review = review
        self.stage = stage
        self.session_id: int | None = None
        self._pending: deque[Write] = deque()
        self._lock = threading.Lock()
        self._queue_lock = threading.Lock()

    def pending_groups(self) -> list[int]:
        """Groups with a decision not yet written (the queue must not show them again)."""
        with self._queue_lock:
            return [w.group_id for w in self._pending if w.kind == "decide"]

    def submit(self, write: Write) -> None:
        """Queue a write; a worker must then call :meth:`apply_next` once."""
        with self._queue_lock:
            self._pending.append(write)

    def apply_next(self) -> Written:
        """Write the oldest pending action (call from a worker thread)."""

        with self._lock:
            with self._queue_lock:
                write = self._pending.popleft()
            try:
                with self.review.connect() as db:
                    try:
                        return self._apply(db, write)
                    except (ScreeningError, ValueError, sqlite3.Error) as exc:
                        return Written(write, str(exc), False)
            except sqlite3.Error as exc:
                return Written(write, f"cannot open the review database: {exc}", False)

    def _apply(self, db: Database, write: Write) -> Written:
        who = self.review.viewer(db)
        if self.session_id is None:
            self.session_id = decide.start_session(db, who, self.stage, "tui")
        g = write.group_id
        reasons = self.review.protocol.exclusion_reasons(self.stage) or None
        if write.kind == "decide":
            decide.decide(
                db,
                who,
                g,
                self.stage,
                write.label,
                reason=write.reason,
                note=write.note,
                allowed_reasons=reasons,
                shown=write.shown,
                session_id=self.session_id,
            )
            why = f" ({write.reason})" if write.reason else ""
            return Written(write, f"group {g}: {write.label}{why}", True)
        if write.kind == "undo":
            back = decide.undo_last(db, who, self.stage)
            if back is None:
                return Written(write, "nothing left to undo at this stage", False)
            return Written(write, f"decision on group {back} undone", True, back)
        if write.kind == "note":
            decide.set_note(db, who, g, self.stage, write.note or "")
            return Written(write, f"note saved on group {g}", True)
        if write.kind == "reason":
            decide.set_reason(db, who, g, self.stage, write.reason, reasons)
            return Written(write, f"group {g}: reason {write.reason}", True)
        decide.flag_report(db, who, g, note=write.note)
        return Written(write, f"group {g}: report marked not retrieved", True)
