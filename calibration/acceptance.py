"""Acceptance and capacity: ``accept_alpha``, ``accept_beta`` with lump-sum and monthly capacity.

The model's step H: an engaged debtor shown the offer ``(d, n, down)`` accepts when it is
affordable — its first payment ``F <= L`` and its installment ``P <= M``, with
``L = B0 exp(lump_mu + lump_sigma z1)``, ``M = B0 exp(monthly_mu + monthly_sigma z2)``,
``z1, z2`` independent standard normals drawn once per debtor — and
``u < sigmoid(alpha + beta d)``. So ``P(affordable) = Phi((lump_mu - log(F/B0))/lump_sigma)
* Phi((monthly_mu - log(P/B0))/monthly_sigma)`` (the second factor is 1 for a lump sum).

A debtor negotiating again keeps its capacity: its offers are one likelihood term. The
amounts grow with the juros de mora, so the affordable sets are nested, and ``K`` offers
with ``k`` declines and a last acceptance have probability ``a_K (1-p)^(K-1) p``; ``K``
declines ``(1 - a_1) + sum_j (a_j - a_(j+1)) (1-p)^j`` (``a_(K+1) = 0``). Offers after a
first agreement are left out (the balance owed then depends on the broken plan). The
joint maximum likelihood is found by ``scipy.optimize``; intervals from the observed
information (numerical Hessian, statsmodels).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
from scipy import optimize, special
from scipy.special import ndtr
from statsmodels.tools.numdiff import approx_hess2

from calibration.data import CalibData
from calibration.estimates import quietly, Estimate, from_scale, not_identified
from simulation.engine import plan_installments

__all__ = ["ACCEPT_KEYS", "EDGE", "offer_frame", "fit_acceptance", "accept_probability"]

#: Debtors an acceptance fit uses at most (a random subset beyond; the intervals say so through n).
MAX_DEBTORS = 30000
#: The reason given when the joint acceptance fit ends on the edge of its search range.
EDGE = "the joint fit ends on the edge of its search range, so no interval is valid"
ACCEPT_KEYS = ("accept_alpha", "accept_beta", "lump_mu", "lump_sigma", "monthly_mu", "monthly_sigma")


def offer_frame(data: CalibData) -> pl.DataFrame:
    """Offers up to each debtor's first acceptance, with log(F/B0), log(P/B0) and the offer rank."""
    sc = data.scenario
    of = data.tables["offers"]
    first_acc = of.filter(pl.col("accepted")).group_by("idx").agg(pl.col("t").min().alias("t_acc"))
    of = of.join(first_acc, on="idx", how="left").filter(pl.col("t_acc").is_null() | (pl.col("t") <= pl.col("t_acc")))
    of = of.sort(["idx", "t"]).with_columns(rank=pl.int_range(pl.len()).over("idx"),
                                             K=pl.len().over("idx"))
    idx = of.get_column("idx").to_numpy()
    b0 = data.balance[idx]
    t = np.maximum(of.get_column("t").to_numpy(), 0)
    d = of.get_column("discount").cast(pl.Float64).to_numpy()
    n = of.get_column("installments").cast(pl.Int64).fill_null(1).to_numpy() if "installments" in of.columns \
        else np.ones(of.height, np.int64)
    if "down_payment_share" in of.columns:
        down = of.get_column("down_payment_share").cast(pl.Float64).fill_null(sc.offers.down_payment_share).to_numpy()
    else:
        down = np.full(of.height, sc.offers.down_payment_share)
    owed = b0 * (1.0 + sc.money.juros_mora_monthly * t / 30.0)
    first, inst, _ = plan_installments(owed * (1 - d), n, down, sc.offers.plan_interest_monthly, sc.offers.min_installment)
    return of.with_columns(seg=pl.Series(data.seg[idx]), d=pl.Series(d),
                           lf=pl.Series(np.log(np.maximum(first, 1e-12) / b0)),
                           lp=pl.Series(np.where(inst > 0, np.log(np.maximum(inst, 1e-12) / b0), np.nan)))


