"""Deduplication on real labelled multi-database searches, scored pairwise.

Usage:
    python bench/dedup_labelled.py                       # ours, every set
    python bench/dedup_labelled.py --sets stroke         # one set
    python bench/dedup_labelled.py --errors 10           # also show missed/false pairs
    python bench/dedup_labelled.py --bib-dedupe /tmp/bibvenv/bin/python

Sets: ../shared/bench/dedup/labelled/NAME.csv with NAME_merged_ids.csv (expert
labels; see bench/README.md). Each CSV is imported into an in-memory
review with :func:`corpus.importer.import_file` and deduplicated with
:func:`corpus.dedup.run` (``auto=True``: what ``review dedup --auto`` does,
without embedding neighbours), so nothing is resolved by hand.

Pairwise scoring, as the bench README asks: a true pair is two records in one
labelled group; recall (sensitivity) = true pairs found in one predicted group
/ all true pairs; precision = predicted pairs that are true / predicted pairs;
specificity = 1 - false pairs / all record pairs that are not true pairs.
The queue is the pairs left ``queued`` and the share of records in them. ASySD's
record-level sensitivity and specificity (bench/dedup_data.py) are printed too.

``--bib-dedupe PYTHON`` also runs bib-dedupe with that interpreter (a scratch
venv, never a project dependency) on the same CSVs and scores it the same way.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_data import asysd_metrics  # noqa: E402

from corpus import db as corpus_db  # noqa: E402
from corpus.dedup import run  # noqa: E402
from corpus.importer import import_file  # noqa: E402

LABELLED = ROOT.parent / "shared" / "bench" / "dedup" / "labelled"
SETS = ("haematology", "respiratory", "stroke")

Pair = tuple[str, str]

_BIB_DEDUPE = """
import json, sys, time
import pandas as pd
from bib_dedupe.bib_dedupe import block, cluster, match, prep

records = pd.read_csv(sys.argv[1])
start = time.perf_counter()
prepared = prep(records, verbosity_level=0, cpu=2)
pairs = block(prepared, verbosity_level=0, cpu=2)
matched = match(pairs, verbosity_level=0, cpu=2)
groups = cluster(matched, verbosity_level=0)
print(json.dumps({"groups": [list(g) for g in groups], "seconds": time.perf_counter() - start}))
"""


def group_pairs(groups: Iterable[Iterable[str]]) -> set[Pair]:
    """All unordered record pairs inside each group."""
    out: set[Pair] = set()
    for members in groups:
        out.update(combinations(sorted(set(members)), 2))
    return out


def true_pairs(name: str) -> set[Pair]:
    """The labelled duplicate pairs of one set."""
    with (LABELLED / f"{name}_merged_ids.csv").open(newline="", encoding="utf-8") as fh:
        return group_pairs(row["merged_ids"].split(";") for row in csv.DictReader(fh))


def record_ids(name: str) -> list[str]:
    """The IDs of every record of one set, in file order."""
    with (LABELLED / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return [row["ID"] for row in csv.DictReader(fh)]


def scores(truth: set[Pair], found: set[Pair], ids: list[str]) -> dict[str, float | int]:
    """Pairwise recall, precision and specificity over all record pairs, and ASySD's."""
    tp = len(truth & found)
    fp = len(found - truth)
    negatives = len(ids) * (len(ids) - 1) // 2 - len(truth)
    return {
        "recall": tp / len(truth) if truth else 1.0,
        "precision": tp / len(found) if found else 1.0,
        "specificity": 1 - fp / negatives if negatives else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": len(truth) - tp,
        **{f"asysd_{k}": v for k, v in _asysd(truth, found, ids).items()},
    }


def _asysd(truth: set[Pair], found: set[Pair], ids: list[str]) -> dict[str, float | int]:
    """ASySD's record-level counting: pairs become groups (connected components)."""
    return asysd_metrics(_components(truth, ids), _components(found, ids))


