"""The PRISMA2020 package's template CSV, filled with a review's counts.

The rows, their order and every cell but ``n`` reproduce ``inst/extdata/PRISMA.csv``
of the PRISMA2020 R package (Haddaway et al. 2022), so the file opens in the
PRISMA2020 Shiny app and in ``PRISMA2020::PRISMA_data()``. ``n`` holds our
counts: a number, ``"Name, n; Name, n"`` for per-database results and
exclusion reasons (commas and semicolons inside a name are replaced, as the
package splits on them), and an empty cell (NA) for a box blind mode hides.
The awaiting counts and other extras have no row: the package finds rows by
matching names, and an extra ``awaiting_screening`` would match ``screening``.
Every text cell goes through ``screening.export.safe_cell``.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from review.reports.prisma.counts import PrismaCounts
from screening.export import safe_cell

#: The PRISMA2020 package's template (its ``n`` column is replaced).
TEMPLATE = """\
data,node,box,description,boxtext,tooltips,url,n
NA,node4,prevstud,Grey title box; Previous studies,Previous studies,Grey title box; Previous studies,prevstud.html,0
previous_studies,node5,box1,Studies included in previous version of review,Studies included in previous version of review,Studies included in previous version of review,previous_studies.html,0
previous_reports,NA,box1,Reports of studies included in previous version of review,Reports of studies included in previous version of review,NA,previous_reports.html,0
NA,node6,newstud,Yellow title box; Identification of new studies via databases and registers,Identification of new studies via databases and registers,Yellow title box; Identification of new studies via databases and registers,newstud.html,0
database_results,node7,box2,Records identified from: Databases,Databases,Records identified from: Databases and Registers,database_results.html,0
database_specific_results,NA,box2,Records identified from: specific databases,Specific Databases,NA,database_results.html,"Database 1, xxx; Database 2, xxx; Database 3, xxx"
register_results,NA,box2,Records identified from: Registers,Registers,NA,NA,0
register_specific_results,NA,box2,Records identified from: specific registers,Specific Registers,NA,database_results.html,"Register 1, xxx; Register 2, xxx; Register 3, xxx"
NA,node16,othstud,Grey title box; Identification of new studies via other methods,Identification of new studies via other methods,Grey title box; Identification of new studies via other methods,othstud.html,0
website_results,node17,box11,Records identified from: Websites,Websites,"Records identified from: Websites, Organisations and Citation Searching",website_results.html,0
organisation_results,,box11,Records identified from: Organisations,Organisations,NA,NA,0
citations_results,NA,box11,Records identified from: Citation searching,Citation searching,NA,NA,0
duplicates,node8,box3,Duplicate records,Duplicate records,Duplicate records,duplicates.html,0
excluded_automatic,NA,box3,Records marked as ineligible by automation tools,Records marked as ineligible by automation tools,NA,NA,0
excluded_other,NA,box3,Records removed for other reasons,Records removed for other reasons,NA,NA,0
records_screened,node9,box4,Records screened (databases and registers),Records screened,Records screened (databases and registers),records_screened.html,0
records_excluded,node10,box5,Records excluded (databases and registers),Records excluded,Records excluded (databases and registers),records_excluded.html,0
dbr_sought_reports,node11,box6,Reports sought for retrieval (databases and registers),Reports sought for retrieval,Reports sought for retrieval (databases and registers),dbr_sought_reports.html,0
dbr_notretrieved_reports,node12,box7,Reports not retrieved (databases and registers),Reports not retrieved,Reports not retrieved (databases and registers),dbr_notretrieved_reports.html,0
other_sought_reports,node18,box12,Reports sought for retrieval (other),Reports sought for retrieval,Reports sought for retrieval (other),other_sought_reports.html,0
other_notretrieved_reports,node19,box13,Reports not retrieved (other),Reports not retrieved,Reports not retrieved (other),other_notretrieved_reports.html,0
dbr_assessed,node13,box8,Reports assessed for eligibility (databases and registers),Reports assessed for eligibility,Reports assessed for eligibility (databases and registers),dbr_assessed.html,0
dbr_excluded,node14,box9,"Reports excluded (databases and registers): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (databases and registers),dbrexcludedrecords.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"
other_assessed,node20,box14,Reports assessed for eligibility (other),Reports assessed for eligibility,Reports assessed for eligibility (other),other_assessed.html,0
other_excluded,node21,box15,"Reports excluded (other): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (other),other_excluded.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"
new_studies,node15,box10,New studies included in review,New studies included in review,New studies included in review,new_studies.html,0
new_reports,NA,box10,Reports of new included studies,Reports of new included studies,NA,NA,0
total_studies,node22,box16,Total studies included in review,Total studies included in review,Total studies included in review,total_studies.html,0
total_reports,NA,box16,Reports of total included studies,Reports of total included studies,NA,NA,0
identification,node1,identification,Blue identification box,Identification,Blue identification box,identification.html,0
screening,node2,screening,Blue screening box,Screening,Blue screening box,screening.html,0
included,node3,included,Blue included box,Included,Blue included box,included.html,0
"""  # noqa: E501

COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")


def template_rows() -> list[dict[str, str]]:
    """Return the template's rows as read (``n`` as in the template)."""
    return list(csv.DictReader(io.StringIO(TEMPLATE)))


def _name(text: str) -> str:
    """A name the package's ``"Name, n; Name, n"`` parser keeps whole."""
    return re.sub(r"\s*[,;]\s*", " - ", text.strip()) or "Unnamed"


def n_value(counts: PrismaCounts, data: str, template_n: str) -> str:
    """Return the ``n`` cell of one row: our count, or the template's for label rows."""
    values: dict[str, Any] = counts.to_json()
    if data not in values:
        return template_n
    value = values[data]
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(
            f"{_name(str(item.get('reason', item.get('database', item.get('register')))))}, "
            f"{item['n']}"
            for item in value
        )
    return str(value)


def render_csv(counts: PrismaCounts) -> str:
    """Return the filled template as CSV text (``\\r\\n`` line ends, as ``csv`` writes)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in template_rows():
        cells = [row[c] for c in COLUMNS[:-1]]
        cells.append(n_value(counts, row["data"], row["n"]))
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()
