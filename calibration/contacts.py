"""Contacts: reach per channel, engagement per channel with fatigue, opt-out.

As the model's step F defines them (``docs/model.md``):

- reach ``reach[c]``: an attempt on channel ``c`` reaches the right party;
- opt-out: a reached debtor (not by letter) opts out with ``opt_out_probability``;
- engagement: a reached debtor who did not opt out engages with
  ``engage[c] * fatigue ** n7``, ``n7`` the non-letter attempts on the 7 days up to this
  one, made before it (the day's order: letter, email, sms, whatsapp, call).

Each is a binomial GLM (statsmodels): reach and opt-out intercept-only with a logit link;
engagement with a log link on channel indicators and ``n7``, so that its coefficients are
exactly ``log engage[c]`` and ``log fatigue``. A log-link fit may put a cell's probability
at or above 1 (a small segment with a few engaged repeat calls), where the likelihood is not
defined and its information is spurious (a standard error near zero); the fit is then made
again within the model's ranges (``engage <= 1``, ``fatigue <= 1``, so every probability is
below 1: scipy's L-BFGS-B on the GLM's log-likelihood) with the observed information.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import statsmodels.api as sm
from scipy import optimize

from calibration.data import CHANNEL_ORDER, CalibData
from calibration.estimates import quietly, Estimate, exact_binomial, from_scale, not_identified
from scenarios.schema import CHANNELS

__all__ = ["contact_frame", "fit_reach", "fit_engage", "fit_optout", "proportion"]


def contact_frame(data: CalibData) -> pl.DataFrame:
    """Contacts counted by ``seg``, ``channel``, ``n7``, ``reached``, ``engaged``, ``opted_out`` (column ``len``).

    ``n7``: the debtor's non-letter attempts on the 7 days up to the attempt, made before it
    in the day's order. Every estimator is a binomial model of these counts (grouped data),
    so the row-level table is never kept.
    """
    c = data.tables["contacts"]
    cols = [pl.col(col).cast(pl.Boolean) if col in c.columns else pl.lit(None, pl.Boolean).alias(col)
            for col in ("reached", "engaged", "opted_out")]
    c = c.select("idx", "t", pl.col("channel").cast(pl.String).replace_strict(CHANNEL_ORDER, default=9,
                                                                             return_dtype=pl.Int8).alias("order"),
                 *cols)
    idx = c.get_column("idx").to_numpy().astype(np.int64)
    t = c.get_column("t").to_numpy().astype(np.int64)
    order = c.get_column("order").to_numpy()
    key = (idx * 100_000 + (t - t.min())) * 16 + order  # sorted by debtor, day, the day's channel order
    perm = np.argsort(key, kind="stable")
    key, order = key[perm] // 16, order[perm]
    nonletter = order != CHANNEL_ORDER["letter"]
    # non-letter attempts strictly before each row in [t-6, t] of the same debtor
    start = np.searchsorted(key[nonletter], key - 6, side="left")
    pos = np.cumsum(nonletter) - nonletter  # non-letter rows before this one
    n7 = np.maximum(pos - start, 0)
    names = {v: k for k, v in CHANNEL_ORDER.items()}
    frame = c.select("order", "reached", "engaged", "opted_out")[pl.Series(perm)].with_columns(
        seg=pl.Series(data.seg[idx[perm]]), n7=pl.Series(n7.astype(np.int64)))
    return (frame.group_by("seg", "order", "n7", "reached", "engaged", "opted_out").len()
            .with_columns(channel=pl.col("order").replace_strict(names, default="?", return_dtype=pl.String))
            .drop("order"))


@quietly
def proportion(successes: int, trials: int) -> tuple[float, float]:
    """Log-odds and its standard error from an intercept-only binomial GLM (statsmodels)."""
    fit = sm.GLM(np.array([[successes, trials - successes]]), np.ones((1, 1)), family=sm.families.Binomial()).fit()
    return float(fit.params[0]), float(fit.bse[0])


def _binomial(segment: str, key: str, s: int, n: int, prior: float, what: str, note: str = "") -> Estimate:
    if n == 0:
        return not_identified(segment, key, prior, f"no {what} in the history")
    if s == 0 or s == n:  # boundary: exact (Clopper-Pearson) interval, value at the boundary
        return exact_binomial(segment, key, s, n, prior, f"binomial{note}")
    theta, se = proportion(s, n)
    return from_scale(segment, key, theta, se, n, f"binomial GLM, logit Wald interval{note}", prior, "logit", (0, 1))


@quietly
def fit_reach(cf: pl.DataFrame, seg: int | None, segment: str, prior: dict[str, float]) -> list[Estimate]:
    """``reach.<channel>`` for every channel."""
    sub = cf if seg is None else cf.filter(pl.col("seg") == seg)
    agg = sub.filter(pl.col("reached").is_not_null()).group_by("channel").agg(
        pl.col("len").sum().alias("n"), pl.col("len").filter(pl.col("reached")).sum().alias("s"))
    counts = {r["channel"]: (int(r["s"]), int(r["n"])) for r in agg.iter_rows(named=True)}
    return [_binomial(segment, f"reach.{c}", *counts.get(c, (0, 0)), prior[f"reach.{c}"], f"{c} attempts")
            for c in CHANNELS]


@quietly
def fit_optout(cf: pl.DataFrame, prior: float) -> Estimate:
    """``contact_rules.opt_out_probability`` (portfolio-wide, as in the model)."""
    key = "contact_rules.opt_out_probability"
    if cf.get_column("opted_out").null_count() == cf.height:
        return not_identified("portfolio", key, prior, "the contacts table has no opted_out column")
    sub = cf.filter(pl.col("reached") & (pl.col("channel") != "letter") & pl.col("opted_out").is_not_null())
    lens, out = sub.get_column("len").to_numpy(), sub.get_column("opted_out").to_numpy()
    return _binomial("portfolio", key, int(lens[out].sum()), int(lens.sum()), prior, "reached non-letter contacts")


_TOP = float(np.log1p(-1e-6))  # the largest log-probability of the constrained fit


def _within_range(model, start: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Maximum likelihood with every coefficient at most log(1): (parameters, observed-information se)."""
    x0 = np.minimum(start, _TOP)
    res = optimize.minimize(lambda b: -model.loglike(b), x0, jac=lambda b: -model.score(b), method="L-BFGS-B",
                            bounds=[(-30.0, _TOP)] * x0.size)
    try:
        cov = np.linalg.inv(-model.hessian(res.x, observed=True))
    except np.linalg.LinAlgError:
        return None, None
    var = np.diag(cov)
    if not (res.success or res.status == 2) or not np.all(np.isfinite(var)) or np.any(var <= 0):
        return None, None
    return res.x, np.sqrt(var)


