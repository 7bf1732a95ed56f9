"""Unit tests: library code called directly (parsers, normalisation, scoring, stopping, protocols).

No CLI runner, no TUI pilot, no browser, no tmux: ``make test-fast`` runs this folder alone.
The shared fixtures (no ambient ``REVIEW_PROJECT``) live in ``tests/conftest.py``; no fixture
here is needed by the other folders.
"""
