"""The command line: exit codes, the one error format, atomic run directories."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from acordo.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
BUNDLED = sorted((ROOT / "scenarios").glob("*.toml"))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_validate_every_bundled_scenario(capsys, path):
    code, out, err = run(capsys, "validate", path)
    assert code == 0, err
    assert "ok" in out


def test_validate_bad_scenario_exits_2_with_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{BASE}"\n[agents]\ncunt = 10\n[behaviour.reach]\ncall = 1.3\n'
                   '[cadences]\ndefault = [{ day = 1, channel = "pigeon" }]\n')
    proc = subprocess.run([sys.executable, "-m", "acordo.cli", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{bad}: ") for line in lines)
    assert {line.split(": ")[1] for line in lines} == {"agents.cunt", "behaviour.reach.call", "cadences.default[0].channel"}
    assert "Traceback" not in proc.stderr


def test_toml_syntax_error_exits_2_with_line(tmp_path):
    bad = tmp_path / "syntax.toml"
    bad.write_text('name = "x"\n[agents\n')
    proc = subprocess.run([sys.executable, "-m", "acordo.cli", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "line 2" in proc.stderr and "Traceback" not in proc.stderr


def portfolio_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(text)
    return path


def test_bad_portfolio_exits_2_naming_each_problem(capsys, tmp_path):
    path = portfolio_csv(tmp_path, "debtor_id,balance,days_past_due,score\n"
                                   "12345678901,100.0,10,500\n12345678901,-5.0,20,500\n98765432100,50.0,5,500\n")
    code, _, err = run(capsys, "validate", BASE, "--portfolio", path)
    assert code == 2
    assert "p.csv: balance: 1 row not positive" in err or "p.csv: balance: 1 rows not positive" in err
    assert "p.csv: debtor_id: 1 id duplicated" in err or "p.csv: debtor_id: 1 ids duplicated" in err
    assert "12345678901" not in err and "98765432100" not in err  # raw ids (CPFs) never shown
    missing = portfolio_csv(tmp_path, "debtor_id,days_past_due\nA,1\nA,2\n")
    code, _, err = run(capsys, "validate", BASE, "--portfolio", missing)
    assert code == 2
    assert "p.csv: balance: required column missing" in err and "debtor_id" in err


def test_segment_rules_checked_against_the_portfolio(capsys, tmp_path):
    path = portfolio_csv(tmp_path, "debtor_id,balance,days_past_due\nA,100.0,10\nB,200.0,100\n")  # no score
    code, _, err = run(capsys, "validate", BASE, "--portfolio", path)
    assert code == 2
    assert "segments: debtors in no segment (got 2 of 2 in p.csv, expected every debtor in exactly one segment)" in err


def test_portfolio_command_is_deterministic(capsys, tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert run(capsys, "portfolio", "--n", 5000, "--seed", 7, "--out", a)[0] == 0
    assert run(capsys, "portfolio", "--n", 5000, "--seed", 7, "--out", b)[0] == 0
    assert a.read_bytes() == b.read_bytes()
    assert pl.read_parquet(a).height == 5000


def test_simulate_writes_the_run_directory(capsys, tmp_path):
    out = tmp_path / "run"
    code, stdout, err = run(capsys, "simulate", BASE, "--out", out, "--replications", 2, "--quiet",
                            "--portfolio", _small_portfolio(tmp_path))
    assert code == 0, err
    assert {p.name for p in out.iterdir()} >= {"manifest.json", "summary.json", "daily.parquet", "debtors.parquet"}
    summary = json.loads((out / "summary.json").read_text())
    collected = summary["metrics"]["collected"]
    assert collected["mean"] > 0 and collected["ci95"][0] <= collected["mean"] <= collected["ci95"][1]
    assert summary["metrics"]["violations"]["mean"] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"]["replications"] == 2 and manifest["scenario"]["hash"]
    debtors = pl.read_parquet(out / "debtors.parquet")
    assert debtors.get_column("debtor").str.starts_with("p_").all()
    # refused when it exists, unless --force
    code, _, err = run(capsys, "simulate", BASE, "--out", out, "--replications", 1, "--quiet")
    assert code == 2 and "exists and is not empty" in err


def test_bad_policy_exits_2_and_leaves_nothing(capsys, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("offers = [{ discount = 1.5, installments = 1, share = 1.0 }]\n[segments.nope]\noffers = []\n")
    out = tmp_path / "run"
    code, _, err = run(capsys, "simulate", BASE, "--out", out, "--policy", policy, "--quiet")
    assert code == 2
    assert f"{policy}: offers[0].discount: out of range (got 1.5, expected 0 <= x <= 0.99)" in err
    policy.write_text("offers = [{ discount = 0.5, installments = 1, share = 1.0 }]\n[segments.nope]\noffers = []\n")
    code, _, err = run(capsys, "simulate", BASE, "--out", out, "--policy", policy, "--quiet")
    assert code == 2 and err.startswith(f"{policy}: segments.nope: unknown segment (got 'nope', expected one of low_early")
    assert not out.exists() and not any(p.name.startswith(".run") for p in tmp_path.iterdir())


def _small_portfolio(tmp_path: Path) -> Path:
    path = tmp_path / "small.parquet"
    main(["portfolio", "--n", "2000", "--seed", "3", "--out", str(path)])
    return path


def test_infeasible_optimization_exits_2_naming_the_constraint(capsys, tmp_path):
    scenario = tmp_path / "tight.toml"
    scenario.write_text(f'extends = "{BASE}"\n[portfolio]\nsynthetic_n = 1500\n[optimizer]\nsample_per_segment = 100\n'
                        'liquidity_target = 1e9\n[monte_carlo]\nreplications = 2\n')
    out = tmp_path / "run"
    code, _, err = run(capsys, "optimize", scenario, "--out", out, "--quiet")
    assert code == 2, err
    problems = "".join(line for line in err.splitlines(keepends=True) if not line.startswith("warning: "))
    assert problems.startswith(f"{scenario}: optimizer.liquidity_target: infeasible: liquidity (target R$ 1e9, at most R$ ")
    assert not out.exists()


def test_optimize_writes_its_outputs(capsys, tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(f'extends = "{BASE}"\n[portfolio]\nsynthetic_n = 1500\n[optimizer]\nsample_per_segment = 100\n'
                        '[monte_carlo]\nreplications = 2\n')
    out = tmp_path / "run"
    code, stdout, err = run(capsys, "optimize", scenario, "--out", out, "--quiet")
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    assert {"policy.json", "coefficients.parquet", "model.mps", "solution.json", "frontier.parquet",
            "manifest.json", "summary.json", "daily.parquet", "debtors.parquet"} <= names
    solution = json.loads((out / "solution.json").read_text())
    assert solution["status"] == "OPTIMAL" and "validation" in solution
    assert pl.read_parquet(out / "frontier.parquet").height >= 20
    # the policy written is a valid --policy file
    code, _, err = run(capsys, "simulate", scenario, "--out", tmp_path / "again", "--policy", out / "policy.json",
                       "--quiet", "--replications", 1)
    assert code == 0, err


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_simulate_every_bundled_scenario(capsys, tmp_path, path):
    out = tmp_path / "run"
    code, _, err = run(capsys, "simulate", path, "--out", out, "--replications", 2, "--quiet", "--workers", 2,
                       "--portfolio", _small_portfolio(tmp_path))
    assert code == 0, err
    assert {"manifest.json", "summary.json", "daily.parquet", "debtors.parquet"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "summary.json").read_text())["metrics"]["violations"]["mean"] == 0
