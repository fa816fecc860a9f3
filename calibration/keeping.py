"""Keeping agreements (``keep_first``, ``keep``, ``late_pay_daily``) and the agency hazard.

The model's steps C-D (``docs/model.md``): payment ``k`` of an agreement made on day
``a`` is due on ``a + first_due_days + 30 k``; it is paid on its due date with
``keep_first`` (``k = 0``) or ``keep`` (later), times ``chronic_keep_factor`` for a
chronic debtor; a missed one is paid on each later day of the grace period with
``late_pay_daily`` (times the factor), else the agreement breaks. Each agreement
payment is matched to its agreement (the latest one made before it) and numbered; an
installment due and not paid on time is a miss (the break of a broken agreement, or an
active one's installment overdue at the end of observation).

Binomial GLMs with a log link and the offset ``log chronic_keep_factor`` for chronic
debtors, so that the coefficients are exactly the model's ``log keep_first``, ``log
keep`` and ``log late_pay_daily``. The agency hazard is a geometric time from hand-over
to collection, censored at the write-off or the end of observation (binomial on days).
"""
from __future__ import annotations

import numpy as np
import polars as pl
import statsmodels.api as sm

from calibration.data import CalibData
from calibration.estimates import quietly, Estimate, exact_binomial, from_scale, not_identified

__all__ = ["installment_frame", "fit_keeping", "agency_frame", "fit_agency"]


def installment_frame(data: CalibData) -> pl.DataFrame:
    """One row per installment that fell due: ``seg``, ``k``, ``on_time``, late days exposed and paid late."""
    sc = data.scenario
    fdd, grace = sc.offers.first_due_days, sc.agreements.grace_days
    ag = data.tables["agreements"].sort(["idx", "t"]).with_row_index("agr")
    status_t = ag.get_column("status_t").to_numpy() if "status_t" in ag.columns else np.full(ag.height, -10**9)
    ag = ag.with_columns(status_t=pl.Series(status_t))
    pay = data.tables.get("payments")
    pay = pay.filter(pl.col("kind") == "agreement").select("idx", "t").sort("t") if pay is not None else \
        pl.DataFrame(schema={"idx": pl.Int64, "t": pl.Int64})
    joined = pay.join_asof(ag.select("idx", "agr", pl.col("t").alias("a_t")).sort("a_t"), left_on="t", right_on="a_t",
                           by="idx", strategy="backward").drop_nulls("agr")
    joined = joined.sort(["agr", "t"]).with_columns(k=pl.int_range(pl.len()).over("agr"))
    joined = joined.with_columns(due=pl.col("a_t") + fdd + 30 * pl.col("k"))
    joined = joined.with_columns(late=(pl.col("t") - pl.col("due")).clip(0, None))
    paid = joined.select("agr", "k", on_time=pl.col("late") == 0, late_days=pl.col("late"),
                         late_paid=pl.col("late") > 0)
    # the installment after the last paid one: missed when broken, or overdue at the end of observation
    npaid = joined.group_by("agr").agg(pl.len().alias("np"))
    ag = ag.join(npaid, on="agr", how="left").with_columns(pl.col("np").fill_null(0))
    due = ag.get_column("t").to_numpy() + fdd + 30 * ag.get_column("np").to_numpy()
    status = ag.get_column("status").to_numpy()
    horizon = data.horizon()[ag.get_column("idx").to_numpy()]
    broken = status == "broken"
    overdue = (status == "active") & (due <= horizon)
    miss = broken | overdue
    exposed = np.where(broken, grace, np.clip(horizon - due, 0, grace))
    missed = pl.DataFrame({"agr": ag.get_column("agr").to_numpy()[miss], "k": ag.get_column("np").to_numpy()[miss],
                           "on_time": np.zeros(int(miss.sum()), bool), "late_days": exposed[miss],
                           "late_paid": np.zeros(int(miss.sum()), bool)}).cast({"agr": pl.UInt32, "k": pl.Int64,
                                                                                "late_days": pl.Int64})
    rows = pl.concat([paid.cast({"k": pl.Int64, "late_days": pl.Int64}), missed])
    idx_of = ag.get_column("idx").to_numpy()
    agr = rows.get_column("agr").to_numpy()
    return rows.with_columns(seg=pl.Series(data.seg[idx_of[agr]]), chronic=pl.Series(data.chronic[idx_of[agr]]))


def _log_glm(y: np.ndarray, X: np.ndarray, offset: np.ndarray, start: np.ndarray):
    fam = sm.families.Binomial(link=sm.families.links.Log())
    return sm.GLM(y, X, family=fam, offset=offset).fit(start_params=start)


