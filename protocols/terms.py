"""Highlight and mask terms: checking them and compiling them into regexes.

Terms are written by reviewers, not programmers, so they are plain words and
phrases, never regular expressions: every character is escaped, and only a
``*`` at the end of a word has a meaning (any word ending, ``child*`` matches
child, children and childhood but not schild). Characters that only make sense
in a regex are refused, so a reviewer who writes ``child(ren)`` is told rather
than silently matching nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Characters that suggest a regular expression (or a search syntax) was meant.
_REGEX_CHARS = frozenset("()[]{}|^$\\?")


def term_problem(term: str) -> str | None:
    """Say what is wrong with a highlight or mask term, or None if it is fine.

    Args:
        term: A word or phrase, with an optional ``*`` at the end of words.

    Returns:
        A short explanation for the error message, or None.
    """
    if not term.strip():
        return "a term cannot be empty"
    bad = sorted({c for c in term if c in _REGEX_CHARS})
    if bad:
        return (
            f"{''.join(bad)} not allowed: terms are words and phrases, not regular "
            "expressions (use * at the end of a word for any ending, e.g. child*)"
        )
    for word in term.split():
        if "*" in word.rstrip("*") or word.startswith("*"):
            return "* may only end a word (child* matches children), not start or split one"
        if word.endswith("**"):
            return "use a single * at the end of a word"
    return None


def _term_regex(term: str) -> str:
    parts = []
    for word in term.split():
        if word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"\w*")
        else:
            parts.append(re.escape(word))
    # Lookarounds instead of \b: a term may start or end with a non-word
    # character (".NET", "C++"), where \b would never match.
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


@lru_cache(maxsize=64)
def _compile(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    usable = sorted({t.strip() for t in terms if term_problem(t) is None}, key=len, reverse=True)
    if not usable:
        return None
    # Longest terms first, so that "online grooming" wins over "online".
    return re.compile("|".join(_term_regex(t) for t in usable), re.IGNORECASE)


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Compile terms into one case-insensitive, word-boundary-aware regex.

    Terms that :func:`term_problem` refuses are skipped (the validator has
    already reported them for a loaded protocol).

    Args:
        terms: Words and phrases; ``*`` at the end of a word = any ending.

    Returns:
        A pattern whose matches are the spans to highlight, or None when
        there is nothing to match.
    """
    return _compile(tuple(terms))
