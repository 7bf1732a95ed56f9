"""Pair scorer for deduplication: are two records the same publication?

The engine (candidate generation, union-find, storage, undo) calls
:func:`score_pair` on every candidate pair. ``duplicate`` must be very
precise because ``review dedup --auto`` merges on it alone (target:
specificity >= 0.998 with sensitivity >= 0.995, ASySD counting), so rules
decide, in this order, and each answer says which rule fired and why:

1. Same DOI or PMID: duplicate when the titles are compatible; a wrong
   identifier (title, authors and year all differ) is distinct.
1b. A correction notice whose record names its article (its citation, or the
   article's "[Erratum appears in ...]") joins that article's study.
2. Versions the protocol keeps apart (``[dedup]`` table): Cochrane updates
   ``.pub2``/``.pub3`` and other versioned DOIs, errata and retraction
   notices, conference abstracts, preprints; but only where the records' own
   year, issue, pages, DOI, abstract or venue differ, never on the kind alone
   (Embase files MEDLINE's "Circulation" abstract under "Circulation.
   Conference: ..."). When the protocol lets them merge, their own DOIs,
   venues and pages no longer count as conflicts.
3. Different DOIs or PMIDs: distinct, unless all else is identical
   (uncertain: databases do carry wrong DOIs).
4. Years two or more apart: distinct.
5. Titles: near-identical titles with compatible authors, year (off by one
   for online-first), journal, volume and pages are duplicates; generic
   titles ("Editorial", "Reply") also need the venue and pages to agree;
   reworded or translated titles are duplicates only when journal, volume,
   first page and year agree, otherwise uncertain or distinct. Records placed
   elsewhere (another volume; another journal and volume) are related papers,
   not copies; a short title in two issues of one volume is a recurring item
   ("Editor's Comments"); two conference records' venue names are no evidence,
   since proceedings are named many ways.

Missing fields never block a match; conflicting fields do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from rapidfuzz.fuzz import ratio

from corpus import dedup_keys as dk
from corpus.dedup_prepare import (
    Prepared,
    author_relation,
    extends_title,
    prepare,
    ranges_overlap,
    title_clash,
    title_similarity,
)

__all__ = ["DedupPolicy", "PairScore", "Prepared", "prepare", "score_pair"]

Verdict = Literal["duplicate", "distinct", "uncertain"]

_TITLE_SAME = 0.95
_TITLE_CLOSE = 0.85
_TITLE_RELATED = 0.6
#: Related titles by the same authors, neither with a venue: close enough to ask.
_TITLE_RELATED_BARE = 0.75
_LONG_TITLE_WORDS = 6


@dataclass(frozen=True)
class DedupPolicy:
    """Which kinds of related records stay apart (the protocol's ``[dedup]`` table).

    Reviews differ: a review of Cochrane reviews wants each update, another
    wants one record per review; hence switches, all on by default.

    Errata: PRISMA 2020 counts studies, and the Cochrane Handbook asks to link a
    study's errata and other reports to it, so a correction notice that names its
    article in its own record joins that article's study (``link_cited_errata``):
    the notice cites the article's volume, first page and year (Web of Science's
    "<title> (vol 360, pg 542, 2009)", Embase's "<title> (N Engl J Med (2009) 360
    (542-544))"), or the article names the notice's place (Ovid's "[Erratum appears
    in ...;9(9):2205]"), and titles and year (same or next) agree. Nothing is hidden:
    the notice stays a record of the study, and the study is screened once. Notices
    that name no article stay apart (``keep_errata_apart``), and so do retraction
    notices and expressions of concern, and notices of a later year, which a reviewer
    must see on their own. ``link_cited_errata = false`` keeps every notice apart.
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
    p = _Pair(a, b)
    for rule in _RULES:
        result = rule(p, policy)
        if result is not None:
            return result
    raise AssertionError("the title rules always decide")  # pragma: no cover


