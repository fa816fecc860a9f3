"""Parameter recovery over several cycles: ``acordo calibrate``'s re-delinquency and reservation estimates.

One engine world with known truth (``simulation.history.simulate_history``, the machinery of
``acordo simulate --history``): several cycles over 24 months, offers that escalate over a
cycle, and a reservation discount (acceptance depends on the largest discount offered
before and on the discount of an earlier kept agreement). The history is written, read back
(re-entries are accounts rows of the same debtor with a later entry_date), calibrated with
:func:`calibration.calibrate.calibrate`, and every estimate's 95% interval must cover the truth.
"""
from __future__ import annotations

import datetime as _dt
import tomllib

import polars as pl
import pytest

from calibration.calibrate import calibrate
from calibration.data import prepare_history
from calibration.redelinquency import spells
from calibration.reservation import fit_reservation, reservation_frame
from calibration.scenario_file import calibrated_toml
from scenarios.history import read_history
from scenarios.schema import OfferShare, Policy

from .conftest import BASE

TRUTH = {"redelinquency_paid": 0.05, "redelinquency_settled": 0.04, "redelinquency_discount_slope": 2.0,
         "redelinquency_broken": 0.08, "accept_alpha": -1.0, "accept_beta": 4.0, "expect_offered": 0.6,
         "expect_received": 0.8}
ESCALATING = Policy(offers=(
    OfferShare(0.0, 1, 0.34, escalate_days=(20, 45), escalate_discounts=(0.15, 0.30)),
    OfferShare(0.10, 1, 0.33, escalate_days=(30,), escalate_discounts=(0.40,)),
    OfferShare(0.20, 1, 0.33)))
SETTINGS = {
    "segments": {"all": {"rule": {"balance": [0.0, float("inf")]}, "behaviour": {
        **TRUTH, "self_cure_h0": 0.004, "lump_mu": 4.0, "monthly_mu": 4.0, "keep_first": 0.85}}},
    "cadences": {"default": [{"day": d, "channel": "call"} for d in range(0, 150, 5)]},
    "calendar.horizon_days": 720, "cycles.enabled": True, "cycles.collection_days": 150,
    "contact_rules.opt_out_probability": 0.0, "agents.count": 60,
}


def _scenario_text() -> str:
    """The world's scenario as a file (for ``acordo calibrate``): the base with SETTINGS."""
    import tomlkit
    doc = tomlkit.document()
    doc.add("extends", str(BASE))
    doc.add("replace", ["segments", "cadences"])
    seg = SETTINGS["segments"]["all"]
    doc.add("segments", {"all": {"rule": {"balance": [0.0, 1e12]}, "behaviour": seg["behaviour"]}})
    doc.add("cadences", SETTINGS["cadences"])
    for key, value in SETTINGS.items():
        if "." in key:
            section, name = key.split(".", 1)
            doc.setdefault(section, tomlkit.table())[name] = value
    return tomlkit.dumps(doc)


SEED = 32


@pytest.fixture(scope="module")
def prepared():
    from acordo.pipeline import prepare
    return prepare(BASE, settings={"portfolio.synthetic_n": 5000, **SETTINGS})


@pytest.fixture(scope="module")
def world(tmp_path_factory, prepared):
    from simulation.draws import replication_streams
    from simulation.history import simulate_history as record, write_history
    from simulation.model import OfferPlan
    folder = tmp_path_factory.mktemp("cycles_history")
    (folder.parent / "world.toml").write_text(_scenario_text(), encoding="utf-8")
    plan = OfferPlan.from_policy(ESCALATING, prepared.scenario)
    tables = record(prepared.model, plan, replication_streams(SEED, 1)[0], prepared.inputs.portfolio.frame)
    write_history(folder, tables)
    history = read_history(folder, as_of=prepared.scenario.calendar.start_date + _dt.timedelta(days=719))
    data = prepare_history(prepared.scenario, history, as_of=history.as_of, label="simulated")
    return prepared.scenario, history, data, calibrate(data, figures=False), folder


def test_the_history_has_re_entries_and_escalated_offers(world):
    _, history, data, _, _ = world
    assert history.n_accounts > 1.2 * history.n_debtors
    rf = reservation_frame(data)
    assert (rf["offered_before"] > 0).sum() > 500 and (rf["received_before"] > 0).sum() > 100


