"""Capacity by week on base: ``acordo optimize`` cold without and with ``optimizer.capacity_by_week``
(budget 60 s each), and the weekly duals' value of one more agent beside the paired simulation.

``python -m benchmarks.bench_weekly [--seed 11] [--paired]`` prints JSON lines
``{"name", "value", "budget", "ok", ...}``: the two optimize wall times (fresh process, cold
coefficient cache, CPU seconds of the process and its workers), and with ``--paired`` one line with the LP's value of one more agent (by the duals and
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


def _optimize_cold(weekly: bool, seed: int, workers: int) -> dict:
    """``acordo optimize`` on base in a fresh process with a cold cache (with or without capacity_by_week)."""
    import os
    import resource
    import subprocess
    import sys
    with tempfile.TemporaryDirectory() as tmp:
        scenario = ROOT / "scenarios" / "base.toml"
        if weekly:
            scenario = Path(tmp) / "base_weekly.toml"
            scenario.write_text(f'extends = "{ROOT / "scenarios" / "base.toml"}"\n[optimizer]\ncapacity_by_week = true\n')
        env = {**os.environ, "ACORDO_CACHE": str(Path(tmp) / "cache")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "acordo.cli", "optimize", str(scenario), "--out",
                               str(Path(tmp) / "out"), "--seed", str(seed), "--workers", str(workers), "--quiet"],
                              env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        manifest = Path(tmp) / "out" / "manifest.json"
        timings = json.loads(manifest.read_text()).get("timings_seconds", {}) if manifest.is_file() else {}
    return {"name": "acordo_optimize_base_cold" + ("_capacity_by_week" if weekly else ""), "value": round(wall, 1),
            "unit": "s", "budget": 60.0, "ok": proc.returncode == 0 and wall <= 60.0,
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "returncode": proc.returncode, "timings": timings}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--paired", action="store_true", help="also the LP's value of one more agent vs the paired simulation")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    for weekly in (False, True):
        print(json.dumps(_optimize_cold(weekly, args.seed, args.workers)), flush=True)
    if not args.paired:
        return
    from acordo.pipeline import prepare
    from optimizer.optimize import optimize, validation_seed
    from simulation.model import OfferPlan
    from simulation.sensitivity import agent_value
    book = prepare(ROOT / "scenarios" / "base.toml", settings={"optimizer.capacity_by_week": True})
    with tempfile.TemporaryDirectory() as tmp:
        res = optimize(book.model, seed=args.seed, cache_dir=Path(tmp), workers=args.workers)
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
