"""No raw debtor id (a CPF) in anything acordo writes or says.

A CPF-keyed portfolio goes through validate, simulate, optimize, run (with a segment rule
that lists ids), compare and sweep; every output file (Parquet contents, JSON, PNG, MPS, the
PDF's text), the coefficient cache and the terminal output are searched for every raw id,
with and without the CPF punctuation.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from acordo.cli import main
from acordo.treatments import TREATMENT_FILES
from scenarios.assumptions import assumptions_table
from scenarios.loader import load_scenario
from scenarios.portfolio import load_portfolio
from scenarios.pseudonym import pseudonymise
from scenarios.segmentation import assign_segments

from ._cpf import cpf_portfolio

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"


def _texts(path: Path) -> list[str]:
    """The searchable text of one output file."""
    if path.suffix in (".parquet", ".pq"):
        frame = pl.read_parquet(path)
        return [frame.columns.__repr__(), *(" ".join(map(str, frame.get_column(c).to_list())) for c in frame.columns)]
    if path.suffix == ".pdf" and shutil.which("pdftotext"):
        return [subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                               check=True).stdout, path.read_bytes().decode("latin-1")]
    return [path.read_bytes().decode("latin-1")]


def _needles(ids: list[str]) -> list[str]:
    return ids + [re.sub(r"\D", "", i) for i in ids]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A CPF portfolio, a scenario whose low_early rule lists the ids of that segment, and a runner."""
    root = tmp_path_factory.mktemp("leaks")
    ids = cpf_portfolio(root / "p.csv", 240, seed=11)
    base = load_scenario(BASE)
    frame = load_portfolio(root / "p.csv").frame
    seg = assign_segments(base, frame)
    low_early = frame.get_column("debtor_id").filter(pl.Series(seg == base.segment_names.index("low_early"))).to_list()
    assert low_early, "the fixture needs debtors in low_early"
    listed = ", ".join(json.dumps(i) for i in low_early)
    # four segments instead of twelve (cheaper runs): low_early as in the base scenario, and three that
    # cover the rest, so low_early's rule can list its ids (or a sweep cell can) and still cover everyone
    (root / "plain.toml").write_text(
        f'extends = "{BASE}"\nname = "plain"\nreplace = ["segments", "cadences"]\n'
        '[optimizer]\nsample_per_segment = 50\n'
        '[segments.low_early]\nrule = { score = [600, inf], days_past_due = [0, 90], chronic = false }\n'
        '[segments.low_early_chronic]\nrule = { score = [600, inf], days_past_due = [0, 90], chronic = true }\n'
        '[segments.low_late]\nrule = { score = [600, inf], days_past_due = [90, inf] }\n'
        '[segments.rest]\nrule = { score = [0, 600] }\n'
        '[cadences]\ndefault = [{ day = 1, channel = "sms" }, { day = 3, channel = "call" }, '
        '{ day = 20, channel = "whatsapp" }]\n', encoding="utf-8")
    (root / "listed.toml").write_text(
        f'extends = "plain.toml"\nname = "listed"\n[segments.low_early.rule]\ndebtor_id = [{listed}]\n',
        encoding="utf-8")
    return root, ids, low_early


def _run(capsys, *argv) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out + err


def _assert_clean(paths: list[Path], terminal: str, ids: list[str]) -> int:
    """Search every file but the treatment files (the work list that carries the team's ids back)."""
    needles = _needles(ids)
    files = [p for root in paths for p in ([root] if root.is_file() else sorted(root.rglob("*")))
             if p.is_file() and p.name not in TREATMENT_FILES]
    for p in files:
        for text in _texts(p):
            leaked = [n for n in needles if n in text]
            assert not leaked, f"{p}: raw ids {leaked[:2]}"
    leaked = [n for n in needles if n in terminal]
    assert not leaked, f"terminal output: raw ids {leaked[:2]}"
    return len(files)


def test_rule_over_ids_is_shown_pseudonymised(world):
    root, _, low_early = world
    scenario = load_scenario(root / "listed.toml")
    table = assumptions_table(scenario)
    rule = table.filter(pl.col("key") == "segments.low_early.rule").get_column("value").item()
    assert pseudonymise([low_early[0]])[0] in rule and low_early[0] not in rule


def test_personal_columns_are_shown_pseudonymised(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BASE}"\n[portfolio]\npersonal_columns = ["phone"]\n'
                    '[segments.low_early.rule]\nphone = ["11987654321"]\n', encoding="utf-8")
    rule = assumptions_table(load_scenario(path)).filter(pl.col("key") == "segments.low_early.rule")["value"].item()
    assert "11987654321" not in rule and pseudonymise(["11987654321"])[0] in rule


