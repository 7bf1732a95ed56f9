"""A small review for the ranking tests: three topics interleaved, and its protocol."""

from __future__ import annotations

PROTOCOL = """
[review]
title = "Grooming review"
question = "What helps children targeted by online grooming?"
template = "generic"

[highlight]
include = ["groom*", "sextortion"]

[screening]
reviewers_per_record = {required}
blind = {blind}
order = "ranked"
seed = 7
"""


GROOMING = [
    ("Online grooming of children on social media", "Offenders groom children in chat apps."),
    ("Sextortion of adolescents reported to hotlines", "Threats against teenagers online."),
    ("Grooming conversations detected by classifiers", "Detecting grooming of minors in chats."),
    ("Parents and online grooming prevention", "Parents talk to children about groomers."),
]


WILSON = [
    ("Copper chelation with penicillamine in Wilson disease", "Hepatic copper overload outcomes."),
    ("Trientine versus penicillamine in Wilson disease", "Chelator therapy and liver copper."),
    ("Zinc therapy for Wilson disease maintenance", "Zinc lowers copper absorption in liver."),
    ("Liver transplantation for Wilson disease", "Acute liver failure from copper toxicity."),
]


EXERCISE = [
    ("Aerobic exercise and blood pressure in older adults", "A randomised trial of training."),
    ("Resistance training and blood pressure", "Exercise lowered systolic pressure."),
    ("Walking programmes for hypertension", "Daily walking and blood pressure control."),
    ("Yoga and blood pressure: a meta-analysis", "Trials of yoga for hypertension."),
]


# Interleaved, so that import order (group id) says nothing about the topic.
STUDIES = [s for trio in zip(EXERCISE, WILSON, GROOMING, strict=True) for s in trio]


def ris(studies: list[tuple[str, str]]) -> str:
    return "\n".join(
        f"TY  - JOUR\nID  - r{i}\nTI  - {t}\nAB  - {a}\nPY  - 2020\nER  - \n"
        for i, (t, a) in enumerate(studies)
    )
