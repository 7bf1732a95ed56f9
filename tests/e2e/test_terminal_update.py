"""A second search round, as a new user runs it: the `review` executable and a real terminal.

Round 1 is imported and partly screened; `review update start`, the import of
the update's search and `review dedup --auto` follow; then `review screen` in
tmux offers exactly the round's new studies, one key each, and nothing else.
Needs tmux (installed by .ci/run).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terminal_support import REVIEW, press, tmux, wait_for

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


def ris(numbers: list[int], search: str) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - Online grooming risk study number {n}, cohort {n * 11}\n"
        f"AB  - Abstract {n}.\nPY  - {2010 + n}\nDO  - 10.1000/update.{n}\n"
        f"ID  - {search}-{n}\nER  - \n\n"
        for n in numbers
    )


def test_a_second_search_round_screens_only_its_new_studies(tmp_path: Path) -> None:
    project = tmp_path / "rev"
    base = [REVIEW, "--project", str(project)]

    def run(*args: str) -> str:
        done = subprocess.run([*base, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    subprocess.run([REVIEW, "init", str(project)], check=True, capture_output=True)
    (tmp_path / "first.ris").write_text(ris([1, 2, 3, 4, 5], "first"), encoding="utf-8")
    run("import", "--no-embed", "--search-date", "2026-01-10", str(tmp_path / "first.ris"))
    for n, label in ((1, "include"), (2, "exclude"), (3, "exclude")):
        run("decide", f"source:first-{n}", label, "--reviewer", "ana")
    assert "Opened round 2" in run("update", "start", "--search-date", "2026-06-10")
    # Papers 1 and 4 are found again; 6, 7 and 8 are new.
    (tmp_path / "second.ris").write_text(ris([1, 4, 6, 7, 8], "second"), encoding="utf-8")
    run("import", "--no-embed", str(tmp_path / "second.ris"))
    run("dedup", "--auto", "--no-vectors")
    session = f"upd{tmp_path.name[-8:]}"
    command = f"{REVIEW} --project {project} screen --reviewer ana"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        wait_for(session, "screened 0 of 3")
        press(session, "i", expect="screened 1 of 3")
        press(session, "e", expect="screened 2 of 3")
        press(session, "e", expect="screened 3 of 3")
        wait_for(session, "Nothing left for you to screen")
        press(session, "q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    rows = list(csv.DictReader(io.StringIO(run("export", "records", "--format", "csv"))))
    decided = {r["source_id"]: r["decision_title_abstract"] for r in rows}
    assert {k for k, v in decided.items() if k.startswith("second") and v} == {
        "second-1",  # the same study as first-1: its decision, kept
        "second-6",
        "second-7",
        "second-8",
    }
    assert decided["second-1"] == decided["first-1"] == "include"
    assert not decided["second-4"] and not decided["first-4"]  # round 1's, never screened
    listing = run("update", "list")
    assert listing.splitlines()[2].split()[:8] == ["2", "2026-06-10", "1", "5", "3", "2", "3", "0"]
