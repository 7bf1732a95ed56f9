"""Serve ``review tui`` in a browser through textual-serve, one reviewer per session.

The page ``/?token=T`` is the only way in: with a reviewers file, ``T`` must
be one reviewer's token (compared in constant time), and names the reviewer
the session screens as; without one, the server makes a token for the review's
default reviewer and prints the login URL once, at startup (as Jupyter does),
so another user of the machine cannot walk in. Before any route runs, a
request whose Host is not this server's, or a websocket whose Origin is not
the page's own, is refused (:mod:`review.serve.guard`). The page gets a
one-time ticket for its websocket (``/ws/TICKET``), so the token itself
never travels again; the websocket without a valid ticket is refused. Access logs
are off: a URL carrying a token is never written anywhere but that one startup
line. ``/static/`` lists no folders. Each session runs ``review tui
--served``: leads only may add sources there, its pickers stay in the review's
``inbox/``, and Zotero goes only to the review's configured endpoint.
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import logging
import secrets
import shlex
import signal
import sys
import time
import tomllib
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from review.serve.guard import HostRules

log = logging.getLogger("review.serve")

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TEMPLATES = Path(__file__).parent / "templates"
#: How long a page's websocket ticket stays valid before it is used.
TICKET_SECONDS = 120.0


class ReviewersFileError(ValueError):
    """The reviewers file is missing, unreadable or malformed."""


def load_reviewers(path: Path) -> dict[str, str]:
    """Read ``name -> token`` from a TOML (``[reviewers] ana = "T"``) or CSV (name,token) file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReviewersFileError(f"cannot read reviewers file {path}: {exc.strerror}") from exc
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".toml":
        try:
            table = tomllib.loads(text).get("reviewers", {})
        except tomllib.TOMLDecodeError as exc:
            raise ReviewersFileError(f"{path}: not valid TOML: {exc}") from exc
        if not isinstance(table, dict):
            raise ReviewersFileError(f"{path}: [reviewers] must be a table of name = token")
        pairs = [(str(k), v) for k, v in table.items()]
    else:
        for row in csv.reader(text.splitlines()):
            if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
                continue
            if len(row) != 2:
                raise ReviewersFileError(f"{path}: each line must be name,token")
            name, token = row[0].strip(), row[1].strip()
            if (name, token) == ("name", "token"):
                continue  # a header line
            pairs.append((name, token))
    reviewers: dict[str, str] = {}
    for name, token in pairs:
        if not name or not isinstance(token, str) or len(token) < 8:
            # The token is never echoed: the message names the reviewer only.
            raise ReviewersFileError(
                f"{path}: reviewer {name!r} needs a token of at least 8 characters"
            )
        if name in reviewers:
            raise ReviewersFileError(f"{path}: reviewer {name!r} is listed twice")
        reviewers[name] = token
    if not reviewers:
        raise ReviewersFileError(f"{path}: no reviewers listed")
    if len(set(reviewers.values())) != len(reviewers):
        raise ReviewersFileError(f"{path}: two reviewers share a token")
    return reviewers


def is_local(host: str) -> bool:
    """Whether ``host`` binds to this machine only."""
    return host in LOCAL_HOSTS


