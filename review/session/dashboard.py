"""What the dashboard shows, read in one go: no UI here.

The status report (screening progress and stopping, as ``review status``
gives them for the reviewer), the duplicate queue's counts, the extraction
overview and the PRISMA 2020 counts, all as the reviewer may see them
(blind mode). The dashboard (``review.tui.screens.dashboard``) reads them in
a worker with its own connection, since the counts run over every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corpus import db as corpus_db
from review.core.errors import ReviewError
from review.core.review import Review
from review.extraction.overview import Overview, overview
from review.reports.prisma import collect as collect_prisma
from review.session.status import StatusReport, collect

if TYPE_CHECKING:
    from sqlite_utils import Database

    from screening.blind import Viewer


@dataclass(frozen=True, slots=True)
class DashboardData:
    """What the dashboard shows: the status report plus the duplicate queue's counts."""

    status: StatusReport
    merges: int
    merges_undone: int
    queued: int
    skipped: int
    extraction: Overview | None = None
    #: The PRISMA 2020 counts by PRISMA2020 data name (None: they do not add up).
    prisma: dict[str, Any] | None = None
    #: Why the flow cannot be drawn ("" when ``prisma`` is set).
    prisma_error: str = ""


def prisma_counts(db: Database, review: Review, who: Viewer) -> tuple[dict[str, Any] | None, str]:
    """Return the PRISMA flow's counts as ``viewer`` sees them, or why they cannot be drawn."""
    screening = review.protocol.screening
    try:
        counts = collect_prisma(
            db, who, target=screening.stopping_target, confidence=screening.stopping_confidence
        )
        counts.check()
    except ReviewError as error:
        return None, str(error)
    return counts.to_json(), ""


def dashboard_data(review: Review) -> DashboardData:
    """Gather what the dashboard shows (runs in a worker with its own connection)."""
    # Screening progress and stopping as the reviewer sees them, under the
    # protocol as it is now (as ``review status`` reads it).
    status = collect(Review.open(review.project, review.reviewer))
    with review.connect() as db:
        merges = corpus_db.merges(db)
        active = sum(1 for m in merges if m["undone_at"] is None)
        who = review.viewer(db)
        flow, flow_error = prisma_counts(db, review, who)
        return DashboardData(
            status=status,
            merges=active,
            merges_undone=len(merges) - active,
            queued=len(corpus_db.pairs(db, "queued")),
            skipped=len(corpus_db.pairs(db, "skipped")),
            extraction=overview(db, review.protocol, review.form, who),
            prisma=flow,
            prisma_error=flow_error,
        )
