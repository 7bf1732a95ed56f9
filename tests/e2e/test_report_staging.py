"""``review report all`` killed mid-run: the next run removes its staging folder, nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from review.reports.staging import MARK, host_tag, make_staging, remove_stale
from tests.cli_support import ENV, REVIEW
from tests.extraction_support import included_review


def staging_folders(parent: Path) -> list[Path]:
    return sorted(p for p in parent.iterdir() if p.name.startswith(".report."))


def killed_mid_run(project: Path, out: Path) -> list[Path]:
    """Start ``report all`` and kill -9 it once its staging folder exists; return what it left."""
    for _ in range(5):
        proc = subprocess.Popen(
            [str(REVIEW), "--project", str(project), "report", "all", "-o", str(out),
             "--reviewer", "lead"],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if staging_folders(out.parent):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait()
        left = staging_folders(out.parent)
        if left and not out.exists():
            return left
        for path in [out, *left]:
            subprocess.run(["rm", "-rf", str(path)], check=True)
    raise AssertionError("report all always finished before it could be killed")


def test_the_next_run_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path, include=2)
    out = tmp_path / "report"
    left = killed_mid_run(project, out)
    assert left and all(p.is_dir() for p in left)
    done = subprocess.run(
        [str(REVIEW), "--project", str(project), "report", "all", "-o", str(out),
         "--reviewer", "lead"],
        env=ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert staging_folders(tmp_path) == [] and (out / "README.md").exists()


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(proc.stdout)


def test_only_this_tools_stale_staging_folders_are_removed(tmp_path: Path) -> None:
    host = host_tag()
    live = make_staging(tmp_path, "report")  # this process: still writing
    dead = tmp_path / f".report.{MARK}.{host}.{dead_pid()}.abcd_123"
    elsewhere = tmp_path / f".report.{MARK}.00000000.{dead_pid()}.abcd_123"  # another machine
    old = tmp_path / f".other.{MARK}.00000000.12345.zzzzzzzz"
    keep = [
        tmp_path / ".report.abcd_123",  # not named by this tool (or by an older version)
        tmp_path / f".report.{MARK}.notes",
        tmp_path / "report",
    ]
    for folder in (dead, elsewhere, old, *keep):
        folder.mkdir()
        (folder / "decisions.csv").write_text("confidential\n")
    a_file = tmp_path / f".x.{MARK}.{host}.{dead_pid()}.abcdefgh"
    a_file.write_text("not a folder")
    target = tmp_path / "elsewhere-data"
    target.mkdir()
    (target / "precious.txt").write_text("keep")
    link = tmp_path / f".y.{MARK}.{host}.{dead_pid()}.abcdefgh"
    link.symlink_to(target, target_is_directory=True)
    two_days = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days, two_days))
    removed = remove_stale(tmp_path)
    assert sorted(removed) == sorted([dead, old])
    assert not dead.exists() and not old.exists()
    for path in (live, elsewhere, *keep, a_file, link, target / "precious.txt"):
        assert path.exists(), path
    assert (live.stat().st_mode & 0o777) == 0o700
