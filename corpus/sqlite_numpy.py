"""Keep sqlite-utils from importing numpy (and pandas) as it loads.

sqlite-utils imports numpy and pandas at import time, when they are
installed, only to map their scalar types to column types in its
``insert()``/``upsert()`` API. This project never inserts through that API
(all writes are parameterised SQL in the ``db`` modules), but numpy's import
alone costs 100-250 ms of the 0.3 s start-up budget of ``review status``.
:func:`install` adds an import hook that refuses numpy and pandas *only while
``sqlite_utils.db`` is executing*; sqlite-utils then takes its documented
"not installed" path. Code that needs numpy imports it as usual, before or
after. If numpy is already loaded, the hook never runs (Python finds it in
``sys.modules`` first).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

_BLOCKED = frozenset({"numpy", "pandas"})


def _sqlite_utils_loading() -> bool:
    module = sys.modules.get("sqlite_utils.db")
    spec = getattr(module, "__spec__", None)
    return bool(module is not None and getattr(spec, "_initializing", False))


class _SqliteUtilsNumpyGuard(importlib.abc.MetaPathFinder):
    """Refuse numpy/pandas to sqlite_utils.db's import-time probe, nothing else."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in _BLOCKED and _sqlite_utils_loading():
            raise ModuleNotFoundError(f"{fullname} is not loaded for sqlite-utils", name=fullname)
        return None


def install() -> None:
    """Add the guard once (idempotent); a no-op once sqlite_utils is loaded."""
    if "sqlite_utils.db" in sys.modules:
        return
    if not any(isinstance(f, _SqliteUtilsNumpyGuard) for f in sys.meta_path):
        sys.meta_path.insert(0, _SqliteUtilsNumpyGuard())
