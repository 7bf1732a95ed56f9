"""Reading PDFs in reader processes that can be killed: time, page and character limits.

A hostile PDF of a few KB can keep pypdf busy for minutes (issue 18), so no
PDF is ever read in the calling process. Each reader process
(:func:`corpus.fulltext_read.serve`) reads one file at a time and streams its
pages back through a pipe; this side keeps the clock. A reader past the time
limit is killed, the pages it had sent are kept and flagged ``time``, and a
fresh reader takes the next file. ``concurrent.futures`` cannot do this: a
running task there cannot be cancelled, and killing its worker breaks the pool.

Readers are started with "spawn", not Linux's default fork: the terminal UI
calls this from worker threads, and forking a multithreaded process can
deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
import selectors
import sys
import time
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from pathlib import Path

from corpus.errors import FullTextError
from corpus.fulltext_read import Message, serve

#: Below this many characters per page a PDF is a scan without a text layer.
MIN_CHARS_PER_PAGE = 20
#: Most reader processes.
MAX_WORKERS = 8
#: Files queued to one reader at once, so it never waits for the next path.
DEPTH = 2
#: Seconds a new reader may take to start (spawn, import pypdf) on a busy machine.
STARTUP_SECONDS = 60.0
#: The limit names stored in ``fulltexts.limited``.
LIMIT_NAMES = ("time", "pages", "characters")


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of one PDF is read: the text kept past a limit is flagged, never dropped.

    The defaults are far above a real report (a 600-page thesis reads in a
    few seconds and holds about 1.5 million characters) and far below what
    would stall a review: 30 s a file keeps a folder of hostile PDFs moving,
    2,000 pages bounds a page tree built to repeat one stream, and 2,000,000
    characters (a few MB in review.db) is what the screening and extraction
    screens still show at once.
    """

    seconds: float = 30.0
    pages: int = 2000
    chars: int = 2_000_000


@dataclass(frozen=True, slots=True)
class PdfRead:
    """One PDF as a reader read it: text and metadata, or the one-line reason it failed.

    ``pages`` is the PDF's page count (0 if a timeout came before it was
    known), ``pages_read`` how many pages' text was kept, and ``limited`` the
    limit that cut the text short (``time``, ``pages``, ``characters``).
    """

    path: str
    sha256: str = ""
    text: str = ""
    pages: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    limited: str | None = None
    pages_read: int = 0


@dataclass(slots=True)
class _Job:
    index: int
    path: str
    sha256: str = ""
    pages: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)


class _Reader:
    """One reader process, its pipe and the files queued to it."""

    def __init__(self, limits: Limits) -> None:
        spawn = multiprocessing.get_context("spawn")
        _tracker_running()
        self.conn, child = spawn.Pipe()
        self.process: SpawnProcess = spawn.Process(
            target=serve, args=(child, limits.pages, limits.chars), daemon=True
        )
        self.process.start()
        child.close()
        self.jobs: deque[_Job] = deque()
        self.since = time.monotonic()  # when the first job in line was queued or reached
        self.ready: float | None = None  # when it had started and loaded pypdf

    def deadline(self, seconds: float) -> float:
        """When the job being read is over its time (or the reader is too slow to start).

        A job's clock starts when it is first in line, or when the reader is
        ready if that is later: starting a process is not the PDF's doing.
        """
        if self.ready is None:
            return self.since + STARTUP_SECONDS
        return max(self.since, self.ready) + seconds

    def leave(self) -> None:
        """Ask an idle reader to exit (it does once it reads None)."""
        try:
            self.conn.send(None)
        except OSError:
            pass

    def stop(self, kill: bool) -> None:
        """End the process: wait for one asked to :meth:`leave`, else kill it (SIGKILL)."""
        if not kill:
            self.process.join(2)
        if kill or self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def _tracker_running() -> None:
    """Start multiprocessing's resource tracker with a stderr that has a file number.

    While a Textual app runs, ``sys.stderr`` is an object whose ``fileno()``
    is -1; the tracker passes that to its process and every spawn fails with
    "bad value(s) in fds_to_keep". The tracker then writes to /dev/null, never
    over the terminal UI.
    """
    try:
        usable = sys.stderr is None or sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = True  # the tracker skips a stderr without a file number
    if usable:
        return
    from multiprocessing import resource_tracker

    saved = sys.stderr
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        sys.stderr = devnull
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def read_one(path: Path, limits: Limits | None = None) -> PdfRead:
    """Read one PDF in a reader process (see :func:`read_all`)."""
    reads = read_all([path], 1, limits)
    try:
        return next(reads)
    finally:
        reads.close()  # the reader exits now, not when the generator is collected


