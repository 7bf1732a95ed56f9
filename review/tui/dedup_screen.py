"""The duplicate review queue: two records side by side, decided by one key.

The screen reads the queue and the two records on the UI thread (small,
indexed queries) and hands every decision to :class:`DedupSession`, which
writes it from a worker thread with its own connection, strictly in the order
the keys were pressed, so the next pair appears at once even when a merge on
a large review takes a moment.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from corpus import db as corpus_db
from corpus.errors import DedupError
from protocols import loader
from protocols.loader import ProtocolError

if TYPE_CHECKING:
    from review.project import Project
    from review.tui.app import ReviewApp

ActionKind = Literal["duplicate", "apart", "skip", "undo"]

#: (row id, label) of the fields compared, in display order.
FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("journal", "Journal"),
    ("vip", "Vol/pp"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("source", "Source"),
    ("record", "Record"),
    ("abstract", "Abstract"),
)
#: Fields whose differing words are marked, not just the whole field.
WORD_DIFF = frozenset({"title", "abstract"})
#: Fields that always differ between two records and so are never flagged.
NEVER_FLAGGED = frozenset({"source", "record"})
WORD_STYLE = "bold $text-warning on $warning-muted"
_WORD = re.compile(r"\S+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def display_values(rec: dict[str, Any]) -> dict[str, str]:
    """Return each compared field of a record as display text ("" when missing)."""
    vip = ", ".join(
        f"{name} {rec[key]}"
        for key, name in (("volume", "vol"), ("issue", "no"), ("pages", "pp"))
        if rec.get(key)
    )
    source = rec.get("source") or ""
    if rec.get("file_name"):
        source = f"{source} ({rec['file_name']})"
    return {
        "title": rec.get("title") or "",
        "authors": "; ".join(rec.get("authors") or []),
        "year": str(rec["year"]) if rec.get("year") else "",
        "journal": rec.get("journal") or "",
        "vip": vip,
        "doi": rec.get("doi") or "",
        "pmid": rec.get("pmid") or "",
        "source": source,
        "record": f"#{rec['id']} (group {rec['group_id']})",
        "abstract": rec.get("abstract") or "",
    }


def _key(text: str) -> str:
    """Return text reduced to lower-case letters and digits, for comparing."""
    return _NOT_ALNUM.sub("", text.casefold())


def _surnames(authors: str) -> list[str]:
    """Return the family names of an author list in any common export format."""
    out = []
    for name in authors.split(";"):
        name = name.strip()
        if "," in name:
            out.append(_key(name.split(",", 1)[0]))
        elif name:
            parts = name.split()
            # "Smith JA" lists initials last; "Jane A. Smith" the surname last.
            initials = len(parts) > 1 and parts[-1].replace(".", "").isupper()
            out.append(_key(parts[0] if initials and len(parts[-1]) <= 4 else parts[-1]))
    return out


def differs(field: str, left: str, right: str) -> bool:
    """Tell whether two present values disagree beyond case, spacing and punctuation."""
    if not left or not right or field in NEVER_FLAGGED:
        return False
    if field == "authors":
        return _surnames(left) != _surnames(right)
    return _key(left) != _key(right)


def word_diff(left: str, right: str) -> tuple[Content, Content]:
    """Return both texts with the words that the other text lacks marked."""
    words_l, words_r = _WORD.findall(left), _WORD.findall(right)
    matcher = difflib.SequenceMatcher(
        a=[_key(w) for w in words_l], b=[_key(w) for w in words_r], autojunk=False
    )
    marked_l: set[int] = set()
    marked_r: set[int] = set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            marked_l.update(range(i1, i2))
            marked_r.update(range(j1, j2))

    def build(words: list[str], marked: set[int]) -> Content:
        parts: list[str | tuple[str, str]] = []
        for i, word in enumerate(words):
            parts.append((word, WORD_STYLE) if i in marked else word)
            parts.append(" ")
        return Content.assemble(*parts[:-1]) if parts else Content("")

    return build(words_l, marked_l), build(words_r, marked_r)


# --- writing decisions off the UI thread ---------------------------------------


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
        self._lock = threading.Lock()
        self._merges: list[int] = []
        self._policy: Any = None

    @property
    def pending(self) -> int:
        """Number of actions not yet written."""
        return len(self._pending)

    def submit(self, action: Action) -> None:
        """Queue an action; a worker must then call :meth:`apply_next` once."""
        self._pending.append(action)

    def apply_next(self) -> Outcome:
        """Write the oldest pending action (call from a worker thread)."""
        with self._lock:
            action = self._pending.popleft()
            try:
                db = self.project.open_db()
            except sqlite3.Error as exc:
                return Outcome(action, f"cannot open the review database: {exc}", False)
            try:
                return self._apply(db, action)
            except (DedupError, ProtocolError, ValueError, sqlite3.Error) as exc:
                return Outcome(action, str(exc), False)
            finally:
                db.close()

    def _policy_for(self) -> Any:
        if self._policy is None:
            # Imported here: the scorer loads rapidfuzz, which the dashboard never needs.
            from corpus.dedup_score import DedupPolicy

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
        sentence = dedup.decide(db, a, b, action.kind == "duplicate", self.reviewer, self._policy_for())
        if action.kind == "duplicate":
            made = [
                m["id"]
                for m in corpus_db.merges(db)
                if (m["record_a"], m["record_b"]) == (min(a, b), max(a, b))
                and m["undone_at"] is None
                and m["decided_by"] == self.reviewer
            ]
            if made and made[-1] not in self._merges:
                self._merges.append(made[-1])
        return Outcome(action, sentence, True)


# --- the screen -------------------------------------------------------------------


class FieldRow(Horizontal):
    """One compared field: its label and both records' values, side by side."""

    def __init__(self, field: str, label: str) -> None:
        super().__init__(id=f"row-{field}", classes="field-row")
        self.field = field
        self.label = label

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        yield Static(classes="field-value left")
        yield Static(classes="field-value right")

    def show(self, left: str, right: str) -> None:
        """Fill in both values, marking what differs and what is missing."""
        flagged = differs(self.field, left, right)
        self.set_class(flagged, "differs")
        cells = self.query(".field-value").results(Static)
        if flagged and self.field in WORD_DIFF:
            contents: tuple[Content, Content] = word_diff(left, right)
        else:
            contents = (Content(left), Content(right))
        for cell, text, content in zip(cells, (left, right), contents, strict=True):
            cell.set_class(not text, "missing")
            cell.update(content if text else Content("(none)"))


