"""The parser contract, once for every import format (tests/parser_support.py).

Each format's own test module keeps what is particular to it (vendor
dialects, messages, tag soup); here every parser must: read its sample
exports into records with titles, refuse a damaged sample with one line that
names the file and line, and let nothing but ImportFormatError escape
whatever text it is fed.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import ImportFormatError
from corpus.model import Record
from tests.fuzzing import mutate_lines
from tests.parser_support import FORMATS, Format, only_import_errors, text_of

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BY_NAME = pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
SAMPLES = [(f, name) for f in FORMATS for name in f.samples]


@pytest.mark.parametrize("fmt,name", SAMPLES, ids=[f"{f.name}-{n}" for f, n in SAMPLES])
def test_sample_reads_into_records_with_titles(fmt: Format, name: str) -> None:
    records = fmt.parse(text_of(name), name)
    assert records and all(isinstance(r, Record) for r in records)
    assert all(r.title for r in records)
    assert all(r.line is not None and r.line >= 1 for r in records)


@BY_NAME
def test_damaged_sample_is_one_line_naming_file_and_line(fmt: Format) -> None:
    name = fmt.samples[0]
    text = text_of(name)
    with pytest.raises(ImportFormatError) as err:
        fmt.parse(text[: len(text) // 2], name)
    message = str(err.value)
    assert "\n" not in message
    assert err.value.line is not None
    assert message.startswith(f"{name}:{err.value.line}")


@BY_NAME
@FUZZ
@given(text=st.text())
def test_random_text(fmt: Format, text: str) -> None:
    only_import_errors(fmt.parse, text, fmt.fuzz_path)


@BY_NAME
@FUZZ
@given(data=st.data())
def test_mutated_samples(fmt: Format, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(fmt.samples))
    only_import_errors(fmt.parse, mutate_lines(text_of(name), data), fmt.fuzz_path)


@BY_NAME
@FUZZ
@given(data=st.binary(max_size=2000), codec=st.sampled_from(["utf-8", "latin-1", "utf-16-le"]))
def test_random_bytes_decoded(fmt: Format, data: bytes, codec: str) -> None:
    only_import_errors(fmt.parse, data.decode(codec, errors="replace"), fmt.fuzz_path)


# --- the contract check can fail --------------------------------------------------------


def _traceback(text: str, path: str) -> list[Record]:
    raise KeyError("TI")


def _two_lines(text: str, path: str) -> list[Record]:
    raise ImportFormatError(path, "bad\nrecord", line=1)


def _other_file(text: str, path: str) -> list[Record]:
    raise ImportFormatError("elsewhere.txt", "bad record", line=1)


def _nothing(text: str, path: str) -> list[Record]:
    return []


def test_contract_refuses_a_traceback() -> None:
    with pytest.raises(KeyError):
        only_import_errors(_traceback, "x", "fuzz.txt")


@pytest.mark.parametrize("parse", [_two_lines, _other_file, _nothing])
def test_contract_refuses_bad_messages_and_empty_results(parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AssertionError):
        only_import_errors(parse, "x", "fuzz.txt")
