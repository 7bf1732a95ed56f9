"""A local Zotero web API for tests: replays the recorded answers, mutable, scriptable.

The library starts from the real recorded API answers in
``tests/fixtures/zotero`` (``items_doc.json``: 20 regular items of many
types, ``attachments_doc.json``, ``collections_doc.json``...), served at the
paths pyzotero requests, with the API's paging (``start``/``limit``, ``Link``
``rel="next"``, ``Total-Results``), versions (``Last-Modified-Version``,
``since=``, ``If-Modified-Since-Version``) and write preconditions
(``If-Unmodified-Since-Version`` -> 412).

Use::

    with ZoteroServer(api_key="SECRET") as server:
        zot = zotero.Zotero(server.library_id, "user", "SECRET")
        zot.endpoint = server.url
        server.update_item("3EWF3P9V", title="New")   # bumps the library version
        server.delete_item("PG5ZCTJT")                 # listed by /deleted?since=
        server.fail_next(429, count=2, headers={"Retry-After": "0"})
        server.requests                                # every request, in order

Everything a test may touch is documented on :class:`ZoteroServer`.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "zotero"
NON_REGULAR = ("note", "attachment", "annotation")


def load_fixture(name: str) -> Any:
    """Return one recorded API answer, parsed."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Request:
    """One request the server saw."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Failure:
    """A scripted answer given instead of the real one."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    path_contains: str = ""


class ZoteroServer:
    """A threading HTTP server holding one mutable Zotero library.

    Attributes:
        library_type: ``"users"`` or ``"groups"`` (the URL segment).
        library_id: The library's id as a string (default: the fixture's 475425).
        library_name: Written into every item's ``library.name``.
        version: The library version; every write bumps it.
        items: key -> full API item object (``key``, ``version``, ``library``,
            ``meta``, ``data``), in insertion order.
        collections: key -> full API collection object.
        files: attachment key -> ``(bytes, content_type)`` served at ``/items/KEY/file``.
        deleted_items / deleted_collections: key -> version at deletion.
        api_key: when set, requests without this key (``Authorization: Bearer``,
            ``Zotero-API-Key`` or ``?key=``) get 403.
        requests: every :class:`Request` seen, in order (reads and writes).
        failures: scripted answers, used first-in first-out (see :meth:`fail_next`).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        library_type: str = "users",
        library_id: str = "475425",
        items: list[dict[str, Any]] | None = None,
        with_children: bool = True,
    ) -> None:
        self.library_type = library_type
        self.library_id = str(library_id)
        self.library_name = "Z public library"
        self.api_key = api_key
        self.version = 1
        self.items: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.deleted_items: dict[str, int] = {}
        self.deleted_collections: dict[str, int] = {}
        self.requests: list[Request] = []
        self.failures: list[Failure] = []
        self.lock = threading.RLock()
        self._key_counter = 0
        for item in items if items is not None else load_fixture("items_doc.json"):
            self._store_item(copy.deepcopy(item))
        for coll in load_fixture("collections_doc.json"):
            coll = copy.deepcopy(coll)
            self.collections[coll["key"]] = coll
        if with_children and items is None:
            self._add_fixture_children()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> ZoteroServer:
        """Serve on 127.0.0.1 on a free port, in a daemon thread."""
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ZoteroServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The endpoint to give pyzotero (``zot.endpoint = server.url``)."""
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def prefix(self) -> str:
        """``/users/475425`` (or ``/groups/ID``)."""
        return f"/{self.library_type}/{self.library_id}"

    # -- scripting -------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        count: int = 1,
        headers: dict[str, str] | None = None,
        body: str = "",
        path_contains: str = "",
    ) -> None:
        """Answer the next ``count`` requests with ``status`` (only paths with ``path_contains``).

        Example: ``fail_next(429, 2, {"Retry-After": "3"})``; ``fail_next(403, body="Forbidden")``.
        """
        for _ in range(count):
            self.failures.append(Failure(status, dict(headers or {}), body, path_contains))

    def new_key(self) -> str:
        """Return a fresh 8-character item/collection key."""
        with self.lock:
            self._key_counter += 1
            return f"T{self._key_counter:07d}"

    def add_item(self, data: dict[str, Any], meta: dict[str, Any] | None = None) -> str:
        """Add an item from its ``data`` (a key is made when missing); bumps the version."""
        with self.lock:
            self.version += 1
            data = copy.deepcopy(data)
            key = data.get("key") or self.new_key()
            data["key"] = key
            data["version"] = self.version
            item = {"key": key, "version": self.version, "meta": dict(meta or {}), "data": data}
            self._store_item(item)
            return str(key)

    def update_item(self, key: str, **fields: Any) -> int:
        """Change fields of an item's data; returns the new library version."""
        with self.lock:
            self.version += 1
            item = self.items[key]
            item["data"].update(copy.deepcopy(fields))
            item["version"] = item["data"]["version"] = self.version
            return self.version

    def delete_item(self, key: str) -> int:
        """Delete an item for good (it is listed by ``/deleted?since=``)."""
        with self.lock:
            self.version += 1
            del self.items[key]
            self.deleted_items[key] = self.version
            return self.version

    def add_file(
        self,
        parent: str,
        content: bytes,
        content_type: str = "application/pdf",
        filename: str = "paper.pdf",
        link_mode: str = "imported_file",
        path: str | None = None,
    ) -> str:
        """Add an attachment child item with a file; returns its key."""
        data: dict[str, Any] = {
            "itemType": "attachment",
            "parentItem": parent,
            "linkMode": link_mode,
            "title": filename,
            "contentType": content_type,
            "filename": filename,
            "tags": [],
            "relations": {},
        }
        if path is not None:
            data["path"] = path
        key = self.add_item(data)
        with self.lock:
            self.files[key] = (content, content_type)
            parent_item = self.items.get(parent)
            if parent_item is not None:
                meta = parent_item.setdefault("meta", {})
                meta["numChildren"] = int(meta.get("numChildren", 0)) + 1
        return key

    def requests_to(self, fragment: str, method: str = "GET") -> list[Request]:
        """The recorded requests of one method whose path contains ``fragment``."""
        return [r for r in self.requests if r.method == method and fragment in r.path]

    def regular_items(self) -> list[dict[str, Any]]:
        """The items that are neither notes, attachments nor annotations (nor in the trash)."""
        return [
            i
            for i in self.items.values()
            if i["data"]["itemType"] not in NON_REGULAR and not i["data"].get("deleted")
        ]

    # -- internals -------------------------------------------------------------------

    def _store_item(self, item: dict[str, Any]) -> None:
        item.setdefault("meta", {})
        item["library"] = {
            "type": self.library_type.rstrip("s"),
            "id": int(self.library_id) if self.library_id.isdigit() else self.library_id,
            "name": self.library_name,
        }
        self.items[item["key"]] = item

    def _add_fixture_children(self) -> None:
        """A recorded attachment and a note, as children of two fixture items."""
        att = load_fixture("attachments_doc.json")
        att = copy.deepcopy(att)
        att["data"]["parentItem"] = "NM66T6EF"
        att["data"]["linkMode"] = "linked_url"
        att["version"] = att["data"]["version"] = 1
        self._store_item(att)
        self._store_item(
            {
                "key": "NOTE0001",
                "version": 1,
                "meta": {},
                "data": {
                    "key": "NOTE0001",
                    "version": 1,
                    "itemType": "note",
                    "parentItem": "PQKBRC33",
                    "note": "<p>A reading note</p>",
                    "tags": [],
                    "relations": {},
                },
            }
        )


