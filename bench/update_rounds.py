"""Screening an update round at scale: ms per next study, counts and the stopping rule.

Usage: python bench/update_rounds.py [--groups 100000] [--new 5000]

Builds a review of N one-record studies (round 1) of which 60% were screened
(written straight into the log, as ``screening_bench.py`` does) and the rest
left when the round stopped; then opens round 2 and imports ``--new`` new
studies. The queue must now skip every unscreened study of round 1 (they stay
out of an update's queue), so this measures what that costs: the next study
per key press (budget: < 50 ms, DESIGN.md), the count of what is left, the
round's progress and stopping report, against the same figures in round 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import db as corpus_db  # noqa: E402
from corpus.model import Record  # noqa: E402
from screening import db as sdb  # noqa: E402
from screening import progress, queue, stopping  # noqa: E402
from screening.blind import Viewer, viewer  # noqa: E402
from screening.decide import add_reviewer, decide  # noqa: E402

TA = sdb.TITLE_ABSTRACT


def ms(fn: Callable[[], object], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) * 1000 / repeat


def screen(db: corpus_db.Database, who: Viewer, label: str, steps: int = 200) -> set[int]:
    """Press ``steps`` keys; print next-study ms (median, p95, max); return the studies shown."""
    nexts, shown = [], set()
    for i in range(steps):
        t0 = time.perf_counter()
        pick = queue.next_group(db, who, TA, seed="0")
        nexts.append((time.perf_counter() - t0) * 1000)
        if pick is None:
            break
        shown.add(pick.group_id)
        decide(db, who, pick.group_id, TA, "include" if i % 10 == 0 else "exclude")
    nexts.sort()
    print(
        f"{label:<28} next median {statistics.median(nexts):.2f} ms, "
        f"p95 {nexts[int(len(nexts) * 0.95) - 1]:.2f} ms, max {max(nexts):.2f} ms"
    )
    return shown


def figures(db: corpus_db.Database, who: Viewer, label: str) -> None:
    print(f"{label:<28} remaining {ms(lambda: queue.remaining(db, who, TA), 3):.0f} ms, "
          f"progress {ms(lambda: progress.progress(db, who), 1):.0f} ms, "
          f"stopping {ms(lambda: stopping.stage_json(db, who, TA), 1):.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=5_000)
    args = parser.parse_args()
    n = args.groups
    with tempfile.TemporaryDirectory() as tmp:
        db = corpus_db.connect(Path(tmp) / "review.db")
        info = corpus_db.SourceInfo("Bench", "round1.ris", "a", "ris", "2025", "2025-01-01", None)
        corpus_db.insert_source(
            db, info, [Record(title=f"T{i}", abstract=f"A{i}") for i in range(n)]
        )
        sdb.apply(db)
        add_reviewer(db, "ann", "lead")
        ann = viewer(db, "ann", blind=False, required=1)
        sdb.ensure_queue_keys(db, "0")
        order = [g for (g,) in db.execute("SELECT group_id FROM queue_keys ORDER BY key")]
        done = order[: n * 6 // 10]
        with corpus_db.transaction(db) as conn:
            conn.executemany(
                "INSERT INTO decisions (group_id, stage, reviewer, label, time) "
                "VALUES (?, 'title_abstract', 'ann', ?, '2025-02-01T00:00:00.000+00:00')",
                [(g, "include" if i % 20 == 0 else "exclude") for i, g in enumerate(done)],
            )
        print(f"round 1: {n:,} studies, {len(done):,} screened, {n - len(done):,} left unscreened")
        screen(db, ann, "round 1 (60% screened)")
        figures(db, ann, "round 1")
        with corpus_db.transaction(db):
            corpus_db.insert_round(db, "2025-07-01", "2025-07-02T00:00:00+00:00", "ann", None)
        info = corpus_db.SourceInfo("Bench", "round2.ris", "b", "ris", "2025", "2025-07-01", None)
        corpus_db.insert_source(
            db, info, [Record(title=f"New {i}", abstract=f"B{i}") for i in range(args.new)]
        )
        new = corpus_db.round_studies(db, 2)
        print(f"round 2: {len(new):,} new studies")
        shown = screen(db, ann, "round 2 (new studies only)")
        print(f"round 2 queue showed only new studies: {shown <= new}")
        figures(db, ann, "round 2")
        print(f"log sound: {sdb.derived_mismatches(db) == 0}")


if __name__ == "__main__":
    main()