class DedupScreen(Screen[None]):
    """Review queued duplicate pairs: merge, keep apart, skip or undo."""

    CSS_PATH = "dedup.tcss"
    TITLE = "Duplicates"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,1", "decide('duplicate')", "Duplicate", id="dedup.duplicate"),
        Binding("n,2", "decide('apart')", "Not duplicate", id="dedup.not_duplicate"),
        Binding("s", "decide('skip')", "Skip", id="dedup.skip"),
        Binding("u", "undo", "Undo merge", id="dedup.undo"),
        Binding("escape", "dashboard", "Dashboard", id="dedup.dashboard"),
        Binding("r", "reload", "Reload", id="dedup.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[dict[str, Any]] = []
        self.index = 0

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed (it holds the UI-thread connection and the session)."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="pair-info")
        with VerticalScroll(id="pair-fields"):
            for field, label in FIELDS:
                yield FieldRow(field, label)
        yield Static(id="queue-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.review_app.review_title
        self.action_reload()

    @property
    def current(self) -> dict[str, Any] | None:
        """The pair on screen, or None when the queue is done."""
        return self.queue[self.index] if self.index < len(self.queue) else None

    def action_reload(self) -> None:
        """Read the queue afresh: undecided pairs first, then skipped ones."""
        db = self.review_app.db
        self.queue = corpus_db.pairs(db, "queued") + corpus_db.pairs(db, "skipped")
        self.index = 0
        self.show_pair()

    def show_pair(self) -> None:
        """Show the current pair, or say the queue is done and how to fill it."""
        pair = self.current
        fields = self.query_one("#pair-fields")
        empty = self.query_one("#queue-empty", Static)
        fields.display = pair is not None
        empty.display = pair is None
        info = self.query_one("#pair-info", Static)
        if pair is None:
            info.update(Content.from_markup("[b]Duplicate review queue[/b]"))
            empty.update(self._empty_text())
            return
        records = corpus_db.records_full(self.review_app.db, [pair["record_a"], pair["record_b"]])
        if len(records) != 2:
            self.notify(f"pair {pair['record_a']} ~ {pair['record_b']}: a record is missing")
            self.index += 1
            self.show_pair()
            return
        verdict_style = "bold $text-warning" if pair["verdict"] == "uncertain" else "bold"
        info.update(
            Content.assemble(
                (f"Pair {self.index + 1} of {len(self.queue)}", "bold"),
                "  score ",
                (f"{pair['score']:.2f}", "bold"),
                "  ",
                (pair["verdict"], verdict_style),
                " (skipped before)" if pair["status"] == "skipped" else "",
                "\n",
                (pair["reason"] or "", "$text-muted"),
            )
        )
        left, right = (display_values(r) for r in records)
        for row in self.query(FieldRow).results(FieldRow):
            row.show(left[row.field], right[row.field])
        fields.scroll_home(animate=False)

    def _empty_text(self) -> Content:
        if self.queue:
            decided = len(self.queue)
            return Content.from_markup(
                "All $n pairs of this pass are decided.\n\n"
                "Skipped pairs stay in the queue: press [b]r[/b] to go through them again.\n"
                "New imports: run [b]review dedup[/b] to find more pairs.\n\n"
                "Press [b]escape[/b] for the dashboard.",
                n=str(decided),
            )
        return Content.from_markup(
            "The duplicate review queue is empty.\n\n"
            "Fill it from the command line:\n"
            "  [b]review dedup[/b]          score likely pairs and queue them\n"
            "  [b]review dedup --auto[/b]   merge the sure pairs, queue the uncertain\n\n"
            "Press [b]escape[/b] for the dashboard."
        )

    def action_decide(self, kind: ActionKind) -> None:
        """Record a decision on the pair on screen and show the next one."""
        pair = self.current
        if pair is None:
            self.notify("No pair on screen; the queue is done.", severity="warning")
            return
        self.review_app.submit(Action(kind, pair["record_a"], pair["record_b"]))
        self.index += 1
        self.show_pair()

    def action_undo(self) -> None:
        """Undo this session's last merge (the pair comes back for a second look)."""
        self.review_app.submit(Action("undo"))

    def action_dashboard(self) -> None:
        self.dismiss()

    def applied(self, outcome: Outcome) -> None:
        """React to a written action: after an undo, show its pair again."""
        if outcome.reinstate is not None:
            self.queue.insert(self.index, outcome.reinstate)
            self.show_pair()
