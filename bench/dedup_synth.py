"""Synthetic bibliographic metadata and database-specific corruptions.

Used by bench/dedup_data.py; split out to keep each file readable. Every
choice goes through the caller's ``random.Random`` so a seed is one dataset.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

from corpus.model import Record

JOURNALS = (
    ("Journal of Hepatology", "J Hepatol", "1016"),
    ("Hepatology", "Hepatology", "1002"),
    ("Movement Disorders", "Mov Disord", "1002"),
    ("Journal of Inherited Metabolic Disease", "J Inherit Metab Dis", "1007"),
    ("Journal of Pediatric Gastroenterology and Nutrition", "J Pediatr Gastroenterol Nutr", "1097"),
    ("Liver International", "Liver Int", "1111"),
    ("World Journal of Gastroenterology", "World J Gastroenterol", "3748"),
    ("Journal of the Neurological Sciences", "J Neurol Sci", "1016"),
    ("The Lancet Neurology", "Lancet Neurol", "1016"),
    ("Orphanet Journal of Rare Diseases", "Orphanet J Rare Dis", "1186"),
    ("Clinical Gastroenterology and Hepatology", "Clin Gastroenterol Hepatol", "1016"),
    ("American Journal of Health-System Pharmacy", "Am J Health Syst Pharm", "2146"),
    ("BMJ Quality & Safety", "BMJ Qual Saf", "1136"),
    ("Journal of General Internal Medicine", "J Gen Intern Med", "1007"),
    ("Implementation Science", "Implement Sci", "1186"),
    ("Journal of the American Medical Informatics Association", "J Am Med Inform Assoc", "1093"),
    ("Medical Care", "Med Care", "1097"),
    ("Annals of Internal Medicine", "Ann Intern Med", "7326"),
    (
        "Proceedings of the National Academy of Sciences of the United States of America",
        "Proc Natl Acad Sci U S A",
        "1073",
    ),  # fmt: skip
    ("Journal of Child Sexual Abuse", "J Child Sex Abus", "1080"),
    ("Child Abuse & Neglect", "Child Abuse Negl", "1016"),
    ("Health Affairs", "Health Aff (Millwood)", "1377"),
    ("The New England Journal of Medicine", "N Engl J Med", "1056"),
    ("PLoS ONE", "PLoS One", "1371"),
    ("BMC Health Services Research", "BMC Health Serv Res", "1186"),
    (
        "International Journal of Environmental Research and Public Health",
        "Int J Environ Res Public Health",
        "3390",
    ),  # fmt: skip
    ("Journal of Medical Internet Research", "J Med Internet Res", "2196"),
    ("Social Science & Medicine", "Soc Sci Med", "1016"),
    ("Infection Control and Hospital Epidemiology", "Infect Control Hosp Epidemiol", "1017"),
    ("Zeitschrift für Gastroenterologie", "Z Gastroenterol", "1055"),
    ("Revista Española de Enfermedades Digestivas", "Rev Esp Enferm Dig", "17235"),
)
COCHRANE = ("Cochrane Database of Systematic Reviews", "Cochrane Database Syst Rev", "1002")
PREPRINTS = (
    ("medRxiv", "10.1101/{y}.{m:02d}.{d:02d}.{n}"),
    ("bioRxiv", "10.1101/{y}.{m:02d}.{d:02d}.{n}"),
    ("Research Square", "10.21203/rs.3.rs-{n}/v1"),
    ("SSRN Electronic Journal", "10.2139/ssrn.{n}"),
)
SURNAMES = """Müller|García|Nowak|Kowalski|Nguyen|Okafor|Jensen|Rossi|Dubois|Łukasiewicz|Tanaka|
O'Brien|De Luca|Smith|Johnson|Brown|Wang|Li|Zhang|Chen|Liu|Kim|Park|Singh|Patel|Sharma|Silva|Santos|
Ferreira|Andersson|Nilsson|Hansen|Schmidt|Schneider|Fischer|Weber|Wagner|Becker|Hoffmann|Martin|
Bernard|Moreau|Lefèvre|Romano|Ricci|Costa|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Ivanov|
Petrov|Novák|Horváth|Yılmaz|Kaya|Cohen|Levi|Murphy|Kelly|O'Sullivan|Walsh|Taylor|Wilson|Davies|
Evans|Thomas|Roberts|Ahmed|Hassan|Ali|Khan|Suzuki|Sato|Takahashi|Watanabe|Yamamoto|van der Berg|
Åberg|Núñez|Brennan|Lindgren""".replace("\n", "").split("|")
GIVEN = """Anna John Maria Peter Hans Wei Sara David Michael Emma Laura Carlos José Ana Jean-Pierre
Marie Yuki Kenji Olga Ivan Fatima Mohammed Aisha Thomas Julia Sofia Lucas Noah Elena Paolo Giulia
Lars Ingrid Sean Niamh Priya Raj Amit Karen Bruno""".split()
GENERIC = ("Editorial", "Letter to the editor", "Reply", "Introduction", "Commentary",
           "Book review", "In reply", "Guest editorial")  # fmt: skip
SPELLING = (("randomized", "randomised"), ("behavior", "behaviour"), ("pediatric", "paediatric"),
            ("anemia", "anaemia"), ("organization", "organisation"), ("center", "centre"),
            ("tumor", "tumour"), ("estrogen", "oestrogen"), ("hospitalized", "hospitalised"),
            ("color", "colour"), ("program ", "programme "),
            ("utilization", "utilisation"))  # fmt: skip
GERMAN = {"of": "der", "the": "die", "and": "und", "with": "mit", "for": "für", "on": "bei",
          "in": "bei", "a": "ein", "patients": "Patienten", "patient": "Patient",
          "disease": "Erkrankung", "treatment": "Behandlung", "therapy": "Therapie",
          "study": "Studie", "children": "Kindern", "case": "Fall", "report": "Bericht",
          "effect": "Wirkung", "liver": "Leber", "review": "Übersicht", "diagnosis": "Diagnose",
          "clinical": "klinische", "copper": "Kupfer", "two": "zwei", "new": "neue"}  # fmt: skip
CONTRAST = (("men", "women"), ("children", "adults"), ("acute", "chronic"))
DB_WEIGHTS = ((1, 0.3), (2, 0.3), (3, 0.25), (4, 0.15))


@dataclass
class Study:
    """One publication as the truth knows it; copies are derived from it."""

    id: str
    kind: str
    title: str
    abstract: str
    authors: list[tuple[str, str, str]]
    journal: tuple[str, str, str]
    year: int
    volume: str | None
    issue: str | None
    pages: tuple[str, str] | None
    doi: str | None
    pmid: str | None
    foreign: str | None = None
    dbs: tuple[str, ...] = ("pubmed", "embase", "scopus", "wos")
    keywords: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    no_online_first: bool = False


def make_study(rng: random.Random, n: int, title: str, abstract: str) -> Study:
    """Synthesise plausible metadata for one real title and abstract."""
    journal = rng.choice(JOURNALS)
    year = rng.choice(range(1985, 2024)) if rng.random() < 0.3 else rng.randint(2005, 2023)
    if rng.random() < 0.15:
        pages: tuple[str, str] | None = (f"e{rng.randint(10000, 999999)}", "")
    else:
        first = rng.randint(1, 2400)
        pages = (str(first), str(first + rng.randint(3, 16)))
    doi = None
    if rng.random() < 0.85:
        code = re.sub(r"[^a-z]", "", journal[1].lower())[:6] or "j"
        doi = f"10.{journal[2]}/{code}.{year}.{rng.randint(0, 99999):05d}"
    translated = None
    if rng.random() < 0.03:
        translated = " ".join(GERMAN.get(w.lower(), w) for w in title.rstrip(".").split())
    issue = str(rng.randint(1, 12)) if rng.random() < 0.8 else None
    pmid = str(rng.randint(1_000_000, 39_999_999)) if rng.random() < 0.9 else None
    return Study(
        id=f"S{n:05d}", kind="original", title=title.strip(" .\u00a0") + ".", abstract=abstract,
        authors=_authors(rng), journal=journal, year=year, volume=str(rng.randint(1, 150)),
        issue=issue, pages=pages, doi=doi, pmid=pmid, foreign=translated, dbs=_databases(rng),
    )  # fmt: skip


def hard_negatives(rng: random.Random, base: list[Study], start: int) -> list[Study]:
    """Look-alike records that are different studies (and a few Cochrane conversions)."""
    out: list[Study] = []

    def new(kind: str, study: Study, **changes: object) -> Study:
        fields: dict[str, object] = {"foreign": None, "keywords": [], "types": {}, **changes}
        made = replace(study, id=f"S{start + len(out):05d}", kind=kind, **fields)  # type: ignore[arg-type]
        out.append(made)
        return made

    for study in base:
        r = rng.random()
        if r < 0.02:  # erratum notice
            prefix = rng.choice(("Erratum: ", "Correction to: ", "Erratum to ", "Correction: "))
            p = rng.randint(1, 2400)
            new("erratum", study, title=prefix + study.title, abstract="",
                authors=study.authors if rng.random() < 0.5 else [],
                year=study.year + rng.choice((0, 0, 1)), pages=(str(p), ""),
                doi=_new_doi(rng, study), pmid=_new_pmid(rng), dbs=_databases(rng, 2))  # fmt: skip
        elif r < 0.035:  # Cochrane review and its update
            cd = f"CD{rng.randint(1000, 15000):06d}"
            study.journal, study.pages, study.volume, study.issue = COCHRANE, (cd, ""), None, None
            version = rng.choice((1, 2, 3))
            study.doi = f"10.1002/14651858.{cd}" + (f".pub{version}" if version > 1 else "")
            study.no_online_first = True
            new("cochrane_update", study, year=study.year + rng.choice((1, 1, 2, 3)),
                doi=f"10.1002/14651858.{cd}.pub{version + 1}", pmid=_new_pmid(rng),
                authors=study.authors + _authors(rng)[:1], dbs=_databases(rng))  # fmt: skip
        elif r < 0.055:  # conference abstract of the same work
            supplement = rng.random() < 0.6
            new("conference", study, title=_reword(rng, study.title) if rng.random() < 0.4
                else study.title, authors=study.authors[: rng.randint(1, 4)],
                year=study.year - rng.choice((0, 1)), abstract=study.abstract[:900],
                journal=study.journal if supplement else rng.choice(JOURNALS),
                volume=study.volume, issue="Supplement 1", pages=(f"S{rng.randint(1, 900)}", ""),
                doi=None, pmid=None, dbs=("embase",) + (("wos",) if rng.random() < 0.3 else ()),
                keywords=["conference abstract"], types={"wos": "CONF"})  # fmt: skip
        elif r < 0.075:  # preprint of the same work
            server, pattern = rng.choice(PREPRINTS)
            doi = pattern.format(y=study.year - 1, m=rng.randint(1, 12), d=rng.randint(1, 28),
                                 n=rng.randint(100000, 999999))  # fmt: skip
            new("preprint", study, title=_reword(rng, study.title) if rng.random() < 0.3
                else study.title, year=study.year - rng.choice((0, 1, 1)),
                journal=(server, server, ""), volume=None, issue=None, pages=None, doi=doi,
                pmid=None, dbs=_databases(rng, 2, ("embase", "scopus")))  # fmt: skip
        elif r < 0.09:  # generic titles in the same journal and year
            title = rng.choice(GENERIC)
            for _ in range(rng.randint(2, 3)):
                p = rng.randint(1, 2400)
                new("generic", study, title=title, abstract="", authors=_authors(rng)[:1],
                    pages=(str(p), str(p + rng.randint(0, 2))),
                    doi=_new_doi(rng, study) if rng.random() < 0.5 else None,
                    pmid=_new_pmid(rng), dbs=_databases(rng, 3))  # fmt: skip
        elif r < 0.1:  # sibling study with a near-identical title
            title = study.title.rstrip(".")
            for a, b in CONTRAST:
                if f" {a} " in f" {title} ":
                    title = re.sub(rf"\b{a}\b", b, title, count=1)
                    break
            else:
                title += rng.choice((": part 2", ". II. Follow-up", ": 2-year results"))
            p = rng.randint(1, 2400)
            new("sibling", study, title=title + ".", authors=study.authors[:1] + _authors(rng),
                pages=(str(p), str(p + 9)), doi=_new_doi(rng, study), pmid=_new_pmid(rng),
                dbs=_databases(rng))  # fmt: skip
    return out


def copies_of(rng: random.Random, study: Study) -> list[tuple[str, Record]]:
    """The study as each of its databases exports it, corrupted the way real exports are."""
    return [(db, _copy(rng, study, db)) for db in study.dbs]


def _copy(rng: random.Random, s: Study, db: str) -> Record:
    title = _title(rng, s, db)
    year, volume, issue, pages = s.year, s.volume, s.issue, s.pages
    if db in ("embase", "scopus") and not s.no_online_first and rng.random() < 0.06:
        year -= 1  # online-first year; often not yet in an issue
        if rng.random() < 0.5:
            volume = issue = pages = None
    if rng.random() < 0.03:
        volume = None
    if rng.random() < 0.1:
        issue = None
    if rng.random() < 0.05:
        pages = None
    full, abbr, _ = s.journal
    journal = {"pubmed": abbr, "embase": full, "scopus": full, "wos": full.upper()}[db]
    if db == "embase" and rng.random() < 0.1:
        journal = ". ".join(abbr.split()) + "."
    abstract: str | None = s.abstract or None
    if abstract and rng.random() < 0.1:
        abstract = None
    elif abstract and db == "embase" and rng.random() < 0.3:
        abstract += " Copyright © 2019 Elsevier Inc. All rights reserved."
    return Record(
        title=title,
        abstract=abstract,
        authors=[] if rng.random() < 0.02 else [_name(rng, a, db) for a in s.authors],
        year=year,
        journal=journal,
        volume=volume,
        issue=issue,
        pages=_pages(pages, db),
        doi=_doi(rng, s.doi, db),
        pmid=s.pmid if db == "pubmed" or (db == "embase" and rng.random() < 0.6) else None,
        keywords=list(s.keywords) if db == "embase" else [],
        language="English",
        type=s.types.get(db, "JOUR"),
    )


def _title(rng: random.Random, s: Study, db: str) -> str:
    title = s.title
    if s.foreign:
        if db == "pubmed":
            return f"[{title.rstrip('.')}]."
        if db == "embase":
            return f"{title.rstrip('.')} [{s.foreign}]"
        if db == "scopus" and rng.random() < 0.5:
            return s.foreign
    if db != "pubmed" and rng.random() < 0.7:
        title = title.rstrip(".")
    if rng.random() < 0.08:
        for us, uk in SPELLING:
            if us in title:
                title = title.replace(us, uk)
                break
    if db == "wos" and rng.random() < 0.25:
        title = title.upper()
    r = rng.random()
    if r < 0.04:
        words = title.split()
        i = rng.randrange(len(words))
        words[i] = f"<i>{words[i]}</i>"
        title = " ".join(words)
    elif r < 0.07:
        title = title.replace(" and ", " &amp; ", 1).replace("'", "&#39;")
    elif r < 0.10:
        title = _typo(rng, title)
    return title


def _typo(rng: random.Random, title: str) -> str:
    """One or two letter edits (digits untouched: they name different studies)."""
    chars = list(title)
    for _ in range(rng.randint(1, 2)):
        # Not in the first word: "Errratum" would hide what the record is.
        spots = [i for i, c in enumerate(chars) if c.isalpha() and i > 12]
        if not spots:
            break
        i = rng.choice(spots)
        op = rng.random()
        if op < 0.4:
            chars[i] = rng.choice("aeioulnrst")
        elif op < 0.7:
            del chars[i]
        else:
            chars.insert(i, chars[i])
    return "".join(chars)


def _reword(rng: random.Random, title: str) -> str:
    words = title.rstrip(".").split(":")[0].split()
    if len(words) > 6 and rng.random() < 0.5:
        words = words[: len(words) - 2]
    else:
        words.insert(min(2, len(words)), rng.choice(("preliminary", "early", "interim")))
    return " ".join(words)


def _name(rng: random.Random, author: tuple[str, str, str], db: str) -> str:
    surname, given, middle = author
    initials = "".join(p[0] for p in given.split("-")) + middle
    dotted = "".join(f"{c}." for c in initials)
    if rng.random() < 0.04:
        return " ".join(f"{c}." for c in initials) + f" {surname}"
    if db == "pubmed":
        return f"{surname} {initials}"
    if db == "embase":
        return f"{surname} {dotted}"
    if db == "scopus":
        return f"{surname}, {dotted}"
    if rng.random() < 0.3:
        return f"{surname.upper()} {initials}"
    return f"{surname}, {given}" + (f" {middle}." if middle else "")


def _pages(pages: tuple[str, str] | None, db: str) -> str | None:
    if not pages:
        return None
    first, last = pages
    if not last:
        return first
    if db == "pubmed":  # MEDLINE drops the leading digits the last page shares
        i = 0
        while i < min(len(first), len(last)) - 1 and first[i] == last[i]:
            i += 1
        last = last[i:] if len(first) == len(last) else last
    return f"{first}-{last}"


def _doi(rng: random.Random, doi: str | None, db: str) -> str | None:
    if not doi:
        return None
    keep = {"pubmed": 0.75, "embase": 0.85, "scopus": 0.95, "wos": 0.85}[db]
    if rng.random() > keep:
        return None
    if db == "embase" and rng.random() < 0.3:
        return "http://dx.doi.org/" + doi
    if db == "wos":
        doi = doi.upper()
    if rng.random() < 0.1:
        return "doi:" + doi
    return doi


def _authors(rng: random.Random) -> list[tuple[str, str, str]]:
    n = rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 7, 9))
    return [(rng.choice(SURNAMES), rng.choice(GIVEN), rng.choice(("", "", "A", "M", "J")))
            for _ in range(n)]  # fmt: skip


def _databases(
    rng: random.Random, most: int = 4, pool: tuple[str, ...] = ("pubmed", "embase", "scopus", "wos")
) -> tuple[str, ...]:
    n = rng.choices([k for k, _ in DB_WEIGHTS], [w for _, w in DB_WEIGHTS])[0]
    return tuple(sorted(rng.sample(pool, min(n, most, len(pool)))))


def _new_doi(rng: random.Random, study: Study) -> str:
    return f"10.{study.journal[2] or '1000'}/x{rng.randint(0, 10**8)}"


def _new_pmid(rng: random.Random) -> str | None:
    return str(rng.randint(1_000_000, 39_999_999)) if rng.random() < 0.8 else None
