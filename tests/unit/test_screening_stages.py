"""Stages, outcomes, full-text eligibility, conflicts and their resolution."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from screening import db as sdb
from screening import progress, queue
from screening.blind import viewer
from screening.conflicts import conflicts, reopen, resolve
from screening.decide import decide, flag_report, undo
from screening.errors import ScreeningError
from screening.stages import classify, eligible_count, outcome, outcomes, parse_stage
from tests.screening_support import make_review, team

TA, FT = "title_abstract", "full_text"


def test_classify_rules() -> None:
    assert classify([], 2, TA) == "undecided"
    assert classify(["include"], 2, TA) == "undecided"
    assert classify(["include", "include"], 2, TA) == "include"
    assert classify(["include", "maybe"], 2, TA) == "maybe"  # both go on to full text
    assert classify(["maybe", "maybe"], 2, TA) == "maybe"
    assert classify(["include", "exclude"], 2, TA) == "conflict"
    assert classify(["maybe", "exclude"], 2, TA) == "conflict"
    assert classify(["include", "maybe"], 2, FT) == "conflict"  # no maybe in the end
    assert classify(["maybe"], 1, FT) == "conflict"
    assert classify(["exclude", "exclude"], 2, FT) == "exclude"
    assert classify(["include", "exclude"], 2, FT, "exclude") == "resolved_exclude"
    assert parse_stage("title-abstract") == TA and parse_stage("Full-Text") == FT
    with pytest.raises(ScreeningError, match="title-abstract or full-text"):
        parse_stage("abstract")


def test_sql_outcomes_match_classify_on_every_combination(tmp_path: Path) -> None:
    combos = [
        labels
        for size in range(4)
        for labels in itertools.combinations_with_replacement(sdb.LABELS, size)
    ]
    # A resolution needs a conflict, so it never exists on a group nobody voted on.
    cases = [
        (s, labels, r)
        for s in (TA, FT)
        for labels in combos
        for r in (None, "include")
        if labels or r is None
    ]
    db, groups = make_review(tmp_path, len(cases))
    people = ["r1", "r2", "r3"]
    team(db, *people, lead="boss")
    for g, (stage, labels, resolution) in zip(groups, cases, strict=True):
        for name, label in zip(people, labels, strict=False):
            event = sdb.Event(
                0, g, stage, name, label, None, None, None, "t", None, None, None, None
            )
            sdb.insert_event(db, event)
        if resolution:
            sdb.insert_resolution(db, g, stage, "boss", resolution, "consensus", None, "t")
    for required in (1, 2, 3):
        boss = viewer(db, "boss", blind=True, required=required)
        for stage in (TA, FT):
            found = outcomes(db, boss, stage)
            assert found is not None
            for g, (s, labels, resolution) in zip(groups, cases, strict=True):
                if s != stage:
                    continue
                expected = classify(list(labels), required, stage, resolution)
                assert found.get(g, "undecided") == expected, (stage, labels, required)


def test_full_text_only_for_studies_that_passed(tmp_path: Path) -> None:
    db, g = make_review(tmp_path, 6)
    ann, bob, lead = team(db, "ann", "bob", blind=False)
    votes = {
        g[0]: ("include", "include"),
        g[1]: ("include", "maybe"),
        g[2]: ("include", "exclude"),
        g[3]: ("include", None),
        g[4]: ("exclude", "exclude"),
        g[5]: ("maybe", "maybe"),
    }
    for group, (a, b) in votes.items():
        decide(db, ann, group, TA, a)
        if b:
            decide(db, bob, group, TA, b)
    assert eligible_count(db, ann, FT) == 3
    seen = []
    while (pick := queue.next_group(db, ann, FT)) is not None:
        seen.append(pick.group_id)
        decide(db, ann, pick.group_id, FT, "include")
    assert sorted(seen) == [g[0], g[1], g[5]]
    with pytest.raises(ScreeningError, match="has not passed"):
        decide(db, bob, g[2], FT, "include")
    resolve(db, lead, g[2], TA, "include", "third_reviewer", note="meets criteria")
    assert eligible_count(db, ann, FT) == 4
    pick = queue.next_group(db, ann, FT)
    assert pick is not None and pick.group_id == g[2]
    # A report that cannot be retrieved leaves the full-text queue and is counted.
    flag_report(db, bob, g[2])
    assert queue.next_group(db, ann, FT) is None
    ft = progress.stage_progress(db, ann, FT).to_json()
    assert (ft["eligible"], ft["not_retrieved"], ft["screened"]) == (4, 1, 3)
    ta = progress.stage_progress(db, ann, TA).to_json()
    assert (ta["included"], ta["maybe"], ta["excluded"], ta["resolved"]) == (2, 2, 1, 1)
    assert (ta["conflicts"], ta["undecided"], ta["eligible"]) == (0, 1, 6)


def test_conflicts_appear_only_once_both_decided(tmp_path: Path) -> None:
    db, g = make_review(tmp_path, 3)
    ann, bob, lead = team(db, "ann", "bob")
    decide(db, ann, g[0], TA, "include")
    assert conflicts(db, lead, TA) == []
    assert outcome(db, lead, g[0], TA).outcome == "undecided"  # type: ignore[union-attr]
    decide(db, bob, g[0], TA, "exclude")
    found = conflicts(db, lead, TA)
    assert found is not None and len(found) == 1
    assert found[0].labels == {"ann": "include", "bob": "exclude"}
    undo(db, bob, g[0], TA)
    assert conflicts(db, lead, TA) == []
    decide(db, bob, g[0], TA, "maybe")  # include vs maybe at title/abstract: no conflict
    assert conflicts(db, lead, TA) == []
    assert outcome(db, lead, g[0], TA).outcome == "maybe"  # type: ignore[union-attr]


def test_resolution_by_third_reviewer_or_consensus(tmp_path: Path) -> None:
    db, g = make_review(tmp_path, 3)
    ann, bob, cat, lead = team(db, "ann", "bob", "cat", blind=False)
    for group in g[:2]:
        decide(db, ann, group, TA, "include")
        decide(db, bob, group, TA, "exclude")
    with pytest.raises(ScreeningError, match="a third reviewer must not have"):
        resolve(db, ann, g[0], TA, "include", "third_reviewer")
    with pytest.raises(ScreeningError, match="include or exclude"):
        resolve(db, cat, g[0], TA, "maybe", "third_reviewer")
    with pytest.raises(ScreeningError, match="unknown method"):
        resolve(db, cat, g[0], TA, "include", "coin")
    with pytest.raises(ScreeningError, match="not in conflict"):
        resolve(db, cat, g[2], TA, "include", "third_reviewer")
    resolve(db, cat, g[0], TA, "include", "third_reviewer")
    resolve(db, ann, g[1], TA, "exclude", "consensus", note="agreed in meeting")
    assert conflicts(db, lead, TA) == []
    found = outcome(db, lead, g[0], TA)
    assert found is not None and found.outcome == "resolved_include" and found.proceeds
    assert found.resolution is not None and found.resolution["resolver"] == "cat"
    with pytest.raises(ScreeningError, match="not in conflict"):
        resolve(db, cat, g[0], TA, "exclude", "third_reviewer")
    with pytest.raises(ScreeningError, match="only a lead"):
        reopen(db, cat, g[0], TA)
    reopen(db, lead, g[0], TA, note="resolved by mistake")
    assert [c.group_id for c in conflicts(db, lead, TA) or []] == [g[0]]
    assert db.execute("SELECT COUNT(*) FROM resolutions").fetchone()[0] == 3
    for sql in ("UPDATE resolutions SET label = 'exclude'", "DELETE FROM resolutions"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    assert sdb.derived_mismatches(db) == 0


def test_full_text_maybe_needs_resolution(tmp_path: Path) -> None:
    db, g = make_review(tmp_path, 1)
    ann, bob, lead = team(db, "ann", "bob", blind=False)
    for who in (ann, bob):
        decide(db, who, g[0], TA, "include")
    decide(db, ann, g[0], FT, "include")
    decide(db, bob, g[0], FT, "maybe")
    assert [c.group_id for c in conflicts(db, lead, FT) or []] == [g[0]]
    resolve(db, lead, g[0], FT, "include", "consensus")
    ft = progress.stage_progress(db, lead, FT).to_json()
    assert (ft["included"], ft["conflicts"], ft["resolved"]) == (1, 0, 1)
