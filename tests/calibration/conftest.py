"""Shared fixtures: one simulated world with known parameters, exported as a history and read back."""
from __future__ import annotations

from pathlib import Path

import pytest

from acordo.pipeline import prepare
from calibration.calibrate import calibrate
from calibration.data import prepare_history
from scenarios.history import read_history
from simulation.draws import replication_streams
from simulation.history import simulate_history as record_history
from simulation.history import write_history
from simulation.model import OfferPlan
from tests.calibration.recovery import truth_of  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"

#: An offer experiment: four discounts, lump sum or twelve installments, shown at random
#: (the behaviour is the bundled scenario's; only the policy that generated the history varies).
EXPERIMENT = [{"discount": d, "installments": n, "share": 0.125} for d in (0.0, 0.2, 0.4, 0.6) for n in (1, 12)]


def simulate_history(scenario_path, n: int, seed: int, settings: dict | None = None,
                     directory: Path | None = None):
    """Simulate one replication with the recorder; return (prepared, tables or the folder written)."""
    prepared = prepare(scenario_path, settings={"portfolio.synthetic_n": n, **(settings or {})})
    plan = OfferPlan.from_policy(prepared.scenario.baseline, prepared.scenario)
    tables = record_history(prepared.model, plan, replication_streams(seed, 1)[0], prepared.inputs.portfolio.frame)
    if directory is not None:
        write_history(directory, tables)
    return prepared, tables


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """The base scenario, 50,000 debtors, the offer experiment: prepared, history folder, History."""
    folder = tmp_path_factory.mktemp("world") / "history"
    prepared, tables = simulate_history(BASE, 50_000, 20261201, {"baseline.offers": EXPERIMENT}, folder)
    return prepared, folder, read_history(folder), tables


@pytest.fixture(scope="session")
def calibrated(world):
    """The calibration of the world's history."""
    prepared, folder, history, _ = world
    data = prepare_history(prepared.scenario, history, label="history")
    return data, calibrate(data)
