"""Several-cycle budget (issue: chronic late payers who learn to wait).

A 36-month multi-cycle simulation (``scenarios/multicycle/base_cycles.toml``: re-delinquency,
earned chronic status, reservation discounts) of 1,000,000 customers, one replication of
the baseline policy, agents scaled to the portfolio: at most 30 s and 4 GB peak. The
measurement runs in its own process so that peak memory (VmHWM) is its own; the record also
gives the process's CPU seconds (on a shared machine, wall time includes waiting for a core).
"""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Iterator

__all__ = ["run"]

N = 1_000_000
SECONDS, MEGABYTES = 30.0, 4096.0

_CHILD = r'''
import json, sys, time
import numpy as np
from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio
from simulation.draws import replication_streams
from simulation.model import OfferPlan, build_model
from simulation.engine import simulate_replication
n = int(sys.argv[1])
agents = max(1, round(20 * n / 20000))
scenario = load_scenario("scenarios/multicycle/base_cycles.toml", settings={"agents.count": agents})
frame = validate_frame(generate_portfolio(n, np.random.default_rng(1)), "bench", "SP").frame
model = build_model(scenario, frame, assign_segments(scenario, frame))
plan = OfferPlan.from_policy(scenario.baseline, scenario)
t0, c0 = time.perf_counter(), time.process_time()
res = simulate_replication(model, plan, replication_streams(7, 1)[0])
t1, c1 = time.perf_counter(), time.process_time()
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps({"simulate_s": t1 - t0, "cpu_s": c1 - c0, "peak_mb": peak, "cycles": float(res.debtors["cycles"].mean()),
                  "re_entries": int((res.debtors["cycles"] - 1).sum())}))
'''


def _measure(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> Iterator[dict]:
    """JSON records: seconds and peak MB of the 36-month, 1M-customer multi-cycle run."""
    m = _measure(N)
    yield {"name": "cycles_1m_36m_seconds", "value": round(m["simulate_s"], 3), "unit": "s", "budget": SECONDS,
           "ok": m["simulate_s"] <= SECONDS, "cpu_s": round(m["cpu_s"], 3), "re_entries": m["re_entries"],
           "mean_cycles": round(m["cycles"], 4)}
    yield {"name": "cycles_1m_36m_peak_mb", "value": round(m["peak_mb"], 1), "unit": "MB", "budget": MEGABYTES,
           "ok": m["peak_mb"] <= MEGABYTES}
