"""The optimize job: coefficients by simulation → LP → frontier → out-of-sample check.

Seeds: ``SeedSequence(seed).spawn(2)`` gives one child for the coefficient runs and one
for the out-of-sample re-simulation, so the policy is judged on draws it was not chosen
on. In the re-simulation the chosen policy and the baseline share every draw (common
random numbers) and the shared, limited agent pool, and the difference in net NPV is a
paired comparison over replications.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import polars as pl

from optimizer.coefficients import estimate_coefficients
from optimizer.constraints import Constraints, week_columns
from optimizer.frontier import frontier as solve_frontier
from optimizer.recalibrate import LEVELS, recalibrate, recalibration_seed, shift_levels
from optimizer.sampling import week_capacity
from optimizer.solution import PolicySolution
from optimizer.solve import solve_policy
from optimizer.stability import stability as policy_stability
from optimizer.weekly import NOT_CALLED_OFFERS, allocates, capacity_by_week, capacity_value, weekly_held
from scenarios.schema import OfferShare, Policy, SegmentPolicy
from simulation.model import OfferPlan, SimModel
from simulation.montecarlo import run_monte_carlo
from simulation.replication import DAILY_METRICS
from simulation.results import SimulationResult, mean_ci

__all__ = ["OptimizationResult", "constraints_for", "policy_from_solution", "optimize", "baseline_values",
           "validation_seed", "weekly_load", "policy_json"]

Progress = Callable[[str, int, int], None]


def baseline_values(coef: pl.DataFrame, model: SimModel, policy: Policy, column: str) -> dict[str, float]:
    """Per segment, the expected ``column`` per debtor of ``policy``'s mix, from the coefficients."""
    sc = model.scenario
    down = sc.offers.down_payment_share
    if "calls" in coef.columns:  # the called rows (policy offers are called unless they say otherwise)
        coef = coef.filter(pl.col("calls"))
    out = {}
    for seg in sc.segments:
        rows = coef.filter(pl.col("segment") == seg.name)
        total = 0.0
        for o in policy.offers_for(seg.name):
            dp = down if o.down_payment_share < 0 else o.down_payment_share
            hit = rows.filter((pl.col("discount").round(6) == round(o.discount, 6))
                              & (pl.col("installments") == o.installments)
                              & (pl.col("down_payment_share").round(6) == round(dp, 6)))
            if hit.height:
                total += o.share * float(hit[column][0])
        out[seg.name] = total
    return out


def constraints_for(model: SimModel, coef: pl.DataFrame, *, budget: float | None = None,
                    liquidity_target: float | None = None) -> Constraints:
    """The LP constraints the scenario asks for (``budget`` / ``liquidity_target`` override the scenario's)."""
    sc = model.scenario
    opt = sc.optimizer
    if budget is None and opt.budget >= 0:
        budget = opt.budget
    minutes = sc.agents.count * float(model.calendar.agent_minutes.sum()) if opt.agent_capacity else None
    by_week = None
    if opt.agent_capacity and allocates(coef):  # demanded minutes, called / not-called rows: one row per week
        minutes, by_week = None, capacity_by_week(model)
    min_recovery = None
    if opt.min_recovery_share > 0:
        base = baseline_values(coef, model, sc.baseline, "npv")
        min_recovery = {k: opt.min_recovery_share * v for k, v in base.items()}
    return Constraints(
        budget=budget, budget_share=opt.budget_share if opt.budget_share >= 0 else None, agent_minutes=minutes,
        liquidity_target=liquidity_target if liquidity_target is not None else (
            opt.liquidity_target if opt.liquidity_target > 0 else None),
        chronic_max_discount=opt.chronic_max_discount, chronic_not_better=opt.chronic_not_better,
        min_recovery=min_recovery, moral_hazard_cost=opt.moral_hazard_cost,
        confidence=float(opt.confidence), agent_minutes_by_week=by_week,
        agent_queue=by_week is not None, indifference=float(opt.indifference),
    )


