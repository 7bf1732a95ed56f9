"""The reader process: one PDF's text with pypdf, page by page, sent as it comes.

This module runs in the child processes that :mod:`corpus.fulltext_pool`
starts. A PDF is untrusted input: a few KB can make pypdf spin for minutes
inside one page's ``extract_text`` (pages sharing one huge flate stream), so
the parent keeps the clock and kills the reader. Each page's text is sent as
soon as it is read, so that what was read before a kill is kept. Only text is
taken; images are never decoded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable
from io import BytesIO
from multiprocessing.connection import Connection
from typing import Any

#: What the reader sends: (kind, job index, payload). ``ready`` (index -1) once
#: pypdf is loaded; then per PDF ``page`` (head, text) for every page read but
#: the last, and ``end`` (head, last text or None, the limit that stopped it or
#: None), or ``error`` (reason). ``head`` is (sha256, page count, metadata) on
#: the first message of a PDF, None after it. Few messages for a short PDF
#: (one for a one-page report) keep the parent's work per file small.
Message = tuple[str, int, Any]
Send = Callable[[str, Any], None]
Head = tuple[str, int, dict[str, str]]

PASSWORD = "password-protected PDF: remove the password and attach it again"


def serve(conn: Connection, max_pages: int, max_chars: int) -> None:
    """Read the PDFs the parent sends as ``(index, path)`` until it sends None.

    Args:
        conn: This reader's end of the pipe.
        max_pages: Pages read at most per PDF.
        max_chars: Characters of text kept at most per PDF.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _quiet()
    _exit_with_parent()
    import pypdf  # noqa: F401 - loaded before the first job, so it is not on its clock

    conn.send(("ready", -1, None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, path = job

        def send(kind: str, payload: Any, index: int = index) -> None:
            conn.send((kind, index, payload))

        try:
            read_pages(path, max_pages, max_chars, send)
        except OSError:  # the pipe: the parent is gone
            return


def read_pages(path: str, max_pages: int, max_chars: int, send: Send) -> None:
    """Read one PDF and send its pages' text and how it ended (see :data:`Message`).

    Never raises for a bad PDF: every failure is sent as an ``error`` with a
    one-line reason (without the path, which the parent adds).
    """
    try:
        _read(path, max_pages, max_chars, send)
    except OSError as exc:
        send("error", f"cannot read file: {exc.strerror or exc}")
    except ImportError as exc:  # the installation, not the PDF
        send("error", f"cannot read PDFs: {exc}; reinstall review with its dependencies")
    except MemoryError:
        send("error", "the PDF needs too much memory to read; download the report again")
    except RecursionError:
        send("error", "damaged PDF (nested too deeply); download the report again")
    except Exception as exc:  # noqa: BLE001 - pypdf on a hostile file raises anything
        send("error", _reason(exc))


def _read(path: str, max_pages: int, max_chars: int, send: Send) -> None:
    from pypdf import PasswordType, PdfReader

    with open(path, "rb") as handle:
        data = handle.read()
    if not data.startswith(b"%PDF-"):
        send("error", "not a PDF file; attach the report as a PDF")
        return
    digest = hashlib.sha256(data).hexdigest()
    reader = PdfReader(BytesIO(data))  # an empty user password is tried here
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        send("error", PASSWORD)
        return
    total = len(reader.pages)
    head: Head | None = (digest, total, _metadata(reader))
    last = min(total, max_pages) - 1
    kept = 0
    for number in range(last + 1):
        text = (reader.pages[number].extract_text() or "").strip()
        room = max_chars - kept
        if len(text) > room:
            send("end", (head, text[:room], "characters"))
            return
        kept += len(text)
        if number < last:
            send("page", (head, text))
            head = None
        else:
            send("end", (head, text, "pages" if total > max_pages else None))
            return
    send("end", (head, None, None))  # a PDF without pages


def _reason(exc: Exception) -> str:
    """The one-line reason for a pypdf failure; a missing package is never "damaged"."""
    from pypdf.errors import DependencyError, FileNotDecryptedError, WrongPasswordError

    if isinstance(exc, DependencyError):
        return (
            "encrypted PDF that needs the 'cryptography' package, which is not installed; "
            "install it (pip install cryptography) and attach it again"
        )
    if isinstance(exc, (FileNotDecryptedError, WrongPasswordError)):
        return PASSWORD
    if isinstance(exc, NotImplementedError):
        return f"encrypted in a way pypdf cannot open ({exc}); remove the password, attach it again"
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    name = type(exc).__name__ + (f": {detail}" if detail else "")
    return f"damaged PDF ({name}); download the report again"


def _metadata(reader: Any) -> dict[str, str]:
    """The document information dictionary as plain strings (``/Title`` -> ``title``)."""
    info = reader.metadata
    if not info:
        return {}
    out: dict[str, str] = {}
    for key, value in info.items():
        if isinstance(value, (str, bytes)) and value:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            out[str(key).lstrip("/").lower()] = text
    return out


def _quiet() -> None:
    """No pypdf log lines or warnings: they would land on the terminal UI's screen."""
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")


def _exit_with_parent() -> None:
    """End this reader when its parent is gone (killed with -9: no one else would)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