@pytest.mark.parametrize("key", list(TRUTH))
def test_intervals_cover_the_truth(world, key):
    _, _, _, result, _ = world
    e = result.get("all", key)
    assert e.status != "not identified", e
    assert e.lo <= TRUTH[key] <= e.hi, e


def test_spells_are_the_engines_own_re_delinquency_draws(world, prepared):
    """Every spell the estimator reads (kind, discount, end, days at risk, censoring) is the engine's draw.

    From each spell alone, the engine's rule (``docs/model.md``, "Several cycles") gives the
    re-entry day again: the daily hazard of the segment, the kind and the discount, and the
    draw ``u(redelinquency, debtor, end day)``. Re-entries are exactly the spells' events, on
    the day the estimator counts, and the censored spells are exactly the draws past the
    horizon, counted to as-of: the estimator's inputs are the engine's, so its intervals
    speak of the scenario's parameters.
    """
    from simulation.draws import replication_streams

    from .cycles_check import engine_draw_mismatches
    _, history, _, _, folder = world
    out = engine_draw_mismatches(history, folder, prepared.model, replication_streams(SEED, 1)[0])
    assert out["spells"] > 5000 and out["events"] == out["re_entries"] > 3000, out
    assert out["event"] == out["days"] == out["censored_days"] == 0, out
    sp = spells(history, history.as_of)
    assert set(sp["kind"].unique()) == {"paid_in_full", "settled", "broken"} and sp["discount"].n_unique() >= 4


def test_announced_generosity_is_never_identified(world):
    e = world[3].get("all", "expect_announced")
    assert e.status == "not identified" and "confounded with accept_alpha" in e.reason


def test_calibrated_toml_and_json_carry_them(world):
    scenario, _, _, result, _ = world
    doc = tomllib.loads(calibrated_toml(result, "base.toml", scenario.name))
    beh = doc["segments"]["all"]["behaviour"]
    for key in TRUTH:
        assert key in beh and beh[key] == pytest.approx(result.get("all", key).value, rel=1e-5)
    params = {(p["segment"], p["key"]): p for p in result.to_json()["parameters"]}
    assert params[("all", "expect_offered")]["interval"] is not None
    assert params[("all", "expect_announced")]["interval"] is None
    assert any("re-entries" in n for n in result.notes)


def test_weights_not_identified_without_their_driver(world):
    """Offers never after an earlier one, nor after a kept agreement: both weights keep the scenario's value."""
    _, _, data, _, _ = world
    rf = reservation_frame(data)
    first = rf.filter((pl.col("offered_before") == 0) & (pl.col("received_before") == 0))
    prior = {k: 0.0 for k in ("expect_offered", "expect_received", "expect_announced")} | {
        "accept_alpha": -1.0, "accept_beta": 4.0, "lump_mu": 4.0, "lump_sigma": 0.8, "monthly_mu": 4.0,
        "monthly_sigma": 0.8}
    out = {e.key: e for e in fit_reservation(first, None, "portfolio", prior)}
    assert set(out) == {"expect_offered", "expect_received", "expect_announced"}
    assert all(e.status == "not identified" for e in out.values())
    assert "too few offers after an earlier, different offer" in out["expect_offered"].reason


def test_acordo_calibrate_writes_them(world, tmp_path):
    """``acordo calibrate`` on the world's history folder: calibrated.toml, calibration.json and the report."""
    import json

    from acordo.cli import main
    _, _, _, result, folder = world
    out = tmp_path / "cal"
    assert main(["calibrate", str(folder.parent / "world.toml"), "--history", str(folder), "--out", str(out),
                 "--as-of", result.as_of.isoformat(), "--quiet"]) == 0
    params = {(p["segment"], p["key"]): p for p in json.loads((out / "calibration.json").read_text())["parameters"]}
    beh = tomllib.loads((out / "calibrated.toml").read_text())["segments"]["all"]["behaviour"]
    for key in ("redelinquency_paid", "redelinquency_settled", "redelinquency_broken", "expect_offered",
                "expect_received"):
        assert params[("all", key)]["value"] == pytest.approx(result.get("all", key).value, rel=1e-6)
        assert key in beh
    assert (out / "calibration.pdf").stat().st_size > 0
