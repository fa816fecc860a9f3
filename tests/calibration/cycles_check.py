"""Re-delinquency checks over several cycles, shared by the tests and ``benchmarks/acceptance_redelinquency.py``.

- :func:`engine_draw_mismatches`: every spell the estimator reads, recomputed from the
  engine's own rule and draw (``docs/model.md``, "Several cycles"), must agree exactly;
- :func:`z_scores`: each estimate against its truth on the estimate's own scale (logit of
  the daily hazard, log of ``m0``, the slope), so that z-scores over many histories can be
  compared with the standard normal.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from calibration.redelinquency import spells
from simulation.cycles import END_KINDS, CycleRules, daily_hazard, reentry_delay
from simulation.draws import Streams, uniform

__all__ = ["engine_draw_mismatches", "theta_of", "z_scores"]


def engine_draw_mismatches(history, folder: str | Path, model, streams: Streams) -> dict[str, int]:
    """Spells whose kind, discount, end, days at risk or censoring disagree with the engine's draw.

    ``folder`` is the history written by :func:`simulation.history.write_history`: its first
    ``model.n`` accounts rows are the engine's rows, in order (a debtor's first cycle). For
    each spell, the daily hazard of its segment, kind and discount and the draw
    ``u(redelinquency, debtor, end day)`` give the re-entry day again; the spell must be an
    event exactly when that day is within the horizon, with ``days`` the drawn delay, and
    be censored at as-of otherwise (``H - 1 - end`` days at risk).

    Returns
    -------
    dict
        ``spells``, ``re_entries`` (accounts beyond each debtor's first), ``events``, and the
        counts of mismatches ``event``, ``days``, ``censored_days``.
    """
    first = pl.read_parquet(Path(folder) / "accounts.parquet", columns=["debtor_id"]).head(model.n)
    row = dict(zip(first["debtor_id"].to_list(), range(model.n)))
    acc = history.accounts.with_row_index("account").select("account", "debtor_id")
    sp = spells(history, history.as_of).join(acc, on="account")
    rid = np.array([row[d] for d in sp["debtor_id"].to_list()], dtype=np.int64)
    t = sp.select((pl.col("end") - pl.lit(model.calendar.dates[0])).dt.total_days()).to_series().to_numpy()
    kind = np.array([END_KINDS.index(k) for k in sp["kind"].to_list()], dtype=np.int64)
    rules = CycleRules.of(model)
    h = rules.hazard(model.seg[rid], kind, sp["discount"].to_numpy())
    delay = reentry_delay(uniform(streams["redelinquency"], model.rid[rid], t, 0), h)
    event, days, H = sp["event"].to_numpy(), sp["days"].to_numpy(), rules.horizon()
    return {"spells": int(sp.height), "re_entries": int(history.n_accounts - history.n_debtors),
            "events": int(event.sum()), "event": int(np.sum(event != (t + delay < H))),
            "days": int(np.sum(days[event] != delay[event])),
            "censored_days": int(np.sum(days[~event] != H - 1 - t[~event]))}


def theta_of(key: str, value: float) -> float:
    """A re-delinquency value on its estimate's scale (logit daily hazard; log ``m0``; the slope)."""
    if key == "redelinquency_discount_slope":
        return float(value)
    if key == "redelinquency_settled":
        return math.log(value)
    h = float(daily_hazard(np.array([value]))[0])
    return math.log(h / (1 - h))


def z_scores(estimates, truth: dict[str, float]) -> dict[str, tuple[float, bool]]:
    """``{key: (z, covered)}`` of the estimates of the keys in ``truth``."""
    return {e.key: ((e.theta - theta_of(e.key, truth[e.key])) / e.se, bool(e.lo <= truth[e.key] <= e.hi))
            for e in estimates if e.key in truth and e.status != "not identified"}
