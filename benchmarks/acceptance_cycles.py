"""Acceptance figures of several cycles: ``python -m benchmarks.acceptance_cycles [sample] [replications]``.

Base one-cycle (``scenarios/base.toml``) against base over 36 months
(``scenarios/multicycle/base_cycles.toml``), same portfolio and seeds: per chronic segment
the mean discount the LP chooses (with the segment's coefficient precision: per discount, the
best offer's objective less the segment's best and the standard error of that paired
difference), the LP's predicted net, and both policies re-simulated
on the multi-cycle model (long-run value, paired over replications with 95% CIs); the
long-run vs one-cycle report (:mod:`acordo.longrun`); and the waiting share under an
escalating baseline. Prints one JSON object (a script, not a library).
"""
from __future__ import annotations

import json
import sys

import numpy as np
import polars as pl

from optimizer.coefficients import estimate_coefficients
from optimizer.lp import solve_policy
from optimizer.optimize import constraints_for, policy_from_solution
from acordo.longrun import compare_long_run
from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.schema import OfferShare, Policy
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio
from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, build_model
from simulation.results import mean_ci


def _model(path: str, settings: dict | None = None):
    sc = load_scenario(path, settings=settings or {})
    frame = validate_frame(generate_portfolio(sc.portfolio.synthetic_n, np.random.default_rng(sc.portfolio.synthetic_seed)),
                           "synthetic", "SP").frame
    return build_model(sc, frame, assign_segments(sc, frame))


def _long_run(res) -> float:
    d = res.debtors
    return float((d["collected_npv"] - d["cost"] + d["margin_npv"] - d["arrears_npv"]).sum())


def _separation(coef, model, name: str) -> dict:
    """A segment's coefficient precision: per discount, the best offer's objective less the segment's best, and its SE.

    ``gap`` is the LP's objective per debtor (``npv - cost``, less ``moral_hazard_cost x give`` in a
    chronic segment; R$) of the best offer at that discount
    less the segment's best; ``se`` the standard error of that paired difference (common
    random numbers); a discount 5 points away is separated from the best when ``gap`` is
    beyond 1.96 ``se``.
    """
    t = coef.filter((pl.col("segment") == name) & pl.col("in_catalogue")).with_columns(
        net=pl.col("npv") - pl.col("cost")
        - pl.when(pl.col("chronic")).then(model.scenario.optimizer.moral_hazard_cost).otherwise(0.0) * pl.col("give"))
    best = float(t["net"].max())
    per = t.sort("net", descending=True).unique("discount", keep="first", maintain_order=True).sort("discount")
    return {"precision": t["precision"][0], "samples": int(t["samples"].max()), "rounds": int(t["rounds"][0]),
            "by_discount": {f"{d:.2f}": {"gap": round(float(n - best), 2), "se": round(float(e), 2)}
                            for d, n, e in zip(per["discount"], per["net"], per["net_diff_se"])}}


def main(sample: int = 300, replications: int = 4) -> dict:
    one = _model("scenarios/base.toml")
    multi = _model("scenarios/multicycle/base_cycles.toml")
    out: dict = {"sample_per_segment": sample, "replications": replications}
    coef_one = estimate_coefficients(one, seed=11, sample=sample)
    coef_multi = estimate_coefficients(multi, seed=11, sample=sample)
    sol_one = solve_policy(coef_one, constraints_for(one, coef_one))
    sol_multi = solve_policy(coef_multi, constraints_for(multi, coef_multi))
    pol_one, pol_multi = policy_from_solution(sol_one, one), policy_from_solution(sol_multi, multi)
    chronic = [s.name for s in one.scenario.segments if s.chronic]
    out["chronic_discount"] = {}
    for name in chronic:
        row = {}
        for label, pol in (("one_cycle_lp", pol_one), ("multi_cycle_lp", pol_multi)):
            offers = pol.offers_for(name)
            row[label] = round(sum(o.share * o.discount for o in offers), 4)
        row["coefficients_one_cycle"] = _separation(coef_one, one, name)
        row["coefficients_multi_cycle"] = _separation(coef_multi, multi, name)
        out["chronic_discount"][name] = row
    out["lp_predicted_net"] = {"one_cycle_lp_on_one_cycle": sol_one.net, "multi_cycle_lp_on_multi_cycle": sol_multi.net}
    cmp = compare_long_run(coef_multi, constraints_for(multi, coef_multi))
    out["longrun_report"] = cmp.table.select("segment", "chronic", "longrun_discount", "myopic_discount",
                                             "longrun_one_cycle", "longrun_long_run", "myopic_one_cycle",
                                             "myopic_long_run", "long_run_gain", "long_run_gain_se").to_dicts()
    out["longrun_report_summary"] = cmp.summary()
    # both policies re-simulated (fresh seed) on each model, paired
    for label, model in (("one_cycle_model", one), ("multi_cycle_model", multi)):
        vals = {"one_cycle_lp": [], "multi_cycle_lp": [], "baseline": []}
        for streams in replication_streams(2027, replications):
            for k, pol in (("one_cycle_lp", pol_one), ("multi_cycle_lp", pol_multi), ("baseline", model.scenario.baseline)):
                res = simulate_replication(model, OfferPlan.from_policy(pol, model.scenario), streams)
                vals[k].append(_long_run(res) if model.scenario.cycles.enabled else res.totals["net_npv"])
        out[label] = {k: dict(zip(("mean", "ci95_low", "ci95_high"), mean_ci(np.array(v)))) for k, v in vals.items()}
        diff = np.array(vals["multi_cycle_lp"]) - np.array(vals["one_cycle_lp"])
        out[label]["multi_minus_one_cycle_lp"] = dict(zip(("mean", "ci95_low", "ci95_high"), mean_ci(diff)))
    # waiting share: an escalating baseline on the multi-cycle base (reservation discount in chronic segments)
    esc = Policy(offers=(OfferShare(0.10, 1, 0.5, escalate_days=(60, 120), escalate_discounts=(0.20, 0.30)),
                         OfferShare(0.0, 6, 0.5)))
    flat = Policy(offers=(OfferShare(0.10, 1, 0.5), OfferShare(0.0, 6, 0.5)))
    for label, pol in (("escalating", esc), ("flat", flat)):
        waited, agreements = [], []
        for streams in replication_streams(2028, replications):
            res = simulate_replication(multi, OfferPlan.from_policy(pol, multi.scenario), streams)
            waited.append(float(res.debtors["waited"].sum()))
            agreements.append(res.totals["agreements"])
        share = np.array(waited) / np.array(agreements)
        out[f"waiting_share_{label}"] = dict(zip(("mean", "ci95_low", "ci95_high"), mean_ci(share)))
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    print(json.dumps(main(*args), indent=1, default=float))