class _Pair:
    """Field-by-field comparison of two records, computed once for all rules."""

    __slots__ = tuple(
        "a b t arel afrac ydiff jrel vrel irel prel doi pmid bib differ related ev sim".split()
    )

    def __init__(self, a: Prepared, b: Prepared) -> None:
        self.a, self.b = a, b
        self.t = title_similarity(a, b)
        self.arel, self.afrac = author_relation(a, b)
        self.ydiff = abs(a.year - b.year) if a.year is not None and b.year is not None else None
        self.jrel = _rel(a.journal, b.journal, dk.journals_compatible(a.journal, b.journal))
        self.vrel = _rel(a.volume, b.volume, a.volume == b.volume)
        self.irel = _rel(a.issue, b.issue, a.issue == b.issue)
        self.prel = _rel(
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
        doi = _rel(a.doi, b.doi, a.doi == b.doi)
        self.doi = "version" if doi == "conflict" and a.doi_base == b.doi_base else doi
        self.pmid = _rel(a.pmid, b.pmid, a.pmid == b.pmid)
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
        self.sim = _similarity(self)
        # The kinds only say "version" when the records themselves differ: Embase calls
        # the MEDLINE record's abstract "Circulation. Conference: ..." and both are one.
        self.differ = _own_evidence_differs(self) if kinds else None
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
        return _fmt(self.t)


def _notice_link(p: _Pair, policy: DedupPolicy) -> PairScore | None:
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
    if p.t is None or (p.t < _TITLE_CLOSE and not extends_title(a, b)):
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


def _shared_id(p: _Pair, policy: DedupPolicy) -> PairScore | None:
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


def _kept_apart(p: _Pair, policy: DedupPolicy) -> PairScore | None:
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
    if not p.related:  # one record however the databases label it (see _own_evidence_differs)
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


def _policy_merges(p: _Pair, policy: DedupPolicy) -> bool:
    """True when the protocol merges every kind of version the two records differ in."""
    a, b = p.a, p.b
    return not (
        (a.erratum != b.erratum and policy.keep_errata_apart)
        or (a.preprint != b.preprint and policy.keep_preprints_apart)
        or (a.conference != b.conference and policy.keep_conference_abstracts_apart)
    )


def _own_evidence_differs(p: _Pair) -> str | None:
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
    abstract = _abstract_similarity(p)
    if abstract is not None and abstract < _SAME_ABSTRACT:
        found.append("abstract")
    # A meeting abstract retitled for the paper: the copies of one record keep its title.
    if p.t is not None and p.t < _TITLE_SAME:
        found.append("title")
    return ", ".join(found) or None


def _conflicting_ids(p: _Pair, policy: DedupPolicy) -> PairScore | None:
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


def _years_apart(p: _Pair, policy: DedupPolicy) -> PairScore | None:
    if p.ydiff is not None and p.ydiff >= 2:
        return p.out("distinct", "years", f"published {p.a.year} vs {p.b.year}")
    return None


#: Similarity of the abstracts' first 300 characters that counts as the same abstract,
#: and below which they are different abstracts.
#: A reworded title ("kidney" vs "hepatic cells") needs the identical abstract.
_SAME_ABSTRACT = 0.95
_IDENTICAL_ABSTRACT = 0.99
_OTHER_ABSTRACT = 0.7
#: Title similarity at which only punctuation, case or a letter differ.
_TITLE_EXACT = 0.97
#: Title similarity that, with authors, journal, volume and year, confirms a copy.
_TITLE_CONFIRMED = 0.9


def _abstract_similarity(p: _Pair) -> float | None:
    """Return how alike the two abstracts' openings are, or None if one is missing."""
    if not p.a.abstract_head or not p.b.abstract_head:
        return None
    if "abstract" not in p.ev:
        a, b = dk.key_text(p.a.abstract_head), dk.key_text(p.b.abstract_head)
        p.ev["abstract"] = round(ratio(a, b) / 100, 3)
    return float(p.ev["abstract"])


def _titles(p: _Pair, policy: DedupPolicy) -> PairScore:
    """Decide on the titles and the fields that confirm or contradict them."""
    if p.t is None:
        if p.bib and p.ydiff == 0 and p.arel != "conflict":
            return p.out(
                "uncertain",
                "no_title",
                "a title is missing but journal, volume, pages and year agree",
            )
        return p.out("distinct", "no_title", "a title is missing and nothing else identifies it")
    clash = title_clash(p.a, p.b) if p.t >= _TITLE_CLOSE or p.bib else None
    if clash:
        p.ev["title_clash"] = clash
    if p.t >= _TITLE_SAME and not clash and not extends_title(p.a, p.b):
        return _near_identical(p, policy)
    return _different_titles(p, p.t, clash)


def _near_identical(p: _Pair, policy: DedupPolicy = _DEFAULT) -> PairScore:
    """Titles agree: the rest must not contradict and something must corroborate."""
    a, b = p.a, p.b
    if p.arel == "conflict":
        identical = (p.t or 0.0) >= _TITLE_EXACT and a.title.count(" ") + 1 >= _LONG_TITLE_WORDS
        if p.bib and p.ydiff == 0 and identical and not (a.generic or b.generic):
            # One long title at one journal, volume and page is one article; the names
            # are what databases write differently ("Wu, Ching-yi" / "Ching-yi, Wu").
            return p.out(
                "duplicate",
                "title_same_source",
                f"title {p.title}, same journal, volume, pages and year; author names differ",
            )
        if p.bib and p.ydiff == 0:
            return p.out(
                "uncertain",
                "title_authors_differ",
                f"title {p.title}, same journal, volume and pages but other authors",
            )
        return p.out("distinct", "title_authors_differ", f"title {p.title} but other authors")
    # Ahead-of-print copies have no volume yet and provisional pages (often from 1).
    online_first = (a.volume is None) != (b.volume is None) or "1" in (a.first_page, b.first_page)
    long_title = a.title.count(" ") + 1 >= _LONG_TITLE_WORDS
    conflicts = []
    if not p.related:  # versions the policy merges differ in venue and pages by nature
        # Proceedings are named a dozen ways ("ICIS 2010 Proceedings", "International
        # Conference on Information Systems"): between two conference records the venue
        # string is no evidence; volume and pages still are.
        venue_spelling = a.conference and b.conference
        if p.jrel == "conflict" and not (p.vrel == "same" and p.prel == "same"):
            if not venue_spelling:
                conflicts.append("journal")
        if p.vrel == "conflict":
            conflicts.append("volume")
        if p.prel == "conflict" and not online_first:
            conflicts.append("pages")
    recurring = _recurring(p, long_title)
    if recurring:
        return p.out("distinct", "recurring_title", recurring)
    if a.generic or b.generic:
        # An issue holds several editorials or replies: the first page must agree,
        # or the same authors in the same volume and issue.
        same_issue = p.vrel == "same" and (a.issue is None or b.issue is None or a.issue == b.issue)
        located = p.prel == "same" or (p.arel == "same" and same_issue)
        if p.jrel == "same" and p.ydiff == 0 and located and not conflicts:
            return p.out(
                "duplicate",
                "generic_title_venue",
                f"generic title '{a.title}' with the same journal, year and pages or issue",
            )
        if conflicts:
            why = f"different {', '.join(conflicts)}"
            return p.out("distinct", "generic_title", f"generic title '{a.title}', {why}")
        if p.arel == "missing":
            why = "no authors and no pages to tell"
            return p.out("distinct", "generic_title", f"generic title '{a.title}', {why}")
        return p.out(
            "uncertain",
            "generic_title",
            f"generic title '{a.title}' without journal and pages to confirm",
        )
    if conflicts:
        elsewhere = _placed_elsewhere(p)
        if elsewhere:
            return p.out(
                "distinct",
                "title_elsewhere",
                f"title {p.title} but published elsewhere ({elsewhere}): a related paper",
            )
        return p.out(
            "uncertain",
            "title_fields_differ",
            f"title {p.title} but different {', '.join(conflicts)}",
        )
    located = p.vrel == "same" or p.prel == "same"
    if p.ydiff == 1:
        if p.related and p.arel == "same":
            if _policy_merges(p, policy):
                return p.out(
                    "duplicate",
                    "title_versions",
                    f"title {p.title}, same authors, merged by policy",
                )
            # A meeting abstract or preprint of another year next to a thesis, report or
            # chapter: the protocol keeps such versions apart, whatever the kind of the other.
            return p.out(
                "distinct",
                "title_versions",
                f"title {p.title}, same authors, but a version of {a.year}/{b.year} "
                f"({p.differ} differ) kept apart",
            )
        if p.jrel == "same" and (
            p.arel == "same" or (p.arel == "missing" and (located or long_title))
        ):
            return p.out(
                "duplicate",
                "title_online_first",
                f"title {p.title}, same journal, years {a.year}/{b.year} (online first)",
            )
        return p.out("uncertain", "title_year_off", f"title {p.title} but years {a.year}/{b.year}")
    support = p.arel == "same" or (p.jrel == "same" and located)
    if support or (long_title and p.arel == "missing" and p.ydiff == 0):
        who = {"same": ", same authors", "missing": "", "partial": ", authors overlap"}[p.arel]
        year = f", year {a.year}" if p.ydiff == 0 else ""
        return p.out("duplicate", "title", f"title {p.title}{who}{year}")
    abstract = _abstract_similarity(p) if p.ydiff in (0, None) else None
    if abstract is not None:
        # Exports that carry little else (CSV of title and abstract): the same
        # long title over the same abstract opening is the same record, and a
        # short title ("Wilson's disease") over another abstract is not.
        if long_title and abstract >= _SAME_ABSTRACT and (p.t or 0.0) >= _TITLE_EXACT:
            return p.out(
                "duplicate", "title_abstract", f"title {p.title} and abstract {abstract:.2f}"
            )
        if not long_title and abstract < _OTHER_ABSTRACT and p.arel != "same":
            return p.out(
                "distinct", "title_abstract", f"short title {p.title} over a different abstract"
            )
    return p.out("uncertain", "title_only", f"title {p.title} but too little else to confirm")


def _different_titles(p: _Pair, t: float, clash: str | None) -> PairScore:
    """Reworded, translated or different titles: the bibliographic fields decide."""
    a, b = p.a, p.b
    if p.bib and p.ydiff == 0 and p.arel != "conflict" and not clash:
        same_source = _same_source(p, t)
        if same_source is not None:
            return same_source
    elsewhere = _placed_elsewhere(p, issue=True)
    # A translated title's copy may sit in the journal's other-language edition.
    if elsewhere and (p.vrel == "conflict" or not (a.translated or b.translated)):
        return p.out(
            "distinct",
            "title_elsewhere",
            f"title {p.title} published elsewhere ({elsewhere}): a related paper",
        )
    same_place = p.vrel == "same" and p.prel == "same" and p.ydiff == 0 and p.arel == "same"
    if same_place and not clash and (t >= _TITLE_RELATED or a.translated or b.translated):
        # The journal's name is what differs ("Jthoraccardiovascsurg", "Ann Fr Anesth
        # Reanim" / "Annales francaises d'anesthesie..."): volume, page, year and
        # authors are one article's, and the title is a rewording or translation of it.
        return p.out(
            "duplicate",
            "reworded_title_same_place",
            f"title {p.title}, same authors, volume, pages and year; journal spelled otherwise",
        )
    if p.arel == "conflict":
        return p.out("distinct", "different", f"title {p.title} and different authors")
    near_year = p.ydiff is None or p.ydiff <= 1
    if clash and t >= _TITLE_CLOSE:
        if near_year and p.arel == "same":
            return p.out("uncertain", "title_clash", f"title {p.title} but {clash} differ")
        return p.out("distinct", "title_clash", f"titles differ in {clash}")
    if near_year and (t >= _TITLE_CLOSE or extends_title(a, b)):
        abstract = _abstract_similarity(p)
        if abstract is not None and p.arel != "same":
            if abstract < _OTHER_ABSTRACT:
                return p.out(
                    "distinct", "title_close", f"title {p.title} over a different abstract"
                )
            # Two articles of one volume share an abstract only in error, not by copying.
            if abstract >= _IDENTICAL_ABSTRACT and p.ydiff in (0, None) and p.prel != "conflict":
                return p.out(
                    "duplicate", "title_close", f"title {p.title} and abstract {abstract:.2f}"
                )
        if t >= _TITLE_CONFIRMED and _same_issue_run(p):
            return p.out(
                "duplicate",
                "title_close_same_volume",
                f"title {p.title}, same authors, journal, volume and year, pages compatible",
            )
        return p.out(
            "uncertain",
            "title_close",
            f"title {p.title}: reworded or subtitle dropped, nothing to confirm",
        )
    if near_year and p.arel != "missing" and (a.translated or b.translated):
        return p.out(
            "uncertain", "translated_title", f"translated title ({p.title}), authors agree"
        )
    if near_year and p.arel == "same" and a.abstract_head and b.abstract_head:
        abstract = ratio(dk.key_text(a.abstract_head), dk.key_text(b.abstract_head)) / 100
        p.ev["abstract"] = round(abstract, 3)
        if abstract >= 0.9:
            return p.out(
                "uncertain",
                "same_abstract",
                f"title {p.title} but same authors and abstract {abstract:.2f}",
            )
    if near_year and p.arel == "same" and not (a.generic or b.generic):
        # A group's related papers share authors and words; only the same venue, or
        # titles close enough where no venue is known, make a reworded copy plausible.
        floor = {"same": _TITLE_RELATED, "missing": _TITLE_RELATED_BARE}.get(p.jrel, 1.0)
        if t >= floor:
            return p.out(
                "uncertain", "title_related", f"related titles ({p.title}) by the same authors"
            )
    return p.out("distinct", "different", f"titles differ ({p.title})")


def _same_source(p: _Pair, t: float) -> PairScore | None:
    """Other titles at one journal, volume, first page and year: a reworded copy, or not.

    Abstract books print several abstracts on one page, and an issue's pages
    restart in the next issue, so the page alone is not the article: the titles
    must still be alike (or one translated), and the issues must not differ.
    """
    a, b = p.a, p.b
    reworded = t >= _TITLE_CLOSE or a.translated or b.translated or extends_title(a, b)
    if p.irel == "conflict" and not reworded:
        return p.out(
            "distinct",
            "same_pages_other_issue",
            f"title {p.title}: same journal, volume and pages but issues {a.issue}/{b.issue}",
        )
    if reworded and (p.arel != "missing" or t >= _TITLE_CLOSE):
        return p.out(
            "duplicate",
            "reworded_title_same_source",
            f"title {p.title} (reworded, translated or typos) but same journal, "
            "volume, pages and year",
        )
    if t >= _TITLE_RELATED and p.arel == "same" and p.irel != "conflict":
        return p.out(
            "duplicate",
            "reworded_title_same_source",
            f"title {p.title} (reworded) by the same authors at the same journal, "
            "volume, issue, pages and year",
        )
    if t < _TITLE_RELATED and p.arel != "same":
        return p.out(
            "distinct",
            "same_pages_other_title",
            f"title {p.title}: another abstract on the same page",
        )
    return p.out(
        "uncertain",
        "reworded_title_same_source",
        f"title {p.title} but same journal, volume, pages and year",
    )


def _same_issue_run(p: _Pair) -> bool:
    """Same authors, journal, volume and year, and no page that differs.

    A title that differs only in a word or a subtitle (0.9 and up) in that company is
    the same article; a sequel or a reply would have its own pages, and "part 1/2"
    titles are told apart by :func:`title_clash` before this is asked.
    """
    return (
        p.arel == "same"
        and p.ydiff == 0
        and p.jrel == "same"
        and p.vrel == "same"
        and p.prel != "conflict"
    )


def _placed_elsewhere(p: _Pair, *, issue: bool = False) -> str | None:
    """Name where two records' own bibliographic fields put them apart, or None.

    Another journal and another volume, or another volume of the same journal, is
    another publication (the abstract and the paper, or one study reported in two
    journals). With ``issue``, another issue and first page of the same volume counts
    too; only for titles that differ, because some exports fill the issue field with
    record numbers. Two conference records' venues are no evidence (spelling).
    """
    if p.vrel != "conflict":
        if issue and p.jrel == "same" and p.irel == "conflict" and p.prel == "conflict":
            return "another issue and pages of the volume"
        return None
    if p.jrel == "same":
        return "another volume"
    if p.jrel == "conflict" and not (p.a.conference and p.b.conference):
        return "another journal and volume"
    return None


def _recurring(p: _Pair, long_title: bool) -> str | None:
    """A short title in two issues of one volume: a recurring item, not one record.

    "Editor's Comments" or "Gateways to clinical trials" come back every issue with
    the same title and often the same authors; without the same first page (or with
    front-matter pages, which restart every issue) two issues of one volume are two
    items. Long titles do not recur, so their issue may be a typo; and an issue
    without a volume beside it is often the volume misfiled.
    """
    a, b = p.a, p.b
    if long_title and not (a.generic or b.generic):
        return None
    # Front matter is paged in Roman numerals from "iii" in every issue.
    front_matter = bool(a.first_page and a.first_page.isalpha())
    if p.irel != "conflict" or p.jrel == "conflict" or p.vrel != "same":
        return None
    if p.prel == "same" and not front_matter:
        return None
    if p.ydiff not in (0, None):
        return None
    return f"'{a.title}' recurs in issues {a.issue} and {b.issue}: one item per issue"


_RULES = (_notice_link, _shared_id, _kept_apart, _conflicting_ids, _years_apart, _titles)


def _rel(x: object, y: object, same: bool) -> str:
    if not x or not y:
        return "missing"
    return "same" if same else "conflict"


def _similarity(p: _Pair) -> float:
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


def _version(p: Prepared) -> str:
    if p.doi_version is None:
        return "v1"
    return f"pub{p.doi_version}" if p.cochrane else f"v{p.doi_version}"


def _fmt(x: float | None) -> str:
    return "missing" if x is None else f"{x:.2f}"
