"""Evidence export at scale: seconds to export N included studies x 30 fields to CSV and XLSX.

Usage: python bench/extraction_export.py [--studies 1000]

Builds a review of N one-record studies with a 30-field form (text, number,
integer, choice, multi choice, boolean, date, and one repeating group of
four columns with three rows per study) plus the MMAT checklist (domain,
screening questions and one category's five criteria answered). Every study
is included at both screening stages by one lead (decisions written straight
into the log with executemany, the triggers maintaining the derived tables),
and its values are inserted as value events with
``review.extraction.db.insert_value`` in one transaction, then marked
complete: the same rows ``set_values`` writes, without its per-call checks.
The export itself runs in-process, as ``review export evidence`` does:
``collect`` (every study's state, blind rules applied) then the writer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import db as corpus_db  # noqa: E402
from corpus.model import Record  # noqa: E402
from protocols.checklists import mmat_2018  # noqa: E402
from protocols.form import build_form, item_field_name  # noqa: E402
from protocols.model import Extraction, ExtractionField, Protocol  # noqa: E402
from review.core.migrations import apply_all  # noqa: E402
from review.extraction import db as xdb  # noqa: E402
from review.extraction.export import collect, write_evidence  # noqa: E402
from screening import db as sdb  # noqa: E402
from screening.blind import viewer  # noqa: E402
from screening.decide import add_reviewer  # noqa: E402

TIME = "2024-01-01T00:00:00+00:00"
CHOICES = ("Randomised", "Cohort", "Case-control", "Cross-sectional", "Other")


def form_fields() -> tuple[ExtractionField, ...]:
    """Thirty fields in five sections: 29 plain fields of every type and one group."""
    kinds = ["text", "number", "integer", "choice", "multi_choice", "boolean", "date"]
    out = []
    for i in range(29):
        kind = kinds[i % len(kinds)]
        out.append(
            ExtractionField(
                name=f"f{i:02d}_{kind}",
                label=f"Field {i} ({kind})",
                type=kind,
                choices=CHOICES if "choice" in kind else (),
                section=f"Section {i // 6 + 1}",
                instructions="As reported in the full text.",
            )
        )
    columns = (
        ExtractionField(name="outcome", label="Outcome", type="text"),
        ExtractionField(name="measure", label="Measure", type="choice", choices=CHOICES),
        ExtractionField(name="effect", label="Effect", type="number"),
        ExtractionField(name="n", label="Analysed", type="integer"),
    )
    out.append(
        ExtractionField(
            name="results", label="Results", type="group", section="Results", fields=columns
        )
    )
    return tuple(out)


def value(item: ExtractionField, study: int) -> Any:
    """A plausible value of a field for a study (some text starts with '=' to be neutralised)."""
    kind = item.type
    if kind == "text":
        return f"=text {study}" if study % 50 == 0 else f"Reported value {study} for {item.name}"
    if kind == "number":
        return study / 7
    if kind == "integer":
        return study * 3
    if kind == "choice":
        return CHOICES[study % len(CHOICES)]
    if kind == "multi_choice":
        return list(CHOICES[: 1 + study % 3])
    if kind == "boolean":
        return study % 2 == 0
    return f"20{10 + study % 14:02d}-0{1 + study % 9}-15"


def build(folder: Path, n: int) -> tuple[Any, Protocol]:
    db = corpus_db.connect(folder / "review.db", migrate=False)
    apply_all(db)
    info = corpus_db.SourceInfo("Bench", "bench.ris", "x", "ris", TIME, None, None)
    records = [
        Record(
            title=f"Study {i} of online harms", authors=[f"Author{i}, A.", "Second, B."],
            year=2000 + i % 25, doi=f"10.1000/bench.{i}", abstract=f"Abstract {i}",
        )
        for i in range(n)
    ]  # fmt: skip
    corpus_db.insert_source(db, info, records)
    sdb.apply(db)
    add_reviewer(db, "lead", "lead")
    groups = [g for (g,) in db.execute("SELECT DISTINCT group_id FROM records ORDER BY group_id")]
    with corpus_db.transaction(db) as conn:
        conn.executemany(
            "INSERT INTO decisions (group_id, stage, reviewer, label, time) VALUES (?,?,?,?,?)",
            [
                (g, stage, "lead", "include", TIME)
                for stage in (sdb.TITLE_ABSTRACT, sdb.FULL_TEXT)
                for g in groups
            ],
        )
    checklist = mmat_2018()
    protocol = Protocol(
        title="Bench",
        question="Q",
        template="generic",
        version="1",
        extraction=form_fields(),
        extraction_settings=Extraction(mode="single", fields=form_fields(), checklist=checklist),
    )
    form = build_form(protocol)
    category = checklist.domains[1]
    appraisal = {"mmat_domain": category, "mmat_s1": "Yes", "mmat_s2": "Yes"}
    items = [it for it in checklist.items if it.domain == category]
    with corpus_db.transaction(db):
        for g in groups:
            cells: list[tuple[str, int, str, Any]] = []
            for item in form.fields[:30]:
                if item.type == "group":
                    for row in (1, 2, 3):
                        cells += [(item.name, row, c.name, value(c, g + row)) for c in item.fields]
                else:
                    cells.append((item.name, 0, "", value(item, g)))
            cells += [(k, 0, "", v) for k, v in appraisal.items()]
            cells += [
                (item_field_name(checklist, it.id), 0, "", it.answers[(g + i) % 3])
                for i, it in enumerate(items)
            ]
            for name, row, column, v in cells:
                xdb.insert_value(
                    db, group_id=g, copy="lead", field=name, row=row, column=column, value=v,
                    page=None, quote=None, comment=None, reviewer="lead", protocol_version="1",
                    time=TIME,
                )  # fmt: skip
            xdb.insert_mark(db, g, "lead", "complete", "lead", "1", TIME)
    return db, protocol


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=1000)
    args = parser.parse_args()
    n = args.studies
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        db, protocol = build(folder, n)
        print(f"built {n} included studies in {time.perf_counter() - t:.1f} s")
        lead = viewer(db, "lead", blind=False, required=1)
        times: dict[str, float] = {}
        t = time.perf_counter()
        evidence = collect(db, protocol, lead)
        times["collect"] = time.perf_counter() - t
        assert len(evidence.rows) == n and all(r.plain for r in evidence.rows), "not all included"
        for fmt in ("csv", "xlsx"):
            t = time.perf_counter()
            evidence = collect(db, protocol, lead)
            written = write_evidence(evidence, fmt, folder / f"evidence.{fmt}")
            times[fmt] = time.perf_counter() - t
            size = sum(p.stat().st_size for p in written) / 1e6
            print(f"  {fmt}: {len(written)} file(s), {size:.1f} MB")
        print(
            f"export {n} studies x 30 fields: collect {times['collect']:.2f} s,"
            f" csv {times['csv']:.2f} s, xlsx {times['xlsx']:.2f} s (each including collect)"
        )


if __name__ == "__main__":
    main()