def weekly_load(coef: pl.DataFrame, solution: PolicySolution, model: SimModel) -> pl.DataFrame:
    """Per week of the horizon: the pool's agent minutes and those the chosen shares use.

    Columns ``week, capacity, planned, utilisation``. ``planned`` is ``sum N x minutes_w`` at
    the published shares. With coefficients measured at demanded minutes (called and
    not-called rows, :mod:`optimizer.weekly`) it is the activity of the weekly rows, at most
    the capacity. With coefficients simulated under the agent pool the calls the pool could
    not make are already left out, so no weekly row is built (it would ration the same
    minutes twice) and a week near 100% is one in which the dialler queues calls.
    """
    weeks = week_columns(coef.columns)
    schema = {"week": pl.Int64, "capacity": pl.Float64, "planned": pl.Float64, "utilisation": pl.Float64}
    if not weeks or not solution.status.has_solution:
        return pl.DataFrame(schema=schema)
    cap = week_capacity(model)
    shares = solution.shares.select("segment", "offer", "share")
    table = coef.join(shares, on=["segment", "offer"], how="inner")
    w = (table["share"] * table["n_debtors"]).to_numpy()
    planned = [float(w @ table[c].to_numpy()) for c in weeks]
    n = min(len(planned), cap.size)
    return pl.DataFrame({"week": list(range(n)), "capacity": [float(v) for v in cap[:n]], "planned": planned[:n],
                         "utilisation": [p / c if c > 0 else float("nan") for p, c in zip(planned[:n], cap[:n])]},
                        schema=schema)


def policy_from_solution(solution: PolicySolution, model: SimModel) -> Policy:
    """The policy of an LP solution: per segment, the offers with a positive share."""
    segments = {}
    table = solution.shares.filter(pl.col("share") > 1e-7)
    for seg in model.scenario.segment_names:
        rows = table.filter(pl.col("segment") == seg)
        if rows.height == 0:
            continue
        shares = np.array(rows["share"].to_list())
        shares = np.round(shares / shares.sum(), 6)
        shares[-1] = round(1.0 - shares[:-1].sum(), 6)
        calls = rows["calls"].to_list() if "calls" in rows.columns else [True] * rows.height
        offers = tuple(OfferShare(float(d), int(n), float(s), float(dp), calls=bool(c)) for d, n, s, dp, c in
                       zip(rows["discount"], rows["installments"], shares, rows["down_payment_share"], calls))
        segments[seg] = SegmentPolicy(offers)
    return Policy(offers=model.scenario.baseline.offers, segments=segments)


