"""A realistic labelled deduplication benchmark, and ASySD-style counting.

Usage: python bench/dedup_data.py OUTDIR --seed 1 [--studies N]

The screening sets (../shared/bench/screening/{nudging,wilson}.csv) give real
titles and abstracts, one study per row (rows repeating an earlier title are
dropped so the truth is unambiguous). Authors, journals, years, pages, DOIs
and PMIDs are synthesised from the seed. Each study is "found" in 1-4
databases, each copy written the way that database exports it (PubMed
``Smith JA`` and ``J Hepatol``, Embase ``Smith J.A.``, Scopus ``Smith, J.A.``,
Web of Science upper case) and corrupted as real exports are: missing
abstract/DOI/pages/volume, HTML in titles, case, trailing periods, typos,
DOI URLs and prefixes, ``123-9`` pages, British/American spelling, bracketed
translated titles, online-first years. Hard distinct records are injected:
errata, Cochrane ``.pub`` updates, conference abstracts, preprints, generic
titles ("Editorial") and sibling studies ("part 2", "in women").

Writes OUTDIR/{pubmed,embase,scopus,wos}.ris and OUTDIR/truth.csv
(database, source_id, study_id, kind). For bench scripts and tests: ``build``,
``load_truth``, ``asysd_metrics`` (ASySD counting) and ``from_bibtex_like``
(bib-dedupe's pair cases as Record fields).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_synth import Study, copies_of, hard_negatives, make_study  # noqa: E402

from corpus import normalize as nz  # noqa: E402
from corpus.formats.ris import dump  # noqa: E402
from corpus.model import Record  # noqa: E402

SCREENING = ROOT.parent / "shared" / "bench" / "screening"
SOURCES = (SCREENING / "nudging.csv", SCREENING / "wilson.csv")
FALLBACK = ROOT / "review" / "demo" / "data" / "wilson.csv"
DATABASES = ("pubmed", "embase", "scopus", "wos")


def build(outdir: Path | str, seed: int = 1, studies: int | None = None) -> Path:
    """Write the four RIS exports and truth.csv into ``outdir``.

    Args:
        outdir: Folder to create (or reuse); files in it are overwritten.
        seed: Everything random derives from it, so a seed is one benchmark.
        studies: Number of source studies to draw (default: all rows).

    Returns:
        ``outdir`` as a Path.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rows = _rows()
    if studies is not None and studies < len(rows):
        rows = [rows[i] for i in sorted(rng.sample(range(len(rows)), studies))]
    base = [make_study(rng, i, title, abstract) for i, (title, abstract) in enumerate(rows)]
    all_studies: list[Study] = list(base)
    all_studies.extend(hard_negatives(rng, base, start=len(base)))
    per_db: dict[str, list[tuple[Record, str, str]]] = defaultdict(list)
    for study in all_studies:
        for db, record in copies_of(rng, study):
            per_db[db].append((record, study.id, study.kind))
    truth: list[tuple[str, str, str, str]] = []
    for db in DATABASES:
        entries = per_db.get(db, [])
        rng.shuffle(entries)
        records = []
        for n, (record, study_id, kind) in enumerate(entries, start=1):
            record.source_id = f"{db[:2].upper()}{n:06d}"
            records.append(record)
            truth.append((db, record.source_id, study_id, kind))
        (out / f"{db}.ris").write_text(dump(records), encoding="utf-8")
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["database", "source_id", "study_id", "kind"])
        writer.writerows(truth)
    return out


def load_truth(outdir: Path | str) -> dict[tuple[str, str], str]:
    """Read truth.csv as {(database, source_id): study_id}."""
    with (Path(outdir) / "truth.csv").open(newline="", encoding="utf-8") as fh:
        return {(r["database"], r["source_id"]): r["study_id"] for r in csv.DictReader(fh)}


