"""Functional tests: the CLI (in-process or one ``review`` command), TUI Pilot and snapshot tests.

Snapshot files sit in ``__snapshots__/<test file>/`` beside the test modules. The ``run``
fixture (a fresh review and a CLI runner) is shared with ``tests/e2e`` and so lives in
``tests/conftest.py``.
"""
