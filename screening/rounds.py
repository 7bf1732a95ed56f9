"""Search rounds seen from screening: which studies a round's figures are about.

A living review is updated in rounds (``corpus.db.rounds``): round 1 is the
original search, each update adds one. The queue serves only the newest
round's new studies (``screening.db.queue.IN_OPEN_ROUND``); the stopping rule
and the progress figures are per round, over the studies first identified in
it. While a review has one round, every study is in it and nothing is
filtered, so a review that is never updated works exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from corpus import db as corpus_db
from screening.errors import ScreeningError


@dataclass(frozen=True, slots=True)
class RoundScope:
    """The round a figure is about and its studies.

    Attributes:
        number: The round (1, 2, ...).
        latest: The newest round's number.
        studies: Studies first identified in the round; None when the review
            has one round (every study, no filter needed).
    """

    number: int
    latest: int
    studies: frozenset[int] | None

    def keep(self, groups: list[int]) -> list[int]:
        """Return the groups that belong to the round, in their order."""
        if self.studies is None:
            return groups
        return [g for g in groups if g in self.studies]

    def has(self, group_id: int) -> bool:
        """Tell whether a study belongs to the round."""
        return self.studies is None or group_id in self.studies


def scope(db: Database, round_no: int | None = None) -> RoundScope:
    """Return the scope of a round (the newest by default).

    Raises:
        ScreeningError: for a round that does not exist.
    """
    latest = corpus_db.current_round(db)
    number = latest if round_no is None else round_no
    if not 1 <= number <= latest:
        raise ScreeningError(
            f"there is no round {number}; this review has rounds 1 to {latest} (review update list)"
        )
    studies = None if latest == 1 else corpus_db.round_studies(db, number)
    return RoundScope(number, latest, studies)
