"""Embedding throughput: `embed_missing` (cache, hashing, SQLite) against bare encode.

Usage: python bench/embed_bench.py [--records 400] [--batch-size 32]

Both sides embed the same title+abstract texts from the bundled Wilson data
with the default model and the same batch size; budget (DESIGN.md): our path
within 10% of calling SentenceTransformer.encode directly. A second
`embed_missing` run shows the cache: it embeds nothing.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import db as corpus_db  # noqa: E402
from corpus.embeddings import Embedder, embed_missing  # noqa: E402
from corpus.model import Record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    with (ROOT / "review" / "demo" / "data" / "wilson.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["title"]][: args.records]
    records = [Record(title=r["title"], abstract=r["abstract"] or None) for r in rows]
    texts = [corpus_db.embedding_text(r.title, r.abstract) for r in records]

    embedder = Embedder(batch_size=args.batch_size)
    embedder.encode(texts[:8])  # load the model and warm up outside the timings

    start = time.perf_counter()
    embedder.load().encode(texts, batch_size=args.batch_size, normalize_embeddings=True)
    direct = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        db = corpus_db.connect(Path(tmp) / "r.db")
        info = corpus_db.SourceInfo("bench", "w.csv", "x", "csv", "now", None, None)
        corpus_db.insert_source(db, info, records)
        start = time.perf_counter()
        n = embed_missing(db, embedder)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        again = embed_missing(db, embedder)
        cached = time.perf_counter() - start

    print(f"{len(texts)} texts, batch size {args.batch_size}, model {embedder.name}")
    print(f"SentenceTransformer.encode: {direct:6.1f} s  {len(texts) / direct:6.1f} texts/s")
    print(
        f"embed_missing (ours):       {ours:6.1f} s  {n / ours:6.1f} texts/s "
        f"({(ours / direct - 1) * 100:+.1f}% vs direct; budget +10%)"
    )
    print(f"second run (all cached):    {cached:6.2f} s, {again} texts embedded")


if __name__ == "__main__":
    main()
