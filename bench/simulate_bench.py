"""Simulation benchmark: the README protocol on the labelled screening sets.

Runs seeds 1-5 on nudging and wilson and prints our means next to ASReview
LAB 3.0.8 ``elas_u4`` (figures from ``shared/bench/README.md``). Models that
need embeddings reuse the vectors ``review simulate`` caches (slow on CPU).

It also prints the stopping rule (``screening.stopping``, at ``--target`` and
``--confidence``): in how many runs it fired with recall >= target (the issue
asks for at least 95% of runs), the mean recall and the mean work saved.

    .venv/bin/python bench/simulate_bench.py [--models ensemble,svm+cen,svm] [--seeds 1,2,3,4,5]
    nice .venv/bin/python bench/simulate_bench.py --seeds 1-40 --target 0.95 --confidence 0.95
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from screening import ranking
from screening import simulate as sim

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "screening"
#: ASReview LAB 3.0.8 elas_u4: WSS@95, RRF@10, ATD.
ASREVIEW = {"nudging": (0.715, 0.640, 0.090), "wilson": (0.837, 0.948, 0.039)}


def embeddings_for(name: str, texts: list[str]) -> np.ndarray:
    """Return sentence vectors for a dataset (cached like ``review simulate`` does)."""
    from review.indexing.sim_vectors import cached_vectors

    return cached_vectors(texts)


def parse_seeds(text: str) -> list[int]:
    """``1,2,5`` or ``1-40`` (or a mix) -> seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=ranking.DEFAULT_MODEL)
    parser.add_argument("--seeds", default="1,2,3,4,5", help="e.g. 1,2,3 or 1-40")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--retrain-every", type=int, default=1)
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    print(
        f"{'dataset':8} {'model':8} {'WSS@95':>7} {'WSS@100':>8} {'RRF@10':>7} {'ATD':>6} "
        f"{'secs':>5} | ASReview WSS@95 RRF@10 ATD | stop: met recall saved (min recall)"
    )
    for name, reference in ASREVIEW.items():
        data = sim.read_labelled_csv(args.data / f"{name}.csv")
        features = ranking.tfidf_features(data.texts)
        for model in args.models.split(","):
            vectors = embeddings_for(name, data.texts) if ranking.needs_embeddings(model) else None
            start = time.perf_counter()
            result = sim.simulate(
                data,
                seeds,
                model=model,
                embeddings=vectors,
                retrain_every=args.retrain_every,
                features=features,
                target=args.target,
                confidence=args.confidence,
            )
            m = result.mean
            met = round(m["stop_target_met"] * len(seeds))
            worst = min(s.stop_recall for s in result.seeds)
            print(
                f"{name:8} {model:8} {m['wss95']:7.3f} {m['wss100']:8.3f} {m['rrf10']:7.3f} "
                f"{m['atd']:6.3f} {time.perf_counter() - start:5.0f} | "
                f"{reference[0]:15.3f} {reference[1]:6.3f} {reference[2]:5.3f} | "
                f"{met:>4}/{len(seeds)} {m['stop_recall']:6.3f} {m['stop_saved']:5.3f} "
                f"({worst:.3f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
