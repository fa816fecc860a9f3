"""Re-delinquency hazards from a history with re-entries (several cycles, ``docs/model.md``).

A re-entry into collections is a new ``accounts`` row of the same debtor with a later
``entry_date``. Every account (a cycle) that ended in payment is a spell at risk of
re-delinquency from the day after its end to the debtor's next entry (an event after
``K`` days) or to as-of (censored after ``c`` days without re-entry). How it ended:

- ``broken``: an agreement of the account was broken (and the account was paid later);
- ``settled``: else, the last kept agreement ended it (its discount ``d``);
- ``paid_in_full``: else, a ``self_cure`` or ``agency`` payment ended it.

Accounts written off (a ``write_off`` event), still open, or whose debtor opted out of
contact on or before the end are not at risk (lost customers). With the simulator's law,
``P(K = k) = (1 - h)^(k-1) h`` with the daily hazard ``h = 1 - (1 - m)^(1/30)`` of the
monthly probability ``m``; the maximum-likelihood estimate of ``h`` for one kind is
``events / (events + sum(K - 1) + sum(c))``, its 95% interval on the logit scale. A debtor's
spells (one per cycle) are one cluster: the standard errors are the debtor-clustered sandwich
where it is wider than the model's own (it is when debtors differ in ways the model does not
say, or the law is not exactly geometric). For
``settled``, ``m(d) = min(1, m0 exp(slope d))`` is fitted by maximum likelihood (statsmodels'
``GenericLikelihoodModel``) when the discounts vary; otherwise the slope is not identified.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import polars as pl
from statsmodels.base.model import GenericLikelihoodModel

from calibration.estimates import PORTFOLIO, Z95, Estimate, not_identified, quiet

__all__ = ["spells", "estimate_redelinquency", "fit_redelinquency", "history_of", "re_entries", "KINDS", "REDELINQUENCY_KEYS"]

KINDS = ("paid_in_full", "settled", "broken")
_KEYS = {"paid_in_full": "redelinquency_paid", "settled": "redelinquency_settled", "broken": "redelinquency_broken"}
#: The behaviour keys estimated here, in the order they are reported.
REDELINQUENCY_KEYS = ("redelinquency_paid", "redelinquency_settled", "redelinquency_discount_slope",
                      "redelinquency_broken")


def _table(history: Any, name: str) -> pl.DataFrame | None:
    return history.get(name) if isinstance(history, Mapping) else getattr(history, name, None)


def spells(history: Any, as_of) -> pl.DataFrame:
    """One row per account at risk: ``account, debtor, kind, discount, end, days, event``.

    ``debtor`` is a dense number of the debtor (its spells are one cluster), never its id;
    ``end`` is the day the cycle ended (the spell starts the day after).

    ``days`` is ``K`` (days to the next entry, ``event`` true) or ``c`` (days observed to
    as-of without re-entry, ``event`` false).
    """
    acc = _table(history, "accounts").with_row_index("account").select("account", "debtor_id", "entry_date")
    acc = acc.sort("debtor_id", "entry_date").with_columns(
        pl.col("entry_date").shift(-1).over("debtor_id").alias("next_entry"))
    pay = _table(history, "payments")
    paid = pay.filter(pl.col("kind").is_in(["self_cure", "agency"])).group_by("account").agg(
        pl.col("date").max().alias("paid_end"))
    ends = acc.join(paid, on="account", how="left")
    agr = _table(history, "agreements")
    if agr is not None and agr.height:
        kept = agr.filter(pl.col("status") == "kept").sort("status_date").group_by("account").agg(
            pl.col("status_date").last().alias("kept_end"), pl.col("discount").last().alias("kept_discount"))
        broke = agr.filter(pl.col("status") == "broken").group_by("account").agg(pl.len().alias("n_broken"))
        ends = ends.join(kept, on="account", how="left").join(broke, on="account", how="left")
    else:
        ends = ends.with_columns(pl.lit(None, pl.Date).alias("kept_end"), pl.lit(None, pl.Float64).alias("kept_discount"),
                                 pl.lit(None, pl.UInt32).alias("n_broken"))
    ev = _table(history, "events")
    if ev is not None and ev.height:
        gone = ev.filter(pl.col("kind") == "write_off").select("account").unique().with_columns(pl.lit(True).alias("wo"))
        ends = ends.join(gone, on="account", how="left")
    else:
        ends = ends.with_columns(pl.lit(None, pl.Boolean).alias("wo"))
    end = pl.max_horizontal("paid_end", "kept_end")
    ends = ends.with_columns(end.alias("end")).filter(pl.col("end").is_not_null() & pl.col("wo").is_null())
    con = _table(history, "contacts")
    if con is not None and con.height and "opted_out" in con.columns:
        opt = con.filter(pl.col("opted_out").fill_null(False)).group_by("debtor_id").agg(pl.col("date").min().alias("opt"))
        ends = ends.join(opt, on="debtor_id", how="left").filter(
            pl.col("opt").is_null() | (pl.col("opt") > pl.col("end")))
    kind = (pl.when(pl.col("n_broken").fill_null(0) > 0).then(pl.lit("broken"))
            .when(pl.col("kept_end").is_not_null() & (pl.col("kept_end") >= pl.col("paid_end").fill_null(pl.col("kept_end"))))
            .then(pl.lit("settled")).otherwise(pl.lit("paid_in_full")))
    out = ends.with_columns(
        kind.alias("kind"),
        pl.when(pl.col("next_entry").is_not_null()).then((pl.col("next_entry") - pl.col("end")).dt.total_days())
        .otherwise((pl.lit(as_of) - pl.col("end")).dt.total_days()).alias("days"),
        pl.col("next_entry").is_not_null().alias("event"))
    out = out.with_columns(pl.when(pl.col("kind") == "settled").then(pl.col("kept_discount")).otherwise(0.0)
                           .fill_null(0.0).alias("discount"))
    out = out.with_columns(debtor=pl.col("debtor_id").cast(pl.String).rank("dense").cast(pl.Int64))
    return (out.filter(pl.col("days") >= 0).select("account", "debtor", "kind", "discount", "end", "days", "event")
            .sort("account"))


def _monthly(h: float) -> float:
    return 1.0 - (1.0 - h) ** 30


def _clustered(score: np.ndarray, debtor: np.ndarray | None) -> np.ndarray:
    """``sum_g s_g s_g'`` of the spells' scores summed by debtor (rows: spells; columns: parameters),
    with the small-sample factor ``G / (G - 1)``."""
    score = np.atleast_2d(score.T).T
    if debtor is None:
        g, G = np.arange(score.shape[0]), score.shape[0]
    else:
        _, g = np.unique(debtor, return_inverse=True)
        G = int(g.max()) + 1 if g.size else 0
    sums = np.zeros((G, score.shape[1]))
    np.add.at(sums, g, score)
    return sums.T @ sums * (G / max(G - 1, 1))


def _simple(segment: str, kind: str, days: np.ndarray, event: np.ndarray, prior: float,
            debtor: np.ndarray | None = None) -> Estimate:
    key = _KEYS[kind]
    E = int(event.sum())
    k = np.where(event, days - 1, days)
    exposure = float(np.sum(k))
    if E == 0 or E + exposure <= 0:
        return not_identified(segment, key, prior, "no re-entry after such a cycle" if days.size else "no such cycle")
    h = E / (E + exposure)
    theta = math.log(h / (1 - h))
    info = E * (1 - h)
    # a debtor's spells are one cluster: the debtor-level sandwich when it is wider than the model's variance
    robust = float(_clustered(np.where(event, 1.0 - h, 0.0) - k * h, debtor)[0, 0]) / info ** 2
    se = math.sqrt(max(1.0 / info, robust))
    lo, hi = (1 / (1 + math.exp(-(theta + z * se))) for z in (-Z95, Z95))
    value, lo, hi = _monthly(h), _monthly(lo), _monthly(hi)
    status = "identified" if hi - lo < value else "weakly identified"
    return Estimate(segment, key, value, lo, hi, int(days.size), "geometric MLE of the days to re-entry (logit "
                    "Wald interval, debtor-clustered sandwich variance)", status,
                    prior=prior, scale="logit", theta=theta, se=se, bounds=(0.0, 1.0))


class _Settled(GenericLikelihoodModel):
    """Days to re-entry after a kept agreement with discount d: geometric, m(d) = m0 exp(slope d)."""

    def __init__(self, days, event, discount, **kw):
        super().__init__(np.asarray(days, float), np.column_stack([np.ones(len(days)), discount]), **kw)
        self.event = np.asarray(event, bool)

    def loglike(self, params):
        m = np.minimum(np.exp(params[0] + params[1] * self.exog[:, 1]), 1 - 1e-12)
        h = -np.expm1(np.log1p(-m) / 30.0)
        k = np.where(self.event, self.endog - 1, self.endog)
        return float(np.sum(np.where(self.event, np.log(h), 0.0) + k * np.log1p(-h)))


def _settled(segment: str, days, event, discount, prior_m: float, prior_slope: float,
             debtor: np.ndarray | None = None) -> list[Estimate]:
    if int(event.sum()) == 0:
        return [not_identified(segment, "redelinquency_settled", prior_m, "no re-entry after a kept agreement"),
                not_identified(segment, "redelinquency_discount_slope", prior_slope, "no re-entry after a kept agreement")]
    if np.unique(np.round(discount, 6)).size < 2:
        est = _simple(segment, "settled", days, event, prior_m, debtor)
        return [est, not_identified(segment, "redelinquency_discount_slope", prior_slope, "every kept agreement had the same discount")]
    h0 = event.sum() / max(event.sum() + np.sum(np.where(event, days - 1, days)), 1)
    with quiet():
        fit = _Settled(days, event, discount).fit(start_params=np.array([math.log(max(_monthly(h0), 1e-6)), 0.0]),
                                                  method="bfgs", disp=False, maxiter=500)
    theta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    # the debtor-clustered sandwich cov B cov from the spells' analytic scores, where it is wider
    m = np.minimum(np.exp(theta[0] + theta[1] * discount), 1 - 1e-12)
    h = -np.expm1(np.log1p(-m) / 30.0)
    k = np.where(event, days - 1, days)
    s_a = (np.where(event, 1.0 / h, 0.0) - k / (1 - h)) * (1 - h) / (30 * (1 - m)) * m
    robust = cov @ _clustered(np.column_stack([s_a, s_a * discount]), debtor) @ cov
    se = np.sqrt(np.maximum(np.maximum(np.diag(cov), np.diag(robust)), 0))
    out = []
    for i, (key, prior, scale) in enumerate((("redelinquency_settled", prior_m, "log"),
                                             ("redelinquency_discount_slope", prior_slope, "identity"))):
        lo, hi = theta[i] - Z95 * se[i], theta[i] + Z95 * se[i]
        value = math.exp(theta[i]) if scale == "log" else theta[i]
        lo, hi = (math.exp(lo), math.exp(hi)) if scale == "log" else (lo, hi)
        status = "identified" if hi - lo < abs(value) else "weakly identified"
        out.append(Estimate(segment, key, value, lo, hi, int(days.size), "geometric MLE, m0 exp(slope d) (Wald "
                            "interval, debtor-clustered sandwich variance)", status,
                            prior=prior, scale=scale, theta=float(theta[i]), se=float(se[i])))
    return out


def estimate_redelinquency(history: Any, as_of, *, segment_of_account: np.ndarray | None = None,
                           segment_names: tuple[str, ...] = (), priors: Mapping[str, Mapping[str, float]] | None = None
                           ) -> list[Estimate]:
    """Re-delinquency hazards by how the last cycle ended, per segment and for the portfolio.

    Parameters
    ----------
    history : History or mapping of tables
        Read by :func:`scenarios.history.read_history` (``account`` keys the other tables).
    as_of : datetime.date
        End of observation (``History.as_of``).
    segment_of_account : ndarray, optional
        Segment index of every ``accounts`` row (the segment of that cycle); None: portfolio only.
    segment_names : tuple of str
    priors : mapping, optional
        ``{segment or "portfolio": {key: scenario value}}`` reported as the prior.

    Returns
    -------
    list of Estimate
        Keys ``redelinquency_paid``, ``redelinquency_settled``, ``redelinquency_discount_slope``,
        ``redelinquency_broken`` (monthly probabilities; the slope per unit of discount).
    """
    sp = spells(history, as_of)
    groups = [(PORTFOLIO, np.ones(sp.height, bool))]
    if segment_of_account is not None:
        seg = np.asarray(segment_of_account)[sp["account"].to_numpy()]
        groups += [(name, seg == j) for j, name in enumerate(segment_names)]
    out: list[Estimate] = []
    kind, days = sp["kind"].to_numpy(), sp["days"].to_numpy().astype(float)
    event, disc, debtor = sp["event"].to_numpy(), sp["discount"].to_numpy(), sp["debtor"].to_numpy()
    for name, mask in groups:
        prior = dict((priors or {}).get(name, {}))
        for k in ("paid_in_full", "broken"):
            m = mask & (kind == k)
            out.append(_simple(name, k, days[m], event[m], prior.get(_KEYS[k], float("nan")), debtor[m]))
        m = mask & (kind == "settled")
        out += _settled(name, days[m], event[m], disc[m], prior.get("redelinquency_settled", float("nan")),
                        prior.get("redelinquency_discount_slope", float("nan")), debtor[m])
    return out


def _debtor_key(data) -> np.ndarray:
    """A dense debtor number per account of a :class:`calibration.data.CalibData` (its own row without ids)."""
    acc = getattr(data, "accounts", None)
    if acc is None or "debtor_id" not in acc.columns:
        return np.arange(data.n, dtype=np.int64)
    return acc.get_column("debtor_id").cast(pl.String).rank("dense").to_numpy().astype(np.int64) - 1


def re_entries(data) -> int:
    """Accounts of a :class:`calibration.data.CalibData` that are a re-entry (a debtor's second or later)."""
    key = _debtor_key(data)
    return int(key.size - np.unique(key).size)


def history_of(data) -> dict[str, pl.DataFrame]:
    """The tables :func:`spells` reads, rebuilt from a :class:`calibration.data.CalibData`.

    ``debtor_id`` is a dense debtor number (never the raw id), ``account`` the row of
    ``accounts``, dates the entry day plus each row's day since entry.
    """
    def dates(days: np.ndarray) -> pl.Series:
        return pl.Series(np.asarray(days, np.int32)).cast(pl.Date)

    key = _debtor_key(data)
    out = {"accounts": pl.DataFrame({"debtor_id": key, "entry_date": dates(data.entry)})}
    for name, cols in (("payments", ("kind",)), ("agreements", ("discount", "status")), ("events", ("kind",)),
                       ("contacts", ("opted_out",))):
        if not data.has(name) or any(c not in data.tables[name].columns for c in cols):
            continue
        t = data.tables[name]
        idx = t.get_column("idx").to_numpy()
        frame = t.select(*cols).with_columns(account=pl.Series(idx, dtype=pl.UInt32), debtor_id=pl.Series(key[idx]),
                                             date=dates(data.entry[idx] + t.get_column("t").to_numpy()))
        if name == "agreements":
            st = t.get_column("status_t").to_numpy() if "status_t" in t.columns else np.full(t.height, -10**9)
            frame = frame.with_columns(status_date=pl.Series(np.where(st > -10**8, data.entry[idx] + st, 0))
                                       .cast(pl.Int32).cast(pl.Date))
            frame = frame.with_columns(pl.when(pl.Series(st > -10**8)).then(pl.col("status_date")).otherwise(None)
                                       .alias("status_date"))
        out[name] = frame
    out.setdefault("payments", pl.DataFrame(schema={"kind": pl.String, "account": pl.UInt32, "date": pl.Date}))
    return out


def fit_redelinquency(data) -> dict[str, list[Estimate]]:
    """Re-delinquency estimates of a :class:`calibration.data.CalibData`, per segment name and ``portfolio``.

    The priors are the scenario's values (the segment's, and the top-level behaviour for the portfolio).
    """
    sc = data.scenario
    priors = {s.name: {k: float(getattr(s.behaviour, k)) for k in REDELINQUENCY_KEYS} for s in sc.segments}
    priors[PORTFOLIO] = {k: float(getattr(sc.behaviour, k)) for k in REDELINQUENCY_KEYS}
    est = estimate_redelinquency(history_of(data), data.as_of_date, segment_of_account=data.seg,
                                 segment_names=tuple(sc.segment_names), priors=priors)
    out: dict[str, list[Estimate]] = {}
    order = {k: i for i, k in enumerate(REDELINQUENCY_KEYS)}
    for e in est:
        out.setdefault(e.segment, []).append(e)
    return {k: sorted(v, key=lambda e: order[e.key]) for k, v in out.items()}
