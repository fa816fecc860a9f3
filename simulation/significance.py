"""Is a simulated gain real? Significance of a paired difference over replications.

A gain the tool states carries its 95% interval; it is *significant* when that interval
(paired over replications on common random numbers) excludes zero. When it is not, the
number of replications that would make a difference of this size significant with 80%
power (a paired t-test, :class:`statsmodels.stats.power.TTestPower`) is given, unless no
plausible number (more than :data:`PLAUSIBLE_REPLICATIONS`) would.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["PLAUSIBLE_REPLICATIONS", "Significance", "paired_significance", "significance_from_ci"]

#: More replications than this is not a plausible remedy: the difference is lost in the noise.
PLAUSIBLE_REPLICATIONS = 10_000


@dataclass(frozen=True)
class Significance:
    """A difference over replications, its 95% interval and whether it excludes zero.

    Attributes
    ----------
    mean, lo, hi : float
        The mean difference and its 95% Student-t interval.
    replications : int
    significant : bool
        The interval excludes zero.
    p_value : float
        Two-sided paired t-test of a zero difference (NaN with fewer than 2 replications).
    replications_needed : int or None
        Replications for 80% power to find this difference significant, when it is not
        significant yet and the number is at most :data:`PLAUSIBLE_REPLICATIONS`; else None.
    """

    mean: float
    lo: float
    hi: float
    replications: int
    significant: bool
    p_value: float
    replications_needed: int | None

    @property
    def plausible(self) -> bool:
        """More replications could make it significant (or it already is)."""
        return self.significant or self.replications_needed is not None

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {"mean": self.mean, "ci95": [self.lo, self.hi], "replications": self.replications,
                "significant": self.significant, "p_value": self.p_value,
                "replications_needed": self.replications_needed}

    def verdict(self) -> str:
        """A few English words: "significant (p = 0.003)", or why it is not."""
        if self.significant:
            return f"significant (95% interval excludes zero, p = {self.p_value:.3g})"
        text = f"not significant: the 95% interval includes zero (p = {self.p_value:.2g})"
        if self.replications_needed is not None:
            return text + f"; about {self.replications_needed:,} replications would make a difference this size " \
                          "significant (80% power)"
        return text + "; no plausible number of replications would make a difference this size significant"


def _needed(effect: float, replications: int) -> int | None:
    """Replications for 80% power of a two-sided paired t-test at 5% with standardised effect ``effect``."""
    if not math.isfinite(effect) or effect <= 0:
        return None
    # normal approximation first: statsmodels' solver is slow and unstable for tiny effects
    approx = ((stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / effect) ** 2
    if approx > PLAUSIBLE_REPLICATIONS:
        return None
    import warnings

    from statsmodels.stats.power import TTestPower
    with warnings.catch_warnings():  # for a large effect the root finder fails (nan): the few needed stand in
        warnings.simplefilter("ignore")
        solved = float(np.atleast_1d(TTestPower().solve_power(effect_size=effect, nobs=None, alpha=0.05, power=0.8,
                                                              alternative="two-sided"))[0])
    n = int(math.ceil(solved)) if math.isfinite(solved) else max(2, int(math.ceil(approx)))
    return max(n, replications + 1) if n <= PLAUSIBLE_REPLICATIONS else None


def paired_significance(values: np.ndarray) -> Significance:
    """Significance of the mean of per-replication paired differences ``values``."""
    v = np.asarray(values, dtype=np.float64)
    R = int(v.size)
    mean = float(v.mean()) if R else float("nan")
    if R < 2:
        return Significance(mean, mean, mean, R, False, float("nan"), None)
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, R - 1) * sd / math.sqrt(R))
    return _from(mean, sd, half, R)


def significance_from_ci(mean: float, lo: float, hi: float, replications: int) -> Significance:
    """The same from a mean, its 95% Student-t interval and the replications behind it."""
    R = int(replications)
    half = (float(hi) - float(lo)) / 2.0
    if R < 2:
        return Significance(float(mean), float(lo), float(hi), R, False, float("nan"), None)
    sd = half * math.sqrt(R) / float(stats.t.ppf(0.975, R - 1))
    return _from(float(mean), sd, half, R)


def _from(mean: float, sd: float, half: float, R: int) -> Significance:
    significant = bool(sd > 0 and abs(mean) > half) or bool(sd == 0 and mean != 0)
    if sd > 0:
        p = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(R)), R - 1))
    else:
        p = 0.0 if mean != 0 else 1.0
    needed = None if significant or sd == 0 else _needed(abs(mean) / sd, R)
    return Significance(mean, mean - half, mean + half, R, significant, p, needed)
