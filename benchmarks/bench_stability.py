"""Seed-to-seed agreement of the optimizer's decisions on every bundled scenario.

For each bundled scenario the coefficients are estimated (no cache) and the LP solved with
two root seeds; the record counts the segments whose chosen offer (the offer with the
largest share) is the same under both seeds, the largest move of a published discount
limit, and, when the solution publishes discount-limit intervals, how many of one seed's
limits lie in the other seed's interval (both directions). Each scenario runs in its own
process, so its peak memory (``ru_maxrss``) is recorded too.

``ACORDO_INDIFFERENCE`` and ``ACORDO_COPIES`` override ``optimizer.indifference`` and
``optimizer.copies``. ``python -m benchmarks bench_stability`` (part of ``make bench``) or
``python -m benchmarks.bench_stability base crediario`` for a chosen few, printing one
JSON line per scenario.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Iterator

__all__ = ["run", "measure"]

SCENARIOS = ("base", "crediario", "cartao", "telecom")
SEEDS = (11, 12)


def _decisions(name: str, seed: int) -> tuple[dict, dict, dict, float, list[float]]:
    import os

    import polars as pl

    from acordo.pipeline import prepare
    from optimizer.optimize import optimize
    settings = {}
    if os.environ.get("ACORDO_INDIFFERENCE"):
        settings["optimizer.indifference"] = float(os.environ["ACORDO_INDIFFERENCE"])
    if os.environ.get("ACORDO_COPIES"):
        settings["optimizer.copies"] = os.environ["ACORDO_COPIES"]
    prepared = prepare(f"scenarios/{name}.toml", settings=settings or None)
    t0 = time.perf_counter()
    res = optimize(prepared.model, seed=seed, validate=True, frontier_points=0, cache_dir=None, workers=2)
    elapsed = time.perf_counter() - t0
    d = res.validation["difference"]
    gain = [round(d["mean"]), round(d["ci95"][0]), round(d["ci95"][1])]
    shares = res.solution.shares
    chosen = {}
    for seg in dict.fromkeys(shares["segment"].to_list()):
        rows = shares.filter(pl.col("segment") == seg).sort("share", descending=True)
        chosen[seg] = rows["offer"][0]
    limits, intervals = {}, {}
    for r in res.solution.discount_limits.iter_rows(named=True):
        limits[r["segment"]] = r["discount_limit"]
        if "limit_low" in r and "limit_high" in r:
            intervals[r["segment"]] = (r["limit_low"], r["limit_high"])
    return chosen, limits, intervals, elapsed, gain


def measure(name: str) -> dict:
    """Run both seeds on scenario ``name`` in this process; the agreement record."""
    import resource
    (c1, l1, i1, t1, g1), (c2, l2, i2, t2, g2) = (_decisions(name, s) for s in SEEDS)
    segments = list(c1)
    agree = sum(c1[s] == c2.get(s) for s in segments)
    common = [s for s in l1 if s in l2]
    moves = [abs(l1[s] - l2[s]) for s in common]
    record = {
        "scenario": name, "segments": len(segments), "chosen_offer_agrees": agree,
        "limits_equal": sum(m < 1e-9 for m in moves), "limits_published": len(common),
        "max_limit_move_pp": round(100 * max(moves, default=0.0), 1),
        "seconds_per_seed": [round(t1, 1), round(t2, 1)],
        "oos_gain_per_seed": [g1, g2],
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "chosen": {s: [c1[s], c2.get(s)] for s in segments},
        "limits": {s: [l1[s], l2[s]] for s in common},
    }
    if i1 and i2:
        inside = sum(i1[s][0] - 1e-9 <= l2[s] <= i1[s][1] + 1e-9 for s in common if s in i1)
        inside += sum(i2[s][0] - 1e-9 <= l1[s] <= i2[s][1] + 1e-9 for s in common if s in i2)
        record["limit_in_other_interval"] = inside
        record["limit_checks"] = 2 * len(common)
        record["intervals"] = {s: [i1.get(s), i2.get(s)] for s in common}
    return record


def run() -> Iterator[dict]:
    """One record per bundled scenario: base must agree in >= 10 of 12 segments."""
    for name in SCENARIOS:
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_stability", name], capture_output=True,
                             text=True, check=False)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            yield {"name": f"stability_{name}", "value": None, "unit": "segments", "budget": None, "ok": False,
                   "error": out.stderr[-2000:]}
            continue
        rec = json.loads(lines[-1])
        need = 10 if rec["segments"] >= 12 else rec["segments"] - 2
        ok = rec["chosen_offer_agrees"] >= need and rec.get("limit_in_other_interval", 0) == rec.get("limit_checks", -1)
        yield {"name": f"stability_{name}_chosen_offer_agreement", "value": rec["chosen_offer_agrees"],
               "unit": f"of {rec['segments']} segments", "budget": need, "ok": bool(ok), **rec}


if __name__ == "__main__":
    for arg in sys.argv[1:] or SCENARIOS:
        print(json.dumps(measure(arg)), flush=True)
