"""The one exception importers raise for bad input.

Every parser turns whatever goes wrong with a file into an ``ImportFormatError``
so that the CLI can print one line (file, line or record, what to do) and exit
non-zero without a traceback.
"""

from __future__ import annotations


class ImportFormatError(Exception):
    """A file that cannot be imported as it is.

    Args:
        path: The file's name as the user gave it.
        message: What is wrong and, where possible, what to do about it.
        line: 1-based line number of the problem, if known.
        record: 1-based position of the record in the file, if known.
    """

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        record: int | None = None,
    ) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.record = record
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.record is not None:
            where += f" (record {self.record})"
        return f"{where}: {self.message}"


class AlreadyImportedError(Exception):
    """The same file (by content) was imported before; pass force to re-import."""


class SearchError(Exception):
    """A query the user can fix (bad FTS syntax, a record without a vector)."""


class ModelError(Exception):
    """The configured embedding model cannot be loaded (one line for the user)."""


class DedupError(Exception):
    """A dedup request that cannot be carried out (one line for the user)."""


class FullTextError(Exception):
    """A report that cannot be attached (not a PDF, encrypted, damaged, no text)."""
