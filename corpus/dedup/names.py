"""Author names as vendors write them, reduced to what identifies a person.

``Müller, H.``, ``H. Müller``, ``Muller H``, ``MÜLLER Hans`` and ``Müller,
Hans J.`` are one author; ``Hall, Laura`` and ``Hall, Gillian`` are two. A
name becomes its surname words and its given-name initials; two names match
when they share a surname word and one's initials are within the other's.
Names repeat across records, so parsing is cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Greek letters as words, so "TNF-α" meets "TNF-alpha".
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "ω": "omega",
}  # fmt: skip
# Letters NFKD does not decompose; apostrophes dropped; Greek letters spelt out.
_FOLD = str.maketrans(
    {
        "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i", "þ": "th",
        "'": None, "’": None, "‘": None, "`": None, "´": None,
        **{g: f" {name} " for g, name in GREEK.items()},
    }
)  # fmt: skip

_PARTICLES = frozenset(
    "van von de der den del della di da dos das du la le el al bin ten ter st vander".split()
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2nd", "3rd"})
_JUNK_AUTHORS = frozenset(
    {"unknown", "anonymous", "anon", "et al", "no authors listed", "author unknown", "na"}
)
_NAME_PUNCT = re.compile(r"[.,\-‐‑–_/()\[\]\"]+")
# "Smith JA", "Smith, J.A.", "Müller, Hans J.", "O'Brien H": one capitalised surname word.
_FAST_NAME = re.compile(
    r"([^\W\d_]+(?:['’][^\W\d_]+)?)"
    r"(?:,? ((?:[A-Z]\.? ?){1,3})|, ([^\W\d_][^\W\d_]+(?: [A-Z]\.?)?))\s*$"
)
# "Tan A.Schulze A.O'Donnell C. P." : authors run together without separators.
_RUN_ON = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z'’])")


def fold(text: str) -> str:
    """Lowercase ASCII with accents stripped (``Müller`` -> ``muller``)."""
    text = text.lower()
    if text.isascii():
        return text.translate(_FOLD) if "'" in text or "`" in text else text
    text = text.translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


#: One parsed name: (surname key, surname words, given-name initials).
Name = tuple[str, frozenset[str], frozenset[str]]


def split_authors(values: object) -> list[str]:
    """Return author strings from a list or one string joined by ``;`` or ``and``."""
    if not values:
        return []
    if isinstance(values, str):
        items = [values]
    elif isinstance(values, list) and len(values) > 1 and isinstance(values[0], str):
        return [v.strip() for v in values if isinstance(v, str)]  # the common case
    else:
        items = [str(v) for v in values if v]  # type: ignore[attr-defined]
    if len(items) == 1:
        one = items[0]
        if ";" in one:
            items = one.split(";")
        elif " and " in one:
            items = one.split(" and ")
    if len(items) > 1:
        return [v.strip() for v in items]
    out: list[str] = []
    for item in items:  # one string: maybe names run together
        if "." in item and _RUN_ON.search(item):
            parts = _RUN_ON.split(item)
            if all(len(p.strip()) > 2 and p.strip()[1] not in ". " for p in parts):  # surnames
                out.extend(parts)
                continue
        out.append(item)
    return [v.strip() for v in out]


@lru_cache(maxsize=1 << 16)
def parse_name(name: str) -> Name | None:
    """Parse one author name as vendors write it; None for "UNKNOWN" and the like.

    Comma: surname before it. No comma: leading initials mean surname last
    (``J. A. Smith``), trailing initials or an upper-case first word mean
    surname first (``Smith JA``, ``MÜLLER Hans``). Otherwise (``Omulo
    Sylvia``) the order is unknown and every word may be the surname.

    Returns:
        (surname key for blocking, surname words for matching, given initials)
    """
    fast = _FAST_NAME.match(name)
    word = fast.group(1) if fast is not None else ""
    if fast is not None and word[0].isupper() and not word.isupper():  # most names: 4x faster
        surname = fold(word.replace("'", "").replace("’", ""))
        if surname not in _PARTICLES and surname not in _SUFFIXES and surname not in _JUNK_AUTHORS:
            initials = fast.group(2)
            if initials:
                letters = frozenset(initials.replace(".", "").replace(" ", "").lower())
            else:
                letters = frozenset([w[0].lower() for w in fast.group(3).split()])
            return surname, frozenset((surname,)), letters
    raw = _NAME_PUNCT.sub(" ", name.replace(",", " | ", 1).replace("'", "").replace("’", ""))
    words = raw.split()
    low = fold(raw).split()
    if len(low) != len(words):  # odd Unicode spacing: lose the case information
        words = low
    if "|" in low:
        cut = low.index("|")
        sur = low[:cut]
        letters = _letters(words[cut + 1 :], low[cut + 1 :])
    else:
        keep = [i for i, w in enumerate(low) if w not in _SUFFIXES]
        words, low = [words[i] for i in keep], [low[i] for i in keep]
        if not words:
            return None
        flags = [_is_initials(w, lw) for w, lw in zip(words, low, strict=True)]
        if len(words) > 1 and len(words[-1]) <= 3 and words[-1].isupper():
            flags[-1] = True  # "Ricci LA": a particle spelling at the end is initials
        if all(flags):  # "LI Z", "WU JA": the first is the surname
            flags[0] = False
        if flags[0]:  # "J. A. Smith"
            cut = flags.index(False)
            sur = [lw for lw, f in zip(low[cut:], flags[cut:], strict=True) if not f]
            letters = _letters(words[:cut], low[:cut])
        elif flags[-1] or (len(words[0]) > 3 and words[0].isupper()):  # "Smith JA", "MÜLLER Hans"
            head = 1
            while head < len(low) and low[head - 1] in _PARTICLES:
                head += 1  # "Van Slyke C": the particle belongs to the surname
            sur = low[:head]
            letters = _letters(words[head:], low[head:])
        else:  # "Omulo Sylvia", "Njenga M. Kariuki": order unknown
            sur = [lw for lw, f in zip(low, flags, strict=True) if not f]
            # A surname alone ("Hillmen", "Shin") says nothing of the initials.
            letters = frozenset(lw[0] for lw in low) if len(low) > 1 else frozenset()
    if not sur or " ".join(sur) in _JUNK_AUTHORS:
        return None
    tokens = frozenset(t for t in sur if t not in _PARTICLES) or frozenset(sur)
    return _first_real(sur), tokens, letters


def _letters(words: list[str], low: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for w, lw in zip(words, low, strict=True):
        if lw in _SUFFIXES:
            continue
        out.update(lw if len(w) == 1 or (len(w) <= 3 and w.isupper()) else lw[0])
    return frozenset(out)


def _is_initials(word: str, low: str) -> bool:
    return len(word) == 1 or (len(word) <= 3 and word.isupper() and low not in _PARTICLES)


def _first_real(tokens: list[str]) -> str:
    for t in tokens:
        if t not in _PARTICLES:
            return t
    return "".join(tokens)


def names_match(a: Name, b: Name) -> bool:
    """Same person: a shared surname word and initials of one within the other's."""
    if a[1].isdisjoint(b[1]):
        return False
    return a[2] <= b[2] or b[2] <= a[2]
