"""`review demo` on the bundled data, and protocol loading errors."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from protocols.loader import ProtocolError, load, parse, template_names, template_text

ROOT = Path(__file__).resolve().parents[2]


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
    # the demo's protocol is the Wilson disease review's, not a template to fill in
    text = (tmp_path / "d" / "protocol.toml").read_text("utf-8")
    assert "[describe" not in text and not _placeholders(tomllib.loads(text))
    protocol = load(tmp_path / "d" / "protocol.toml")
    assert protocol.template == "demo-wilson"
    shown = subprocess.run(
        [review, "--project", str(tmp_path / "d"), "protocol", "show"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "In patients with Wilson disease" in shown
    assert "D-penicillamine" in shown and "Not Wilson disease" in shown
    valid = subprocess.run(
        [review, "--project", str(tmp_path / "d"), "protocol", "validate"],
        capture_output=True,
        text=True,
    )
    assert valid.returncode == 0 and valid.stdout.strip() == "ok"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _placeholders(data: dict[str, Any]) -> list[str]:
    """Return the protocol's text values holding a [bracketed] placeholder."""
    return [s for s in _strings(data) if "[" in s or "]" in s]


def test_demo_template_is_the_wilson_review_filled_in() -> None:
    text = template_text("demo-wilson")
    assert _placeholders(tomllib.loads(text)) == []
    protocol = parse(text, "demo-wilson")
    frame = protocol.question_frame.elements
    assert "Wilson disease" in frame["population"]
    for drug in ("D-penicillamine", "trientine", "zinc", "tetrathiomolybdate", "chelator"):
        assert drug in frame["intervention"]
    assert "no treatment" in frame["comparator"]
    assert "mortality" in frame["outcome"] and "adverse events" in frame["outcome"]
    ta, ft = protocol.exclusion_reasons("title_abstract"), protocol.exclusion_reasons("full_text")
    assert "Not Wilson disease" in ta and "Animal or in-vitro study" in ta
    assert set(ta) < set(ft) and "Duplicate publication of an included study" in ft
    include = protocol.highlight.include_pattern()
    exclude = protocol.highlight.exclude_pattern()
    assert include is not None and exclude is not None
    assert include.search("Wilson's disease treated with trientine and chelation")
    assert exclude.search("a case report in mice")
    assert not exclude.search("the response rate ratio")  # rat, not rat*


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