class ReviewServer(Server):
    """A textual-serve :class:`Server` that runs ``review tui`` as the token's reviewer."""

    def __init__(
        self,
        project: Path,
        reviewers: dict[str, str] | None,
        host: str = "127.0.0.1",
        port: int = 8000,
        start: str = "home",
        allow_hosts: Iterable[str] = (),
    ) -> None:
        super().__init__(
            "review tui", host=host, port=port, title="review", templates_path=TEMPLATES
        )
        self.project = project
        self.reviewers = reviewers
        self.start = start
        self.rules = HostRules.for_bind(host, port, allow_hosts)
        #: Without a reviewers file, the default reviewer's token (printed once at startup).
        self.token: str | None = secrets.token_urlsafe(24) if reviewers is None else None
        #: One-time websocket tickets handed to pages: ticket -> (reviewer, issued at).
        self.tickets: dict[str, tuple[str | None, float]] = {}

    def reviewer_for(self, token: str) -> tuple[bool, str | None]:
        """Return ``(allowed, reviewer)`` for a page request's token."""
        if self.reviewers is None:
            # No reviewers file: the printed token opens the default reviewer's session.
            assert self.token is not None
            return hmac.compare_digest(token.encode(), self.token.encode()), None
        found: str | None = None
        for name, expected in self.reviewers.items():
            # Compare every token, so the time taken tells nothing.
            if hmac.compare_digest(token.encode(), expected.encode()):
                found = name
        return found is not None, found

    def command_for(self, reviewer: str | None) -> str:
        """The shell command that runs the TUI for one session."""
        argv = [
            sys.executable,
            "-c",
            "from review.cli.root import main; main()",
            "--project",
            str(self.project),
            "tui",
            "--start",
            self.start,
            "--served",
        ]
        if reviewer is not None:
            argv += ["--reviewer", reviewer]
        return shlex.join(argv)

    @property
    def login_url(self) -> str | None:
        """The default reviewer's login URL (None with a reviewers file)."""
        if self.token is None:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"

    async def _make_app(self) -> web.Application:
        # textual-serve's routes, but a static folder without listings, and the guard first.
        app = web.Application(middlewares=[self.guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/ws/{ticket}", self.handle_ticket_websocket),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Refuse a foreign Host (421) or a websocket from another origin (403), on every route."""
        host = request.headers.get("Host")
        # request.host (used to build the page's websocket URL) may come from an
        # absolute-form request line instead of the header: both must be ours.
        if not (
            self.rules.host_ok(host, request.secure)
            and self.rules.host_ok(request.host, request.secure)
        ):
            raise web.HTTPMisdirectedRequest(
                text="review serve: this server does not answer to that Host"
                " (start it with --allow-host NAME to add a name)\n"
            )
        upgrade = request.headers.get("Upgrade", "").lower()
        if upgrade == "websocket" and not self.rules.origin_ok(request.headers.get("Origin"), host):
            raise web.HTTPForbidden(text="review serve: websocket from another origin refused\n")
        return await handler(request)

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        allowed, reviewer = self.reviewer_for(request.query.get("token", ""))
        if not allowed:
            raise web.HTTPForbidden(text="review serve: a valid reviewer token is required\n")
        now = time.monotonic()
        for old in [t for t, (_, at) in self.tickets.items() if now - at > TICKET_SECONDS]:
            del self.tickets[old]
        ticket = secrets.token_urlsafe(24)
        self.tickets[ticket] = (reviewer, now)
        scheme = "wss" if request.secure else "ws"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}/ws/{ticket}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": f"review: {reviewer}" if reviewer else "review"},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        # textual-serve's own /ws would run the app for anyone: refused.
        raise web.HTTPForbidden(text="review serve: open the page with a reviewer token\n")

    async def handle_ticket_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Run one session's TUI, if the page's one-time ticket is valid."""
        ticket = request.match_info["ticket"]
        reviewer, issued = self.tickets.pop(ticket, (None, -TICKET_SECONDS))
        if time.monotonic() - issued > TICKET_SECONDS:
            raise web.HTTPForbidden(text="review serve: unknown, used or expired session\n")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None

        async def close() -> None:
            await websocket.close()

        try:
            await websocket.prepare(request)
            app_service = AppService(
                self.command_for(reviewer),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            log.info("session opened for reviewer %s", reviewer or "(default)")
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # noqa: BLE001 - one session's failure is logged, not fatal
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def on_startup(self, app: web.Application) -> None:
        who = "reviewer tokens" if self.reviewers else "the default reviewer's token"
        self.console.print(
            f"review serve: {self.project} on http://{self.host}:{self.port}/ ({who})",
            highlight=False,
            soft_wrap=True,
        )
        if self.reviewers:
            self.console.print("Open /?token=TOKEN with each reviewer's own token.")
        else:
            # The only place the token is ever written; plain print: never wrapped.
            print(f"Open this URL in a browser: {self.login_url}", flush=True)
        self.console.print("Press Ctrl+C to quit", highlight=False)

    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl+C; no access log, so no URL with a token is written."""
        self.debug = debug
        self.initialize_logging()
        logging.getLogger("aiohttp.access").disabled = True
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        except NotImplementedError:
            pass
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            access_log=None,
            print=lambda *args: None,
        )
