"""``review zotero import``: a Zotero library (or collection) as sources and records.

Each sync is one new source (``sources`` row: database ``Zotero <library
name>``, file name ``zotero:user:ID[/collection:KEY][/tag:T]@vVERSION``,
format ``zotero``) holding the items new to the review, and one row in
``zotero_syncs`` with the library version it reached. PRISMA counts the source
like any import; its ``method`` is ``database`` by default because a Zotero
library in a review usually gathers database search results (``--method``
says otherwise, as for ``review import``).

A later sync of the same library, collection and tag is incremental: it asks
for items changed ``since=`` the last version. An item the review already holds
(same key, from an earlier sync of this library) updates its record in place
(record id, group, decisions kept); new items become records of the new
source. Items deleted in Zotero (``/deleted?since=``) or moved to its trash
flag their records ``deleted_in_zotero``; nothing is dropped. All writes of a
sync are one transaction. PDFs are fetched after it commits and attached as
``review attach`` does (text only); a failed PDF is reported and skipped.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.model import Record
from protocols.vocabulary import Flag
from review.sync import db as sync_db
from review.sync.zotero_client import ZoteroClient, ZoteroError
from review.sync.zotero_map import is_regular, to_record

DELETED_FLAG = Flag.DELETED_IN_ZOTERO
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class SyncResult:
    """What one sync did, for the CLI's report."""

    source_ref: int
    database: str
    file_name: str
    library: str
    collection: str
    since_version: int | None
    library_version: int
    fetched: int
    added: int
    updated: int
    unchanged: int
    deleted: int
    skipped: int
    seconds: float
    pdfs_attached: int = 0
    pdf_errors: list[str] = field(default_factory=list)
    added_ids: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The result as the ``--json`` summary."""
        return {
            "source": self.source_ref,
            "database": self.database,
            "file_name": self.file_name,
            "library": self.library,
            "collection": self.collection or None,
            "since_version": self.since_version,
            "library_version": self.library_version,
            "fetched": self.fetched,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped_notes_and_attachments": self.skipped,
            "pdfs_attached": self.pdfs_attached,
            "pdf_errors": self.pdf_errors,
            "seconds": round(self.seconds, 3),
            "items_per_second": round(self.fetched / self.seconds, 1) if self.seconds else None,
        }


def _fetch(
    client: ZoteroClient,
    since: int | None,
    collection: str,
    tag: str | None,
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Every page of changed items, and the library version of the first page.

    If the library changes while the pages are read (a later page reports a
    newer version), the read starts again, as the Zotero API asks.
    """
    for _attempt in range(3):
        items: list[dict[str, Any]] = []
        version: int | None = None
        moved = False
        for page in client.items(since=since, collection=collection or None, tag=tag):
            page_version = client.last_version()
            if version is None:
                version = page_version
            elif page_version is not None and page_version != version:
                moved = True
                break
            items.extend(page)
            if progress:
                total = client.total_results() or len(items)
                progress(len(items), max(total, len(items)))
        if not moved:
            return items, version
    raise ZoteroError(
        f"Zotero {client.library} kept changing while it was read; run the import again"
    )