def read_all(
    paths: Sequence[Path], workers: int | None = None, limits: Limits | None = None
) -> Generator[PdfRead, None, None]:
    """Read ``paths`` in reader processes, yielding results in order.

    Args:
        paths: The PDFs.
        workers: Reader processes (default: CPU count, at most 8).
        limits: Time, page and character limits per file.
    """
    names = [str(p) for p in paths]
    if not names:
        return
    count = max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, len(names)))
    pool = _Pool(count, limits or Limits())
    try:
        yield from pool.run(names)
    finally:
        pool.close()


class _Pool:
    def __init__(self, count: int, limits: Limits) -> None:
        self.limits = limits
        self.slots: list[_Reader | None] = [None] * count
        self.pending: deque[tuple[int, str]] = deque()
        self.done: dict[int, PdfRead] = {}
        # One selector for the pool's life: multiprocessing's wait() builds one per call.
        self.selector = selectors.DefaultSelector()

    def run(self, names: list[str]) -> Iterator[PdfRead]:
        for index, name in enumerate(names):
            early = _precheck(name)
            if early is not None:
                self.done[index] = early
            else:
                self.pending.append((index, name))
        for index in range(len(names)):
            while index not in self.done:
                self._assign()
                self._step()
            yield self.done.pop(index)

    def close(self) -> None:
        """Stop every reader: idle ones are asked to leave, busy ones killed."""
        readers = [r for r in self.slots if r is not None]
        self.slots = [None] * len(self.slots)
        self.selector.close()
        for reader in readers:
            if not reader.jobs:
                reader.leave()
        for reader in readers:
            reader.stop(kill=bool(reader.jobs))

    def _assign(self) -> None:
        for slot, reader in enumerate(self.slots):
            while self.pending and (reader is None or len(reader.jobs) < DEPTH):
                if reader is None:
                    reader = self.slots[slot] = _Reader(self.limits)
                    self.selector.register(reader.conn, selectors.EVENT_READ, reader)
                index, name = self.pending.popleft()
                if not reader.jobs:
                    reader.since = time.monotonic()
                reader.jobs.append(_Job(index, name))
                try:
                    reader.conn.send((index, name))
                except OSError:
                    pass  # a reader that died: _step finds it at its end of the pipe

    def _step(self) -> None:
        """Take the next messages, waiting at most until the soonest deadline."""
        busy = [r for r in self.slots if r is not None and r.jobs]
        if not busy:
            return
        soonest = min(r.deadline(self.limits.seconds) for r in busy)
        for key, _ in self.selector.select(max(0.0, soonest - time.monotonic())):
            reader: _Reader = key.data
            try:
                self._take(reader, reader.conn.recv())
            except (EOFError, OSError):  # it died
                self._retire(reader, over_time=False)
        now = time.monotonic()
        for reader in busy:
            if reader.jobs and now >= reader.deadline(self.limits.seconds):
                self._retire(reader, over_time=True)

    def _take(self, reader: _Reader, message: Message) -> None:
        kind, index, payload = message
        if kind == "ready":
            reader.ready = time.monotonic()
            return
        job = reader.jobs[0]
        if index != job.index:
            return
        if kind == "error":
            self._end(reader, PdfRead(job.path, error=f"{job.path}: {payload}"))
            return
        head, text = payload[0], payload[1]
        if head is not None:
            job.sha256, job.pages, job.metadata = head
        if text is not None:
            job.texts.append(text)
        if kind == "end":
            self._end(reader, _finish(job, payload[2], self.limits))

    def _end(self, reader: _Reader, read: PdfRead) -> None:
        """The first job in line is done; the next one's clock starts."""
        job = reader.jobs.popleft()
        reader.since = time.monotonic()
        self.done[job.index] = read

    def _retire(self, reader: _Reader, over_time: bool) -> None:
        """Kill a reader; its first job ends (kept pages, or an error), the rest go to another."""
        self.selector.unregister(reader.conn)
        self.slots[self.slots.index(reader)] = None
        job = reader.jobs[0] if reader.jobs else None
        reader.process.kill()
        reader.process.join(5)
        if over_time:  # pages it sent just before the kill still count
            try:
                while reader.jobs and reader.conn.poll():
                    self._take(reader, reader.conn.recv())
            except (EOFError, OSError):
                pass
        reader.conn.close()
        rest = list(reader.jobs)
        reader.jobs.clear()
        if job is not None and rest and rest[0] is job:
            rest.pop(0)
            self.done[job.index] = self._verdict(reader, job, over_time)
        self.pending.extendleft((j.index, j.path) for j in reversed(rest))

    def _verdict(self, reader: _Reader, job: _Job, over_time: bool) -> PdfRead:
        """What a job killed or lost with its reader comes to."""
        if over_time and reader.ready is not None:
            return _finish(job, "time", self.limits)
        if over_time:
            reason = f"the PDF reader did not start within {STARTUP_SECONDS:g} s; try again"
            return PdfRead(job.path, error=f"{job.path}: {reason}")
        code = reader.process.exitcode
        if reader.ready is None:  # the same for every file: say it once
            raise FullTextError(f"cannot start a PDF reader process (exit code {code})")
        reason = f"the PDF reader stopped (exit code {code}) while reading it"
        return PdfRead(job.path, error=f"{job.path}: {reason}; download the report again")


