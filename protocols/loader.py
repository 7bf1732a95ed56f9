"""Loading ``protocol.toml`` and the bundled templates.

The protocol is the reviewers' contract, so a mistake in it must be reported
with the file, line and key, never as a traceback. The schema and its checks
live in :mod:`protocols.validate`; the dataclasses in :mod:`protocols.model`
(re-exported here, as other layers import them from this module).
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path

from protocols.errors import ProtocolError
from protocols.model import DEFAULT_EMBEDDING_MODEL, Protocol
from protocols.validate import build

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "Protocol",
    "ProtocolError",
    "load",
    "parse",
    "template_names",
    "template_text",
    "version_of",
]


def template_names() -> list[str]:
    """Return the names of the bundled protocol templates."""
    folder = resources.files("protocols") / "templates"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def template_text(name: str) -> str:
    """Return the text of a bundled template.

    Raises:
        ProtocolError: if there is no template of that name.
    """
    if name not in template_names():
        raise ProtocolError(
            f"no protocol template {name!r}; choose one of: {', '.join(template_names())}"
        )
    return (resources.files("protocols") / "templates" / f"{name}.toml").read_text("utf-8")


def version_of(data: bytes) -> str:
    """Return the protocol version of a file's bytes: the short sha256."""
    return hashlib.sha256(data).hexdigest()[:12]


def parse(text: str, path: str = "protocol.toml", version: str | None = None) -> Protocol:
    """Parse and validate protocol TOML.

    Args:
        text: The TOML text.
        path: The file name used in error messages.
        version: The version hash; by default that of the UTF-8 encoded text.

    Raises:
        ProtocolError: naming the file, line and key of the first mistake.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: {exc}") from None
    return build(data, text, path, version or version_of(text.encode("utf-8")))


def load(path: Path) -> Protocol:
    """Read and parse a protocol file; see :func:`parse`.

    The version is the hash of the file's bytes as stored, so that it matches
    what ``review protocol amend`` logs.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProtocolError(f"{path}: protocol is not UTF-8 text") from None
    return parse(text, str(path), version_of(raw))
