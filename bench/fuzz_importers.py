"""Fuzzing every export parser and the protocol loader under hypothesis.

Usage: python bench/fuzz_importers.py [--examples 10000] [--seed 20240601]
                                      [--targets ris,medline,...,protocol]

Each target is fed text made from the real exports in tests/fixtures/exports
(protocol: the bundled templates): byte splices run through the importer's
own decoding, line edits (delete, duplicate, swap, shuffle, cut), TOML values
replaced by odd ones, and random text after a format header. Everything runs
in memory: the parsers are the ``parse(text, path)`` functions that
``corpus.importer.parse_bytes`` calls (called directly, so that the importer's
safety net cannot hide a parser bug), and the protocol loader is
``protocols.loader.parse(text, path)``, the function ``load`` uses.

The property, per example: parsing either succeeds or raises the target's user
error (ImportFormatError; ProtocolError) whose message is one non-empty line
that starts with the file name. Any other exception is a traceback. The
script prints one line per target and exits 1, after printing the shortest
counterexample of each kind, if any traceback or bad message was found.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.errors import ImportFormatError  # noqa: E402
from corpus.formats import FORMATS, detect, parser_for  # noqa: E402
from corpus.textio import decode  # noqa: E402
from protocols.loader import ProtocolError, template_names, template_text  # noqa: E402
from protocols.loader import load as load_protocol  # noqa: E402
from protocols.loader import parse as parse_protocol  # noqa: E402
from tests.fuzzing import mutate_lines  # noqa: E402

EXPORTS = ROOT / "tests" / "fixtures" / "exports"

HEADERS: dict[str, str] = {
    "ris": "TY  - JOUR\n",
    "medline": "PMID- 1\n",
    "wos": "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n",
    "bibtex": "@article{x,\n",
    "endnote-xml": '<?xml version="1.0"?><xml><records><record>',
    "csv": "title,abstract,authors,year,doi\n",
    "protocol": "[review]\ntitle = 'x'\n",
}

#: Odd TOML values put in place of a real one, to reach the schema's checks.
TOML_VALUES = [
    '""',
    '" "',
    "0",
    "-1",
    "1.5",
    "inf",
    "nan",
    "true",
    "[]",
    "{}",
    '["a", "a"]',
    "[1, 2]",
    '[[1], ["a"]]',
    "{ a = 1 }",
    "1979-05-27",
    '"\\u0000"',
    '"x\\ny"',
    "99999999999999999",
]


@dataclass
class Tally:
    """What one target's run saw."""

    examples: int = 0
    errors: int = 0
    messages: set[str] = field(default_factory=set)
    slowest: float = 0.0
    #: kind ("traceback" or "bad message") -> list of (input, detail)
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def fail(self, kind: str, text: str, detail: str) -> None:
        self.failures.setdefault(kind, []).append((text, detail))


@dataclass
class Target:
    name: str
    file: str
    error: type[Exception]
    call: Callable[[str, str], object]
    samples: list[bytes]


def _formats_of_samples() -> dict[str, list[bytes]]:
    """Group the real exports by the format the importer detects in them."""
    groups: dict[str, list[bytes]] = {fmt: [] for fmt in FORMATS}
    for path in sorted(EXPORTS.iterdir()):
        if not path.is_file() or path.suffix == ".md":
            continue
        data = path.read_bytes()
        groups[detect(decode(data, path.name), path.name)].append(data)
    return groups


def targets() -> list[Target]:
    groups = _formats_of_samples()
    found = [
        Target(fmt, f"fuzz.{fmt}", ImportFormatError, parser_for(fmt), groups[fmt] or [b""])
        for fmt in FORMATS
    ]
    templates = [template_text(name).encode("utf-8") for name in template_names()]
    found.append(Target("protocol", "protocol.toml", ProtocolError, parse_protocol, templates))
    return found


def _new_value(lines: list[str], i: int, rng: random.Random, data: st.DataObject) -> None:
    """key = value (TOML), TAG - value (RIS/MEDLINE), field = {value} (BibTeX)."""
    for sep in (" = ", "- ", ","):
        if sep in lines[i]:
            head = lines[i].split(sep, 1)[0]
            value = data.draw(st.sampled_from(TOML_VALUES) | st.text(max_size=20))
            lines[i] = f"{head}{sep}{value}"
            return


