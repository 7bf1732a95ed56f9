"""Living reviews: update rounds (``review update start|list``).

A review is updated by running its searches again. Each update is a search
round (``corpus.db.rounds``): the imports that follow ``review update start``
belong to it, deduplication merges its records into the studies already
known, decided studies keep their decisions, and only the round's new studies
enter the screening queue. The stopping rule, the status and dashboard
figures and the PRISMA diagram are per round.
"""
