"""Key-to-saved latency of the extraction screen, driven by Pilot on a real review.

Usage: python bench/extraction_keys.py [--studies 20] [--keys 50]

Builds a review of N studies (the generic template: its form plus the MMAT
checklist), every one included at both screening stages by a lead, opens
``review tui --start extraction`` as a Textual app under Pilot and measures,
for each key press, the time from posting the key to the app until the value
is in SQLite (read with a connection of the bench's own, as another process
would see it):

- ``choice``: a digit on the study design field (1-6 in turn, so every press
  changes the value);
- ``text+tab``: a few characters typed into the country field, then Tab (the
  time runs from the Tab, which sends the value).

Each write goes through the app's one write queue: a worker thread opens a
connection, checks the study is included, writes the value event and its
audit entry in one transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from textual import events  # noqa: E402

from corpus.importer import import_file  # noqa: E402
from review.core.project import Project, init_project  # noqa: E402
from review.extraction import db as xdb  # noqa: E402
from review.tui import make_app  # noqa: E402
from review.tui.screens.extraction import ExtractionScreen  # noqa: E402
from screening import blind, decide  # noqa: E402


def build(folder: Path, n: int) -> Project:
    """A review of ``n`` studies, all included at both stages by the lead."""
    project = init_project(folder / "rev", title="Extraction bench")
    ris = folder / "search.ris"
    ris.write_text(
        "".join(
            f"TY  - JOUR\nID  - s{i}\nTI  - Online grooming study {i}\nAU  - Author, A{i}\n"
            f"PY  - {2000 + i % 25}\nAB  - Interviews with adolescents, study {i}.\nER  - \n\n"
            for i in range(n)
        ),
        "utf-8",
    )
    with project.connect() as db:
        import_file(db, ris, database="BenchDB")
        decide.add_reviewer(db, "lead", "lead")
        lead = blind.viewer(db, "lead", blind=False, required=1)
        groups = sorted({row["group_id"] for row in db["records"].rows})
        for group in groups:
            for stage in ("title_abstract", "full_text"):
                decide.decide(db, lead, group, stage, "include")
    return project


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def saved(db: Any, group: int, field: str) -> Any:
    """The lead's current value of a field, as another connection sees it."""
    for row in xdb.current_values(db, [group]):
        if row.field == field and row.copy == "lead":
            return row.value
    return None


async def until(db: Any, group: int, field: str, wanted: Any, t0: float) -> float:
    while saved(db, group, field) != wanted:
        await asyncio.sleep(0.0005)
    return (time.perf_counter() - t0) * 1000


async def drive(project: Project, keys: int) -> dict[str, list[float]]:
    app = make_app(project, "lead", start="extraction")
    found: dict[str, list[float]] = {"choice": [], "text+tab": []}
    with project.connect() as reader:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ExtractionScreen) and screen.study is not None
            group = screen.study.group_id
            design = screen.cells[("study_design", 0, "")]
            country = screen.cells[("country", 0, "")]
            choices = design.item.choices
            for i in range(keys):
                design.editor.focus()
                await pilot.pause()
                digit = str(i % len(choices) + 1)
                t0 = time.perf_counter()
                app.post_message(events.Key(digit, digit))
                found["choice"].append(
                    await until(reader, group, "study_design", choices[i % len(choices)], t0)
                )
                await app.workers.wait_for_complete()
            for i in range(keys):
                country.editor.focus()
                await pilot.pause()
                text = f"Norway {i}"
                await pilot.press("ctrl+a", "ctrl+k", *text)
                t0 = time.perf_counter()
                app.post_message(events.Key("tab", None))
                found["text+tab"].append(await until(reader, group, "country", text, t0))
                await app.workers.wait_for_complete()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--keys", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        project = build(Path(tmp), args.studies)
        print(f"built {args.studies} included studies in {time.perf_counter() - t:.1f} s")
        found = asyncio.run(drive(project, args.keys))
    for name, values in found.items():
        print(
            f"{name:<9} key-to-saved p50 {statistics.median(values):6.2f} ms  "
            f"p95 {pct(values, 95):6.2f} ms  max {max(values):6.2f} ms  ({len(values)} keys)"
        )


if __name__ == "__main__":
    main()