_PATH = re.compile(r"^/(users|groups)/([^/]+)(/.*)?$")


class _Handler(BaseHTTPRequestHandler):
    owner: ZoteroServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        return

    # -- plumbing --------------------------------------------------------------------

    def _record(self, method: str) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(
            method,
            parts.path,
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            {k: v for k, v in self.headers.items()},
            body,
        )
        with self.owner.lock:
            self.owner.requests.append(req)
        return req

    def _send(
        self,
        status: int,
        body: bytes | str | Any = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        if isinstance(body, str):
            data = body.encode("utf-8")
            if content_type == "application/json":
                content_type = "text/plain"
        elif isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self, method: str) -> None:
        req = self._record(method)
        srv = self.owner
        with srv.lock:
            for i, fail in enumerate(srv.failures):
                if fail.path_contains in req.path:
                    del srv.failures[i]
                    self._send(fail.status, fail.body or f"scripted {fail.status}", fail.headers)
                    return
        if srv.api_key is not None and not self._authorised(req):
            self._send(403, "Forbidden")
            return
        try:
            if req.path.startswith("/keys/"):
                self._send(
                    200,
                    {
                        "key": req.path[6:],
                        "userID": int(srv.library_id) if srv.library_id.isdigit() else 0,
                        "access": {"user": {"library": True, "files": True}},
                    },
                )
                return
            if req.path in ("/itemFields", "/itemTypes"):
                name = "item_fields.json" if req.path == "/itemFields" else "item_types.json"
                self._send(200, load_fixture(name))
                return
            if req.path == "/items/new":
                self._send(200, load_fixture("item_template.json"))
                return
            match = _PATH.match(req.path)
            if not match or match.group(1) != srv.library_type or match.group(2) != srv.library_id:
                self._send(404, "Not found")
                return
            rest = match.group(3) or "/"
            with srv.lock:
                getattr(self, f"_{method.lower()}")(req, rest)
        except BrokenPipeError:  # the client went away
            return

    def _authorised(self, req: Request) -> bool:
        key = self.owner.api_key
        auth = req.headers.get("Authorization", "")
        return (
            auth == f"Bearer {key}"
            or req.headers.get("Zotero-API-Key") == key
            or (req.query.get("key") == key)
        )

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    # -- reads -----------------------------------------------------------------------

    def _get(self, req: Request, rest: str) -> None:
        srv = self.owner
        since = req.query.get("If-Modified-Since-Version") or req.headers.get(
            "If-Modified-Since-Version"
        )
        if since is not None and srv.version <= int(since):
            self._send(304, b"", {"Last-Modified-Version": str(srv.version)})
            return
        parts = [p for p in rest.split("/") if p]
        items = list(srv.items.values())
        if parts == ["deleted"]:
            if "since" not in req.query:
                self._send(400, "'since' parameter must be provided")
                return
            v = int(req.query["since"])
            self._send(
                200,
                {
                    "collections": [k for k, d in srv.deleted_collections.items() if d > v],
                    "items": [k for k, d in srv.deleted_items.items() if d > v],
                    "searches": [],
                    "tags": [],
                    "settings": [],
                },
                {"Last-Modified-Version": str(srv.version)},
            )
            return
        if parts and parts[0] == "items":
            if len(parts) == 1:
                return self._list(req, items, "items")
            if parts[1] == "top":
                return self._list(
                    req, [i for i in items if not i["data"].get("parentItem")], "items"
                )
            if parts[1] == "trash":
                return self._list(
                    req, [i for i in items if i["data"].get("deleted")], "items", trash=True
                )
            key = parts[1]
            if key not in srv.items:
                self._send(404, "Item not found")
                return
            if len(parts) == 2:
                self._send(
                    200, srv.items[key], {"Last-Modified-Version": str(srv.items[key]["version"])}
                )
                return
            if parts[2] == "children":
                return self._list(
                    req, [i for i in items if i["data"].get("parentItem") == key], "items"
                )
            if parts[2] == "file":
                if key not in srv.files:
                    self._send(404, "Not found")
                    return
                content, ctype = srv.files[key]
                self._send(200, content, content_type=ctype)
                return
        if parts and parts[0] == "collections":
            colls = list(srv.collections.values())
            if len(parts) == 1:
                return self._list(req, colls, "collections")
            if parts[1] == "top":
                return self._list(
                    req, [c for c in colls if not c["data"].get("parentCollection")], "collections"
                )
            key = parts[1]
            if key not in srv.collections:
                self._send(404, "Collection not found")
                return
            if len(parts) == 2:
                self._send(200, srv.collections[key])
                return
            if parts[2] == "items":
                members = [i for i in items if key in i["data"].get("collections", [])]
                if len(parts) > 3 and parts[3] == "top":
                    members = [i for i in members if not i["data"].get("parentItem")]
                return self._list(req, members, "items")
            if parts[2] == "collections":
                return self._list(
                    req,
                    [c for c in colls if c["data"].get("parentCollection") == key],
                    "collections",
                )
        if parts == ["groups"]:
            return self._list(req, load_fixture("groups_doc.json"), "groups")
        if parts == ["tags"]:
            return self._list(req, load_fixture("tags_doc.json"), "tags")
        self._send(404, "Not found")

    def _list(
        self, req: Request, objs: list[dict[str, Any]], kind: str, trash: bool = False
    ) -> None:
        srv = self.owner
        q = req.query
        if kind == "items":
            if not trash and q.get("includeTrashed") not in ("1", "true"):
                objs = [o for o in objs if not o["data"].get("deleted")]
            if "since" in q:
                objs = [o for o in objs if int(o.get("version", 0)) > int(q["since"])]
            if q.get("itemType"):
                objs = [o for o in objs if _type_matches(q["itemType"], o["data"]["itemType"])]
            if q.get("tag"):
                objs = [
                    o
                    for o in objs
                    if any(t.get("tag") == q["tag"] for t in o["data"].get("tags", []))
                ]
            if q.get("itemKey"):
                wanted = set(q["itemKey"].split(","))
                objs = [o for o in objs if o["key"] in wanted]
        elif "since" in q:
            objs = [o for o in objs if int(o.get("version", 0)) > int(q["since"])]
        total = len(objs)
        headers = {"Total-Results": str(total), "Last-Modified-Version": str(srv.version)}
        fmt = q.get("format", "json")
        if fmt == "versions":
            self._send(200, {o["key"]: o["version"] for o in objs}, headers)
            return
        if fmt == "keys":
            self._send(200, "\n".join(o["key"] for o in objs) + "\n", headers, "text/plain")
            return
        start = int(q.get("start", 0))
        limit = int(q.get("limit", 25))
        page = objs[start : start + limit]
        links = []
        base = f"{srv.url}{quote(req.path)}"
        if start + limit < total:
            links.append(f'<{base}?{urlencode({**q, "start": start + limit})}>; rel="next"')
            last = ((total - 1) // limit) * limit
            links.append(f'<{base}?{urlencode({**q, "start": last})}>; rel="last"')
        links.append(f'<https://www.zotero.org{quote(req.path)}>; rel="alternate"')
        headers["Link"] = ", ".join(links)
        self._send(200, page, headers)

    # -- writes ----------------------------------------------------------------------

    def _precondition(self, req: Request, current: int) -> bool:
        """Check ``If-Unmodified-Since-Version``; answer 412 and return False on a mismatch."""
        wanted = req.headers.get("If-Unmodified-Since-Version")
        if wanted is not None and int(wanted) != current:
            self._send(
                412,
                f"Item has been modified since specified version "
                f"(expected {wanted}, found {current})",
                {"Last-Modified-Version": str(self.owner.version)},
            )
            return False
        return True

    def _patch(self, req: Request, rest: str) -> None:
        srv = self.owner
        parts = [p for p in rest.split("/") if p]
        table = {"items": srv.items, "collections": srv.collections}.get(parts[0] if parts else "")
        if table is None or len(parts) != 2 or parts[1] not in table:
            self._send(404, "Not found")
            return
        obj = table[parts[1]]
        if not self._precondition(req, int(obj["version"])):
            return
        srv.version += 1
        obj["data"].update({k: v for k, v in req.json().items() if k not in ("key", "version")})
        obj["version"] = obj["data"]["version"] = srv.version
        self._send(204, b"", {"Last-Modified-Version": str(srv.version)})

    _put = _patch

    def _post(self, req: Request, rest: str) -> None:
        srv = self.owner
        parts = [p for p in rest.split("/") if p]
        if parts not in (["items"], ["collections"]):
            self._send(404, "Not found")
            return
        if not self._precondition(req, srv.version):
            return
        table = srv.items if parts[0] == "items" else srv.collections
        payload = req.json()
        if not isinstance(payload, list):
            self._send(400, "Uploaded data must be a JSON array")
            return
        result: dict[str, Any] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        srv.version += 1
        for i, data in enumerate(payload):
            data = dict(data.get("data", data))
            key = data.get("key")
            if key and key in table:
                obj = table[key]
                if "version" in data and int(data["version"]) != int(obj["version"]):
                    result["failed"][str(i)] = {
                        "key": key,
                        "code": 412,
                        "message": "Item has been modified since specified version",
                    }
                    continue
                obj["data"].update({k: v for k, v in data.items() if k not in ("key", "version")})
                obj["version"] = obj["data"]["version"] = srv.version
            else:
                key = key or srv.new_key()
                data["key"] = key
                data["version"] = srv.version
                obj = {
                    "key": key,
                    "version": srv.version,
                    "meta": {"numCollections": 0, "numItems": 0}
                    if parts[0] == "collections"
                    else {},
                    "data": data,
                }
                if parts[0] == "items":
                    srv._store_item(obj)
                else:
                    obj["library"] = {
                        "type": srv.library_type.rstrip("s"),
                        "id": srv.library_id,
                        "name": srv.library_name,
                    }
                    table[key] = obj
            result["successful"][str(i)] = obj
            result["success"][str(i)] = key
        self._send(200, result, {"Last-Modified-Version": str(srv.version)})

    def _delete(self, req: Request, rest: str) -> None:
        srv = self.owner
        parts = [p for p in rest.split("/") if p]
        if not parts or parts[0] not in ("items", "collections"):
            self._send(404, "Not found")
            return
        table = srv.items if parts[0] == "items" else srv.collections
        gone = srv.deleted_items if parts[0] == "items" else srv.deleted_collections
        if len(parts) == 2:
            keys = [parts[1]]
            if keys[0] not in table:
                self._send(404, "Not found")
                return
            if not self._precondition(req, int(table[keys[0]]["version"])):
                return
        else:
            if not self._precondition(req, srv.version):
                return
            field_name = "itemKey" if parts[0] == "items" else "collectionKey"
            keys = [k for k in req.query.get(field_name, "").split(",") if k in table]
        srv.version += 1
        for key in keys:
            del table[key]
            gone[key] = srv.version
        self._send(204, b"", {"Last-Modified-Version": str(srv.version)})


def _type_matches(expr: str, item_type: str) -> bool:
    """The API's ``itemType`` filter: ``a || b``, ``-a`` (not), ``-a || b`` is not supported."""
    if expr.startswith("-"):
        return item_type not in {t.strip() for t in expr[1:].split("||")}
    return item_type in {t.strip() for t in expr.split("||")}
