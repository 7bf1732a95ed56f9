"""Sentence vectors for ``review simulate``, cached per dataset in the user's cache.

Embedding takes minutes on a CPU (about 20 abstracts/s on two cores), and a
simulation is often rerun with other seeds or targets on the same file, so the
vectors are kept under ``$XDG_CACHE_HOME/review-assistant/simulate/``, keyed by
a hash of the model name and the texts: a changed file gets new vectors.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from corpus.embeddings import DEFAULT_MODEL, Embedder


def cache_dir() -> Path:
    """Return the folder for cached simulation vectors."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "review-assistant" / "simulate"


def _key(model: str, texts: list[str]) -> str:
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def load_cached(texts: list[str], model: str = DEFAULT_MODEL) -> np.ndarray | None:
    """Return the cached vectors of exactly these texts, or None (never embeds)."""
    path = cache_dir() / f"{_key(model, texts)}.npy"
    if path.exists():
        try:
            vectors = np.load(path)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError):
            pass  # A damaged cache file is rebuilt by cached_vectors.
    return None


def cached_vectors(texts: list[str], model: str = DEFAULT_MODEL) -> np.ndarray:
    """Return one L2-normalised vector per text, embedding only on a cache miss.

    Raises:
        ModelError: when the model cannot be loaded (one line, from corpus).
    """
    found = load_cached(texts, model)
    if found is not None:
        return found
    path = cache_dir() / f"{_key(model, texts)}.npy"
    print(
        f"embedding {len(texts):,} records with {model} (cached for later runs)...",
        file=sys.stderr,
        flush=True,
    )
    vectors = Embedder(model).encode(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp.npy")
        np.save(partial, vectors)
        partial.replace(path)
    except OSError:
        pass  # No writable cache: the run still works, it just embeds again next time.
    return vectors
