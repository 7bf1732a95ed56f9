"""Active-learning ranking at scale: feature build, retrain + rerank + store, key-to-card.

Usage: python bench/rank_bench.py [--sizes 10000,100000] [--tui-sizes 10000,100000]
       [--modes none,process,thread] [--big-modes none,process] [--decisions 200]
       [--keys 60] [--interval 0.1]

Per size it builds a synthetic review of N one-record studies (topical
abstracts: 5% belong to the topic the question asks about), then measures

(a) the first TF-IDF feature build (and its reload from ``cache/``), done
    once per review and cached;
(b) retrain + rerank + store with ``--decisions`` decisions (budget: < 1 s at
    10k, < 5 s at 100k), median of three, with its steps;
(c) the key-to-card latency of the screening screen under Pilot (as
    ``bench/screen_bench.py``) while the ranking worker retrains after every
    decision: once with the worker process and once with the jobs in a thread
    of the UI process (``REVIEW_RANKING_WORKER=thread``), reported separately
    for keys pressed while a retrain was running (budget: < 50 ms).

Figures, and what the synthetic studies leave out: ``bench/README.md`` (Ranking).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from screen_bench import pct  # noqa: E402

from corpus import db as corpus_db  # noqa: E402
from corpus.model import Record  # noqa: E402
from protocols import loader  # noqa: E402
from review.core.project import Project, init_project  # noqa: E402
from screening import blind, ranking  # noqa: E402
from screening.ranking import features as feature_cache  # noqa: E402

TA = "title_abstract"
TOPICS, TOPIC_WORDS, GENERAL_WORDS, WORDS_PER_ABSTRACT = 20, 60, 3000, 120

PROTOCOL = """
[review]
title = "Ranking bench"
question = "{question}"
template = "generic"

[highlight]
include = ["{term}*"]

[screening]
reviewers_per_record = 1
blind = false
order = "ranked"
seed = 3
"""


def _words(rng: np.random.Generator, n: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, size=rng.integers(4, 10))) for _ in range(n)]


def build(folder: Path, n: int, seed: int = 1) -> tuple[Project, np.ndarray]:
    """Create a review of ``n`` studies; returns it and each study's topic (0 = relevant)."""
    rng = np.random.default_rng(seed)
    general = np.array(_words(rng, GENERAL_WORDS))
    topical = np.array(_words(rng, TOPICS * TOPIC_WORDS)).reshape(TOPICS, TOPIC_WORDS)
    topics = np.where(rng.random(n) < 0.05, 0, rng.integers(1, TOPICS, n))
    zipf = 1.0 / np.arange(1, GENERAL_WORDS + 1)  # word frequencies as in real text
    zipf /= zipf.sum()
    project = init_project(folder / "rev")
    question = " ".join(topical[0, :6])
    project.protocol_path.write_text(PROTOCOL.format(question=question, term=topical[0, 6]))
    share = WORDS_PER_ABSTRACT // 3
    records = []
    for i in range(n):
        words = np.concatenate(
            [
                rng.choice(topical[topics[i]], share),
                rng.choice(general, WORDS_PER_ABSTRACT - share, p=zipf),
            ]
        )
        rng.shuffle(words)
        records.append(Record(title=" ".join(words[:10]), abstract=" ".join(words[10:])))
    with project.connect() as db:
        info = corpus_db.SourceInfo("BenchDB", "b.ris", f"sha-{n}", "ris", "2024-01-01", None, None)
        corpus_db.insert_source(db, info, records)
    return project, topics


