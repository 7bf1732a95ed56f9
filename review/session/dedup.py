"""Writing a reviewer's duplicate-queue decisions, in order, off the UI thread.

No UI here (harlequin's split): the screen turns keys into :class:`Action`
values, the app's workers call :meth:`DedupSession.apply_next`, and each
:class:`Outcome` goes back to the screen as a message.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from corpus import db as corpus_db
from corpus.errors import DedupError
from protocols import loader
from protocols.loader import ProtocolError

if TYPE_CHECKING:
    from review.core.project import Project

ActionKind = Literal["duplicate", "apart", "skip", "undo"]


@dataclass(frozen=True, slots=True)
class Action:
    """A key press to apply: a decision on pair (a, b), or an undo."""

    kind: ActionKind
    a: int = 0
    b: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying an action did, in a sentence for the reviewer."""

    action: Action
    message: str
    ok: bool
    #: After an undo, the pair it kept apart, shown again for a second look.
    reinstate: dict[str, Any] | None = None


class DedupSession:
    """Applies one reviewer's queue decisions in key-press order.

    Each worker thread pops the oldest pending action under a lock, so the
    order of writes is the order of keys whatever order threads start in,
    and every write uses a connection opened in its own thread (sqlite3
    connections are thread-bound).

    Args:
        project: The review being deduplicated.
        reviewer: Name recorded with every decision.
    """

    def __init__(self, project: Project, reviewer: str) -> None:
        self.project = project
        self.reviewer = reviewer
        self._pending: deque[Action] = deque()
        self._lock = threading.Lock()  # held for a whole write: one at a time, in order
        self._queue_lock = threading.Lock()  # held only to touch the deque
        self._merges: list[int] = []
        self._policy: Any = None

    @property
    def pending(self) -> int:
        """Number of actions not yet written."""
        return len(self._pending)

    def pending_pairs(self) -> set[tuple[int, int]]:
        """Pairs decided but not yet written (a reload must not show them again)."""
        with self._queue_lock:
            waiting = list(self._pending)
        return {(min(x.a, x.b), max(x.a, x.b)) for x in waiting if x.kind != "undo"}

    def submit(self, action: Action) -> None:
        """Queue an action; a worker must then call :meth:`apply_next` once."""
        with self._queue_lock:
            self._pending.append(action)

    def apply_next(self) -> Outcome:
        """Write the oldest pending action (call from a worker thread)."""
        with self._lock:
            with self._queue_lock:
                action = self._pending.popleft()
            try:
                with self.project.connect() as db:
                    try:
                        return self._apply(db, action)
                    except (DedupError, ProtocolError, ValueError, sqlite3.Error) as exc:
                        return Outcome(action, str(exc), False)
            except sqlite3.Error as exc:
                return Outcome(action, f"cannot open the review database: {exc}", False)

    def _policy_for(self) -> Any:
        if self._policy is None:
            # Imported here: the scorer loads rapidfuzz, which the dashboard never needs.
            from corpus.dedup import DedupPolicy

            table = loader.load(self.project.protocol_path).dedup
            try:
                self._policy = DedupPolicy.from_mapping(table)
            except ValueError as exc:
                raise ValueError(f"{self.project.protocol_path}: [dedup] {exc}") from None
        return self._policy

    def _apply(self, db: Any, action: Action) -> Outcome:
        from corpus import dedup

        a, b = action.a, action.b
        if action.kind == "skip":
            dedup.skip(db, a, b, self.reviewer)
            return Outcome(action, f"pair {a} ~ {b} skipped", True)
        if action.kind == "undo":
            if not self._merges:
                return Outcome(action, "no merge made in this session to undo", False)
            merge_id = self._merges.pop()
            try:
                merge = dedup.undo(db, merge_id, self.reviewer)
            except DedupError:
                self._merges.append(merge_id)
                raise
            pair = {k: merge[k] for k in ("record_a", "record_b", "score", "verdict", "reason")}
            return Outcome(
                action,
                f"merge {merge_id} undone; records {pair['record_a']} and {pair['record_b']} "
                "are apart again",
                True,
                {**pair, "status": "apart"},
            )
        before = max((m["id"] for m in corpus_db.merges(db)), default=0)
        sentence = dedup.decide(
            db, a, b, action.kind == "duplicate", self.reviewer, self._policy_for()
        )
        # Only a merge this decision made may be undone by this session's undo.
        self._merges.extend(m["id"] for m in corpus_db.merges(db) if m["id"] > before)
        return Outcome(action, sentence, True)
