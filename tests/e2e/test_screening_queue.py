"""The next group for a reviewer: order, completeness, hooks, concurrency and scale."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from screening import db as sdb
from screening import queue
from screening.blind import Viewer, viewer
from screening.decide import decide, undo_last
from screening.export import decision_rows
from tests.screening_support import add_records, make_review, team

TA, FT = "title_abstract", "full_text"


def screen_all(db: Database, who: Viewer, stage: str = TA, **kw: object) -> list[int]:
    """Screen every open group in queue order; return the order."""
    seen = []
    while (pick := queue.next_group(db, who, stage, **kw)) is not None:  # type: ignore[arg-type]
        assert pick.group_id not in seen
        seen.append(pick.group_id)
        decide(db, who, pick.group_id, stage, "include", shown=pick.shown)
    return seen


def test_random_order_is_stable_shared_and_complete(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path / "a", 30)
    ann, bob, cat, _lead = team(db, "ann", "bob", "cat")
    order = screen_all(db, ann)
    assert sorted(order) == groups and order != groups
    assert screen_all(db, bob) == order  # one shared order: pairs complete early
    assert screen_all(db, cat) == []  # every group has its two reviewers
    assert queue.remaining(db, cat, TA) == 0
    other, _ = make_review(tmp_path / "b", 30)
    dan = viewer(other, "dan", blind=True)
    assert [queue.next_group(other, dan, TA).group_id] == order[:1]  # type: ignore[union-attr]
    own = queue.next_group(other, dan, TA, seed="dan")
    assert own is not None
    assert screen_all(other, dan, seed="dan") != order  # a per-reviewer order on request


def test_a_partly_screened_group_goes_to_the_next_reviewer(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 5)
    ann, bob, cat, _lead = team(db, "ann", "bob", "cat")
    first = queue.next_group(db, ann, TA)
    assert first is not None
    decide(db, ann, first.group_id, TA, "exclude")
    decide(db, bob, first.group_id, TA, "exclude")
    assert first.group_id not in screen_all(db, cat)
    assert queue.remaining(db, ann, TA) == 4


def test_undone_group_comes_back_first_and_skip_prefetches(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 6)
    (ann, _lead) = team(db, "ann")
    picks = [queue.next_group(db, ann, TA) for _ in range(1)]
    assert picks[0] is not None
    shown = picks[0].group_id
    ahead = queue.next_group(db, ann, TA, skip=[shown])
    assert ahead is not None and ahead.group_id != shown
    decide(db, ann, shown, TA, "include")
    assert queue.next_group(db, ann, TA).group_id == ahead.group_id  # type: ignore[union-attr]
    decide(db, ann, ahead.group_id, TA, "include")
    assert undo_last(db, ann, TA) == ahead.group_id
    assert queue.next_group(db, ann, TA).group_id == ahead.group_id  # type: ignore[union-attr]
    assert undo_last(db, ann, TA) == shown
    assert queue.next_group(db, ann, TA).group_id == shown  # type: ignore[union-attr]


def test_new_import_joins_the_queue(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 3)
    (ann, _lead) = team(db, "ann")
    assert len(screen_all(db, ann)) == 3
    more = add_records(db, 4, tag="b")
    assert sorted(screen_all(db, ann)) == more


def test_ranked_order_is_the_hook_for_active_learning(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 6)
    (ann, _lead) = team(db, "ann")
    ranked = list(reversed(groups[2:]))  # two groups left unranked
    sdb.store_ranking(db, "model-1", TA, [(g, 1.0 - i / 10) for i, g in enumerate(ranked)])
    pick = queue.next_group(db, ann, TA, order="ranked")
    assert pick is not None and pick.order == "ranked" and pick.group_id == ranked[0]
    assert (pick.shown.model_version, pick.shown.rank, pick.shown.score) == ("model-1", 1, 1.0)
    order = screen_all(db, ann, order="ranked")
    assert order[:4] == ranked and sorted(order[4:]) == groups[:2]
    history = list(decision_rows(db, ann, history=True))
    assert history[0]["model_version"] == "model-1" and history[0]["rank_shown"] == 1
    assert history[-1]["model_version"] is None  # random fallback


def test_ranker_callable(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 4)
    (ann, _lead) = team(db, "ann")
    calls = []

    def ranker(db: Database, stage: str) -> list[int]:
        calls.append(stage)
        return sorted(groups, reverse=True)

    assert screen_all(db, ann, ranker=ranker) == sorted(groups, reverse=True)
    assert calls[0] == TA


def test_full_text_is_closed_while_title_abstract_is_blind(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 2)
    ann, bob, lead = team(db, "ann", "bob")
    for who in (ann, bob):
        decide(db, who, groups[0], TA, "include")
    assert queue.next_group(db, ann, FT) is None
    assert queue.remaining(db, ann, FT) is None
    assert queue.next_group(db, lead, FT).group_id == groups[0]  # type: ignore[union-attr]


def _reviewer_process(path: str, name: str, go: Any, out: Any) -> None:
    """Screen every open group as one reviewer in its own process and connection."""
    db = corpus_db.connect(path)
    who = viewer(db, name, blind=True, required=2)
    done = 0
    go.wait(timeout=60)  # both start together, so their writes interleave
    while (pick := queue.next_group(db, who, TA)) is not None:
        decide(db, who, pick.group_id, TA, "include" if pick.group_id % 2 else "exclude")
        done += 1
    out.put((name, done))


def test_two_reviewers_in_two_processes_lose_nothing(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 2000)
    team(db, "ann", "bob", "cat")
    sdb.ensure_queue_keys(db, "0")  # once, before the race (it would be safe inside it too)
    path = str(tmp_path / "review.db")
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    go = ctx.Event()
    workers = [
        ctx.Process(target=_reviewer_process, args=(path, n, go, out)) for n in ("ann", "bob")
    ]
    for w in workers:
        w.start()
    go.set()
    results = dict(out.get(timeout=120) for _ in workers)
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert results == {"ann": 2000, "bob": 2000}
    counts = db.execute(
        "SELECT reviewer, COUNT(*) FROM current_decisions GROUP BY reviewer"
    ).fetchall()
    assert dict(counts) == {"ann": 2000, "bob": 2000}
    assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 4000
    by_id = [r for (r,) in db.execute("SELECT reviewer FROM decisions ORDER BY id")]
    switches = sum(a != b for a, b in zip(by_id, by_id[1:], strict=False))
    print("reviewer switches in the log:", switches)
    assert switches > 10, "the two reviewers did not screen at the same time"
    assert sdb.derived_mismatches(db) == 0


def test_next_group_at_100k_groups(tmp_path: Path) -> None:
    """Scale sanity (timings: bench/screening_bench.py): 100k groups, 20k screened."""
    db = corpus_db.connect(tmp_path / "review.db")
    sdb.apply(db)
    n = 100_000
    with corpus_db.transaction(db) as conn:
        conn.execute(
            "INSERT INTO sources (id, database, file_name, sha256, format, imported_at, "
            "record_count) VALUES (1, 'Bench', 'b.ris', 'x', 'ris', '2024', ?)",
            [n],
        )
        conn.executemany(
            "INSERT INTO record_groups (id) VALUES (?)", ((i,) for i in range(1, n + 1))
        )
        conn.executemany(
            "INSERT INTO records (id, group_id, source_ref, position, raw) "
            "VALUES (?, ?, 1, ?, '{}')",
            ((i, i, i) for i in range(1, n + 1)),
        )
    ann, bob, _lead = team(db, "ann", "bob")
    sdb.ensure_queue_keys(db, "0")
    order = [
        g for (g,) in db.execute("SELECT group_id FROM queue_keys WHERE seed = '0' ORDER BY key")
    ]
    with corpus_db.transaction(db) as conn:
        conn.executemany(
            "INSERT INTO decisions (group_id, stage, reviewer, label, time) VALUES (?, ?, ?, ?, ?)",
            ((g, TA, "ann", "exclude", "t") for g in order[:20_000]),
        )
    start = time.perf_counter()
    pick = queue.next_group(db, ann, TA)
    elapsed_ms = (time.perf_counter() - start) * 1000
    assert pick is not None and pick.group_id == order[20_000]
    assert queue.next_group(db, bob, TA).group_id == order[0]  # type: ignore[union-attr]
    print(f"next group at 100k groups after 20k decisions: {elapsed_ms:.2f} ms")
