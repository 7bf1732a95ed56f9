"""Simulation benchmark: the README protocol on the labelled screening sets.

Runs seeds 1-5 on nudging and wilson and prints our means next to ASReview
LAB 3.0.8 ``elas_u4`` (figures from ``shared/bench/README.md``). Embedding
models cache their vectors under /tmp, because embedding is slow on CPU.

    .venv/bin/python bench/simulate_bench.py [--models svm,svm+emb] [--seeds 1,2,3,4,5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from screening import ranking
from screening import simulate as sim

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "screening"
CACHE = Path("/tmp/review-simulate-cache")
#: ASReview LAB 3.0.8 elas_u4: WSS@95, RRF@10, ATD.
ASREVIEW = {"nudging": (0.715, 0.640, 0.090), "wilson": (0.837, 0.948, 0.039)}


def embeddings_for(name: str, texts: list[str]) -> np.ndarray:
    """Return cached sentence vectors for a dataset, computing them once."""
    path = CACHE / f"{name}-{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    from corpus.embeddings import Embedder

    vectors = Embedder().encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=ranking.DEFAULT_MODEL)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"{'dataset':8} {'model':8} {'WSS@95':>7} {'WSS@100':>8} {'RRF@10':>7} {'ATD':>6} "
        f"{'secs':>5} | ASReview WSS@95 RRF@10 ATD"
    )
    for name, reference in ASREVIEW.items():
        data = sim.read_labelled_csv(args.data / f"{name}.csv")
        features = ranking.tfidf_features(data.texts)
        for model in args.models.split(","):
            vectors = embeddings_for(name, data.texts) if model.endswith("+emb") else None
            start = time.perf_counter()
            result = sim.simulate(data, seeds, model=model, embeddings=vectors, features=features)
            m = result.mean
            print(
                f"{name:8} {model:8} {m['wss95']:7.3f} {m['wss100']:8.3f} {m['rrf10']:7.3f} "
                f"{m['atd']:6.3f} {time.perf_counter() - start:5.0f} | "
                f"{reference[0]:15.3f} {reference[1]:6.3f} {reference[2]:5.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
