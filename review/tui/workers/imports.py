"""The Sources screen's long jobs: import, Zotero sync, folder of PDFs, then indexing.

Each function is a write-queue job (run by a worker thread, one at a time
with every other write): it opens its own connection, reports progress to a
:class:`~review.session.sources.ProgressState` the screen polls, and answers
a :class:`~review.session.sources.JobResult` whose lines are the CLI's, one
per file. Zotero errors are scrubbed of the API key, which is never stored.
A served session's file reads are checked against the review's ``inbox/``
again here, just before the file is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from corpus.dedup import DedupPolicy
from review.core.confine import OutsideFolderError, confine, confine_tree
from review.core.errors import USER_ERRORS
from review.core.project import Project
from review.core.review import Review
from review.session.indexing import refresh
from review.session.sources import (
    JobResult,
    ProgressState,
    attach_folder,
    import_files,
    reopened_warning,
    stopped_before,
)
from review.sync import db as sync_db
from review.sync.zotero_client import ZoteroClient, parse_library
from review.sync.zotero_import import rededup, sync


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """A file picked on the Sources screen, with what the reviewer typed."""

    path: Path
    search_date: str | None = None
    query: str | None = None
    embed: bool = True
    #: Served session: the folder the file must resolve inside (None: anywhere).
    root: Path | None = None


@dataclass(frozen=True, slots=True)
class ZoteroRequest:
    """A library to import or sync again, as the Zotero form filled it."""

    library: str
    collection: str | None = None
    endpoint: str | None = None
    local: bool = False
    embed: bool = True


def index(project: Project, embed: bool, state: ProgressState) -> str | None:
    """Bring the search indexes up to date; a line saying why not if that failed."""
    with project.connect() as db:
        try:
            refresh(project, db, embed=embed, progress=state.callback("Embedding"))
        except Exception as exc:  # noqa: BLE001 - the import stands; search catches up later
            return f"indexing postponed ({type(exc).__name__}: {exc}); search catches up later"
    return None


def import_job(project: Project, request: ImportRequest, state: ProgressState) -> JobResult:
    """Import one picked file, then index what it brought."""
    path = request.path
    if request.root is not None:
        try:
            path = confine(request.root, path)
        except OutsideFolderError as exc:
            return JobResult(False, str(exc), [str(exc)], "import")
    result = import_files(
        project,
        [path],
        search_date=request.search_date,
        query=request.query,
        state=state,
    )
    if result.ok:
        problem = index(project, request.embed, state)
        if problem:
            result.lines.append(problem)
    return result


def attach_job(review: Review, folder: Path, state: ProgressState, root: Path | None) -> JobResult:
    """Attach a folder of PDFs; with ``root``, only if nothing in it resolves outside root."""
    if root is not None:
        try:
            folder = confine_tree(root, folder)
        except OutsideFolderError as exc:
            return JobResult(False, str(exc), [str(exc)], "folder")
    return attach_folder(review, folder, state)


def configured_endpoint(db: Database, library: str) -> tuple[str | None, bool]:
    """The endpoint a served session syncs ``library`` from: ``(endpoint, local API)``.

    It is the endpoint the library's latest sync used (``review zotero import``
    on the server, or a lead's own TUI), else api.zotero.org: never one typed
    in a browser, so the server's API key goes nowhere else.

    Raises:
        ZoteroError: ``library`` is not ``user:ID`` or ``group:ID``.
    """
    synced = sync_db.library_endpoint(db, str(parse_library(library)))
    if synced is None:
        return None, False
    if ":23119" in synced:  # synced through the desktop's local API, which needs no key
        return None, True
    return synced, False


def zotero_job(
    review: Review, request: ZoteroRequest, api_key: str | None, state: ProgressState
) -> JobResult:
    """Import a Zotero library, or what changed since its last sync, as a new source."""
    try:
        library = parse_library(request.library)
        client = ZoteroClient(library, api_key, local=request.local, endpoint=request.endpoint)
    except USER_ERRORS as exc:
        return JobResult(False, str(exc), [str(exc)], "zotero")
    project = review.project
    lines: list[str] = []
    with review.connect() as db:
        stopped = stopped_before(project, db)
        try:
            result = sync(
                db,
                project.root,
                client,
                collection=request.collection,
                local=request.local,
                progress=state.callback("Reading Zotero"),
            )
            if result.updated:
                state.callback("Re-checking duplicates")(0, 0)
                found = rededup(db, DedupPolicy.from_mapping(review.protocol.dedup))
                if found:
                    lines.append(f"changed records re-checked: {found['queued']} pairs queued")
        except Exception as exc:  # noqa: BLE001 - one scrubbed line, never the key
            text = str(exc) if isinstance(exc, USER_ERRORS) else f"{type(exc).__name__}: {exc}"
            line = client.scrub(text).splitlines()[0] if text else type(exc).__name__
            return JobResult(False, line, [line], "zotero")
        reopened = reopened_warning(project, db, stopped)
    since = f" (changes since v{result.since_version})" if result.since_version is not None else ""
    summary = (
        f"{result.file_name}: {result.added} new records from {result.database}{since}; "
        f"{result.updated} updated, {result.deleted} flagged deleted, "
        f"{result.skipped} notes/attachments skipped"
    )
    problem = index(project, request.embed, state)
    lines = [summary, *lines, *(f"warning: {line}" for line in result.pdf_errors)]
    if problem:
        lines.append(problem)
    if reopened:
        lines.append(reopened)
    return JobResult(True, summary, lines, "zotero", warning=reopened or "")
