"""Records and PDFs for the bulk-attach tests and ``bench/attach_bulk.py``.

A RIS file of known records, PDFs with a real text layer (reportlab), a scan with no
text, and a generated folder of many records and their PDFs.
"""

from __future__ import annotations

import random
from pathlib import Path

from reportlab.pdfgen import canvas

TWIN_A = "Sextortion of minors: a scoping review of reported cases"
TWIN_B = "Sextortion of minors - a scoping review of reported case"
RECORDS = [
    # (ID, title, DOI, PMID, first author, year)
    ("text", "Online grooming of adolescents on social media platforms", "10.1000/ft.text",
     None, "Whittle, H.", 2013),
    ("meta", "Help-seeking after image-based sexual abuse", "10.1000/ft.meta", None,
     "Henry, N.", 2020),
    ("title", "Parental mediation and adolescent sexting: a longitudinal study", None, None,
     "Baumgartner, S.", 2014),
    ("fdoi", "Survivor narratives of technology-facilitated abuse", "10.1234/ft_name-4", None,
     "Dragiewicz, M.", 2018),
    ("pmid", "Police responses to child sexual exploitation material", None, "31234567",
     "Wolak, J.", 2012),
    ("auth", "Disclosure of online sexual victimisation by children", None, None,
     "Okonkwo, C.", 2017),
    ("twina", TWIN_A, None, None, "Patchin, J.", 2020),
    ("twinb", TWIN_B, None, None, "Hinduja, S.", 2021),
    ("none", "Prevalence of cyberbullying in secondary schools", None, None, "Smith, P.", 2008),
]  # fmt: skip


def ris(records: list[tuple[str, str, str | None, str | None, str, int]]) -> str:
    """A RIS file of ``(ID, title, DOI, PMID, first author, year)`` rows."""
    out = []
    for rid, title, doi, pmid, author, year in records:
        out.append(f"TY  - JOUR\nTI  - {title}\nAU  - {author}\nPY  - {year}\n")
        if doi:
            out.append(f"DO  - {doi}\n")
        if pmid:
            out.append(f"AN  - {pmid}\nDB  - MEDLINE\n")
        out.append(f"AB  - Abstract of {rid}.\nID  - {rid}\nER  - \n\n")
    return "".join(out)


def pdf(
    path: Path,
    lines: list[str],
    *,
    subject: str | None = None,
    title: str | None = None,
    pages: int = 1,
) -> Path:
    """A PDF with a real text layer (reportlab): ``lines`` on each page, optional metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = canvas.Canvas(str(path))
    if subject:
        page.setSubject(subject)
    if title:
        page.setTitle(title)
    for number in range(pages):
        y = 780
        for line in lines if number == 0 else lines[1:] or lines:
            page.drawString(72, y, line)
            y -= 14
        page.showPage()
    page.save()
    return path


def textless(path: Path) -> Path:
    page = canvas.Canvas(str(path))
    page.rect(100, 100, 200, 300, fill=1)
    page.showPage()
    page.save()
    return path


WORDS = (
    "online offline child adolescent parent teacher school police victim offender abuse "
    "grooming sexting disclosure prevention therapy trauma resilience platform image "
    "exploitation survey interview cohort trial review meta analysis risk protective "
    "factor outcome mental health support service policy law court justice community "
    "family peer digital media safety education training nurse clinic rural urban "
    "gender youth boys girls adults screening assessment intervention evaluation"
).split()
SYLLABLES = "ka lo mi ne ru sa ti vo be da fe gi ho ju ko la".split()


RecordRow = tuple[str, str, str | None, str | None, str, int]
PdfRow = tuple[str, list[str], str | None, str]


def generated(count: int, seed: int = 7) -> tuple[list[RecordRow], list[PdfRow]]:
    """``count`` records and their PDFs: (name, lines, subject, expected outcome)."""
    rng = random.Random(seed)
    records: list[RecordRow] = []
    pdfs: list[PdfRow] = []
    surnames: set[str] = set()
    kinds = ("page", "meta", "title", "fdoi", "fauthor")
    twins = 5
    singles = count - 2 * twins
    for n in range(singles):
        title = " ".join(rng.sample(WORDS, 9)).capitalize()
        while True:
            surname = "".join(rng.choices(SYLLABLES, k=3)).capitalize()
            if surname not in surnames:
                surnames.add(surname)
                break
        year = 2000 + n % 24
        doi = f"10.5555/bulk.{n}"
        kind = kinds[n % len(kinds)] if n < singles - twins else "unmatched"
        records.append((f"g{n}", title, doi if kind != "unmatched" else None, None,
                        f"{surname}, A.", year))  # fmt: skip
        body = f"Report body number {n}."
        if kind == "page":
            pdfs.append((f"p{n:03d}.pdf", [f"https://doi.org/{doi}", body], None, "doi"))
        elif kind == "meta":
            pdfs.append((f"p{n:03d}.pdf", [body], f"doi:{doi}", "doi"))
        elif kind == "title":
            pdfs.append((f"p{n:03d}.pdf", [title.upper() + ".", body], None, "title"))
        elif kind == "fdoi":
            pdfs.append((f"10.5555_bulk.{n}.pdf", [body], None, "file"))
        elif kind == "fauthor":
            pdfs.append((f"{surname}_{year}.pdf", [body], None, "file"))
        else:
            pdfs.append((f"other{n:03d}.pdf", [f"Unrelated text {n}."], None, "unmatched"))
    for t in range(twins):
        title = " ".join(rng.sample(WORDS, 9)).capitalize()
        records.append((f"ta{t}", title, None, None, "Twin, A.", 1990))
        records.append((f"tb{t}", title + "s", None, None, "Twin, B.", 1991))
        pdfs.append((f"twin{t}.pdf", [title, f"Twin body {t}."], None, "ambiguous"))
    for t in range(twins):
        pdfs.append((f"scan{t}.pdf", [], None, "failed"))
    return records, pdfs
