"""Active-learning prioritisation: rank the studies a reviewer has not screened yet.

The ranking service, without UI: ``retrain`` learns from the decisions a
reviewer may see (their own only in a blind review, see ``labels``) and
stores a ranking under their name with a model version; the queue's
``ranked`` order reads it, and ``decide`` logs the rank and score each
study was shown with. ``explain`` says why a study ranks high. The slow
part, TF-IDF over every study, is built once and cached (``features``);
each retrain is then well under the budget (< 1 s at 10k studies, < 5 s
at 100k: ``bench/rank_bench.py``). Callers run it off the UI thread (the
TUI in a worker process: ``review.tui.ranking_worker``).

numpy, scipy and scikit-learn load with this package: import it inside the
functions of start-up paths.
"""

from screening.prioritise.explain import Neighbour, Why, explain, question_terms
from screening.prioritise.features import Features, load_features
from screening.prioritise.labels import LabelView, label_view
from screening.prioritise.query import Spec
from screening.prioritise.train import COLD_START, Ranked, cold_start, retrain, short_version

__all__ = [
    "COLD_START",
    "Features",
    "LabelView",
    "Neighbour",
    "Ranked",
    "Spec",
    "Why",
    "cold_start",
    "explain",
    "label_view",
    "load_features",
    "question_terms",
    "retrain",
    "short_version",
]
