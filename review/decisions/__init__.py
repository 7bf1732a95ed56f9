"""Recording screening decisions without the UI: ``review decide`` and ``review import-decisions``.

Both go through ``screening.decide`` (eligibility, reasons, notes, the
append-only decision log) with the reviewer's ``screening.blind`` viewer, as
the TUI's writes do; this package only finds the study a user names and reads
decision files. Modules: ``db`` (the look-ups), ``single`` (one decision),
``formats`` (reading decision files of review, ASReview and Rayyan) and
``importing`` (recording a file's decisions, all-or-nothing).
"""
