"""Identifier and version rules of the pair scorer (rules 1 to 4 of :mod:`corpus.dedup.score`).

Shared DOIs or PMIDs, correction notices that cite their article, versions
the protocol keeps apart (only where the records' own evidence differs),
conflicting identifiers and years far apart. Each rule answers a
:class:`~corpus.dedup.pair.PairScore` or None to let the next rule decide.
"""

from __future__ import annotations

from corpus.dedup import keys as dk
from corpus.dedup.pair import (
    TITLE_CLOSE,
    DedupPolicy,
    Pair,
    PairScore,
)
from corpus.dedup.prepare import (
    Prepared,
    extends_title,
)


def notice_link(p: Pair, policy: DedupPolicy) -> PairScore | None:
    """A correction notice and the article it names: one study (Cochrane Handbook).

    The tie must be in the records: the notice cites the article's volume, first page
    and year ("<title> (vol 360, pg 542, 2009)"), or the article says where its erratum
    is ("[Erratum appears in ...;9(9):2205]") and the other record sits there. The titles
    must agree too, and a notice of another year, a retraction or an expression of
    concern stays a record of its own.
    """
    a, b = p.a, p.b
    if not policy.link_cited_errata or not (a.cites or b.cites or a.errata_at or b.errata_at):
        return None
    if p.ydiff not in (0, 1, None) or p.jrel == "conflict" or p.arel == "conflict":
        return None
    if p.t is None or (p.t < TITLE_CLOSE and not extends_title(a, b)):
        return None
    for notice, article in ((a, b), (b, a)):
        if article.erratum or notice.retraction or not notice.volume:
            continue
        cites = notice.cites
        cited = bool(
            cites
            and article.first_page
            and cites[0] == article.volume
            and dk.pages_match(cites[1], article.first_page)
            and article.year in (cites[2], None)
        )
        named = any(
            volume == notice.volume
            and (
                (notice.first_page is not None and dk.pages_match(page, notice.first_page))
                or (notice.erratum and issue is not None and issue == notice.issue)
            )
            and notice.year in (year, None)
            for volume, issue, page, year in article.errata_at
        )
        if cited or named:
            how = "cites the article" if cited else "is where the article says its erratum is"
            return p.out(
                "duplicate",
                "erratum_of_article",
                f"correction notice that {how}: linked to the article's study",
            )
    return None


def shared_id(p: Pair, policy: DedupPolicy) -> PairScore | None:
    """Same DOI or PMID: one record, unless the rest says the identifier is wrong."""
    version = p.doi == "version" and not policy.keep_versions_apart
    if p.doi != "same" and p.pmid != "same" and not version:
        return None
    a, b = p.a, p.b
    what = "DOI" if p.doi == "same" else "PMID" if p.pmid == "same" else "DOI apart from version"
    if a.erratum != b.erratum and policy.keep_errata_apart:
        return p.out(
            "distinct",
            "erratum_same_id",
            f"same {what} but one record is an erratum or retraction notice",
        )
    if p.pmid == "conflict" or (p.doi == "conflict" and what == "PMID"):
        return p.out("uncertain", "id_disagree", f"same {what} but the other identifier differs")
    near_year = p.ydiff is None or p.ydiff <= 1
    title_ok = (
        p.t is None
        or p.t >= 0.8
        or extends_title(a, b)
        or a.translated
        or b.translated
        # A translated or retitled copy: the rest of the record must agree.
        or (near_year and p.jrel != "conflict" and p.arel == "same")
        or (p.ydiff == 0 and p.jrel == "same" and p.arel == "missing")
    )
    if title_ok:
        return p.out("duplicate", "same_id", f"same {what} and title {p.title}")
    if p.arel == "conflict" or not near_year:
        return p.out(
            "distinct",
            "wrong_id",
            f"same {what} but title {p.title}, authors and year differ: one identifier is wrong",
        )
    return p.out("uncertain", "id_title_differs", f"same {what} but title only {p.title}")


def kept_apart(p: Pair, policy: DedupPolicy) -> PairScore | None:
    """Versions, notices, conference abstracts and preprints the protocol keeps apart."""
    a, b = p.a, p.b
    if policy.keep_versions_apart:
        if p.doi == "version":
            return p.out(
                "distinct", "versions", f"versions {_version(a)} vs {_version(b)} kept apart"
            )
        if a.cochrane and b.cochrane and p.ydiff and not (a.doi and b.doi):
            return p.out(
                "distinct", "versions", f"Cochrane review versions {a.year} vs {b.year} kept apart"
            )
    if not p.related:  # one record however the databases label it (see own_evidence_differs)
        return None
    why = f" (their {p.differ} differ)"
    # A notice sits on its own page; at the article's page only its title can say so.
    titled = a.notice_title or b.notice_title
    if a.erratum != b.erratum and policy.keep_errata_apart and (titled or not p.bib):
        return p.out(
            "distinct", "erratum", "erratum or retraction notice vs the article kept apart" + why
        )
    if p.bib:  # same journal, volume and page: a database mislabelled the document type
        return None
    if a.preprint != b.preprint and policy.keep_preprints_apart:
        return p.out("distinct", "preprint", "preprint vs journal article kept apart" + why)
    other = b if a.conference else a
    if a.conference != b.conference and other.article and policy.keep_conference_abstracts_apart:
        return p.out(
            "distinct",
            "conference",
            "conference abstract or paper vs journal article kept apart" + why,
        )
    return None


def conflicting_ids(p: Pair, policy: DedupPolicy) -> PairScore | None:
    """Different DOIs or PMIDs: different records, unless all else is identical."""
    if p.doi not in ("conflict", "version") and p.pmid != "conflict":
        return None
    if p.related:  # a preprint, abstract or erratum the policy lets merge has its own DOI
        return None
    what = "DOIs" if p.doi == "conflict" else "PMIDs"
    identical = (
        p.t is not None
        and p.t >= 0.98
        and p.arel == "same"
        and p.ydiff == 0
        and "conflict" not in (p.jrel, p.vrel, p.prel)
    )
    if identical:
        return p.out(
            "uncertain",
            "id_conflict_identical",
            f"different {what} but identical title, authors and year: one identifier may be wrong",
        )
    return p.out("distinct", "id_conflict", f"different {what}")


def years_apart(p: Pair, policy: DedupPolicy) -> PairScore | None:
    if p.ydiff is not None and p.ydiff >= 2:
        return p.out("distinct", "years", f"published {p.a.year} vs {p.b.year}")
    return None


def _version(p: Prepared) -> str:
    if p.doi_version is None:
        return "v1"
    return f"pub{p.doi_version}" if p.cochrane else f"v{p.doi_version}"