@quietly
def fit_engage(cf: pl.DataFrame, seg: int | None, segment: str, prior: dict[str, float]) -> list[Estimate]:
    """``engage.<channel>`` and ``fatigue`` jointly: binomial GLM, log link, on channel and n7."""
    sub = cf if seg is None else cf.filter(pl.col("seg") == seg)
    sub = sub.filter(pl.col("reached") & pl.col("engaged").is_not_null())
    if "opted_out" in sub.columns:
        sub = sub.filter(~pl.col("opted_out").fill_null(False))
    agg = sub.group_by(["channel", "n7"]).agg(pl.col("len").sum().alias("n"),
                                              pl.col("len").filter(pl.col("engaged")).sum().alias("s"))
    tot = {r["channel"]: (int(r["s"]), int(r["n"])) for r in
           agg.group_by("channel").agg(pl.col("s").sum(), pl.col("n").sum()).iter_rows(named=True)}
    # every reached debtor engaged: the log-link MLE sits on its boundary (no standard error); exact interval
    full = [c for c in CHANNELS if c in tot and tot[c][0] == tot[c][1]]
    present = [c for c in CHANNELS if c in tot and 0 < tot[c][0] < tot[c][1]]
    out: list[Estimate] = [exact_binomial(segment, f"engage.{c}", *tot[c], prior[f"engage.{c}"], "binomial")
                           for c in full]
    missing = [c for c in CHANNELS if c not in present and c not in full]
    n7_var = agg.filter(pl.col("channel").is_in(present)).get_column("n7").n_unique() > 1 if present else False
    if not present:
        out += [not_identified(segment, f"engage.{c}", prior[f"engage.{c}"], "no engagement of a reached debtor "
                               "observed on this channel", 0) for c in missing]
        out.append(not_identified(segment, "fatigue", prior["fatigue"], "no engagement observed"))
        return out
    agg = agg.filter(pl.col("channel").is_in(present))
    X = np.column_stack([(agg.get_column("channel") == c).to_numpy().astype(float) for c in present]
                        + ([agg.get_column("n7").to_numpy().astype(float)] if n7_var else []))
    y = np.column_stack([agg.get_column("s").to_numpy(), (agg.get_column("n") - agg.get_column("s")).to_numpy()])
    start = np.log([max(prior[f"engage.{c}"], 1e-4) for c in present] + ([prior["fatigue"]] if n7_var else []))
    fam = sm.families.Binomial(link=sm.families.links.Log())
    model = sm.GLM(y, X, family=fam)
    fit = model.fit(start_params=start)
    params, bse = np.asarray(fit.params), np.asarray(fit.bse)
    refit = not (np.all(np.isfinite(bse)) and np.all(bse > 0) and float(np.max(fit.mu)) < 1 - 1e-6)
    if refit:
        params, bse = _within_range(model, start)
        if params is None:
            out += [not_identified(segment, f"engage.{c}", prior[f"engage.{c}"], "the likelihood does not determine it",
                                   tot[c][1]) for c in present + missing]
            out.append(not_identified(segment, "fatigue", prior["fatigue"], "the likelihood does not determine it"))
            return out
    ns = {c: int(agg.filter(pl.col("channel") == c).get_column("n").sum()) for c in present}
    method = "binomial GLM with log link on channel and attempts in the last 7 days; Wald interval on the log scale"
    if refit:
        method += " (fitted within engage <= 1 and fatigue <= 1; observed information)"
    for j, c in enumerate(present):
        if params[j] > np.log(0.99):  # the log-link MLE at its boundary (p = 1): no usable standard error
            out.append(exact_binomial(segment, f"engage.{c}", *tot[c], prior[f"engage.{c}"], "binomial"))
            continue
        out.append(from_scale(segment, f"engage.{c}", params[j], bse[j], ns[c], method, prior[f"engage.{c}"], "log",
                              (0.0, 1.0)))
    for c in missing:
        out.append(not_identified(segment, f"engage.{c}", prior[f"engage.{c}"],
                                  "no engagement of a reached debtor observed on this channel",
                                  int(sub.filter(pl.col("channel") == c).get_column("len").sum())))
    if n7_var:
        e = from_scale(segment, "fatigue", params[-1], bse[-1], int(agg.get_column("n").sum()), method,
                       prior["fatigue"], "log", (0.0, 1.0))
        if params[-1] >= _TOP - 1e-9:  # on the edge of its range: no fatigue seen; the interval is one-sided
            e = dataclasses.replace(e, status="weakly identified",
                                    reason="the estimate is on the edge of the parameter's range (no fatigue seen)")
        out.append(e)
    else:
        out.append(not_identified(segment, "fatigue", prior["fatigue"], "attempts in the last 7 days never vary"))
    return out
