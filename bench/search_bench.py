"""Search latency at scale: p50/p95 per query, keyword, semantic and hybrid.

Usage: python bench/search_bench.py [--records 100000] [--queries 200]

Builds a review of N generated RIS records (bench/import_bench.py's
generator), stores synthetic unit vectors for them (embedding 100k abstracts
takes over an hour on 2 CPU cores; the index and search code paths are the
same), then times Searcher.search in-process with the real model encoding
each query. Budget (issue 3): p95 under 50 ms per query at 100k records.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import make_ris, vocabulary  # noqa: E402

from corpus import db as corpus_db  # noqa: E402
from corpus.embeddings import DEFAULT_MODEL, Embedder  # noqa: E402
from corpus.search import Searcher  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    review = str(Path(sys.executable).parent / "review")
    rng = random.Random(7)
    words = [w.lower() for w in vocabulary() if len(w) > 4]
    with tempfile.TemporaryDirectory() as tmp:
        ris = Path(tmp) / "s.ris"
        ris.write_text(make_ris(args.records, 3), "utf-8")
        project = Path(tmp) / "rev"
        subprocess.run([review, "init", str(project)], check=True, capture_output=True)
        subprocess.run(
            [review, "--project", str(project), "import", "--no-embed", str(ris)],
            check=True,
            capture_output=True,
        )
        db = corpus_db.connect(project / "review.db")
        hashes = [h for (h,) in db.execute("SELECT DISTINCT content_hash FROM records")]
        gen = np.random.default_rng(0)
        vectors = gen.standard_normal((len(hashes), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        corpus_db.store_embeddings(
            db,
            DEFAULT_MODEL,
            [(h, v.tobytes()) for h, v in zip(hashes, vectors, strict=True)],
            384,
        )
        searcher = Searcher(db, project / "cache", Embedder())
        start = time.perf_counter()
        searcher.search("warm up", "hybrid")  # builds FTS + FAISS index, loads the model
        print(
            f"{args.records} records; first query (index build + model load): "
            f"{time.perf_counter() - start:.1f} s"
        )
        queries = []
        for _ in range(args.queries):
            a, b, c = rng.sample(words, 3)
            queries.append(
                rng.choice(
                    [
                        f"{a} {b}",
                        f'"{a} {b}"',
                        f"{a} AND {b}*",
                        f"{a} OR {b} NOT {c}",
                        f"{a} {b} {c}",
                    ]
                )
            )
        for mode in ("keyword", "semantic", "hybrid"):
            times = []
            for q in queries:
                t0 = time.perf_counter()
                searcher.search(q, mode, k=10)  # type: ignore[arg-type]
                times.append((time.perf_counter() - t0) * 1000)
            p95 = percentile(times, 0.95)
            print(
                f"{mode:<9} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
                f"{'ok' if p95 < 50 else 'OVER 50 ms'}"
            )


if __name__ == "__main__":
    main()
