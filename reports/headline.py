"""The headline gain, honest about noise: significant or not, said in words.

The run's out-of-sample check (``solution.json`` → ``validation``) holds the paired
difference in net recovery between the optimized policy and current practice with its 95%
interval. :func:`headline` says whether that interval excludes zero and, when it does not,
how many replications would settle a difference of that size (or that none plausibly
would); the cover, ``acordo run`` and ``summary()`` use the same words (``headline_*`` labels of
:mod:`reports.i18n`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from reports import i18n
from simulation.significance import Significance, significance_from_ci

__all__ = ["Headline", "headline", "headline_text"]


@dataclass(frozen=True)
class Headline:
    """The headline sentence and the test behind it."""

    text: str
    test: Significance

    @property
    def significant(self) -> bool:
        """The gain (or loss) is significant."""
        return self.test.significant


def headline(validation: dict, lang: str = "en") -> Headline | None:
    """The headline of a run's ``validation`` (None when the run has no out-of-sample check)."""
    d = (validation or {}).get("difference")
    if not d:
        return None
    # stated as computed (Student-t, symmetric); null bounds: one replication, no interval
    lo, hi = (float("nan") if v is None else float(v) for v in d["ci95"])
    test = significance_from_ci(float(d["mean"]), lo, hi, int(validation.get("replications", 0)))
    money = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    signed = lambda v: ("+" if v > 0 else "") + money(v)  # noqa: E731
    if not (math.isfinite(lo) and math.isfinite(hi)):
        text = i18n.t("headline_no_interval", lang, diff=signed(test.mean), r=i18n.number(test.replications, lang))
    elif test.significant:
        key = "significant" if test.mean > 0 else "significant_loss"
        text = i18n.t(f"headline_{key}", lang, diff=money(abs(test.mean)), lo=money(lo), hi=money(hi))
    else:
        text = i18n.t("headline_not_significant", lang, diff=signed(test.mean), lo=money(lo), hi=money(hi))
        if test.replications_needed is not None:
            text += i18n.t("headline_needed", lang, n=i18n.number(test.replications_needed, lang),
                                 r=i18n.number(test.replications, lang))
        else:
            text += i18n.t("headline_hopeless", lang)
    return Headline(text, test)


def headline_text(validation: dict, lang: str = "en") -> str:
    """The headline sentence, or an empty string without an out-of-sample check."""
    h = headline(validation, lang)
    return h.text if h is not None else ""
