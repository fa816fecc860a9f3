"""The reservation discount: ``expect_offered`` and ``expect_received`` with ``accept_alpha``, ``accept_beta``.

The model (``docs/model.md``, "Escalating offers and the reservation discount"): an
affordable offer with discount ``d`` is accepted with probability
``sigmoid(alpha + beta (d - d_expected))``, ``d_expected = expect_offered * O + expect_received
* R (+ expect_announced * A)``, where for each offer row of the history

- ``O`` is the largest discount offered to the debtor before it, over all its accounts
  (offers ordered by date, then the model's channel order within a day);
- ``R`` is the largest discount of a kept agreement of the debtor whose status date is
  before the offer's (a settled earlier cycle).

The offers are those of :func:`calibration.acceptance.offer_frame` (each account's offers up
to its first acceptance), with the likelihood of the acceptance fit generalised to an
acceptance probability that varies from offer to offer: ``K`` offers with a last acceptance
have probability ``a_K prod_(i<K) (1 - p_i) p_K``, ``K`` declines ``(1 - a_1) + sum_j (a_j -
a_(j+1)) prod_(i<=j) (1 - p_i)`` (nested affordable sets, ``a_i`` from the capacity
parameters). Capacity (``lump_mu``, ...) is held at the acceptance fit's estimate where it
is identified, else at the scenario's value; ``alpha``, ``beta`` and the identified weights
are found by maximum likelihood (``scipy.optimize``), intervals from the observed
information (numerical Hessian, statsmodels). A weight is identified only where the
history shows its driver: offers after an earlier offer with a different discount
(escalation or earlier cycles; a repeated offer alone would rest on the capacity model) for
``expect_offered``, offers after a kept agreement with a discount for
``expect_received``. ``expect_announced`` (the segment's announced generosity) does not vary
within one history: it is confounded with ``accept_alpha`` and never identified.
"""
from __future__ import annotations

import numpy as np
import polars as pl
from scipy import optimize, special
from scipy.special import ndtr
from statsmodels.tools.numdiff import approx_hess2

from calibration.acceptance import offer_frame
from calibration.data import CHANNEL_ORDER, CalibData
from calibration.estimates import Estimate, from_scale, not_identified, quietly
from calibration.redelinquency import _debtor_key

__all__ = ["RESERVATION_KEYS", "reservation_frame", "fit_reservation", "MIN_ROWS"]

RESERVATION_KEYS = ("expect_offered", "expect_received", "expect_announced")
_CAPACITY = ("lump_mu", "lump_sigma", "monthly_mu", "monthly_sigma")
#: Offers with a positive driver (``O`` or ``R``) a weight needs to be estimated.
MIN_ROWS = 30
MAX_ACCOUNTS = 30000


def reservation_frame(data: CalibData) -> pl.DataFrame | None:
    """:func:`~calibration.acceptance.offer_frame` with ``offered_before`` (O) and ``received_before`` (R)."""
    if not data.has("offers"):
        return None
    of = data.tables["offers"]
    key = _debtor_key(data)
    idx = of.get_column("idx").to_numpy()
    chan = (of.get_column("channel").cast(pl.String).replace_strict(CHANNEL_ORDER, default=9, return_dtype=pl.Int8)
            if "channel" in of.columns else pl.Series(np.zeros(of.height, np.int8)))
    of = of.with_columns(_debtor=pl.Series(key[idx]), _day=pl.Series(data.entry[idx] + of.get_column("t").to_numpy()),
                         _chan=chan, _row=pl.int_range(pl.len()))
    of = of.sort("_debtor", "_day", "_chan", "_row").with_columns(
        offered_before=pl.col("discount").cast(pl.Float64).cum_max().shift(1).over("_debtor").fill_null(0.0))
    kept = None
    if data.has("agreements") and "status_t" in data.tables["agreements"].columns:
        ag = data.tables["agreements"].filter(pl.col("status") == "kept")
        if ag.height:
            aidx = ag.get_column("idx").to_numpy()
            kept = pl.DataFrame({"_debtor": key[aidx],
                                 "_day": (data.entry[aidx] + ag.get_column("status_t").to_numpy() + 1).astype(np.int64),
                                 "received_before": ag.get_column("discount").cast(pl.Float64).to_numpy()})
            kept = kept.sort("_debtor", "_day").with_columns(pl.col("received_before").cum_max().over("_debtor"))
    of = of.with_columns(pl.col("_day").cast(pl.Int64)).sort("_day")
    if kept is not None:
        of = of.join_asof(kept.sort("_day"), on="_day", by="_debtor", strategy="backward", check_sortedness=False)
    else:
        of = of.with_columns(received_before=pl.lit(None, pl.Float64))
    of = of.with_columns(pl.col("received_before").fill_null(0.0)).sort("_row").drop("_debtor", "_day", "_chan", "_row")
    tables = dict(data.tables)
    tables["offers"] = of
    prepared = CalibData(data.scenario, data.n, data.seg, data.entry, data.dpd0, data.balance, data.chronic, data.as_of,
                         data.first_date, data.as_of_date, data.label, tables, data.month_level, data.accounts)
    return offer_frame(prepared)


