"""Profile-likelihood intervals of the joint offer fit (:mod:`calibration.offerlik`).

Where the joint likelihood of acceptance and capacity is far from quadratic (small
segments, a ridge between the capacity and the curve, estimates near a boundary), the Wald
interval from the observed information under-covers; the profile-likelihood interval
(the set of values the likelihood-ratio test does not reject, the others re-optimised)
does not rely on the quadratic shape. :func:`joint_estimates` turns a fit into
:class:`~calibration.estimates.Estimate` objects with profile intervals in small segments
and Wald intervals in large ones.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from calibration.estimates import from_profile, from_scale
from calibration.offerlik import BOUNDS, KEYS, Fit, OfferArrays, restricted

__all__ = ["PROFILE_MAX_DEBTORS", "SCALES", "profile_interval", "joint_estimates"]

#: Below this many debtors offered (or when a Wald interval leaves the search range) the
#: intervals are profile-likelihood intervals; above it the likelihood is close to quadratic
#: and the Wald interval from the observed information is used (it is ~20x cheaper).
PROFILE_MAX_DEBTORS = 2000
#: The scale each parameter's interval is reported on (the sigmas are fitted as logs).
SCALES = ("identity", "identity", "identity", "log", "identity", "log", "identity", "identity")


def profile_interval(A: OfferArrays, fit: Fit, j: int, level: float = 0.95) -> tuple[float, float, int]:
    """Profile-likelihood interval of parameter ``j`` (an index of :data:`PARAMS`, free in ``fit``).

    Each bound solves ``r(x) = ±z`` for the signed root of the likelihood ratio
    ``r(x) = sign(x - theta_j) sqrt(2 (min_{theta: theta_j = x} f - f_hat))``, with the other
    free parameters re-optimised (L-BFGS-B, warm-started from the previous trial, the first on
    the line ``theta_hat + (x - theta_j) cov[:, j] / cov[j, j]``). ``r`` is close to linear, so
    the search starts at the Wald bound, brackets the root by doubling the step, and finishes
    with Brent's method (``scipy.optimize.brentq``). A bound that the likelihood does not
    reach within the search range is the range's edge.

    Returns ``(lo, hi, evaluations)`` on the fitting scale (``evaluations``: inner optimisations).
    """
    z = float(stats.norm.ppf(0.5 + level / 2))
    free = fit.free.copy()
    others = free.copy()
    others[j] = False
    oidx = np.flatnonzero(others)
    fidx = np.flatnonzero(free)
    col = (fit.cov[:, list(fidx).index(j)] / fit.cov[list(fidx).index(j), list(fidx).index(j)]
           if fit.cov is not None else np.zeros(fidx.size))
    slope = np.zeros(8)
    slope[fidx] = col
    se = float(np.sqrt(fit.cov[list(fidx).index(j), list(fidx).index(j)])) if fit.cov is not None else 0.1
    lo_b, hi_b = BOUNDS[j]
    lo_o, hi_o = np.array([BOUNDS[i][0] for i in oidx]), np.array([BOUNDS[i][1] for i in oidx])
    count = [0]
    k = list(fidx).index(j)
    if fit.cov is not None:  # the covariance of the others given theta_j (the inverse of their information)
        keep = [i for i in range(fidx.size) if i != k]
        cond = fit.cov[np.ix_(keep, keep)] - np.outer(fit.cov[keep, k], fit.cov[keep, k]) / fit.cov[k, k]
        cond = 0.5 * (cond + cond.T)
    else:
        cond = np.eye(oidx.size) * 0.01

    def bound(side: int) -> float:
        warm: dict = {"x": fit.theta[j], "nuisance": fit.theta[oidx]}
        seen: dict[float, float] = {float(fit.theta[j]): -z}

        def g(x: float) -> float:  # sqrt of the deviance minus z: negative inside the interval
            if x in seen:
                return seen[x]
            th = fit.theta.copy()
            th[j] = x
            fun, _ = restricted(A, th, others)
            # warm start on the ridge, from the last trial or from the optimum, whichever is better;
            # BFGS starts from the conditional covariance (a first step close to Newton's)
            starts = [np.clip(warm["nuisance"] + (x - warm["x"]) * slope[oidx], lo_o, hi_o),
                      np.clip(fit.theta[oidx] + (x - fit.theta[j]) * slope[oidx], lo_o, hi_o)]
            th[oidx] = min(starts, key=lambda s0: fun(s0)[0])
            res = optimize.minimize(fun, th[oidx], jac=True, method="BFGS",
                                    options={"hess_inv0": cond, "gtol": 1e-4, "maxiter": 200})
            if not res.success:  # BFGS stopped short (a line search failed): finish with L-BFGS-B
                res = optimize.minimize(fun, res.x, jac=True, method="L-BFGS-B", bounds=list(zip(lo_o, hi_o)),
                                        options={"maxiter": 500})
            count[0] += 1
            warm["x"], warm["nuisance"] = x, np.clip(res.x, lo_o, hi_o)
            seen[x] = float(np.sqrt(max(0.0, 2.0 * (float(res.fun) - fit.f)))) - z
            return seen[x]

        edge = hi_b if side > 0 else lo_b
        near, g_near = float(fit.theta[j]), -z       # the farthest point known inside the interval
        x = float(np.clip(near + side * z * se, lo_b, hi_b))  # the Wald bound first
        for _ in range(12):
            gx = g(x)
            if abs(gx) < 0.05:                        # |r| within 1.91-2.01: coverage 94.4-95.6%
                return x
            if gx > 0:                                # bracketed: Brent's method between near and x
                return optimize.brentq(g, min(near, x), max(near, x), xtol=0.02 * min(se, abs(x - near)),
                                       maxiter=40)
            if x == edge:                             # the likelihood does not reach the level in range
                return edge
            # still inside: extrapolate the secant of g (close to linear), at most ten times the step
            step = (x - near) * min(10.0, max(1.2, -gx / max(gx - g_near, 1e-9)))
            near, g_near = x, gx
            x = float(np.clip(x + step, lo_b, hi_b))
        return x

    lo = bound(-1)
    hi = bound(+1)
    return float(lo), float(hi), count[0]


def joint_estimates(A: OfferArrays, fit: Fit, segment: str, n: int, prior: dict[str, float], what: str,
                    profile: bool | None = None) -> list:
    """One :class:`~calibration.estimates.Estimate` per free parameter of ``fit`` (in :data:`KEYS` order).

    ``profile``: profile-likelihood intervals (None: when ``n <= PROFILE_MAX_DEBTORS`` or some
    Wald interval leaves its parameter's search range), else Wald intervals.
    """
    fidx = np.flatnonzero(fit.free)
    se = np.sqrt(np.diag(fit.cov))
    wald_out = any(fit.theta[i] - 1.96 * se[k] < BOUNDS[i][0] or fit.theta[i] + 1.96 * se[k] > BOUNDS[i][1]
                   for k, i in enumerate(fidx))
    if profile is None:
        profile = n <= PROFILE_MAX_DEBTORS or wald_out
    out = []
    for k, i in enumerate(fidx):
        key = KEYS[i]
        if profile:
            lo, hi, _ = profile_interval(A, fit, int(i))
            out.append(from_profile(segment, key, fit.theta[i], se[k], lo, hi, n,
                                    f"{what}; profile-likelihood interval (nuisance parameters re-optimised)",
                                    prior[key], SCALES[i], BOUNDS[i]))
        else:
            bounds = (0.0, 2.0) if i >= 6 else (-np.inf, np.inf)
            out.append(from_scale(segment, key, fit.theta[i], se[k], n,
                                  f"{what}; Wald interval from the observed information", prior[key], SCALES[i],
                                  bounds))
    return out
