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
from protocols.form import build_form
from review.core.errors import ReviewError
from review.extraction.overview import Overview, overview
from review.reports.prisma import collect as collect_prisma
from review.session.status import StatusReport, collect

if TYPE_CHECKING:
    from sqlite_utils import Database

    from review.core.project import Project
    from review.session.data import Settings
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


def prisma_counts(
    db: Database, settings: Settings, who: Viewer
) -> tuple[dict[str, Any] | None, str]:
    """Return the PRISMA flow's counts as ``viewer`` sees them, or why they cannot be drawn."""
    screening = settings.protocol.screening
    try:
        counts = collect_prisma(
            db, who, target=screening.stopping_target, confidence=screening.stopping_confidence
        )
        counts.check()
    except ReviewError as error:
        return None, str(error)
    return counts.to_json(), ""


def dashboard_data(project: Project, settings: Settings, reviewer: str) -> DashboardData:
    """Gather what the dashboard shows (runs in a worker with its own connection)."""
    status = collect(project, reviewer)  # screening progress and stopping as the reviewer sees
    db = project.open_db()
    try:
        merges = corpus_db.merges(db)
        active = sum(1 for m in merges if m["undone_at"] is None)
        who = settings.viewer(db, reviewer)
        flow, flow_error = prisma_counts(db, settings, who)
        return DashboardData(
            status=status,
            merges=active,
            merges_undone=len(merges) - active,
            queued=len(corpus_db.pairs(db, "queued")),
            skipped=len(corpus_db.pairs(db, "skipped")),
            extraction=overview(db, settings.protocol, build_form(settings.protocol), who),
            prisma=flow,
            prisma_error=flow_error,
        )
    finally:
        db.close()
