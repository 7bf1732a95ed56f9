"""Two records side by side: the dedup policy, the verdict, and the field comparison.

:class:`Pair` compares two prepared records field by field once, for all the
rules (:mod:`corpus.dedup.versions` for identifiers and versions,
:mod:`corpus.dedup.score` for titles); :class:`DedupPolicy` is the protocol's
``[dedup]`` table; :class:`PairScore` is what a rule answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from rapidfuzz.fuzz import ratio

from corpus.dedup import keys as dk
from corpus.dedup.prepare import (
    Prepared,
    author_relation,
    ranges_overlap,
    title_similarity,
)

Verdict = Literal["duplicate", "distinct", "uncertain"]


#: Title similarity from which titles are near-identical, and close (reworded).
TITLE_SAME = 0.95
TITLE_CLOSE = 0.85
#: Similarity of the abstracts' first 300 characters that counts as the same abstract.
SAME_ABSTRACT = 0.95


@dataclass(frozen=True)
class DedupPolicy:
    """Which kinds of related records stay apart (the protocol's ``[dedup]`` table).

    Reviews differ: a review of Cochrane reviews wants each update, another
    wants one record per review; hence switches, all on by default. With
    ``link_cited_errata`` a correction notice whose record names its article joins
    that article's study (PRISMA 2020 counts studies); notices that name no article,
    retractions and notices of a later year stay apart. Why, and how a notice names
    its article: docs/methods/dedup.md.
    """

    keep_versions_apart: bool = True
    keep_errata_apart: bool = True
    keep_conference_abstracts_apart: bool = True
    keep_preprints_apart: bool = True
    link_cited_errata: bool = True

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> DedupPolicy:
        """Build a policy from a ``[dedup]`` table; unknown keys are errors, not ignored.

        Raises:
            ValueError: naming an unknown key or a value that is not true/false.
        """
        known = [f.name for f in fields(cls)]
        for key, value in table.items():
            if key not in known:
                raise ValueError(
                    f"unknown [dedup] setting {key!r}; known settings: {', '.join(known)}"
                )
            if not isinstance(value, bool):
                raise ValueError(f"[dedup] {key} must be true or false, not {value!r}")
        return cls(**dict(table))


@dataclass(frozen=True)
class PairScore:
    """The scorer's answer for one pair.

    Attributes:
        verdict: ``duplicate`` (safe to merge automatically), ``distinct``,
            or ``uncertain`` (goes to the review queue).
        score: How alike the records are, 0-1, kept consistent with the
            verdict: duplicate >= 0.9, uncertain 0.4-0.85, distinct <= 0.35.
        evidence: Per-field comparison and the rule that fired (JSON-ready).
        reason: One sentence for the review queue and the merge log.
    """

    verdict: Verdict
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


DEFAULT_POLICY = DedupPolicy()


class Pair:
    """Field-by-field comparison of two records, computed once for all rules."""

    __slots__ = tuple(
        "a b t arel afrac ydiff jrel vrel irel prel doi pmid bib differ related ev sim".split()
    )

    def __init__(self, a: Prepared, b: Prepared) -> None:
        self.a, self.b = a, b
        self.t = title_similarity(a, b)
        self.arel, self.afrac = author_relation(a, b)
        self.ydiff = abs(a.year - b.year) if a.year is not None and b.year is not None else None
        self.jrel = rel(a.journal, b.journal, dk.journals_compatible(a.journal, b.journal))
        self.vrel = rel(a.volume, b.volume, a.volume == b.volume)
        self.irel = rel(a.issue, b.issue, a.issue == b.issue)
        self.prel = rel(
            a.first_page,
            b.first_page,
            bool(a.first_page and b.first_page and dk.pages_match(a.first_page, b.first_page)),
        )
        # One article's pages written two ways ("2141-2147" / "2142-2147", "233-8, 230-5" /
        # "230-235+233-238"): two articles of one volume never share a page.
        if (
            self.prel == "conflict"
            and self.vrel == "same"
            and self.jrel != "conflict"
            and ranges_overlap(a, b)
        ):
            self.prel = "overlap"
        doi = rel(a.doi, b.doi, a.doi == b.doi)
        self.doi = "version" if doi == "conflict" and a.doi_base == b.doi_base else doi
        self.pmid = rel(a.pmid, b.pmid, a.pmid == b.pmid)
        # Same journal, volume and first page: one article, whatever the titles say.
        self.bib = self.jrel == "same" and self.vrel == "same" and self.prel == "same"
        # A preprint, conference abstract or erratum next to an article.
        kinds = a.preprint != b.preprint or a.conference != b.conference or a.erratum != b.erratum
        self.ev: dict[str, Any] = {
            "title": None if self.t is None else round(self.t, 3),
            "authors": self.arel,
            "author_overlap": None if self.afrac is None else round(self.afrac, 3),
            "year": [a.year, b.year],
            "journal": self.jrel,
            "volume": self.vrel,
            "pages": self.prel,
            "doi": self.doi,
            "pmid": self.pmid,
        }
        self.sim = similarity(self)
        # The kinds only say "version" when the records themselves differ: Embase calls
        # the MEDLINE record's abstract "Circulation. Conference: ..." and both are one.
        self.differ = own_evidence_differs(self) if kinds else None
        # "Erratum: <title>" is the notice's own title saying what it is.
        if not self.differ and a.erratum != b.erratum and (a.notice_title or b.notice_title):
            self.differ = "title (a notice)"
        self.related = bool(self.differ)
        if self.differ:
            self.ev["versions_differ_in"] = self.differ

    def out(self, verdict: Verdict, rule: str, reason: str) -> PairScore:
        """The answer, with the score capped so it never contradicts the verdict."""
        self.ev["rule"] = rule
        if verdict == "duplicate":
            score = max(self.sim, 0.9)
        elif verdict == "uncertain":
            score = min(max(self.sim, 0.4), 0.85)
        else:
            score = min(self.sim, 0.35)
        return PairScore(verdict, round(score, 3), self.ev, reason)

    @property
    def title(self) -> str:
        return fmt(self.t)


def own_evidence_differs(p: Pair) -> str | None:
    """Name the fields in which a version's own record differs from the other, or None.

    A conference abstract, erratum or preprint is another publication than the
    article only if its record says so: another year, issue, pages, DOI, abstract or
    title, or
    another venue where volume and pages do not tie it to the article's issue. The
    kind alone comes from a venue string or a database's type and is no proof:
    Embase files the abstract that MEDLINE lists under "Circulation" as
    "Circulation. Conference: ..." with the same authors, title, year and volume.
    """
    found = []
    if p.ydiff:
        found.append("year")
    if p.prel == "conflict":
        found.append("pages")
    # "Supplement 1" vs issue 3: the meeting's abstract book, not the article's issue.
    if p.irel == "conflict" and not (p.a.supplement and p.b.supplement):
        found.append("issue")
    elif p.a.supplement != p.b.supplement:
        regular = p.b if p.a.supplement else p.a
        # Page 980 of a regular issue; "A14021" would be an abstract book's page.
        if regular.issue or (regular.first_page and regular.first_page.isdigit()):
            found.append("issue")
    if p.doi in ("conflict", "version") or p.pmid == "conflict":
        found.append("identifiers")
    if p.jrel == "conflict" and not (p.vrel == "same" and p.prel == "same"):
        found.append("venue")
    abstract = abstract_similarity(p)
    if abstract is not None and abstract < SAME_ABSTRACT:
        found.append("abstract")
    # A meeting abstract retitled for the paper: the copies of one record keep its title.
    if p.t is not None and p.t < TITLE_SAME:
        found.append("title")
    return ", ".join(found) or None


def abstract_similarity(p: Pair) -> float | None:
    """Return how alike the two abstracts' openings are, or None if one is missing."""
    if not p.a.abstract_head or not p.b.abstract_head:
        return None
    if "abstract" not in p.ev:
        a, b = dk.key_text(p.a.abstract_head), dk.key_text(p.b.abstract_head)
        p.ev["abstract"] = round(ratio(a, b) / 100, 3)
    return float(p.ev["abstract"])


def policy_merges(p: Pair, policy: DedupPolicy) -> bool:
    """True when the protocol merges every kind of version the two records differ in."""
    a, b = p.a, p.b
    return not (
        (a.erratum != b.erratum and policy.keep_errata_apart)
        or (a.preprint != b.preprint and policy.keep_preprints_apart)
        or (a.conference != b.conference and policy.keep_conference_abstracts_apart)
    )


def rel(x: object, y: object, same: bool) -> str:
    if not x or not y:
        return "missing"
    return "same" if same else "conflict"


def similarity(p: Pair) -> float:
    """Weighted mean of the field similarities that both records have."""
    t, afrac, ydiff = p.t, p.afrac, p.ydiff
    total = weight = 0.0
    if t is not None:
        total, weight = 0.55 * t, 0.55
    if afrac is not None:
        total, weight = total + 0.15 * afrac, weight + 0.15
    if ydiff is not None:
        total += 0.1 * (1.0 if ydiff == 0 else 0.6 if ydiff == 1 else 0.0)
        weight += 0.1
    for rel, w in ((p.jrel, 0.1), (p.vrel, 0.05), (p.prel, 0.05)):
        if rel != "missing":
            total, weight = total + (w if rel == "same" else 0.0), weight + w
    return total / weight if weight else 0.0


def fmt(x: float | None) -> str:
    return "missing" if x is None else f"{x:.2f}"
