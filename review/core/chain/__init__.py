"""The ledger: one hash chain over every append-only log, and its checks.

``db`` holds the table, the triggers that fill it and the reads;
``verify`` walks the chain for ``review check`` and compares it with an
anchor kept outside the database (a backup's manifest, a printed head).
"""
