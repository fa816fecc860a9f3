"""Sample sizes and detectable differences of a two-arm test (statsmodels' power functions).

A champion/challenger test puts different debtors in the two arms, so its precision is that
of a two-sample comparison: ``Var(mean_c - mean_b) = sd_c**2 / n_c + sd_b**2 / n_b``.
Means (net recovery per debtor) use :class:`statsmodels.stats.power.NormalIndPower` with
the standardised effect ``delta / sd`` (``sd`` the root mean square of the two arms' per
debtor standard deviations); proportions (agreements kept) use Cohen's ``h``
(:func:`statsmodels.stats.proportion.proportion_effectsize`). Two-sided, 5% level.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["ALPHA", "POWER", "MAX_DEBTORS", "mean_sample_size", "proportion_sample_size", "detectable_mean", "power_of"]

#: Significance level of the test (two-sided).
ALPHA = 0.05
#: Power the test is designed for.
POWER = 0.80
#: Tests needing more debtors than this in one arm are reported as not feasible (``inf``).
MAX_DEBTORS = 1e8


def _solve_n1(effect: float, ratio: float, power: float) -> float:
    """Challenger-arm size for standardised ``effect`` (nan when there is no effect to find)."""
    if not math.isfinite(effect) or effect <= 0 or not ratio > 0:
        return float("nan")
    import warnings

    from statsmodels.stats.power import NormalIndPower
    approx = ((stats.norm.ppf(1 - ALPHA / 2) + stats.norm.ppf(power)) / effect) ** 2 * (1 + 1 / ratio)
    if approx > MAX_DEBTORS:
        return float("inf")
    with warnings.catch_warnings():  # the root finder can fail far from its start: the closed form stands in
        warnings.simplefilter("ignore")
        n1 = float(np.atleast_1d(NormalIndPower().solve_power(
            effect_size=effect, nobs1=None, alpha=ALPHA, power=power, ratio=ratio, alternative="two-sided"))[0])
    return n1 if math.isfinite(n1) else approx


def mean_sample_size(delta: float, sd: float, challenger_share: float = 0.5, power: float = POWER) -> tuple[int, int]:
    """Debtors needed in (challenger, champion) to detect a mean difference ``delta`` with ``power``.

    Parameters
    ----------
    delta : float
        The difference to detect (R$ per debtor), either sign.
    sd : float
        Per-debtor standard deviation of the outcome (common to both arms).
    challenger_share : float
        Share of the test's debtors in the challenger arm, in (0, 1).

    Returns
    -------
    (int, int)
        Rounded up; ``(0, 0)`` when ``delta`` is zero or ``sd`` is not positive, ``(-1, -1)``
        when more than :data:`MAX_DEBTORS` would be needed.
    """
    ratio = (1.0 - challenger_share) / challenger_share
    return _sizes(_solve_n1(abs(delta) / sd if sd > 0 else float("nan"), ratio, power), ratio)


def _sizes(n1: float, ratio: float) -> tuple[int, int]:
    """(challenger, champion) rounded up; (0, 0) with nothing to detect, (-1, -1) when not feasible."""
    if math.isnan(n1):
        return 0, 0
    if math.isinf(n1):
        return -1, -1
    return int(math.ceil(n1)), int(math.ceil(n1 * ratio))


def proportion_sample_size(p_challenger: float, p_champion: float, challenger_share: float = 0.5,
                           power: float = POWER) -> tuple[int, int]:
    """Debtors needed in (challenger, champion) to tell two proportions apart with ``power`` (Cohen's h)."""
    from statsmodels.stats.proportion import proportion_effectsize
    ratio = (1.0 - challenger_share) / challenger_share
    h = abs(float(proportion_effectsize(p_challenger, p_champion)))
    return _sizes(_solve_n1(h, ratio, power), ratio)


def detectable_mean(sd: float, n_challenger: int, n_champion: int, power: float = POWER) -> float:
    """The smallest mean difference (R$ per debtor) detectable with ``power`` by arms of these sizes."""
    if n_challenger < 1 or n_champion < 1 or not sd > 0:
        return float("nan")
    import warnings

    from statsmodels.stats.power import NormalIndPower
    with warnings.catch_warnings():  # tiny arms: the root finder may not converge; the closed form below does
        warnings.simplefilter("ignore")
        es = float(np.atleast_1d(NormalIndPower().solve_power(
            effect_size=None, nobs1=n_challenger, alpha=ALPHA, power=power, ratio=n_champion / n_challenger,
            alternative="two-sided"))[0])
    if not math.isfinite(es):  # one-tail normal approximation, what NormalIndPower solves up to the far tail
        es = (stats.norm.ppf(1 - ALPHA / 2) + stats.norm.ppf(power)) * math.sqrt(1 / n_challenger + 1 / n_champion)
    return es * sd


def power_of(delta: float, se: float) -> float:
    """Power of a two-sided 5% z-test of a difference ``delta`` estimated with standard error ``se``."""
    if not se > 0:
        return float("nan")
    z = stats.norm.ppf(1 - ALPHA / 2)
    d = abs(delta) / se
    return float(stats.norm.sf(z - d) + stats.norm.cdf(-z - d))
