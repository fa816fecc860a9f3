"""Optimizer budgets, each measured in a fresh process with a cold coefficient cache.

* ``acordo optimize base``: at most 60 s.
* ``acordo optimize`` on a 20,000-debtor book with 60 segments: at most 90 s and 3 GB; with
  120 segments: at most 6 GB.
* Coefficient estimation peak memory (the process and its workers, summed PSS,
  :mod:`benchmarks.memory`): < 1 GB for a
  200,000-debtor book with 12 segments, < 4 GB at 1,000,000 debtors, < 3 GB for a
  20,000-debtor book cut into 120 segments (5 score bands x 4 arrears bands x 3 balance
  bands x chronic flag); and a 171-debtor book in well under the old 1 GB / 34 s.

``python -m benchmarks bench_optimizer`` runs them all (several minutes);
``python -m benchmarks.bench_optimizer NAME`` one of ``optimize_base``, ``optimize_60_segments``,
``optimize_120_segments``, ``coef_200k``,
``coef_1m``, ``coef_120_segments``, ``coef_171``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


def _segments_120(chronic_split: bool = True) -> str:
    """A scenario extending base with 120 rule segments (60 without the chronic split; cadences: the default)."""
    score = [0, 200, 400, 600, 800, "inf"]
    dpd = [0, 30, 90, 180, "inf"]
    bal = [0, 1000, 5000, "inf"]
    lines = [f'extends = "{ROOT / "scenarios" / "base.toml"}"', 'replace = ["segments", "cadences"]',
             f'name = "{120 if chronic_split else 60} segments"', "[cadences]", 'default = [{ day = 0, channel = "sms" }, '
             '{ day = 3, channel = "call" }, { day = 10, channel = "whatsapp" }, { day = 20, channel = "call" }]']
    k = 0
    for i in range(5):
        for j in range(4):
            for b in range(3):
                for chronic in ((False, True) if chronic_split else (None,)):
                    name = f"s{i}{j}{b}{'c' if chronic else ''}"
                    lo_s, hi_s = score[i], score[i + 1]
                    rule = (f"score = [{lo_s}, {hi_s}], days_past_due = [{dpd[j]}, {dpd[j + 1]}], "
                            f"balance = [{bal[b]}, {bal[b + 1]}]")
                    if chronic is not None:
                        rule += f", chronic = {'true' if chronic else 'false'}"
                    lines += [f"[segments.{name}]", f'risk_band = "b{i}{j}{b}"', f"rule = {{ {rule} }}"]
                    k += 1
    return "\n".join(lines) + "\n"


def _coefficients(scenario: str, n: int) -> dict:
    import resource

    from acordo.pipeline import prepare
    from benchmarks.memory import TreeSampler
    from optimizer.coefficients import estimate_coefficients
    prepared = prepare(scenario, settings={"portfolio.synthetic_n": n})
    t0 = time.perf_counter()
    with TreeSampler() as tree:
        table = estimate_coefficients(prepared.model, seed=1, extra_policies=(prepared.scenario.baseline,),
                                      workers=WORKERS)
        tree.sample()
    elapsed = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    return {"seconds": round(elapsed, 1), "peak_gb": round(tree.peak_mb / 1024, 2), "measure": "PSS",
            "rss_sum_gb": round(tree.rss_sum_mb / 1024, 2), "peak_main_gb": round(own, 2),
            "peak_worker_gb": round(kids, 2), "segments": prepared.model.n_segments, "rows": table.height,
            "copies": int(table["samples"].sum())}


def _one(name: str) -> dict:
    if name == "coef_200k":
        return _coefficients(str(ROOT / "scenarios" / "base.toml"), 200_000)
    if name == "coef_1m":
        return _coefficients(str(ROOT / "scenarios" / "base.toml"), 1_000_000)
    if name == "coef_171":
        return _coefficients(str(ROOT / "scenarios" / "base.toml"), 171)
    if name == "coef_120_segments":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s120.toml"
            path.write_text(_segments_120())
            return _coefficients(str(path), 20_000)
    raise ValueError(name)


BUDGETS = {"coef_200k": ("peak_gb", 1.0), "coef_1m": ("peak_gb", 4.0), "coef_120_segments": ("peak_gb", 3.0),
           "coef_171": ("seconds", 10.0)}


def _optimize_base(segments: int | None = None) -> dict:
    """``acordo optimize`` cold on base, or on a 20,000-debtor book cut into ``segments`` (60 or 120).

    ``peak_gb``: the peak of the job's and its workers' summed PSS (:func:`benchmarks.bench_run.timed_run`),
    with the summed RSS (``rss_sum_gb``) and the largest single process (``largest_process_gb``) beside it.
    """
    import resource
    from benchmarks.bench_run import timed_run
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ACORDO_CACHE": str(Path(tmp) / "cache")}
        scenario = ROOT / "scenarios" / "base.toml"
        if segments is not None:
            scenario = Path(tmp) / f"s{segments}.toml"
            scenario.write_text(_segments_120(chronic_split=segments == 120)
                                + "[portfolio]\nsynthetic_n = 20000\n")
        cpu: list[float] = []
        at_peak: dict = {}
        code, elapsed, peak_mb, err = timed_run(["optimize", str(scenario), "--out", str(Path(tmp) / "out"),
                                                 "--workers", str(WORKERS), "--quiet"], env, cpu, at_peak)
        timings = {}
        manifest = Path(tmp) / "out" / "manifest.json"
        if manifest.is_file():
            data = json.loads(manifest.read_text())
            timings = data.get("timings_seconds", data.get("timings", {}))
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    return {"seconds": round(elapsed, 1), "peak_gb": round(peak_mb / 1024, 2), "measure": "PSS",
            "rss_sum_gb": round(at_peak.get("rss_mb", 0.0) / 1024, 2), "largest_process_gb": round(largest, 2),
            "cpu_s": round(cpu[0], 1), "returncode": code, "timings": timings,
            "stderr": err[-500:] if code else ""}


def run() -> Iterator[dict]:
    """JSON records with budget and ok."""
    rec = _optimize_base()
    yield {"name": "acordo_optimize_base_cold", "value": rec["seconds"], "unit": "s", "budget": 60.0,
           "ok": rec["returncode"] == 0 and rec["seconds"] <= 60.0, **rec}
    for segments, seconds, gb in ((60, 90.0, 3.0), (120, None, 6.0)):
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_optimizer", f"optimize_{segments}_segments"],
                             capture_output=True, text=True, check=False, cwd=ROOT)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        rec = json.loads(lines[-1]) if lines else {"seconds": None, "peak_gb": None, "returncode": -1,
                                                   "stderr": out.stderr[-800:]}
        ok = rec["returncode"] == 0 and rec["peak_gb"] is not None and rec["peak_gb"] <= gb
        if seconds is not None:
            yield {"name": f"acordo_optimize_20k_{segments}_segments_cold", "value": rec["seconds"], "unit": "s",
                   "budget": seconds, "ok": ok and rec["seconds"] <= seconds, **rec}
        yield {"name": f"acordo_optimize_20k_{segments}_segments_peak", "value": rec["peak_gb"], "unit": "GB",
               "budget": gb, "ok": ok, **rec}
    for name, (key, budget) in BUDGETS.items():
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_optimizer", name], capture_output=True,
                             text=True, check=False, cwd=ROOT)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            yield {"name": name, "value": None, "unit": key, "budget": budget, "ok": False, "error": out.stderr[-800:]}
            continue
        data = json.loads(lines[-1])
        yield {"name": name, "value": data[key], "unit": "GB" if key == "peak_gb" else "s", "budget": budget,
               "ok": data[key] <= budget, **data}


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        if arg == "optimize_base":
            print(json.dumps(_optimize_base()), flush=True)
        elif arg in ("optimize_60_segments", "optimize_120_segments"):
            print(json.dumps(_optimize_base(int(arg.split("_")[1]))), flush=True)
        else:
            print(json.dumps(_one(arg)), flush=True)
