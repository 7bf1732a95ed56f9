"""`review demo` on the bundled data, and protocol loading errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from protocols.loader import ProtocolError, parse, template_names

ROOT = Path(__file__).resolve().parents[1]


def test_demo_creates_review_from_bundled_data(tmp_path: Path) -> None:
    review = str(Path(sys.executable).parent / "review")
    first = subprocess.run([review, "demo", "d"], cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "imported 2333 records" in first.stdout
    status = subprocess.run(
        [review, "--project", str(tmp_path / "d"), "status", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(status.stdout)
    assert data["records"] == 2333
    assert data["sources"][0]["format"] == "csv"
    # running it again reopens, imports nothing twice
    second = subprocess.run([review, "demo", "d"], cwd=tmp_path, capture_output=True, text=True)
    assert second.returncode == 0 and "already exists" in second.stdout


def test_protocol_errors_name_line_and_key() -> None:
    with pytest.raises(ProtocolError, match=r"line 3"):
        parse('[review]\ntitle = "x"\nquestion = = "y"\n', "p.toml")
    with pytest.raises(ProtocolError, match=r"p.toml:2: key review.title"):
        parse('[review]\ntitle = ""\n', "p.toml")
    with pytest.raises(ProtocolError, match=r"missing table \[review\]"):
        parse('title = "x"\n', "p.toml")


def test_templates_parse() -> None:
    assert "generic" in template_names()
    for name in template_names():
        from protocols.loader import template_text

        assert parse(template_text(name), name).title
