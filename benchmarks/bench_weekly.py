"""Capacity by week on base: ``optimize`` cold with ``optimizer.capacity_by_week`` (budget 60 s) and the
weekly duals' value of one more agent beside the paired simulation of one more agent.

``python -m benchmarks.bench_weekly [--seed 11] [--paired]`` prints JSON lines
``{"name", "value", "budget", "ok", ...}``: the optimize wall time (cold coefficient cache),
and with ``--paired`` one line with the LP's value of one more agent (by the duals and
re-solved), the paired simulation's mean and 95% interval (same validation seeds, the
job's replications), and the share of the LP's weekly minutes the dialler made.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--paired", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from acordo.pipeline import prepare
    from optimizer.optimize import optimize, validation_seed
    from simulation.model import OfferPlan
    from simulation.sensitivity import agent_value
    book = prepare(ROOT / "scenarios" / "base.toml", settings={"optimizer.capacity_by_week": True})
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        res = optimize(book.model, seed=args.seed, cache_dir=Path(tmp), workers=args.workers)
        wall = time.perf_counter() - t0
    print(json.dumps({"name": "optimize_base_capacity_by_week_cold_s", "value": round(wall, 1), "budget": 60,
                      "ok": wall <= 60, "cpu_main_s": round(time.process_time() - c0, 1), "timings": res.timings}))
    if not args.paired:
        return
    cap = res.capacity.get("one_more_agent", {})
    held = res.capacity.get("held", [])
    planned = sum(w["planned"] for w in held)
    made = sum(w["used"] for w in held)
    R = res.validation["replications"]
    paired = agent_value(book.model, OfferPlan.from_policy(res.policy, book.scenario), seed=validation_seed(args.seed),
                         replications=R, reference=res.optimized.values("net_npv"), workers=args.workers)
    d = res.validation["difference"]
    print(json.dumps({"name": "one_more_agent_lp_vs_paired", "value": cap.get("by_duals"), "budget": None, "ok": True,
                      "lp_resolved": cap.get("resolved"), "within_ranging": cap.get("within_ranging"),
                      "bottleneck_weeks": cap.get("bottleneck_weeks"),
                      "weekly_duals": [round(w["dual_up"], 4) for w in res.capacity.get("weeks", [])],
                      "paired_mean": paired["mean"], "paired_ci95": paired["ci95"], "replications": R,
                      "plan_minutes_made_share": made / planned if planned else None,
                      "gain_vs_baseline": d["mean"], "gain_ci95": d["ci95"]}))


if __name__ == "__main__":
    main()
