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
statsmodels), and the profile-likelihood intervals (:mod:`calibration.profile`) all reuse it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import optimize, special
from scipy.special import ndtr
from statsmodels.tools.numdiff import approx_fprime

__all__ = ["PARAMS", "KEYS", "BOUNDS", "OfferArrays", "offer_arrays", "negll", "Fit", "fit_offers", "restricted"]

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


def restricted(A: OfferArrays, base: np.ndarray, free: np.ndarray):
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
    fun, idx = restricted(A, base, free)
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


#: The parameters' scenario keys, in the order of ``theta``.
KEYS = ("accept_alpha", "accept_beta", "lump_mu", "lump_sigma", "monthly_mu", "monthly_sigma", "expect_offered",
        "expect_received")
