"""Calibration budget (issue: calibration from the team's own history).

``acordo calibrate`` on a 1,000,000-account history (10-20M event rows): at most 60 s and
6 GB peak memory. The history is simulated first in a child process (the base scenario,
agents scaled to the book, an offer experiment so that the acceptance fit runs: the worst
case); a second child process then reads it (``scenarios.history.read_history``, every
check), calibrates every segment and writes the run directory (calibrated.toml, json,
figures, PDF) and reports its wall time and peak resident memory (``VmHWM``). The machine
may be shared: timings then include other processes' load (``load_1min`` is reported).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = ["run"]

N = 1_000_000
BUDGET_S = 60.0
BUDGET_MB = 6 * 1024

_MAKE = r'''
import sys
from pathlib import Path
sys.path.insert(0, ".")
from tests.calibration.conftest import BASE, EXPERIMENT, simulate_history
n = int(sys.argv[1])
simulate_history(BASE, n, 1, {"baseline.offers": EXPERIMENT, "agents.count": max(1, round(12 * n / 20000))},
                 Path(sys.argv[2]))
'''

_CALIBRATE = r'''
import json, os, sys, time
from pathlib import Path
t0 = time.perf_counter()
from acordo.calibrate import run_calibrate
from scenarios.history import read_history
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
rows = {p.stem: None for p in folder.iterdir()}
result, _ = run_calibrate("scenarios/base.toml", folder, out)
t1 = time.perf_counter()
import polars as pl
rows = {p.stem: pl.scan_parquet(p).select(pl.len()).collect().item() for p in folder.glob("*.parquet")}
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
import resource
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime
timings = json.loads((out / "manifest.json").read_text())["timings_seconds"]
print(json.dumps({"wall_s": t1 - t0, "cpu_s": cpu, "peak_mb": peak, "rows": rows, "timings": timings, "load": os.getloadavg()[0]}))
'''


def run(n: int = N) -> Iterator[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "history"
        subprocess.run([sys.executable, "-c", _MAKE, str(n), str(folder)], check=True)
        out = subprocess.run([sys.executable, "-c", _CALIBRATE, str(folder), str(Path(tmp) / "cal")], check=True,
                             capture_output=True, text=True)
        rec = json.loads(out.stdout.strip().splitlines()[-1])
    events = sum(v for k, v in rec["rows"].items() if k != "accounts")
    # on a shared machine the wall time includes waiting for a core; cpu_s is what one idle core would take
    common = {"accounts": n, "event_rows": events, "load_1min": rec["load"], "cpu_s": round(rec["cpu_s"], 1),
              "stages": rec["timings"]}
    yield {"name": "calibrate_1m_wall", "value": round(rec["wall_s"], 2), "unit": "s", "budget": BUDGET_S,
           "ok": rec["wall_s"] <= BUDGET_S, **common}
    # the CPU seconds of the calibrating process (all its threads): what a quiet machine's wall time approaches
    yield {"name": "calibrate_1m_cpu", "value": round(rec["cpu_s"], 2), "unit": "s", "budget": BUDGET_S,
           "ok": rec["cpu_s"] <= BUDGET_S, **common}
    yield {"name": "calibrate_1m_peak_memory", "value": round(rec["peak_mb"]), "unit": "MB", "budget": BUDGET_MB,
           "ok": rec["peak_mb"] <= BUDGET_MB, **common}


if __name__ == "__main__":
    for record in run(int(sys.argv[1]) if len(sys.argv) > 1 else N):
        print(json.dumps(record), flush=True)
