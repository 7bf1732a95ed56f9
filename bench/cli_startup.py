"""Start-up time of CLI commands that need no model (budget: < 0.3 s).

Usage: python bench/cli_startup.py [--runs 10]
Prints the median and worst wall time of `review --help`, and of
`review status` on an empty review and on the demo review (2,333 Wilson
disease records, built by `review demo` with its output piped, so no app opens).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    review = str(Path(sys.executable).parent / "review")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([review, "init", tmp + "/r"], check=True, capture_output=True)
        subprocess.run([review, "demo", tmp + "/demo"], check=True, capture_output=True)
        for label, cmd in (
            ("review --help", [review, "--help"]),
            ("status (empty)", [review, "--project", tmp + "/r", "status"]),
            ("status (demo)", [review, "--project", tmp + "/demo", "status"]),
            ("status --json", [review, "--project", tmp + "/demo", "status", "--json"]),
        ):
            median, worst = timed(cmd, args.runs)
            flag = "ok" if median < 0.3 else "OVER BUDGET"
            print(
                f"{label:<16} median {median * 1000:6.0f} ms  worst {worst * 1000:6.0f} ms  {flag}"
            )


if __name__ == "__main__":
    main()
