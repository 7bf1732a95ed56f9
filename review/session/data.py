"""What the screening screens read: record cards, progress, search (no UI).

Kept apart from the widgets (harlequin's split) so that the bench and the
tests can call the same reads the screens make, and so that every read of
other reviewers' decisions goes through ``screening.blind``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.dedup import merged_view
from protocols.model import Stage
from review.session import db as session_db
from review.session.sources import without_fulltext
from screening import blind, queue
from screening import db as sdb
from screening.blind import Viewer
from screening.rounds import scope
from screening.stages import FULL_TEXT, TITLE_ABSTRACT, eligible_count

#: Stage -> short name ("Title/abstract"); keyed by :class:`Stage`, so plain names look up too.
STAGE_NAMES: dict[str, str] = {stage: stage.short for stage in Stage}


@dataclass(slots=True)
class Card:
    """One study as the screening screen shows it."""

    group_id: int
    fields: dict[str, Any]
    records: list[dict[str, Any]]
    fulltexts: list[dict[str, Any]] = field(default_factory=list)
    own: sdb.Event | None = None
    report_flag: str | None = None


def load_card(db: Database, who: Viewer, group_id: int, stage: Stage) -> Card | None:
    """Read a study: its records merged to the most complete values (indexed look-ups)."""
    records = corpus_db.records_full(db, session_db.group_record_ids(db, group_id))
    if not records:
        return None
    card = Card(group_id, merged_view(records), records)
    card.own = blind.own_current(db, who, group_id, stage)
    if stage == FULL_TEXT:
        card.fulltexts = corpus_db.fulltexts_of_group(db, group_id)
        card.report_flag = sdb.report_flag(db, group_id)
    return card


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the reviewer stands at a stage (None: the stage is closed to them)."""

    eligible: int | None
    remaining: int | None
    mine: int
    #: Studies at full text with no report attached (None: title/abstract, or closed).
    without_fulltext: int | None = None


def stage_progress(db: Database, who: Viewer, stage: Stage) -> Progress:
    """Count what is left for the reviewer (tens of ms at 100k: call from a worker).

    After an update (``screening.rounds``) title/abstract counts the newest
    round's new studies, as its queue does; full text goes on over every
    study that passed title/abstract.
    """
    missing = without_fulltext(db, who) if stage == FULL_TEXT else None
    remaining = queue.remaining(db, who, stage)
    studies = scope(db).studies if stage == TITLE_ABSTRACT else None
    if studies is not None:
        mine = len(sdb.own_studies(db, who.name, stage) & studies)
        return Progress(len(studies), remaining, mine, missing)
    own = blind.label_counts(db, who, stage).get(who.name, {})
    return Progress(eligible_count(db, who, stage), remaining, sum(own.values()), missing)


def search_records(db: Database, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """Keyword (FTS5) search over the review, one hit per study, best first.

    Raises:
        sqlite3.OperationalError: for FTS5 syntax errors in ``query``.
    """
    corpus_db.sync_fts(db)
    rows = corpus_db.fts_search(db, query, limit * 2, None, None)
    found = corpus_db.record_summaries(db, [rid for rid, _ in rows])
    hits: dict[int, dict[str, Any]] = {}
    for rid, _ in rows:
        hit = found.get(rid)
        if hit is not None and hit["group_id"] not in hits:
            hits[hit["group_id"]] = hit
    return list(hits.values())[:limit]
