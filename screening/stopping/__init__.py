"""When may prioritised screening stop: the stopping rule and its state in a review.

``rules`` (the statistics over counts: test, recall estimate, heuristics,
:func:`assess`), ``state`` (a review's decisions as those counts, and its
random sample), ``hypergeom`` (the distribution in pure Python). Importing
this package loads neither scipy nor numpy. The method:
``docs/methods/stopping.md``.
"""

from screening.stopping.rules import (
    CITATION,
    Phase,
    RecallEstimate,
    StoppingReport,
    assess,
    estimate_recall,
    hypergeometric_p,
    irrelevant_run,
    ready_for_random_check,
    required_sample,
    run_threshold,
    screening_phase,
    sequential_p,
)
from screening.stopping.state import (
    assess_stage,
    draw_sample,
    extend_sample,
    recall_curve,
    stage_json,
    visible,
)

__all__ = [
    "CITATION",
    "Phase",
    "RecallEstimate",
    "StoppingReport",
    "assess",
    "assess_stage",
    "draw_sample",
    "estimate_recall",
    "extend_sample",
    "hypergeometric_p",
    "irrelevant_run",
    "ready_for_random_check",
    "recall_curve",
    "required_sample",
    "run_threshold",
    "screening_phase",
    "sequential_p",
    "stage_json",
    "visible",
]
