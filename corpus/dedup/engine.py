"""Deduplication as entity resolution: candidates, scoring, merges that can be undone.

Records are never deleted. A duplicate is a record moved into another record's
group; every move is a merge row that names the pair and evidence that
justified it, who decided (``auto`` or a person) and when, and can be undone.
Candidates come from exact identifiers and blocking keys (cheap, catch most
duplicates) and from FAISS nearest neighbours (reworded or translated titles).
The method, step by step: docs/methods/dedup.md.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.dedup.score import DedupPolicy, PairScore, Prepared, prepare, score_pair
from corpus.errors import DedupError
from corpus.gcpause import gc_paused

#: Blocks larger than this are too generic to pair exhaustively ("Wang 2020").
MAX_BLOCK = 40
#: Nearest neighbours per record and the similarity they need to be candidates.
NEIGHBOURS = 6
MIN_SIMILARITY = 0.80
#: Above this many records the neighbour join uses an approximate IVF index.
EXACT_JOIN = 30_000
IVF_PROBES = 8
#: Largest groups whose members are all cross-checked before a merge.
MAX_CROSS_CHECK = 25

Progress = Callable[[str], None]

#: The scorer's rule that links a correction notice to its article's study, and the
#: rules that keep a notice apart from an article (see cross_conflict).
_LINK_RULE = "erratum_of_article"
_NOTICE_APART = frozenset({"erratum", "erratum_same_id"})


def now() -> str:
    """Return the time stamp decisions are recorded with."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunReport:
    """What a dedup run found and did."""

    records: int = 0
    candidates: int = 0
    duplicates: int = 0
    uncertain: int = 0
    merged: int = 0
    queued: int = 0
    blocked_by_constraint: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def candidate_pairs(
    prepared: dict[int, Prepared],
    neighbours: Iterable[tuple[int, int]] = (),
) -> set[tuple[int, int]]:
    """Return record pairs worth scoring, as ``(smaller id, larger id)``.

    Args:
        prepared: Record id -> comparison keys.
        neighbours: Extra pairs from the vector index.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for rid, prep in prepared.items():
        for key in prep.block_keys():
            blocks[key].append(rid)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update(combinations(sorted(members), 2))
    for a, b in neighbours:
        if a != b and a in prepared and b in prepared:
            pairs.add((a, b) if a < b else (b, a))
    return pairs


def vector_neighbours(db: Database, model: str, cache_dir: Path) -> list[tuple[int, int]]:
    """Return pairs of records whose embeddings are close (empty if none are embedded).

    Up to :data:`EXACT_JOIN` records the all-pairs neighbour join is exact
    (the search index itself); above it an inverted-file index with a few
    probed lists answers the join in seconds instead of minutes, at the cost
    of rarely missing a neighbour that identifiers and blocking then catch.
    """
    from corpus.embeddings import load_matrix
    from corpus.index import open_index

    ids, vectors = load_matrix(db, model)
    if len(ids) < 2:
        return []
    if len(ids) <= EXACT_JOIN:
        index: Any = open_index(db, model, cache_dir).index
    else:
        index = _ivf_index(ids, vectors)
    out: list[tuple[int, int]] = []
    step = 4096
    for start in range(0, len(ids), step):
        sims, found = index.search(vectors[start : start + step], NEIGHBOURS + 1)
        for row, rid in enumerate(ids[start : start + step]):
            for sim, other in zip(sims[row], found[row], strict=True):
                if other >= 0 and other != rid and sim >= MIN_SIMILARITY:
                    out.append((int(rid), int(other)))
    return out


def _ivf_index(ids: Any, vectors: Any) -> Any:
    """Build a temporary IVF index for the neighbour join of a large review."""
    import faiss
    import numpy as np

    dim = vectors.shape[1]
    nlist = int(4 * np.sqrt(len(ids)))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(ids), min(len(ids), 40 * nlist), replace=False)
    ivf.train(vectors[np.sort(sample)])
    index = faiss.IndexIDMap(ivf)
    index.add_with_ids(vectors, ids)
    ivf.nprobe = IVF_PROBES
    return index


@dataclass
class _Groups:
    """Group membership during a run (a union of record sets with undo-able moves)."""

    group_of: dict[int, int]
    members: dict[int, set[int]]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> _Groups:
        group_of = {r["id"]: r["group_id"] for r in rows}
        members: dict[int, set[int]] = defaultdict(set)
        for rid, gid in group_of.items():
            members[gid].add(rid)
        return cls(group_of, members)

    def move(self, from_group: int, into_group: int) -> tuple[int, ...]:
        moved = tuple(sorted(self.members.pop(from_group)))
        for rid in moved:
            self.group_of[rid] = into_group
        self.members[into_group].update(moved)
        return moved


def _evidence(score: PairScore) -> str:
    return json.dumps(score.evidence, ensure_ascii=False, default=str)


def run(
    db: Database,
    *,
    policy: DedupPolicy | None = None,
    auto: bool = False,
    model: str | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Find duplicate candidates among all records, score them, and merge or queue them.

    With ``auto``, pairs the scorer calls duplicates are merged unless a
    person kept their records apart, or a merge would join records that the
    scorer says are distinct (a chain through a preprint, say); those and the
    uncertain pairs go to the review queue. Without ``auto`` every likely pair
    is queued. Pairs a person decided are never rescored or overturned.
    """
    import time

    policy = policy or DedupPolicy()
    report = RunReport()
    say = progress or (lambda _msg: None)
    clock = time.perf_counter()
    rows = corpus_db.dedup_rows(db)
    report.records = len(rows)
    with gc_paused():
        prepared = {r["id"]: prepare(r) for r in rows}
    report.seconds["prepare"] = time.perf_counter() - clock

    clock = time.perf_counter()
    neighbours: list[tuple[int, int]] = []
    if model and cache_dir is not None:
        say("finding nearest neighbours")
        neighbours = vector_neighbours(db, model, cache_dir)
    report.seconds["neighbours"] = time.perf_counter() - clock

    clock = time.perf_counter()
    groups = _Groups.from_rows(rows)
    known = corpus_db.known_pairs(db)
    person_apart = {p for p, (status, by) in known.items() if status == "apart" and by != "auto"}
    candidates = [
        p
        for p in candidate_pairs(prepared, neighbours)
        if groups.group_of[p[0]] != groups.group_of[p[1]]
        and (known.get(p, ("", "auto"))[1] in (None, "auto"))
    ]
    report.candidates = len(candidates)
    say(f"scoring {len(candidates)} candidate pairs")
    with gc_paused():
        scored: dict[tuple[int, int], PairScore] = {
            p: score_pair(prepared[p[0]], prepared[p[1]], policy) for p in candidates
        }
    report.seconds["scoring"] = time.perf_counter() - clock

    clock = time.perf_counter()
    stamp = now()
    writes: list[corpus_db.PairWrite] = []
    merges: list[corpus_db.MergeWrite] = []

    def cross_conflict(ga: int, gb: int, linking: bool = False) -> str | None:
        """Return why joining two groups would join records kept apart, or None.

        With ``linking`` (a correction notice joining the study of the article it
        names), the notice being kept apart from that article's other copies is what
        the link resolves, so that verdict does not block.
        """
        left, right = groups.members[ga], groups.members[gb]
        if len(left) > MAX_CROSS_CHECK or len(right) > MAX_CROSS_CHECK:
            return "groups too large to cross-check automatically"
        for x in left:
            for y in right:
                key = (x, y) if x < y else (y, x)
                if key in person_apart:
                    return f"records {key[0]} and {key[1]} were kept apart by a person"
                verdict = scored.get(key) or score_pair(prepared[key[0]], prepared[key[1]], policy)
                if verdict.verdict == "distinct":
                    if linking and verdict.evidence.get("rule") in _NOTICE_APART:
                        continue
                    return f"records {key[0]} and {key[1]} differ: {verdict.reason}"
        return None

    # Copies of one record merge first; notices then join the study of their article.
    # Uncertain pairs come last, when every merge they might be settled by is made.
    def order(item: tuple[tuple[int, int], PairScore]) -> tuple[int, float]:
        score = item[1]
        link = score.evidence.get("rule") == _LINK_RULE
        return (2 if score.verdict != "duplicate" else 1 if link else 0, -score.score)

    ordered = sorted(scored.items(), key=order)
    for (a, b), score in ordered:
        if score.verdict == "distinct":
            continue
        status = "queued"
        reason = score.reason
        if score.verdict == "duplicate":
            report.duplicates += 1
        else:
            report.uncertain += 1
        ga, gb = groups.group_of[a], groups.group_of[b]
        if auto and score.verdict == "duplicate":
            if ga == gb:
                status = "merged"
            else:
                conflict = cross_conflict(ga, gb, score.evidence.get("rule") == _LINK_RULE)
                if conflict is None:
                    into, src = min(ga, gb), max(ga, gb)
                    moved = groups.move(src, into)
                    merges.append(corpus_db.MergeWrite(a, b, into, src, moved, "auto", stamp))
                    status = "merged"
                    report.merged += 1
                else:
                    reason = f"{score.reason}; not merged: {conflict}"
                    report.blocked_by_constraint += 1
        elif auto and ga == gb:
            # Other pairs' evidence already made these records one study: nothing to ask.
            status = "merged"
        if status == "queued":
            report.queued += 1
        writes.append(
            corpus_db.PairWrite(
                a,
                b,
                score.score,
                score.verdict,
                reason,
                _evidence(score),
                status,
                "auto" if status == "merged" else None,
                stamp if status == "merged" else None,
            )
        )
    corpus_db.save_dedup_run(db, writes, merges)
    report.seconds["merging"] = time.perf_counter() - clock
    return report


