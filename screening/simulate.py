"""Replaying a labelled review to measure a ranking model (``review simulate``).

Protocol (``shared/bench/README.md``): per seed, one random prior relevant and
one random prior irrelevant record; the model is retrained after every label
and the top-ranked unscreened record is screened next, until every relevant
record is found. Metrics count the priors as screened records.

Each seed also replays the stopping rule of :mod:`screening.stopping`: ranked
screening goes on until the heuristic says "ready for random check" (a run of
irrelevant records), then records are drawn at random from the unscreened
ones, one at a time, until the hypergeometric test rejects "recall < target".
The seed reports the recall reached then and the work saved, 1 - screened/N
(priors, ranked part and sample all count). The replay needs no model fit past
the last relevant record: after it only irrelevant records remain, so the run
grows by one per record in any order, and the heuristic's point is computed.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from screening import ranking, stopping
from screening.errors import ScreeningError

LABEL_COLUMNS = ("label_included", "included")
#: Second entropy word of the random-sample generator, so that the sample does
#: not reuse the random numbers that picked the priors.
SAMPLE_STREAM = 2020


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
    #: Stopping rule: records screened when it fired (ranked part + sample) ...
    stop_screened: int = 0
    #: ... of which random-sample records ...
    stop_sample: int = 0
    #: ... the recall reached then, and the work saved, 1 - screened / N.
    stop_recall: float = 1.0
    stop_saved: float = 0.0


@dataclass(slots=True)
class Simulation:
    """All seeds of one simulation and their mean."""

    records: int
    relevant: int
    model: str
    seeds: list[SeedResult]
    target: float = 0.95
    confidence: float = 0.95

    @property
    def mean(self) -> dict[str, float]:
        """Mean per metric; ``stop_target_met`` is the share of seeds reaching the target."""
        keys = ("wss95", "wss100", "rrf10", "atd", "stop_screened", "stop_recall", "stop_saved")
        means = {k: float(np.mean([getattr(s, k) for s in self.seeds])) for k in keys}
        met = [s.stop_recall >= self.target - 1e-12 for s in self.seeds]
        means["stop_target_met"] = float(np.mean(met))
        return means

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
            "stopping": {
                "target": self.target,
                "confidence": self.confidence,
                "method": "hypergeometric test (Callaghan & Müller-Hansen 2020)",
            },
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


def evaluate(
    order: Sequence[int],
    labels: np.ndarray,
    seed: int,
    target: float = 0.95,
    confidence: float = 0.95,
) -> SeedResult:
    """Compute the README's metrics and the stopping rule for one screening order.

    ``order`` is a replay's order: it ends with the last relevant record.
    """
    total = int(labels.size)
    seen = [int(v) for v in labels[np.asarray(order, dtype=np.int64)]]
    if sum(seen) != int(labels.sum()):
        raise ValueError("the order must reach every relevant record")
    stop = stopping_run(order, labels, seed, target, confidence)
    return SeedResult(
        seed=seed,
        wss95=wss(seen, total, 0.95),
        wss100=wss(seen, total, 1.0),
        rrf10=rrf(seen, total, int(labels.sum())),
        atd=atd(seen, total),
        curve=[int(v) for v in np.cumsum(seen)],
        stop_screened=stop.screened,
        stop_sample=stop.sample,
        stop_recall=stop.recall,
        stop_saved=stop.saved,
    )


@dataclass(frozen=True, slots=True)
class StopOutcome:
    """Where the stopping rule fired in one simulated review."""

    screened: int
    sample: int
    recall: float
    saved: float


def ranked_stop(seen: Sequence[int], total: int) -> int:
    """Return how many records are screened when the heuristic first fires.

    ``seen`` are the labels in replay order, ending with the last relevant
    record; past it every record is irrelevant, so the run just grows. Returns
    ``total`` when the heuristic never fires (small reviews).
    """
    run = 0
    for count in range(1, total + 1):
        label = seen[count - 1] if count <= len(seen) else 0
        run = 0 if label else run + 1
        if stopping.ready_for_random_check(total, run):
            return count
    return total


def stopping_run(
    order: Sequence[int], labels: np.ndarray, seed: int, target: float, confidence: float
) -> StopOutcome:
    """Replay the stopping rule on a replay's order: heuristic, then random sample.

    The sample is drawn with a generator seeded by ``(seed, SAMPLE_STREAM)``.
    """
    total, relevant = int(labels.size), int(labels.sum())
    idx = np.asarray(order, dtype=np.int64)
    ranked = ranked_stop([int(v) for v in labels[idx]], total)
    if ranked >= total:
        return StopOutcome(total, 0, 1.0, 0.0)
    unscreened = np.ones(total, dtype=bool)
    unscreened[idx[:ranked]] = False
    # Past the order's end the ranked part took irrelevant records only: the
    # urn then holds N - ranked irrelevant records, whichever they are.
    urn = labels[unscreened] if ranked <= idx.size else np.zeros(total - ranked, dtype=np.int64)
    before = int(labels[idx[:ranked]].sum())
    drawn = np.random.default_rng([seed, SAMPLE_STREAM]).permutation(urn)
    p = stopping.sequential_p(int(drawn.size), before, drawn, target)
    fired = np.flatnonzero(p < 1.0 - confidence)
    # The whole urn always rejects (p = 0); the guard is for rounding only.
    sample = int(fired[0]) + 1 if fired.size else int(drawn.size)
    found = before + int(drawn[:sample].sum())
    screened = ranked + sample
    return StopOutcome(screened, sample, found / relevant, 1.0 - screened / total)


def simulate(
    data: LabelledSet,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    model: str | ranking.ModelSpec = ranking.DEFAULT_MODEL,
    embeddings: np.ndarray | None = None,
    retrain_every: int = 1,
    features: Any = None,
    target: float = 0.95,
    confidence: float = 0.95,
    progress: Callable[[SeedResult, float], None] | None = None,
) -> Simulation:
    """Run the protocol, and the stopping rule at ``target``/``confidence``, per seed.

    ``model`` is a name of ``ranking.MODELS`` or a spec (the bench's experiments).
    ``progress(result, seconds)`` is called after each seed: a seed retrains
    once per label, which takes minutes on large reviews.
    """
    spec = ranking.model_spec(model)
    if features is None:
        features = ranking.tfidf_features(data.texts)

    def scorer(idx: np.ndarray, lab: np.ndarray) -> np.ndarray:
        return ranking.score(features, idx, lab, model=spec, embeddings=embeddings)

    results = []
    for seed in seeds:
        start = time.perf_counter()
        order = replay(data.labels, scorer, seed, retrain_every)
        results.append(evaluate(order, data.labels, seed, target, confidence))
        if progress is not None:
            progress(results[-1], time.perf_counter() - start)
    return Simulation(len(data.texts), data.relevant, spec.name, results, target, confidence)
