"""Stopping rules behind one interface: ``check(run) -> Verdict`` (see ``base``)."""

from screening.stopping.stoppers.base import Assumption, Run, Stopper, Verdict

__all__ = ["Assumption", "Run", "Stopper", "Verdict"]
