"""Which Host headers and websocket Origins ``review serve`` answers.

A page on another site can make a browser talk to the server: by DNS
rebinding (a name the attacker controls, pointed at 127.0.0.1, so the Host
header carries the attacker's name) or by opening a websocket to it (the
Origin header carries the other site). Both are refused before any route
runs: a request's Host must name the bound address (for loopback, any of
127.0.0.1, localhost, [::1]) with the bound port, or a name given with
``--allow-host``; a websocket upgrade's Origin must be the page's own,
``scheme://`` plus that same Host. Plain functions, so the rules are tested
without a server.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def split_host(value: str) -> tuple[str, int | None] | None:
    """Return ``(hostname, port)`` of a Host header value, or None if malformed.

    The name is lowercased and an IPv6 address loses its brackets.
    """
    value = value.strip()
    if not value or any(c in value for c in "/?#@\\ "):
        return None
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return None
    name = (parts.hostname or "").rstrip(".")
    return (name, port) if name else None


def machine_names() -> set[str]:
    """This machine's own names and addresses (for a server bound to every interface)."""
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    names |= {str(info[4][0]).lower() for info in infos}
    return {n for n in names if n}


@dataclass(frozen=True)
class HostRules:
    """The ``(hostname, port)`` pairs a server answers to; port None: any port.

    Args:
        allowed: Every accepted pair.
    """

    allowed: frozenset[tuple[str, int | None]]

    @classmethod
    def for_bind(cls, host: str, port: int, extra: Iterable[str] = ()) -> HostRules:
        """The rules for a server bound to ``host:port``, plus ``--allow-host`` entries.

        Raises:
            ValueError: an ``extra`` entry that is not ``NAME`` or ``NAME:PORT``.
        """
        bound = host.strip("[]").lower()
        if bound in LOOPBACK_NAMES:
            names = set(LOOPBACK_NAMES)
        elif bound in WILDCARDS:
            names = set(LOOPBACK_NAMES) | machine_names()
        else:
            names = {bound}
        allowed: set[tuple[str, int | None]] = {(n, port) for n in names}
        for entry in extra:
            parsed = split_host(entry)
            if parsed is None:
                raise ValueError(f"--allow-host {entry!r}: expected NAME or NAME:PORT")
            allowed.add(parsed)
        return cls(frozenset(allowed))

    def host_ok(self, header: str | None, secure: bool = False) -> bool:
        """Whether a request's Host header names this server."""
        parsed = split_host(header or "")
        if parsed is None:
            return False
        name, port = parsed
        port = port if port is not None else (443 if secure else 80)
        return (name, port) in self.allowed or (name, None) in self.allowed

    def origin_ok(self, origin: str | None, host_header: str | None) -> bool:
        """Whether a websocket's Origin is the page's own: same scheme's host and port as Host.

        A missing or opaque (``null``) Origin is refused: browsers always send one.
        """
        if not origin or not host_header:
            return False
        try:
            parts = urlsplit(origin.strip())
            origin_port = parts.port
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or parts.path not in ("", "/") or not parts.hostname:
            return False
        host = split_host(host_header)
        if host is None:
            return False
        default = DEFAULT_PORTS[scheme]
        origin_pair = (parts.hostname.lower().rstrip("."), origin_port or default)
        return origin_pair == (host[0], host[1] or default)
