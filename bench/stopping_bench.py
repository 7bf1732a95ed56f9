"""Stopping-rule benchmark: every registered rule on the bench sets and their variants.

Per set and seed the review is replayed to its end (``screening.stopping.replay``:
checkpoints every ``max(10, ceil(1% of N))`` records, a logistic regression's
probabilities at each); each rule's stop point, recall and work saved follow.
Prints per set a table per rule: mean recall, 5th-percentile recall, share of
runs at the target, mean work saved, mean saved-vs-random (recall - screened/N),
and "reliable" when >= 95% of runs reach the target.

The expensive part (the ranked order and the probabilities at every
checkpoint) is cached under ``bench/cache/stopping/`` (gitignored), one file
per set, model, retrain interval and seed, so rerunning with other or changed
rules costs seconds. Sets: those of ``simulate_bench.py`` (``nudging``,
``wilson``, ``NAME-r20``, ``NAME-half``, ``NAME-ti``, ``NAME-mix``). Timings
and figures: ``bench/README.md`` (Stopping).

    nice .venv/bin/python bench/stopping_bench.py                      # all rules, defaults
    nice .venv/bin/python bench/stopping_bench.py --rules knee,quant --sets wilson
    nice .venv/bin/python bench/stopping_bench.py --model hedge --retrain-every 1 --seeds 1-5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from ranking_models import spec_for  # bench/ is on sys.path
from simulate_bench import DATA, embeddings_for, load_set, parse_seeds

from screening import ranking
from screening import simulate as sim
from screening.stopping import replay as ss
from screening.stopping.stoppers.base import Stopper

CACHE = Path(__file__).resolve().parent / "cache" / "stopping"
SETS = "nudging,wilson,nudging-r20,nudging-ti,wilson-half,wilson-ti,wilson-mix"
#: Bumped when the replay changes, so that old traces are not reused.
TRACE_VERSION = 2


def find_data() -> Path:
    """``shared/bench/screening`` next to the checkout or any folder above it."""
    for parent in Path(__file__).resolve().parents:
        folder = parent / "shared" / "bench" / "screening"
        if (folder / "wilson.csv").exists():
            return folder
    return DATA


def _digest(data: sim.LabelledSet) -> str:
    h = hashlib.sha256(str(TRACE_VERSION).encode())
    for text in data.texts:
        h.update(text.encode())
        h.update(b"\0")
    h.update(data.labels.astype(np.int8).tobytes())
    return h.hexdigest()[:12]


class Trace:
    """One seed's replay to the end: the order, the checkpoints, their probabilities."""

    def __init__(self, order: np.ndarray, marks: np.ndarray, probs: np.ndarray) -> None:
        self.order, self.marks, self.probs = order, marks, probs

    def stream(self, labels: np.ndarray) -> Iterator[ss.Checkpoint]:
        for mark, probs in zip(self.marks, self.probs, strict=True):
            seen = labels[self.order[:mark]]
            yield ss.Checkpoint(int(mark), seen, probs.astype(np.float64))


