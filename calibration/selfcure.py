"""Self-cure: the discrete-time hazard ``h0 exp(-(dpd0 + t)/tau)`` (times the listing uplift).

Exactly the model's step A (``docs/model.md``): on day ``t`` since entry an open debtor
with ``dpd0`` days past due at entry pays in full with probability
``h = min(1, h0 exp(-(dpd0 + t)/tau) * (uplift if listed before t else 1))``. A debtor
is at risk from its entry until it cures or is censored: by its first agreement (it is no
longer open), the agency hand-over, the write-off or the end of observation. Censoring at
the first agreement drops the days a debtor is open again after a broken agreement; that
loses data but not validity (the agreement does not depend on the self-cure draw).

With exact dates the cure day is known; with month-level dates it is only known to lie in
a month, and the likelihood is interval-censored: ``S(a - 1) - S(b)``. The maximum
likelihood is found by ``scipy.optimize`` over (log h0, log tau, log uplift); the
intervals come from the observed information (numerical Hessian, statsmodels).
"""
from __future__ import annotations

import numpy as np
import polars as pl
from scipy import optimize
from statsmodels.tools.numdiff import approx_hess2

from calibration.data import CalibData
from calibration.estimates import quietly, Estimate, from_scale, not_identified

__all__ = ["SelfCureData", "selfcure_data", "fit_selfcure", "survival_curves"]

_NEVER = 10**6


class SelfCureData:
    """Per debtor: ``d0``, listing day ``ell`` (uplift from ``ell + 1``), event interval or censoring.

    ``lo``/``hi``: for a cure, the first and last possible cure day; for a censored
    debtor ``lo = c + 1`` (survived through day ``c``) and ``hi = -1``.
    """

    def __init__(self, seg, d0, ell, lo, hi, notes):
        self.seg, self.d0, self.ell, self.lo, self.hi, self.notes = seg, d0, ell, lo, hi, notes

    @property
    def event(self) -> np.ndarray:
        return self.hi >= 0


def _first(frame: pl.DataFrame, n: int, col: str = "t", fill: int = _NEVER) -> np.ndarray:
    out = np.full(n, fill, np.int64)
    if frame.height:
        g = frame.group_by("idx").agg(pl.col(col).min())
        out[g.get_column("idx").to_numpy()] = g.get_column(col).to_numpy()
    return out


