"""A study in full (record detail) and the keyword search that leads to one.

The detail shows only decisions ``screening.blind.events`` lets the viewer
see, so opening a study from search never reveals another reviewer's vote in
a blind review.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlite_utils import Database
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from corpus import db as corpus_db
from corpus.dedup import merged_view
from review.core.review import Review
from review.session import db as session_db
from review.session.data import STAGE_NAMES, search_records
from review.tui.screens.base import ReviewScreen
from review.tui.widgets.card import decision_text, marked
from screening import blind

FIELDS = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("journal", "Journal"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("issn", "ISSN"),
    ("keywords", "Keywords"),
    ("language", "Language"),
    ("type", "Type"),
    ("url", "URL"),
    ("abstract", "Abstract"),
)
#: Characters of an attached report shown here (the full-text screen shows all).
REPORT_PREVIEW = 4000


def detail_content(db: Database, review: Review, group_id: int, reveal: bool) -> Content:
    """Return every field, the sources, the visible decisions and the report of a study.

    Args:
        db: The UI thread's connection (indexed look-ups of one study).
        review: Masked and highlighted terms, blind rules, and who looks: only
            decisions they may see are listed.
        group_id: The study.
        reveal: Show masked terms.
    """
    records = corpus_db.records_full(db, session_db.group_record_ids(db, group_id))
    if not records:
        return Content(f"No study {group_id} in this review.")
    fields = merged_view(records)
    parts: list[Content | str | tuple[str, str]] = [(f"Study {group_id}\n\n", "bold")]
    for key, label in FIELDS:
        value: Any = fields.get(key)
        if value in (None, "", []):
            continue
        text = "; ".join(value) if isinstance(value, list) else str(value)
        parts += [(f"{label}: ", "bold"), marked(text, review, reveal), "\n"]
    parts.append(("\nSources\n", "bold"))
    for r in records:
        parts.append(f"  #{r['id']} {r['source']} ({r['file_name']}) id {r['source_id'] or '—'}\n")
    parts.append(("\nDecisions you may see\n", "bold"))
    who = review.viewer(db)
    rows = blind.events(db, who, group_id=group_id)
    for e in rows:
        stage = STAGE_NAMES.get(e.stage, e.stage)
        parts += [f"  {stage}, {e.reviewer}: ", decision_text(e.label, e.reason, e.note), "\n"]
    if not rows:
        parts.append("  none\n")
    reports = corpus_db.fulltexts_of_group(db, group_id)
    parts.append(("\nFull text\n", "bold"))
    if not reports:
        parts.append(f"  none attached (review attach {records[0]['id']} FILE.pdf)\n")
    for rep in reports[:1]:
        text = rep["text"] if reveal else review.masked(rep["text"])
        more = "\n  …" if len(text) > REPORT_PREVIEW else ""
        parts.append(
            f"  {rep['file_name']} ({rep['pages']} pages)\n\n{text[:REPORT_PREVIEW]}{more}"
        )
    return Content.assemble(*parts)


class RecordDetailScreen(ReviewScreen):
    """One study in full; Esc goes back to where it was opened from."""

    CSS_PATH = "detail.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="detail.back"),
        Binding("v", "reveal", "Reveal", id="detail.reveal"),
    ]

    def __init__(self, group_id: int) -> None:
        super().__init__()
        self.group_id = group_id
        self.reveal = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Study {self.group_id}"
        self.render_detail()

    def render_detail(self) -> None:
        content = detail_content(self.db, self.review, self.group_id, self.reveal)
        self.query_one("#detail", Static).update(content)

    def action_reveal(self) -> None:
        """Show (or hide again) the terms the protocol masks."""
        self.reveal = not self.reveal
        self.render_detail()


class SearchScreen(ReviewScreen):
    """Keyword search (FTS5) over the review; Enter on a hit opens the study."""

    CSS_PATH = "detail.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="search.back"),
    ]

    @dataclass
    class Found(Message):
        """Search hits (or why there are none), read off the UI thread."""

        query: str
        hits: list[dict[str, Any]]
        error: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder='words, "phrases", AND/OR/NOT, prefix*', id="search-input")
        yield Static(id="search-info")
        yield OptionList(id="hits")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Search this review"
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    @work(thread=True, exclusive=True)
    def search(self, query: str) -> None:
        """Run the query with a connection of this thread (FTS sync may write)."""
        with self.project.connect() as db:
            try:
                self.post_message(self.Found(query, search_records(db, query)))
            except sqlite3.OperationalError as exc:
                error = f'{exc}; use words, "phrases", AND/OR/NOT'
                self.post_message(self.Found(query, [], error))

    def on_search_screen_found(self, message: Found) -> None:
        hits = self.query_one(OptionList)
        hits.clear_options()
        for hit in message.hits:
            year = f" ({hit['year']})" if hit.get("year") else ""
            title = self.review.masked(hit.get("title") or "(no title)")
            hits.add_option(Option(f"{hit['group_id']}: {title}{year}", id=str(hit["group_id"])))
        info = message.error or f"{len(message.hits)} studies for {message.query!r}"
        self.query_one("#search-info", Static).update(info)
        if message.hits:
            hits.focus()
            hits.highlighted = 0

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        self.review_app.open_detail(int(event.option.id or 0))
