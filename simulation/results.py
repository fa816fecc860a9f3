"""Monte Carlo results: per-replication totals, means with 95% confidence intervals, tables."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import stats

from scenarios.schema import Scenario
from simulation.model import OUTCOMES
from simulation.replication import DAILY_METRICS, SEGMENT_SUMS, TOTALS, ReplicationResult, segment_sums

__all__ = ["SimulationResult", "mean_ci", "paired_differences", "paired_segment_differences", "SEGMENT_METRICS",
           "HEADLINE"]

#: Metrics shown first in summaries and reports.
HEADLINE: tuple[str, ...] = ("collected", "collected_npv", "net_npv", "give_away", "cost_npv", "moral_hazard_cost",
                             "recovery_rate", "agreements", "kept", "broken", "self_cured", "written_off",
                             "violations")


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the Student-t confidence interval of the mean over replications.

    With one replication no spread can be estimated: the interval is absent (both bounds
    NaN, written as null), never a zero-width interval that would claim certainty.
    """
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean())
    if values.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size))
    return mean, mean - half, mean + half


def paired_differences(a: "SimulationResult", b: "SimulationResult") -> dict[str, object]:
    """Every total of ``a`` minus ``b``, paired by replication: ``{"replications", "metrics": {m: {mean, ci95}}}``.

    ``a`` and ``b`` must be simulated on the same seeds (common random numbers), as the
    out-of-sample re-simulation of ``acordo run`` is; the interval is the Student-t interval
    of the per-replication differences (absent with one replication).
    """
    if a.totals.shape != b.totals.shape:
        raise ValueError(f"paired_differences: results of different shapes (got {a.totals.shape} and "
                         f"{b.totals.shape}, expected the same replications)")
    out = {}
    for i, k in enumerate(TOTALS):
        mean, lo, hi = mean_ci(a.totals[:, i] - b.totals[:, i])
        out[k] = {"mean": mean, "ci95": [lo, hi]}
    return {"replications": int(a.totals.shape[0]), "metrics": out}


#: Per-segment totals of ``segment_differences.json``, named and summed as in :data:`TOTALS` (the
#: segments add up to the headline), ``net_npv`` being collected NPV less cost NPV.
SEGMENT_METRICS: tuple[str, ...] = ("net_npv", *SEGMENT_SUMS)


def _entry(values: np.ndarray) -> dict[str, object]:
    mean, lo, hi = mean_ci(values)
    return {"mean": mean, "ci95": [lo, hi]}


def _compared(a: np.ndarray, b: np.ndarray) -> dict[str, dict[str, object]]:
    """``a`` (optimized), ``b`` (baseline) and ``a - b`` per replication, each with its interval."""
    diff = _entry(a - b)
    lo, hi = diff["ci95"]
    diff["significant"] = None if not math.isfinite(lo) else bool(lo > 0 or hi < 0)
    return {"baseline": _entry(b), "optimized": _entry(a), "difference": diff}


