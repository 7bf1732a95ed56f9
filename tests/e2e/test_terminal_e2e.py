"""The acceptance path in a real terminal: tmux drives `review screen` by keys.

Needs tmux (installed by .ci/run); the keys pressed must come back exactly, with
reviewer and stage, from `review export decisions`.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terminal_support import BLIND, REVIEW, press, screen_text, tmux, wait_for

RIS = "".join(
    f"TY  - JOUR\nTI  - Study number {n} on online grooming\nAB  - Abstract {n}.\n"
    f"PY  - 2020\nID  - s{n}\nER  - \n\n"
    for n in range(1, 7)
)

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


def test_keys_in_a_real_terminal_become_exactly_these_decisions(tmp_path: Path) -> None:
    project = tmp_path / "rev"
    subprocess.run([REVIEW, "init", str(project)], check=True, capture_output=True)
    (tmp_path / "s.ris").write_text(RIS, encoding="utf-8")
    subprocess.run(
        [REVIEW, "--project", str(project), "import", "--no-embed", str(tmp_path / "s.ris")],
        check=True,
        capture_output=True,
    )
    session = f"e2e{tmp_path.name[-8:]}"
    command = f"{REVIEW} --project {project} screen --reviewer ana"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "screened 0 of 6")
        press(session, "i", expect="screened 1 of 6")
        press(session, "1", expect="screened 2 of 6")  # exclude with reason 1, one key
        press(session, "m", expect="screened 3 of 6")
        press(session, "u", expect="screened 2 of 6")
        press(session, "n", expect="Note")
        press(session, "needs full text check", "Enter")
        press(session, "e", expect="screened 3 of 6")  # exclude at once, no reason
        press(session, "r", expect="just excluded")  # the reason, afterwards
        press(session, "5", expect="reason Wrong study design")
        press(session, "Escape", expect="included 1")
        shown = screen_text(session)
        assert "excluded 2" in shown
        press(session, "q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    out = subprocess.run(
        [REVIEW, "--project", str(project), "export", "decisions", "--reviewer", "ana"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["reviewer"], r["stage"]) for r in rows} == {("ana", "title_abstract")}
    # rows come in study order, not press order: compare as a set
    assert sorted((r["label"], r["reason"], r["note"]) for r in rows) == [
        ("exclude", "Wrong population", ""),
        ("exclude", "Wrong study design", "needs full text check"),
        ("include", "", ""),
    ]
    history = subprocess.run(
        [
            REVIEW,
            "--project",
            str(project),
            "export",
            "decisions",
            "--reviewer",
            "ana",
            "--history",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    labels = [r["label"] for r in csv.DictReader(io.StringIO(history))]
    # the reason set afterwards is a new event of the same exclusion
    assert labels == ["include", "exclude", "maybe", "undo", "exclude", "exclude"]


def test_two_blind_reviewers_in_two_terminals(tmp_path: Path) -> None:
    project = tmp_path / "rev"
    subprocess.run([REVIEW, "init", str(project)], check=True, capture_output=True)
    (project / "protocol.toml").write_text(BLIND, encoding="utf-8")
    (tmp_path / "s.ris").write_text(RIS, encoding="utf-8")
    base = [REVIEW, "--project", str(project)]
    subprocess.run(
        [*base, "import", "--no-embed", str(tmp_path / "s.ris")], check=True, capture_output=True
    )
    subprocess.run([*base, "reviewer", "add", "lea", "--lead"], check=True, capture_output=True)
    tag = tmp_path.name[-8:]
    sessions = {name: f"{name}{tag}" for name in ("ana", "ben")}
    for name, session in sessions.items():
        tmux(
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "80",
            "-y",
            "24",
            f"{REVIEW} --project {project} screen --reviewer {name}",
        )
    try:
        for session in sessions.values():
            wait_for(session, "screened 0 of 6")
        # both see the same first study (shared seed); they disagree on it
        press(sessions["ana"], "i", expect="screened 1 of 6")
        press(sessions["ben"], "e", expect="screened 1 of 6")  # no reasons in this protocol
        for name, session in sessions.items():
            press(session, "Escape", expect="Dashboard")
            shown = screen_text(session)
            other = "ben" if name == "ana" else "ana"
            assert f"{other}:" not in shown, shown
            assert "outcomes hidden" in shown
            press(session, "c", expect="only the lead")
            press(session, "q")
    finally:
        for session in sessions.values():
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    ben_view = subprocess.run(
        [*base, "export", "decisions", "--reviewer", "ben"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "ana" not in ben_view
    lead_view = subprocess.run(
        [*base, "status", "--json", "--reviewer", "lea"], check=True, capture_output=True, text=True
    ).stdout
    assert '"conflicts": 1' in lead_view
