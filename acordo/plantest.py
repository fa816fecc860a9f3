"""``acordo plan-test``: design the champion/challenger test of a run's optimized policy.

Per segment: the predicted difference in net recovery per debtor (challenger minus
champion, from the run's paired out-of-sample re-simulation on common random numbers,
with its 95% interval over replications), the per-debtor spread of net recovery under each
policy (the run's simulated debtors), and from them, with statsmodels' power functions
(:mod:`simulation.power`): the debtors needed for 80% power, the challenger share chosen,
what the team's portfolio can detect, and how long the test must run. The plan is
written to ``test_plan.json`` and the treatment file is rewritten with each debtor's arm.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from scenarios.bookchecks import MIN_SEGMENT as MIN_SEGMENT_DEBTORS
from simulation.power import POWER, detectable_mean, mean_sample_size, power_of, proportion_sample_size
from simulation.results import mean_ci

__all__ = ["SHARES", "COHORT_DAYS", "MAX_COHORTS", "TestPlan", "design_test", "run_plan_test"]

#: Challenger shares tried, smallest first: the smallest that gives 80% power is chosen.
SHARES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5)
#: Days between two monthly cohorts of new debtors when one portfolio is not enough.
COHORT_DAYS = 30
#: More monthly cohorts than this (three years) is not a feasible test.
MAX_COHORTS = 36


def _segment_net(daily: pl.DataFrame, rate: float) -> pl.DataFrame:
    """Per replication and segment: NPV collected less the NPV of costs (the daily costs are nominal)."""
    df = (1.0 + rate) ** (-pl.col("day") / 365.0)
    return daily.group_by("replication", "segment").agg((pl.col("npv") - pl.col("cost") * df).sum().alias("net"))


@dataclass(frozen=True, eq=False)
class TestPlan:
    """The test design: one row per segment (``table``) and the whole-portfolio test (``overall``)."""

    table: pl.DataFrame
    overall: dict
    horizon_days: int

    def shares(self) -> dict[str, float]:
        """Challenger share by segment."""
        return dict(zip(self.table["segment"].to_list(), self.table["challenger_share"].to_list()))

    def to_dict(self) -> dict:
        """``test_plan.json``."""
        return {"power": POWER, "alpha": 0.05, "horizon_days": self.horizon_days, "cohort_days": COHORT_DAYS,
                "max_cohorts": MAX_COHORTS,
                "metric": "net recovery per debtor (NPV collected less contact costs), R$",
                "overall": self.overall, "segments": self.table.to_dicts()}

    def summary(self) -> str:
        """The plan as text (no ids)."""
        o = self.overall
        lines = [f"champion/challenger test: 80% power, 5% two-sided; outcome measured over {self.horizon_days} days",
                 f"{'segment':<20}{'debtors':>8}{'chall.':>7}{'pred. diff R$/debtor [95% CI]':>34}"
                 f"{'needed':>13}{'detectable':>12}{'power':>7}  test length"]
        for r in self.table.iter_rows(named=True):
            ci = f"{r['predicted_diff']:,.2f} [{r['predicted_diff_ci95'][0]:,.2f}, {r['predicted_diff_ci95'][1]:,.2f}]"
            det = f"{r['detectable_diff']:,.2f}" if math.isfinite(r["detectable_diff"]) else "–"
            pw = f"{r['power_with_portfolio']:.0%}" if math.isfinite(r["power_with_portfolio"]) else "–"
            lines.append(f"{r['segment']:<20}{r['debtors']:>8,}{r['challenger_share']:>7.0%}{ci:>34}"
                         f"{_needed(r['needed_total']):>13}{det:>12}{pw:>7}  {_length(r)}")
        lines.append(f"whole portfolio: predicted difference {o['predicted_diff_total']:,.0f} R$ (95% CI "
                     f"[{o['predicted_diff_total_ci95'][0]:,.0f}, {o['predicted_diff_total_ci95'][1]:,.0f}]); "
                     f"power with this portfolio {o['power']:.0%}; for 80%: {_length(o)}")
        return "\n".join(lines)


def _needed(n: int) -> str:
    return "not feasible" if n < 0 else ("–" if n == 0 else f"{n:,}")


def _length(r: dict) -> str:
    """'180 days', '12 monthly cohorts, 510 days', or why not."""
    if r.get("same_policy"):
        return "nothing to test (same offers in both arms)"
    if r["cohorts"] is None:
        return f"not feasible (more than {MAX_COHORTS} monthly cohorts of this size)"
    if r["cohorts"] == 1:
        return f"{r['duration_days']} days (this portfolio is enough)"
    return f"{r['cohorts']} monthly cohorts of this size, {r['duration_days']} days"


def _cohorts(needed: int, n: int) -> int | None:
    if needed < 0:
        return None
    k = max(1, math.ceil(needed / n)) if needed else 1
    return k if k <= MAX_COHORTS else None


def _challengers(share: float, n: int) -> int:
    """Debtors of a segment of ``n`` in the challenger arm: the hash-ranked split's count."""
    return n - int(np.rint((1.0 - share) * n))


