"""Import throughput: `review import` end to end against parsing alone with rispy.

Usage: python bench/import_bench.py [--records 100000] [--seed 1]

Generates a realistic RIS export (Scopus-like layout: repeated AU and KW tags,
abstracts of 150-300 words drawn from the bundled Wilson disease abstracts,
DOIs, page ranges, a few records without abstract), then times
1. rispy.loads on the text (parsing alone, no normalisation, no storage), and
2. the `review import` console script into a fresh review (process start,
   decoding, detection, parsing, normalisation, one SQLite transaction).
Budget (DESIGN.md): 100k records in under 20 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_FROM = ROOT / "review" / "demo" / "data" / "wilson.csv"

SURNAMES = [
    "Müller",
    "Smith",
    "García",
    "Nowak",
    "Kowalski",
    "Nguyen",
    "Okafor",
    "Jensen",
    "Rossi",
    "Dubois",
    "Łukasiewicz",
    "Tanaka",
    "O'Brien",
    "van der Berg",
    "Silva",
]
JOURNALS = [
    "Child Abuse & Neglect",
    "Journal of Interpersonal Violence",
    "Lancet",
    "Computers in Human Behavior",
    "Trauma, Violence, & Abuse",
    "BMJ Open",
    "Journal of Child Sexual Abuse",
    "Cyberpsychology, Behavior, and Social Networking",
]


def vocabulary() -> list[str]:
    with WORDS_FROM.open(encoding="utf-8") as handle:
        text = " ".join(row["abstract"] for row in csv.DictReader(handle) if row["abstract"])
    return [w for w in text.split() if w.isalpha()][:200_000]


def make_ris(n: int, seed: int) -> str:
    rng = random.Random(seed)
    words = vocabulary()
    out: list[str] = []
    for i in range(n):
        title = " ".join(rng.choices(words, k=rng.randint(8, 18))).capitalize()
        out.append("TY  - JOUR")
        for _ in range(rng.randint(1, 8)):
            out.append(f"AU  - {rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLMN')}.")
        out.append(f"TI  - {title}")
        out.append(f"T2  - {rng.choice(JOURNALS)}")
        year = rng.randint(1995, 2026)
        out.append(f"PY  - {year}")
        out.append(f"VL  - {rng.randint(1, 120)}")
        out.append(f"IS  - {rng.randint(1, 12)}")
        start = rng.randint(1, 2000)
        out.append(f"SP  - {start}")
        out.append(f"EP  - {start + rng.randint(3, 25)}")
        out.append(f"DO  - 10.{rng.randint(1000, 9999)}/bench.{i}")
        if rng.random() > 0.03:
            out.append("AB  - " + " ".join(rng.choices(words, k=rng.randint(150, 300))))
        for _ in range(rng.randint(3, 7)):
            out.append(f"KW  - {rng.choice(words).lower()}")
        out.append(f"SN  - {rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}")
        out.append(f"UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-{i}")
        out.append("DB  - Scopus")
        out.append("ER  - ")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import rispy

    review = str(Path(sys.executable).parent / "review")
    with tempfile.TemporaryDirectory() as tmp:
        ris = Path(tmp) / "search.ris"
        ris.write_text(make_ris(args.records, args.seed), encoding="utf-8")
        size_mb = ris.stat().st_size / 1e6

        start = time.perf_counter()
        parsed = rispy.loads(ris.read_text(encoding="utf-8"))
        rispy_s = time.perf_counter() - start

        subprocess.run([review, "init", tmp + "/rev"], check=True, capture_output=True)
        start = time.perf_counter()
        result = subprocess.run(
            [review, "--project", tmp + "/rev", "import", "--no-embed", str(ris), "--json"],
            capture_output=True,
            text=True,
        )
        review_s = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(result.stderr)

    n = len(parsed)
    print(f"file: {args.records} records, {size_mb:.0f} MB")
    print(f"rispy.loads (parse only):   {rispy_s:6.2f} s  {n / rispy_s:9.0f} records/s")
    print(
        f"review import (end to end): {review_s:6.2f} s  {args.records / review_s:9.0f} records/s"
    )
    print(f"budget 20 s for 100k: {'ok' if review_s * 100_000 / args.records < 20 else 'OVER'}")


if __name__ == "__main__":
    main()
