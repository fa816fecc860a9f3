"""Calibrate a scenario's behaviour from a history: every identified parameter, per segment.

:func:`calibrate` runs each estimator per segment and portfolio-wide, pools small
segments towards the portfolio (empirical Bayes), and returns a
:class:`CalibrationResult` (numbers, a polars table and ``summary()``); the report and
the ``calibrated.toml`` writer only read it.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from calibration.acceptance import ACCEPT_KEYS, fit_acceptance, offer_frame
from calibration.contacts import contact_frame, fit_engage, fit_optout, fit_reach
from calibration.data import CalibData
from calibration.estimates import PORTFOLIO, Estimate, not_identified, pool, quiet
from calibration.figuredata import acceptance_bins, keeping_by_installment
from calibration.keeping import agency_frame, fit_agency, fit_keeping, installment_frame
from calibration.selfcure import fit_selfcure, selfcure_data, survival_curves
from scenarios.schema import CHANNELS, Behaviour

__all__ = ["CalibrationResult", "calibrate", "behaviour_values", "BEHAVIOUR_KEYS"]

#: Every behaviour key the calibration estimates, as the scenario spells it within a segment.
BEHAVIOUR_KEYS: tuple[str, ...] = (
    ("self_cure_h0", "self_cure_tau", "uplift_negativado")
    + tuple(f"reach.{c}" for c in CHANNELS) + tuple(f"engage.{c}" for c in CHANNELS) + ("fatigue",)
    + ACCEPT_KEYS + ("keep_first", "keep", "late_pay_daily", "agency_hazard")
)
#: Pooled across segments one by one. Self-cure and acceptance are fitted jointly (their
#: parameters are strongly correlated), so they are not pooled one by one: each segment's
#: joint fit stands, with its own (wider, for small segments) intervals.
_POOLED = tuple(k for k in BEHAVIOUR_KEYS if k not in ACCEPT_KEYS and not k.startswith("self_cure")
                and k != "uplift_negativado")


def behaviour_values(b: Behaviour) -> dict[str, float]:
    """A behaviour block as ``{key: value}`` with ``reach.sms``-style keys."""
    out = {}
    for k in ("self_cure_h0", "self_cure_tau", "uplift_negativado", "fatigue", *ACCEPT_KEYS, "keep_first", "keep",
              "late_pay_daily", "agency_hazard", "chronic_keep_factor"):
        out[k] = float(getattr(b, k))
    for c in CHANNELS:
        out[f"reach.{c}"] = float(getattr(b.reach, c))
        out[f"engage.{c}"] = float(getattr(b.engage, c))
    return out


@dataclass
class CalibrationResult:
    """Everything a calibration estimated.

    Attributes
    ----------
    estimates : list of Estimate
        Per segment and ``portfolio``, every key of :data:`BEHAVIOUR_KEYS`, and the
        portfolio-wide ``contact_rules.opt_out_probability``.
    history, first_date, as_of : str, date, date
        What was calibrated on (the history's label, not its path's contents).
    counts : dict
        Debtors per segment.
    curves, acceptance, keeping : polars.DataFrame
        What the figures draw: self-cure survival (observed Kaplan–Meier and fitted),
        acceptance by discount bin (observed, fitted, band), on-time payment by
        installment number (observed and fitted).
    notes : list of str
        Assumptions the estimators had to make (e.g. no events table).
    unpooled : list of Estimate
        The segments' own estimates of the pooled keys, before partial pooling (each from its
        segment's data only: independent across segments, what recovery tests check).
    """

    scenario_source: str
    history: str
    first_date: _dt.date
    as_of: _dt.date
    estimates: list[Estimate]
    counts: dict[str, int]
    tables_present: tuple[str, ...]
    curves: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)
    acceptance: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)
    keeping: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)
    notes: list[str] = field(default_factory=list)
    unpooled: list[Estimate] = field(repr=False, default_factory=list)

    @property
    def source_text(self) -> str:
        """The source every calibrated parameter gets."""
        return f"calibrated from {self.history} ({self.first_date.isoformat()}–{self.as_of.isoformat()})"

    def get(self, segment: str, key: str) -> Estimate:
        """The estimate of ``key`` in ``segment``."""
        for e in self.estimates:
            if e.segment == segment and e.key == key:
                return e
        raise KeyError((segment, key))

    def table(self) -> pl.DataFrame:
        """One row per estimate: segment, key, value, lo, hi, n, method, status, reason, prior."""
        return pl.DataFrame([{"segment": e.segment, "key": e.key, "value": e.value, "lo": e.lo, "hi": e.hi, "n": e.n,
                              "method": e.method, "status": e.status, "reason": e.reason, "prior": e.prior}
                             for e in self.estimates])

    def to_json(self) -> dict:
        """The contents of ``calibration.json``."""
        return {"history": self.history, "first_date": self.first_date.isoformat(), "as_of": self.as_of.isoformat(),
                "scenario": self.scenario_source, "tables": list(self.tables_present), "debtors": self.counts,
                "notes": self.notes, "source": self.source_text,
                "parameters": [{"segment": e.segment, "key": e.key, "value": e.value,
                                "interval": [e.lo, e.hi] if e.identified else None, "n": e.n, "method": e.method,
                                "status": e.status, "reason": e.reason, "scenario_value": e.prior}
                               for e in self.estimates]}

    def summary(self) -> str:
        """A few lines: how many parameters were identified, and the portfolio's headline values."""
        t = self.table()
        seg = t.filter(pl.col("segment") != PORTFOLIO)
        counts = {s: seg.filter(pl.col("status") == s).height for s in ("identified", "weakly identified",
                                                                          "not identified")}
        lines = [f"Calibration from {self.history} ({self.first_date}–{self.as_of}), {sum(self.counts.values())} "
                 f"accounts in {len(self.counts)} segments:",
                 f"  {counts['identified']} segment parameters identified, {counts['weakly identified']} weakly, "
                 f"{counts['not identified']} not identified (scenario value kept)."]
        for key in ("self_cure_h0", "self_cure_tau", "reach.sms", "reach.call", "keep_first", "accept_beta"):
            try:
                e = self.get(PORTFOLIO, key)
            except KeyError:
                continue
            if e.identified:
                lines.append(f"  portfolio {key} = {e.value:.4g} (95% {e.lo:.4g}–{e.hi:.4g}, n = {e.n}, {e.status})")
            else:
                lines.append(f"  portfolio {key}: not identified ({e.reason})")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def calibrate(data: CalibData, *, pooling: bool = True, figures: bool = True) -> CalibrationResult:
    """Estimate every parameter the history identifies, per segment and portfolio-wide."""
    with quiet():
        return _calibrate(data, pooling, figures)


