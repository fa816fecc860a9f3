"""``acordo run`` budgets, cold coefficient cache (issue: a million-debtor book in two minutes).

- ``acordo run scenarios/base.toml`` on a 20,000-debtor book: at most 45 s and 1 GB;
- the same on a 1,000,000-debtor book: at most 2 minutes and 4 GB;
- every bundled scenario with its own portfolio: at most 2 minutes (issue: decisions that hold up).

Memory is the peak of the job's and its workers' summed PSS, with their summed RSS beside it
(``rss_sum_mb``, an upper bound; see :mod:`benchmarks.memory`); ``peak_at_s`` and
``job_mb_at_peak`` say when the peak came (against the stage times) and how much of it was
the job itself, the rest being its workers. The stage times come from the run's
``manifest.json``. ``ACORDO_BENCH_SKIP=1M``
or ``=bundled`` leaves those out (the machine is shared: run the 1M case sparingly).
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

__all__ = ["run", "timed_run"]

ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed_run(argv: list[str], env: dict, cpu: list[float] | None = None,
              at_peak: dict | None = None) -> tuple[int, float, float, str]:
    """Run ``python -m acordo.cli ARGV``; (exit code, seconds, peak tree PSS in MB, stderr).

    ``cpu``, when given, receives the CPU seconds of the job and its workers (waited for);
    ``at_peak`` the time of the peak (s from the start), the job's own share of it (MB) and
    the peak of the summed RSS (MB, ``rss_mb``).
    """
    from benchmarks.memory import TreeSampler
    c0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "acordo.cli", *argv], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    with sampler:
        proc.wait()
    if at_peak is not None:
        at_peak.update(at_s=round(sampler.peak_at_s, 1), job_mb=round(sampler.own_mb_at_peak, 1),
                       rss_mb=round(sampler.rss_sum_mb, 1))
    elapsed = time.perf_counter() - t0
    if cpu is not None:
        cpu.append(_children_cpu() - c0)
    return proc.returncode, elapsed, sampler.peak_mb, proc.stderr.read() if proc.stderr else ""


def _book_run(n: int, budget_s: float, budget_mb: float) -> Iterator[dict]:
    label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ACORDO_CACHE": str(Path(tmp) / "cache")}
        book = Path(tmp) / f"book{label}.parquet"
        subprocess.run([sys.executable, "-m", "acordo.cli", "portfolio", "--n", str(n), "--seed", "7", "--out",
                        str(book)], env=env, cwd=ROOT, check=True, capture_output=True)
        out = Path(tmp) / "run"
        cpu: list[float] = []
        at_peak: dict = {}
        code, elapsed, peak, err = timed_run(["run", str(ROOT / "scenarios" / "base.toml"), "--portfolio", str(book),
                                              "--out", str(out), "--quiet"], env, cpu, at_peak)
        ok = code == 0 and (out / "report.pdf").is_file()
        stages = {}
        if ok:
            stages = json.loads((out / "manifest.json").read_text()).get("timings_seconds", {})
        coefficients = float(stages.get("optimize.coefficients", 0.0))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        yield {"name": f"acordo_run_base_{label}", "value": round(elapsed, 3), "unit": "s", "budget": budget_s,
               "ok": bool(ok and elapsed <= budget_s), "stages_s": stages, "exit": code, "cpu_s": round(cpu[0], 1),
               "load_1min": load, **({"stderr": err[-400:]} if not ok else {})}
        # the coefficient stage is the optimizer's; what the rest of the job costs, on its own
        yield {"name": f"acordo_run_base_{label}_outside_coefficients", "value": round(elapsed - coefficients, 3),
               "unit": "s", "budget": None, "ok": True, "coefficients_s": coefficients}
        yield {"name": f"acordo_run_base_{label}_peak_memory", "value": round(peak, 1), "unit": "MB",
               "budget": budget_mb, "ok": bool(ok and peak <= budget_mb),
               "measure": "PSS", "rss_sum_mb": at_peak.get("rss_mb"),
               "peak_at_s": at_peak.get("at_s"), "job_mb_at_peak": at_peak.get("job_mb")}


def run() -> Iterator[dict]:
    skip = set(filter(None, os.environ.get("ACORDO_BENCH_SKIP", "").split(",")))
    yield from _book_run(20_000, 45.0, 1024.0)
    if "1M" not in skip:
        yield from _book_run(1_000_000, 120.0, 4096.0)
    if "bundled" in skip:
        return
    for scenario in sorted((ROOT / "scenarios").glob("*.toml")):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "ACORDO_CACHE": str(Path(tmp) / "cache")}
            code, elapsed, _, _ = timed_run(["run", str(scenario), "--out", str(Path(tmp) / "run"), "--quiet"], env)
            ok = code == 0 and (Path(tmp) / "run" / "report.pdf").is_file()
        yield {"name": f"acordo_run_{scenario.stem}", "value": round(elapsed, 3), "unit": "s", "budget": 120.0,
               "ok": bool(ok and elapsed <= 120.0)}