def trace(
    name: str,
    data: sim.LabelledSet,
    model: str,
    seed: int,
    retrain_every: int,
    context: dict[str, Any],
    refresh: bool = False,
) -> tuple[Trace, tuple[float, float]]:
    """Return the seed's trace (cached) and the wall and CPU seconds it took (0 if cached)."""
    path = CACHE / f"{name}-{model}-r{retrain_every}-s{seed}-{_digest(data)}.npz"
    if path.exists() and not refresh:
        with np.load(path) as saved:
            return Trace(saved["order"], saved["marks"], saved["probs"]), (0.0, 0.0)
    if "features" not in context:
        context["features"] = ranking.tfidf_features(data.texts)
        spec = spec_for(model)
        vectors = embeddings_for(data.texts, find_data()) if spec.needs_embeddings else None
        features = context["features"]

        def scorer(idx: np.ndarray, lab: np.ndarray) -> np.ndarray:
            return ranking.score(features, idx, lab, model=spec, embeddings=vectors)

        context["scorer"] = scorer
        context["prober"] = ss.logistic_prober(features)
    start, cpu = time.perf_counter(), time.process_time()
    order: list[int] = []
    points = list(
        ss.checkpoints(
            data.labels, context["scorer"], seed, retrain_every, context["prober"], order_out=order
        )
    )
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    marks = np.asarray([p.screened for p in points], dtype=np.int32)
    probs = np.asarray([p.probs for p in points], dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(partial, order=np.asarray(order, dtype=np.int32), marks=marks, probs=probs)
    partial.replace(path)  # whole files only, even if the run is killed
    return Trace(np.asarray(order), marks, probs), seconds


_WORKER: dict[tuple[str, str], tuple[sim.LabelledSet, dict[str, Any]]] = {}


def _one_thread() -> None:
    """Worker start: one BLAS/OpenMP thread, so that parallel seeds do not oversubscribe."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _trace_job(
    name: str, data_dir: Path, model: str, seed: int, retrain_every: int, refresh: bool
) -> tuple[float, float]:
    """Compute one seed's trace in a worker process (the set is loaded once per worker)."""
    if (name, model) not in _WORKER:
        _WORKER[(name, model)] = (load_set(name, data_dir), {})
    data, context = _WORKER[(name, model)]
    return trace(name, data, model, seed, retrain_every, context, refresh)[1]


def _report(name: str, seed: int, seconds: tuple[float, float], computed: list[float]) -> None:
    """One stderr line per replayed seed (none for a cached one)."""
    if seconds[0]:
        computed.append(seconds[0])
        print(
            f"  {name} seed {seed}: replayed in {seconds[0]:.1f} s (CPU {seconds[1]:.1f} s)",
            file=sys.stderr,
            flush=True,
        )


def outcomes(
    data: sim.LabelledSet,
    seed: int,
    found: Trace,
    names: Sequence[str],
    stoppers: Mapping[str, Stopper],
    target: float,
    confidence: float,
) -> dict[str, ss.RuleOutcome]:
    """Every named rule's outcome on one cached trace."""
    rules = {n: stoppers[n] for n in names if n != ss.CERTIFIED}
    got = ss.apply_rules(found.stream(data.labels), data.labels, seed, rules, target, confidence)
    if ss.CERTIFIED in names:
        order = [int(i) for i in found.order]
        got[ss.CERTIFIED] = ss.certified(order, data.labels, seed, target, confidence)
    return {n: got[n] for n in names}


def print_set(name: str, data: sim.LabelledSet, blocks: dict[str, dict[str, Any]]) -> None:
    print(f"\n{name}: {len(data.texts)} records, {data.relevant} relevant")
    print(
        f"  {'rule':22} {'recall':>7} {'p05':>6} {'at target':>9} {'saved':>6} "
        f"{'vs random':>9}  reliable"
    )
    for rule, block in blocks.items():
        mean = block["mean"]
        print(
            f"  {rule:22} {mean['recall']:7.3f} {block['p05_recall']:6.3f} "
            f"{block['share_at_target']:9.0%} {mean['saved']:6.3f} "
            f"{mean['saved_vs_random']:9.3f}  {'yes' if block['reliable'] else 'no'}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=SETS)
    parser.add_argument("--seeds", default="1-20", help="e.g. 1,2,3 or 1-20")
    parser.add_argument("--rules", default="all", help="all or NAME[,NAME]")
    parser.add_argument(
        "--model",
        default=ranking.HEDGE_TEXT.name,
        help="hedge-text (default: 20 seeds x 7 sets in ~20 min on 2 free cores) or hedge"
        " (the app's default model; embeds the texts, ~2.5x slower)",
    )
    parser.add_argument(
        "--retrain-every",
        type=int,
        default=0,
        help="labels between retrains up to the last relevant record; 0 = at each checkpoint",
    )
    parser.add_argument("--jobs", type=int, default=2, help="seeds replayed in parallel")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--refresh", action="store_true", help="recompute cached traces")
    args = parser.parse_args()
    data_dir = args.data or find_data()
    seeds = parse_seeds(args.seeds)
    stoppers = ss.registered()
    names = ss.parse_rules(args.rules, stoppers)
    print(
        f"model {args.model}, retrain every {args.retrain_every}, seeds {args.seeds}, "
        f"target {args.target}, confidence {args.confidence}, rules {', '.join(names)}",
        flush=True,
    )
    report: dict[str, Any] = {
        "model": args.model,
        "retrain_every": args.retrain_every,
        "seeds": seeds,
        "target": args.target,
        "confidence": args.confidence,
        "sets": {},
    }
    for name in args.sets.split(","):
        data = load_set(name, data_dir)
        context: dict[str, Any] = {}
        computed: list[float] = []
        start = time.perf_counter()
        retrain = args.retrain_every or ss.checkpoint_every(len(data.texts))
        if args.jobs > 1:
            if ranking.model_spec(args.model).needs_embeddings:
                embeddings_for(data.texts, data_dir)  # embed once, before the workers
            with ProcessPoolExecutor(args.jobs, initializer=_one_thread) as pool:
                jobs = {
                    seed: pool.submit(
                        _trace_job, name, data_dir, args.model, seed, retrain, args.refresh
                    )
                    for seed in seeds
                }
                for seed, job in jobs.items():
                    _report(name, seed, job.result(), computed)
        per_rule: dict[str, list[ss.RuleOutcome]] = {n: [] for n in names}
        for seed in seeds:
            refresh = args.refresh and args.jobs <= 1
            found, seconds = trace(name, data, args.model, seed, retrain, context, refresh)
            _report(name, seed, seconds, computed)
            got = outcomes(data, seed, found, names, stoppers, args.target, args.confidence)
            for rule, item in got.items():
                per_rule[rule].append(item)
        blocks = {rule: ss.summarise(items) for rule, items in per_rule.items()}
        print_set(name, data, blocks)
        print(f"  ({time.perf_counter() - start:.0f} s for the set)", flush=True)
        report["sets"][name] = {
            "records": len(data.texts),
            "relevant": data.relevant,
            "seconds_per_seed": float(np.mean(computed)) if computed else None,
            "seconds": time.perf_counter() - start,
            "rules": blocks,
        }
        if args.json is not None:
            args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
