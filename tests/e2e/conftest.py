"""End-to-end tests: tmux terminals, a real browser, and several real processes at once.

``review serve``, concurrent writers, crash safety and attach with reader processes.
Shared fixtures live in ``tests/conftest.py``; helpers in ``tests/*_support.py``.
"""