def _rows() -> list[tuple[str, str]]:
    """(title, abstract) per source row, first occurrence of each title only."""
    paths = [p for p in SOURCES if p.exists()] or [FALLBACK]
    seen: set[str] = set()
    rows: list[tuple[str, str]] = []
    for path in paths:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                title = nz.clean(row.get("title"))
                if not title:
                    continue
                key = " ".join(title.lower().split()).rstrip(".")
                if key in seen:
                    continue
                seen.add(key)
                rows.append((title, nz.clean(row.get("abstract")) or ""))
    return rows


def asysd_metrics(
    truth: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]
) -> dict[str, float | int]:
    """Count as ASySD does: one record kept per predicted group, the rest removed.

    Each true study has one record that should stay and duplicates that should
    go. Per study with ``k`` kept and ``m`` removed records: if ``k >= 1``, one
    kept record is a true negative, the other kept ones are false negatives
    (duplicates left in) and every removed one is a true positive; if
    ``k == 0`` the study was lost, one removed record is a false positive
    (a distinct record removed) and the others true positives. So TP + FN is
    the number of duplicates and TN + FP the number of studies. The kept
    record of a group is its smallest key (deterministic).

    Args:
        truth: record key -> true study id, for every record.
        predicted: record key -> predicted group id; records absent from it
            stay on their own.

    Returns:
        sensitivity, specificity, tp, fp, fn, tn.
    """
    groups: dict[Hashable, list[Hashable]] = defaultdict(list)
    for key in truth:
        groups[predicted.get(key, ("single", key))].append(key)
    kept = {min(members, key=repr) for members in groups.values()}
    records: Counter[Hashable] = Counter()
    kept_per_study: Counter[Hashable] = Counter()
    for key, study in truth.items():
        records[study] += 1
        if key in kept:
            kept_per_study[study] += 1
    tp = fp = fn = tn = 0
    for study, n in records.items():
        k = kept_per_study[study]
        if k:
            tn, fn, tp = tn + 1, fn + k - 1, tp + n - k
        else:
            fp, tp = fp + 1, tp + n - 1
    return {
        "sensitivity": tp / (tp + fn) if tp + fn else 1.0,
        "specificity": tn / (tn + fp) if tn + fp else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


_BIBTEX_TYPES = {"article": "JOUR", "inproceedings": "CONF", "conference": "CONF",
                 "proceedings": "CONF", "book": "BOOK", "incollection": "CHAP",
                 "inbook": "CHAP", "phdthesis": "THES", "mastersthesis": "THES",
                 "techreport": "RPRT", "online": "ELEC", "misc": "GEN"}  # fmt: skip


def from_bibtex_like(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Map a BibTeX-like dict (bib-dedupe's pair cases) to Record field names.

    ``author`` is ``A and B`` or ``A; B``; ``booktitle`` stands in for a
    missing journal (the venue is what matters for deduplication); the
    entry type becomes a RIS type as the importers would store it.
    """

    def get(name: str) -> str | None:
        value = entry.get(name)
        return str(value) if value not in (None, "") else None

    author = get("author") or ""
    parts = author.split(" and ") if " and " in author else author.split(";")
    kind = (get("ENTRYTYPE") or "").lower()
    return {
        "title": nz.clean(get("title")),
        "abstract": nz.clean(get("abstract")),
        "authors": [p.strip() for p in parts if p.strip()],
        "year": nz.year(get("year")),
        "journal": nz.clean(get("journal") or get("booktitle")),
        "volume": nz.clean(get("volume")),
        "issue": nz.clean(get("number") or get("issue")),
        "pages": nz.pages(get("pages")),
        "doi": nz.doi(get("doi")),
        "pmid": nz.pmid(get("pmid")),
        "language": nz.clean(get("language")),
        "type": _BIBTEX_TYPES.get(kind, kind.upper() or None),
        "url": nz.clean(get("url")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--studies", type=int, default=None)
    args = parser.parse_args(argv)
    out = build(args.outdir, args.seed, args.studies)
    truth = load_truth(out)
    per_db = Counter(db for db, _ in truth)
    print(f"{len(truth)} records, {len(set(truth.values()))} studies -> {out}")
    print("  " + ", ".join(f"{db}: {n}" for db, n in sorted(per_db.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
