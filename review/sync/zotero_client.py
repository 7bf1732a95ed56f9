"""Reaching a Zotero library through pyzotero: library spec, API key, retries, errors.

The API key is read from the environment (``--api-key-env``, default
``ZOTERO_API_KEY``), then the system keyring (only when the ``keyring``
package is installed and finds a backend), then a hidden prompt (only when
stdin is a terminal). It is held in memory only: never stored, logged or put
into an error message (every message is scrubbed of it).

pyzotero itself waits out a 429's ``Retry-After``/``Backoff`` and retries up to
three times; its waits go through :attr:`ZoteroClient.sleep` here, so tests
inject a fake clock. 5xx answers (and a 429 that outlasts pyzotero's retries)
are retried here, up to :data:`MAX_TRIES` tries, after the server's
``Retry-After``/``Backoff`` or an exponential pause.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from review.core.errors import ReviewError

T = TypeVar("T")

DEFAULT_KEY_ENV = "ZOTERO_API_KEY"
KEYRING_SERVICE = "review-zotero"
MAX_TRIES = 4
PAGE_SIZE = 100
_KEY_RE = re.compile(r"^[A-Z0-9]{8}$")


class ZoteroError(ReviewError):
    """A Zotero problem the user can act on, as one line."""


class ZoteroAccessError(ZoteroError):
    """403 or 401: a bad API key, or a key without access to the library."""


class ZoteroNotFoundError(ZoteroError):
    """404: no such library or collection."""


class ZoteroUnavailableError(ZoteroError):
    """429 or 5xx after every retry, or the server cannot be reached."""


@dataclass(frozen=True, slots=True)
class Library:
    """A library named on the command line: ``user:123`` or ``group:45``."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def parse_library(spec: str) -> Library:
    """Parse ``user:ID`` or ``group:ID``.

    Raises:
        ZoteroError: any other form.
    """
    kind, sep, ident = spec.strip().partition(":")
    kind = kind.lower()
    if not sep or kind not in ("user", "group") or not ident.strip().isdigit():
        raise ZoteroError(
            f"--library {spec!r}: expected user:ID or group:ID with a numeric ID "
            "(zotero.org/settings/keys shows your user ID; a group's ID is in its URL)"
        )
    return Library(kind, ident.strip())


def resolve_api_key(
    env_var: str = DEFAULT_KEY_ENV,
    *,
    environ: dict[str, str] | None = None,
    use_keyring: bool = True,
    prompt: Callable[[str], str] | None = None,
    interactive: bool | None = None,
) -> str:
    """Return the API key: environment, then keyring, then a hidden prompt.

    Raises:
        ZoteroError: no key anywhere and no terminal to ask on (names ``env_var``).
    """
    env = os.environ if environ is None else environ
    key = (env.get(env_var) or "").strip()
    if key:
        return key
    if use_keyring:
        key = _keyring_key()
        if key:
            return key
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    if interactive:
        if prompt is None:
            import getpass

            prompt = getpass.getpass
        key = (prompt("Zotero API key (input hidden): ") or "").strip()
        if key:
            return key
    raise ZoteroError(
        f"no Zotero API key: set {env_var} (or store one in the system keyring as "
        f"service {KEYRING_SERVICE!r}, user 'api-key')"
    )


def insecure_endpoint_warning(endpoint: str) -> str | None:
    """One line of warning when ``endpoint`` would carry the key unencrypted, else None.

    Plain HTTP to this machine (the desktop's local API, a test server) never
    leaves it; plain HTTP to any other host shows the key to the network.
    """
    import ipaddress
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    if parts.scheme.lower() == "https":
        return None
    host = (parts.hostname or "").lower()
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if local:
        return None
    return (
        f"endpoint {parts.scheme}://{parts.netloc.rpartition('@')[2]} is not HTTPS: "
        "the API key travels unencrypted"
    )


def _keyring_key() -> str:
    try:
        import keyring

        return (keyring.get_password(KEYRING_SERVICE, "api-key") or "").strip()
    except Exception:  # noqa: BLE001 - no package, no backend, locked: not an error here
        return ""