@pytest.mark.slow
def test_no_command_writes_or_says_a_raw_id(world, capsys, tmp_path):
    root, ids, _ = world
    p, listed, plain = root / "p.csv", root / "listed.toml", root / "plain.toml"
    terminal = _run(capsys, "validate", listed, "--portfolio", p)
    terminal += _run(capsys, "simulate", listed, "--portfolio", p, "--out", tmp_path / "sim", "--replications", 2,
                     "--quiet")
    terminal += _run(capsys, "optimize", listed, "--portfolio", p, "--out", tmp_path / "opt", "--replications", 2,
                     "--quiet")
    terminal += _run(capsys, "run", listed, "--portfolio", p, "--out", tmp_path / "run", "--replications", 2, "--quiet")
    terminal += _run(capsys, "compare", plain, listed, "--portfolio", p, "--out", tmp_path / "cmp", "--replications", 2,
                     "--quiet")
    terminal += _run(capsys, "sweep", listed, "--set", "agents.count=3,5", "--portfolio", p, "--out", tmp_path / "swp",
                     "--replications", 2, "--quiet")
    # the rule did list the ids, and the run wrote them out pseudonymised
    rule = pl.read_parquet(tmp_path / "run" / "assumptions.parquet").filter(pl.col("key") == "segments.low_early.rule")
    assert rule.get_column("value").item().count("p_") >= 1
    debtors = pl.read_parquet(tmp_path / "sim" / "debtors.parquet").get_column("debtor")
    assert debtors.str.starts_with("p_").all()
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["pseudonym_key"] in ("environment", "installation")
    outputs = [tmp_path / n for n in ("sim", "opt", "run", "cmp", "swp")] + [Path(os.environ["ACORDO_CACHE"])]
    assert (tmp_path / "run" / "report.pdf").is_file()
    for treatment in (tmp_path / "opt").glob("treatments.*"):  # the one output with ids: the user's eyes only
        assert treatment.stat().st_mode & 0o077 == 0, treatment
    assert _assert_clean(outputs, terminal, ids) > 20


def test_sweep_over_a_rule_listing_ids_writes_pseudonyms(world, capsys, tmp_path):
    root, ids, low_early = world

    def listing(*parts):
        return "segments.low_early.rule.debtor_id=" + ",".join(
            "[" + ", ".join(json.dumps(i) for i in part) + "]" for part in parts)

    # a cell that leaves debtors out is refused, and its message names the cell by pseudonyms
    code = main([str(a) for a in ("sweep", root / "plain.toml", "--set", listing(low_early, low_early[:1]),
                                  "--portfolio", root / "p.csv", "--out", tmp_path / "bad", "--quiet")])
    out, err = capsys.readouterr()
    assert code == 2 and "debtors in no segment" in err and pseudonymise([low_early[0]])[0] in err
    _assert_clean([], out + err, ids)
    terminal = _run(capsys, "sweep", root / "plain.toml", "--set", listing(low_early, low_early[::-1]),
                    "--portfolio", root / "p.csv", "--out", tmp_path / "swp", "--replications", 2, "--quiet")
    shown = pl.read_parquet(tmp_path / "swp" / "sweep.parquet").get_column("segments.low_early.rule.debtor_id")
    # the two cells are told apart by the pseudonyms of the ids they list
    assert shown.n_unique() == 2 and all(pseudonymise([low_early[0]])[0] in v for v in shown)
    assert _assert_clean([tmp_path / "swp"], terminal, ids) >= 2


def test_error_messages_never_print_an_id(world, capsys, tmp_path):
    root, ids, _ = world
    bad = tmp_path / "bad.csv"
    lines = (root / "p.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:6]]
    b = header.index("balance")
    rows[0][b] = "-1"
    rows[1][b] = "abc"
    rows[2][header.index("state")] = rows[3][0]  # an id in the wrong column
    bad.write_text("\n".join([",".join(header)] + [",".join(r) for r in rows] + [",".join(rows[4])]) + "\n")
    assert main(["validate", str(BASE), "--portfolio", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "balance" in err and "duplicated" in err and "state" in err
    assert not [n for n in _needles(ids) if n in err]
    headerless = tmp_path / "nohead.csv"
    headerless.write_text("\n".join(lines[1:4]) + "\n")
    assert main(["validate", str(BASE), "--portfolio", str(headerless)]) == 2
    err = capsys.readouterr().err
    assert "no header row" in err and not [n for n in _needles(ids) if n in err]


def test_installation_key_is_private_and_recorded_by_kind(tmp_path, monkeypatch, capsys):
    from scenarios import pseudonym
    monkeypatch.delenv(pseudonym.KEY_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    p = tmp_path / "p.csv"
    ids = cpf_portfolio(p, 60)
    bad = tmp_path / "dup.csv"
    bad.write_text(p.read_text() + p.read_text().splitlines()[1] + "\n")
    assert main(["validate", str(BASE), "--portfolio", str(bad)]) == 2  # pseudonyms needed: the key is made
    err = capsys.readouterr().err
    key = pseudonym.key_file()
    assert f"created this installation's pseudonym key in {key}" in err and err.count("pseudonym key in") == 1
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    first = [line for line in err.splitlines() if "duplicated" in line]
    assert main(["validate", str(BASE), "--portfolio", str(bad)]) == 2
    again = capsys.readouterr().err
    assert "pseudonym key in" not in again  # said once
    assert [line for line in again.splitlines() if "duplicated" in line] == first  # same machine, same pseudonyms
    assert ids[0] not in err + again
    assert pseudonym.key_kind() == "installation"
    monkeypatch.setenv(pseudonym.KEY_ENV_VAR, "team-secret")
    assert pseudonym.key_kind() == "environment"
    os.chmod(key, 0o644)
    monkeypatch.delenv(pseudonym.KEY_ENV_VAR)
    assert main(["validate", str(BASE), "--portfolio", str(bad)]) == 2
    assert "pseudonym key readable by other users (got mode 0644; run chmod 600 on it" in capsys.readouterr().err


def test_a_malformed_rule_over_ids_is_not_echoed(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BASE}"\n[segments.low_early.rule]\n'
                    "debtor_id = [52998224725, 11144477735, 12345678909]\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "segments.low_early.rule.debtor_id" in err and "52998224725" not in err
