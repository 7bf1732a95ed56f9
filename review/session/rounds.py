"""Open a search round and summarise every round (``review update``).

Opening a round is a lead's act in a review that has leads (it changes what
everyone screens next); it is one transaction with its audit entry. A round
is summarised from counts the viewer may see: how many records and studies
it brought, how many of its records were studies already known, how far its
screening is; the included counts are None while a stage is blind to them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.db import transaction
from review.core import db as review_db
from review.core.context import ReviewContext
from review.core.errors import UsageError, check_date
from screening import db as sdb
from screening.progress import stage_counts
from screening.rounds import RoundScope
from screening.stages import FULL_TEXT, TITLE_ABSTRACT


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """One round as ``review update list`` shows it (None: blind to the viewer).

    Attributes:
        number: 1 for the original search, then one per update.
        search_date: When its searches were run.
        started_at: When it was opened.
        started_by: Who opened it (None for round 1).
        note: What was said when it was opened.
        sources: Files or syncs imported in it.
        records: Records imported in it.
        new_studies: Studies first identified in it.
        known_studies: Its records that joined a study of an earlier round.
        screened: Its new studies screened at title/abstract by anyone.
        to_screen: Its new studies not yet screened by the required reviewers.
        passed: Its new studies that passed title/abstract.
        included: Its new studies included at full text.
    """

    number: int
    search_date: str | None
    started_at: str
    started_by: str | None
    note: str | None
    sources: int
    records: int
    new_studies: int
    known_studies: int
    screened: int | None
    to_screen: int | None
    passed: int | None
    included: int | None

    def to_json(self) -> dict[str, Any]:
        """Return the ``review update list --json`` form (the field names)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Opened:
    """A round just opened and what the previous one leaves behind.

    Attributes:
        number: The new round.
        search_date: Its search date.
        unscreened: Studies of earlier rounds nobody screened (they stay out
            of the queue from now on: their round stopped or was left).
        unfinished: Studies of earlier rounds partly screened at
            title/abstract (they stay in the queue until finished).
    """

    number: int
    search_date: str
    unscreened: int
    unfinished: int

    def to_json(self) -> dict[str, Any]:
        """Return the ``review update start --json`` form (the field names)."""
        return asdict(self)


def start_round(context: ReviewContext, search_date: str, note: str | None = None) -> Opened:
    """Open the next search round; later imports belong to it.

    Raises:
        UsageError: a bad or earlier date, or a reviewer who is not a lead in
            a review that has leads.
    """
    check_date(search_date)
    # A day of slack: a search run "today" east of UTC is dated tomorrow in UTC.
    if dt.date.fromisoformat(search_date) > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
        raise UsageError(f"--search-date {search_date}: is in the future; give the date run")
    db = context.db
    leads = [r["name"] for r in sdb.reviewers(db) if r["role"] == "lead"]
    if leads and not context.viewer.is_lead:
        raise UsageError(
            f"only a lead opens an update round; {context.reviewer} is not one"
            f" (leads: {', '.join(leads)})"
        )
    with transaction(db):
        current = corpus_db.current_round(db)
        if not corpus_db.round_source_counts(db).get(current):
            raise UsageError(
                f"round {current} has no imports yet; import its searches"
                " (review import FILE) before opening another round"
            )
        latest = corpus_db.latest_search_date(db)
        if latest is not None and search_date < latest:
            raise UsageError(
                f"--search-date {search_date}: is before the last round's search"
                f" ({latest}); an update searches later"
            )
        number = corpus_db.insert_round(db, search_date, review_db.now(), context.reviewer, note)
        review_db.append_audit(
            db,
            context.reviewer,
            "update.start",
            {"round": number, "search_date": search_date, "note": note},
        )
    unscreened, unfinished = _left_behind(db, number, context.viewer.required)
    return Opened(number, search_date, unscreened, unfinished)


def _left_behind(db: Database, number: int, required: int) -> tuple[int, int]:
    """Count earlier rounds' studies nobody screened, and those partly screened."""
    votes = dict(sdb.screened_groups(db, TITLE_ABSTRACT))
    earlier = [g for g, n in corpus_db.study_rounds(db).items() if n < number]
    unscreened = sum(1 for g in earlier if g not in votes)
    unfinished = sum(1 for g in earlier if 0 < votes.get(g, 0) < required)
    return unscreened, unfinished


def summaries(context: ReviewContext) -> list[RoundSummary]:
    """Return every round with its counts as the acting reviewer may see them."""
    db, who = context.db, context.viewer
    imported = corpus_db.round_source_counts(db)
    rounds_of = corpus_db.study_rounds(db)
    out: list[RoundSummary] = []
    known_rounds = corpus_db.rounds(db)
    for r in known_rounds:
        studies = frozenset(g for g, n in rounds_of.items() if n == r.number)
        # The scope screening.rounds.scope would build, from the study rounds read once.
        within = RoundScope(r.number, len(known_rounds), studies if len(known_rounds) > 1 else None)
        known = Counter(
            rounds_of.get(g, r.number) < r.number
            for g in corpus_db.round_record_groups(db, r.number)
        )[True]
        ta = stage_counts(db, who, TITLE_ABSTRACT, within)
        ft = stage_counts(db, who, FULL_TEXT, within)
        sources, records = imported.get(r.number, (0, 0))
        new = len(studies)
        to_screen = None if ta.fully_screened is None else new - ta.fully_screened
        out.append(
            RoundSummary(
                number=r.number, search_date=r.search_date, started_at=r.started_at,
                started_by=r.started_by, note=r.note, sources=sources, records=records,
                new_studies=new, known_studies=known, screened=ta.screened,
                to_screen=to_screen, passed=ft.eligible, included=ft.included,
            )
        )  # fmt: skip
    return out


def render(rounds: list[RoundSummary]) -> str:
    """Render the rounds as a table for a terminal ("hidden": blind to the viewer)."""
    head = (
        f"{'round':>5}  {'searched':<10}  {'sources':>7}  {'records':>7}  {'new':>6}  "
        f"{'known':>6}  {'screened':>8}  {'to screen':>9}  {'passed':>6}  {'included':>8}"
    )
    lines = [head]
    for r in rounds:
        lines.append(
            f"{r.number:>5}  {r.search_date or '-':<10}  {r.sources:>7}  {r.records:>7}  "
            f"{r.new_studies:>6}  {r.known_studies:>6}  {_cell(r.screened):>8}  "
            f"{_cell(r.to_screen):>9}  {_cell(r.passed):>6}  {_cell(r.included):>8}"
        )
    lines.append("")
    lines.append(
        "new: studies first found in the round; known: its records that were studies of an"
        " earlier round (kept with their decisions)."
    )
    return "\n".join(lines)


def _cell(value: int | None) -> str:
    return "hidden" if value is None else str(value)
