"""``review zotero push``: screening and extraction outcomes back to Zotero as tags.

Which items: every record of a Zotero source of the library the review synced
from (``zotero_syncs``; the record's ``source_id`` is the item key), except
records flagged ``deleted_in_zotero``. After deduplication several items may
belong to one study: each of them gets the study's tags.

Which tags (``PREFIX`` is ``--tag-prefix``, default ``review:``):

- one screening tag from the study's outcome at the last stage it reached (the
  full-text outcome when it has one, else title/abstract; ``--stage`` pushes
  one stage's outcome only): ``PREFIXinclude`` (include, resolved include),
  ``PREFIXexclude:REASON`` (exclude, resolved exclude; the reason most of the
  exclude votes give, as the PRISMA report counts it, verbatim; ``PREFIXexclude``
  when nobody gave one), ``PREFIXmaybe``, ``PREFIXconflict``; none while the
  study is undecided;
- ``PREFIXextraction:STATUS`` (``in_progress``, ``to_verify``, ``conflicts``,
  ``complete``) once extraction of the study has started.

Ownership: every tag that starts with ``PREFIX`` belongs to this tool. A push
makes an item's prefixed tags exactly the wanted ones (a tag that is no longer
true, from an earlier push or from another ``--stage``, is removed); every other
tag, and every other field, is left as it is. With ``--collection NAME`` items
also go into the sub-collections ``include``, ``exclude`` and ``maybe`` of a
collection ``NAME`` (created when missing); the tool owns those three
sub-collections only: an item's other collections are kept.

Concurrency: each item is read fresh (its version) right before the push and
written with ``PATCH`` under ``If-Unmodified-Since-Version``; only the changed
fields (``tags``, ``collections``) are sent, and only for items that change.
On 412 (someone edited the item meanwhile) the item is read again and the
change retried once; a second 412 skips the item, reported, never overwritten.

Blind mode: pushing outcomes means showing them, so in a blind review only a
lead may push (also when a pushed stage is still blind to the acting reviewer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from protocols.model import Protocol
from protocols.vocabulary import LABELS, Label, Stage
from review.sync import db as sync_db
from review.sync.zotero_client import ZoteroClient, ZoteroError
from review.sync.zotero_import import DELETED_FLAG, _safe_endpoint
from screening import db as sdb
from screening.blind import Viewer
from screening.stages import FULL_TEXT, TITLE_ABSTRACT, exclusion_reasons, outcomes

DEFAULT_PREFIX = "review:"
#: The sub-collections a push fills, one per decision label.
SUB_COLLECTIONS: tuple[Label, ...] = LABELS
READ_BATCH = 50  # the API's limit for itemKey=
BLIND_MESSAGE = "push needs a lead in a blind review"

_SCREENING_TAG = {
    "include": "include",
    "resolved_include": "include",
    "exclude": "exclude",
    "resolved_exclude": "exclude",
    "maybe": "maybe",
    "conflict": "conflict",
}


class PushBlindError(ZoteroError):
    """A push that would show outcomes hidden from the acting reviewer."""


@dataclass(slots=True)
class ItemPush:
    """What a push does (or would do) to one item."""

    key: str
    study: int
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    collections_add: list[str] = field(default_factory=list)
    collections_remove: list[str] = field(default_factory=list)
    status: str = "unchanged"  # pushed, unchanged, skipped (dry run: would_push)
    reason: str = ""

    @property
    def changes(self) -> bool:
        """True when the item's tags or owned collections change."""
        return bool(self.add or self.remove or self.collections_add or self.collections_remove)

    def describe(self) -> str:
        """One line: ``KEY (study N): +tag -tag +collection NAME/include``."""
        parts = [f"+{t}" for t in self.add] + [f"-{t}" for t in self.remove]
        parts += [f"+collection {c}" for c in self.collections_add]
        parts += [f"-collection {c}" for c in self.collections_remove]
        return f"{self.key} (study {self.study}): {' '.join(parts) or 'no change'}"

    def to_json(self) -> dict[str, Any]:
        """The item as an entry of the ``--json`` result."""
        return {
            "key": self.key,
            "study": self.study,
            "status": self.status,
            "add": self.add,
            "remove": self.remove,
            "collections_add": self.collections_add,
            "collections_remove": self.collections_remove,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass(slots=True)
class PushResult:
    """What one push did."""

    library: str
    endpoint: str
    prefix: str
    stage: Stage | None
    dry_run: bool
    items: list[ItemPush] = field(default_factory=list)
    collections_created: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Items with one status."""
        return sum(1 for i in self.items if i.status == status)

    @property
    def pushed(self) -> int:
        """Items written (dry run: that would be)."""
        return self.count("would_push" if self.dry_run else "pushed")

    @property
    def tags_added(self) -> int:
        """Tags added over the pushed items."""
        done = "would_push" if self.dry_run else "pushed"
        return sum(len(i.add) for i in self.items if i.status == done)

    @property
    def tags_removed(self) -> int:
        """Tags removed over the pushed items."""
        done = "would_push" if self.dry_run else "pushed"
        return sum(len(i.remove) for i in self.items if i.status == done)

    def summary(self) -> str:
        """``pushed N items (a tags added, r removed), unchanged U, skipped S``."""
        verb = "would push" if self.dry_run else "pushed"
        return (
            f"{verb} {self.pushed} items ({self.tags_added} tags added, {self.tags_removed} "
            f"removed), unchanged {self.count('unchanged')}, skipped {self.count('skipped')}"
        )

    def to_json(self) -> dict[str, Any]:
        """The result as the ``--json`` summary."""
        return {
            "library": self.library,
            "endpoint": _safe_endpoint(self.endpoint),
            "tag_prefix": self.prefix,
            "stage": self.stage,
            "dry_run": self.dry_run,
            "pushed": self.pushed,
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "tags_added": self.tags_added,
            "tags_removed": self.tags_removed,
            "collections_created": self.collections_created,
            "items": [i.to_json() for i in self.items],
        }


# -- what the review says ------------------------------------------------------------


def check_prefix(prefix: str) -> str:
    """Return the tag prefix, or raise for one that would claim other people's tags."""
    if not prefix.strip() or prefix != prefix.strip():
        raise ZoteroError(
            f"--tag-prefix {prefix!r}: give a non-empty prefix without surrounding spaces "
            "(every tag starting with it belongs to review)"
        )
    return prefix


def require_sight(
    db: Database, who: Viewer, stages: Iterable[Stage]
) -> dict[Stage, dict[int, str]]:
    """Return stage -> study -> outcome, or raise when a blind review's outcomes are hidden.

    Raises:
        PushBlindError: a blind review and a reviewer who is not a lead, or a
            stage still blind to the reviewer.
    """
    if who.blind and not who.is_lead:
        raise PushBlindError(BLIND_MESSAGE)
    found: dict[Stage, dict[int, str]] = {}
    for stage in stages:
        codes = outcomes(db, who, stage)
        if codes is None:
            raise PushBlindError(BLIND_MESSAGE)
        found[stage] = codes
    return found


def study_tags(
    db: Database,
    protocol: Protocol,
    who: Viewer,
    studies: Iterable[int],
    *,
    prefix: str = DEFAULT_PREFIX,
    stage: Stage | None = None,
) -> tuple[dict[int, set[str]], dict[int, str]]:
    """Return study -> wanted prefixed tags, and study -> sub-collection (include/exclude/maybe).

    Raises:
        PushBlindError: see :func:`require_sight`.
    """
    stages = [stage] if stage else [TITLE_ABSTRACT, FULL_TEXT]
    seen = require_sight(db, who, stages)
    reasons = {s: exclusion_reasons(db, who, s) for s in stages}
    wanted = sorted(set(studies))
    tags: dict[int, set[str]] = {s: set() for s in wanted}
    folder: dict[int, str] = {}
    for study in wanted:
        for s in reversed(stages):  # the last stage the study reached
            code = _SCREENING_TAG.get(seen[s].get(study, "undecided"))
            if code is None:
                continue
            if code == "exclude" and study in reasons[s]:
                tags[study].add(f"{prefix}exclude:{reasons[s][study]}")
            else:
                tags[study].add(f"{prefix}{code}")
            if code in SUB_COLLECTIONS:
                folder[study] = code
            break
    for study, status in _extraction_status(db, protocol, who, wanted).items():
        tags[study].add(f"{prefix}extraction:{status}")
    return tags, folder


def _extraction_status(
    db: Database, protocol: Protocol, who: Viewer, studies: list[int]
) -> dict[int, str]:
    """Study -> extraction status, for the studies whose extraction has started."""
    from protocols.form import build_form
    from review.extraction.state import study_states

    if not studies:
        return {}
    states = study_states(db, build_form(protocol), studies, who.name, is_lead=who.is_lead)
    return {g: s.status for g, s in states.items() if s.status != "to_extract"}


def library_of(db: Database, spec: str | None) -> str:
    """Return the synced library to push to: ``spec`` when given, else the only one.

    Raises:
        ZoteroError: no library synced, ``spec`` never synced, or several and no choice.
    """
    known = sync_db.libraries(db)
    if not known:
        raise ZoteroError("this review has no Zotero library; run review zotero import first")
    if spec is not None:
        if spec not in known:
            raise ZoteroError(
                f"this review never synced from Zotero {spec} (synced: {', '.join(known)})"
            )
        return spec
    if len(known) > 1:
        raise ZoteroError(f"several Zotero libraries synced ({', '.join(known)}); give --library")
    return known[0]


# -- the push -------------------------------------------------------------------------


def push(
    db: Database,
    protocol: Protocol,
    who: Viewer,
    client: ZoteroClient,
    *,
    prefix: str = DEFAULT_PREFIX,
    stage: Stage | None = None,
    collection: str | None = None,
    dry_run: bool = False,
) -> PushResult:
    """Push the review's outcomes of one library's items as tags (see the module doc).

    Raises:
        PushBlindError: the outcomes are hidden from ``who``.
        ZoteroError: access, rate limits, server errors (one line, never the key).
    """
    prefix = check_prefix(prefix)
    lib = str(client.library)
    items = sync_db.library_items(db, sync_db.library_sources(db, lib), DELETED_FLAG)
    into = sdb.merged_away(db)
    study_of = {key: into.get(group, group) for key, (_, group) in items.items()}
    tags, folder = study_tags(db, protocol, who, study_of.values(), prefix=prefix, stage=stage)
    result = PushResult(lib, client.endpoint, prefix, stage, dry_run)
    owned: dict[str, str] = {}  # sub-collection name -> key
    if collection:
        owned = _sub_collections(client, collection, dry_run, result)
    labels = {key: f"{collection}/{name}" for name, key in owned.items()}
    fresh = _read(client, list(study_of))
    for key in study_of:
        study = study_of[key]
        change = ItemPush(key, study)
        result.items.append(change)
        item = fresh.get(key)
        if item is None:
            change.status, change.reason = "skipped", "not in Zotero (deleted or in the trash)"
            continue
        want = _Want(tags[study], prefix, owned, owned.get(folder.get(study, "")), labels)
        body = _plan(item, want, change)
        if not change.changes:
            continue
        if dry_run:
            change.status = "would_push"
            continue
        _write(client, item, body, want, change)
    return result


@dataclass(frozen=True, slots=True)
class _Want:
    """What one item should hold: its prefixed tags and its owned sub-collection."""

    tags: set[str]
    prefix: str
    owned: dict[str, str]  # sub-collection name -> key
    target: str | None  # the owned sub-collection the item belongs in
    labels: dict[str, str]  # owned key -> NAME/sub, for messages


def _plan(item: dict[str, Any], want: _Want, change: ItemPush) -> dict[str, Any]:
    """Fill ``change`` with what differs and return the PATCH body (only changed fields)."""
    wanted, prefix, owned, target, labels = (
        want.tags, want.prefix, want.owned, want.target, want.labels
    )  # fmt: skip
    data = item["data"]
    tags = list(data.get("tags") or [])
    current = {str(t.get("tag", "")) for t in tags if str(t.get("tag", "")).startswith(prefix)}
    change.add = sorted(wanted - current)
    change.remove = sorted(current - wanted)
    change.collections_add, change.collections_remove = [], []
    body: dict[str, Any] = {}
    if change.add or change.remove:
        kept = [t for t in tags if not str(t.get("tag", "")).startswith(prefix)]
        body["tags"] = kept + [{"tag": t} for t in sorted(wanted)]
    if owned:
        colls = [str(c) for c in data.get("collections") or []]
        mine = set(owned.values())
        stale = [c for c in colls if c in mine and c != target]
        change.collections_remove = [labels.get(c, c) for c in stale]
        if target is not None and target not in colls:
            change.collections_add = [labels.get(target, target)]
        if stale or change.collections_add:
            kept_colls = [c for c in colls if c not in mine]
            body["collections"] = kept_colls + ([target] if target is not None else [])
    return body


def _write(
    client: ZoteroClient, item: dict[str, Any], body: dict[str, Any], want: _Want, change: ItemPush
) -> None:
    """PATCH under the item's version; on 412 read it again and retry once, then skip."""
    for attempt in (1, 2):
        if _patch(client, change.key, int(item["version"]), body):
            change.status = "pushed"
            return
        if attempt == 2:
            break
        again = _read(client, [change.key]).get(change.key)
        if again is None:
            change.status, change.reason = "skipped", "deleted in Zotero while pushing"
            return
        item = again
        body = _plan(item, want, change)
        if not change.changes:
            change.status = "unchanged"
            return
    change.status = "skipped"
    change.reason = "changed in Zotero by someone else while pushing (412 twice); push again"


def _patch(client: ZoteroClient, key: str, version: int, body: dict[str, Any]) -> bool:
    """PATCH the changed fields with ``If-Unmodified-Since-Version``; False on 412."""
    from pyzotero import zotero_errors as ze

    def attempt() -> bool:
        try:
            client.zot.update_item({"key": key, "version": version, **body})
        except ze.PreConditionFailedError:
            return False
        return True

    return client.call(f"updating item {key}", attempt)


def _read(client: ZoteroClient, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The items as the server holds them now (with their versions), by key."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), READ_BATCH):
        batch = keys[start : start + READ_BATCH]
        for page in client.pages("reading items", client.zot.items, itemKey=",".join(batch)):
            out.update((str(i["key"]), i) for i in page)
    return out


def _sub_collections(
    client: ZoteroClient, name: str, dry_run: bool, result: PushResult
) -> dict[str, str]:
    """Sub-collection name -> key under the collection ``name``, created when missing.

    In a dry run nothing is created: missing ones get a ``(new)`` placeholder key.
    """
    colls = [
        c for page in client.pages("listing collections", client.zot.collections) for c in page
    ]
    wanted = name.strip()
    parents = [c for c in colls if str(c["data"].get("name", "")).casefold() == wanted.casefold()]
    top = [c for c in parents if not c["data"].get("parentCollection")]
    if len(parents) > 1:
        parents = top if len(top) == 1 else parents
    if len(parents) > 1:
        keys = ", ".join(str(c["key"]) for c in parents)
        raise ZoteroError(f"collection name {wanted!r} is not unique in Zotero ({keys})")
    if parents:
        parent = str(parents[0]["key"])
    elif dry_run:
        result.collections_created += [wanted, *(f"{wanted}/{sub}" for sub in SUB_COLLECTIONS)]
        return {sub: f"(new {wanted}/{sub})" for sub in SUB_COLLECTIONS}
    else:
        parent = _create(client, [{"name": wanted}])[0]
        result.collections_created.append(wanted)
    children = {
        str(c["data"].get("name", "")).casefold(): str(c["key"])
        for c in colls
        if c["data"].get("parentCollection") == parent
    }
    owned: dict[str, str] = {sub: children[sub] for sub in SUB_COLLECTIONS if sub in children}
    missing = [sub for sub in SUB_COLLECTIONS if sub not in owned]
    if missing and dry_run:
        owned.update((sub, f"(new {wanted}/{sub})") for sub in missing)
    elif missing:
        made = _create(client, [{"name": sub, "parentCollection": parent} for sub in missing])
        owned.update(zip(missing, made, strict=True))
    result.collections_created.extend(f"{wanted}/{sub}" for sub in missing)
    return owned


def _create(client: ZoteroClient, payload: list[dict[str, Any]]) -> list[str]:
    """Create collections; return their keys in order."""
    answer = client.call("creating collections", client.zot.create_collections, payload)
    success = (answer or {}).get("success") or {}
    if len(success) != len(payload):
        failed = (answer or {}).get("failed") or {}
        detail = next((str(f.get("message", "")) for f in failed.values()), "no key returned")
        raise ZoteroError(f"Zotero {client.library}: creating collections failed: {detail}")
    return [str(success[str(i)]) for i in range(len(payload))]
