"""Layering and start-up contracts: the core runs without the TUI or torch."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_hold() -> None:
    """review -> screening -> corpus -> protocols; only review imports textual/click."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = result.stdout.count(" KEPT")
    assert contracts >= 4 and f"{contracts} kept, 0 broken" in result.stdout


def test_help_imports_neither_torch_nor_textual() -> None:
    code = (
        "import sys\n"
        "from review.cli.root import cli\n"
        "try:\n    cli(['--help'], prog_name='review')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'textual', 'sentence_transformers', 'faiss', "
        "'pypdf', 'pyzotero', 'sqlite_utils', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out


def test_console_script_is_installed() -> None:
    """The ``review`` entry point works (its start-up time: bench/cli_startup.py)."""
    review = Path(sys.executable).parent / "review"
    result = subprocess.run([str(review), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "import" in result.stdout and "demo" in result.stdout


SQL_CALLS = ("execute(", "executescript(", "executemany(")


def sql_outside_db_modules() -> list[str]:
    """Return ``path:line`` of every SQL call outside a ``db.py`` module or ``db/`` package."""
    found: list[str] = []
    for package in ("review", "screening", "corpus", "protocols"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if path.name == "db.py" or "db" in rel.parts[:-1]:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if any(call in line for call in SQL_CALLS):
                    found.append(f"{rel}:{number}")
    return found


def test_sql_runs_only_in_db_modules() -> None:
    """One module (or package) per layer holds SQL: the UI and the CLI never do."""
    assert sql_outside_db_modules() == []


def test_sql_check_sees_a_stray_query(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The check above can fail: a query written in a screen module is reported."""
    stray = ROOT / "review" / "tui" / "_stray_sql_probe.py"
    stray.write_text('def f(db):\n    return db.execute("SELECT 1")\n', "utf-8")
    try:
        assert "review/tui/_stray_sql_probe.py:2" in sql_outside_db_modules()
    finally:
        stray.unlink()


def test_commands_never_import_the_root() -> None:
    """Command modules import review.cli.options, never review.cli.root (no cycle)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "review" / "cli" / "commands").glob("*.py"))
        if "review.cli.root" in path.read_text("utf-8")
    ]
    assert offenders == []


def test_root_lists_every_command_with_its_own_help() -> None:
    """The lazy root's table names real commands, and its one-line help is theirs."""
    from review.cli.root import COMMANDS, load_command

    for name, (_, _, summary) in COMMANDS.items():
        command = load_command(name)
        first = (command.help or "").strip().splitlines()[0]
        assert first == summary, f"{name}: table says {summary!r}, command says {first!r}"


def test_status_loads_neither_numpy_nor_scipy(tmp_path: Path) -> None:
    """``review status`` stays within its 0.3 s budget: no numpy (sqlite-utils) or scipy."""
    review = Path(sys.executable).parent / "review"
    project = tmp_path / "rev"
    subprocess.run([str(review), "init", str(project)], check=True, capture_output=True)
    ris = tmp_path / "a.ris"
    ris.write_text("TY  - JOUR\nTI  - A study of things\nPY  - 2020\nER  - \n", "utf-8")
    subprocess.run(
        [str(review), "--project", str(project), "import", "--no-embed", str(ris)],
        check=True,
        capture_output=True,
    )
    code = (
        "import sys\n"
        "from review.cli.root import cli\n"
        f"try:\n    cli(['--project', {str(project)!r}, 'status', '--json'], prog_name='review')\n"
        "except SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('numpy', 'scipy', 'sklearn', 'torch') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert '"records": 1' in out and "HEAVY []" in out


def test_numpy_still_loads_after_the_sqlite_utils_guard() -> None:
    """The guard only hides numpy from sqlite-utils' import-time probe."""
    code = (
        "import corpus, sys\n"
        "import sqlite_utils.db as sdb\n"
        "assert 'numpy' not in sys.modules and sdb.np is None\n"
        "import numpy\n"
        "db = sdb.Database(memory=True)\n"
        "db.execute('CREATE TABLE t (x INTEGER)')\n"
        "db.execute('INSERT INTO t VALUES (?)', [int(numpy.int64(3))])\n"
        "print('OK', db.execute('SELECT x FROM t').fetchone()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "OK 3" in out


PACKAGES = ("review", "screening", "corpus", "protocols")
FRONT_ENDS = ("review.cli", "review.serve", "review.tui")
#: What one front end may take from another: the screen table (plain data) and the
#: entry points a command starts (the app factory, the server).
SHARED_FRONT_END = ("review.tui.registry", "review.tui", "review.serve", "review.serve.server")


def imported_modules(path: Path) -> set[str]:
    """Return the modules ``path`` imports (absolute names, ``from x import y`` as x)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def front_end_crossings(root: Path = ROOT) -> list[str]:
    """Return ``file: module`` for each import of one front end's module by another."""
    crossings = []
    for front in FRONT_ENDS:
        for path in sorted((root / Path(*front.split("."))).rglob("*.py")):
            for module in sorted(imported_modules(path)):
                others = [f for f in FRONT_ENDS if f != front]
                crosses = any((module + ".").startswith(f + ".") for f in others)
                if crosses and module not in SHARED_FRONT_END:
                    crossings.append(f"{path.relative_to(root)}: {module}")
    return crossings


def test_front_ends_share_nothing_but_the_screen_table() -> None:
    """A job both the CLI and a screen need lives in review.session, never in a front end."""
    assert front_end_crossings() == []


def test_front_end_check_sees_a_crossing(tmp_path: Path) -> None:
    """The check above can fail: a command importing a screen's helper is reported."""
    commands = tmp_path / "review" / "cli"
    commands.mkdir(parents=True)
    (commands / "probe.py").write_text("from review.tui.screens.dashboard import x\n", "utf-8")
    assert front_end_crossings(tmp_path) == ["review/cli/probe.py: review.tui.screens.dashboard"]


def oversized(root: Path = ROOT, max_lines: int = 600, max_docstring: int = 40) -> list[str]:
    """Return the source files over ``max_lines`` lines or with a longer module docstring."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            text = path.read_text("utf-8")
            doc = ast.get_docstring(ast.parse(text), clean=False) or ""
            lines, doc_lines = text.count("\n"), len(doc.splitlines())
            if lines > max_lines or doc_lines > max_docstring:
                found.append(f"{path.relative_to(root)}: {lines} lines, docstring {doc_lines}")
    return found


def test_modules_stay_small_and_docstrings_short() -> None:
    """Modules under 600 lines, module docstrings under 40: method notes go to docs/methods/."""
    assert oversized() == []


def test_size_check_sees_a_long_docstring(tmp_path: Path) -> None:
    """The check above can fail: a 41-line module docstring is reported."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "essay.py").write_text('"""' + "note\n" * 41 + '"""\n', "utf-8")
    assert oversized(tmp_path) == ["corpus/essay.py: 42 lines, docstring 41"]