@quietly
def fit_keeping(inst: pl.DataFrame, seg: int | None, segment: str, prior: dict[str, float]) -> list[Estimate]:
    """``keep_first``, ``keep`` and ``late_pay_daily`` of one segment (or all)."""
    sub = inst if seg is None else inst.filter(pl.col("seg") == seg)
    factor = np.log(max(prior["chronic_keep_factor"], 1e-9))
    out: list[Estimate] = []
    agg = sub.group_by([(pl.col("k") == 0).alias("first"), "chronic"]).agg(
        pl.len().alias("n"), pl.col("on_time").sum().alias("s"))
    method = "binomial GLM with log link, offset log chronic_keep_factor for chronic debtors; Wald interval (log scale)"
    for key, first in (("keep_first", True), ("keep", False)):
        a = agg.filter(pl.col("first") == first)
        n = int(a.get_column("n").sum()) if a.height else 0
        s = int(a.get_column("s").sum()) if a.height else 0
        if n == 0 or s == 0:
            out.append(not_identified(segment, key, prior[key], "no installment of this kind fell due" if n == 0
                                      else "no installment paid on time", n))
            continue
        off = np.where(a.get_column("chronic").to_numpy(), factor, 0.0)
        mean_factor = float((np.exp(off) * a.get_column("n").to_numpy()).sum() / n)
        if s == n:  # every installment on time: the log-link MLE is on its boundary; exact interval
            out.append(exact_binomial(segment, key, s, n, prior[key], method.split(";")[0], mean_factor))
            continue
        y = np.column_stack([a.get_column("s").to_numpy(), (a.get_column("n") - a.get_column("s")).to_numpy()])
        fit = _log_glm(y, np.ones((a.height, 1)), off, np.array([np.log(min(max(prior[key], 1e-3), 0.999))]))
        if float(fit.params[0]) > np.log(0.99):  # at the boundary (probability 1): exact interval
            out.append(exact_binomial(segment, key, s, n, prior[key], method.split(";")[0], mean_factor))
            continue
        out.append(from_scale(segment, key, float(fit.params[0]), float(fit.bse[0]), n, method, prior[key], "log",
                              (0.0, 1.0)))
    late = sub.filter(pl.col("late_days") > 0).group_by("chronic").agg(
        pl.col("late_days").sum().alias("n"), pl.col("late_paid").sum().alias("s"))
    n = int(late.get_column("n").sum()) if late.height else 0
    s = int(late.get_column("s").sum()) if late.height else 0
    if n == 0 or s == 0:
        out.append(not_identified(segment, "late_pay_daily", prior["late_pay_daily"],
                                  "no late installment observed" if n == 0 else "no late installment paid", n))
    elif s == n:
        off = np.where(late.get_column("chronic").to_numpy(), factor, 0.0)
        mean_factor = float((np.exp(off) * late.get_column("n").to_numpy()).sum() / n)
        out.append(exact_binomial(segment, "late_pay_daily", s, n, prior["late_pay_daily"],
                                  "binomial, days of grace as trials", mean_factor))
    else:
        y = np.column_stack([late.get_column("s").to_numpy(), (late.get_column("n") - late.get_column("s")).to_numpy()])
        off = np.where(late.get_column("chronic").to_numpy(), factor, 0.0)
        fit = _log_glm(y, np.ones((late.height, 1)), off, np.array([np.log(min(max(prior["late_pay_daily"], 1e-3), .9))]))
        out.append(from_scale(segment, "late_pay_daily", float(fit.params[0]), float(fit.bse[0]), n,
                              method.replace("Wald", "days of grace as trials; Wald"), prior["late_pay_daily"], "log",
                              (0.0, 1.0)))
    return out


def agency_frame(data: CalibData) -> pl.DataFrame | None:
    """Per handed-over debtor: ``seg``, days exposed to collection and whether collected."""
    n = data.n
    pay = data.tables.get("payments")
    if data.has("events"):
        ev = data.tables["events"].filter(pl.col("kind") == "agency").group_by("idx").agg(pl.col("t").min().alias("a"))
        idx = ev.get_column("idx").to_numpy()
        a = ev.get_column("a").to_numpy()
        wo = data.tables["events"].filter(pl.col("kind") == "write_off").group_by("idx").agg(pl.col("t").min())
        end = data.horizon().copy()
        wo_idx = wo.get_column("idx").to_numpy()
        end[wo_idx] = np.minimum(end[wo_idx], wo.get_column("t").to_numpy())  # collectable through that day
        end = end[idx]
    else:
        return None
    if idx.size == 0:
        return None
    coll = np.full(n, -1, np.int64)
    if pay is not None:
        p = pay.filter(pl.col("kind") == "agency").group_by("idx").agg(pl.col("t").min())
        coll[p.get_column("idx").to_numpy()] = p.get_column("t").to_numpy()
    c = coll[idx]
    got = (c > a)
    days = np.where(got, c - a, np.maximum(end - a, 0))
    return pl.DataFrame({"seg": data.seg[idx], "days": days, "collected": got})


@quietly
def fit_agency(af: pl.DataFrame | None, seg: int | None, segment: str, prior: float) -> Estimate:
    """``agency_hazard``: collections over days at the agency (binomial GLM, logit)."""
    key = "agency_hazard"
    if af is None:
        return not_identified(segment, key, prior, "no agency hand-over in the events table (or no events table)")
    sub = af if seg is None else af.filter(pl.col("seg") == seg)
    n, s = int(sub.get_column("days").sum()), int(sub.get_column("collected").sum())
    if n == 0 or s == 0:
        return not_identified(segment, key, prior, "no debtor handed to the agency" if n == 0 else
                              "no agency collection observed", n)
    fit = sm.GLM(np.array([[s, n - s]]), np.ones((1, 1)), family=sm.families.Binomial()).fit()
    # the days of one debtor are one cluster: the debtor-level sandwich (equal to the model's variance when
    # the geometric law holds, larger when debtors differ in ways the model does not say)
    h = s / n
    score = sub.get_column("collected").cast(pl.Float64).to_numpy() - h * sub.get_column("days").to_numpy()
    robust = float(np.sqrt((score ** 2).sum()) / (n * h * (1 - h)))
    se = max(float(fit.bse[0]), robust)
    return from_scale(segment, key, float(fit.params[0]), se, n,
                      f"geometric time to collection ({sub.height} debtors handed over, days as trials); binomial GLM, "
                      "logit Wald interval, debtor-level sandwich variance", prior, "logit", (0.0, 1.0))
