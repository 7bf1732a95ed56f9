"""Whatever bytes arrive, the importer raises only its own error type."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import ImportFormatError
from corpus.importer import parse_bytes

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
SAMPLES = sorted(p.read_bytes() for p in EXPORTS.glob("*") if p.is_file() and p.suffix != ".md")
PREFIXES = [
    b"TY  - JOUR\n",
    b"PMID- 1\n",
    b"FN Clarivate\nVR 1.0\nPT J\n",
    b"@article{x,\n",
    b"<xml><records><record>",
    b"title,abstract\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
]


def _parse(data: bytes) -> None:
    try:
        parse_bytes(data, "fuzz.txt")
    except ImportFormatError as exc:
        assert str(exc).startswith("fuzz.txt")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.binary(max_size=2000))
def test_random_bytes_after_a_format_header(prefix: bytes, tail: bytes) -> None:
    _parse(prefix + tail)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES or [b""]), st.data())
def test_mutated_real_exports(sample: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    junk = data.draw(st.binary(max_size=40))
    where = data.draw(st.integers(0, len(sample)))
    mutated = sample[:where] + junk + sample[where:cut] if where < cut else sample[:cut] + junk
    _parse(mutated)