@dataclass(frozen=True, eq=False)
class OptimizationResult:
    """Everything ``acordo optimize`` produces.

    Attributes
    ----------
    coefficients : pl.DataFrame
        The LP's inputs, one row per (segment, offer), with standard errors.
    constraints : Constraints
    solution : PolicySolution
    frontier : pl.DataFrame
        Recovery vs give-away over budgets from zero to unconstrained.
    policy : Policy
        The chosen policy (empty when the LP has no solution).
    optimized, baseline : SimulationResult or None
        Out-of-sample re-simulations (fresh seeds, shared agent pool).
    validation : dict
        Predicted vs simulated net NPV with 95% CIs, the CI of the difference, and each
        constraint checked in the re-simulation (``held_share``: the share of
        replications in which it held).
    timings : dict
    stability : pl.DataFrame
        Per segment: ``chosen_offer``, ``win_share`` (share of bootstrap coefficient
        tables on which it is chosen again), ``limit_low`` / ``limit_high`` (the discount
        limit as an interval); see :mod:`optimizer.stability`. The same columns are
        joined to ``solution.discount_limits``.
    weekly : pl.DataFrame
        Agent minutes by week: the pool's and the chosen policy's (:func:`weekly_load`).
    capacity : dict
        With weekly capacity rows (:mod:`optimizer.weekly`): the weekly duals, what one more
        agent is worth by the LP (``one_more_agent``) and, per week, whether the plan held in
        the re-simulation (``held``). Empty otherwise.
    """

    coefficients: pl.DataFrame
    constraints: Constraints
    solution: PolicySolution
    frontier: pl.DataFrame
    policy: Policy
    optimized: SimulationResult | None
    baseline: SimulationResult | None
    validation: dict
    timings: dict[str, float] = field(default_factory=dict)
    stability: pl.DataFrame = field(default_factory=pl.DataFrame)
    weekly: pl.DataFrame = field(default_factory=pl.DataFrame)
    capacity: dict = field(default_factory=dict)

    def policy_dict(self, model: SimModel) -> dict:
        """``policy.json``: the policy (loadable with ``--policy``) and per-segment details."""
        sc = model.scenario
        limits = {r["segment"]: r for r in self.solution.discount_limits.iter_rows(named=True)} \
            if self.solution.discount_limits.height else {}
        detail = {}
        seg_table = self.solution.shares.filter(pl.col("share") > 1e-7)
        for s in sc.segments:
            rows = seg_table.filter(pl.col("segment") == s.name)
            w = np.array(rows["share"].to_list()) if rows.height else np.zeros(0)
            lim = limits.get(s.name, {})
            detail[s.name] = {
                "debtors": int(np.sum(model.seg == sc.segment_names.index(s.name))),
                "chronic": s.chronic,
                "risk_band": s.risk_band,
                "cadence": [{"day": st.day, "channel": st.channel} for st in sc.cadence_for(s.name)],
                "discount_limit": lim.get("discount_limit"),
                "discount_limit_interval": [lim.get("limit_low"), lim.get("limit_high")] if "limit_low" in lim else None,
                "chosen_offer_win_share": lim.get("win_share"),
                "marginal_net_per_give": lim.get("marginal_net_per_give"),
                "mean_discount": float(np.dot(w, rows["discount"].to_list())) if w.size else None,
                "expected_npv_per_debtor": float(np.dot(w, rows["npv"].to_list())) if w.size else None,
                "expected_give_per_debtor": float(np.dot(w, rows["give"].to_list())) if w.size else None,
                "expected_cost_per_debtor": float(np.dot(w, rows["cost"].to_list())) if w.size else None,
            }
        return {"scenario": sc.name, "status": self.solution.status.name, "policy": policy_json(self.policy),
                "segments": detail}

    def solution_dict(self) -> dict:
        """``solution.json``: the LP solution, its constraints and the out-of-sample validation."""
        data = self.solution.to_dict()
        data["constraints_given"] = self.constraints.to_dict()
        data["validation"] = self.validation
        data["stability"] = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
                             for r in self.stability.iter_rows(named=True)] if self.stability.height else []
        data["coefficient_precision"] = _precision(self.coefficients)
        data["weekly_minutes"] = self.weekly.to_dicts() if self.weekly.height else []
        data["capacity_by_week"] = self.capacity
        return data

    def summary(self) -> str:
        """A short text summary."""
        lines = [self.solution.summary()]
        v = self.validation
        if v:
            d = v["difference"]
            lines.append(f"out of sample ({v['replications']} replications): optimized net NPV "
                         f"{v['optimized']['mean']:,.0f} vs baseline {v['baseline']['mean']:,.0f}; "
                         f"difference {d['mean']:,.0f}, 95% CI [{d['ci95'][0]:,.0f}, {d['ci95'][1]:,.0f}]")
            from simulation.significance import significance_from_ci
            lines.append("  the difference is " + significance_from_ci(d["mean"], *d["ci95"], v["replications"]).verdict())
            rec = v.get("recalibration")
            if rec and "kept" not in rec:
                moved = rec["total_shift"]
                lines.append(f"  binding {', '.join(rec['rows'])}: segment levels anchored to a re-simulation "
                             f"({rec['replications']} replications) before publishing: 30-day cash "
                             f"{moved['cash30']:+,.0f}, give-away {moved['give']:+,.0f}")
            for c in v["constraints"]:
                lines.append(f"  {c['name']:<16} {c['sense']} {c['limit']:>16,.2f}  simulated {c['simulated']:>16,.2f}  "
                             f"{'holds' if c['holds'] else 'VIOLATED'} on average, in {c['held_share']:.0%} of replications")
        cap = self.capacity.get("one_more_agent") if self.capacity else None
        if cap is not None:
            held = self.capacity.get("held") or []
            planned = sum(w["planned"] for w in held)
            made = sum(w["used"] for w in held)
            lines.append(f"agent capacity by week: {len(cap['bottleneck_weeks'])} bottleneck weeks "
                         f"({', '.join(f'w{w:02d}' for w in cap['bottleneck_weeks'][:8]) or 'none'}); one more agent is worth "
                         f"R$ {cap['by_duals']:,.0f} by the weekly duals"
                         + ("" if cap["within_ranging"] else " (outside the duals' range)")
                         + (f", R$ {cap['resolved']:,.0f} re-solving the LP" if cap["resolved"] is not None else "")
                         + "; the paired simulation of one more agent (acordo run, marginal.json) is the check")
            if held and planned > 0:
                lines.append(f"  the weekly plan in the re-simulation: {made / planned:.1%} of the planned agent minutes "
                             "used (limited pool)")
        elif self.weekly.height:
            peak = self.weekly.sort("utilisation", descending=True).row(0, named=True)
            busy = int((self.weekly["utilisation"] >= 0.95).sum())
            lines.append(f"agent minutes by week: {busy} of {self.weekly.height} weeks at 95% of the pool or more "
                         f"(peak {peak['utilisation']:.0%} in week {peak['week']}); the calls are rationed in the "
                         "simulated coefficients, so no weekly row is priced: the paired simulation of one more "
                         "agent is the value to act on")
        if self.stability.height:
            lines.append("stability (share of bootstrap tables choosing the same offer; discount limit interval):")
            for r in self.stability.iter_rows(named=True):
                lines.append(f"  {r['segment']:<28} {r['chosen_offer']:<10} {r['win_share']:>5.0%}  "
                             f"[{r['limit_low']:.0%}, {r['limit_high']:.0%}]")
        return "\n".join(lines)


