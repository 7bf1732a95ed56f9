"""Per-stage screening progress for ``review status --json`` and the dashboard.

Counts that follow from other reviewers' labels (included, excluded, maybe,
conflicts, resolved, agreement, other reviewers' tallies) are None while a
stage is blind to the viewer. How many studies were screened at all is shown
in any case: it says how far the team is, not what anyone decided.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from screening import blind
from screening import db as sdb
from screening.agreement import stage_agreement
from screening.blind import Viewer
from screening.stages import FULL_TEXT, STAGES, TITLE_ABSTRACT, eligible_count


def progress(db: Database, who: Viewer) -> dict[str, Any]:
    """Return the whole screening progress as the viewer may see it (JSON-ready)."""
    return {
        "viewer": who.name,
        "lead": who.is_lead,
        "blind": who.blind,
        "reviewers_per_record": who.required,
        "unblinded": sorted(sdb.unblinded(db)),
        "stages": {stage: stage_progress(db, who, stage) for stage in STAGES},
    }


def stage_progress(db: Database, who: Viewer, stage: str) -> dict[str, Any]:
    """Return one stage's counts, per-reviewer tallies, agreement and screening rate.

    Keys: ``eligible`` (studies the stage screens; at full text, PRISMA's
    reports sought), ``screened`` (by at least one reviewer),
    ``fully_screened`` (by the required number), ``included``, ``excluded``,
    ``maybe``, ``conflicts`` (unresolved), ``resolved``, ``undecided``,
    ``not_retrieved`` (full text), ``reviewers`` (name -> label counts),
    ``agreement`` and ``rate`` (groups the viewer decided per hour in their
    last session).
    """
    blind.check_stage(stage)
    out: dict[str, Any] = {"eligible": eligible_count(db, who, stage)}
    ta_open = blind.full_text_open(db, who) if stage == FULL_TEXT else None
    if stage == TITLE_ABSTRACT or ta_open is not None:
        out["screened"], out["fully_screened"] = sdb.screened_counts(db, stage, who.required)
    else:
        out["screened"] = out["fully_screened"] = None
    out.update(dict.fromkeys(("included", "excluded", "maybe", "conflicts", "resolved"), None))
    out["undecided"] = None
    tallies = blind.tallies(db, who, stage)
    if tallies is not None and out["eligible"] is not None:
        counts = tallies.outcome_counts()
        resolved_in = counts.get("resolved_include", 0)
        resolved_out = counts.get("resolved_exclude", 0)
        out["included"] = counts.get("include", 0) + resolved_in
        out["excluded"] = counts.get("exclude", 0) + resolved_out
        out["maybe"] = counts.get("maybe", 0)
        out["conflicts"] = counts.get("conflict", 0)
        out["resolved"] = resolved_in + resolved_out
        decided = sum(v for k, v in counts.items() if k != "undecided")
        out["undecided"] = max(out["eligible"] - decided, 0)
    out["not_retrieved"] = None
    if stage == FULL_TEXT and ta_open is not None:
        out["not_retrieved"] = ta_open.full_text_counts()[1]
    out["reviewers"] = blind.label_counts(db, who, stage)
    agreement = stage_agreement(db, who, stage)
    out["agreement"] = None if agreement is None else agreement.as_dict()
    out["rate"] = session_rate(db, who, stage)
    return out


def session_rate(db: Database, who: Viewer, stage: str) -> dict[str, Any] | None:
    """Return the viewer's last session at a stage: groups decided, minutes, groups per hour."""
    last = sdb.last_session(db, who.name, stage)
    if last is None:
        return None
    session_id, started = last
    count, last_time = sdb.session_decisions(db, session_id)
    minutes = 0.0
    if last_time is not None:
        elapsed = datetime.fromisoformat(last_time) - datetime.fromisoformat(started)
        minutes = max(elapsed.total_seconds(), 0.0) / 60
    per_hour = round(count / (minutes / 60), 1) if minutes > 0 else None
    return {
        "session_id": session_id,
        "started": started,
        "decisions": count,
        "minutes": round(minutes, 2),
        "per_hour": per_hour,
    }
