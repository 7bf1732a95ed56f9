"""The text a record is ranked by, and its TF-IDF matrix.

``features`` caches the matrix per review and keys the cache on the source
of ``tfidf_features``: a retuned vectorizer rebuilds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def record_text(title: str | None, abstract: str | None) -> str:
    """Return the text a record is ranked by: title then abstract."""
    return f"{(title or '').strip()}. {(abstract or '').strip()}"


def tfidf_features(texts: Sequence[str]) -> Any:
    """Return a sparse TF-IDF matrix (word 1-2 grams, sublinear tf), one row per text.

    Bigrams carry much of the topical signal in titles ("randomised trial");
    sublinear tf keeps long abstracts from dominating.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.95, strip_accents="unicode"
    )
    try:
        return vectorizer.fit_transform(list(texts)).tocsr()
    except ValueError:
        # Tiny or empty corpora: min_df=2 can leave no terms at all.
        fallback = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        return fallback.fit_transform([t or "empty" for t in texts]).tocsr()
