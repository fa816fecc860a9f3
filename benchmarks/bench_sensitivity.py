"""The sampled tornado against the full re-simulation on a 200,000-debtor book.

Both on the base scenario (agents scaled to the book), the baseline policy, the same seed
and ``R = 3`` replications, every core: the sampled estimator of ``docs/sensitivity.md``
with the scenario's ``monte_carlo.sensitivity_precision`` (its pilot included in its
time), and the whole book (``precision = 0``). Records: both times, the debtors sampled,
and how many of the 18 bars differ by more than their combined 95% interval. By chance
alone that count is about Binomial(18, 0.05): 0.9 on average, 3 or more 6% of the time,
4 or more 1.3%; the budget is at most 3.

The sampled debtors keep their draws of the whole book, so the difference of a bar splits
exactly into two parts, each with its own test:

- **sampling**: the stratified estimator applied to the *full run's* values of the sampled
  debtors, minus the full run's total: pure chance of the sample, whose z uses the
  sampling error alone (finite-population stratified variance of those values);
- **the sample's model**: the sampled run minus the full run's values, on the same sampled
  debtors and weights: what simulating the sample (its weighted agent pool) instead of
  the book changes. A bias of the estimator (the agent pool not scaled with the sample)
  shows here, as a z far from 0 of one sign across the bars.
"""
from __future__ import annotations

import math
import time
from typing import Iterator

import numpy as np

__all__ = ["run", "compare_tornadoes"]

N = 200_000
R = 3


def _z(diff: float, se: float) -> float:
    return round(diff / max(se, 1e-9), 2)


def compare_tornadoes(n: int = N, replications: int = R, workers: int | None = None) -> dict:
    """Time and compare the sampled and the full tornado on an ``n``-debtor synthetic book."""
    from scipy import stats

    from scenarios.loader import load_scenario
    from scenarios.portfolio import validate_frame
    from scenarios.segmentation import assign_segments
    from scenarios.synthetic import generate_portfolio
    from simulation.model import OfferPlan, build_model
    from simulation.pool import WorkerPool
    from simulation.sampling import Z95, stratified_total
    from simulation.sensitivity import SENSITIVITY_PARAMETERS, _run, sensitivity, sensitivity_sample
    from simulation.variants import VariantJob, tornado_variants
    sc = load_scenario("scenarios/base.toml", settings={"agents.count": max(1, round(20 * n / 20000))})
    frame = validate_frame(generate_portfolio(n, np.random.default_rng(1)), "bench", "SP").frame
    model = build_model(sc, frame, assign_segments(sc, frame))
    plan = OfferPlan.from_policy(sc.baseline, sc)
    seed = np.random.SeedSequence(99)
    variants = tornado_variants(tuple(SENSITIVITY_PARAMETERS), 0.2)
    with WorkerPool(workers) as pool:
        t0 = time.perf_counter()
        sample = sensitivity_sample(model, plan, seed=seed, replications=replications,
                                    precision=sc.monte_carlo.sensitivity_precision, pool=pool)
        sampled = sensitivity(model, plan, seed=seed, replications=replications, sample=sample, pool=pool)
        t1 = time.perf_counter()
        # the whole book, per debtor (V, R, N): its tornado and the values of the sampled debtors
        full_values = _run(VariantJob(model, (plan,), seed, replications, variants), pool, None)[0]
        t2 = time.perf_counter()
        # the sample's own run, per sampled debtor (what sensitivity() above simulated)
        sample_values = _run(VariantJob(sample.model(model), (plan,), seed, replications, variants), pool, None)[0]
    t_q = float(stats.t.ppf(0.975, replications - 1))
    totals = full_values.sum(axis=2)  # (V, R)
    outside, zs, z_sampling, z_model, full_effects = 0, [], [], [], []
    for v, a in enumerate(sampled.iter_rows(named=True), start=1):
        d_full = totals[v] - totals[0]
        eff_full = float(d_full.mean())
        se_full = float(d_full.std(ddof=1) / math.sqrt(replications))
        full_effects.append(round(eff_full))
        se_a = (a["effect_ci95_high"] - a["effect_ci95_low"]) / (2 * Z95)
        # the full run's interval is Student-t with R - 1 degrees of freedom: as an equivalent normal error
        z = (a["effect"] - eff_full) / max(math.hypot(se_a, se_full * t_q / Z95), 1e-9)
        zs.append(round(z, 2))
        outside += abs(z) > Z95
        # the two parts of the difference, on the same sampled debtors
        d_rows = full_values[v][:, sample.rows] - full_values[0][:, sample.rows]
        on_sample, se_sampling = stratified_total(sample, d_rows.mean(axis=0, keepdims=True))  # R = 1: no MC term
        z_sampling.append(_z(on_sample - eff_full, se_sampling))
        own = sample_values[v] - sample_values[0]
        shift, se_shift = stratified_total(sample, own - d_rows)
        z_model.append(_z(shift, se_shift))
    return {"sampled_s": t1 - t0, "full_s": t2 - t1, "sample": sample.n, "debtors": n, "outside": outside,
            "z": zs, "z_sampling": z_sampling, "z_model": z_model, "bars": sampled.height,
            "sampled_effects": [round(x) for x in sampled["effect"]], "full_effects": full_effects,
            "sampled_half": [round((h - lo) / 2) for lo, h in zip(sampled["effect_ci95_low"],
                                                                 sampled["effect_ci95_high"])]}


def run() -> Iterator[dict]:
    res = compare_tornadoes()
    yield {"name": "tornado_200k_sampled", "value": round(res["sampled_s"], 3), "unit": "s", "budget": None,
           "ok": True, "sample": res["sample"], "replications": R}
    yield {"name": "tornado_200k_full", "value": round(res["full_s"], 3), "unit": "s", "budget": None, "ok": True}
    yield {"name": "tornado_200k_bars_outside_combined_ci95", "value": res["outside"], "unit": "bars",
           "budget": 3, "ok": bool(res["outside"] <= 3), "of": res["bars"], "z": res["z"],
           "z_sampling": res["z_sampling"], "z_model": res["z_model"],
           "sampled_effects": res["sampled_effects"], "full_effects": res["full_effects"],
           "sampled_half": res["sampled_half"]}
