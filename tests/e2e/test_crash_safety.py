"""Crash safety: ``kill -9`` in the middle of a write leaves review.db sound.

Each test starts a real process that writes to a review (an import, a dedup
run, a loop of screening decisions, a loop of extraction writes), kills it
with SIGKILL while it is inside the work, then opens the review normally and
checks that ``review check`` finds nothing and that the interrupted
operation is all-or-nothing.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from corpus import db as corpus_db
from review.cli.root import cli
from review.core.integrity import check
from tests.extraction_support import included_review

ROOT = Path(__file__).resolve().parents[2]
REVIEW = Path(sys.executable).parent / "review"
ENV = {k: v for k, v in os.environ.items() if k != "REVIEW_PROJECT"} | {
    "HF_HUB_OFFLINE": "1",
    "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
}


def ris(n: int, tag: str = "") -> str:
    return "".join(
        f"TY  - JOUR\nTI  - Crash safety study number {i}{tag}\nAU  - Author{i}, A.\n"
        f"PY  - 2020\nDO  - 10.1000/crash.{i}\nAB  - Abstract of study {i}.\n"
        f"ID  - pm-{i}{tag}\nER  - \n\n"
        for i in range(n)
    )


def new_review(tmp_path: Path) -> Path:
    root = tmp_path / "rev"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    return root


def start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT
    )


def wait_for(proc: subprocess.Popen[str], marker: str) -> list[str]:
    """Read stdout lines until one starts with ``marker``; return the lines read."""
    assert proc.stdout is not None
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"worker ended before {marker!r}: {err}")
        lines.append(line.strip())
        if line.startswith(marker):
            return lines


def wait_for_wal(proc: subprocess.Popen[str], db: Path, grow: int = 1 << 20) -> None:
    """Wait until the write-ahead log has grown by ``grow`` bytes: a big write is under way."""
    wal = db.with_name(db.name + "-wal")
    before = wal.stat().st_size if wal.exists() else 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > before + grow:
            return
        time.sleep(0.005)


def kill(proc: subprocess.Popen[str]) -> list[str]:
    """SIGKILL the process; return the stdout lines it had written."""
    os.kill(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the process finished before it was killed"
    return out.splitlines()


def sound(path: Path):  # noqa: ANN201 - a sqlite_utils Database
    db = corpus_db.connect(path)
    problems = check(db)
    assert problems == [], [p.message for p in problems]
    return db


def test_kill_during_import_keeps_all_or_nothing(tmp_path: Path) -> None:
    root = new_review(tmp_path)
    source = tmp_path / "big.ris"
    source.write_text(ris(100000), encoding="utf-8")
    proc = start([str(REVIEW), "--project", str(root), "import", "--no-embed", str(source)])
    wait_for_wal(proc, root / "review.db")
    time.sleep(random.uniform(0.0, 0.5))
    kill(proc)
    db = sound(root / "review.db")
    try:
        sources = db.execute("SELECT id, record_count FROM sources").fetchall()
        for sid, count in sources:
            got = db.execute("SELECT COUNT(*) FROM records WHERE source_ref = ?", [sid]).fetchone()
            assert got[0] == count
        total = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        assert total == sum(count for _, count in sources)
    finally:
        db.close()


def test_kill_during_dedup_keeps_each_merge_whole(tmp_path: Path) -> None:
    root = new_review(tmp_path)
    for tag in ("", " "):
        path = tmp_path / f"copy{len(tag)}.ris"
        path.write_text(ris(30000, tag), encoding="utf-8")
        res = CliRunner().invoke(cli, ["--project", str(root), "import", "--no-embed", str(path)])
        assert res.exit_code == 0, res.output
    proc = start([str(REVIEW), "--project", str(root), "dedup", "--auto", "--no-vectors"])
    wait_for_wal(proc, root / "review.db")
    time.sleep(random.uniform(0.0, 0.5))
    kill(proc)
    db = sound(root / "review.db")
    try:
        for merge in corpus_db.merges(db):
            if merge["undone_at"]:
                continue
            for rid in merge["moved_records"]:
                group = db.execute("SELECT group_id FROM records WHERE id = ?", [rid]).fetchone()
                assert group is not None
                assert group[0] != merge["from_group"], merge
    finally:
        db.close()


SCREEN = """
import sys
from corpus import db as corpus_db
from screening import db as sdb
from screening.blind import viewer
from screening.decide import decide
db = corpus_db.connect(sys.argv[1])
who = viewer(db, "r1", blind=True, required=2)
groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id")]
for n in range(10**6):
    label = ("include", "exclude")[n // len(groups) % 2]  # each call changes the decision
    decide(db, who, groups[n % len(groups)], sdb.TITLE_ABSTRACT, label)
    print("done", n + 1, flush=True)
"""


def last_done(lines: list[str]) -> int:
    """The last ``done N`` the killed writer printed whole (at least the 20 waited for).

    The kill can land while a block of its output is flushed, leaving a last
    line cut short ("done"): that write may have committed, which the
    ``committed + 1`` the tests allow covers.
    """
    done = [int(m.group(1)) for line in lines if (m := re.fullmatch(r"done (\d+)", line.strip()))]
    return max(done, default=20)


def test_kill_during_screening_writes_loses_no_committed_decision(tmp_path: Path) -> None:
    root = new_review(tmp_path)
    source = tmp_path / "studies.ris"
    source.write_text(ris(50), encoding="utf-8")
    for args in (["import", "--no-embed", str(source)], ["reviewer", "add", "r1"]):
        res = CliRunner().invoke(cli, ["--project", str(root), *args])
        assert res.exit_code == 0, res.output
    path = root / "review.db"
    proc = start([sys.executable, "-c", SCREEN, str(path)])
    wait_for(proc, "done 20")
    time.sleep(random.uniform(0.0, 0.3))
    committed = last_done(kill(proc))
    db = sound(path)
    try:
        logged = db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
        assert committed <= logged <= committed + 1
    finally:
        db.close()


EXTRACT = """
import sys
from protocols.form import build_form
from review.core.context import open_context
from review.extraction.write import set_values
c = open_context(sys.argv[1], "lead")
form = build_form(c.protocol)
group = int(sys.argv[2])
for n in range(10**6):
    items = [(("country", 0, ""), f"Country {n}"), (("population", 0, ""), f"Population {n}")]
    set_values(c.db, c.protocol, form, c.viewer, group, items)
    print("done", n + 1, flush=True)
"""


def test_kill_during_extraction_writes_keeps_each_batch_whole(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, include=1)
    proc = start([sys.executable, "-c", EXTRACT, str(project), str(groups[0])])
    wait_for(proc, "done 20")
    time.sleep(random.uniform(0.0, 0.3))
    committed = last_done(kill(proc))
    db = sound(project / "review.db")
    try:
        values = db.execute("SELECT COUNT(*) FROM extraction_values").fetchone()[0]
        audits = db.execute(
            "SELECT COUNT(*) FROM audit WHERE action = 'extraction.set'"
        ).fetchone()[0]
        assert values == 2 * audits
        assert committed <= audits <= committed + 1
    finally:
        db.close()
