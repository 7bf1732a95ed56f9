"""The relevance line of the screening card, and the retrains that keep the ranking fresh.

In ``order = "ranked"`` the screening screen shows, above each study, the
rank and score it was shown with (the ones ``decide`` logs) and why it
ranks there: its nearest includes or its top terms. After each decision
lands, the panel asks the app's :class:`~review.tui.workers.ranking.RankingWorker`
to retrain; while one runs, further decisions only mark one more retrain
to run after it (one per batch, not one per key), after a rest as long as
the last retrain took, so the worker holds at most half a core while keys
keep coming. Nothing here blocks the
UI thread: retrains and explanations run in thread workers that wait on
the worker process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from protocols.vocabulary import Stage
from review.tui.workers.ranking import RankingError
from screening.decide import Shown

if TYPE_CHECKING:
    from review.session.ranking import Explained as Explanation
    from review.tui.app import ReviewApp
    from screening.ranking import Ranked, Why

#: Share of the ranking counted high / medium relevance (by rank), and the
#: ranks that count so in any ranking (a small review has few studies).
HIGH, MEDIUM = 0.05, 0.25
HIGH_RANKS, MEDIUM_RANKS = 3, 10
TITLE_CHARS = 40
#: The longest rest between two retrains while decisions keep coming.
RETRAIN_REST_MAX = 3.0
#: How long a study stays on screen before its why is asked for (seconds).
WHY_DELAY = 0.25


def level(rank: int, size: int | None) -> str:
    """Return ``high``, ``medium`` or ``low`` from a rank's place in its ranking."""
    share = rank / size if size else 1.0
    if rank <= HIGH_RANKS or share <= HIGH:
        return "high"
    return "medium" if rank <= MEDIUM_RANKS or share <= MEDIUM else "low"


def relevance_text(shown: Shown, size: int | None, status: str) -> Content:
    """Return "Relevance: high (rank 3 of 1,204; svm@57)" for what the study was shown with."""
    if shown.model_version is None or shown.rank is None:
        return Content.assemble(("Relevance: ", "bold"), (status, "italic"))
    of = f" of {size:,}" if size else ""
    name = shown.model_version.split("#", 1)[0]
    grade = level(shown.rank, size)
    style = {"high": "bold $text-success", "medium": "bold"}.get(grade, "$text-muted")
    return Content.assemble(
        ("Relevance: ", "bold"), (grade, style), f" (rank {shown.rank:,}{of}; {name})"
    )


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def why_text(why: Why | None, blind: bool) -> str:
    """Return the one-line why: top terms first (short), then the nearest includes."""
    if why is None:
        return ""
    parts: list[str] = []
    if why.terms:
        kind = "terms" if why.terms_from == "model" else "question terms"
        parts.append(f"{kind}: {', '.join(why.terms)}")
    if why.nearest:
        whose = "your includes" if blind else "included"
        parts.append(f"like {whose} " + "; ".join(f"“{_short(n.title)}”" for n in why.nearest))
    return ("Why: " + " · ".join(parts)) if parts else ""


class RelevancePanel(Static):
    """Relevance and why of the study on screen; retrains after decisions."""

    # Two fixed lines: the card must not jump when the why arrives, and a
    # repaint of this widget alone costs the UI thread less than a relayout.
    DEFAULT_CSS = """
    RelevancePanel {
        color: $text-muted; height: 2; margin-bottom: 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    @dataclass
    class Retrained(Message):
        """A retrain finished (``ranked`` None: nothing to rank by yet)."""

        ranked: Ranked | None
        error: str | None = None
        seconds: float = 0.0

    @dataclass
    class Explained(Message):
        """An explanation of one study arrived."""

        group_id: int
        explained: Explanation | None

    def __init__(self, stage: Stage, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.group_id: int | None = None
        self.shown = Shown()
        self.why: Why | None = None
        self.sizes: dict[str, int] = {}
        self.status = "not ranked yet: the first ranking is being trained"
        self.retrains = 0
        self._training = False
        self._train_again = False
        self._rank_warned = False
        self._why_timer: Timer | None = None

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        _ = self.review_app.ranking_worker  # created here, on the UI thread, not by two workers
        self.retrain()  # the first ranking (a cold start on a new review)

    # --- retraining, coalesced ---------------------------------------------------

    def retrain(self, rest: float = 0.0) -> None:
        """Retrain soon: now if idle, else once more when the running retrain ends."""
        if self._training:
            self._train_again = True
            return
        self._training = True
        self._retrain(rest)

    @work(thread=True, group="ranking")
    def _retrain(self, rest: float) -> None:
        time.sleep(rest)
        start = time.perf_counter()
        try:
            ranked = self.review_app.ranking_worker.retrain(self.stage)
        except RankingError as exc:
            self.post_message(self.Retrained(None, str(exc)))
            return
        self.post_message(self.Retrained(ranked, None, time.perf_counter() - start))

    def on_relevance_panel_retrained(self, message: Retrained) -> None:
        message.stop()
        self._training = False
        self.retrains += 1
        ranked = message.ranked
        if message.error is not None and not self._rank_warned:
            self._rank_warned = True
            self.notify(message.error, title="Ranking failed", severity="warning")
        elif ranked is not None:
            self.sizes[ranked.model_version] = ranked.size
            self.status = "unranked: picked in random order"
        elif message.error is None:
            self.status = "unranked: no question, include term or include to rank by yet"
        if self._train_again:
            # Back-to-back retrains would hold a core while keys keep coming;
            # resting as long as the last one took halves that (the order
            # lags one retrain more, ~1 s at 100k studies).
            self._train_again = False
            self.retrain(rest=min(message.seconds, RETRAIN_REST_MAX))
        elif self.shown.model_version is None:
            self.refresh_text()

    # --- the study on screen -----------------------------------------------------

    def show_study(self, group_id: int | None, shown: Shown) -> None:
        """Show the relevance of the study now on screen; fetch why once it stays there.

        The why waits :data:`WHY_DELAY`: a reviewer pressing ``e`` through a
        run of off-topic studies needs no explanation of each, and every one
        asked for would hold the worker from the next retrain.
        """
        self.group_id, self.shown, self.why = group_id, shown, None
        self.refresh_text()
        if self._why_timer is not None:
            self._why_timer.stop()
            self._why_timer = None
        if group_id is not None:
            version = shown.model_version
            self._why_timer = self.set_timer(
                WHY_DELAY, lambda: self._explain(group_id, version), name="why"
            )

    @work(thread=True, group="why")
    def _explain(self, group_id: int, model_version: str | None) -> None:
        try:
            found = self.review_app.ranking_worker.explain(self.stage, group_id, model_version)
        except RankingError:
            found = None
        if found is not None:
            self.post_message(self.Explained(group_id, found))

    def on_relevance_panel_explained(self, message: Explained) -> None:
        message.stop()
        if message.group_id != self.group_id or message.explained is None:
            return
        self.why = message.explained.why
        if message.explained.size and self.shown.model_version:
            self.sizes[self.shown.model_version] = message.explained.size
        self.refresh_text()

    def refresh_text(self) -> None:
        if self.group_id is None:
            self.update("", layout=False)
            return
        size = self.sizes.get(self.shown.model_version or "")
        review = self.review_app.review
        why = review.masked(why_text(self.why, review.protocol.screening.blind))
        line = relevance_text(self.shown, size, self.status)
        self.update(Content.assemble(line, "\n", why) if why else line, layout=False)
