"""``review status``: what is in the review and what to do next."""

from __future__ import annotations

from typing import Any

from corpus import db as corpus_db
from protocols import loader
from review.core.context import viewer_for
from review.core.project import Project
from review.status.stopping_text import status_line
from screening import stopping_state
from screening.progress import progress
from screening.stages import STAGES


def collect(project: Project, reviewer: str | None = None) -> dict[str, Any]:
    """Gather the status of a review as plain data (the ``--json`` form).

    Args:
        reviewer: Whose view of screening (in blind mode only their own decisions).
    """
    db = project.open_db()
    try:
        who = viewer_for(project, db, reviewer)
        protocol = loader.load(project.protocol_path)
        counts = corpus_db.counts(db)
        sources = [
            {
                "id": s["id"],
                "database": s["database"],
                "file_name": s["file_name"],
                "format": s["format"],
                "records": s["record_count"],
                "flagged": s["flagged_count"],
                "imported_at": s["imported_at"],
                "search_date": s["search_date"],
                "query": s["query"],
                "sha256": s["sha256"],
            }
            for s in corpus_db.sources(db)
        ]
        screening = progress(db, who)
        settings = protocol.screening
        for stage in STAGES:
            # Computed from everyone's labels: null while the stage is blind to the viewer.
            screening["stages"][stage]["stopping"] = (
                stopping_state.stage_json(
                    db, who, stage, settings.stopping_target, settings.stopping_confidence
                )
                if stopping_state.visible(db, who, stage)
                else None
            )
        return {
            "project": str(project.root),
            "title": protocol.title,
            "protocol_version": protocol.version,
            "records": counts["records"],
            "groups": counts["groups"],
            "missing_title": counts["missing_title"],
            "missing_abstract": counts["missing_abstract"],
            "identified_by_database": corpus_db.counts_by_database(db),
            "sources": sources,
            "screening": screening,
        }
    finally:
        db.close()


def render(data: dict[str, Any]) -> str:
    """Render the status for a terminal."""
    lines = [f"{data['title']}  ({data['project']})", ""]
    if not data["sources"]:
        lines.append("No records yet. Next: review import FILE... (RIS, BibTeX, MEDLINE, CSV, ...)")
        return "\n".join(lines)
    lines.append("Records identified (PRISMA):")
    for name, n in data["identified_by_database"].items():
        lines.append(f"  {name:<28} {n:>8}")
    lines.append(f"  {'total':<28} {data['records']:>8}")
    lines.append(f"Studies (groups):              {data['groups']:>8}")
    lines.append(
        f"Missing title / abstract:      {data['missing_title']:>8} / {data['missing_abstract']}"
    )
    lines.append("")
    lines.append("Sources:")
    for s in data["sources"]:
        date = f", searched {s['search_date']}" if s["search_date"] else ""
        lines.append(
            f"  #{s['id']} {s['file_name']} - {s['database']} [{s['format']}], "
            f"{s['records']} records{date}"
        )
    screening = data["screening"]
    lines.append("")
    lines.append("Stopping (review stopping):")
    for stage, p in screening["stages"].items():
        blind = screening["blind"] and not screening["lead"]
        hidden = blind and stage not in screening["unblinded"]
        lines.append(status_line(stage, p.get("stopping"), hidden))
    lines.append("")
    lines.append("Next: review export records --format csv -o records.csv")
    return "\n".join(lines)
