"""Shared fixtures: a fresh review folder and a CLI runner bound to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from review.cli.root import cli

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"


@pytest.fixture(autouse=True)
def _no_ambient_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a review from the developer's environment."""
    monkeypatch.delenv("REVIEW_PROJECT", raising=False)


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Result]:
    """Run ``review --project <tmp review> ARGS`` in-process (the review is created)."""
    project = tmp_path / "rev"
    runner = CliRunner()
    created = runner.invoke(cli, ["init", str(project)])
    assert created.exit_code == 0, created.output

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--project", str(project), *args], catch_exceptions=False)

    invoke.project = project  # type: ignore[attr-defined]
    return invoke
