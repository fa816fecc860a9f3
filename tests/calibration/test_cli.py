"""``acordo calibrate`` end to end: the run directory, calibrated.toml, calibration.json, sources."""
from __future__ import annotations

import json

import polars as pl
import pytest

from acordo.cli import main
from calibration.scenario_file import clip_to_range, spec_of
from scenarios.assumptions import assumptions_table
from scenarios.loader import load_scenario
from tests.calibration.conftest import BASE


@pytest.fixture(scope="module")
def run(world, tmp_path_factory):
    _, folder, _, _ = world
    # the scenario the world was simulated from, written next to the history
    scenario = folder.parent / "world.toml"
    scenario.write_text(f'extends = "{BASE.as_posix()}"\n[portfolio]\nsynthetic_n = 50000\n', encoding="utf-8")
    out = tmp_path_factory.mktemp("cal") / "run"
    assert main(["calibrate", str(scenario), "--history", str(folder), "--out", str(out), "--quiet",
                 "--lang", "pt-BR"]) == 0
    return scenario, out


def test_run_directory(run):
    _, out = run
    names = {p.name for p in out.iterdir()}
    assert {"calibrated.toml", "calibration.json", "calibration.parquet", "calibration.pdf", "figures",
            "manifest.json"} <= names
    figs = {p.name for p in (out / "figures").iterdir()}
    assert {"calibration_selfcure.png", "calibration_acceptance.png", "calibration_channels.png",
            "calibration_keeping.png"} <= figs
    assert (out / "calibration.pdf").read_bytes()[:4] == b"%PDF"


def test_calibrated_toml_extends_and_carries_sources(run):
    scenario, out = run
    text = (out / "calibrated.toml").read_text(encoding="utf-8")
    assert 'extends = "../../world0/world.toml"' in text or "world.toml" in text
    assert "95%" in text and "n = " in text
    calibrated = load_scenario(out / "calibrated.toml")
    original = load_scenario(scenario)
    assert calibrated.segment_names == original.segment_names
    assert calibrated.segments[0].behaviour.self_cure_h0 != original.segments[0].behaviour.self_cure_h0
    table = assumptions_table(calibrated)
    seg = calibrated.segments[0].name
    row = table.filter(pl.col("key") == f"segments.{seg}.behaviour.self_cure_h0")
    assert row.height == 1 and row["source"][0].startswith("calibrated from history (")
    assert table.filter(pl.col("source").str.starts_with("calibrated from")).height > 100


def test_calibration_json_lists_every_parameter(run):
    _, out = run
    data = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    params = data["parameters"]
    assert {"segment", "key", "value", "interval", "n", "method", "status"} <= set(params[0])
    statuses = {p["status"] for p in params}
    assert statuses <= {"identified", "weakly identified", "not identified"}
    keys = {p["key"] for p in params}
    assert {"self_cure_h0", "self_cure_tau", "reach.sms", "engage.call", "fatigue", "accept_alpha", "lump_mu",
            "keep_first", "keep", "late_pay_daily", "agency_hazard", "contact_rules.opt_out_probability"} <= keys
    text = (out / "calibration.json").read_text(encoding="utf-8") + (out / "calibrated.toml").read_text("utf-8")
    accounts = pl.read_parquet(next(p for p in run[0].parent.glob("history/accounts.parquet")))
    assert not any(i in text for i in accounts["debtor_id"].head(50).to_list())  # no ids


def test_holdout_without_accounts_on_one_side_exits_2(run, tmp_path, capsys):
    scenario, _ = run
    folder = scenario.parent / "history"
    code = main(["calibrate", str(scenario), "--history", str(folder), "--out", str(tmp_path / "x"), "--quiet",
                 "--holdout-from", "2020-01-01"])
    assert code == 2
    assert "--holdout-from: no accounts on one side of the date (got 2020-01-01" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_calibrated_toml_sets_the_estimates(run):
    """Every estimated segment value of calibration.json is the value the calibrated scenario simulates."""
    _, out = run
    calibrated = load_scenario(out / "calibrated.toml")
    params = json.loads((out / "calibration.json").read_text(encoding="utf-8"))["parameters"]
    checked = 0
    for p in params:
        if p["segment"] == "portfolio" or p["status"] == "not identified":
            continue
        b = calibrated.segment(p["segment"]).behaviour
        group, _, channel = p["key"].partition(".")
        got = getattr(getattr(b, group), channel) if channel else getattr(b, group)
        want = clip_to_range(p["value"], spec_of(p["key"]))  # within the parameter's declared range
        assert abs(got - want) <= 1e-5 * max(1.0, abs(want)), p
        checked += 1
    assert checked > 100
