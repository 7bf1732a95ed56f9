"""Quality-appraisal checklists shipped with the tool: MMAT 2018.

The Mixed Methods Appraisal Tool (Hong et al., 2018, Education for
Information 34:285-291) suits reviews that mix qualitative, quantitative and
mixed-methods studies, as reviews of online child sexual exploitation do. Two
screening questions apply to every study; then the appraiser picks the
study's category and answers that category's five criteria. MMAT advises
against an overall score, so the built-in rule reports the worst criterion's
judgement (Yes -> Low, Can't tell -> Some concerns, No -> High) for robvis
plots, and the evidence table also shows how many criteria were met.
"""

from __future__ import annotations

from protocols.model import Checklist, ChecklistItem

MMAT_NAME = "mmat-2018"

_MMAT_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Qualitative",
        (
            "Is the qualitative approach appropriate to answer the research question?",
            "Are the qualitative data collection methods adequate to address the research"
            " question?",
            "Are the findings adequately derived from the data?",
            "Is the interpretation of results sufficiently substantiated by data?",
            "Is there coherence between qualitative data sources, collection, analysis and"
            " interpretation?",
        ),
    ),
    (
        "Quantitative randomized controlled trial",
        (
            "Is randomization appropriately performed?",
            "Are the groups comparable at baseline?",
            "Are there complete outcome data?",
            "Are outcome assessors blinded to the intervention provided?",
            "Did the participants adhere to the assigned intervention?",
        ),
    ),
    (
        "Quantitative non-randomized",
        (
            "Are the participants representative of the target population?",
            "Are measurements appropriate regarding both the outcome and intervention"
            " (or exposure)?",
            "Are there complete outcome data?",
            "Are the confounders accounted for in the design and analysis?",
            "During the study period, is the intervention administered (or exposure"
            " occurred) as intended?",
        ),
    ),
    (
        "Quantitative descriptive",
        (
            "Is the sampling strategy relevant to address the research question?",
            "Is the sample representative of the target population?",
            "Are the measurements appropriate?",
            "Is the risk of nonresponse bias low?",
            "Is the statistical analysis appropriate to answer the research question?",
        ),
    ),
    (
        "Mixed methods",
        (
            "Is there an adequate rationale for using a mixed methods design to address the"
            " research question?",
            "Are the different components of the study effectively integrated to answer the"
            " research question?",
            "Are the outputs of the integration of qualitative and quantitative components"
            " adequately interpreted?",
            "Are divergences and inconsistencies between quantitative and qualitative results"
            " adequately addressed?",
            "Do the different components of the study adhere to the quality criteria of each"
            " tradition of the methods involved?",
        ),
    ),
)


def mmat_2018() -> Checklist:
    """Return the MMAT 2018 checklist (screening questions, then five categories)."""
    items = [
        ChecklistItem("S1", "Are there clear research questions?"),
        ChecklistItem("S2", "Do the collected data allow to address the research questions?"),
    ]
    for number, (category, questions) in enumerate(_MMAT_CATEGORIES, start=1):
        items.extend(
            ChecklistItem(f"{number}.{index}", question, domain=category)
            for index, question in enumerate(questions, start=1)
        )
    return Checklist(
        name=MMAT_NAME,
        title="Quality appraisal (MMAT 2018)",
        prefix="mmat",
        items=tuple(items),
        domain_question="Category of study design (MMAT)",
        domain_rule="count",
        overall_rule="worst",
        judgements={"Yes": "Low", "Can't tell": "Some concerns", "No": "High"},
        required=True,
    )


#: Built-in checklists by the name a protocol gives (``[extraction.appraisal] checklist``).
BUILT_IN = {MMAT_NAME: mmat_2018}
