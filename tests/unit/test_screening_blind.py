"""Blind mode: a reviewer's every read and export is blind to the others until unblinded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from screening import conflicts, export, progress, queue, stages
from screening.agreement import stage_agreement
from screening.blind import Viewer, events, label_counts, sees_all, unblind, viewer
from screening.decide import decide, undo
from screening.errors import ScreeningError
from tests.screening_support import make_review, team

ROOT = Path(__file__).resolve().parents[2]
TA, FT = "title_abstract", "full_text"


def strip_times(value: Any) -> Any:
    """Drop wall-clock times, which differ between otherwise identical runs."""
    if isinstance(value, dict):
        return {k: strip_times(v) for k, v in value.items() if k not in ("time", "started")}
    if isinstance(value, list | tuple):
        return [strip_times(v) for v in value]
    return value


def everything_seen_by(db: Database, who: Viewer, groups: list[int]) -> dict[str, Any]:
    """Call every read API of the screening layer as ``who``."""
    seen: dict[str, Any] = {
        "events": [e.__repr__() for e in events(db, who)],
        "history": [strip_times(r) for r in export.decision_rows(db, who, history=True)],
        "current": [strip_times(r) for r in export.decision_rows(db, who)],
        "group_decisions": export.group_decisions(db, who),
        "progress": strip_times(progress.progress(db, who).to_json()),
        "label_counts": {s: label_counts(db, who, s) for s in (TA, FT)},
        "outcomes": {s: stages.outcomes(db, who, s) for s in (TA, FT)},
        "outcome": [stages.outcome(db, who, g, s) for g in groups for s in (TA, FT)],
        "eligible": {s: stages.eligible_count(db, who, s) for s in (TA, FT)},
        "conflicts": {s: conflicts.conflicts(db, who, s) for s in (TA, FT)},
        "agreement": {s: stage_agreement(db, who, s) for s in (TA, FT)},
        "next": {s: queue.next_group(db, who, s) for s in (TA, FT)},
        "remaining": {s: queue.remaining(db, who, s) for s in (TA, FT)},
    }
    seen["events"] = [re.sub(r"time='[^']*'", "", e) for e in seen["events"]]
    try:
        decide(db, who, groups[0], FT, "include")
        seen["full_text_decision"] = "allowed"
    except ScreeningError as exc:
        seen["full_text_decision"] = str(exc)
    return seen


def build(folder: Path, variant: int) -> tuple[Database, list[int], list[Viewer]]:
    """Ann decides the same way in both variants; bob's labels, reasons, notes differ."""
    folder.mkdir()
    db, groups = make_review(folder, 6)
    people = team(db, "ann", "bob")
    ann, bob, _lead = people
    for g, label in zip(
        groups[:5], ["include", "include", "exclude", "maybe", "exclude"], strict=True
    ):
        decide(db, ann, g, TA, label)
    bob_labels = (
        [("include", None, "fits"), ("exclude", "wrong design", None), ("exclude", None, "no")]
        if variant == 0
        else [("exclude", "wrong population", "nope"), ("maybe", None, None), ("include", None, "")]
    )
    for g, (label, reason, note) in zip(groups[:3], bob_labels, strict=True):
        decide(db, bob, g, TA, label, reason=reason, note=note)
    decide(db, bob, groups[3], TA, "include" if variant else "exclude")
    undo(db, bob, groups[3], TA)
    return db, groups, people


