"""Replaying a labelled review to measure a ranking model (``review simulate``).

Protocol (``shared/bench/README.md``): per seed, one random prior relevant and
one random prior irrelevant record; the model is retrained after every label
and the top-ranked unscreened record is screened next, until every relevant
record is found. Metrics count the priors as screened records.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from screening import ranking
from screening.errors import ScreeningError

LABEL_COLUMNS = ("label_included", "included")


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """A labelled review: one text and one 0/1 label per record."""

    texts: list[str]
    labels: np.ndarray

    @property
    def relevant(self) -> int:
        return int(self.labels.sum())


@dataclass(slots=True)
class SeedResult:
    """One simulated screening run."""

    seed: int
    wss95: float
    wss100: float
    rrf10: float
    atd: float
    #: ``curve[k]`` = relevant records found after screening ``k + 1`` records.
    curve: list[int] = field(repr=False)


@dataclass(slots=True)
class Simulation:
    """All seeds of one simulation and their mean."""

    records: int
    relevant: int
    model: str
    seeds: list[SeedResult]

    @property
    def mean(self) -> dict[str, float]:
        keys = ("wss95", "wss100", "rrf10", "atd")
        return {k: float(np.mean([getattr(s, k) for s in self.seeds])) for k in keys}

    def to_json(self, curves: bool = False) -> dict[str, Any]:
        """Return a JSON-ready dict; curves are long, so only on request."""
        seeds = []
        for s in self.seeds:
            item = asdict(s)
            if not curves:
                item.pop("curve")
            seeds.append(item)
        return {
            "records": self.records,
            "relevant": self.relevant,
            "model": self.model,
            "seeds": seeds,
            "mean": self.mean,
        }


# --- metrics ---------------------------------------------------------------


def screened_until(found: np.ndarray, target: int) -> int:
    """Return how many records were screened when ``target`` relevant were found."""
    hits = np.flatnonzero(found >= target)
    if hits.size == 0:
        got = int(found[-1]) if found.size else 0
        raise ValueError(f"only {got} relevant found, need {target}")
    return int(hits[0]) + 1


def wss(order_labels: Sequence[int], total: int, recall: float) -> float:
    """Work saved over sampling at ``recall``: (N - n_r)/N - (1 - recall).

    ``n_r`` counts records screened (priors included) until ceil(recall * R)
    relevant records were found; R is the number of relevant records.
    """
    labels = np.asarray(order_labels, dtype=np.int64)
    relevant = int(labels.sum())
    target = math.ceil(round(recall * relevant, 9))
    n_r = screened_until(np.cumsum(labels), target)
    return (total - n_r) / total - (1.0 - recall)


def rrf(order_labels: Sequence[int], total: int, relevant: int, share: float = 0.10) -> float:
    """Share of relevant records found after screening ``floor(share * N)`` records."""
    cutoff = math.floor(round(share * total, 9))
    return int(np.sum(np.asarray(order_labels[:cutoff], dtype=np.int64))) / relevant


def atd(order_labels: Sequence[int], total: int) -> float:
    """Average 1-based position of the relevant records in the order, divided by N."""
    positions = np.flatnonzero(np.asarray(order_labels, dtype=np.int64)) + 1
    return float(positions.mean()) / total


# --- data ------------------------------------------------------------------


def read_labelled_csv(path: Path) -> LabelledSet:
    """Read an ASReview-style CSV: ``title``, ``abstract``, ``label_included``/``included``.

    Raises:
        ScreeningError: for an unreadable file, missing columns, a label that is
            not 0/1, or no relevant record (one line naming the file).
    """
    from corpus.errors import ImportFormatError
    from corpus.textio import decode

    try:
        text = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise ScreeningError(f"{path}: cannot read file: {exc.strerror}") from None
    except ImportFormatError as exc:
        raise ScreeningError(str(exc)) from None
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    if "title" not in columns or "abstract" not in columns:
        raise ScreeningError(f"{path}: needs 'title' and 'abstract' columns")
    label_key = next((columns[c] for c in LABEL_COLUMNS if c in columns), None)
    if label_key is None:
        raise ScreeningError(f"{path}: needs a label column 'label_included' or 'included'")
    texts: list[str] = []
    labels: list[int] = []
    try:
        for line, row in enumerate(reader, start=2):
            raw = (row.get(label_key) or "").strip()
            try:
                value = int(float(raw))
            except ValueError:
                value = -1
            if value not in (0, 1):
                raise ScreeningError(f"{path}: line {line}: label {raw!r} is not 0 or 1")
            title, abstract = row.get(columns["title"]), row.get(columns["abstract"])
            texts.append(ranking.record_text(title, abstract))
            labels.append(value)
    except csv.Error as exc:
        raise ScreeningError(f"{path}: malformed CSV: {exc}") from None
    data = LabelledSet(texts, np.asarray(labels, dtype=np.int64))
    if data.relevant == 0:
        raise ScreeningError(f"{path}: no relevant records (label 1); nothing to simulate")
    if data.relevant == len(labels):
        raise ScreeningError(f"{path}: no irrelevant records (label 0); nothing to simulate")
    return data


# --- simulation ------------------------------------------------------------

Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]


def replay(labels: np.ndarray, scorer: Scorer, seed: int, retrain_every: int = 1) -> list[int]:
    """Return the screening order (record indices) of one simulated review.

    Args:
        labels: The true 0/1 label of every record.
        scorer: ``(labelled indices, their labels) -> score per record``.
        seed: Picks the two priors.
        retrain_every: Labels between retrains (1 = after every label); between
            retrains the next records come from the last ranking.
    """
    rng = np.random.default_rng(seed)
    first = int(rng.choice(np.flatnonzero(labels == 1)))
    second = int(rng.choice(np.flatnonzero(labels == 0)))
    order = [first, second]
    screened = np.zeros(labels.size, dtype=bool)
    screened[order] = True
    remaining = int(labels.sum()) - 1
    queue: list[int] = []
    while remaining > 0:
        if not queue:
            idx = np.asarray(order)
            scores = scorer(idx, labels[idx])
            scores = np.where(screened, -np.inf, scores)
            take = min(retrain_every, int((~screened).sum()))
            # Stable sort: ties (cold start) keep file order, like a reviewer would.
            queue = [int(i) for i in np.argsort(-scores, kind="stable")[:take]]
        nxt = queue.pop(0)
        order.append(nxt)
        screened[nxt] = True
        remaining -= int(labels[nxt])
    return order


def evaluate(order: Sequence[int], labels: np.ndarray, seed: int) -> SeedResult:
    """Compute the README's metrics for one screening order."""
    total = int(labels.size)
    seen = [int(v) for v in labels[np.asarray(order, dtype=np.int64)]]
    return SeedResult(
        seed=seed,
        wss95=wss(seen, total, 0.95),
        wss100=wss(seen, total, 1.0),
        rrf10=rrf(seen, total, int(labels.sum())),
        atd=atd(seen, total),
        curve=[int(v) for v in np.cumsum(seen)],
    )


def simulate(
    data: LabelledSet,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    model: str = ranking.DEFAULT_MODEL,
    embeddings: np.ndarray | None = None,
    retrain_every: int = 1,
    features: Any = None,
) -> Simulation:
    """Run the protocol for every seed with one ranking model."""
    if features is None:
        features = ranking.tfidf_features(data.texts)

    def scorer(idx: np.ndarray, lab: np.ndarray) -> np.ndarray:
        return ranking.score(features, idx, lab, model=model, embeddings=embeddings)

    results = [
        evaluate(replay(data.labels, scorer, seed, retrain_every), data.labels, seed)
        for seed in seeds
    ]
    return Simulation(len(data.texts), data.relevant, model, results)