def label(project: Project, topics: np.ndarray, decisions: int) -> None:
    """Log ``decisions`` decisions by ana (a fifth of them on relevant studies)."""
    with project.connect() as db:
        rng = np.random.default_rng(7)
        groups = np.asarray([g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id")])
        relevant = rng.choice(np.flatnonzero(topics == 0), decisions // 5, replace=False)
        other = rng.choice(np.flatnonzero(topics != 0), decisions - len(relevant), replace=False)
        rows = [
            (int(groups[i]), TA, "ana", "include" if topics[i] == 0 else "exclude", "2024-01-01")
            for i in np.concatenate([relevant, other])
        ]
        with corpus_db.transaction(db) as conn:
            conn.execute(
                "INSERT INTO reviewers (name, role, created) VALUES ('ana', 'reviewer', '2024')"
            )
            conn.executemany(
                "INSERT INTO decisions (group_id, stage, reviewer, label, time) VALUES (?,?,?,?,?)",
                rows,
            )


def measure_service(project: Project) -> None:
    """(a) feature build and reload, (b) retrain + rerank + store."""
    with project.connect() as db:
        protocol = loader.load(project.protocol_path)
        spec = ranking.Spec.from_protocol(protocol)
        ana = blind.viewer(db, "ana", blind=False)
        feature_cache._FEATURES.clear()
        t = time.perf_counter()
        features = ranking.load_features(db, spec, project.cache_dir)
        built = time.perf_counter() - t
        feature_cache._FEATURES.clear()
        t = time.perf_counter()
        ranking.load_features(db, spec, project.cache_dir)
        reloaded = time.perf_counter() - t
        size = sum(p.stat().st_size for p in (project.cache_dir / "ranking").glob("*.npz"))
        print(
            f"  (a) features: build {built:.1f} s, reload from cache/ {reloaded:.2f} s "
            f"({features.matrix.shape[1]:,} terms, {features.matrix.nnz:,} non-zeros, "
            f"{size / 2**20:.0f} MiB on disk)"
        )
        runs = []
        for _ in range(3):
            ranked = ranking.retrain(db, ana, TA, spec, cache_dir=project.cache_dir)
            assert ranked is not None
            runs.append(ranked)
        best = sorted(runs, key=lambda r: r.seconds)[1]
        steps = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in best.timings.items())
        print(
            f"  (b) retrain+rerank+store ({best.model}, {best.labelled} decisions, "
            f"{best.size:,} ranked): median {best.seconds:.2f} s [{steps}]"
        )


@dataclass
class Run:
    """One drive of the screen: per-key latencies in ms."""

    to_card: list[float] = field(default_factory=list)
    handler: list[float] = field(default_factory=list)
    during: int = 0
    retrains: int = 0


async def drive(project: Project, keys: int, interval: float) -> Run:
    """Press keys on a fixed schedule, timing each from when it was due to its card.

    Timing from the due time, not from when the event loop got round to
    posting the key, counts any stall of the loop (a retrain holding the
    GIL) as the reviewer would feel it. ``handler`` is the time inside the
    key's action (next-group query and card read on the UI thread).
    """
    from textual import events
    from textual.worker import WorkerCancelled, WorkerFailed

    from review.tui import make_app
    from review.tui.screens.screening import ScreeningScreen
    from review.tui.widgets.relevance import RelevancePanel

    app = make_app(project, "ana", start="screening")
    run = Run()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        found = screen.query(RelevancePanel)
        panel = found.first() if found else None
        while panel is not None and panel.retrains == 0:  # the worker loads the features
            await asyncio.sleep(0.05)
        original = screen.advance

        def timed_advance() -> None:
            t = time.perf_counter()
            original()
            run.handler.append((time.perf_counter() - t) * 1000)

        screen.advance = timed_advance  # type: ignore[method-assign]
        start = time.perf_counter()
        for i in range(keys):
            due = start + i * interval
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            before = screen.card.group_id if screen.card else None
            done_before = panel.retrains if panel else 0
            training = panel is not None and panel._training
            key = "i" if i % 4 == 0 else "e"
            app.post_message(events.Key(key, key))
            while (screen.card.group_id if screen.card else None) == before:
                await asyncio.sleep(0)
            run.to_card.append((time.perf_counter() - due) * 1000)
            run.during += training or (panel is not None and panel.retrains != done_before)
        run.retrains = panel.retrains if panel else 0
        for worker in list(app.workers):
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass  # a progress count superseded by the next key
    return run


def _stats(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):6.1f}  p95 {pct(values, 95):6.1f}  "
        f"max {max(values):6.1f} ms"
    )


def measure_tui(project: Project, mode: str, keys: int, interval: float) -> None:
    """Drive the TUI with the worker in ``mode``; ``none``: random order, no ranking at all."""
    text = project.protocol_path.read_text()
    if mode == "none":
        project.protocol_path.write_text(text.replace('order = "ranked"', 'order = "random"'))
    else:
        os.environ["REVIEW_RANKING_WORKER"] = mode
    try:
        run = asyncio.run(drive(project, keys, interval))
    finally:
        project.protocol_path.write_text(text)
    over = sum(v > 50 for v in run.to_card)
    print(
        f"  (c) [{mode:<7}] key-to-card {_stats(run.to_card)} ({over} of {len(run.to_card)} "
        f"over 50 ms; {run.during} during a retrain, {run.retrains} retrains)"
    )
    print(f"      [{mode:<7}] handler     {_stats(run.handler)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--tui-sizes", default="10000,100000", help="sizes to drive the TUI at")
    parser.add_argument(
        "--modes", default="none,process,thread", help="none: random order, no ranking"
    )
    parser.add_argument("--big-modes", default="none,process", help="modes above 10k studies")
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between keys")
    args = parser.parse_args()
    tui_sizes = {int(s) for s in args.tui_sizes.split(",") if s}
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            project, topics = build(Path(tmp), n)
            print(f"{n:,} studies built in {time.perf_counter() - t:.1f} s")
            label(project, topics, args.decisions)
            measure_service(project)
            if n in tui_sizes:
                modes = args.modes if n <= 10_000 else args.big_modes
                for mode in modes.split(","):
                    measure_tui(project, mode, args.keys, args.interval)


if __name__ == "__main__":
    main()