def _calibrate(data: CalibData, pooling: bool, figures: bool) -> CalibrationResult:
    sc = data.scenario
    S = len(sc.segments)
    priors = [behaviour_values(s.behaviour) for s in sc.segments]
    base = behaviour_values(sc.behaviour)
    groups: list[tuple[int | None, str, dict[str, float], np.ndarray]] = [
        (s, sc.segments[s].name, priors[s], data.seg == s) for s in range(S)]
    groups.append((None, PORTFOLIO, base, np.ones(data.n, bool)))
    est: dict[str, list[Estimate]] = {name: [] for _, name, _, _ in groups}
    notes: list[str] = []
    # self-cure
    sd = selfcure_data(data)
    notes += sd.notes
    for s, name, prior, _ in groups:
        mask = np.ones(sd.seg.size, bool) if s is None else sd.seg == s
        est[name] += fit_selfcure(sd, mask, name, prior)
    # contacts
    cf = contact_frame(data) if data.has("contacts") else None
    for s, name, prior, _ in groups:
        if cf is None:
            reason = "no contacts table in the history"
            est[name] += [not_identified(name, f"{w}.{c}", prior[f"{w}.{c}"], reason) for w in ("reach", "engage")
                          for c in CHANNELS]
            est[name].append(not_identified(name, "fatigue", prior["fatigue"], reason))
        else:
            est[name] += fit_reach(cf, s, name, prior)
            est[name] += fit_engage(cf, s, name, prior)
    optout = (fit_optout(cf, sc.contact_rules.opt_out_probability) if cf is not None else
              not_identified(PORTFOLIO, "contact_rules.opt_out_probability", sc.contact_rules.opt_out_probability,
                             "no contacts table in the history"))
    # acceptance and capacity
    of = offer_frame(data) if data.has("offers") else None
    accept_fits: dict[str, tuple] = {}
    start = None
    for s, name, prior, _ in groups[-1:] + groups[:-1]:  # the portfolio first: its optimum starts the segments'
        if of is None:
            est[name] += [not_identified(name, k, prior[k], "no offers table in the history") for k in ACCEPT_KEYS]
        elif S == 1 and s is not None:  # one segment: its offers are the portfolio's, fitted once
            est[name] += [replace(e, segment=name, prior=prior[e.key]) for e in est[PORTFOLIO] if e.key in ACCEPT_KEYS]
            if PORTFOLIO in accept_fits:
                accept_fits[name] = (s,) + accept_fits[PORTFOLIO][1:]
        else:
            fitted, theta, cov = fit_acceptance(of, s, name, prior, start)
            est[name] += fitted
            if theta is not None:
                accept_fits[name] = (s, theta, cov)
                start = theta if s is None else start
    accept_fits = {g[1]: accept_fits[g[1]] for g in groups if g[1] in accept_fits}  # segments, then portfolio
    # keeping and the agency
    inst = installment_frame(data) if data.has("agreements") else None
    af = agency_frame(data)
    for s, name, prior, _ in groups:
        if inst is None:
            est[name] += [not_identified(name, k, prior[k], "no agreements table in the history")
                          for k in ("keep_first", "keep", "late_pay_daily")]
        else:
            est[name] += fit_keeping(inst, s, name, prior)
        est[name].append(fit_agency(af, s, name, prior["agency_hazard"]))
    # several cycles: re-delinquency by how the last cycle ended; the reservation discount
    from calibration.reservation import add_cycle_estimates
    add_cycle_estimates(data, groups, est, notes)
    names = [g[1] for g in groups[:-1]]
    unpooled = [e for n in names for e in est[n] if e.key in _POOLED]
    if pooling:
        portfolio = {e.key: e for e in est[PORTFOLIO]}
        for key in _POOLED:
            col = [next(e for e in est[n] if e.key == key) for n in names]
            pooled = pool(col, portfolio.get(key))
            for n, e in zip(names, pooled):
                est[n] = [e if x.key == key else x for x in est[n]]
    order = {k: i for i, k in enumerate(BEHAVIOUR_KEYS)}
    flat = [e for n in names + [PORTFOLIO] for e in sorted(est[n], key=lambda e: order.get(e.key, 99))] + [optout]
    result = CalibrationResult(sc.source, data.label, data.first_date, data.as_of_date, flat,
                               {n: int((data.seg == s).sum()) for s, n in enumerate(names)},
                               tuple(t for t in data.tables if data.has(t)), notes=notes, unpooled=unpooled)
    if figures:
        _figure_data(result, data, sd, of, inst, accept_fits)
    return result


def _figure_data(result: CalibrationResult, data: CalibData, sd, of, inst, accept_fits) -> None:
    days = int(max(1, min(data.horizon().max(), 400)))
    frames = []
    for s, name in enumerate(list(result.counts) + [PORTFOLIO]):
        mask = np.ones(sd.seg.size, bool) if name == PORTFOLIO else sd.seg == s
        h0, tau, up = (result.get(name, k) for k in ("self_cure_h0", "self_cure_tau", "uplift_negativado"))
        if not mask.any() or not h0.identified:
            continue
        frames.append(survival_curves(sd, mask, h0.value, tau.value, up.value, days).with_columns(segment=pl.lit(name)))
    result.curves = pl.concat(frames) if frames else pl.DataFrame()
    if of is not None:
        result.acceptance = acceptance_bins(of, accept_fits)
    if inst is not None:
        result.keeping = keeping_by_installment(result, inst, data)