def _negll(theta: np.ndarray, free: tuple[bool, bool], fixed: tuple[float, float], arr) -> float:
    alpha, beta = theta[0], theta[1]
    k = 2
    w = []
    for j in range(2):
        if free[j]:
            w.append(theta[k])
            k += 1
        else:
            w.append(fixed[j])
    d, off, rec, a, nxt, last, first, accepted, grp, ngrp, start = arr
    p = special.expit(alpha + beta * (d - w[0] * off - w[1] * rec))
    l1p = np.log1p(-np.minimum(p, 1 - 1e-15))
    cs = np.cumsum(l1p)
    before = cs - l1p  # sum over the rows before this one ...
    S = cs - before[start][grp]  # ... of its own debtor: sum_(i<=j) log(1 - p_i)
    dec = np.bincount(grp, weights=(a - nxt) * np.exp(S), minlength=ngrp)
    a1 = np.bincount(grp, weights=np.where(first, a, 0.0), minlength=ngrp)
    dec = dec + (1.0 - a1)
    acc = accepted[last]
    acc_ll = np.log(a[last]) + (S[last] - l1p[last]) + np.log(np.maximum(p[last], 1e-300))
    return -float(np.where(acc, acc_ll, np.log(np.maximum(dec, 1e-300))).sum())


