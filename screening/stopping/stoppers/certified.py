"""Callaghan & Müller-Hansen (2020): the hypergeometric test on a random sample of the unscreened.

Wraps ``screening.stopping.rules`` (``hypergeometric_p``, ``estimate_recall``):
``Run.labels`` is the ranked part screened before the sample was drawn,
``Run.sample`` the sample's labels in the order drawn and ``Run.sample_urn``
the unscreened records when it was drawn (0: ``total - len(labels)``). The
verdict is the sequential test's at the current sample: stop when
``p < 1 - confidence``. Model-free: valid however the ranking behaved. The
method: ``docs/methods/stopping.md``.
"""

from __future__ import annotations

from screening.stopping import rules
from screening.stopping.pvalue import format_p
from screening.stopping.stoppers.base import Assumption, Run, Verdict, percent, setting


class Certified:
    """Stop when the random sample shows the target was reached (p below alpha)."""

    name = "certified"
    assumption = Assumption.MODEL_FREE
    citation = rules.CITATION
    needs_probs = False

    def check(self, run: Run) -> Verdict:
        urn = run.sample_urn or run.total - len(run.labels)
        before, sample = int(sum(run.labels)), [int(v) for v in run.sample]
        drawn, hits = len(sample), sum(sample)
        alpha = 1.0 - run.confidence
        test = "the hypergeometric test of Callaghan & Müller-Hansen (2020)"
        target, conf = setting(run.target), setting(run.confidence)
        if urn == 0:
            p: float | None = 0.0
        elif drawn:
            p = rules.hypergeometric_p(urn, before, drawn, hits, run.target)
        else:
            p = None
        estimate = rules.estimate_recall(urn, before, drawn, hits, run.confidence)
        needed = rules.required_sample(urn, before, run.target, run.confidence, hits)
        stop = p is not None and p < alpha
        found = before + hits
        details = {"p": p, "alpha": alpha, "urn": urn, "sample_needed": needed}
        if urn == 0:
            sentence = f"All {run.total:,} records were screened, so recall is 100% by definition."
        elif p is None:
            sentence = (
                f"After {run.screened:,} of {run.total:,} records were screened, no random sample "
                f"of the unscreened records had been checked, so {test} cannot yet show the "
                f"{target} recall target was reached (a random sample of {needed:,} records "
                "with no relevant one would suffice)."
            )
        else:
            shown = format_p(p, alpha)
            est = ""
            if estimate is not None:
                est = (
                    f"; estimated recall {percent(estimate.recall)} (at least "
                    f"{percent(estimate.low)} with {conf} confidence)"
                )
            what = (
                f"a random sample of {drawn:,} of the {urn:,} records left unscreened contained "
                f"{hits:,} relevant"
            )
            if stop:
                sentence = (
                    f"Screening stopped after {run.screened:,} of {run.total:,} records when "
                    f"{what}; by {test} the {target} recall target was reached with {conf} "
                    f"confidence ({shown}){est}."
                )
            else:
                sentence = (
                    f"After {run.screened:,} of {run.total:,} records, {what}; by {test} the "
                    f"{target} recall target cannot yet be claimed with {conf} confidence "
                    f"({shown}){est}."
                )
        return Verdict(
            rule=self.name,
            stop=stop,
            assumption=self.assumption,
            citation=self.citation,
            recall=None if estimate is None else estimate.recall,
            low=None if estimate is None else estimate.low,
            total_relevant=_total(found, None if estimate is None else estimate.recall),
            total_high=_total(found, None if estimate is None else estimate.low),
            sentence=sentence,
            details=details,
        )


def _total(found: int, recall: float | None) -> float | None:
    """Relevant records in the review implied by ``found`` at ``recall`` (None if unknown)."""
    return None if not recall else found / recall
