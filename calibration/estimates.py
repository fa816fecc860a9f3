"""Estimates with their interval, n, method and status; empirical-Bayes partial pooling.

An :class:`Estimate` is one parameter of one segment (or of the whole portfolio,
``segment = "portfolio"``). Its status is

- ``identified``: estimated, the 95% interval narrower than the value itself;
- ``weakly identified``: estimated, but the interval is wider than the value;
- ``not identified``: the history does not inform it (``reason`` says why); the value is
  the scenario's and the interval is empty.
"""
from __future__ import annotations

import functools
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["quiet", "quietly", "Estimate", "PORTFOLIO", "not_identified", "from_scale", "from_profile", "pool", "Z95",
           "status_of", "exact_binomial"]

PORTFOLIO = "portfolio"


def quietly(fn):
    """Decorator: run ``fn`` inside :func:`quiet`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with quiet():
            return fn(*args, **kwargs)
    return wrapper


@contextmanager
def quiet():
    """Silence the numerical warnings of the fitting libraries (library code never prints)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """One calibrated parameter.

    Attributes
    ----------
    segment : str
        Segment name, or ``"portfolio"``.
    key : str
        Scenario key within the segment's behaviour (``self_cure_h0``, ``reach.sms``) or a
        top-level key (``contact_rules.opt_out_probability``).
    value, lo, hi : float
        Estimate and 95% interval (``nan`` bounds when not identified).
    n : int
        Observations behind it (debtors, attempts, offers, installments, days).
    method : str
    status : str
    reason : str
        Why it is not (or weakly) identified; empty otherwise.
    prior : float
        The scenario's value.
    scale : str
        Transform the interval is symmetric on (``log``, ``logit``, ``identity``).
    theta, se : float
        Estimate and standard error on that scale (what pooling combines).
    bounds : tuple of float
        The parameter's range (the interval is clipped to it).
    spread : tuple of float
        For an interval that is not symmetric on its scale (profile likelihood): the distances
        from ``theta`` down to the lower and up to the upper bound on that scale, divided by
        the 95% normal quantile (``nan`` for a Wald interval, whose both are ``se``).
    """

    segment: str
    key: str
    value: float
    lo: float
    hi: float
    n: int
    method: str
    status: str
    reason: str = ""
    prior: float = float("nan")
    scale: str = "identity"
    theta: float = float("nan")
    se: float = float("nan")
    bounds: tuple[float, float] = (-math.inf, math.inf)
    spread: tuple[float, float] = (math.nan, math.nan)

    @property
    def identified(self) -> bool:
        """Estimated from the history (identified or weakly identified)."""
        return self.status != "not identified"

    def covers(self, truth: float) -> bool:
        """Whether the 95% interval contains ``truth``."""
        return self.identified and self.lo <= truth <= self.hi

    def z(self, truth: float) -> float:
        """``(truth - estimate) / se`` on the interval's scale (nan when there is no standard error).

        For a profile-likelihood interval ``se`` is the side's :attr:`spread`, so that
        ``|z| <= 1.96`` exactly when the interval covers ``truth``.
        """
        if not (self.identified and math.isfinite(self.theta) and math.isfinite(self.se) and self.se > 0):
            return math.nan
        if self.scale == "log":
            x = math.log(truth) if truth > 0 else -math.inf
        elif self.scale == "logit":
            x = math.log(truth / (1 - truth)) if 0 < truth < 1 else math.copysign(math.inf, truth - 0.5)
        elif self.scale == "neglog":
            x = -1.0 / truth
        else:
            x = truth
        se = self.spread[0] if x < self.theta else self.spread[1]
        if not (math.isfinite(se) and se > 0):
            se = self.se
        return (x - self.theta) / se


def _inv(theta: np.ndarray | float, scale: str):
    if scale == "log":
        return np.exp(theta)
    if scale == "logit":
        return special.expit(theta)
    if scale == "neglog":  # coefficient b = -1/tau: tau = -1/b
        return -1.0 / np.asarray(theta)
    return theta


