"""Screening latency at scale: ms per next-group query, decision, progress and export.

Usage: python bench/screening_bench.py [--groups 100000]

Builds a review of N one-record studies, then screens as two blind reviewers
with two per record would: each step is ``next_group`` then ``decide``, timed
separately. Bulk history (half the studies screened by one reviewer, a tenth
passed to full text) is written straight into the log with executemany, the
triggers maintaining the derived tables as they would for single decisions.
Budget (DESIGN.md): the next record appears < 50 ms after a key press.
"""

from __future__ import annotations

import argparse
import io
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
from screening import export, progress, queue  # noqa: E402
from screening.blind import Viewer, unblind, viewer  # noqa: E402
from screening.decide import add_reviewer, decide  # noqa: E402

TA, FT = sdb.TITLE_ABSTRACT, sdb.FULL_TEXT


def ms(fn: Callable[[], object], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) * 1000 / repeat


def screen(db: corpus_db.Database, who: Viewer, stage: str, label: str, steps: int = 200) -> None:
    """Press ``steps`` keys as ``who``; print next-group ms (median, max) and decide ms."""
    nexts, decides = [], []
    for i in range(steps):
        t0 = time.perf_counter()
        pick = queue.next_group(db, who, stage)
        t1 = time.perf_counter()
        if pick is None:
            break
        decide(db, who, pick.group_id, stage, "exclude" if i % 3 else "include", shown=pick.shown)
        t2 = time.perf_counter()
        nexts.append((t1 - t0) * 1000)
        decides.append((t2 - t1) * 1000)
    print(
        f"{label:<22} next median {statistics.median(nexts):.2f} ms, max {max(nexts):.2f} ms; "
        f"decide median {statistics.median(decides):.2f} ms"
    )


def bulk(db: corpus_db.Database, reviewer: str, stage: str, groups: list[int], label: str) -> None:
    rows = [(g, stage, reviewer, label, "2024-01-01T00:00:00.000+00:00") for g in groups]
    with corpus_db.transaction(db) as conn:
        conn.executemany(
            "INSERT INTO decisions (group_id, stage, reviewer, label, time) VALUES (?,?,?,?,?)",
            rows,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="profile progress()")
    args = parser.parse_args()
    n = args.groups
    with tempfile.TemporaryDirectory() as tmp:
        db = corpus_db.connect(Path(tmp) / "review.db")
        t = time.perf_counter()
        info = corpus_db.SourceInfo("Bench", "bench.ris", "x", "ris", "2024", None, None)
        corpus_db.insert_source(
            db, info, [Record(title=f"T{i}", abstract=f"A{i}") for i in range(n)]
        )
        sdb.apply(db)
        print(f"built {n} studies in {time.perf_counter() - t:.1f} s")
        for name in ("ann", "bob", "cat"):
            add_reviewer(db, name)
        add_reviewer(db, "lead", "lead")
        ann, bob, cat, lead = (
            viewer(db, x, blind=True, required=2) for x in ("ann", "bob", "cat", "lead")
        )
        keys_ms = ms(lambda: sdb.ensure_queue_keys(db, "0"))
        print(f"random keys for {n} groups: {keys_ms:.0f} ms (once)")
        screen(db, ann, TA, "fresh review")
        order = [
            g
            for (g,) in db.execute("SELECT group_id FROM queue_keys WHERE seed = '0' ORDER BY key")
        ]
        t = time.perf_counter()
        bulk(db, "ann", TA, order[200 : n // 2], "exclude")
        print(f"bulk log of {n // 2 - 200} decisions: {time.perf_counter() - t:.1f} s")
        screen(db, ann, TA, "ann half done")
        screen(db, bob, TA, "bob (behind)")
        bulk(db, "bob", TA, order[200 : n // 2], "exclude")  # cat must skip 50k full groups
        screen(db, cat, TA, "cat (3rd, skips)")
        # A tenth of the studies pass title/abstract (both reviewers include).
        passed = order[n // 2 : n // 2 + n // 10]
        bulk(db, "ann", TA, passed, "include")
        bulk(db, "bob", TA, passed, "include")
        unblind(db, lead, TA)
        screen(db, ann, FT, "full text")
        sdb.store_ranking(db, "m1", TA, [(g, 1.0 / (i + 1)) for i, g in enumerate(reversed(order))])
        ranked = ms(lambda: queue.next_group(db, ann, TA, order="ranked"), 50)
        print(f"ranked next        {ranked:.2f} ms")
        print(f"remaining (count)  {ms(lambda: queue.remaining(db, ann, TA), 3):.1f} ms")
        print(f"progress (status)  {ms(lambda: progress.progress(db, lead), 3):.1f} ms")
        if args.profile:
            import cProfile

            cProfile.runctx("progress.progress(db, lead)", globals(), locals(), sort="cumtime")
        out = io.StringIO()
        print(f"export decisions   {ms(lambda: export.write_csv(db, lead, out), 1):.1f} ms")
        print(f"log sound: {sdb.derived_mismatches(db) == 0}")


if __name__ == "__main__":
    main()
