"""Simulator budgets (issue: a million-debtor book in two minutes).

- the engine on 1,000,000 debtors x 180 days, one replication of the base scenario with
  every rule on (state laws, holidays, 7-day cap, Reg F mode, opt-out), agents scaled to
  the portfolio: at most 3 s (the best of 3 runs in one process: the machine is shared)
  and 2 GB peak;
- the same on 10,000,000 debtors, once: at most 45 s and 8 GB;
- the naive model (one simpy process per debtor, simulation/reference.py) against the
  engine on 100,000 debtors, in the same run: the engine at least 1000x faster.

Each size runs in its own process so that peak memory (VmHWM) is its own. Set
``ACORDO_BENCH_SKIP=10M,naive`` to leave out the long ones. Every timing carries its CPU
seconds (``cpu_s``, the best of the runs) and the 1-minute load average when it ended
(``load``): on a shared machine the wall time is inflated and the CPU time less so.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Iterator

__all__ = ["run"]

_CHILD = r'''
import json, os, sys, time
import numpy as np
from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio
from simulation.draws import replication_streams
from simulation.model import OfferPlan, build_model
n, which, repeats = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
agents = max(1, round(12 * n / 20000))
scenario = load_scenario("scenarios/base.toml", settings={"contact_rules.reg_f_mode": True, "agents.count": agents})
t0 = time.perf_counter()
frame = validate_frame(generate_portfolio(n, np.random.default_rng(1)), "bench", "SP").frame
model = build_model(scenario, frame, assign_segments(scenario, frame))
del frame
t1 = time.perf_counter()
plan = OfferPlan.from_policy(scenario.baseline, scenario)
streams = replication_streams(7, 1)[0]
if which == "engine":
    from simulation.engine import simulate_replication as simulate
else:
    from simulation.reference import simulate_reference as simulate
walls, cpus = [], []
for _ in range(repeats):
    w, c = time.perf_counter(), time.process_time()
    res = simulate(model, plan, streams)
    walls.append(time.perf_counter() - w)
    cpus.append(time.process_time() - c)
    totals = res.totals
    del res  # keep one replication's arrays at a time
# VmHWM is this address space's peak; ru_maxrss would carry the parent's across exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps({"prepare_s": t1 - t0, "simulate_s": min(walls), "simulate_runs_s": walls, "cpu_s": min(cpus),
                  "cpu_runs_s": cpus, "peak_mb": peak, "collected": totals["collected"],
                  "violations": totals["violations"], "load": os.getloadavg()[0]}))
'''


def _measure(n: int, which: str, repeats: int = 1) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n), which, str(repeats)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _record(name: str, value: float, unit: str, budget: float, ok: bool | None = None, **extra) -> dict:
    return {"name": name, "value": round(value, 3), "unit": unit, "budget": budget,
            "ok": bool(value <= budget) if ok is None else ok, **extra}


def run() -> Iterator[dict]:
    skip = set(filter(None, os.environ.get("ACORDO_BENCH_SKIP", "").split(",")))
    one = _measure(1_000_000, "engine", repeats=3)
    yield _record("engine_1M_debtors_180_days", one["simulate_s"], "s", 3.0, runs_s=[round(x, 3) for x in
                                                                                   one["simulate_runs_s"]],
                  cpu_s=round(one["cpu_s"], 3), load=round(one["load"], 1),
                  note="best of 3 wall times; shared machine")
    yield _record("engine_1M_peak_memory", one["peak_mb"], "MB", 2048.0)
    yield _record("engine_1M_violations", one["violations"], "count", 0.0)
    if "10M" not in skip:
        ten = _measure(10_000_000, "engine")
        yield _record("engine_10M_debtors_180_days", ten["simulate_s"], "s", 45.0, cpu_s=round(ten["cpu_s"], 3),
                      load=round(ten["load"], 1))
        yield _record("engine_10M_peak_memory", ten["peak_mb"], "MB", 8192.0)
    if "naive" not in skip:
        fast = _measure(100_000, "engine", repeats=3)
        naive = _measure(100_000, "reference")
        yield _record("engine_100k", fast["simulate_s"], "s", naive["simulate_s"] / 1000,
                      cpu_s=round(fast["cpu_s"], 3), load=round(fast["load"], 1))
        yield {"name": "naive_per_debtor_processes_100k", "value": round(naive["simulate_s"], 3), "unit": "s",
               "budget": None, "ok": True, "cpu_s": round(naive["cpu_s"], 3), "load": round(naive["load"], 1)}
        ratio = naive["simulate_s"] / fast["simulate_s"]
        yield {"name": "engine_speedup_vs_naive_100k", "value": round(ratio, 1), "unit": "x", "budget": 1000.0,
               "ok": bool(ratio >= 1000), "cpu_ratio": round(naive["cpu_s"] / fast["cpu_s"], 1)}
