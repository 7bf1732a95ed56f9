"""Deduplication: find records of one study, merge them into one group, undo merges.

Public API (what the CLI, the TUI, sync and the benches call):
:func:`run`, :func:`decide`, :func:`skip`, :func:`undo`, :func:`merged_view`,
:class:`RunReport`, :class:`DedupPolicy` (the protocol's ``[dedup]`` table) and
:class:`PairScore`.

Modules: ``engine`` (candidates, merges, undo), ``score`` (the pair scorer's
rules), ``versions`` (identifier and version rules), ``pair`` (the field
comparison, policy and verdict), ``prepare`` (per-record keys), ``keys`` (match
keys for titles, journals, pages, DOIs, also used by full-text matching and
decision imports) and ``names`` (author names). The SQL is in
:mod:`corpus.db.dedup`. The method: docs/methods/dedup.md.

The names load on first use, so importing ``corpus.dedup.keys`` does not load
the scorer (and rapidfuzz) for screens that only fold titles.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corpus.dedup.engine import RunReport, decide, merged_view, run, skip, undo
    from corpus.dedup.pair import DedupPolicy, PairScore

__all__ = [
    "DedupPolicy",
    "PairScore",
    "RunReport",
    "decide",
    "merged_view",
    "run",
    "skip",
    "undo",
]

# Public name -> the module that defines it.
_HOME = {
    "DedupPolicy": "pair",
    "PairScore": "pair",
    "RunReport": "engine",
    "decide": "engine",
    "merged_view": "engine",
    "run": "engine",
    "skip": "engine",
    "undo": "engine",
}


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