def _status_of(zot: Any) -> tuple[int, Any]:
    resp = getattr(zot, "request", None)
    if resp is None:
        return 0, {}
    return int(getattr(resp, "status_code", 0) or 0), getattr(resp, "headers", {}) or {}


def _wait_of(headers: Any, attempt: int) -> float:
    for name in ("Backoff", "Retry-After"):
        value = headers.get(name) if hasattr(headers, "get") else None
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return float(2 ** (attempt - 1))


class ZoteroClient:
    """One library through pyzotero, with retries and one-line errors.

    Args:
        library: The library.
        api_key: The key (None for the local API, which needs none to read).
        local: Use the Zotero 7 desktop local API (``http://127.0.0.1:23119/api``).
        endpoint: Any Zotero-API-compatible server (overrides the default URL).
        sleep: How to wait (tests inject a recorder); also used for pyzotero's backoff.
        client: An ``httpx`` client for pyzotero (tests, proxies).
    """

    def __init__(
        self,
        library: Library,
        api_key: str | None,
        *,
        local: bool = False,
        endpoint: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        from pyzotero import zotero

        self.library = library
        self.sleep = sleep
        self.page_size = page_size
        self._secret = api_key or ""
        outer = self

        class _Zotero(zotero.Zotero):  # type: ignore[misc]
            def _check_backoff(self) -> None:
                remainder = self.backoff_until - time.time()
                if remainder > 0.0:
                    outer.sleep(remainder)
                    self.backoff_until = 0.0

        self.zot: Any = _Zotero(library.id, library.kind, api_key, local=local)
        if endpoint:
            self.zot.endpoint = endpoint.rstrip("/")
        self.endpoint: str = str(self.zot.endpoint)
        #: A line to show before the key is sent over plain HTTP to another host, else None.
        self.warning: str | None = (
            insecure_endpoint_warning(self.endpoint) if self._secret else None
        )

    # -- errors and retries -------------------------------------------------------

    def scrub(self, text: str) -> str:
        """Remove the API key from a message."""
        return text.replace(self._secret, "[key]") if self._secret else text

    def _error(self, exc: Exception, what: str) -> ZoteroError:
        from pyzotero import zotero_errors as ze

        status, _ = _status_of(self.zot)
        where = f"Zotero {self.library} at {self.endpoint}"
        if isinstance(exc, ze.UserNotAuthorisedError) or status in (401, 403):
            return ZoteroAccessError(
                f"{where}: access denied ({status or 403}) while {what}: the API key is wrong, "
                "expired, or has no access to this library"
            )
        if isinstance(exc, ze.ResourceNotFoundError) or status == 404:
            return ZoteroNotFoundError(f"{where}: not found (404) while {what}")
        if isinstance(exc, (ze.TooManyRetriesError, ze.TooManyRequestsError)) or status == 429:
            return ZoteroUnavailableError(
                f"{where}: still rate-limited (429) after {MAX_TRIES} tries while {what}; "
                "try again later"
            )
        if status >= 500:
            return ZoteroUnavailableError(
                f"{where}: server error {status} after {MAX_TRIES} tries while {what}; "
                "try again later"
            )
        first = self.scrub(str(exc)).strip().splitlines()
        detail = next((line for line in first if line.strip()), type(exc).__name__)
        return ZoteroUnavailableError(f"{where}: {what} failed: {detail}")

    def call(self, what: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a pyzotero method, retrying 429/5xx/connection errors, with one-line errors."""
        import httpx2
        from pyzotero import zotero_errors as ze

        for attempt in range(1, MAX_TRIES + 1):
            try:
                return func(*args, **kwargs)
            except (ze.PyZoteroError, httpx2.HTTPError) as exc:
                status, headers = _status_of(self.zot)
                transient = (
                    isinstance(
                        exc,
                        (ze.TooManyRetriesError, ze.TooManyRequestsError, httpx2.TransportError),
                    )
                    or status == 429
                    or status >= 500
                )
                if isinstance(exc, (ze.UserNotAuthorisedError, ze.ResourceNotFoundError)):
                    transient = False
                if not transient or attempt == MAX_TRIES:
                    if isinstance(exc, httpx2.TransportError):
                        raise ZoteroUnavailableError(
                            f"Zotero {self.library}: cannot reach {self.endpoint} "
                            f"({type(exc).__name__}) while {what}"
                        ) from None
                    raise self._error(exc, what) from None
                self.zot.url_params = None
                self.zot.backoff_until = 0.0
                self.sleep(_wait_of(headers, attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads --------------------------------------------------------------------

    def library_version(self) -> int:
        """The library's current version (``Last-Modified-Version``)."""
        return int(self.call("reading the library version", self.zot.last_modified_version))

    def collection(self, key_or_name: str) -> tuple[str, str]:
        """Return ``(key, name)`` of a collection given its key or its name.

        Raises:
            ZoteroNotFoundError: no collection has that key or name.
        """
        wanted = key_or_name.strip()
        pages = self.pages("listing collections", self.zot.collections)
        colls = [c for page in pages for c in page]
        for coll in colls:
            if coll.get("key") == wanted.upper() and _KEY_RE.match(wanted.upper()):
                return coll["key"], coll["data"].get("name", "")
        matches = [c for c in colls if c["data"].get("name", "").casefold() == wanted.casefold()]
        if len(matches) > 1:
            keys = ", ".join(c["key"] for c in matches)
            raise ZoteroError(
                f"collection name {wanted!r} is not unique in Zotero {self.library} "
                f"({keys}); give the key"
            )
        if matches:
            return matches[0]["key"], matches[0]["data"].get("name", "")
        if _KEY_RE.match(wanted.upper()):
            coll = self.call(f"reading collection {wanted}", self.zot.collection, wanted.upper())
            return coll["key"], coll["data"].get("name", "")
        raise ZoteroNotFoundError(
            f"Zotero {self.library}: no collection with key or name {wanted!r}"
        )

    def pages(
        self, what: str, method: Callable[..., Any], *args: Any, **params: Any
    ) -> Iterator[list[Any]]:
        """Yield the answer page by page, following ``Link: rel="next"``."""
        params.setdefault("limit", self.page_size)
        first = self.call(what, method, *args, **params)
        yield list(first)
        while self.zot.links and self.zot.links.get("next"):
            page = self.call(what, self.zot.follow)
            if page is None:
                return
            yield list(page)

    def total_results(self) -> int | None:
        """``Total-Results`` of the last list answer, if the server sent it."""
        _, headers = _status_of(self.zot)
        value = headers.get("Total-Results") if hasattr(headers, "get") else None
        return int(value) if value and str(value).isdigit() else None

    def last_version(self) -> int | None:
        """``Last-Modified-Version`` of the last answer."""
        _, headers = _status_of(self.zot)
        value = headers.get("Last-Modified-Version") if hasattr(headers, "get") else None
        return int(value) if value and str(value).isdigit() else None

    def items(
        self, *, since: int | None, collection: str | None, tag: str | None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield items (all types, trashed ones included when ``since``) page by page."""
        params: dict[str, Any] = {}
        if since is not None:
            params["since"] = since
            params["includeTrashed"] = 1
        if tag:
            params["tag"] = tag
        if collection:
            return self.pages("reading items", self.zot.collection_items, collection, **params)
        return self.pages("reading items", self.zot.items, **params)

    def deleted_items(self, since: int) -> list[str]:
        """Keys of the items deleted since a library version."""
        answer = self.call("reading deleted items", self.zot.deleted, since=since)
        return [str(k) for k in (answer or {}).get("items", [])]

    def children(self, key: str) -> list[dict[str, Any]]:
        """The child items (attachments, notes) of an item."""
        return [
            c
            for page in self.pages(f"reading attachments of {key}", self.zot.children, key)
            for c in page
        ]

    def file(self, key: str) -> bytes:
        """An attachment's file."""
        data = self.call(f"downloading the file of {key}", self.zot.file, key)
        if isinstance(data, str):
            return data.encode("utf-8")
        return bytes(data)