def design_test(run_dir: str | Path, shares: tuple[float, ...] = SHARES) -> TestPlan:
    """The test plan of the run directory ``run_dir`` (reads it and its scenario only)."""
    from optimizer.assignment import segment_mix
    from reports.rundata import load_run
    from scenarios.loader import load_policy, load_scenario
    data = load_run(run_dir)
    root = Path(run_dir)
    scenario = load_scenario(data.manifest.get("scenario_path") or data.manifest["scenario"]["file"])
    policy = load_policy(root / "policy.json", scenario)
    deb_c = pl.read_parquet(root / "debtors.parquet")
    deb_b = pl.read_parquet(root / "baseline_debtors.parquet")
    rate = scenario.money.annual_discount_rate
    pair = _segment_net(data.daily, rate).join(_segment_net(data.baseline_daily, rate), on=["replication", "segment"],
                                         suffix="_b").with_columns((pl.col("net") - pl.col("net_b")).alias("diff"))
    horizon = int(data.daily.get_column("day").max()) + 1
    net = lambda d: (d["collected_npv"] - d["cost_npv"]).to_numpy()  # noqa: E731
    fallback_sd = math.sqrt((np.var(net(deb_c), ddof=1) + np.var(net(deb_b), ddof=1)) / 2) if deb_c.height > 1 else 0.0
    rows, tot_diff, tot_var = [], None, 0.0
    for name, n in zip(data.segments["segment"].to_list(), data.segments["debtors"].to_list()):
        n = int(n)
        diffs = pair.filter(pl.col("segment") == name).sort("replication")["diff"].to_numpy() / n
        mean, lo, hi = mean_ci(diffs) if diffs.size else (0.0, 0.0, 0.0)
        tot_diff = diffs * n if tot_diff is None else tot_diff + diffs * n
        c_rows, b_rows = deb_c.filter(pl.col("segment") == name), deb_b.filter(pl.col("segment") == name)
        # a tiny segment's spread rests on a handful of debtors: it borrows the portfolio's
        sd = math.sqrt((np.var(net(c_rows), ddof=1) + np.var(net(b_rows), ddof=1)) / 2) \
            if n >= MIN_SEGMENT_DEBTORS else fallback_sd
        sd = sd if sd > 0 else fallback_sd
        kc = float((c_rows["outcome"] == "agreement_kept").mean() or 0.0)
        kb = float((b_rows["outcome"] == "agreement_kept").mean() or 0.0)
        same = segment_mix(policy, scenario, name) == segment_mix(scenario.baseline, scenario, name)
        share, need = shares[-1], (0, 0)
        if not same:
            for c in shares:
                share, need = c, mean_sample_size(mean, sd, c)
                if need[0] > 0 and _challengers(c, n) >= need[0] and n - _challengers(c, n) >= need[1]:
                    break
        n_c = 0 if same else _challengers(share, n)
        needed = -1 if need[0] < 0 else sum(need)
        cohorts = _cohorts(needed, n)
        se = sd * math.sqrt(1 / max(n_c, 1) + 1 / max(n - n_c, 1))
        kept = proportion_sample_size(kc, kb, share) if kc != kb and not same else (0, 0)
        rows.append({"segment": name, "debtors": n, "challenger_share": 0.0 if same else share,
                     "challenger": n_c, "champion": n - n_c, "same_policy": same,
                     "predicted_diff": mean, "predicted_diff_ci95": [lo, hi], "sd_per_debtor": sd,
                     "needed_challenger": need[0], "needed_champion": need[1], "needed_total": needed,
                     "power_with_portfolio": float("nan") if same else power_of(mean, se),
                     "detectable_diff": detectable_mean(sd, n_c, n - n_c), "cohorts": cohorts,
                     "duration_days": None if cohorts is None else horizon + COHORT_DAYS * (cohorts - 1),
                     "kept_rate_challenger": kc, "kept_rate_champion": kb,
                     "kept_needed_total": -1 if kept[0] < 0 else sum(kept)})
        if not same:
            tot_var += (sd * n) ** 2 * (1 / max(n_c, 1) + 1 / max(n - n_c, 1))
    table = pl.DataFrame(rows)
    total, tlo, thi = mean_ci(tot_diff) if tot_diff is not None and tot_diff.size else (0.0, 0.0, 0.0)
    se_total = math.sqrt(tot_var)
    pw = power_of(total, se_total)
    k: int | None = 1
    if math.isfinite(pw) and pw < POWER:
        from scipy import stats
        k = math.ceil(((stats.norm.ppf(0.975) + stats.norm.ppf(POWER)) * se_total / abs(total)) ** 2) \
            if abs(total) > 0 else None
        k = k if k is not None and k <= MAX_COHORTS else None
    overall = {"debtors": int(table["debtors"].sum()), "challenger": int(table["challenger"].sum()),
               "predicted_diff_total": total, "predicted_diff_total_ci95": [tlo, thi], "se_total": se_total,
               "power": pw, "cohorts": k, "duration_days": None if k is None else horizon + COHORT_DAYS * (k - 1)}
    return TestPlan(table, overall, horizon)