def paired_segment_differences(a: "SimulationResult", b: "SimulationResult") -> dict[str, object]:
    """Per segment, ``b``'s and ``a``'s totals and ``a`` minus ``b``, paired by replication.

    For ``segment_differences.json``: ``{"replications", "metrics", "segments": {segment: {metric:
    {"baseline", "optimized", "difference"}}}, "total": {metric: ...}}``; each entry is ``{"mean",
    "ci95"}`` over replications (null bounds with one replication), and the difference has
    ``significant`` (its 95% interval excludes zero; null without an interval). ``a`` and ``b`` must
    share their seeds (common random numbers), as the out-of-sample re-simulation does.
    """
    if a.daily.shape != b.daily.shape or a.by_segment is None or b.by_segment is None:
        raise ValueError(f"paired_segment_differences: results of different shapes (got {a.daily.shape} and "
                         f"{b.daily.shape}, expected the same replications and segments)")
    ta, tb = a.segment_totals(), b.segment_totals()  # (R, S, metric)
    segments = {name: {m: _compared(ta[:, s, j], tb[:, s, j]) for j, m in enumerate(SEGMENT_METRICS)}
                for s, name in enumerate(a.scenario.segment_names)}
    total = {m: _compared(ta[:, :, j].sum(axis=1), tb[:, :, j].sum(axis=1)) for j, m in enumerate(SEGMENT_METRICS)}
    return {"replications": a.replications, "metrics": list(SEGMENT_METRICS), "segments": segments, "total": total}


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """R replications of one policy on one scenario and portfolio.

    Attributes
    ----------
    scenario : Scenario
    policy_name : str
    seed : int
    totals : ndarray (R, len(TOTALS))
        Per-replication totals.
    daily : ndarray (R, H, S, len(DAILY_METRICS))
    agent : ndarray (R, H, 3)
        Minutes available, minutes used, calls waiting, per replication and day.
    debtors : dict of ndarray
        Per-debtor outcomes of the first replication.
    segment : ndarray (N,)
        Segment index of every debtor.
    by_segment : ndarray (R, S, len(SEGMENT_SUMS)) or None
        Per replication and segment, the sums of :data:`simulation.replication.SEGMENT_SUMS`.
    """

    scenario: Scenario
    policy_name: str
    seed: int
    totals: np.ndarray = field(repr=False)
    daily: np.ndarray = field(repr=False)
    agent: np.ndarray = field(repr=False)
    debtors: dict[str, np.ndarray] = field(repr=False)
    segment: np.ndarray = field(repr=False)
    by_segment: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_replications(cls, scenario: Scenario, policy_name: str, seed: int, reps: list[ReplicationResult],
                          segment: np.ndarray) -> "SimulationResult":
        """Collect replications (the first one's per-debtor arrays are kept)."""
        totals = np.array([[r.totals[k] for k in TOTALS] for r in reps])
        S = len(scenario.segment_names)
        by_segment = np.stack([r.by_segment if r.by_segment is not None else segment_sums(r.debtors, segment, S)
                               for r in reps])
        return cls(scenario, policy_name, seed, totals, np.stack([r.daily for r in reps]),
                   np.stack([r.agent for r in reps]), reps[0].debtors, segment, by_segment)

    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.totals.shape[0])

    def values(self, metric: str) -> np.ndarray:
        """The per-replication values of a total."""
        return self.totals[:, TOTALS.index(metric)]

    def metric(self, metric: str) -> tuple[float, float, float]:
        """(mean, ci95 low, ci95 high) of a total."""
        return mean_ci(self.values(metric))

    def summary_table(self) -> pl.DataFrame:
        """One row per total: mean, standard deviation and 95% CI over replications."""
        rows = []
        for i, k in enumerate(TOTALS):
            v = self.totals[:, i]
            mean, lo, hi = mean_ci(v)
            rows.append((k, mean, float(v.std(ddof=1)) if v.size > 1 else 0.0, lo, hi))
        return pl.DataFrame(rows, schema=["metric", "mean", "sd", "ci95_low", "ci95_high"], orient="row")

    def summary_dict(self) -> dict[str, dict[str, object]]:
        """``{metric: {"mean": m, "ci95": [lo, hi]}}`` for ``summary.json``."""
        out = {}
        for k in TOTALS:
            mean, lo, hi = self.metric(k)
            out[k] = {"mean": mean, "ci95": [lo, hi]}
        return out

    def segment_totals(self) -> np.ndarray:
        """Per replication and segment, the totals of :data:`SEGMENT_METRICS`: array (R, S, len(SEGMENT_METRICS))."""
        if self.by_segment is None:
            raise ValueError("segment_totals: the result has no per-segment sums (collect it with from_replications)")
        col = {m: self.by_segment[:, :, j] for j, m in enumerate(SEGMENT_SUMS)}
        col["net_npv"] = col["collected_npv"] - col["cost_npv"]
        return np.stack([col[m] for m in SEGMENT_METRICS], axis=-1)

    def daily_table(self) -> pl.DataFrame:
        """Per replication, day and segment: the daily metrics, with the date."""
        R, H, S, M = self.daily.shape
        names = self.scenario.segment_names
        dates = self.scenario.calendar.start_date
        r, t, s = np.meshgrid(np.arange(R), np.arange(H), np.arange(S), indexing="ij")
        flat = self.daily.reshape(-1, M)
        frame = pl.DataFrame({
            "replication": r.ravel().astype(np.int32), "day": t.ravel().astype(np.int32),
            "segment": pl.Series([names[i] for i in s.ravel()], dtype=pl.String),
            **{m: flat[:, j] for j, m in enumerate(DAILY_METRICS)},
        })
        return frame.with_columns((pl.lit(dates) + pl.duration(days=pl.col("day"))).alias("date"))

    def agent_table(self) -> pl.DataFrame:
        """Per replication and day: agent minutes available and used, calls waiting."""
        R, H, _ = self.agent.shape
        r, t = np.meshgrid(np.arange(R), np.arange(H), indexing="ij")
        flat = self.agent.reshape(-1, 3)
        return pl.DataFrame({"replication": r.ravel().astype(np.int32), "day": t.ravel().astype(np.int32),
                             "minutes_available": flat[:, 0], "minutes_used": flat[:, 1],
                             "calls_waiting": flat[:, 2]})

    def segment_table(self) -> pl.DataFrame:
        """Per segment, means over replications of collected, NPV, cost, give-away, agreements, breaks."""
        sums = self.daily.sum(axis=1)  # (R, S, M)
        names = self.scenario.segment_names
        counts = np.bincount(self.segment, minlength=len(names))
        cols = {"segment": list(names), "debtors": counts.astype(np.int64)}
        for m in ("collected", "npv", "cost", "give_away", "agreements", "breaks", "cures"):
            cols[m] = sums[:, :, DAILY_METRICS.index(m)].mean(axis=0)
        return pl.DataFrame(cols)

    def debtors_table(self, ids: pl.Series) -> pl.DataFrame:
        """Per debtor (first replication): pseudonymised id, segment, outcome and money."""
        names = self.scenario.segment_names
        d = self.debtors
        return pl.DataFrame({
            "debtor": ids,
            "segment": pl.Series([names[i] for i in self.segment], dtype=pl.String),
            "outcome": pl.Series([OUTCOMES[i] for i in d["outcome"]], dtype=pl.String),
            "offer": d["offer"], "collected": d["collected"], "collected_npv": d["collected_npv"],
            "give_away": d["give"], "cost_npv": d["cost"], "agreements": d["agreements"].astype(np.int32),
            "broken": d["broken"].astype(np.int32),
        })

    def summary(self) -> str:
        """A short text summary of the headline metrics with their 95% CIs."""
        lines = [f"{self.scenario.name} — policy {self.policy_name}, {self.replications} replications, seed {self.seed}"]
        for k in HEADLINE:
            mean, lo, hi = self.metric(k)
            ci = f"95% CI [{lo:,.2f}, {hi:,.2f}]" if math.isfinite(lo) else "95% CI absent"
            lines.append(f"  {k:<20} {mean:>16,.2f}   {ci}")
        if self.replications < 2:
            lines.append("  (one replication: no spread can be estimated, so no interval is given; "
                         "use --replications 2 or more)")
        return "\n".join(lines)
