"""Which group a reviewer screens next.

A group is open to a reviewer at a stage when it is eligible (see
``screening.stages``), the reviewer has no current decision on it, and fewer
than the required number of reviewers have decided it. The next one is
picked in one of three orders:

- ``random``: a stable pseudo-random key per group and seed (blake2b), so the
  order is the same every session. Pass the protocol's seed, shared by all
  reviewers: with one order, groups reach their second reviewer soonest, so
  conflicts and agreement show up early; ``seed=reviewer_name`` gives a
  per-reviewer order instead.
- ``ranked``: the reviewer's latest ranking stored with
  ``screening.db.store_ranking`` (``screening.ranking`` fills it; another
  reviewer's ranking is never used, so blind screening stays blind); groups
  the ranking leaves out follow in random order.
- a ``ranker`` callable ``ranker(db, stage) -> list[group_id]``, best first,
  checked for openness 500 at a time.

Each is a few index look-ups at 100k groups (``bench/screening_bench.py``).

Whatever the order, while the stage has a stopping sample
(``screening.stopping.state``) its open groups come first, in draw order, as
``Pick(order="sample")``: the random check is screened like any record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.decide import Shown
from screening.errors import ScreeningError

Ranker = Callable[[Database, str], Sequence[int]]
ORDERS = ("random", "ranked")


@dataclass(frozen=True, slots=True)
class Pick:
    """The next group and how it was chosen (pass ``shown`` to ``decide``).

    Attributes:
        group_id: The group to screen.
        order: ``random``, ``ranked``, ``ranker`` or ``sample`` (the stopping sample).
        shown: Model version, rank and score shown, for the audit log.
        sample: ``(position, size)`` of a stopping-sample group, for "Random
            check 12 of 400".
    """

    group_id: int
    order: str
    shown: Shown
    sample: tuple[int, int] | None = None


def next_group(
    db: Database,
    who: Viewer,
    stage: Stage,
    *,
    order: str = "random",
    seed: int | str = 0,
    ranker: Ranker | None = None,
    skip: Sequence[int] = (),
) -> Pick | None:
    """Return the next group for the viewer to screen at a stage, or None when done.

    Args:
        db: The review database.
        who: The screening reviewer (``who.required`` reviewers per record).
        stage: ``title_abstract`` or ``full_text``.
        order: ``random`` or ``ranked``.
        seed: Seed of the random order: the protocol's ``[screening] seed``,
            shared by all reviewers (see the module doc).
        ranker: Overrides ``order`` with a callable's ranking.
        skip: Groups not to return (e.g. the one on screen, to prefetch the next).

    Raises:
        ScreeningError: for an unknown stage or order.
    """
    blind.check_stage(stage)
    if order not in ORDERS:
        raise ScreeningError(f"unknown order {order!r}; use random or ranked")
    checked = _from_sample(db, who, stage, skip)
    if checked is not None:
        return checked
    if ranker is not None:
        return _from_ranker(db, who, stage, ranker, skip)
    model = sdb.latest_model_version(db, stage, who.name) if order == "ranked" else None
    seed = str(seed)
    sdb.ensure_queue_keys(db, seed)
    if stage == sdb.TITLE_ABSTRACT:
        if model is not None:
            hit = sdb.next_ranked_title_abstract(db, who.name, who.required, model, skip)
            if hit is not None:
                return Pick(hit[0], "ranked", Shown(model, hit[1], hit[2]))
        found = sdb.next_random_title_abstract(db, who.name, who.required, seed, skip)
        return None if found is None else Pick(found, "random", Shown())
    tallies = blind.full_text_open(db, who)
    if tallies is None:
        return None
    full = tallies.next_full_text(who.name, seed, model, skip)
    if full is None:
        return None
    group, rank, score = full
    if rank is None:
        return Pick(group, "random", Shown())
    return Pick(group, "ranked", Shown(model, rank, score))


def _from_sample(db: Database, who: Viewer, stage: Stage, skip: Sequence[int]) -> Pick | None:
    """Return the first open group of the stage's stopping sample, in draw order."""
    sample = sdb.stopping_sample(db, stage)
    if sample is None:
        return None
    size = len(sample.groups)
    if stage == sdb.TITLE_ABSTRACT:
        hit = sdb.next_sample_title_abstract(db, sample.id, who.name, who.required, skip)
        return None if hit is None else Pick(hit[0], "sample", Shown(), (hit[1], size))
    tallies = blind.full_text_open(db, who)
    if tallies is None:
        return None
    skipped = set(skip)
    candidates = [g for g in sample.groups if g not in skipped]
    open_ids = tallies.open_full_text(who.name, candidates)
    for group in candidates:
        if group in open_ids:
            return Pick(group, "sample", Shown(), (sample.groups.index(group) + 1, size))
    return None


def sample_queue(db: Database, who: Viewer, stage: Stage) -> list[int] | None:
    """Return the sample's groups still open to the viewer, in the order they are served.

    :func:`next_group` serves exactly these first, one by one (draw order), so
    ``review rank --json`` and ``review stopping sample --json`` can list what
    the app shows next. None when the stage has no stopping sample; an empty
    list once the viewer has screened all of it (or the stage is closed to them).
    """
    sample = sdb.stopping_sample(db, blind.check_stage(stage))
    if sample is None:
        return None
    groups = list(sample.groups)
    if stage == sdb.TITLE_ABSTRACT:
        open_ids = sdb.open_among_title_abstract(db, who.name, who.required, groups)
    else:
        tallies = blind.full_text_open(db, who)
        open_ids = set() if tallies is None else tallies.open_full_text(who.name, groups)
    return [g for g in groups if g in open_ids]


def _from_ranker(
    db: Database, who: Viewer, stage: Stage, ranker: Ranker, skip: Sequence[int]
) -> Pick | None:
    skipped = set(skip)
    ranked = [g for g in ranker(db, stage) if g not in skipped]
    tallies = blind.full_text_open(db, who) if stage == sdb.FULL_TEXT else None
    if stage == sdb.FULL_TEXT and tallies is None:
        return None
    for start in range(0, len(ranked), 500):
        chunk = ranked[start : start + 500]
        if tallies is not None:
            open_ids = tallies.open_full_text(who.name, chunk)
        else:
            open_ids = sdb.open_among_title_abstract(db, who.name, who.required, chunk)
        for offset, group in enumerate(chunk):
            if group in open_ids:
                return Pick(group, "ranker", Shown(None, start + offset + 1, None))
    return None


def remaining(db: Database, who: Viewer, stage: Stage) -> int | None:
    """Return how many groups are still open to the viewer (None: stage closed to them).

    Counts every group, so it costs tens of ms at 100k; refresh it in a worker.
    """
    if blind.check_stage(stage) == sdb.TITLE_ABSTRACT:
        return sdb.open_count_title_abstract(db, who.name, who.required)
    tallies = blind.full_text_open(db, who)
    return None if tallies is None else tallies.open_full_text_count(who.name)
