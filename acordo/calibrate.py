"""``acordo calibrate``: a scenario's behaviour estimated from the team's history, written as a run directory.

Everything is read and validated first (scenario, history); then calibrated (and
backtested with ``--holdout-from``); then ``calibrated.toml``, ``calibration.json``,
``calibration.parquet``, ``figures/*.png``, ``calibration.pdf`` and ``manifest.json`` are
written atomically (:mod:`acordo.rundir`). Raw debtor ids are never written.
"""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Callable

from acordo.pipeline import Stopwatch, package_versions
from acordo.rundir import check_target, run_directory, write_json
from calibration.backtest import backtest, split_history
from calibration.calibrate import CalibrationResult, calibrate
from calibration.data import prepare_history
from calibration.scenario_file import calibrated_toml
from scenarios.errors import InputError, Problem
from scenarios.loader import load_scenario

__all__ = ["run_calibrate", "read_history_tables"]

Progress = Callable[[str, int, int], None]


def read_history_tables(path: str | Path, as_of: _dt.date | None = None):
    """The history at ``path``, read and validated by :func:`scenarios.history.read_history`."""
    from scenarios.history import read_history
    return read_history(path, as_of=as_of)


def run_calibrate(scenario_path: str | Path, history: str | Path, out: str | Path, *, as_of: _dt.date | None = None,
                  holdout_from: _dt.date | None = None, lang: str = "en", seed: int | None = None,
                  replications: int | None = None, force: bool = False,
                  progress: Progress | None = None) -> tuple[CalibrationResult, object]:
    """Calibrate ``scenario_path`` on ``history`` and write the run directory ``out``.

    Returns the calibration and the backtest (None without ``holdout_from``).
    """
    from reports.calibration import write_calibration_report
    check_target(out, force)
    watch = Stopwatch()
    with watch.stage("load"):
        scenario = load_scenario(scenario_path)
        tables = read_history_tables(history, as_of)
        label = Path(history).name or str(history)
        as_of = as_of or tables.as_of
        data = prepare_history(scenario, tables, as_of=as_of, label=label)
    test = None
    if holdout_from is not None:
        fit_data, test = split_history(data, holdout_from)
        if fit_data.n == 0 or test.n == 0:
            raise InputError([Problem("--holdout-from", "", "no accounts on one side of the date",
                                      holdout_from.isoformat(),
                                      f"a date between {data.first_date} and {data.as_of_date}")])
    else:
        fit_data = data
    with watch.stage("calibrate"):
        if progress:
            progress("calibrating", 0, 1)
        result = calibrate(fit_data)
        if progress:
            progress("calibrating", 1, 1)
    out_abs = Path(out).absolute()
    extends = os.path.relpath(Path(scenario_path).absolute(), out_abs)
    text = calibrated_toml(result, Path(extends).as_posix(), scenario.name)
    bt = None
    if test is not None:
        with watch.stage("backtest"):
            bt = backtest(scenario, result, test, holdout_from, seed=scenario.monte_carlo.seed if seed is None else seed,
                          replications=replications or max(scenario.monte_carlo.replications, 20),
                          progress=progress)
    with run_directory(out, force) as stage:
        with watch.stage("write"):
            (stage / "calibrated.toml").write_text(text, encoding="utf-8")
            payload = result.to_json()
            if bt is not None:
                payload["backtest"] = bt.to_json()
                bt.table().write_parquet(stage / "backtest.parquet", statistics=False)
            write_json(stage / "calibration.json", payload)
            result.table().write_parquet(stage / "calibration.parquet", statistics=False)
        with watch.stage("report"):
            write_calibration_report(stage, result, bt, lang=lang)
        write_json(stage / "manifest.json", {
            "command": "calibrate", "scenario": {"name": scenario.name, "file": scenario.source,
                                                 "hash": scenario.digest},
            "history": {"label": label, "first_date": result.first_date.isoformat(),
                        "as_of": result.as_of.isoformat(), "accounts": fit_data.n,
                        "tables": list(result.tables_present)},
            "holdout_from": holdout_from.isoformat() if holdout_from else None, "lang": lang,
            "seeds": {"seed": bt.seed if bt is not None else None,
                      "replications": bt.replications if bt is not None else None},
            "versions": package_versions(), "timings_seconds": watch.timings})
    return result, bt