def _negll(theta, arr):
    alpha, beta, lmu, lsig, mmu, msig = theta
    d, lf, lp, last, first, accepted, grp, ngrp, weight, k = arr
    p = special.expit(alpha + beta * d)
    a = ndtr((lmu - lf) / np.exp(lsig))
    a = a * np.where(np.isnan(lp), 1.0, ndtr((mmu - np.nan_to_num(lp)) / np.exp(msig)))
    a = np.clip(a, 1e-300, 1.0)
    # a_(k+1) of the next offer of the same debtor (0 after the last)
    nxt = np.where(last, 0.0, np.roll(a, -1))
    nxt = np.minimum(nxt, a)
    term = (a - nxt) * (1 - p) ** k
    dec = np.bincount(grp, weights=term, minlength=ngrp)
    a1 = np.bincount(grp, weights=np.where(first, a, 0.0), minlength=ngrp)
    dec = dec + (1.0 - a1)
    lastrow = last
    acc_ll = np.log(a[lastrow]) + (k[lastrow] - 1) * np.log1p(-p[lastrow]) + np.log(np.maximum(p[lastrow], 1e-300))
    acc = accepted[lastrow]
    ll = np.where(acc, acc_ll, np.log(np.maximum(dec, 1e-300)))
    return -float((weight * ll).sum())


