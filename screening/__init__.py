"""Screening decisions and what is computed from them (no UI).

``blind`` (who sees what; build a ``Viewer`` first), ``decide`` (decisions,
undo, notes, reasons, report flags), ``queue`` (the next group), ``stages``
(eligibility and outcomes), ``conflicts``, ``agreement``, ``progress`` and
``export``. All SQL is in ``screening.db``; call ``screening.db.apply(db)``
after ``corpus.db.connect``.
"""

import corpus  # noqa: E402,F401  (first: keeps numpy out of sqlite-utils' import)
