"""The duplicate review queue: two records side by side, decided by one key.

The screen reads the queue and the two records on the UI thread (small,
indexed queries) and hands every decision to the app's
:class:`~review.session.dedup.DedupSession` through the app's one write
queue, which writes it from a worker thread in key-press order, so the next
pair appears at once even when a merge on a large review takes a moment.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Header, Label, Static

from corpus import db as corpus_db
from corpus.dedup.keys import (
    journal_key,
    journals_compatible,
    names_match,
    parse_name,
    split_authors,
)
from review.session.dedup import Action, ActionKind, Outcome
from review.session.writes import WriteResult
from review.tui.screens.base import ReviewScreen

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


def _same_authors(left: str, right: str) -> bool:
    """Tell whether two author lists name the same people in any export format.

    Lists cut short ("et al.") are compared as far as both go.
    """
    names = [[parse_name(n.strip()) for n in split_authors(side)] for side in (left, right)]
    return all(
        x is None or y is None or names_match(x, y)
        for x, y in zip(names[0], names[1], strict=False)
    )


def _vip_parts(text: str) -> dict[str, str]:
    """Split "vol 18, no 1, pp 62-70" into comparable parts (first page only)."""
    parts = dict(part.split(" ", 1) for part in text.split(", ") if " " in part)
    if "pp" in parts:
        parts["pp"] = re.split(r"[-\u2013]", parts["pp"], maxsplit=1)[0]
    return {name: _key(value) for name, value in parts.items()}


def differs(field: str, left: str, right: str) -> bool:
    """Tell whether two present values disagree beyond case, spacing and punctuation.

    A value missing on one side is not a disagreement: the screen shows it as
    missing instead, since exports often drop fields.
    """
    if not left or not right or field in NEVER_FLAGGED:
        return False
    if field == "authors":
        return not _same_authors(left, right)
    if field == "journal":
        return not journals_compatible(journal_key(left), journal_key(right))
    if field == "vip":
        lp, rp = _vip_parts(left), _vip_parts(right)
        return any(lp[k] != rp[k] for k in lp.keys() & rp.keys())
    return _key(left) != _key(right)


def word_diff(left: str, right: str) -> tuple[Content, Content]:
    """Return both texts with the words that the other text lacks marked.

    Words are compared without case and punctuation, and lone punctuation
    ("-" for ":") is never marked, so only real wording changes stand out.
    """
    words = _WORD.findall(left), _WORD.findall(right)
    keyed = [[(i, _key(w)) for i, w in enumerate(side) if _key(w)] for side in words]
    matcher = difflib.SequenceMatcher(
        a=[k for _, k in keyed[0]], b=[k for _, k in keyed[1]], autojunk=False
    )
    marked: tuple[set[int], set[int]] = (set(), set())
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            marked[0].update(keyed[0][i][0] for i in range(i1, i2))
            marked[1].update(keyed[1][j][0] for j in range(j1, j2))

    def build(side: int) -> Content:
        parts: list[str | tuple[str, str]] = []
        for i, word in enumerate(words[side]):
            parts.append((word, WORD_STYLE) if i in marked[side] else word)
            parts.append(" ")
        return Content.assemble(*parts[:-1]) if parts else Content("")

    return build(0), build(1)


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
        # Word-level marks say more than a whole field in warning colour.
        self.set_class(flagged and self.field in WORD_DIFF, "word-diff")
        cells = self.query(".field-value").results(Static)
        if flagged and self.field in WORD_DIFF:
            contents: tuple[Content, Content] = word_diff(left, right)
        else:
            contents = (Content(left), Content(right))
        for cell, text, content in zip(cells, (left, right), contents, strict=True):
            cell.set_class(not text, "missing")
            cell.update(content if text else Content("(none)"))


class DedupScreen(ReviewScreen):
    """Review queued duplicate pairs: merge, keep apart, skip or undo."""

    CSS_PATH = "dedup.tcss"
    TITLE = "Duplicates"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,1", "decide('duplicate')", "Duplicate", id="dedup.duplicate"),
        Binding("n,2", "decide('apart')", "Distinct", id="dedup.not_duplicate"),
        Binding("s", "decide('skip')", "Skip", id="dedup.skip"),
        Binding("u", "undo", "Undo", id="dedup.undo"),
        Binding("escape", "dashboard", "Back", id="dedup.dashboard"),
        Binding("r", "reload", "Reload", id="dedup.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[dict[str, Any]] = []
        self.index = 0

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
        db = self.db
        unwritten = self.review_app.dedup.pending_pairs()
        self.queue = [
            pair
            for pair in corpus_db.pairs(db, "queued") + corpus_db.pairs(db, "skipped")
            if (pair["record_a"], pair["record_b"]) not in unwritten
        ]
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
        records = corpus_db.records_full(self.db, [pair["record_a"], pair["record_b"]])
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
                # An earlier merge in this pass may have joined them already.
                ("  already one study", "$text-success")
                if records[0]["group_id"] == records[1]["group_id"]
                else "",
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
            self.warn("No pair on screen; the queue is done.")
            return
        self._submit(Action(kind, pair["record_a"], pair["record_b"]))
        self.index += 1
        self.show_pair()

    def action_undo(self) -> None:
        """Undo this session's last merge (the pair comes back for a second look)."""
        self._submit(Action("undo"))

    def action_dashboard(self) -> None:
        self.dismiss()

    def _submit(self, action: Action) -> None:
        """Queue the decision in the app's session and on the one write queue."""
        session = self.review_app.dedup
        session.submit(action)
        self.queue_write(session.apply_next)

    def write_landed(self, result: WriteResult) -> None:
        """Say what the write did; after an undo, show its pair again."""
        if result.ok:
            self.tell(result.message)
        else:
            self.warn(result.message)
        if isinstance(result, Outcome):
            self.applied(result)

    def applied(self, outcome: Outcome) -> None:
        """React to a written action: after an undo, show its pair again."""
        pair = outcome.reinstate
        if pair is not None:
            ids = (pair["record_a"], pair["record_b"])
            for i, seen in enumerate(self.queue[: self.index]):
                if (seen["record_a"], seen["record_b"]) == ids:
                    del self.queue[i]
                    self.index -= 1
                    break
            self.queue.insert(self.index, pair)
            self.show_pair()