def test_blind_reviewer_sees_nothing_of_the_others_whatever_they_decided(tmp_path: Path) -> None:
    db0, groups, (ann0, bob0, lead0) = build(tmp_path / "v0", 0)
    db1, _, (ann1, _, _) = build(tmp_path / "v1", 1)
    seen0 = everything_seen_by(db0, ann0, groups)
    seen1 = everything_seen_by(db1, ann1, groups)
    assert seen0 == seen1
    assert seen0["full_text_decision"].startswith("full-text screening opens when the lead")
    assert {r["reviewer"] for r in seen0["history"]} == {"ann"}
    assert {r["reviewer"] for r in seen0["current"]} == {"ann"}
    assert seen0["progress"]["stages"][TA]["conflicts"] is None
    assert seen0["progress"]["stages"][TA]["reviewers"] == {
        "ann": {"include": 2, "exclude": 2, "maybe": 1}
    }
    # Progress (not labels) is shared: 4 studies screened, 3 by both.
    assert seen0["progress"]["stages"][TA]["screened"] == 5
    assert seen0["progress"]["stages"][TA]["fully_screened"] == 3
    # The lead sees bob's rows, and they differ between the variants.
    lead_rows = list(export.decision_rows(db0, lead0))
    assert {r["reviewer"] for r in lead_rows} == {"ann", "bob"}
    # A blind reviewer cannot unblind, nor resolve.
    with pytest.raises(ScreeningError, match="only a lead"):
        unblind(db0, ann0, TA)
    with pytest.raises(ScreeningError, match="unblinds the stage first"):
        conflicts.resolve(db0, ann0, groups[0], TA, "include", "consensus")
    assert bob0.name == "bob"


def test_after_unblinding_everything_is_visible(tmp_path: Path) -> None:
    db, groups, (ann, bob, lead) = build(tmp_path / "v", 0)
    decide(db, bob, groups[4], TA, "exclude")
    assert not sees_all(db, ann, TA)
    assert unblind(db, lead, TA) is True
    assert unblind(db, lead, TA) is False  # once is enough
    assert sees_all(db, ann, TA) and not sees_all(db, ann, FT)
    ann_rows = list(export.decision_rows(db, ann, stage=TA))
    assert ann_rows == list(export.decision_rows(db, lead, stage=TA))
    assert {r["reviewer"] for r in ann_rows} == {"ann", "bob"}
    assert list(export.decision_rows(db, ann, history=True, stage=TA)) == list(
        export.decision_rows(db, lead, history=True, stage=TA)
    )
    ann_ta = progress.stage_progress(db, ann, TA).to_json()
    lead_ta = progress.stage_progress(db, lead, TA).to_json()
    assert ann_ta == lead_ta
    assert (ann_ta["conflicts"], ann_ta["included"], ann_ta["excluded"]) == (1, 1, 2)
    # Full text opens for ann now that title/abstract is unblinded, and is itself blind.
    pick = queue.next_group(db, ann, FT)
    assert pick is not None and pick.group_id == groups[0]
    decide(db, ann, groups[0], FT, "include")
    decide(db, bob, groups[0], FT, "exclude", reason="wrong design")
    assert {r["reviewer"] for r in export.decision_rows(db, ann, stage=FT)} == {"ann"}
    assert {r["reviewer"] for r in export.decision_rows(db, bob, stage=FT)} == {"bob"}
    assert conflicts.conflicts(db, ann, FT) is None
    unblind(db, lead, FT)
    assert {r["reviewer"] for r in export.decision_rows(db, ann, stage=FT)} == {"ann", "bob"}
    found = conflicts.conflicts(db, ann, FT)
    assert found is not None and [c.group_id for c in found] == [groups[0]]


def test_not_blind_review_shows_everything(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 2)
    ann, bob, _lead = team(db, "ann", "bob", blind=False)
    decide(db, bob, groups[0], TA, "include")
    assert [r["reviewer"] for r in export.decision_rows(db, ann)] == ["bob"]
    assert viewer(db, "lead", blind=True).is_lead


def test_only_the_blind_gate_reads_raw_decisions() -> None:
    """Functions returning other reviewers' decisions are called from screening/blind.py only.

    (They are defined in the screening/db package, the only place with SQL.)
    """
    allowed = {*(ROOT / "screening" / "db").glob("*.py"), ROOT / "screening" / "blind.py"}
    offenders = []
    for folder in ("screening", "review", "corpus", "protocols"):
        for path in (ROOT / folder).rglob("*.py"):
            if path not in allowed and re.search(r"\braw_\w+\(", path.read_text("utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
