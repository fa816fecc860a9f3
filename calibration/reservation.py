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
parameters). The weights are fitted jointly with ``alpha``, ``beta`` and the lump-sum and
monthly capacity (one likelihood, :mod:`calibration.offerlik`): an offer declined after an
earlier, smaller one is explained either by a raised reservation discount or by an amount
that grew past the debtor's capacity, so holding the capacity at the acceptance fit's
estimate (which assumes no reservation discount) would bias both. Maximum likelihood by
``scipy.optimize``; profile-likelihood intervals in segments of at most
:data:`calibration.profile.PROFILE_MAX_DEBTORS` debtors offered, Wald above. Where the
offers do not identify the capacity (nearly every offer affordable), it is held at the
acceptance fit's estimate or the scenario's value, and the method says so. A weight is
identified only where the history shows its driver: offers after an earlier offer with a different discount
(escalation or earlier cycles; a repeated offer alone would rest on the capacity model) for
``expect_offered``, offers after a kept agreement with a discount for
``expect_received``. ``expect_announced`` (the segment's announced generosity) does not vary
within one history: it is confounded with ``accept_alpha`` and never identified.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from calibration.acceptance import ACCEPT_KEYS, EDGE, offer_frame
from calibration.data import CHANNEL_ORDER, CalibData
from calibration.estimates import Estimate, not_identified, quietly
from calibration.offerlik import KEYS, fit_offers, offer_arrays
from calibration.profile import joint_estimates
from calibration.redelinquency import _debtor_key

__all__ = ["RESERVATION_KEYS", "reservation_frame", "fit_reservation", "MIN_ROWS"]

RESERVATION_KEYS = ("expect_offered", "expect_received", "expect_announced")
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


@quietly
def fit_reservation(rf: pl.DataFrame | None, seg: int | None, segment: str, prior: dict[str, float],
                    acceptance: dict[str, Estimate] | None = None) -> list[Estimate]:
    """The reservation weights, jointly with the acceptance curve and the capacity.

    Parameters
    ----------
    rf : polars.DataFrame or None
        :func:`reservation_frame`.
    seg : int or None
        Segment index (None: the portfolio).
    segment : str
    prior : dict
        The scenario's values of the segment (``accept_*``, capacity, ``expect_*``).
    acceptance : dict, optional
        The acceptance fit's estimates by key: the search starts from the identified ones.

    Returns
    -------
    list of Estimate
        ``expect_offered``, ``expect_received``, ``expect_announced``, then (only when a weight
        was estimated) ``accept_alpha``, ``accept_beta``, ``lump_mu``, ``lump_sigma`` and, when
        installment plans were offered, ``monthly_mu``, ``monthly_sigma``: one joint maximum
        likelihood, which replace the acceptance fit's.
    """
    announced = not_identified(segment, "expect_announced", prior["expect_announced"],
                               "the segment's announced generosity does not vary within the history (confounded "
                               "with accept_alpha)")
    sub = None if rf is None else rf if seg is None else rf.filter(pl.col("seg") == seg)
    if sub is None or sub.height == 0:
        why = "no offers table in the history" if rf is None else "no offers to this segment"
        return [not_identified(segment, k, prior[k], why) for k in RESERVATION_KEYS[:2]] + [announced]
    n_acc = sub.get_column("idx").n_unique()
    note = ""
    if n_acc > MAX_ACCOUNTS:
        keep = pl.Series(np.random.default_rng(0).permutation(sub.get_column("idx").unique().sort().to_numpy())
                         [:MAX_ACCOUNTS])
        sub = sub.filter(pl.col("idx").is_in(keep))
        note = f"; fitted on a random {MAX_ACCOUNTS} of the {n_acc} accounts offered"
    off, rec = sub.get_column("offered_before").to_numpy(), sub.get_column("received_before").to_numpy()
    d = sub.get_column("d").to_numpy()
    accepted = sub.get_column("accepted").to_numpy()
    varied = np.unique(np.round(d, 6)).size >= 2 and 0 < accepted.sum() < sub.get_column("idx").n_unique()
    n_off, n_rec = int(((off > 0) & (np.abs(d - off) > 1e-9)).sum()), int((rec > 0).sum())
    free_w = (varied and n_off >= MIN_ROWS, varied and n_rec >= MIN_ROWS)
    out = []
    if not any(free_w):
        for k, n, what in (("expect_offered", n_off, "offers after an earlier, different offer"),
                           ("expect_received", n_rec, "offers after a kept agreement with a discount")):
            why = ("the discounts offered do not vary, or every or no debtor accepted" if not varied else
                   f"too few {what} ({n}, at least {MIN_ROWS} are needed)")
            out.append(not_identified(segment, k, prior[k], why, n))
        return out + [announced]
    A = offer_arrays(sub)
    plans = bool(A.has_lp.any())
    # the search starts from the acceptance fit where it is identified (a weakly identified capacity may sit on
    # the edge of its range, where the reservation discount would be absorbed), else from the scenario's values
    def start_of(k: str) -> float:
        e = (acceptance or {}).get(k)
        return e.value if e is not None and e.status == "identified" else prior[k]
    th0 = np.array([start_of("accept_alpha"), start_of("accept_beta"), start_of("lump_mu"),
                    np.log(start_of("lump_sigma")), start_of("monthly_mu"), np.log(start_of("monthly_sigma")),
                    0.3, 0.3])
    th0[6:] = [0.3 if f else prior[k] for f, k in zip(free_w, ("expect_offered", "expect_received"))]
    # the capacity is fitted jointly where the offers identify it (the acceptance fit found it identified)
    joint = all((acceptance or {}).get(k) is not None and acceptance[k].status == "identified"
                for k in ("lump_mu", "lump_sigma"))
    fit = fit_offers(A, th0, np.array([True, True, True, True, plans, plans, *free_w])) if joint else None
    what = (f"joint maximum likelihood of acceptance with a reservation discount and the capacity ({A.rows} offers"
            f"{'' if plans else '; no installment plans offered: monthly capacity not in it'}){note}")
    if fit is None or fit.cov is None:  # capacity not identified (e.g. nearly every offer affordable): held
        fit = fit_offers(A, th0, np.array([True, True, False, False, False, False, *free_w]))
        what = (f"maximum likelihood of acceptance with a reservation discount ({A.rows} offers; the offers do not "
                f"identify the capacity, so it is held at the acceptance fit's estimate where identified, else at the scenario's "
                f"value){note}")
    n = int(sub.get_column("idx").n_unique())
    if fit.cov is None:
        return [not_identified(segment, k, prior[k], "flat likelihood: the offers' history does not separate the "
                               "reservation discount from the acceptance curve", n) for k in RESERVATION_KEYS[:2]] + [announced]
    found = {e.key: e for e in joint_estimates(A, fit, segment, n, prior, what)}
    if fit.edge:
        edge = ", ".join(KEYS[i] for i in fit.edge)
        found = {k: replace(e, status="weakly identified", reason=f"{EDGE}: {edge}") for k, e in found.items()}
    for j, key in enumerate(("expect_offered", "expect_received")):
        out.append(found.pop(key) if free_w[j] else not_identified(
            segment, key, prior[key], f"too few offers after {'an earlier, different offer' if j == 0 else 'a kept agreement with a discount'}", n))
    return out + [announced] + list(found.values())


def _escalates(data: CalibData) -> bool:
    """Whether some account was offered a larger discount after a smaller one (one pass, no join)."""
    if not data.has("offers"):
        return False
    of = data.tables["offers"].lazy().select("idx", "t", pl.col("discount").cast(pl.Float64))
    return bool(of.sort("idx", "t").select(
        (pl.col("discount") > pl.col("discount").cum_max().shift(1).over("idx") + 1e-9).any()).collect().item())


def add_cycle_estimates(data: CalibData, groups: list, est: dict[str, list[Estimate]], notes: list[str]) -> None:
    """Add the several-cycle estimates to a calibration's ``est`` (by segment name), in place.

    Re-delinquency (:mod:`calibration.redelinquency`) when the history has re-entries or the
    scenario has several cycles; the reservation discount when, besides, offers were made,
    or when the history's offers escalate (a larger discount after a smaller one) or the
    scenario sets a reservation weight. The joint refit of the acceptance curve and the
    capacity replaces the acceptance fit's. ``groups`` are the calibration's ``(index, name, prior,
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
    weights = any(getattr(s.behaviour, k) != 0 for s in sc.segments for k in RESERVATION_KEYS)
    if not (multi or weights or _escalates(data)):
        return
    rf = reservation_frame(data)
    one = len(sc.segments) == 1  # one segment: the portfolio's offers are the segment's (fitted once)
    for s, name, prior, _ in groups:
        beh = (sc.segments[s] if s is not None else sc).behaviour
        full = dict(prior) | {k: float(getattr(beh, k)) for k in RESERVATION_KEYS}
        acceptance = {e.key: e for e in est[name] if e.key in ACCEPT_KEYS}
        if one and s is None and sc.segments[0].name in est:
            first = {e.key: e for e in est[sc.segments[0].name]}
            found = [replace(first[k], segment=name, prior=full[k]) for k in RESERVATION_KEYS if k in first]
            found += [replace(first[k], segment=name, prior=full[k]) for k in ACCEPT_KEYS
                      if k in first and "reservation discount" in first[k].method]
        else:
            found = fit_reservation(rf, s, name, full, acceptance)
        refit = {e.key: e for e in found if e.key in ACCEPT_KEYS}
        est[name] = [refit.get(e.key, e) for e in est[name]] + [e for e in found if e.key not in refit]