def run_plan_test(run_dir: str | Path, portfolio: str | Path | None = None) -> TestPlan:
    """``acordo plan-test``: write ``test_plan.json`` and the treatment file with the test's arms.

    The run's portfolio is read again (``portfolio``, else the one in ``manifest.json``); it
    must hold the same debtors as the run's treatment file.
    """
    from scenarios.errors import InputError, Problem
    from acordo.pipeline import prepare
    from acordo.rundir import write_json
    from acordo.treatments import treatment_manifest, treatment_table, write_treatments
    from scenarios.loader import load_policy
    root = Path(run_dir)
    plan = design_test(root)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    source = manifest["portfolio"].get("source")
    scenario = manifest.get("scenario_path") or manifest["scenario"]["file"]
    prepared = prepare(scenario, portfolio or (source if source and Path(source).is_file() else None))
    policy = load_policy(root / "policy.json", prepared.scenario)
    table = treatment_table(prepared, policy, prepared.scenario.baseline, plan.shares())
    old = pl.read_parquet(root / "treatments.parquet", columns=["debtor_id"])["debtor_id"]
    if len(old) != table.height or not old.sort().equals(table["debtor_id"].sort()):
        raise InputError([Problem(str(portfolio or source), "debtor_id", "not the run's portfolio",
                                  f"{table.height} debtors", f"the {len(old)} debtors of the run's treatments")])
    write_treatments(root, table)
    write_json(root / "test_plan.json", plan.to_dict())
    manifest.update(treatment_manifest(table))  # the arms changed: the manifest says so
    write_json(root / "manifest.json", manifest)
    return plan
