"""Mutating real export files line by line, for the parsers' property tests."""

from __future__ import annotations

import random

from hypothesis import strategies as st

from corpus.model import FIELDS


def mutate_lines(text: str, data: st.DataObject) -> str:
    """Return ``text`` with 1-6 random line edits: delete, duplicate, swap, shuffle, cut."""
    lines = text.split("\n")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    for _ in range(data.draw(st.integers(1, 6))):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = data.draw(st.sampled_from(["delete", "duplicate", "swap", "shuffle", "cut"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "shuffle":
            rng.shuffle(lines)
        else:
            lines = lines[:i] + [lines[i][: rng.randrange(len(lines[i]) + 1)]]
    return "\n".join(lines)


#: Fields a RIS dump of a MEDLINE or Web of Science record keeps exactly (their
#: type names are not RIS codes and are written as GEN; URLs are not written).
ROUND_TRIP_FIELDS: tuple[str, ...] = (
    *(name for name in FIELDS if name not in ("type", "url")),
    "source_id",
)