def decide(
    db: Database, a: int, b: int, duplicate: bool, reviewer: str, policy: DedupPolicy | None = None
) -> str:
    """Record a person's decision on two records and apply it.

    Returns:
        A sentence saying what was done.

    Raises:
        DedupError: unknown records, or a "not duplicate" for records that are
            already in one group (undo the merge that joined them first).
    """
    a, b = min(a, b), max(a, b)
    rows = {r["id"]: r for r in corpus_db.dedup_rows(db) if r["id"] in (a, b)}
    if len(rows) != 2 or a == b:
        raise DedupError(f"records {a} and {b}: both must exist and differ")
    score = score_pair(prepare(rows[a]), prepare(rows[b]), policy or DedupPolicy())
    stamp = now()
    pair = corpus_db.PairWrite(
        a, b, score.score, score.verdict, score.reason, _evidence(score), "queued", None, None
    )
    ga, gb = rows[a]["group_id"], rows[b]["group_id"]
    if duplicate:
        if ga == gb:
            corpus_db.set_pair_status(db, a, b, "merged", reviewer, stamp, pair)
            return f"records {a} and {b} are already one study (group {ga})"
        into, src = min(ga, gb), max(ga, gb)
        moved = tuple(r["id"] for r in corpus_db.dedup_rows(db) if r["group_id"] == src)
        merge_id = corpus_db.merge_groups(
            db, corpus_db.MergeWrite(a, b, into, src, moved, reviewer, stamp), pair
        )
        return f"merge {merge_id}: group {src} joined group {into}"
    if ga == gb:
        joining = [
            m["id"]
            for m in corpus_db.merges(db)
            if m["undone_at"] is None and m["into_group"] == ga
        ]
        raise DedupError(
            f"records {a} and {b} are in one group ({ga}); undo the merge that joined them "
            f"first (review dedup undo MERGE; merges into this group: {joining})"
        )
    corpus_db.set_pair_status(db, a, b, "apart", reviewer, stamp, pair)
    return f"records {a} and {b} kept apart"


