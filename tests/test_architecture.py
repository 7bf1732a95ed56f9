"""Layering and start-up contracts: the core runs without the TUI or torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    """review -> screening -> corpus -> protocols; only review imports textual/click."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


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
