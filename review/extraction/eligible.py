"""Which studies enter extraction: those included at the last screening stage.

A study included at full text (agreed, or resolved by a lead or third
reviewer) enters extraction; one that leaves that inclusion (an undo, a new
conflict) leaves it, and its values stay in the log. In a blind screening
review the outcomes are hidden until a lead unblinds full text, so
extraction opens then.
"""

from __future__ import annotations

from sqlite_utils import Database

from protocols.model import Protocol, Stage
from review.core.errors import ExtractionError
from screening.blind import Viewer
from screening.stages import outcomes

#: Outcomes with which a study is included (enters extraction).
INCLUDED = frozenset({"include", "resolved_include"})


def last_stage(protocol: Protocol) -> Stage:
    """Return the review's last screening stage (full text unless only title/abstract)."""
    return protocol.screening.stages[-1] if protocol.screening.stages else Stage.FULL_TEXT


def included_studies(db: Database, protocol: Protocol, who: Viewer) -> list[int] | None:
    """Return the included studies in group order, or None while screening is blind to ``who``."""
    found = outcomes(db, who, last_stage(protocol))
    if found is None:
        return None
    return sorted(g for g, code in found.items() if code in INCLUDED)


def require_included(db: Database, protocol: Protocol, who: Viewer, group_id: int) -> None:
    """Raise unless the study is included and extraction is open to ``who``.

    Raises:
        ExtractionError: one line saying why and what to do.
    """
    stage = last_stage(protocol)
    found = outcomes(db, who, stage)
    if found is None:
        raise ExtractionError(
            f"extraction opens when a lead unblinds {stage.label.lower()} screening"
            f" (review unblind --stage {stage.cli})"
        )
    code = found.get(group_id, "undecided")
    if code not in INCLUDED:
        raise ExtractionError(
            f"study {group_id} is not included at {stage.label.lower()} screening"
            f" (outcome: {code}); only included studies are extracted"
        )
