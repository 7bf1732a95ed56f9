"""Pair scorer for deduplication: are two records the same publication?

The engine (candidate generation, union-find, storage, undo) calls
:func:`score_pair` on every candidate pair. ``duplicate`` must be very
precise because ``review dedup --auto`` merges on it alone (target:
specificity >= 0.998 with sensitivity >= 0.995, ASySD counting), so rules
decide, in this order, and each answer says which rule fired and why:

1. Same DOI or PMID: duplicate when the titles are compatible; a wrong
   identifier (title, authors and year all differ) is distinct.
2. Versions the protocol keeps apart (``[dedup]`` table): Cochrane updates
   ``.pub2``/``.pub3`` and other versioned DOIs, errata and retraction
   notices, conference abstracts, preprints.
3. Different DOIs or PMIDs: distinct, unless all else is identical
   (uncertain: databases do carry wrong DOIs).
4. Years two or more apart: distinct.
5. Titles: near-identical titles with compatible authors, year (off by one
   for online-first), journal, volume and pages are duplicates; generic
   titles ("Editorial", "Reply") also need the venue and pages to agree;
   reworded or translated titles are duplicates only when journal, volume,
   first page and year agree, otherwise uncertain or distinct.

Missing fields never block a match; conflicting fields do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from rapidfuzz.fuzz import ratio

from corpus import dedup_keys as dk
from corpus.dedup_prepare import Prepared, prepare

__all__ = ["DedupPolicy", "PairScore", "Prepared", "prepare", "score_pair"]

Verdict = Literal["duplicate", "distinct", "uncertain"]

_TITLE_SAME = 0.95
_TITLE_CLOSE = 0.85
_TITLE_RELATED = 0.6
_LONG_TITLE_WORDS = 6


@dataclass(frozen=True)
class DedupPolicy:
    """Which kinds of related records stay apart (the protocol's ``[dedup]`` table).

    Reviews differ: a review of Cochrane reviews wants each update, another
    wants one record per review; hence switches, all on by default.
    """

    keep_versions_apart: bool = True
    keep_errata_apart: bool = True
    keep_conference_abstracts_apart: bool = True
    keep_preprints_apart: bool = True

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
        score: How alike the records are, 0-1, capped by the verdict.
        evidence: Per-field comparison and the rule that fired (JSON-ready).
        reason: One sentence for the review queue and the merge log.
    """

    verdict: Verdict
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


_DEFAULT = DedupPolicy()


def score_pair(a: Prepared, b: Prepared, policy: DedupPolicy = _DEFAULT) -> PairScore:
    """Decide whether two prepared records are the same publication.

    Args:
        a: One record's keys from :func:`prepare`.
        b: The other record's keys.
        policy: Which related versions stay apart.

    Returns:
        The verdict with its score, evidence and one-sentence reason.
    """
    t = _title_sim(a, b)
    arel, afrac = _author_relation(a, b)
    ydiff = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    jrel = _rel(a.journal, b.journal, dk.journals_compatible(a.journal, b.journal))
    vrel = _rel(a.volume, b.volume, a.volume == b.volume)
    prel = _rel(a.first_page, b.first_page, a.first_page == b.first_page)
    doi = _rel(a.doi, b.doi, a.doi == b.doi)
    if doi == "conflict" and a.doi_base == b.doi_base:
        doi = "version"
    pmid = _rel(a.pmid, b.pmid, a.pmid == b.pmid)
    ev: dict[str, Any] = {
        "title": None if t is None else round(t, 3),
        "authors": arel,
        "author_overlap": None if afrac is None else round(afrac, 3),
        "year": [a.year, b.year],
        "journal": jrel,
        "volume": vrel,
        "pages": prel,
        "doi": doi,
        "pmid": pmid,
    }
    sim = _similarity(t, afrac, ydiff, jrel, vrel, prel)
    bib = jrel == "same" and vrel == "same" and prel == "same"
    ctx = _Ctx(ev, sim)

    # 1. Shared identifiers.
    same_version = doi == "version" and not policy.keep_versions_apart
    if doi == "same" or pmid == "same" or same_version:
        what = "DOI" if doi == "same" else ("PMID" if pmid == "same" else "DOI apart from version")
        if a.erratum != b.erratum and policy.keep_errata_apart:
            return ctx.out("distinct", "erratum_same_id", f"same {what} but one record is an "
                           "erratum or retraction notice: kept apart")  # fmt: skip
        if pmid == "conflict" or (doi == "conflict" and what == "PMID"):
            return ctx.out("uncertain", "id_disagree", f"same {what} but the other identifier "
                           "differs")  # fmt: skip
        title_ok = t is None or t >= 0.8 or _subtitle(a, b) or a.translated or b.translated
        if title_ok:
            return ctx.out("duplicate", "same_id", f"same {what} and title {_fmt(t)}")
        if arel == "conflict" or (ydiff is not None and ydiff >= 2):
            return ctx.out("distinct", "wrong_id", f"same {what} but title {_fmt(t)}, authors "
                           "and year differ: one identifier is wrong")  # fmt: skip
        return ctx.out("uncertain", "id_title_differs", f"same {what} but title only {_fmt(t)}")

    # 2. Versions and notices the protocol keeps apart.
    if doi == "version" and policy.keep_versions_apart:
        va, vb = _version(a), _version(b)
        return ctx.out("distinct", "versions", f"versions {va} vs {vb} kept apart")
    if (
        policy.keep_versions_apart
        and a.cochrane
        and b.cochrane
        and ydiff
        and not (a.doi and b.doi)
    ):
        return ctx.out("distinct", "versions", f"Cochrane review versions {a.year} vs {b.year} "
                       "kept apart")  # fmt: skip
    if not bib:
        if a.erratum != b.erratum and policy.keep_errata_apart:
            return ctx.out("distinct", "erratum", "erratum or retraction notice vs the article "
                           "kept apart")  # fmt: skip
        if a.preprint != b.preprint and policy.keep_preprints_apart:
            return ctx.out("distinct", "preprint", "preprint vs journal article kept apart")
        other = b if a.conference else a
        if a.conference != b.conference and other.article and policy.keep_conference_abstracts_apart:
            return ctx.out("distinct", "conference", "conference abstract or paper vs journal "
                           "article kept apart")  # fmt: skip

    # 3. Conflicting identifiers.
    if doi in ("conflict", "version") or pmid == "conflict":
        what = "DOIs" if doi == "conflict" else "PMIDs"
        identical = (
            t is not None and t >= 0.98 and arel == "same" and ydiff == 0
            and "conflict" not in (jrel, vrel, prel)
        )  # fmt: skip
        if identical:
            return ctx.out("uncertain", "id_conflict_identical", f"different {what} but "
                           "identical title, authors and year: one identifier may be wrong")  # fmt: skip
        return ctx.out("distinct", "id_conflict", f"different {what}")

    # 4. Years apart.
    if ydiff is not None and ydiff >= 2:
        return ctx.out("distinct", "years", f"published {a.year} vs {b.year}")

    # 5. Titles.
    if t is None:
        if bib and ydiff == 0 and arel != "conflict":
            return ctx.out("uncertain", "no_title", "a title is missing but journal, volume, "
                           "pages and year agree")  # fmt: skip
        return ctx.out("distinct", "no_title", "a title is missing and nothing else identifies "
                       "the pair")  # fmt: skip
    clash = _title_clash(a, b)
    if clash:
        ev["title_clash"] = clash
    if t >= _TITLE_SAME and not clash:
        return _near_identical(a, b, ctx, t, arel, ydiff, jrel, vrel, prel, bib)
    return _different_titles(a, b, ctx, t, arel, ydiff, bib, clash)


def _near_identical(
    a: Prepared, b: Prepared, ctx: _Ctx, t: float, arel: str, ydiff: int | None,
    jrel: str, vrel: str, prel: str, bib: bool,
) -> PairScore:  # fmt: skip
    """Titles agree: the rest must not contradict and something must corroborate."""
    if arel == "conflict":
        if bib and ydiff == 0:
            return ctx.out("uncertain", "title_authors_differ", f"title {_fmt(t)} and same "
                           "journal, volume, pages but different authors")  # fmt: skip
        return ctx.out("distinct", "title_authors_differ", f"title {_fmt(t)} but different "
                       "authors")  # fmt: skip
    online_first = (a.volume is None) != (b.volume is None) or "1" in (a.first_page, b.first_page)
    conflicts = []
    if jrel == "conflict" and not (vrel == "same" and prel == "same"):
        conflicts.append("journal")
    if vrel == "conflict":
        conflicts.append("volume")
    if prel == "conflict" and not online_first:
        conflicts.append("pages")
    if a.generic or b.generic:
        venue = jrel == "same" and ydiff == 0 and (vrel == "same" or prel == "same")
        if venue and not conflicts:
            return ctx.out("duplicate", "generic_title_venue", f"generic title '{a.title}' "
                           "with the same journal, year and volume or pages")  # fmt: skip
        if conflicts or arel == "missing":
            return ctx.out("distinct", "generic_title", f"generic title '{a.title}' and "
                           f"{', '.join(conflicts) or 'nothing else'} to tell them apart")  # fmt: skip
        return ctx.out("uncertain", "generic_title", f"generic title '{a.title}' without "
                       "journal, volume or pages to confirm")  # fmt: skip
    if conflicts:
        return ctx.out("uncertain", "title_same_fields_differ", f"title {_fmt(t)} but "
                       f"different {', '.join(conflicts)}")  # fmt: skip
    support = arel == "same" or (jrel == "same" and (vrel == "same" or prel == "same"))
    long_title = a.title.count(" ") + 1 >= _LONG_TITLE_WORDS
    if ydiff == 1:
        if arel == "same" and jrel == "same":
            return ctx.out("duplicate", "title_online_first", f"title {_fmt(t)}, same authors "
                           f"and journal, years {a.year}/{b.year} (online first)")  # fmt: skip
        return ctx.out("uncertain", "title_year_off", f"title {_fmt(t)} but years "
                       f"{a.year} vs {b.year}")  # fmt: skip
    if support or (long_title and arel != "partial" and ydiff == 0):
        year = f", year {a.year}" if ydiff == 0 else ""
        who = {"same": ", same authors", "missing": "", "partial": ", authors overlap"}[arel]
        return ctx.out("duplicate", "title", f"title {_fmt(t)}{who}{year}")
    return ctx.out("uncertain", "title_only", f"title {_fmt(t)} but too little else to confirm")


def _different_titles(
    a: Prepared, b: Prepared, ctx: _Ctx, t: float, arel: str, ydiff: int | None, bib: bool,
    clash: str | None,
) -> PairScore:  # fmt: skip
    """Reworded, translated or different titles: the bibliographic fields decide."""
    if bib and ydiff == 0 and arel != "conflict" and not clash:
        if arel != "missing":
            return ctx.out("duplicate", "reworded_title_same_source", f"title {_fmt(t)} "
                           "(reworded or translated) but same journal, volume, pages, year "
                           "and authors")  # fmt: skip
        return ctx.out("uncertain", "reworded_title_same_source", f"title {_fmt(t)} but same "
                       "journal, volume, pages and year")  # fmt: skip
    if arel == "conflict":
        return ctx.out("distinct", "different", f"title {_fmt(t)} and different authors")
    near_year = ydiff is None or ydiff <= 1
    if clash and t >= _TITLE_CLOSE:
        if near_year and arel == "same":
            return ctx.out("uncertain", "title_clash", f"title {_fmt(t)} but {clash} differ")
        return ctx.out("distinct", "title_clash", f"titles differ in {clash}")
    close = t >= _TITLE_CLOSE or _subtitle(a, b)
    if close and near_year:
        return ctx.out("uncertain", "title_close", f"title {_fmt(t)}: reworded or subtitle "
                       "dropped, no journal, volume and pages to confirm")  # fmt: skip
    if near_year and arel != "missing" and (a.translated or b.translated):
        return ctx.out("uncertain", "translated_title", f"translated title ({_fmt(t)}), "
                       "same authors")  # fmt: skip
    if near_year and arel == "same" and a.abstract_head and b.abstract_head:
        abstract = ratio(dk.key_text(a.abstract_head), dk.key_text(b.abstract_head)) / 100
        ctx.ev["abstract"] = round(abstract, 3)
        if abstract >= 0.9:
            return ctx.out("uncertain", "same_abstract", f"title {_fmt(t)} but same authors "
                           f"and abstract {_fmt(abstract)}")  # fmt: skip
    if t >= _TITLE_RELATED and near_year and arel == "same" and not (a.generic or b.generic):
        return ctx.out("uncertain", "title_related", f"related titles ({_fmt(t)}) by the "
                       "same authors")  # fmt: skip
    return ctx.out("distinct", "different", f"titles differ ({_fmt(t)})")


class _Ctx:
    """Carries evidence and similarity so each rule states only its verdict."""

    __slots__ = ("ev", "sim")

    def __init__(self, ev: dict[str, Any], sim: float) -> None:
        self.ev = ev
        self.sim = sim

    def out(self, verdict: Verdict, rule: str, reason: str) -> PairScore:
        self.ev["rule"] = rule
        if verdict == "duplicate":
            score = max(self.sim, 0.9)
        elif verdict == "uncertain":
            score = min(max(self.sim, 0.4), 0.85)
        else:
            score = min(self.sim, 0.35)
        return PairScore(verdict, round(score, 3), self.ev, reason)


def _rel(x: object, y: object, same: bool) -> str:
    if not x or not y:
        return "missing"
    return "same" if same else "conflict"


def _title_sim(a: Prepared, b: Prepared) -> float | None:
    """Best Indel ratio over main and bracketed titles; None when one is missing."""
    if not a.title or not b.title:
        return None
    if a.title == b.title:
        return 1.0
    best = ratio(a.title, b.title)
    if a.title_alt or b.title_alt:
        for x in (a.title, a.title_alt):
            for y in (b.title, b.title_alt):
                if x and y and (x is not a.title or y is not b.title):
                    best = max(best, ratio(x, y))
    return best / 100


def _subtitle(a: Prepared, b: Prepared) -> bool:
    """One title is the other without its subtitle (at least four words kept)."""
    short, long_ = sorted((a.title, b.title), key=len)
    return bool(short) and short.count(" ") >= 3 and long_.startswith(short + " ")


def _title_clash(a: Prepared, b: Prepared) -> str | None:
    """Near-identical titles that still name different studies (part 1/2, men/women)."""
    if a.title == b.title:
        return None
    if dk.title_numbers(a.title) != dk.title_numbers(b.title):
        return "numbers"
    wa, wb = set(a.title.split()), set(b.title.split())
    only_a, only_b = wa - wb, wb - wa
    for word in only_a & dk.CONTRAST.keys():
        if dk.CONTRAST[word] & only_b:
            return "contrasting words"
    return None


def _author_relation(a: Prepared, b: Prepared) -> tuple[str, float | None]:
    """``same``, ``partial``, ``conflict`` or ``missing``, and the overlap fraction.

    The overlap is over the shorter list, because databases truncate author
    lists (``et al.``) but do not invent authors.
    """
    if not a.authors or not b.authors:
        return "missing", None
    if a.author_tokens.isdisjoint(b.author_tokens):
        return "conflict", 0.0
    first = dk.names_match(a.authors[0], b.authors[0])
    short, long_ = (a.authors, b.authors) if len(a.authors) <= len(b.authors) else (b.authors, a.authors)
    matched = 0
    for i, name in enumerate(short):
        if i < len(long_) and dk.names_match(name, long_[i]):
            matched += 1
        elif any(dk.names_match(name, other) for other in long_):
            matched += 1
    frac = matched / len(short)
    if first and frac >= 0.6:
        return "same", frac
    if first or frac >= 0.5:
        return "partial", frac
    return "conflict", frac


def _similarity(
    t: float | None, afrac: float | None, ydiff: int | None, jrel: str, vrel: str, prel: str
) -> float:
    """Weighted mean of the field similarities that both records have."""
    total = weight = 0.0
    if t is not None:
        total, weight = 0.55 * t, 0.55
    if afrac is not None:
        total, weight = total + 0.15 * afrac, weight + 0.15
    if ydiff is not None:
        total += 0.1 * (1.0 if ydiff == 0 else 0.6 if ydiff == 1 else 0.0)
        weight += 0.1
    for rel, w in ((jrel, 0.1), (vrel, 0.05), (prel, 0.05)):
        if rel != "missing":
            total, weight = total + (w if rel == "same" else 0.0), weight + w
    return total / weight if weight else 0.0


def _version(p: Prepared) -> str:
    if p.doi_version is None:
        return "v1"
    return f"pub{p.doi_version}" if p.cochrane else f"v{p.doi_version}"


def _fmt(x: float | None) -> str:
    return "missing" if x is None else f"{x:.2f}"