def _precision(coef: pl.DataFrame) -> list[dict]:
    """Per segment: simulated debtors per offer, rounds and the sequential rule's verdict."""
    if "precision" not in coef.columns:
        return []
    g = coef.group_by("segment", maintain_order=True).agg(pl.col("samples").max(), pl.col("rounds").first(),
                                                          pl.col("precision").first())
    return g.to_dicts()


def _offer_dict(o: OfferShare) -> dict:
    out = {"discount": o.discount, "installments": o.installments, "share": o.share,
           "down_payment_share": o.down_payment_share}
    if not o.calls:  # the not-called share (weekly capacity allocation)
        out["calls"] = False
    return out


def policy_json(policy: Policy) -> dict:
    """A policy in the format of ``policy.json``'s ``policy`` (loadable with ``--policy``)."""
    return {"offers": [_offer_dict(o) for o in policy.offers],
            "segments": {name: {"offers": [_offer_dict(o) for o in sp.offers]} for name, sp in policy.segments.items()}}


def _ci(values: np.ndarray) -> dict:
    mean, lo, hi = mean_ci(values)
    return {"mean": mean, "ci95": [lo, hi]}


def _validation(solution: PolicySolution, constraints: Constraints, opt: SimulationResult,
                base: SimulationResult, model: SimModel) -> dict:
    shares = solution.shares
    n = shares["n_debtors"].to_numpy()
    x = shares["share"].to_numpy()
    net_se = np.sqrt(shares["npv_se"].to_numpy() ** 2 + shares["cost_se"].to_numpy() ** 2)
    seg_se = pl.DataFrame({"segment": shares["segment"], "v": n * x * net_se}).group_by("segment").agg(pl.col("v").sum())
    pred_se = float(np.sqrt((seg_se["v"].to_numpy() ** 2).sum()))
    pred = solution.net
    net_o, net_b = opt.values("net_npv"), base.values("net_npv")
    checks = []
    give, rec = opt.values("give_away"), opt.values("collected_npv")
    if constraints.budget is not None:
        checks.append(("budget", "R$", "<=", constraints.budget, give))
    if constraints.budget_share is not None:
        checks.append(("budget_share", "share", "<=", constraints.budget_share, give / np.maximum(rec, 1e-9)))
    if constraints.agent_minutes is not None:
        checks.append(("agent_minutes", "minutes", "<=", constraints.agent_minutes, opt.values("agent_minutes_used")))
    elif constraints.agent_minutes_by_week is not None:
        checks.append(("agent_minutes", "minutes", "<=", float(sum(constraints.agent_minutes_by_week)),
                       opt.values("agent_minutes_used")))
    if constraints.liquidity_target is not None:
        cash30 = opt.daily[:, :30, :, DAILY_METRICS.index("collected")].sum(axis=(1, 2))
        checks.append(("liquidity", "R$", ">=", constraints.liquidity_target, cash30))
    checks.append(("violations", "count", "<=", 0.0, opt.values("violations")))
    out_checks = []
    for name, unit, sense, limit, values in checks:
        mean, lo, hi = mean_ci(values)
        ge = sense == ">="
        holds = mean >= limit - 1e-6 * max(1, abs(limit)) if ge else mean <= limit + 1e-6 * max(1, abs(limit))
        significant = (hi < limit) if ge else (lo > limit + 1e-6 * max(1, abs(limit)))
        slack = 1e-6 * max(1, abs(limit))
        each = (values >= limit - slack) if ge else (values <= limit + slack)
        out_checks.append({"name": name, "unit": unit, "sense": sense, "limit": limit, "simulated": mean,
                           "ci95": [lo, hi], "holds": bool(holds), "significantly_violated": bool(significant),
                           "held_share": float(np.mean(each)), "held": int(np.sum(each)), "replications": int(each.size),
                           "confidence": float(constraints.confidence) if name in ("budget", "budget_share", "liquidity")
                           else None})
    return {
        "replications": opt.replications,
        "predicted": {"mean": pred, "ci95": [pred - 1.96 * pred_se, pred + 1.96 * pred_se],
                      "note": "LP net (npv - cost) with the coefficients' standard errors, offers taken as independent"},
        "optimized": _ci(net_o), "baseline": _ci(net_b), "difference": _ci(net_o - net_b),
        "optimized_give_away": _ci(give), "baseline_give_away": _ci(base.values("give_away")),
        "constraints": out_checks,
    }


