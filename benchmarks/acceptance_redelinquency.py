"""Coverage of the re-delinquency intervals over many engine worlds: ``python -m benchmarks.acceptance_redelinquency [worlds] [first_seed]``.

The world of ``tests/calibration/test_reservation.py`` (5,000 debtors, several cycles over
24 months, escalating offers, a reservation discount; known truth), simulated with the
streams ``replication_streams(seed, 1)[0]`` for ``worlds`` consecutive seeds, written as a
history, read back and fitted as ``acordo calibrate`` does (:func:`calibration.data.prepare_history`,
:func:`calibration.redelinquency.fit_redelinquency`). Every world also checks that each spell
the estimator reads is the engine's own draw (:func:`tests.calibration.cycles_check.engine_draw_mismatches`).

Prints JSON lines: one per world (z-scores, covered, mismatches), then one per parameter:
coverage (with its binomial 95% interval and the test against 95%), mean z and sd(z) (with
its chi-square 95% interval: 1 when the intervals are honest), and ``ok`` when both are what
honest intervals give 99.9% of the time (binomial p >= 0.001 against 95%; sd(z) within the
chi-square's central 99.9% range for sd 1, ``sd_z_null``). A script, not a library; about
3-10 s a world on a shared machine (CPU seconds are printed).
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import sys
import tempfile
import time

import numpy as np
from scipy import stats

from acordo.pipeline import prepare
from calibration.data import prepare_history
from calibration.redelinquency import REDELINQUENCY_KEYS, fit_redelinquency
from scenarios.history import read_history
from simulation.draws import replication_streams
from simulation.history import simulate_history, write_history
from simulation.model import OfferPlan
from tests.calibration.conftest import BASE
from tests.calibration.cycles_check import engine_draw_mismatches, z_scores
from tests.calibration.test_reservation import ESCALATING, SETTINGS, TRUTH

KEYS = REDELINQUENCY_KEYS


def world(prepared, plan, seed: int) -> dict:
    """One world: its z-scores, coverage and the engine-draw check."""
    c0 = time.process_time()
    streams = replication_streams(seed, 1)[0]
    tables = simulate_history(prepared.model, plan, streams, prepared.inputs.portfolio.frame)
    with tempfile.TemporaryDirectory() as folder:
        write_history(folder, tables)
        history = read_history(folder, as_of=prepared.scenario.calendar.start_date + _dt.timedelta(days=719))
        check = engine_draw_mismatches(history, folder, prepared.model, streams)
    data = prepare_history(prepared.scenario, history, as_of=history.as_of, label="simulated")
    z = z_scores(fit_redelinquency(data)["all"], {k: TRUTH[k] for k in KEYS})
    return {"seed": seed, "z": {k: round(v[0], 4) for k, v in z.items()}, "covered": {k: v[1] for k, v in z.items()},
            "check": check, "cpu_s": round(time.process_time() - c0, 2)}


def summary(rows: list[dict]) -> list[dict]:
    """Per parameter: coverage, mean z and sd(z) with their intervals, and ``ok``."""
    out = []
    for key in KEYS:
        z = np.array([r["z"][key] for r in rows if key in r["z"]])
        n, k = z.size, int(sum(r["covered"].get(key, False) for r in rows))
        if n < 3:
            continue
        sd = float(z.std(ddof=1))
        sd_ci = [sd * math.sqrt((n - 1) / stats.chi2.ppf(q, n - 1)) for q in (0.975, 0.025)]
        null = [math.sqrt(stats.chi2.ppf(q, n - 1) / (n - 1)) for q in (0.0005, 0.9995)]
        test = stats.binomtest(k, n, 0.95)
        ci = test.proportion_ci()
        out.append({"name": f"redelinquency_coverage_{key}", "worlds": n, "covered": k, "coverage": round(k / n, 4),
                    "coverage_ci95": [round(ci.low, 4), round(ci.high, 4)], "binomial_p_vs_95": round(float(test.pvalue), 4),
                    "mean_z": round(float(z.mean()), 3), "mean_z_se": round(1 / math.sqrt(n), 3),
                    "sd_z": round(sd, 3), "sd_z_ci95": [round(v, 3) for v in sd_ci],
                    "sd_z_null": [round(v, 3) for v in null],
                    "ok": bool(test.pvalue >= 0.001 and null[0] <= sd <= null[1])})
    return out


def main(worlds: int = 30, first_seed: int = 1000) -> int:
    prepared = prepare(BASE, settings={"portfolio.synthetic_n": 5000, **SETTINGS})
    plan = OfferPlan.from_policy(ESCALATING, prepared.scenario)
    rows = []
    for seed in range(first_seed, first_seed + worlds):
        rows.append(world(prepared, plan, seed))
        print(json.dumps(rows[-1]), flush=True)
    bad = sum(r["check"][k] for r in rows for k in ("event", "days", "censored_days"))
    print(json.dumps({"name": "redelinquency_engine_draw_mismatches", "value": bad, "worlds": len(rows),
                      "spells": sum(r["check"]["spells"] for r in rows), "ok": bad == 0}), flush=True)
    failed = bad > 0
    for rec in summary(rows):
        print(json.dumps(rec), flush=True)
        failed |= not rec["ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*[int(a) for a in sys.argv[1:]]))
