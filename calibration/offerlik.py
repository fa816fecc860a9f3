"""The likelihood of a debtor's offers: acceptance curve, capacity and reservation weights, jointly.

The model's step H (``docs/model.md``): an engaged debtor shown the offer ``(d, n, down)``
accepts when it is affordable — first payment ``F <= L`` and installment ``P <= M``, with
``L = B0 exp(lump_mu + lump_sigma z1)``, ``M = B0 exp(monthly_mu + monthly_sigma z2)`` drawn
once per debtor — and ``u < p = sigmoid(alpha + beta (d - w_o O - w_r R))``, where ``O`` is
the largest discount offered before and ``R`` that of an earlier kept agreement (the
reservation discount; ``w_o = expect_offered``, ``w_r = expect_received``, zero when not
fitted). So ``a = P(affordable) = Phi((lump_mu - log(F/B0))/lump_sigma) * Phi((monthly_mu -
log(P/B0))/monthly_sigma)`` (the second factor is 1 for a lump sum).

The amounts grow with the juros de mora, so a debtor's affordable sets are nested: ``K``
offers with a last acceptance have probability ``a_K prod_(i<K) (1 - p_i) p_K``, ``K``
declines ``(1 - a_1) + sum_j (a_j - a_(j+1)) prod_(i<=j) (1 - p_i)`` (``a_(K+1) = 0``).

The negative log-likelihood comes with its analytic gradient (checked against finite
differences in the tests), so that ``scipy.optimize`` (L-BFGS-B) needs few evaluations:
the maximum-likelihood fit, the observed information (finite differences of the gradient,
statsmodels), and the profile-likelihood intervals (:func:`profile_interval`: one root
find per bound, the nuisance parameters re-optimised at each trial value, warm-started on
the likelihood's ridge) all reuse it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import optimize, special, stats
from scipy.special import ndtr
from statsmodels.tools.numdiff import approx_fprime

__all__ = ["PARAMS", "BOUNDS", "OfferArrays", "offer_arrays", "negll", "Fit", "fit_offers", "profile_interval"]

#: The parameters on the fitting scale (the sigmas as logs), in the order of ``theta``.
PARAMS = ("accept_alpha", "accept_beta", "lump_mu", "log_lump_sigma", "monthly_mu", "log_monthly_sigma",
          "expect_offered", "expect_received")
#: The search range of each.
BOUNDS = ((-20.0, 20.0), (0.0, 100.0), (-10.0, 5.0), (float(np.log(0.02)), float(np.log(5.0))), (-10.0, 5.0),
          (float(np.log(0.02)), float(np.log(5.0))), (0.0, 2.0), (0.0, 2.0))
_SQ2PI = float(np.sqrt(2 * np.pi))


@dataclass(frozen=True)
class OfferArrays:
    """One row per offer (debtors' offers consecutive, by rank), and per debtor its weight and outcome."""

    d: np.ndarray
    lf: np.ndarray
    lp: np.ndarray          # 0 where there is no installment
    has_lp: np.ndarray
    off: np.ndarray
    rec: np.ndarray
    last: np.ndarray        # row is its debtor's last offer
    grp: np.ndarray         # debtor number of the row
    start: np.ndarray       # first row of each debtor
    end: np.ndarray         # last row of each debtor
    accepted: np.ndarray    # per debtor: the last offer was accepted
    weight: np.ndarray      # per debtor: debtors with one identical offer are one term
    rows: int               # offers behind the arrays (before collapsing)
    cut: int = 0            # debtors whose offers were cut where their amounts fell (not nested)

    @property
    def ngrp(self) -> int:
        return int(self.start.size)


def offer_arrays(sub: pl.DataFrame) -> OfferArrays:
    """Arrays of an :func:`calibration.acceptance.offer_frame` (optionally with ``offered_before``
    and ``received_before``); debtors with a single offer and the same terms and outcome are one
    weighted term.
    """
    extra = [c for c in ("offered_before", "received_before") if c in sub.columns]
    sub = sub.with_columns(pl.col("lf").round(3), pl.col("lp").round(3))
    keys = ["d", "lf", "lp", "accepted", *extra]
    single = sub.filter(pl.col("K") == 1).group_by(keys).agg(pl.len().alias("w"))
    single = single.with_columns(idx=-pl.int_range(1, pl.len() + 1, dtype=pl.Int64), rank=pl.lit(0, pl.Int64),
                                 K=pl.lit(1, pl.Int64))
    cols = ["idx", "rank", "K", *keys]
    multi = sub.filter(pl.col("K") > 1).select(*cols, w=pl.lit(1, pl.UInt32))
    both = pl.concat([single.select(multi.columns).cast(multi.schema), multi]).sort(["idx", "rank"])
    # nested affordable sets: cut a debtor's offers before the first whose amounts fall (a larger
    # discount, or a plan after a lump sum); the prefix declined is a valid, censored likelihood term
    lp_f = pl.col("lp").fill_null(-1e9)
    falls = ((pl.col("lf") < pl.col("lf").shift(1) - 1e-9) | (lp_f < lp_f.shift(1) - 1e-9)).over("idx").fill_null(False)
    both = both.with_columns(_cut=falls.cast(pl.Int32).cum_sum().over("idx"))
    cut = int(both.filter(pl.col("_cut") > 0).get_column("idx").n_unique())
    if cut:
        both = both.filter(pl.col("_cut") == 0).with_columns(
            accepted=pl.when(pl.col("rank") == pl.col("rank").max().over("idx")).then(pl.col("accepted"))
            .otherwise(False), K=pl.len().over("idx").cast(pl.Int64))
    grp = both.get_column("idx").rank("dense").to_numpy().astype(np.int64) - 1
    rank = both.get_column("rank").to_numpy()
    K = both.get_column("K").to_numpy()
    last = rank == K - 1
    lp = both.get_column("lp").to_numpy().astype(np.float64)
    has = ~np.isnan(lp)
    zero = np.zeros(both.height)
    col = lambda c: both.get_column(c).cast(pl.Float64).to_numpy() if c in both.columns else zero  # noqa: E731
    return OfferArrays(col("d"), col("lf"), np.where(has, lp, 0.0), has, col("offered_before"),
                       col("received_before"), last, grp, np.flatnonzero(rank == 0), np.flatnonzero(last),
                       both.get_column("accepted").to_numpy()[last].astype(bool),
                       both.get_column("w").to_numpy()[last].astype(np.float64), int(sub.height), cut)


def _within(x: np.ndarray, A: OfferArrays) -> np.ndarray:
    """Cumulative sums of ``x`` (rows, or rows x columns) within each debtor's offers."""
    cs = np.cumsum(x, axis=0)
    return cs - (cs - x)[A.start][A.grp]


def negll(theta: np.ndarray, A: OfferArrays) -> tuple[float, np.ndarray]:
    """Negative log-likelihood and its gradient at ``theta`` (all eight :data:`PARAMS`)."""
    alpha, beta, lmu, ls1, mmu, ls2, w0, w1 = (float(v) for v in theta)
    # the sigmas are held in their search range (flat beyond: an unbounded search stays finite)
    (sl, sh), inside = BOUNDS[3], np.ones(8)
    inside[3], inside[5] = float(sl <= ls1 <= sh), float(sl <= ls2 <= sh)
    s1, s2 = np.exp(min(max(ls1, sl), sh)), np.exp(min(max(ls2, sl), sh))
    x = A.d - w0 * A.off - w1 * A.rec
    eta = alpha + beta * x
    p = special.expit(eta)
    l1p = -np.logaddexp(0.0, eta)            # log(1 - p)
    u = (lmu - A.lf) / s1
    v = np.where(A.has_lp, (mmu - A.lp) / s2, 0.0)
    A1, A2 = ndtr(u), np.where(A.has_lp, ndtr(v), 1.0)
    pu, pv = np.exp(-0.5 * u * u) / _SQ2PI, np.where(A.has_lp, np.exp(-0.5 * v * v) / _SQ2PI, 0.0)
    a = A1 * A2
    # d a / d (lmu, log s1, mmu, log s2), and d eta / d (alpha, beta, w_o, w_r)
    ga = np.column_stack((pu / s1 * A2, -pu * u * A2, A1 * pv / s2, -A1 * pv * v))
    de = np.column_stack((np.ones_like(x), x, -beta * A.off, -beta * A.rec))
    nb = np.roll(a, -1)
    take_next = ~A.last & (nb <= a)
    nxt = np.where(A.last, 0.0, np.minimum(nb, a))
    gn = np.where(take_next[:, None], np.roll(ga, -1, axis=0), np.where(A.last[:, None], 0.0, ga))
    S = _within(l1p, A)
    E = np.exp(S)
    term = (a - nxt) * E
    q = -p[:, None] * de                     # d log(1 - p) / d (alpha, beta, w_o, w_r)
    Sq = _within(q, A)
    sums = np.add.reduceat(np.column_stack((term, (ga - gn) * E[:, None], term[:, None] * Sq)), A.start, axis=0)
    dec = np.maximum(sums[:, 0] + 1.0 - a[A.start], 1e-300)
    e, acc, w = A.end, A.accepted, A.weight
    a_e = np.maximum(a[e], 1e-300)
    ll = np.where(acc, np.log(a_e) + S[e] - l1p[e] - np.logaddexp(0.0, -eta[e]), np.log(dec))
    g_cap = np.where(acc[:, None], ga[e] / a_e[:, None], (sums[:, 1:5] - ga[A.start]) / dec[:, None])
    g_eta = np.where(acc[:, None], Sq[e] - q[e] + (1.0 - p[e])[:, None] * de[e], sums[:, 5:9] / dec[:, None])
    g = -(w @ np.column_stack((g_eta[:, :2], g_cap, g_eta[:, 2:])))
    return -float(w @ ll), g * inside


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit: all eight parameters (fixed ones at their given value), the
    free ones' mask, the minimum, the covariance of the free ones (None when singular) and the
    free parameters pinned on their search range's edge."""

    theta: np.ndarray
    free: np.ndarray
    f: float
    cov: np.ndarray | None
    edge: tuple[int, ...]


def _restricted(A: OfferArrays, base: np.ndarray, free: np.ndarray):
    idx = np.flatnonzero(free)

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        th = base.copy()
        th[idx] = x
        f, g = negll(th, A)
        return f, g[idx]
    return fun, idx


def fit_offers(A: OfferArrays, start: np.ndarray, free: np.ndarray) -> Fit:
    """Maximum likelihood over the ``free`` parameters from ``start`` (L-BFGS-B, analytic gradient),
    with the observed information by finite differences of the gradient."""
    free = np.asarray(free, bool)
    lo, hi = np.array([b[0] for b in BOUNDS]), np.array([b[1] for b in BOUNDS])
    base = np.asarray(start, float).copy()
    base[free] = np.clip(base[free], (lo + 1e-3)[free], (hi - 1e-3)[free])
    fun, idx = _restricted(A, base, free)
    res = optimize.minimize(fun, base[idx], jac=True, method="L-BFGS-B", bounds=[BOUNDS[i] for i in idx],
                            options={"maxiter": 500})
    theta = base.copy()
    theta[idx] = res.x
    edge = tuple(int(i) for i in idx if min(abs(theta[i] - lo[i]), abs(theta[i] - hi[i])) < 1e-3)
    cov = None
    try:
        hess = approx_fprime(res.x, lambda z: fun(z)[1], centered=True)
        cov = np.linalg.inv(0.5 * (hess + hess.T))
        cov = 0.5 * (cov + cov.T)
        if not np.all(np.isfinite(np.diag(cov))) or np.any(np.diag(cov) <= 0):
            cov = None
    except (np.linalg.LinAlgError, ValueError):
        cov = None
    return Fit(theta, free, float(res.fun), cov, edge)


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
            fun, _ = _restricted(A, th, others)
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


#: Below this many debtors offered (or when a Wald interval leaves the search range) the
#: intervals are profile-likelihood intervals; above it the likelihood is close to quadratic
#: and the Wald interval from the observed information is used (it is ~20x cheaper).
PROFILE_MAX_DEBTORS = 2000
#: The scale each parameter's interval is reported on (the sigmas are fitted as logs).
SCALES = ("identity", "identity", "identity", "log", "identity", "log", "identity", "identity")
KEYS = ("accept_alpha", "accept_beta", "lump_mu", "lump_sigma", "monthly_mu", "monthly_sigma", "expect_offered",
        "expect_received")


def joint_estimates(A: OfferArrays, fit: Fit, segment: str, n: int, prior: dict[str, float], what: str,
                    profile: bool | None = None) -> list:
    """One :class:`~calibration.estimates.Estimate` per free parameter of ``fit`` (in :data:`KEYS` order).

    ``profile``: profile-likelihood intervals (None: when ``n <= PROFILE_MAX_DEBTORS`` or some
    Wald interval leaves its parameter's search range), else Wald intervals.
    """
    from calibration.estimates import from_profile, from_scale
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