def skip(db: Database, a: int, b: int, reviewer: str) -> None:
    """Leave a queued pair for later (it moves behind the undecided pairs)."""
    corpus_db.set_pair_status(db, min(a, b), max(a, b), "skipped", reviewer, now())


def undo(db: Database, merge_id: int, reviewer: str) -> dict[str, Any]:
    """Undo a merge: its records return to their group and the pair is kept apart.

    Raises:
        DedupError: unknown or already undone merge, or a later merge builds on it.
    """
    found = corpus_db.merges(db, merge_id)
    if not found:
        raise DedupError(f"no merge {merge_id}; see review dedup list")
    merge = found[0]
    if merge["undone_at"]:
        raise DedupError(f"merge {merge_id} was already undone by {merge['undone_by']}")
    later = [
        m["id"]
        for m in corpus_db.merges(db)
        if m["id"] > merge_id
        and m["undone_at"] is None
        and merge["into_group"] in (m["into_group"], m["from_group"])
    ]
    if later:
        raise DedupError(f"merge {later[-1]} builds on merge {merge_id}; undo it first")
    corpus_db.undo_merge(db, merge_id, reviewer, now())
    return merge


def merged_view(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Return one study's fields taking the most complete value of each among its records."""
    from corpus.model import FIELDS

    out: dict[str, Any] = {}
    for name in FIELDS:
        values = [r.get(name) for r in records if r.get(name) not in (None, "", [])]
        if not values:
            out[name] = [] if name in ("authors", "keywords") else None
        elif name == "year":
            out[name] = max(set(values), key=values.count)
        else:
            out[name] = max(values, key=lambda v: len(v) if isinstance(v, (list, str)) else 0)
    return out
