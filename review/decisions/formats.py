"""Reading decision files: the three layouts, and finding each row's study.

``review export decisions`` rows name their study by ``group_id``; ASReview
and Rayyan rows by the record's own ID in its file, checked against the title
when both are there (another tool's ID may equal an unrelated record's), else
by DOI, else by title. Cells are read back through
:func:`screening.export.unsafe_cell`, so what the export quoted for
spreadsheets imports as it was.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlite_utils import Database

from corpus import normalize
from corpus.dedup.keys import key_text, strip_markup
from protocols.model import Protocol, Stage
from review.core.errors import UsageError
from review.decisions import db as ddb
from screening.export import unsafe_cell

LABEL_COLUMNS = ("label_included", "included", "final_included", "asreview_label")
ID_COLUMNS = ("record_id", "source_id", "id", "key")
_YES = {"1", "1.0", "true", "yes", "include", "included"}
_NO = {"0", "0.0", "false", "no", "exclude", "excluded"}
_UNLABELLED = {"", "-1", "-1.0", "nan", "none", "null"}
_RAYYAN = re.compile(r"RAYYAN-INCLUSION:\s*\{(?P<map>[^}]*)\}")
_RAYYAN_VOTE = re.compile(r'"(?P<who>[^"]+)"\s*=>\s*"(?P<label>[^"]+)"')
_RAYYAN_REASONS = re.compile(r"RAYYAN-EXCLUSION-REASONS:\s*(?P<reasons>[^|]*)")
RAYYAN_LABELS = {"included": "include", "excluded": "exclude", "maybe": "maybe"}


def fold(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip(' _\t\ufeff"')).lower()


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Return the folded header and ``(line, row)`` for every non-empty data row.

    Raises:
        UsageError: naming the file (and line) it cannot read.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(c in first for c in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [fold(h) for h in next(reader, [])]
        if not any(header):
            raise UsageError(f"{path}: empty file; expected a header line")
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) > len(header):
                    raise UsageError(
                        f"{path} line {line}: {len(cells)} cells, the header has {len(header)}"
                    )
                rows.append(
                    (line, {h: unsafe_cell(c.strip()) for h, c in zip(header, cells, strict=False)})
                )
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UsageError(f"{path} line {reader.line_num}: {exc}") from None
    return header, rows


def layout_of(path: Path, header: list[str], rows: list[tuple[int, dict[str, str]]]) -> str:
    """Tell which tool wrote the file, from its header (and Rayyan's notes)."""
    if "event_id" in header and "retracts" in header:
        raise UsageError(
            f"{path}: a --history export lists undos and changes of mind; import the"
            " current decisions (`review export decisions` without --history)"
        )
    if "group_id" in header and "label" in header:
        return "review"
    if any(c in header for c in LABEL_COLUMNS):
        return "asreview"
    if "notes" in header and any(_RAYYAN.search(r.get("notes", "")) for _, r in rows):
        return "rayyan"
    raise UsageError(
        f"{path}: not a decisions file; expected the columns of `review export decisions`"
        " (group_id, stage, reviewer, label, reason, note), ASReview's export (record_id,"
        " title, label_included 0/1) or Rayyan's (notes with RAYYAN-INCLUSION)"
    )


class Locator:
    """Finds the study of an ASReview or Rayyan row: by source id, DOI, then title."""

    def __init__(self, db: Database) -> None:
        self.by_source: dict[str, list[ddb.RecordRef]] = {}
        self.by_doi: dict[str, set[int]] = {}
        self.by_title: dict[str, set[int]] = {}
        for ref in ddb.all_records(db):
            if ref.source_id:
                self.by_source.setdefault(ref.source_id.strip(), []).append(ref)
            if ref.doi:
                self.by_doi.setdefault(ref.doi, set()).add(ref.group_id)
            key = _title_key(ref.title)
            if key:
                self.by_title.setdefault(key, set()).add(ref.group_id)

    def find(self, where: str, row: dict[str, str]) -> int:
        """Return the group a row names.

        Raises:
            UsageError: when no study, or more than one, matches.
        """
        title = _title_key(row.get("title"))
        ids = [row[c] for c in ID_COLUMNS if row.get(c)]
        for value in ids:
            refs = self.by_source.get(value, [])
            if title:  # an ID from another tool may equal an unrelated record's ID
                refs = [r for r in refs if not r.title or _title_key(r.title) == title]
            groups = {r.group_id for r in refs}
            if len(groups) == 1:
                return groups.pop()
        doi = normalize.doi(row.get("doi"))
        if doi:
            groups = self.by_doi.get(doi, set())
            if len(groups) == 1:
                return next(iter(groups))
            if len(groups) > 1:
                raise UsageError(f"{where}: DOI {doi} is in {_groups(groups)}; {_MERGE}")
        if title:
            groups = self.by_title.get(title, set())
            if len(groups) == 1:
                return next(iter(groups))
            if len(groups) > 1:
                raise UsageError(f"{where}: the title is in {_groups(groups)}; {_MERGE}")
        said = ", ".join(
            [f"{c} {row[c]}" for c in ID_COLUMNS if row.get(c)]
            + ([f"doi {doi}"] if doi else [])
            + ([f"title {row['title'][:60]!r}"] if row.get("title") else [])
        )
        raise UsageError(
            f"{where}: no record in this review matches ({said or 'no id, doi or title'})"
        )


_MERGE = "merge the duplicates first (review dedup) or give the record's ID"


def _groups(groups: set[int]) -> str:
    return f"{len(groups)} studies (groups {', '.join(map(str, sorted(groups)))})"


def _title_key(title: str | None) -> str:
    return key_text(strip_markup(title)) if title else ""


def asreview_label(where: str, row: dict[str, str]) -> str | None:
    """Return ``include`` or ``exclude`` for an ASReview row, None when unlabelled."""
    value = next((row.get(c, "") for c in LABEL_COLUMNS if c in row), "").lower()
    if value in _UNLABELLED:
        return None
    if value not in _YES | _NO:
        raise UsageError(f"{where}: label {value!r}; expected 1 (include), 0 or empty")
    return "include" if value in _YES else "exclude"


def rayyan_votes(
    where: str, row: dict[str, str], protocol: Protocol, stage: Stage
) -> list[tuple[str, str, dict[str, str]]] | None:
    """Return ``(reviewer, label, cells)`` per Rayyan vote, None for a row without votes.

    ``cells`` holds the reason (the first of Rayyan's that the protocol lists)
    and a note with the others, for exclusions.
    """
    votes = _RAYYAN.search(row.get("notes", ""))
    if votes is None:
        return None
    reasons = _RAYYAN_REASONS.search(row.get("notes", ""))
    out: list[tuple[str, str, dict[str, str]]] = []
    for vote in _RAYYAN_VOTE.finditer(votes.group("map")):
        said = RAYYAN_LABELS.get(vote.group("label").strip().lower())
        if said is None:
            raise UsageError(f"{where}: Rayyan decision {vote.group('label')!r} not understood")
        cells: dict[str, str] = {}
        if said == "exclude" and reasons:
            cells = _rayyan_reason(reasons.group("reasons"), protocol, stage)
        out.append((vote.group("who"), said, cells))
    return out


def _rayyan_reason(text: str, protocol: Protocol, stage: Stage) -> dict[str, str]:
    """Use the first of Rayyan's reasons the protocol lists; keep the others in the note."""
    given = [r.strip() for r in text.split(",") if r.strip()]
    listed = {r.casefold(): r for r in protocol.exclusion_reasons(stage)}
    chosen = next((listed[r.casefold()] for r in given if r.casefold() in listed), None)
    cells = {"reason": chosen} if chosen else {}
    rest = [r for r in given if chosen is None or r.casefold() != chosen.casefold()]
    if rest:
        cells["note"] = "Rayyan exclusion reasons: " + ", ".join(rest)
    return cells