def selfcure_data(data: CalibData) -> SelfCureData:
    """Every debtor's exposure to self-cure, from payments, agreements, offers and events."""
    n, sc = data.n, data.scenario
    notes: list[str] = []
    last = data.horizon()
    pay = data.tables.get("payments", pl.DataFrame(schema={"idx": pl.Int64, "t": pl.Int64, "t_hi": pl.Int64,
                                                           "kind": pl.String}))
    month_pay = "payments.date" in data.month_level
    # censoring by the first agreement
    if data.has("agreements"):
        ag = data.tables["agreements"]
        c_ag = _first(ag, n)
        if "agreements.date" in data.month_level:
            c_ag = np.where(c_ag < _NEVER, c_ag - 1, c_ag)
    elif data.has("offers") and "accepted" in data.tables["offers"].columns:
        of = data.tables["offers"].filter(pl.col("accepted"))
        c_ag = _first(of, n)
        if "offers.date" in data.month_level:
            c_ag = np.where(c_ag < _NEVER, c_ag - 1, c_ag)
    else:
        c_ag = _first(pay.filter(pl.col("kind") == "agreement"), n)
        c_ag = np.where(c_ag < _NEVER, c_ag - sc.offers.first_due_days - (31 if month_pay else 0), c_ag)
        notes.append("agreement dates taken from their first payment (no agreements table)")
    # agency hand-over, write-off, listing
    if data.has("events"):
        ev = data.tables["events"]
        month_ev = "events.date" in data.month_level
        c_agency = _first(ev.filter(pl.col("kind") == "agency"), n)
        c_wo = _first(ev.filter(pl.col("kind") == "write_off"), n)
        # written off at the end of that day (the engine: at the horizon, after its last day): at risk through it
        ell = _first(ev.filter(pl.col("kind") == "negativacao"), n)
        if month_ev:
            # a listing or hand-over known to the month: the scenario's escalation day when it falls in
            # that month, else the middle of the month (listing) or its first day (hand-over, conservative)
            esc = sc.escalation
            ell_hi = _first(ev.filter(pl.col("kind") == "negativacao"), n, "t_hi")
            ag_hi = _first(ev.filter(pl.col("kind") == "agency"), n, "t_hi")
            known = (ell < _NEVER) & (ell <= esc.negativacao_day) & (esc.negativacao_day <= ell_hi)
            ell = np.where(ell < _NEVER, np.where(known, esc.negativacao_day, (ell + ell_hi) // 2), ell)
            known = (c_agency < _NEVER) & (c_agency <= esc.agency_day) & (esc.agency_day <= ag_hi)
            c_agency = np.where(c_agency < _NEVER, np.where(known, esc.agency_day, c_agency - 1), c_agency)
            notes.append("month-level listing and hand-over dates placed on the scenario's escalation day "
                         "when it falls in that month")
    else:
        esc = sc.escalation
        c_agency = np.full(n, esc.agency_day if esc.agency_day else _NEVER, np.int64)
        c_wo = np.full(n, _NEVER, np.int64)
        ell = np.full(n, esc.negativacao_day if esc.negativacao_day else _NEVER, np.int64)
        notes.append(f"no events table: listing on day {esc.negativacao_day} and agency hand-over on day "
                     f"{esc.agency_day} after entry assumed, as the scenario's escalation says")
        if c_agency[0] < _NEVER and data.has("payments"):
            got = _first(pay.filter(pl.col("kind") == "agency"), n)
            c_agency = np.minimum(c_agency, got)
    censor = np.minimum.reduce([c_ag, c_agency, c_wo, last])
    cure = pay.filter(pl.col("kind") == "self_cure")
    lo = _first(cure, n)
    hi = _first(cure, n, "t_hi")
    if month_pay:
        notes.append("cure days interval-censored to their month (month-level payment dates)")
    event = (lo < _NEVER) & (lo <= censor)
    lo = np.where(event, np.maximum(lo, 0), censor + 1)
    hi = np.where(event, np.maximum(np.minimum(hi, censor), lo), -1)
    keep = lo >= 0
    return SelfCureData(data.seg[keep], data.dpd0[keep].astype(np.int64), ell[keep], lo[keep], hi[keep], notes)


def _lam(t, d0, ell, G0, G1):
    """``sum_{k<=t} log(1 - h_k)`` of each debtor (``t = -1`` gives 0)."""
    tt = np.minimum(t, ell)
    out = G0[d0 + tt + 1] - G0[d0]
    listed = t > ell
    e = np.where(listed, ell, 0)
    out = out + np.where(listed, G1[np.where(listed, d0 + t + 1, 0)] - G1[np.where(listed, d0 + e + 1, 0)], 0.0)
    return out


def _loglik(theta, g, X, use_u):
    h0, tau = np.exp(theta[0]), np.exp(theta[1])
    u = np.exp(theta[2]) if use_u else 1.0
    base = h0 * np.exp(-np.arange(X) / tau)
    G0 = np.concatenate([[0.0], np.cumsum(np.log1p(-np.minimum(base, 1 - 1e-12)))])
    G1 = np.concatenate([[0.0], np.cumsum(np.log1p(-np.minimum(base * u, 1 - 1e-12)))]) if use_u else G0
    d0, ell, lo, hi, w = g
    ev = hi >= 0
    ll = np.empty(d0.size)
    cens = ~ev
    ll[cens] = _lam(lo[cens] - 1, d0[cens], ell[cens], G0, G1)
    a = _lam(lo[ev] - 1, d0[ev], ell[ev], G0, G1)
    b = _lam(hi[ev], d0[ev], ell[ev], G0, G1)
    ll[ev] = a + np.log(np.maximum(-np.expm1(b - a), 1e-300))
    return float((w * ll).sum())


@quietly
def fit_selfcure(sd: SelfCureData, mask: np.ndarray, segment: str, prior: dict[str, float],
                 method_note: str = "") -> list[Estimate]:
    """Maximum likelihood of ``self_cure_h0``, ``self_cure_tau`` and ``uplift_negativado`` on ``mask``."""
    keys = ("self_cure_h0", "self_cure_tau", "uplift_negativado")
    n = int(mask.sum())
    events = int(sd.event[mask].sum())
    if n == 0 or events == 0:
        why = "no accounts in the segment" if n == 0 else "no self-cure payment observed"
        return [not_identified(segment, k, prior[k], why, n) for k in keys]
    frame = pl.DataFrame({"d0": sd.d0[mask], "ell": np.minimum(sd.ell[mask], _NEVER), "lo": sd.lo[mask],
                          "hi": sd.hi[mask]})
    frame = frame.group_by(["d0", "ell", "lo", "hi"]).len()
    g = tuple(frame.get_column(c).to_numpy() for c in ("d0", "ell", "lo", "hi")) + (
        frame.get_column("len").to_numpy().astype(np.float64),)
    end = np.maximum(g[2] - 1, g[3])
    use_u = bool(((g[1] < end) & (g[1] < _NEVER)).any())
    X = int(g[0].max() + end.max() + 3)
    th0 = [np.log(prior["self_cure_h0"]), np.log(prior["self_cure_tau"])] + ([np.log(prior["uplift_negativado"])]
                                                                             if use_u else [])
    bounds = [(-20, 0), (np.log(1.0), np.log(10000.0))] + ([(-5, 3)] if use_u else [])
    fun = lambda th: -_loglik(th, g, X, use_u)  # noqa: E731
    res = optimize.minimize(fun, th0, method="L-BFGS-B", bounds=bounds)
    theta = res.x
    try:
        cov = np.linalg.inv(approx_hess2(theta, fun))
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        if not np.all(np.isfinite(se)) or np.any(np.diag(cov) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        return [not_identified(segment, k, prior[k], "the self-cure likelihood is flat", n) for k in keys]
    method = "maximum likelihood, discrete-time hazard" + (", interval-censored" if (g[3] > g[2]).any() else "")
    method += "; 95% Wald interval on the log scale (observed information)" + (f"; {method_note}" if method_note else "")
    out = [from_scale(segment, "self_cure_h0", theta[0], se[0], n, method + f"; {events} cures", prior["self_cure_h0"],
                      "log", (0.0, 1.0)),
           from_scale(segment, "self_cure_tau", theta[1], se[1], n, method, prior["self_cure_tau"], "log")]
    if use_u:
        listed = int(((sd.ell[mask] < np.maximum(sd.lo[mask] - 1, sd.hi[mask]))).sum())
        out.append(from_scale(segment, "uplift_negativado", theta[2], se[2], listed, method,
                              prior["uplift_negativado"], "log"))
    else:
        out.append(not_identified(segment, "uplift_negativado", prior["uplift_negativado"],
                                  "no debtor observed open after a listing", n))
    return out


def survival_curves(sd: SelfCureData, mask: np.ndarray, h0: float, tau: float, uplift: float,
                    days: int) -> pl.DataFrame:
    """Observed (Kaplan–Meier, lifelines) and fitted share not yet self-cured, by day since entry."""
    from lifelines import KaplanMeierFitter

    ev = sd.event[mask]
    dur = np.where(ev, sd.hi[mask], sd.lo[mask] - 1) + 1
    frame = pl.DataFrame({"d": dur, "e": ev}).group_by(["d", "e"]).len()
    km = KaplanMeierFitter().fit(frame.get_column("d").to_numpy(), frame.get_column("e").to_numpy(),
                                 weights=frame.get_column("len").to_numpy())
    # up to the last day a twentieth of a percent of the debtors is still observed at risk
    at_risk = np.bincount(np.minimum(dur, days + 1), minlength=days + 2)[::-1].cumsum()[::-1][: days + 1]
    last = int(np.flatnonzero(at_risk >= max(1, 0.0005 * dur.size)).max()) if at_risk.size else days
    grid = np.arange(min(days, last) + 1)
    observed = km.survival_function_at_times(grid).to_numpy()
    d0 = sd.d0[mask]
    ell = np.minimum(sd.ell[mask], _NEVER)
    # a debtor cured or censored before the listing would have been listed on the usual day
    listed = ell[ell < _NEVER]
    if listed.size:
        ell = np.where(ell < _NEVER, ell, np.bincount(listed).argmax())
    if d0.size > 5000:
        pick = np.random.default_rng(0).choice(d0.size, 5000, replace=False)
        d0, ell = d0[pick], ell[pick]
    X = int(d0.max() + days + 3)
    base = h0 * np.exp(-np.arange(X) / tau)
    G0 = np.concatenate([[0.0], np.cumsum(np.log1p(-np.minimum(base, 1 - 1e-12)))])
    G1 = np.concatenate([[0.0], np.cumsum(np.log1p(-np.minimum(base * uplift, 1 - 1e-12)))])
    fitted = np.array([np.exp(_lam(np.full(d0.size, t - 1), d0, ell, G0, G1)).mean() for t in grid])
    return pl.DataFrame({"day": grid, "observed": observed, "fitted": fitted})
