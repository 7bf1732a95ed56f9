"""``review status``: what is in the review and what to do next.

:func:`collect` returns a typed :class:`StatusReport`; the CLI prints
:func:`render` or ``report.to_json()``, and the dashboard reads attributes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from corpus import db as corpus_db
from corpus.db import Round
from protocols.vocabulary import Stage
from review.core.errors import UsageError
from review.core.review import Review
from review.session.stopping_text import status_line
from screening import stopping
from screening.errors import ScreeningError
from screening.progress import Progress, progress
from screening.stages import STAGES

if TYPE_CHECKING:
    from sqlite_utils import Database

    from protocols.model import Screening
    from screening.blind import Viewer


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One imported file (or sync) as ``review status`` lists it."""

    id: int
    database: str
    file_name: str
    format: str
    records: int
    flagged: int
    imported_at: str
    search_date: str | None
    query: str | None
    sha256: str
    round: int = 1

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (the field names)."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The state of a review as one reviewer may see it."""

    project: str
    title: str
    protocol_version: str
    records: int
    groups: int
    missing_title: int
    missing_abstract: int
    identified_by_database: dict[str, int]
    sources: list[SourceSummary]
    screening: Progress
    rounds: list[Round] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the ``review status --json`` form."""
        return {
            "project": self.project,
            "title": self.title,
            "protocol_version": self.protocol_version,
            "records": self.records,
            "groups": self.groups,
            "missing_title": self.missing_title,
            "missing_abstract": self.missing_abstract,
            "identified_by_database": dict(self.identified_by_database),
            "sources": [s.to_json() for s in self.sources],
            "screening": self.screening.to_json(),
            "round": self.screening.round,
            "rounds": [asdict(r) for r in self.rounds],
        }


def collect(review: Review, round_no: int | None = None) -> StatusReport:
    """Gather the status of a review.

    Args:
        review: The review, and whose view of screening (in blind mode only
            their own decisions).
        round_no: The search round the screening figures are about (the newest
            by default; ``review update``).

    Raises:
        UsageError: for a round that does not exist.
    """
    protocol = review.protocol
    with review.connect() as db:
        who = review.viewer(db)
        counts = corpus_db.counts(db)
        sources = [
            SourceSummary(
                id=s["id"],
                database=s["database"],
                file_name=s["file_name"],
                format=s["format"],
                records=s["record_count"],
                flagged=s["flagged_count"],
                imported_at=s["imported_at"],
                search_date=s["search_date"],
                query=s["query"],
                sha256=s["sha256"],
                round=s["round"],
            )
            for s in corpus_db.sources(db)
        ]
        try:
            screening = progress(db, who, round_no)
        except ScreeningError as error:
            raise UsageError(f"--round {round_no}: {error}") from None
        settings = protocol.screening
        for stage in STAGES:
            # Computed from everyone's labels: null while the stage is blind to the viewer.
            screening.stages[stage].stopping = (
                stopping_report(db, who, stage, settings, screening.round)
                if stopping.visible(db, who, stage)
                else None
            )
        return StatusReport(
            project=str(review.project.root),
            title=protocol.title,
            protocol_version=protocol.version,
            records=counts["records"],
            groups=counts["groups"],
            missing_title=counts["missing_title"],
            missing_abstract=counts["missing_abstract"],
            identified_by_database=corpus_db.counts_by_database(db),
            sources=sources,
            screening=screening,
            rounds=corpus_db.rounds(db),
        )


def stopping_report(
    db: Database, who: Viewer, stage: Stage, settings: Screening, round_no: int | None
) -> dict[str, Any] | None:
    """Return a stage's stopping report with every rule's verdict (None: nothing screened).

    The certified report (``screening.stopping.stage_json``) plus ``verdicts``,
    one row per rule (``screening.stopping.verdicts.rule_table``: certified,
    knee and budget computed now, the model-based ones as the ranking job
    stored them) and ``stopping_rule``, the protocol's choice, which drives
    ``stop_justified``.
    """
    from screening.stopping import verdicts

    target, confidence = settings.stopping_target, settings.stopping_confidence
    report = stopping.stage_json(db, who, stage, target, confidence, round_no)
    if report is None:
        return None
    rows = verdicts.rule_table(db, who, stage, target, confidence, settings.stopping, round_no)
    return verdicts.attach(report, rows or [], settings.stopping)


def render(report: StatusReport) -> str:
    """Render the status for a terminal."""
    lines = [f"{report.title}  ({report.project})", ""]
    if not report.sources:
        lines.append("No records yet. Next: review import FILE... (RIS, BibTeX, MEDLINE, CSV, ...)")
        return "\n".join(lines)
    lines.append("Records identified (PRISMA):")
    for name, n in report.identified_by_database.items():
        lines.append(f"  {name:<28} {n:>8}")
    lines.append(f"  {'total':<28} {report.records:>8}")
    lines.append(f"Studies (groups):              {report.groups:>8}")
    lines.append(
        f"Missing title / abstract:      {report.missing_title:>8} / {report.missing_abstract}"
    )
    lines.append("")
    lines.append("Sources:")
    several = len(report.rounds) > 1
    for s in report.sources:
        date = f", searched {s.search_date}" if s.search_date else ""
        where = f", round {s.round}" if several else ""
        lines.append(
            f"  #{s.id} {s.file_name} - {s.database} [{s.format}], {s.records} records{date}{where}"
        )
    screening = report.screening
    lines.append("")
    if several:
        chosen = report.rounds[screening.round - 1]
        searched = f", searches of {chosen.search_date}" if chosen.search_date else ""
        lines.append(
            f"Round {screening.round} of {len(report.rounds)}{searched}: the screening and"
            " stopping figures are about its new studies (review update list; --round N)"
        )
        ta = screening.stages[Stage.TITLE_ABSTRACT]
        done = "hidden" if ta.fully_screened is None else ta.fully_screened
        lines.append(f"  new studies {ta.eligible}, screened by all required reviewers {done}")
        lines.append("")
    lines.append("Stopping (review stopping):")
    for stage, p in screening.stages.items():
        lines.append(status_line(stage, p.stopping, screening.hidden(stage)))
    lines.append("")
    lines.append("Next: review export records --format csv -o records.csv")
    return "\n".join(lines)
