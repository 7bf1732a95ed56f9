"""What the protocol says is relevant, as text: the cold-start query.

Before the first include there is nothing to learn from, so records are
ranked by similarity to the review question and the include terms
(``[highlight] include``). A wildcard term (``groom*``) is no word a
vectorizer knows, so it is expanded to the forms the review's own texts
use (grooming, groomers) when the features are built.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from protocols.model import Protocol
from protocols.terms import compile_terms
from screening.ranking.catalogue import ModelSpec

#: How many expanded forms of the wildcard terms join the query at most.
MAX_FORMS = 50


@dataclass(frozen=True, slots=True)
class Spec:
    """The protocol settings ranking depends on.

    Attributes:
        question: The review question, its framework elements and research
            questions, one per line.
        include_terms: The protocol's include terms (``*`` ends a word).
        embedding_model: The sentence-embedding model of the review.
        model: A ranking model: a name of ``screening.ranking.MODELS`` or a
            ``ModelSpec`` (the bench's experiments), None for the default.
    """

    question: str
    include_terms: tuple[str, ...] = ()
    embedding_model: str = ""
    model: str | ModelSpec | None = None

    @classmethod
    def from_protocol(cls, protocol: Protocol, model: str | ModelSpec | None = None) -> Spec:
        """Read the question, frame and include terms of a loaded protocol."""
        frame = protocol.question_frame
        parts = [protocol.question, *frame.elements.values(), *frame.research_questions]
        question = "\n".join(p.strip() for p in parts if p and p.strip().strip("?"))
        return cls(question, tuple(protocol.highlight.include), protocol.embedding_model, model)

    @property
    def key(self) -> str:
        """Return a short hash of what the query text is made of (part of cache keys)."""
        raw = "\0".join([self.question, *self.include_terms])
        return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()

    def wildcard_pattern(self) -> re.Pattern[str] | None:
        """Return one regex for the wildcard include terms (None when there are none)."""
        return compile_terms(tuple(t for t in self.include_terms if "*" in t))

    def expand(self, texts: Iterable[str]) -> list[str]:
        """Return the most frequent forms the wildcard terms take in ``texts``."""
        pattern = self.wildcard_pattern()
        if pattern is None:
            return []
        found: Counter[str] = Counter()
        for text in texts:
            found.update(m.group(0).lower() for m in pattern.finditer(text))
        return [form for form, _ in found.most_common(MAX_FORMS)]

    def text(self, forms: Iterable[str] = ()) -> str:
        """Return the query: question, plain include terms and expanded wildcard forms."""
        plain = [t for t in self.include_terms if "*" not in t]
        return "\n".join(part for part in [self.question, *plain, *forms] if part)
