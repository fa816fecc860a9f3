"""Acceptance and capacity: ``accept_alpha``, ``accept_beta`` with lump-sum and monthly capacity.

The model's step H: an engaged debtor shown the offer ``(d, n, down)`` accepts when it is
affordable — its first payment ``F <= L`` and its installment ``P <= M``, with
``L = B0 exp(lump_mu + lump_sigma z1)``, ``M = B0 exp(monthly_mu + monthly_sigma z2)``,
``z1, z2`` independent standard normals drawn once per debtor — and
``u < sigmoid(alpha + beta d)``. So ``P(affordable) = Phi((lump_mu - log(F/B0))/lump_sigma)
* Phi((monthly_mu - log(P/B0))/monthly_sigma)`` (the second factor is 1 for a lump sum).

A debtor negotiating again keeps its capacity: its offers are one likelihood term
(:mod:`calibration.offerlik`: the affordable sets are nested as the amounts grow with the
juros de mora). Offers after a first agreement are left out (the balance owed then depends
on the broken plan). The joint maximum likelihood is found by ``scipy.optimize`` with the
likelihood's analytic gradient. Intervals: profile likelihood in segments of at most
:data:`calibration.profile.PROFILE_MAX_DEBTORS` debtors offered, or when a Wald interval
would leave the parameter's search range (small samples, skewed likelihoods, estimates
near a boundary: there the Wald interval under-covers); Wald from the observed information
(finite differences of the gradient, statsmodels) in larger segments.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
from scipy import special
from scipy.special import ndtr

from calibration.data import CHANNEL_ORDER, CalibData
from calibration.estimates import quietly, Estimate, not_identified
from calibration.offerlik import KEYS, fit_offers, offer_arrays
from calibration.profile import joint_estimates
from simulation.engine import plan_installments

__all__ = ["ACCEPT_KEYS", "EDGE", "offer_frame", "fit_acceptance", "accept_probability"]

#: Debtors an acceptance fit uses at most (a random subset beyond; the intervals say so through n).
MAX_DEBTORS = 30000
#: The reason given when the joint acceptance fit ends on the edge of its search range.
EDGE = "the joint fit ends on the edge of its search range, so no interval is valid"
ACCEPT_KEYS = ("accept_alpha", "accept_beta", "lump_mu", "lump_sigma", "monthly_mu", "monthly_sigma")
#: The acceptance fit frees the six (the reservation weights stay at zero: :mod:`calibration.reservation`).
FREE = np.array([True] * 6 + [False] * 2)


def offer_frame(data: CalibData) -> pl.DataFrame:
    """Offers up to each debtor's first acceptance, with log(F/B0), log(P/B0) and the offer rank."""
    sc = data.scenario
    of = data.tables["offers"]
    first_acc = of.filter(pl.col("accepted")).group_by("idx").agg(pl.col("t").min().alias("t_acc"))
    of = of.join(first_acc, on="idx", how="left").filter(pl.col("t_acc").is_null() | (pl.col("t") <= pl.col("t_acc")))
    # a debtor's offers in the order they were made: by day, then the model's channel order within a day
    chan = (of.get_column("channel").cast(pl.String).replace_strict(CHANNEL_ORDER, default=9, return_dtype=pl.Int8)
            if "channel" in of.columns else pl.Series(np.zeros(of.height, np.int8)))
    of = of.with_columns(_chan=chan).sort(["idx", "t", "_chan"], maintain_order=True).drop("_chan")
    of = of.with_columns(rank=pl.int_range(pl.len()).over("idx"), K=pl.len().over("idx"))
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
    A = offer_arrays(sub)
    th0 = np.array([prior["accept_alpha"], prior["accept_beta"], prior["lump_mu"], np.log(prior["lump_sigma"]),
                    prior["monthly_mu"], np.log(prior["monthly_sigma"]), 0.0, 0.0])
    if start is not None and np.all(np.isfinite(start)):
        th0[:6] = np.asarray(start, float)[:6]
    plans = bool(A.has_lp.any())  # without installment plans the monthly capacity is not in the likelihood
    fit = fit_offers(A, th0, FREE & np.array([True] * 4 + [plans] * 2 + [True] * 2))
    if fit.cov is None:
        return [not_identified(segment, k, prior[k], "the offers do not vary enough in discount and terms to "
                               "separate acceptance from capacity (flat likelihood)", n_debtors) for k in ACCEPT_KEYS], None, None
    what = f"joint maximum likelihood (lognormal affordability x logistic acceptance, {A.rows} offers){note}"
    if fit.edge:  # the joint optimum is pinned: none of the six has a valid interval
        edge = ", ".join(KEYS[i] for i in fit.edge)
        out = joint_estimates(A, fit, segment, n_debtors, prior, what, profile=False)
        out = [replace(e, status="weakly identified", reason=f"{EDGE}: {edge}") for e in out]
    else:
        out = joint_estimates(A, fit, segment, n_debtors, prior, what)
    if not plans:
        out += [not_identified(segment, k, prior[k], "no installment plans offered", n_debtors)
                for k in ("monthly_mu", "monthly_sigma")]
    f = np.flatnonzero(fit.free)
    cov = np.zeros((6, 6))
    cov[np.ix_(f, f)] = fit.cov
    return out, fit.theta[:6], cov


def accept_probability(theta: np.ndarray, d: np.ndarray, lf: np.ndarray, lp: np.ndarray) -> np.ndarray:
    """Probability that one offer is accepted: affordability times the logistic curve."""
    alpha, beta, lmu, lsig, mmu, msig = theta
    a = ndtr((lmu - lf) / np.exp(lsig))
    a = a * np.where(np.isnan(lp), 1.0, ndtr((mmu - np.nan_to_num(lp)) / np.exp(msig)))
    return a * special.expit(alpha + beta * d)
