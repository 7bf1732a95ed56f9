"""Key-to-next-record latency of the screening screen, driven by Pilot.

Usage: python bench/screen_bench.py [--records 10000] [--keys 200]

Builds a review of N one-record studies (two blind reviewers per record,
exclusion reasons), opens ``review screen`` as a Textual app under Pilot and
presses include/maybe keys. For each key it prints how long the screen took
to show the next study: ``handler`` is the time inside the key's action (the
next-group query and the card read on the UI thread; the write goes to a
worker), ``key-to-card`` the time from posting the key event to the app until the
screen holds the new card (event dispatch included; the paint follows in the
next frame).
Budget (DESIGN.md): the next record appears < 50 ms after a key press.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402

from corpus import db as corpus_db  # noqa: E402
from corpus.model import Record  # noqa: E402
from review.core.project import init_project  # noqa: E402
from review.tui import make_app  # noqa: E402
from review.tui.screens.screening import ScreeningScreen  # noqa: E402

PROTOCOL = """
[review]
title = "Screening bench"
question = "?"
template = "generic"

[criteria]
inclusion = ["Online grooming"]
exclusion = ["Adults only"]

[stages.title_abstract]
exclusion_reasons = ["No online element", "Adults only"]

[highlight]
include = ["groom*", "child*"]
exclude = ["adult*"]

[screening]
reviewers_per_record = 2
blind = true
seed = 3
"""


def build(folder: Path, n: int) -> Path:
    project = init_project(folder / "rev")
    project.protocol_path.write_text(PROTOCOL, "utf-8")
    info = corpus_db.SourceInfo("BenchDB", "b.ris", "sha-bench", "ris", "2024-01-01", None, None)
    words = "online grooming of children adults platform risk survey interview".split()
    records = [
        Record(
            title=f"Study {i}: {' '.join(words[i % 5 : i % 5 + 4])}",
            abstract=" ".join(words[(i + k) % len(words)] for k in range(120)),
            authors=[f"Author, A{i}", f"Other, B{i}"],
            year=2000 + i % 25,
            journal="Child Abuse Negl",
        )
        for i in range(n)
    ]
    with project.connect() as db:
        corpus_db.insert_source(db, info, records)
    return project.root


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def drive(root: Path, keys: int) -> tuple[list[float], list[float]]:
    from review.core.project import Project

    app = make_app(Project(root), "ana", start="screening")
    handler: list[float] = []
    to_card: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        original = screen.advance

        def timed_advance() -> None:
            t = time.perf_counter()
            original()
            handler.append((time.perf_counter() - t) * 1000)

        screen.advance = timed_advance  # type: ignore[method-assign]
        for i in range(keys):
            before = screen.card.group_id if screen.card else None
            t0 = time.perf_counter()
            key = "i" if i % 3 else "m"
            app.post_message(events.Key(key, key))
            while (screen.card.group_id if screen.card else None) == before:
                await asyncio.sleep(0)
            to_card.append((time.perf_counter() - t0) * 1000)
            await pilot.pause()  # let the write land before the next key, as a reader would
        await app.workers.wait_for_complete()
    return handler, to_card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        root = build(Path(tmp), args.records)
        print(f"built {args.records:,} studies in {time.perf_counter() - t:.1f} s")
        handler, to_card = asyncio.run(drive(root, args.keys))
    for name, values in (("handler", handler), ("key-to-card", to_card)):
        print(
            f"{name:<12} p50 {statistics.median(values):6.2f} ms  p95 {pct(values, 95):6.2f} ms  "
            f"max {max(values):6.2f} ms  ({len(values)} keys)"
        )


if __name__ == "__main__":
    main()