@quietly
def fit_acceptance(of: pl.DataFrame, seg: int | None, segment: str, prior: dict[str, float],
                   start: np.ndarray | None = None) -> tuple[list[Estimate], np.ndarray | None, np.ndarray | None]:
    """Joint maximum likelihood of the six acceptance and capacity parameters.

    ``start``: where the search starts on the fitting scale (the portfolio's optimum for a
    segment: fewer iterations), else the scenario's values.

    Returns the estimates, and the optimum and its covariance on the fitting scale
    (alpha, beta, lump_mu, log lump_sigma, monthly_mu, log monthly_sigma), or None.
    """
    sub = of if seg is None else of.filter(pl.col("seg") == seg)
    n_debtors = sub.get_column("idx").n_unique() if sub.height else 0
    n_acc = int(sub.get_column("accepted").sum()) if sub.height else 0
    if n_debtors == 0 or n_acc == 0 or n_acc == n_debtors:
        why = "no offers to this segment" if n_debtors == 0 else "every offer declined" if n_acc == 0 else \
            "every debtor accepted"
        return [not_identified(segment, k, prior[k], why, n_debtors) for k in ACCEPT_KEYS], None, None
    combos = sub.select("d", "installments").unique()
    lumps = sub.filter(pl.col("installments") <= 1).get_column("d").n_unique()
    if combos.get_column("d").n_unique() < 3 or combos.height < 4 or lumps < 2:
        why = (f"the offers shown vary too little ({combos.get_column('d').n_unique()} discounts, {combos.height} "
               f"offer terms, {lumps} lump-sum discounts; at least 3, 4 and 2 are needed) to separate acceptance "
               "from capacity")
        return [not_identified(segment, k, prior[k], why, n_debtors) for k in ACCEPT_KEYS], None, None
    note = ""
    if n_debtors > MAX_DEBTORS:
        keep = pl.Series(np.random.default_rng(0).permutation(sub.get_column("idx").unique().sort().to_numpy())
                         [:MAX_DEBTORS])
        sub = sub.filter(pl.col("idx").is_in(keep))
        note = f"; fitted on a random {MAX_DEBTORS} of the {n_debtors} debtors offered"
        n_debtors = MAX_DEBTORS
    sub = sub.with_columns(pl.col("lf").round(3), pl.col("lp").round(3))
    # debtors with one offer and the same (d, lf, lp, accepted) are one term with a weight
    single = sub.filter(pl.col("K") == 1).group_by(["d", "lf", "lp", "accepted"]).agg(pl.len().alias("w"))
    single = single.with_columns(idx=-pl.int_range(1, pl.len() + 1, dtype=pl.Int64), rank=pl.lit(0, pl.Int64),
                                 K=pl.lit(1, pl.Int64))
    multi = sub.filter(pl.col("K") > 1).select("idx", "rank", "K", "d", "lf", "lp", "accepted",
                                                w=pl.lit(1, pl.UInt32))
    sub = pl.concat([single.select(multi.columns).cast(multi.schema), multi]).sort(["idx", "rank"])
    grp = sub.get_column("idx").rank("dense").to_numpy().astype(np.int64) - 1
    rank = sub.get_column("rank").to_numpy()
    K = sub.get_column("K").to_numpy()
    last = rank == K - 1
    arr = (sub.get_column("d").to_numpy(), sub.get_column("lf").to_numpy(), sub.get_column("lp").to_numpy(),
           last, rank == 0, sub.get_column("accepted").to_numpy(), grp, int(grp.max()) + 1,
           sub.get_column("w").to_numpy()[last].astype(np.float64), (rank + 1).astype(np.float64))
    th0 = np.array([prior["accept_alpha"], prior["accept_beta"], prior["lump_mu"], np.log(prior["lump_sigma"]),
                    prior["monthly_mu"], np.log(prior["monthly_sigma"])])
    bounds = [(-20, 20), (0, 100), (-10, 5), (np.log(0.02), np.log(5)), (-10, 5), (np.log(0.02), np.log(5))]
    if start is not None and np.all(np.isfinite(start)):
        th0 = np.clip(np.asarray(start, float), [b[0] + 1e-3 for b in bounds], [b[1] - 1e-3 for b in bounds])
    fun = lambda th: _negll(th, arr)  # noqa: E731
    res = optimize.minimize(fun, th0, method="L-BFGS-B", bounds=bounds)
    theta = res.x
    try:
        hess = approx_hess2(theta, fun)
        cov = np.linalg.inv(hess)
        var = np.diag(cov)
        if not np.all(np.isfinite(var)) or np.any(var <= 0):
            raise np.linalg.LinAlgError
        se = np.sqrt(var)
    except np.linalg.LinAlgError:
        return [not_identified(segment, k, prior[k], "the offers do not vary enough in discount and terms to "
                               "separate acceptance from capacity (flat likelihood)", n_debtors) for k in ACCEPT_KEYS], None, None
    method = (f"joint maximum likelihood (lognormal affordability x logistic acceptance, {sub.height} offers); "
              f"Wald interval from the observed information{note}")
    scales = ("identity", "identity", "identity", "log", "identity", "log")
    out = [from_scale(segment, k, theta[j], se[j], n_debtors, method, prior[k], scales[j])
           for j, k in enumerate(ACCEPT_KEYS)]
    edge = [k for j, k in enumerate(ACCEPT_KEYS) if min(abs(theta[j] - bounds[j][0]), abs(theta[j] - bounds[j][1])) < 1e-3]
    if edge:  # the joint optimum is pinned: none of the six has a valid interval from the observed information
        out = [replace(e, status="weakly identified", reason=f"{EDGE}: {', '.join(edge)}") for e in out]
    return out, theta, cov


def accept_probability(theta: np.ndarray, d: np.ndarray, lf: np.ndarray, lp: np.ndarray) -> np.ndarray:
    """Probability that one offer is accepted: affordability times the logistic curve."""
    alpha, beta, lmu, lsig, mmu, msig = theta
    a = ndtr((lmu - lf) / np.exp(lsig))
    a = a * np.where(np.isnan(lp), 1.0, ndtr((mmu - np.nan_to_num(lp)) / np.exp(msig)))
    return a * special.expit(alpha + beta * d)