def status_of(value: float, lo: float, hi: float) -> tuple[str, str]:
    """``identified`` or ``weakly identified`` (interval wider than the value)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > abs(value):
        return "weakly identified", "the 95% interval is wider than the estimate"
    return "identified", ""


def from_scale(segment: str, key: str, theta: float, se: float, n: int, method: str, prior: float,
               scale: str = "identity", bounds: tuple[float, float] = (-math.inf, math.inf)) -> Estimate:
    """An estimate from its value and standard error on a transformed scale (Wald interval there)."""
    if not (math.isfinite(theta) and math.isfinite(se)) or se <= 0 and n == 0:
        return not_identified(segment, key, prior, "the likelihood does not determine it", n)
    if scale == "neglog":
        value = float(-1.0 / theta) if theta < 0 else math.inf
        b_lo, b_hi = theta - Z95 * se, theta + Z95 * se
        lo = float(-1.0 / b_lo) if b_lo < 0 else math.inf
        hi = float(-1.0 / b_hi) if b_hi < 0 else math.inf
        lo, hi = min(lo, hi), max(lo, hi)
        if not math.isfinite(value):
            return not_identified(segment, key, prior, "no decline of the hazard with days past due", n)
    else:
        value = float(_inv(theta, scale))
        lo, hi = float(_inv(theta - Z95 * se, scale)), float(_inv(theta + Z95 * se, scale))
    outside = not bounds[0] <= value <= bounds[1]
    value = min(max(value, bounds[0]), bounds[1])
    lo, hi = min(max(lo, bounds[0]), value), max(min(hi, bounds[1]), value)
    status, reason = status_of(value, lo, hi)
    if outside:
        status, reason = "weakly identified", f"the estimate falls outside the parameter's range [{bounds[0]:g}, {bounds[1]:g}]"
    return Estimate(segment, key, value, lo, hi, int(n), method, status, reason, prior, scale, float(theta), float(se),
                    bounds)


def from_profile(segment: str, key: str, theta: float, se: float, lo_t: float, hi_t: float, n: int, method: str,
                 prior: float, scale: str = "identity", edges: tuple[float, float] = (-math.inf, math.inf)) -> Estimate:
    """An estimate with a profile-likelihood interval ``[lo_t, hi_t]`` on its fitting ``scale``.

    ``se`` is the Wald standard error (kept for reference); ``edges`` the search range on the
    fitting scale: an interval that reaches it is open on that side (the likelihood does not
    exclude the range's end), and the estimate is then weakly identified.
    """
    if not all(math.isfinite(v) for v in (theta, lo_t, hi_t)):
        return not_identified(segment, key, prior, "the likelihood does not determine it", n)
    value, lo, hi = (float(_inv(v, scale)) for v in (theta, lo_t, hi_t))
    lo, hi = min(lo, value), max(hi, value)
    status, reason = status_of(value, lo, hi)
    open_at = [side for side, v, e in (("lower", lo_t, edges[0]), ("upper", hi_t, edges[1])) if abs(v - e) < 1e-6]
    if open_at:
        status = "weakly identified"
        reason = f"the likelihood does not bound it within the search range ({' and '.join(open_at)} end)"
    spread = ((theta - lo_t) / Z95, (hi_t - theta) / Z95)
    return Estimate(segment, key, value, lo, hi, int(n), method, status, reason, prior, scale, float(theta),
                    float(se) if math.isfinite(se) else float((hi_t - lo_t) / (2 * Z95)), spread=spread)


def exact_binomial(segment: str, key: str, s: int, n: int, prior: float, method: str, factor: float = 1.0) -> Estimate:
    """A probability at the boundary (no success or no failure in ``n`` trials, or a log-link
    estimate at 1): Clopper–Pearson.

    The Wald interval degenerates there (a standard error of zero); the exact 95% interval of
    the observed share does not. ``factor`` is the mean multiplier of the trials (the chronic
    keep factor): the parameter is the share divided by it, capped at 1.
    """
    from statsmodels.stats.proportion import proportion_confint
    lo, hi = proportion_confint(s, n, method="beta")
    f = factor if factor > 0 else 1.0
    value, lo, hi = min(1.0, s / n / f), min(1.0, float(lo) / f), min(1.0, float(hi) / f)
    status = "weakly identified" if hi - lo > value else "identified"
    what = "no failure observed" if s == n else "no success observed" if s == 0 else "estimate at the boundary"
    return Estimate(segment, key, value, lo, hi, int(n), f"{method}; {what}: exact (Clopper–Pearson) interval", status,
                    "no success or no failure observed" if status != "identified" else "", prior)


def not_identified(segment: str, key: str, prior: float, reason: str, n: int = 0, method: str = "") -> Estimate:
    """The scenario's value kept, with the reason the history cannot inform it."""
    return Estimate(segment, key, float(prior), math.nan, math.nan, int(n), method or "scenario value kept",
                    "not identified", reason, float(prior))


def pool(estimates: list[Estimate], portfolio: Estimate | None = None) -> list[Estimate]:
    """Empirical-Bayes partial pooling of one parameter across segments.

    On the estimate's scale, segment ``s`` has ``theta_s`` with standard error ``se_s``;
    the between-segment variance ``tau2`` is the DerSimonian–Laird moment estimate and
    ``mu`` the precision-weighted mean. Each segment is shrunk towards ``mu`` with weight
    ``w = tau2 / (tau2 + se_s^2)`` on its own estimate; its variance is
    ``w se_s^2 + (1 - w)^2 var(mu)``. A segment with much data keeps its own estimate
    (``w`` near 1); a small one borrows strength from the others. The method text says so
    when ``w < 0.95``.
    """
    ok = [e for e in estimates if e.identified and math.isfinite(e.theta) and math.isfinite(e.se) and e.se > 0]
    good = [e for e in ok if e.status == "identified"]
    if len(good) < 3:
        return estimates
    th = np.array([e.theta for e in good])
    v = np.array([e.se for e in good]) ** 2
    w0 = 1.0 / v
    mu0 = float((w0 * th).sum() / w0.sum())
    q = float((w0 * (th - mu0) ** 2).sum())
    c = float(w0.sum() - (w0 ** 2).sum() / w0.sum())
    tau2 = max(0.0, (q - (len(good) - 1)) / c) if c > 0 else 0.0
    wt = 1.0 / (v + tau2)
    mu = float((wt * th).sum() / wt.sum())
    var_mu = 1.0 / float(wt.sum())
    out = []
    for e in estimates:
        if e not in ok:
            out.append(e)
            continue
        w = tau2 / (tau2 + e.se ** 2)
        if w >= 0.95:
            out.append(e)
            continue
        theta = w * e.theta + (1 - w) * mu
        se = math.sqrt(w * e.se ** 2 + (1 - w) ** 2 * var_mu)
        out.append(from_scale(e.segment, e.key, theta, se, e.n,
                              f"{e.method}; partial pooling towards the other segments (empirical Bayes, own weight "
                              f"{w:.2f})", e.prior, e.scale, e.bounds))
    return out