def sync(
    db: Database,
    root: Path,
    client: ZoteroClient,
    *,
    collection: str | None = None,
    tag: str | None = None,
    method: str = "database",
    search_date: str | None = None,
    query: str | None = None,
    with_pdfs: bool = False,
    local: bool = False,
    full: bool = False,
    attached_by: str = "zotero",
    progress: Progress | None = None,
) -> SyncResult:
    """Import a library (first time) or its changes (later times) as one new source.

    Raises:
        ZoteroError: access, not found, rate limits, server errors (one line
            each, never the API key); nothing is written.
    """
    if method not in corpus_db.SOURCE_METHODS:
        choices = ", ".join(corpus_db.SOURCE_METHODS)
        raise ZoteroError(f"unknown method {method!r}; use one of: {choices}")
    clock = time.perf_counter()
    lib = str(client.library)
    coll_key, coll_name = client.collection(collection) if collection else ("", "")
    prev = None if full else sync_db.last_sync(db, lib, coll_key, tag or "")
    since = None if prev is None else int(prev["library_version"])
    fetched, version = _fetch(client, since, coll_key, tag, progress)
    deleted_keys = client.deleted_items(since) if since is not None else []
    if version is None:  # a server without Last-Modified-Version
        version = max([int(i.get("version", 0)) for i in fetched] + [since or 0])

    earlier = corpus_db.records_of_sources(db, sync_db.library_sources(db, lib))
    regular = [i for i in fetched if is_regular(i.get("data", {}))]
    skipped = len(fetched) - len(regular)
    new_items: list[dict[str, Any]] = []
    new_records: list[Record] = []
    updates: list[tuple[int, Record, bool]] = []
    unchanged = 0
    to_flag: set[int] = set()
    for item in regular:
        data = item["data"]
        trashed = bool(data.get("deleted"))
        known = earlier.get(str(item["key"]))
        if known is None:
            if not trashed:
                new_items.append(item)
                new_records.append(to_record(item))
            continue
        record_id, stored_version = known
        if stored_version is not None and int(stored_version) == int(item.get("version", -1)):
            unchanged += 1
        else:
            updates.append((record_id, to_record(item), trashed))
        if trashed:
            to_flag.add(record_id)
    for key in deleted_keys:
        if key in earlier:
            to_flag.add(earlier[key][0])

    name = sync_db.library_name(db, lib) or next(
        (str(i["library"]["name"]) for i in fetched if i.get("library", {}).get("name")), lib
    )
    database = f"Zotero {name}"
    file_name = f"zotero:{lib}"
    if coll_key:
        file_name += f"/collection:{coll_key}"
    if tag:
        file_name += f"/tag:{tag}"
    file_name += f"@v{version}"
    digest = hashlib.sha256(
        json.dumps([file_name, since, fetched, deleted_keys], sort_keys=True, default=str).encode(
            "utf-8"
        )
    ).hexdigest()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    info = corpus_db.SourceInfo(
        database=database,
        file_name=file_name,
        sha256=digest,
        format="zotero",
        imported_at=now,
        search_date=search_date,
        query=query,
        method=method,
    )
    flagged = 0
    with corpus_db.transaction(db):
        source_ref = corpus_db.insert_source(db, info, new_records)
        for record_id, rec, trashed in updates:
            corpus_db.update_record(db, record_id, rec, () if trashed else (DELETED_FLAG,))
        for record_id in sorted(to_flag):
            flagged += corpus_db.flag_record(db, record_id, DELETED_FLAG)
        sync_db.log_sync(
            db,
            sync_db.SyncRow(
                library=lib,
                library_name=name,
                collection=coll_key,
                collection_name=coll_name,
                tag=tag or "",
                endpoint=_safe_endpoint(client.endpoint),
                source_ref=source_ref,
                since_version=since,
                library_version=int(version),
                added=len(new_records),
                updated=len(updates),
                deleted=len(to_flag),
                skipped=skipped,
                time=now,
            ),
        )
    added_ids = {k: v[0] for k, v in corpus_db.records_of_sources(db, [source_ref]).items()}
    result = SyncResult(
        source_ref=source_ref,
        database=database,
        file_name=file_name,
        library=lib,
        collection=coll_key,
        since_version=since,
        library_version=int(version),
        fetched=len(fetched),
        added=len(new_records),
        updated=len(updates),
        unchanged=unchanged,
        deleted=len(to_flag),
        skipped=skipped,
        seconds=0.0,
        added_ids=added_ids,
    )
    if with_pdfs:
        record_of = {**{k: v[0] for k, v in earlier.items()}, **added_ids}
        _attach_pdfs(db, root, client, fetched, new_items, record_of, local, attached_by, result)
    result.seconds = time.perf_counter() - clock
    return result


def _safe_endpoint(url: str) -> str:
    """The endpoint without credentials or query (nothing secret is ever logged)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _is_pdf(data: dict[str, Any]) -> bool:
    return data.get("itemType") == "attachment" and (
        data.get("contentType") == "application/pdf"
        or str(data.get("filename") or data.get("path") or "").lower().endswith(".pdf")
    )


def _attach_pdfs(
    db: Database,
    root: Path,
    client: ZoteroClient,
    fetched: list[dict[str, Any]],
    new_items: list[dict[str, Any]],
    record_of: dict[str, int],
    local: bool,
    attached_by: str,
    result: SyncResult,
) -> None:
    """Fetch the PDFs of new items (and PDFs added since the last sync) and attach their text."""
    from corpus.errors import FullTextError
    from corpus.fulltext import attach

    seen = {i["key"] for i in fetched}
    wanted: list[dict[str, Any]] = [
        i["data"]
        for i in fetched
        if _is_pdf(i["data"]) and i["data"].get("parentItem") in record_of
    ]
    with_children = {d["parentItem"] for d in wanted}
    for item in new_items:
        if item["key"] in with_children or not int(item.get("meta", {}).get("numChildren", 0) or 0):
            continue
        wanted.extend(
            c["data"]
            for c in client.children(item["key"])
            if _is_pdf(c["data"]) and c["key"] not in seen
        )
    with tempfile.TemporaryDirectory(prefix="zotero-pdf-") as tmp:
        for data in wanted:
            key, parent = str(data["key"]), str(data["parentItem"])
            label = f"Zotero attachment {key} of item {parent}"
            try:
                if data.get("linkMode") == "linked_file":
                    if not local:
                        raise FullTextError(
                            "a linked file lives on the Zotero user's disk; import with --local"
                        )
                    path = Path(str(data.get("path") or ""))
                    if not path.is_file():
                        raise FullTextError(f"linked file not found: {path}")
                elif data.get("linkMode") in ("linked_url",):
                    continue
                else:
                    path = Path(tmp) / _file_name(data)
                    path.write_bytes(client.file(key))
                attach(db, root, record_of[parent], path, attached_by)
                result.pdfs_attached += 1
            except (FullTextError, ZoteroError, OSError) as exc:
                result.pdf_errors.append(f"{label}: {client.scrub(str(exc))}")


def _file_name(data: dict[str, Any]) -> str:
    name = Path(str(data.get("filename") or f"{data['key']}.pdf")).name
    return name or f"{data['key']}.pdf"


def rededup(db: Database, policy: Any) -> dict[str, int] | None:
    """Re-check duplicates after records changed, the way ``review dedup`` does (no --auto).

    Only when the review was deduplicated before (any stored pair): changed
    records are rescored against all others and new likely pairs are queued
    for a person; nothing is merged automatically here.
    """
    if not corpus_db.known_pairs(db):
        return None
    from corpus.dedup import run

    report = run(db, policy=policy, auto=False)
    return {"candidate_pairs": report.candidates, "queued": report.queued}
