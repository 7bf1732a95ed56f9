"""The TUI's garbage collection runs between key presses (review/tui/idle_gc.py)."""

from __future__ import annotations

import gc

import pytest

from review.tui.workers import idle_gc
from review.tui.workers.idle_gc import IdleCollector


def test_collects_only_when_keys_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    collector = IdleCollector()
    was = gc.isenabled()
    collector.start()
    try:
        assert not gc.isenabled()
        collector.key()
        collector.tick()  # a key just came: no collection mid-burst
        assert collector.collections == 0
        monkeypatch.setattr(idle_gc, "IDLE_S", 0.0)
        collector.tick()
        assert collector.collections == 1
        collector.tick()  # nothing new since: no second collection
        assert collector.collections == 1
    finally:
        collector.stop()
    assert gc.isenabled() == was


def test_backstop_collects_during_a_long_burst(monkeypatch: pytest.MonkeyPatch) -> None:
    collector = IdleCollector()
    collector.start()
    try:
        monkeypatch.setattr(idle_gc, "BACKSTOP", 10)
        collector.key()
        junk = [[i] for i in range(100)]  # > 10 new tracked objects
        collector.tick()
        assert collector.collections == 1
        del junk
    finally:
        collector.stop()
