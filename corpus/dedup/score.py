"""Pair scorer for deduplication: are two records the same publication?

The engine calls :func:`score_pair` on every candidate pair. ``duplicate`` must be
very precise because ``review dedup --auto`` merges on it alone, so rules decide
in a fixed order, and each answer says which rule fired and why: shared
identifiers, correction notices that name their article, versions the protocol
keeps apart, conflicting identifiers and years far apart (all in
:mod:`corpus.dedup.versions`), then the titles and the fields that confirm or
contradict them (here). Missing fields never block a match; conflicting fields do.

The field comparison every rule reads is :class:`corpus.dedup.pair.Pair`. The
rules in full, with the reasons behind them: docs/methods/dedup.md.
"""

from __future__ import annotations

from rapidfuzz.fuzz import ratio

from corpus.dedup import keys as dk
from corpus.dedup.pair import (
    DEFAULT_POLICY,
    SAME_ABSTRACT,
    TITLE_CLOSE,
    TITLE_SAME,
    DedupPolicy,
    Pair,
    PairScore,
    abstract_similarity,
    policy_merges,
)
from corpus.dedup.prepare import (
    Prepared,
    extends_title,
    prepare,
    title_clash,
)
from corpus.dedup.versions import conflicting_ids, kept_apart, notice_link, shared_id, years_apart

__all__ = ["DedupPolicy", "PairScore", "Prepared", "prepare", "score_pair"]


_TITLE_RELATED = 0.6
#: Related titles by the same authors, neither with a venue: close enough to ask.
_TITLE_RELATED_BARE = 0.75
_LONG_TITLE_WORDS = 6


def score_pair(a: Prepared, b: Prepared, policy: DedupPolicy = DEFAULT_POLICY) -> PairScore:
    """Decide whether two prepared records are the same publication.

    Args:
        a: One record's keys from :func:`prepare`.
        b: The other record's keys.
        policy: Which related versions stay apart.

    Returns:
        The verdict with its score, evidence and one-sentence reason.
    """
    p = Pair(a, b)
    for rule in _RULES:
        result = rule(p, policy)
        if result is not None:
            return result
    raise AssertionError("the title rules always decide")  # pragma: no cover


#: Abstract openings this alike are the same abstract (a reworded title needs this),
#: and below the second they are different abstracts.
_IDENTICAL_ABSTRACT = 0.99
_OTHER_ABSTRACT = 0.7
#: Title similarity at which only punctuation, case or a letter differ.
_TITLE_EXACT = 0.97
#: Title similarity that, with authors, journal, volume and year, confirms a copy.
_TITLE_CONFIRMED = 0.9


def _titles(p: Pair, policy: DedupPolicy) -> PairScore:
    """Decide on the titles and the fields that confirm or contradict them."""
    if p.t is None:
        if p.bib and p.ydiff == 0 and p.arel != "conflict":
            return p.out(
                "uncertain",
                "no_title",
                "a title is missing but journal, volume, pages and year agree",
            )
        return p.out("distinct", "no_title", "a title is missing and nothing else identifies it")
    clash = title_clash(p.a, p.b) if p.t >= TITLE_CLOSE or p.bib else None
    if clash:
        p.ev["title_clash"] = clash
    if p.t >= TITLE_SAME and not clash and not extends_title(p.a, p.b):
        return _near_identical(p, policy)
    return _different_titles(p, p.t, clash)


def _near_identical(p: Pair, policy: DedupPolicy = DEFAULT_POLICY) -> PairScore:
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
            if policy_merges(p, policy):
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
    abstract = abstract_similarity(p) if p.ydiff in (0, None) else None
    if abstract is not None:
        # Exports that carry little else (CSV of title and abstract): the same
        # long title over the same abstract opening is the same record, and a
        # short title ("Wilson's disease") over another abstract is not.
        if long_title and abstract >= SAME_ABSTRACT and (p.t or 0.0) >= _TITLE_EXACT:
            return p.out(
                "duplicate", "title_abstract", f"title {p.title} and abstract {abstract:.2f}"
            )
        if not long_title and abstract < _OTHER_ABSTRACT and p.arel != "same":
            return p.out(
                "distinct", "title_abstract", f"short title {p.title} over a different abstract"
            )
    return p.out("uncertain", "title_only", f"title {p.title} but too little else to confirm")


def _different_titles(p: Pair, t: float, clash: str | None) -> PairScore:
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
    if clash and t >= TITLE_CLOSE:
        if near_year and p.arel == "same":
            return p.out("uncertain", "title_clash", f"title {p.title} but {clash} differ")
        return p.out("distinct", "title_clash", f"titles differ in {clash}")
    if near_year and (t >= TITLE_CLOSE or extends_title(a, b)):
        abstract = abstract_similarity(p)
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


def _same_source(p: Pair, t: float) -> PairScore | None:
    """Other titles at one journal, volume, first page and year: a reworded copy, or not.

    Abstract books print several abstracts on one page, and an issue's pages
    restart in the next issue, so the page alone is not the article: the titles
    must still be alike (or one translated), and the issues must not differ.
    """
    a, b = p.a, p.b
    reworded = t >= TITLE_CLOSE or a.translated or b.translated or extends_title(a, b)
    if p.irel == "conflict" and not reworded:
        return p.out(
            "distinct",
            "same_pages_other_issue",
            f"title {p.title}: same journal, volume and pages but issues {a.issue}/{b.issue}",
        )
    if reworded and (p.arel != "missing" or t >= TITLE_CLOSE):
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


def _same_issue_run(p: Pair) -> bool:
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


def _placed_elsewhere(p: Pair, *, issue: bool = False) -> str | None:
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


def _recurring(p: Pair, long_title: bool) -> str | None:
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


_RULES = (notice_link, shared_id, kept_apart, conflicting_ids, years_apart, _titles)