def _components(pairs: set[Pair], ids: list[str]) -> dict[str, str]:
    """Record id -> the smallest id of its group, for pairs that form groups."""
    parent = {rid: rid for rid in ids}

    def root(rid: str) -> str:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {rid: root(rid) for rid in ids}


def run_ours(name: str) -> tuple[set[Pair], dict[str, float], list[Pair]]:
    """Import one set and run ``dedup --auto``; return found pairs, timings, queued pairs."""
    db = corpus_db.connect(":memory:")
    start = time.perf_counter()
    import_file(db, LABELLED / f"{name}.csv", database=name)
    imported = time.perf_counter()
    run(db, auto=True)
    done = time.perf_counter()
    source = dict(db.execute("SELECT id, source_id FROM records").fetchall())
    groups: dict[int, list[str]] = defaultdict(list)
    for rid, gid in db.execute("SELECT id, group_id FROM records"):
        groups[gid].append(source[rid])
    queued = [(source[p["record_a"]], source[p["record_b"]]) for p in corpus_db.pairs(db, "queued")]
    times = {"import": imported - start, "dedup": done - imported}
    return group_pairs(groups.values()), times, queued


def run_bib_dedupe(name: str, python: str) -> tuple[set[Pair], float]:
    """Run bib-dedupe (scratch venv) on one set; return found pairs and its own time."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(_BIB_DEDUPE)
    result = subprocess.run(
        [python, fh.name, str(LABELLED / f"{name}.csv")], capture_output=True, text=True
    )
    Path(fh.name).unlink()
    if result.returncode != 0:
        sys.exit(f"bib-dedupe failed on {name}: {result.stderr.strip()[-2000:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return group_pairs(out["groups"]), float(out["seconds"])


def show_errors(name: str, truth: set[Pair], found: set[Pair], limit: int) -> None:
    """Print a few missed and false pairs with their fields, to see why."""
    with (LABELLED / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        rows = {row["ID"]: row for row in csv.DictReader(fh)}
    for label, pairs in (("missed", truth - found), ("false", found - truth)):
        for a, b in sorted(pairs)[:limit]:
            print(f"    {label} {a} {b}")
            for rid in (a, b):
                row = rows[rid]
                fields = ("title", "author", "year", "journal", "volume", "number", "pages")
                print("      " + " | ".join(_short(row[k]) for k in (*fields, "ENTRYTYPE")))


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def line(label: str, m: Mapping[str, float | int], extra: str) -> str:
    return (
        f"  {label:<10} recall {m['recall']:.4f}  precision {m['precision']:.4f}  "
        f"specificity {m['specificity']:.6f}  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']}); "
        f"ASySD sensitivity {m['asysd_sensitivity']:.4f} specificity "
        f"{m['asysd_specificity']:.4f}  {extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=SETS)
    parser.add_argument("--errors", type=int, default=0, help="show N missed and N false pairs")
    parser.add_argument("--bib-dedupe", default=None, help="python of a venv with bib-dedupe")
    args = parser.parse_args()
    for name in args.sets:
        truth = true_pairs(name)
        ids = record_ids(name)
        n = len(ids)
        found, times, queued = run_ours(name)
        in_queue = {rid for pair in queued for rid in pair}
        print(f"{name}: {n} records, {len(truth)} true pairs")
        extra = (
            f"queue {len(queued)} pairs / {len(in_queue)} records "
            f"({100 * len(in_queue) / n:.1f}%)  dedup {times['dedup']:.1f} s "
            f"(import {times['import']:.1f} s)"
        )
        print(line("ours", scores(truth, found, ids), extra))
        if args.errors:
            show_errors(name, truth, found, args.errors)
        if args.bib_dedupe:
            theirs, seconds = run_bib_dedupe(name, args.bib_dedupe)
            print(line("bib-dedupe", scores(truth, theirs, ids), f"{seconds:.1f} s"))


if __name__ == "__main__":
    main()