def _seeds(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    coef_seq, valid_seq = np.random.SeedSequence(seed).spawn(2)
    return coef_seq, valid_seq


def validation_seed(seed: int) -> np.random.SeedSequence:
    """The seed sequence of the out-of-sample re-simulations of a job with root ``seed``."""
    return _seeds(seed)[1]


def optimize(model: SimModel, *, seed: int, integer: bool = False, budget: float | None = None,
             replications: int | None = None, workers: int = 1, validate: bool = True, frontier_points: int = 25,
             cache_dir=None, baseline: SimulationResult | None = None,
             progress: Progress | None = None, stability_replicates: int = 30,
             liquidity_target: float | None = None) -> OptimizationResult:
    """Run the whole optimize job on ``model``; see the module docstring for the seeds.

    ``baseline``, when given, is the baseline already simulated on the validation seeds
    (:func:`validation_seed`), so ``acordo run`` simulates it once. ``workers`` also runs
    the coefficient chunks in parallel. ``stability_replicates`` bootstrap tables are
    re-solved for :attr:`OptimizationResult.stability` (0: none). Every stage runs on one set
    of ``workers`` processes (:func:`simulation.pool.job_pool`; the caller's, inside one).
    """
    from simulation.pool import job_pool
    with job_pool(workers):
        return _optimize(model, seed=seed, integer=integer, budget=budget, replications=replications,
                         workers=workers, validate=validate, frontier_points=frontier_points, cache_dir=cache_dir,
                         baseline=baseline, progress=progress, stability_replicates=stability_replicates,
                         liquidity_target=liquidity_target)


def _optimize(model: SimModel, *, seed: int, integer: bool, budget: float | None, replications: int | None,
              workers: int, validate: bool, frontier_points: int, cache_dir, baseline: SimulationResult | None,
              progress: Progress | None, stability_replicates: int,
              liquidity_target: float | None) -> OptimizationResult:
    import time
    sc = model.scenario
    timings: dict[str, float] = {}
    coef_seq, valid_seq = _seeds(seed)
    t0 = time.perf_counter()
    # with the agent pool as a constraint the LP allocates it by week: coefficients at demanded
    # minutes (unlimited pool) with not-called rows (optimizer.weekly)
    weekly_rows = bool(sc.optimizer.agent_capacity and sc.optimizer.capacity_by_week)
    coef = estimate_coefficients(model, seed=coef_seq, extra_policies=(sc.baseline,), cache_dir=cache_dir,
                                 workers=workers, unlimited_agents=weekly_rows,
                                 not_called=NOT_CALLED_OFFERS if weekly_rows else 0,
                                 progress=(lambda k, n: progress("coefficients", k, n)) if progress else None)
    timings["coefficients"] = round(time.perf_counter() - t0, 3)
    from optimizer.occupied import occupied, without_empty  # empty segments get no LP row
    lp_coef = occupied(coef.filter(pl.col("in_catalogue")))
    constraints = without_empty(constraints_for(model, coef, budget=budget, liquidity_target=liquidity_target),
                                lp_coef)
    t0 = time.perf_counter()
    solution = solve_policy(lp_coef, constraints, integer=integer, solver=sc.optimizer.solver)
    timings["lp"] = round(time.perf_counter() - t0, 3)
    recalibration: dict = {}
    if validate and solution.status.has_solution:
        # a binding chance row: the segments' levels are anchored to a simulation of the
        # policy before it is published (optimizer.recalibrate), on seeds of their own
        t0 = time.perf_counter()
        R = replications or sc.monte_carlo.replications

        def simulate(sol: PolicySolution) -> SimulationResult:
            plan = OfferPlan.from_policy(policy_from_solution(sol, model), sc)
            return run_monte_carlo(model, plan, seed=recalibration_seed(valid_seq), replications=R,
                                   workers=workers, policy_name="recalibration")
        lp_coef, solution, recalibration = recalibrate(lp_coef, constraints, solution, simulate,
                                                       [s.name for s in sc.segments], solver=sc.optimizer.solver,
                                                       integer=integer)
        if recalibration:
            timings["recalibration"] = round(time.perf_counter() - t0, 3)
            if "kept" not in recalibration:
                coef = shift_levels(coef, {col: {r["segment"]: r["factor"] for r in recalibration["segments"]
                                                 if r["column"] == col} for col in LEVELS})
    t0 = time.perf_counter()
    stab = policy_stability(lp_coef, constraints, solution, solver=sc.optimizer.solver, integer=integer,
                            replicates=stability_replicates, workers=workers) if stability_replicates else pl.DataFrame()
    if stab.height:
        solution = replace(solution, discount_limits=solution.discount_limits.join(
            stab.select("segment", "limit_low", "limit_high", "win_share", "chosen_offer"), on="segment", how="left"))
    timings["stability"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    front = solve_frontier(lp_coef, replace(constraints, budget=None, budget_share=None), frontier_points,
                           solver=sc.optimizer.solver) if frontier_points else pl.DataFrame()
    timings["frontier"] = round(time.perf_counter() - t0, 3)
    if progress:
        progress("linear program", 1, 1)
    if not solution.status.has_solution:
        return OptimizationResult(coef, constraints, solution, front, Policy(segments={}), None, None, {}, timings, stab)
    policy = policy_from_solution(solution, model)
    weekly = weekly_load(lp_coef, solution, model)
    t0 = time.perf_counter()
    capacity = capacity_value(lp_coef, constraints, solution, model, solver=sc.optimizer.solver, integer=integer) \
        if constraints.agent_minutes_by_week is not None else {}
    timings["capacity"] = round(time.perf_counter() - t0, 3)
    opt_sim = base_sim = None
    validation: dict = {}
    if validate:
        R = replications or sc.monte_carlo.replications
        t0 = time.perf_counter()
        tick = (lambda label: (lambda k: progress(label, k, R))) if progress else (lambda label: None)
        opt_sim = run_monte_carlo(model, OfferPlan.from_policy(policy, sc), seed=valid_seq, replications=R,
                                  workers=workers, policy_name="optimized", progress=tick("re-simulating optimized"))
        base_sim = baseline if baseline is not None and baseline.replications == R else run_monte_carlo(
            model, OfferPlan.from_policy(sc.baseline, sc), seed=valid_seq, replications=R, workers=workers,
            policy_name="baseline", progress=tick("re-simulating baseline"))
        validation = _validation(solution, constraints, opt_sim, base_sim, model)
        if recalibration:
            validation["recalibration"] = recalibration
        if capacity:
            capacity["held"] = weekly_held(capacity, opt_sim)
        timings["validation"] = round(time.perf_counter() - t0, 3)
    return OptimizationResult(coef, constraints, solution, front, policy, opt_sim, base_sim, validation, timings, stab,
                              weekly, capacity)