def _precheck(name: str) -> PdfRead | None:
    """Refuse what is plainly not a PDF without starting a reader for it."""
    try:
        with open(name, "rb") as handle:
            start = handle.read(5)
    except OSError as exc:
        return PdfRead(name, error=f"{name}: cannot read file: {exc.strerror or exc}")
    if start != b"%PDF-":
        return PdfRead(name, error=f"{name}: not a PDF file; attach the report as a PDF")
    return None


def _finish(job: _Job, limited: str | None, limits: Limits) -> PdfRead:
    """The text of what a reader sent, cut to the limits, or why it is no use."""
    text = "\n\f\n".join(job.texts).strip()
    if len(text) > limits.chars:
        text = text[: limits.chars]
        limited = limited or "characters"
    body = len(text.replace("\f", "").strip())
    if body < MIN_CHARS_PER_PAGE * max(1, len(job.texts)) / 4:
        if limited == "time":
            reason = (
                f"text extraction took over {limits.seconds:g} s; nothing was kept "
                "(the PDF may be built to stall readers): attach another copy of the report"
            )
        else:
            reason = "the PDF has no text layer (a scanned image?); run OCR on it first"
        return PdfRead(job.path, error=f"{job.path}: {reason}")
    return PdfRead(
        job.path, job.sha256, text, job.pages, dict(job.metadata), None, limited, len(job.texts)
    )


def limit_note(limited: str | None, pages: int, pages_read: int, limits: Limits) -> str | None:
    """One line saying which limit cut a PDF's text short and what was kept (None: none).

    Args:
        limited: The limit hit (``time``, ``pages``, ``characters``) or None.
        pages: The PDF's page count (0 if unknown).
        pages_read: Pages whose text was kept.
        limits: The limits it was read with.
    """
    if limited is None:
        return None
    of = f" of {pages}" if pages else ""
    first = f"the text of the first {pages_read}{of} pages"
    if limited == "time":
        return f"text extraction took over {limits.seconds:g} s; kept {first}"
    if limited == "pages":
        return f"over {limits.pages:,} pages; kept {first}"
    kept = f"kept the first {limits.chars:,}, from the first {pages_read}{of} pages"
    return f"over {limits.chars:,} characters of text; {kept}"