def _junk(lines: list[str], i: int, rng: random.Random, data: st.DataObject) -> None:
    at = rng.randrange(len(lines[i]) + 1)
    lines[i] = lines[i][:at] + data.draw(st.text(max_size=12)) + lines[i][at:]


def _mutate_lines(text: str, data: st.DataObject) -> str:
    """The property tests' line edits, plus a new value and junk (tests/fuzzing.py)."""
    return mutate_lines(text, data, {"value": _new_value, "junk": _junk})


def _splice(sample: bytes, data: st.DataObject) -> bytes:
    """Cut the file somewhere and put random bytes in (as tests/unit/test_import_fuzz.py)."""
    cut = data.draw(st.integers(0, len(sample)))
    junk = data.draw(st.binary(max_size=40))
    where = data.draw(st.integers(0, len(sample)))
    return sample[:where] + junk + sample[where:cut] if where < cut else sample[:cut] + junk


def run_target(target: Target, examples: int, seed_value: int) -> tuple[Tally, float]:
    tally = Tally()
    header = HEADERS[target.name]
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-protocol-")) / target.file

    def check(text: str, raw: bytes | None = None) -> None:
        tally.examples += 1
        started = time.perf_counter()
        name = target.file
        try:
            if raw is None:
                target.call(text, name)
            elif target.name == "protocol":
                # Bytes go through load(), which reads and decodes the file.
                scratch.write_bytes(raw)
                name = str(scratch)
                load_protocol(scratch)
            else:
                # As corpus.importer.parse_bytes: decode, then the parser.
                target.call(decode(raw, name), name)
        except target.error as exc:
            shown = text if raw is None else repr(raw)
            message = str(exc)
            tally.errors += 1
            tally.messages.add(message)
            if not message.strip() or "\n" in message or "\r" in message:
                tally.fail("multi-line or empty message", shown, repr(message))
            elif not message.startswith(name):
                tally.fail("message without the file name", shown, repr(message))
        except Exception:  # noqa: BLE001 - any other exception is the finding
            shown = text if raw is None else repr(raw)
            tally.fail("traceback", shown, traceback.format_exc())
        finally:
            tally.slowest = max(tally.slowest, time.perf_counter() - started)

    @seed(seed_value)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(st.sampled_from(target.samples), st.integers(0, 2), st.data())
    def prop(sample: bytes, how: int, data: st.DataObject) -> None:
        if how == 0:
            check("", _splice(sample, data))
        elif how == 1:
            text = sample.decode("utf-8-sig", errors="replace")
            if target.name != "protocol":
                text = decode(sample, target.file)
            check(_mutate_lines(text, data))
        else:
            check(header + data.draw(st.text(max_size=400)))

    started = time.perf_counter()
    try:
        prop()
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    return tally, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=10_000, help="examples per target")
    parser.add_argument("--seed", type=int, default=20240601, help="hypothesis seed")
    parser.add_argument("--targets", default="", help="comma-separated subset of targets")
    args = parser.parse_args(argv)

    chosen = [t for t in targets() if not args.targets or t.name in args.targets.split(",")]
    if not chosen:
        parser.error(f"no such target in {args.targets!r}")
    failed = False
    for target in chosen:
        tally, elapsed = run_target(target, args.examples, args.seed)
        tracebacks = len(tally.failures.get("traceback", []))
        bad = sum(len(v) for k, v in tally.failures.items() if k != "traceback")
        print(
            f"{target.name}: {tally.examples} examples in {elapsed:.1f} s, "
            f"{tracebacks} tracebacks, {bad} bad messages, "
            f"{tally.errors} one-line errors ({len(tally.messages)} distinct), "
            f"slowest {tally.slowest * 1000:.0f} ms",
            flush=True,
        )
        for kind, cases in sorted(tally.failures.items()):
            failed = True
            text, detail = min(cases, key=lambda case: len(case[0]))
            print(f"  first {kind} ({len(cases)} in all), shortest input {text!r}:")
            print("    " + detail.rstrip().replace("\n", "\n    "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
