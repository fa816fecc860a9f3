"""What a parameter-recovery check compares: each estimate against the truth it was simulated with.

Used by ``test_recovery.py`` (the base scenario's world) and by its ``__main__`` (every
bundled scenario, for the record). Two views of a calibration:

- *own* estimates: every segment's estimate from its own data (before partial pooling), so
  that the intervals of different segments are independent draws and their misses can be
  counted against the binomial law;
- *published* estimates: what ``calibrated.toml`` gets (pooled where pooling applies). A
  pooled key whose truth is the same in every segment moves all segments with one shared
  draw, so its misses are not independent; they are checked family-wise (Bonferroni).
"""
from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import stats

from calibration.acceptance import EDGE
from calibration.calibrate import behaviour_values
from calibration.estimates import PORTFOLIO

__all__ = ["truth_of", "recovery_table", "miss_bound", "structural", "experiment_for"]


def truth_of(scenario) -> dict[str, dict[str, float]]:
    """The true value of every calibrated key, per segment."""
    out = {s.name: behaviour_values(s.behaviour) for s in scenario.segments}
    for v in out.values():
        v["contact_rules.opt_out_probability"] = scenario.contact_rules.opt_out_probability
    return out


def experiment_for(scenario) -> list[dict]:
    """An offer experiment inside ``scenario``'s catalogue: four discounts x lump sum or its longest plan (<= 12)."""
    ds = [d for d in scenario.offers.discounts if d <= scenario.offers.max_discount]
    plans = [n for n in scenario.offers.installments if n <= 12]
    return [{"discount": ds[(len(ds) - 1) * k // 3], "installments": n, "share": 0.125}
            for k in range(4) for n in (1, plans[-1])]


def recovery_table(scenario, result, own: bool) -> pl.DataFrame:
    """One row per identified segment estimate (and the portfolio opt-out): value, interval, truth, z, covered."""
    truth = truth_of(scenario)
    first = scenario.segments[0].name
    estimates = result.estimates
    if own:
        mine = {(e.segment, e.key): e for e in result.unpooled}
        estimates = [mine.get((e.segment, e.key), e) for e in estimates]
    rows = []
    for e in estimates:
        if not e.identified or (e.segment == PORTFOLIO and not e.key.startswith("contact_rules.")):
            continue
        if e.reason.startswith(EDGE):  # states that it has no valid interval
            continue
        t = truth[e.segment if e.segment != PORTFOLIO else first][e.key]
        rows.append({"segment": e.segment, "key": e.key, "truth": t, "value": e.value, "lo": e.lo, "hi": e.hi,
                     "n": e.n, "z": e.z(t), "covered": e.covers(t), "pooled": "partial pooling" in e.method,
                     "status": e.status})
    return pl.DataFrame(rows)


def miss_bound(k: int, level: float = 0.99, p: float = 0.05) -> int:
    """Most misses of ``k`` independent 95% intervals at probability ``level`` (binomial quantile)."""
    return int(stats.binom.ppf(level, k, p))


def structural(table: pl.DataFrame, level: float = 0.99) -> list[tuple[str, int, int, float]]:
    """Keys whose own estimates miss more often than chance allows, or lean one way.

    Per key (``k`` segments): more misses than the binomial quantile, or a mean z beyond
    ``zmax / sqrt(k)``, both at the family-wise ``level`` over the keys (Bonferroni: each
    key at ``1 - (1 - level) / keys``), so that a correct estimator is flagged with
    probability at most ``1 - level``. Returns ``(key, misses, intervals, mean z)`` of each.
    """
    keys = max(1, table.get_column("key").n_unique())
    each = 1 - (1 - level) / keys
    zmax = float(stats.norm.ppf(1 - (1 - each) / 2))
    out = []
    for key, g in table.group_by("key"):
        k = g.height
        misses = int((~g.get_column("covered")).sum())
        z = g.get_column("z").to_numpy()
        z = z[np.isfinite(z)]
        mz = float(z.mean()) if z.size else 0.0
        if misses > miss_bound(k, each) or (z.size >= 3 and abs(mz) > zmax / math.sqrt(z.size)):
            out.append((key[0] if isinstance(key, tuple) else key, misses, k, round(mz, 2)))
    return sorted(out)
