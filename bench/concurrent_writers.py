"""Concurrent writers on one review.db: throughput, write latency, lost decisions.

Usage: python bench/concurrent_writers.py [--writers 8] [--decisions 1000] [--disjoint]

Builds a review of ``writers x decisions`` one-record studies and registers
one reviewer per writer, then starts one process per reviewer (multiprocessing,
spawn). Each process opens its own connection and records its decisions
through ``screening.decide.decide`` -- the code path of ``review decide`` and
the TUI -- so every decision is its own short ``BEGIN IMMEDIATE`` transaction.

By default every reviewer decides the *same* studies at title/abstract (the
harder case: all writers touch the same rows of the derived tables); with
``--disjoint`` each reviewer gets studies of its own. Either way exactly
``writers x decisions`` current decisions must exist afterwards.

Prints throughput (decisions/s over the whole run), p50/p99/max latency of one
decision (from the call to its commit), the busy errors ``BEGIN IMMEDIATE``
saw after SQLite's busy timeout ran out (each one retried by the storage
layer) and the errors that reached the caller, which must be 0.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import db as corpus_db  # noqa: E402
from corpus.db import schema  # noqa: E402
from corpus.model import Record  # noqa: E402
from screening import db as sdb  # noqa: E402
from screening.blind import viewer  # noqa: E402
from screening.decide import add_reviewer, decide  # noqa: E402

LABELS = ("include", "exclude", "maybe")


def build(path: Path, studies: int, writers: int) -> list[int]:
    """Create ``path`` with ``studies`` one-record studies and reviewers r1..rN."""
    db = corpus_db.connect(path)
    info = corpus_db.SourceInfo(
        database="BenchDB",
        file_name="bench.ris",
        sha256="sha-bench",
        format="ris",
        imported_at="2024-01-01T00:00:00+00:00",
        search_date=None,
        query=None,
    )
    records = [Record(title=f"Study {i}", abstract=f"Abstract {i}") for i in range(studies)]
    corpus_db.insert_source(db, info, records)
    sdb.apply(db)
    for w in range(writers):
        add_reviewer(db, reviewer_name(w))
    groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id")]
    db.close()
    return groups


def reviewer_name(index: int) -> str:
    return f"r{index + 1}"


def worker(
    path: str, index: int, groups: list[int], barrier: Any, results: Any, pause: float = 0.0
) -> None:
    """Record one reviewer's decisions on ``groups``; put (index, latencies, busy, errors)."""
    busy = 0
    is_busy = schema.is_busy

    def counting_is_busy(exc: BaseException) -> bool:
        nonlocal busy
        found = is_busy(exc)
        busy += found
        return found

    # begin_immediate asks is_busy only when BEGIN IMMEDIATE failed after the busy timeout.
    schema.is_busy = counting_is_busy
    latencies: list[float] = []
    errors: list[str] = []
    db = corpus_db.connect(path)
    who = viewer(db, reviewer_name(index), blind=True, required=2)
    barrier.wait()
    for i, group in enumerate(groups):
        label = LABELS[(i + index) % 3]
        t0 = time.perf_counter()
        try:
            decide(db, who, group, sdb.TITLE_ABSTRACT, label)
        except Exception:  # every error that reaches the caller is counted
            errors.append(traceback.format_exc(limit=2))
        latencies.append(time.perf_counter() - t0)
        if pause:
            time.sleep(pause)
    db.close()
    results.put((index, latencies, busy, errors))


def run(
    path: Path, groups: list[int], writers: int, decisions: int, disjoint: bool, pause: float = 0.0
) -> dict[str, Any]:
    """Run the writers on an existing review; return the figures (see module docstring)."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    results = ctx.Queue()
    procs = []
    for w in range(writers):
        mine = groups[w * decisions : (w + 1) * decisions] if disjoint else groups[:decisions]
        proc = ctx.Process(target=worker, args=(str(path), w, mine, barrier, results, pause))
        proc.start()
        procs.append(proc)
    barrier.wait(timeout=120)
    start = time.perf_counter()
    got = [results.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join()
    latencies = sorted(lat for _, lats, _, _ in got for lat in lats)
    errors = [e for _, _, _, errs in got for e in errs]
    db = corpus_db.connect(path)
    current = db.execute(
        "SELECT COUNT(*) FROM current_decisions WHERE stage = ?", [sdb.TITLE_ABSTRACT]
    ).fetchone()[0]
    logged = db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    db.close()
    return {
        "writers": writers,
        "decisions": len(latencies),
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
        "busy_retries": sum(b for _, _, b, _ in got),
        "errors": errors,
        "current": current,
        "logged": logged,
        "exit_codes": [proc.exitcode for proc in procs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=1000, help="per writer")
    parser.add_argument(
        "--disjoint", action="store_true", help="each writer decides studies of its own"
    )
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds a writer waits between decisions"
    )
    args = parser.parse_args()
    studies = max(8000, args.writers * args.decisions)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "review.db"
        t = time.perf_counter()
        groups = build(path, studies, args.writers)
        print(
            f"built {studies} studies, {args.writers} reviewers in {time.perf_counter() - t:.1f} s"
        )
        r = run(path, groups, args.writers, args.decisions, args.disjoint, args.pause)
    mode = "disjoint" if args.disjoint else "overlapping"
    expected = args.writers * args.decisions
    print(
        f"{r['writers']} writers x {args.decisions} decisions ({mode}): "
        f"{r['decisions']} in {r['seconds']:.1f} s = {r['throughput']:.0f} decisions/s"
    )
    print(
        f"latency per decision: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
        f"max {r['max_ms']:.1f} ms"
    )
    print(f"busy retries of BEGIN IMMEDIATE: {r['busy_retries']}; errors: {len(r['errors'])}")
    print(f"current decisions: {r['current']} (expected {expected}); log rows: {r['logged']}")
    for error in r["errors"][:3]:
        print(error, file=sys.stderr)
    ok = not r["errors"] and r["current"] == expected and set(r["exit_codes"]) == {0}
    if not ok:
        print("FAILED", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