@quietly
def fit_reservation(rf: pl.DataFrame | None, seg: int | None, segment: str, prior: dict[str, float],
                    capacity: dict[str, Estimate] | None = None) -> list[Estimate]:
    """The reservation weights and, when one is identified, ``accept_alpha`` and ``accept_beta`` refitted.

    Parameters
    ----------
    rf : polars.DataFrame or None
        :func:`reservation_frame`.
    seg : int or None
        Segment index (None: the portfolio).
    segment : str
    prior : dict
        The scenario's values of the segment (``accept_*``, capacity, ``expect_*``).
    capacity : dict, optional
        The acceptance fit's estimates by key; identified capacity estimates are used.

    Returns
    -------
    list of Estimate
        ``expect_offered``, ``expect_received``, ``expect_announced``, then (only when a weight
        was estimated) ``accept_alpha`` and ``accept_beta``, which replace the acceptance fit's.
    """
    announced = not_identified(segment, "expect_announced", prior["expect_announced"],
                               "the segment's announced generosity does not vary within the history (confounded "
                               "with accept_alpha)")
    sub = None if rf is None else rf if seg is None else rf.filter(pl.col("seg") == seg)
    if sub is None or sub.height == 0:
        why = "no offers table in the history" if rf is None else "no offers to this segment"
        return [not_identified(segment, k, prior[k], why) for k in RESERVATION_KEYS[:2]] + [announced]
    n_acc = sub.get_column("idx").n_unique()
    if n_acc > MAX_ACCOUNTS:
        keep = pl.Series(np.random.default_rng(0).permutation(sub.get_column("idx").unique().sort().to_numpy())
                         [:MAX_ACCOUNTS])
        sub = sub.filter(pl.col("idx").is_in(keep))
    sub = sub.sort("idx", "rank")
    off, rec = sub.get_column("offered_before").to_numpy(), sub.get_column("received_before").to_numpy()
    d = sub.get_column("d").to_numpy()
    accepted = sub.get_column("accepted").to_numpy()
    varied = np.unique(np.round(d, 6)).size >= 2 and 0 < accepted.sum() < sub.get_column("idx").n_unique()
    n_off, n_rec = int(((off > 0) & (np.abs(d - off) > 1e-9)).sum()), int((rec > 0).sum())
    free = (varied and n_off >= MIN_ROWS, varied and n_rec >= MIN_ROWS)
    out = []
    if not any(free):
        for k, n, what in (("expect_offered", n_off, "offers after an earlier, different offer"),
                           ("expect_received", n_rec, "offers after a kept agreement with a discount")):
            why = ("the discounts offered do not vary, or every or no debtor accepted" if not varied else
                   f"too few {what} ({n}, at least {MIN_ROWS} are needed)")
            out.append(not_identified(segment, k, prior[k], why, n))
        return out + [announced]
    cap = {k: (capacity[k].value if capacity and k in capacity and capacity[k].status == "identified" else prior[k])
           for k in _CAPACITY}
    lf, lp = sub.get_column("lf").to_numpy(), sub.get_column("lp").to_numpy()
    a = ndtr((cap["lump_mu"] - lf) / cap["lump_sigma"])
    a = np.clip(a * np.where(np.isnan(lp), 1.0, ndtr((cap["monthly_mu"] - np.nan_to_num(lp)) / cap["monthly_sigma"])),
                1e-300, 1.0)
    rank, K = sub.get_column("rank").to_numpy(), sub.get_column("K").to_numpy()
    last = rank == K - 1
    nxt = np.minimum(np.where(last, 0.0, np.roll(a, -1)), a)
    grp = sub.get_column("idx").rank("dense").to_numpy().astype(np.int64) - 1
    start = np.flatnonzero(rank == 0)
    arr = (d, off, rec, a, nxt, last, rank == 0, accepted, grp, int(grp.max()) + 1, start)
    fixed = (prior["expect_offered"], prior["expect_received"])
    th0 = [prior["accept_alpha"], prior["accept_beta"]] + [0.3 for f in free if f]
    bounds = [(-20, 20), (0, 100)] + [(0.0, 2.0) for f in free if f]
    fun = lambda th: _negll(th, free, fixed, arr)  # noqa: E731
    res = optimize.minimize(fun, np.array(th0), method="L-BFGS-B", bounds=bounds)
    theta = res.x
    n = int(sub.get_column("idx").n_unique())
    try:
        cov = np.linalg.inv(approx_hess2(theta, fun))
        se = np.sqrt(np.diag(cov))
        if not np.all(np.isfinite(se)) or np.any(np.diag(cov) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        return [not_identified(segment, k, prior[k], "flat likelihood: the offers' history does not separate the "
                               "reservation discount from the acceptance curve", n) for k in RESERVATION_KEYS[:2]] + [announced]
    held = "estimated" if all(capacity and k in capacity and capacity[k].status == "identified" for k in _CAPACITY) \
        else "the scenario's where not identified"
    method = (f"maximum likelihood of acceptance with a reservation discount ({sub.height} offers, capacity held at "
              f"its {held} values); Wald interval from the observed information")
    k = 2
    for j, key in enumerate(("expect_offered", "expect_received")):
        if free[j]:
            e = from_scale(segment, key, theta[k], se[k], n, method, prior[key], "identity", (0.0, 2.0))
            k += 1
        else:
            e = not_identified(segment, key, prior[key], f"too few offers after {'an earlier, different offer' if j == 0 else 'a kept agreement with a discount'}", n)
        out.append(e)
    out.append(announced)
    out.append(from_scale(segment, "accept_alpha", theta[0], se[0], n, method, prior["accept_alpha"]))
    out.append(from_scale(segment, "accept_beta", theta[1], se[1], n, method, prior["accept_beta"]))
    return out


def add_cycle_estimates(data: CalibData, groups: list, est: dict[str, list[Estimate]], notes: list[str]) -> None:
    """Add the several-cycle estimates to a calibration's ``est`` (by segment name), in place.

    Re-delinquency (:mod:`calibration.redelinquency`) when the history has re-entries or the
    scenario has several cycles; the reservation discount when, besides, offers were made,
    or when the history's offers escalate (a larger discount after a smaller one) or the
    scenario sets a reservation weight. A refitted ``accept_alpha`` / ``accept_beta``
    replaces the acceptance fit's. ``groups`` are the calibration's ``(index, name, prior,
    mask)``.
    """
    from calibration.redelinquency import fit_redelinquency, re_entries
    sc = data.scenario
    n_re = re_entries(data)
    multi = sc.cycles.enabled or n_re > 0
    if multi:
        notes.append(f"{n_re} re-entries (a debtor's later accounts): re-delinquency estimated by how the last "
                     "cycle ended" if n_re else "no re-entries in the history: the re-delinquency hazards keep the "
                     "scenario's values")
        for name, found in fit_redelinquency(data).items():
            if name in est:
                est[name] += found
    rf = reservation_frame(data)
    escalates = rf is not None and bool(((rf["offered_before"] > 0) & (rf["d"] > rf["offered_before"] + 1e-9)).any())
    weights = any(getattr(s.behaviour, k) != 0 for s in sc.segments for k in RESERVATION_KEYS)
    if not (multi or escalates or weights):
        return
    for s, name, prior, _ in groups:
        beh = (sc.segments[s] if s is not None else sc).behaviour
        full = dict(prior) | {k: float(getattr(beh, k)) for k in RESERVATION_KEYS}
        capacity = {e.key: e for e in est[name] if e.key in _CAPACITY}
        found = fit_reservation(rf, s, name, full, capacity)
        refit = {e.key: e for e in found if e.key in ("accept_alpha", "accept_beta")}
        est[name] = [refit.get(e.key, e) for e in est[name]] + [e for e in found if e.key not in refit]
