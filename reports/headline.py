"""The headline gain, honest about noise: significant or not, said in words.

The run's out-of-sample check (``solution.json`` → ``validation``) holds the paired
difference in net recovery between the optimized policy and current practice with its 95%
interval. :func:`headline` says whether that interval excludes zero and, when it does not,
how many replications would settle a difference of that size (or that none plausibly
would); the cover, ``acordo run`` and ``summary()`` use the same words.
"""
from __future__ import annotations

from dataclasses import dataclass

from reports import i18n
from simulation.significance import Significance, significance_from_ci

__all__ = ["Headline", "headline", "headline_text"]

_TEXT = {
    "significant": {
        "en": "The optimized policy adds {diff} of net recovery (95% CI {lo} to {hi}) out of sample: "
              "a significant gain (the interval excludes zero).",
        "pt-BR": "A política otimizada acrescenta {diff} de recuperação líquida (IC 95% de {lo} a {hi}) fora da "
                 "amostra: um ganho significativo (o intervalo exclui o zero)."},
    "significant_loss": {
        "en": "The optimized policy loses {diff} of net recovery (95% CI {lo} to {hi}) out of sample: "
              "a significant loss.",
        "pt-BR": "A política otimizada perde {diff} de recuperação líquida (IC 95% de {lo} a {hi}) fora da "
                 "amostra: uma perda significativa."},
    "not_significant": {
        "en": "No significant gain: out of sample the optimized policy changes net recovery by {diff}; "
              "its 95% CI, {lo} to {hi}, includes zero.",
        "pt-BR": "Sem ganho significativo: fora da amostra, recuperação líquida {diff} com a política otimizada; "
                 "o IC 95%, {lo} a {hi}, inclui o zero."},
    "needed": {
        "en": " About {n} replications (now {r}) would make it significant (80% power).",
        "pt-BR": " Com cerca de {n} replicações (hoje {r}) seria significativa (poder 80%)."},
    "hopeless": {
        "en": " No plausible number of replications would make it significant.",
        "pt-BR": " Nenhum número plausível de replicações a tornaria significativa."},
}


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
    lo, hi = float(d["ci95"][0]), float(d["ci95"][1])  # stated as computed (Student-t, symmetric)
    test = significance_from_ci(float(d["mean"]), lo, hi, int(validation.get("replications", 0)))
    money = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    signed = lambda v: ("+" if v > 0 else "") + money(v)  # noqa: E731
    if test.significant:
        key = "significant" if test.mean > 0 else "significant_loss"
        text = _TEXT[key][lang].format(diff=money(abs(test.mean)), lo=money(lo), hi=money(hi))
    else:
        text = _TEXT["not_significant"][lang].format(diff=signed(test.mean), lo=money(lo), hi=money(hi))
        if test.replications_needed is not None:
            text += _TEXT["needed"][lang].format(n=i18n.number(test.replications_needed, lang),
                                                 r=i18n.number(test.replications, lang))
        else:
            text += _TEXT["hopeless"][lang]
    return Headline(text, test)


def headline_text(validation: dict, lang: str = "en") -> str:
    """The headline sentence, or an empty string without an out-of-sample check."""
    h = headline(validation, lang)
    return h.text if h is not None else ""
