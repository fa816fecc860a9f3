"""Simulator budgets (issue: the discrete-event simulator).

- the engine on 1,000,000 debtors x 180 days, one replication of the base scenario with
  every rule on (state laws, holidays, 7-day cap, Reg F mode, opt-out), agents scaled to
  the portfolio: at most 10 s and 2 GB peak;
- the same on 10,000,000 debtors: at most 120 s and 8 GB;
- the naive model (one simpy process per debtor, simulation/reference.py) against the
  engine on 20,000 debtors: the engine at least 100x faster.

Each measurement runs in its own process so that peak memory (VmHWM) is its own.
"""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Iterator

__all__ = ["run"]

_CHILD = r'''
import json, sys, time
import numpy as np
from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio
from simulation.draws import replication_streams
from simulation.model import OfferPlan, build_model
n, which = int(sys.argv[1]), sys.argv[2]
agents = max(1, round(12 * n / 20000))
scenario = load_scenario("scenarios/base.toml", settings={"contact_rules.reg_f_mode": True, "agents.count": agents})
t0 = time.perf_counter()
frame = validate_frame(generate_portfolio(n, np.random.default_rng(1)), "bench", "SP").frame
model = build_model(scenario, frame, assign_segments(scenario, frame))
t1 = time.perf_counter()
plan = OfferPlan.from_policy(scenario.baseline, scenario)
streams = replication_streams(7, 1)[0]
if which == "engine":
    from simulation.engine import simulate_replication as simulate
else:
    from simulation.reference import simulate_reference as simulate
res = simulate(model, plan, streams)
t2 = time.perf_counter()
# VmHWM is this address space's peak; ru_maxrss would carry the parent's across exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps({"prepare_s": t1 - t0, "simulate_s": t2 - t1, "peak_mb": peak,
                  "collected": res.totals["collected"], "violations": res.totals["violations"]}))
'''


def _measure(n: int, which: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n), which], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _record(name: str, value: float, unit: str, budget: float, ok: bool | None = None) -> dict:
    return {"name": name, "value": round(value, 3), "unit": unit, "budget": budget,
            "ok": bool(value <= budget) if ok is None else ok}


def run() -> Iterator[dict]:
    one = _measure(1_000_000, "engine")
    yield _record("engine_1M_debtors_180_days", one["simulate_s"], "s", 10.0)
    yield _record("engine_1M_peak_memory", one["peak_mb"], "MB", 2048.0)
    yield _record("engine_1M_violations", one["violations"], "count", 0.0)
    ten = _measure(10_000_000, "engine")
    yield _record("engine_10M_debtors_180_days", ten["simulate_s"], "s", 120.0)
    yield _record("engine_10M_peak_memory", ten["peak_mb"], "MB", 8192.0)
    fast = _measure(20_000, "engine")
    naive = _measure(20_000, "reference")
    yield _record("engine_20k", fast["simulate_s"], "s", naive["simulate_s"] / 100)
    yield {"name": "naive_per_debtor_processes_20k", "value": round(naive["simulate_s"], 3), "unit": "s", "budget": None,
           "ok": True}
    ratio = naive["simulate_s"] / fast["simulate_s"]
    yield {"name": "engine_speedup_vs_naive_20k", "value": round(ratio, 1), "unit": "x", "budget": 100.0,
           "ok": bool(ratio >= 100)}
