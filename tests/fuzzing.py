"""Mutating real export files line by line, for the parsers' property tests."""

from __future__ import annotations

import random
from collections.abc import Callable

from hypothesis import strategies as st

from corpus.model import FIELDS

#: An extra line edit: ``(lines, index, rng, data) -> None`` changes ``lines`` in place.
LineEdit = Callable[[list[str], int, random.Random, st.DataObject], None]


def mutate_lines(
    text: str, data: st.DataObject, extra: dict[str, LineEdit] | None = None
) -> str:
    """Return ``text`` with 1-6 random line edits: delete, duplicate, swap, shuffle, cut.

    ``extra`` adds named edits to choose from (the fuzzing bench adds new values
    and junk); without it the draws are exactly those of the property tests.
    """
    lines = text.split("\n")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    ops = ["delete", "duplicate", "swap", "shuffle", "cut", *(extra or {})]
    for _ in range(data.draw(st.integers(1, 6))):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = data.draw(st.sampled_from(ops))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "shuffle":
            rng.shuffle(lines)
        elif op == "cut":
            lines = lines[:i] + [lines[i][: rng.randrange(len(lines[i]) + 1)]]
        else:
            (extra or {})[op](lines, i, rng, data)
    return "\n".join(lines)


#: Fields a RIS dump of a MEDLINE or Web of Science record keeps exactly (their
#: type names are not RIS codes and are written as GEN; URLs are not written).
ROUND_TRIP_FIELDS: tuple[str, ...] = (
    *(name for name in FIELDS if name not in ("type", "url")),
    "source_id",
)
