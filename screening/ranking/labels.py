"""Which decisions a reviewer's model may learn from, and which studies it ranks.

Blind screening: a reviewer must not be steered by another reviewer's votes,
and a ranking learnt from them would do exactly that (the order leaks what
the other included). So the training labels are what the reviewer may see
(``screening.blind.events``): in a blind review, until a lead unblinds the
stage, their own decisions only, not even resolutions (a resolution reveals
that the votes differed). Leads, non-blind reviews and unblinded stages
learn from every reviewer's current decisions, resolutions overriding the
votes. Each reviewer's ranking is stored under their name, and the queue
never reads another reviewer's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import blind
from screening.blind import Viewer
from screening.rounds import scope
from screening.stages import FULL_TEXT

#: Labels that count as relevant: a maybe goes on to be read in full, which
#: is what the ranking tries to bring forward.
RELEVANT = frozenset({"include", "maybe"})


@dataclass(frozen=True, slots=True)
class LabelView:
    """A reviewer's training labels and the studies closed to them.

    Attributes:
        labels: Group -> 1 (include or maybe) / 0 (exclude), one per group:
            the votes' majority, ties counting as relevant, unless a
            resolution is in force.
        closed: Groups not to rank: decided by the reviewer, or by as many
            reviewers as a study needs.
        eligible: Groups the stage is open to (None: every study).
    """

    labels: dict[int, int]
    closed: frozenset[int]
    eligible: frozenset[int] | None

    @property
    def includes(self) -> list[int]:
        """Return the groups labelled relevant, ascending."""
        return sorted(g for g, y in self.labels.items() if y == 1)


def label_view(db: Database, who: Viewer, stage: Stage) -> LabelView | None:
    """Return what a reviewer's ranking at a stage may learn from (None: stage closed).

    Full text is open only to studies that passed title/abstract, which in a
    blind review is known only after the lead unblinds title/abstract. After
    an update, title/abstract is open to the newest round's studies.
    """
    eligible: frozenset[int] | None = None
    if stage == FULL_TEXT:
        passed = blind.full_text_open(db, who)
        if passed is None:
            return None
        eligible = frozenset(passed.passed_groups())
    votes: dict[int, list[int]] = {}
    closed: set[int] = set()
    for event in blind.events(db, who, stage=stage):
        votes.setdefault(event.group_id, []).append(int(event.label in RELEVANT))
        if event.reviewer == who.name:
            closed.add(event.group_id)
    labels = {g: int(2 * sum(v) >= len(v)) for g, v in votes.items()}
    closed.update(g for g, v in votes.items() if len(v) >= who.required)
    if stage != FULL_TEXT and (studies := scope(db).studies) is not None:
        # An update round (screening.rounds): the queue offers its new studies and
        # the ones already started, so only those are ranked; every round's
        # decisions still train the model.
        eligible = studies | frozenset(votes)
    tallies = blind.tallies(db, who, stage)
    if tallies is not None:  # sees every vote, so resolutions too
        for group, outcome in tallies.outcomes():
            if outcome.startswith("resolved_"):
                labels[group] = int(outcome == "resolved_include")
    return LabelView(labels, frozenset(closed), eligible)
