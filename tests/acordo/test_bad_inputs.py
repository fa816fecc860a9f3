"""The catalogue of bad inputs: each refused with exit code 2, its exact message, no traceback, nothing written.

Every case runs the command line in-process (``acordo.cli.main``) from an empty working
directory, with the inputs in a separate directory, and checks that neither directory nor
the coefficient cache changed. Cases whose fix lives on another branch are marked
``xfail(strict=True)`` with the branch that owns them, so that they flip when merged.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from acordo.cli import build_parser, main

from ._cpf import cpf, cpf_portfolio

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
CPF_A, CPF_B = cpf(529982247), cpf(111444777)


@dataclass
class Case:
    """One bad input: the argv (``{in}``: the inputs directory, ``{base}``: base.toml, ``{p}``: a good
    CPF portfolio), the files to create in ``{in}``, the exact line expected on stderr."""

    id: str
    argv: list[str]
    expected: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Path, Path], None] | None = None  # (inputs dir, working dir)
    owner: str | None = None  # the branch that fixes it (xfail strict until merged)
    match: str = "line"  # "line": an exact line of stderr; "start": a line starting so; "contains"


def _toml(body: str) -> str:
    return f'extends = "{BASE}"\n{body}'


def _existing_run(work: Path, name: str = "r", extra: dict[str, str] | None = None) -> None:
    run = work / name
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"command": "simulate"}))
    for k, v in (extra or {}).items():
        (run / k).write_text(v)


SIM = ["simulate", "{base}", "--portfolio", "{p}", "--quiet", "--replications", "1"]
VAL = ["validate", "{base}", "--portfolio"]
PORT = ["portfolio", "--n", "10", "--seed", "1", "--out"]
ROWS = f"{CPF_A},100.0,10\n{CPF_B},50.0,20\n"

CASES: list[Case] = [
    # ---------------------------------------------------------------- scenario files
    Case("scenario-unknown-key", ["validate", "{in}/s.toml"], "{in}/s.toml: agents.cunt: unknown key; did you mean 'count'?",
         {"s.toml": _toml("[agents]\ncunt = 10\n")}),
    Case("scenario-out-of-range", ["validate", "{in}/s.toml"],
         "{in}/s.toml: behaviour.reach.call: out of range (got 1.3, expected 0 <= x <= 1)",
         {"s.toml": _toml("[behaviour.reach]\ncall = 1.3\n")}),
    Case("scenario-syntax", ["validate", "{in}/s.toml"], "{in}/s.toml: TOML syntax error: ", {"s.toml": 'name = "x"\n[agents\n'},
         match="start"),
    Case("scenario-missing", ["validate", "{in}/nope.toml"], "{in}/nope.toml: file not found"),
    Case("scenario-circular", ["validate", "{in}/a.toml"], "{in}/a.toml: extends: circular extends (got a.toml -> b.toml -> a.toml)",
         {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'}),
    Case("rule-missing-column", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: segments.low_early.rule.income: no such portfolio column (got 'income', expected one of ",
         {"s.toml": _toml('[segments.low_early.rule]\nincome = [0, 1000]\n')}, match="start"),
    Case("rule-text-list-over-numeric", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: segments.low_early.rule.score: a list of texts on a number column (got ['600', '700'], expected "
         "a range such as [1, 3] (from 1, below 3), or declare its type: [portfolio] columns = { score = \"text\" })",
         {"s.toml": _toml('[segments.low_early.rule]\nscore = ["600", "700"]\n')}),
    Case("rule-range-over-text", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: segments.low_early.rule.state: a numeric range on a text column (got [0.0, 10.0], expected a list "
         "of texts, or declare its type: [portfolio] columns = { state = \"number\" } when it holds numbers)",
         {"s.toml": _toml('[segments.low_early.rule]\nstate = [0, 10]\n')}),
    Case("baseline-above-max-discount", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: baseline.offers[0].discount: above offers.max_discount (got 0.7, expected <= 0.6)",
         {"s.toml": _toml("[baseline]\noffers = [{ discount = 0.7, installments = 1, share = 1.0 }]\n")}),
    Case("baseline-above-max-installments", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: baseline.offers[0].installments: above offers.max_installments (got 36, expected <= 24)",
         {"s.toml": _toml("[baseline]\noffers = [{ discount = 0.1, installments = 36, share = 1.0 }]\n")}),
    Case("baseline-negative-down-payment", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: baseline.offers[0].down_payment_share: negative (got -0.5, expected 0 <= x <= 0.9, or -1 for "
         "the catalogue's offers.down_payment_share)",
         {"s.toml": _toml("[baseline]\noffers = [{ discount = 0.1, installments = 6, share = 1.0, "
                          "down_payment_share = -0.5 }]\n")}),
    Case("baseline-discount-not-in-catalogue", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: baseline.offers[0].discount: not in the offer catalogue (got 0.33, expected one of "
         "offers.discounts: 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)",
         {"s.toml": _toml("[baseline]\noffers = [{ discount = 0.33, installments = 1, share = 1.0 }]\n")}),
    Case("baseline-installments-not-in-catalogue", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: baseline.offers[0].installments: not in the offer catalogue (got 7, expected one of "
         "offers.installments: 1, 3, 6, 10, 12, 18, 24)",
         {"s.toml": _toml("[baseline]\noffers = [{ discount = 0.1, installments = 7, share = 1.0 }]\n")}),
    Case("baseline-above-segment-cap", ["validate", "{in}/s.toml", "--portfolio", "{p}"],
         "{in}/s.toml: baseline.segments.low_early.offers[0].discount: above segments.low_early.max_discount "
         "(segment low_early) (got 0.4, expected <= 0.2)",
         {"s.toml": _toml("[segments.low_early]\nmax_discount = 0.2\n[baseline.segments.low_early]\n"
                          "offers = [{ discount = 0.4, installments = 1, share = 1.0 }]\n")}),
    Case("scenario-utf16", ["validate", "{in}/s.toml"],
         "{in}/s.toml: not a text file (got UTF-16 text, expected a UTF-8 TOML scenario file)",
         {"s.toml": 'name = "x"\n'.encode("utf-16")}),
    Case("toml-error-at-end-of-document", ["validate", "{in}/s.toml"], "{in}/s.toml: TOML syntax error: Invalid value "
         "(at line 1, column 12, the end of the file)", {"s.toml": "horizon = ["}),
    Case("extends-too-deep", ["validate", "{in}/s0.toml"],
         "{in}/s8.toml: extends: extends chain too deep (got 9 files, expected at most 8 files in a chain)",
         {f"s{i}.toml": f'extends = "s{i + 1}.toml"\n' for i in range(40)} | {"s40.toml": f'extends = "{BASE}"\n'}),
    Case("child-list-blamed-on-child", ["validate", "{in}/child.toml"],
         "{in}/child.toml: cadences.default[0].channel:",
         {"parent.toml": _toml(""), "child.toml": 'extends = "parent.toml"\nreplace = ["cadences"]\n[cadences]\n'
                                                   'default = [{ day = 1, channel = "pigeon" }]\n'}, match="start"),
    # ---------------------------------------------------------------- portfolios
    Case("portfolio-duplicated-header", VAL + ["{in}/x.csv"],
         "{in}/x.csv: duplicated column names in the header (got 'balance', expected each column once)",
         {"x.csv": "debtor_id,balance,balance,days_past_due\n" + f"{CPF_A},1,2,3\n"}),
    Case("portfolio-headerless", VAL + ["{in}/x.csv"],
         "{in}/x.csv: no header row: the first line looks like data (got a first line of 3 values, expected a header "
         "row naming debtor_id, balance, days_past_due)", {"x.csv": ROWS}),
    Case("portfolio-balance-overflow", VAL + ["{in}/x.csv"],
         "{in}/x.csv: balance: 1 row implausibly large, first line 2 ({ps_a}) (got 1e+308, expected at most 1e12, R$ 1 trillion)",
         {"x.csv": f"debtor_id,balance,days_past_due\n{CPF_A},1e308,10\n{CPF_B},50.0,20\n"}),
    Case("portfolio-balance-infinite", VAL + ["{in}/x.csv"],
         "{in}/x.csv: balance: 1 row not a number, first line 2 ({ps_a}) (got 'inf', expected a finite number)",
         {"x.csv": f"debtor_id,balance,days_past_due\n{CPF_A},inf,10\n{CPF_B},50.0,20\n"}),
    Case("portfolio-negative-balance", VAL + ["{in}/x.csv"],
         "{in}/x.csv: balance: 1 row not positive, first line 3 ({ps_b}) (got -50.0, expected > 0)",
         {"x.csv": f"debtor_id,balance,days_past_due\n{CPF_A},100,10\n{CPF_B},-50.0,20\n"}),
    Case("portfolio-fractional-days", VAL + ["{in}/x.csv"],
         "{in}/x.csv: days_past_due: 1 row not a whole number, first line 2 ({ps_a}) (got '30.5', expected a whole number)",
         {"x.csv": f"debtor_id,balance,days_past_due\n{CPF_A},100,30.5\n{CPF_B},50.0,20\n"}),
    Case("portfolio-missing-column", VAL + ["{in}/x.csv"],
         "{in}/x.csv: balance: required column missing (got columns debtor_id, days_past_due, expected balance)",
         {"x.csv": f"debtor_id,days_past_due\n{CPF_A},10\n"}),
    Case("portfolio-duplicated-id", VAL + ["{in}/x.csv"],
         "{in}/x.csv: debtor_id: 1 id duplicated, first {ps_a} (got 2 rows with them, expected each id once)",
         {"x.csv": f"debtor_id,balance,days_past_due\n{CPF_A},100,10\n{CPF_A},50.0,20\n"}),
    Case("portfolio-id-in-wrong-column", VAL + ["{in}/x.csv"],
         "{in}/x.csv: state: 1 row unknown UF code, first line 2 ({ps_a}) (got <hidden long number>, expected a two-letter UF "
         "code such as SP, RJ or MG)",
         {"x.csv": f"debtor_id,balance,days_past_due,state\n{CPF_A},100,10,{CPF_B}\n"}),
    Case("portfolio-score-range", VAL + ["{in}/x.csv"],
         "{in}/x.csv: score: 1 row outside 0..1000, first line 2 ({ps_a}) (got 1500.0, expected 0 <= score <= 1000)",
         {"x.csv": f"debtor_id,balance,days_past_due,score\n{CPF_A},100,10,1500\n"}),
    Case("portfolio-bad-boolean", VAL + ["{in}/x.csv"],
         "{in}/x.csv: has_phone: 1 row not a boolean, first line 2 ({ps_a}) (got 'talvez', expected true/false, 1/0, yes/no "
         "or sim/não)", {"x.csv": f"debtor_id,balance,days_past_due,has_phone\n{CPF_A},100,10,talvez\n"}),
    Case("portfolio-semicolons-decimal-comma", VAL + ["{in}/x.csv"],  # read as ';' and decimal comma, then checked
         "{in}/x.csv: balance: 1 row not positive, first line 2 ({ps_a}) (got -100.5, expected > 0)",
         {"x.csv": f"debtor_id;balance;days_past_due\n{CPF_A};-100,5;10\n{CPF_B};1.250,75;20\n"}),
    Case("portfolio-empty-file", VAL + ["{in}/x.csv"],
         "{in}/x.csv: file is empty (got 0 bytes, expected a header row and rows)", {"x.csv": ""}),
    Case("portfolio-unknown-suffix", VAL + ["{in}/x.doc"],
         "{in}/x.doc: unknown file type (got '.doc', expected a .csv, .xlsx or .parquet file)", {"x.doc": "a,b\n"}),
    Case("portfolio-empty-path", VAL + [""], "--portfolio: empty path (got '', expected a CSV or Parquet file)"),
    Case("portfolio-not-found", VAL + ["{in}/none.csv"], "{in}/none.csv: file not found (expected an existing file)"),
    Case("portfolio-is-directory", VAL + ["{in}/d.csv"],
         "{in}/d.csv: not a file (got a directory, expected a table file)",
         setup=lambda i, w: (i / "d.csv").mkdir()),
    Case("portfolio-xlsx-named-csv", VAL + ["{in}/x.csv"],
         "{in}/x.csv: not a CSV file: it is a zip archive or an Excel workbook (expected CSV text, or name it .xlsx)",
         {"x.csv": b"PK\x03\x04\x14\x00\x06\x00" + CPF_A.encode() + b"\x00\x01\x02"}),
    Case("portfolio-utf16", VAL + ["{in}/x.csv"],
         "{in}/x.csv: not a text file we can read: UTF-16 text (expected CSV text in UTF-8, Latin-1 or Windows-1252)",
         {"x.csv": ("debtor_id,balance,days_past_due\n" + ROWS).encode("utf-16")}),
    Case("portfolio-corrupt-parquet", VAL + ["{in}/x.parquet"],
         "{in}/x.parquet: could not be read as Parquet (got ComputeError, expected a readable Parquet file)",
         {"x.parquet": b"PAR1 not really parquet " + CPF_A.encode()}),
    # ---------------------------------------------------------------- policies
    Case("policy-above-max-discount", SIM + ["--out", "r", "--policy", "{in}/pol.toml"],
         "{in}/pol.toml: offers[0].discount: above offers.max_discount (got 0.8, expected <= 0.6)",
         {"pol.toml": "offers = [{ discount = 0.8, installments = 1, share = 1.0 }]\n"}),
    Case("policy-above-max-installments", SIM + ["--out", "r", "--policy", "{in}/pol.toml"],
         "{in}/pol.toml: offers[0].installments: above offers.max_installments (got 60, expected <= 24)",
         {"pol.toml": "offers = [{ discount = 0.1, installments = 60, share = 1.0 }]\n"}),
    Case("policy-negative-down-payment", SIM + ["--out", "r", "--policy", "{in}/pol.toml"],
         "{in}/pol.toml: offers[0].down_payment_share: negative (got -0.2, expected 0 <= x <= 0.9, or -1 for the "
         "catalogue's offers.down_payment_share)",
         {"pol.toml": "offers = [{ discount = 0.1, installments = 6, share = 1.0, down_payment_share = -0.2 }]\n"}),
    Case("policy-not-in-catalogue", SIM + ["--out", "r", "--policy", "{in}/pol.json"],
         "{in}/pol.json: segments.low_early.offers[0].discount: not in the offer catalogue (got 0.12, expected one of "
         "offers.discounts: 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)",
         {"pol.json": json.dumps({"policy": {"offers": [{"discount": 0.1, "installments": 1, "share": 1.0}],
                                             "segments": {"low_early": {"offers": [
                                                 {"discount": 0.12, "installments": 1, "share": 1.0}]}}}})}),
    Case("policy-unknown-segment", SIM + ["--out", "r", "--policy", "{in}/pol.toml"],
         "{in}/pol.toml: segments.nope: unknown segment (got 'nope', expected one of low_early",
         {"pol.toml": "offers = [{ discount = 0.1, installments = 1, share = 1.0 }]\n[segments.nope]\noffers = []\n"},
         match="start"),
    Case("policy-shares", SIM + ["--out", "r", "--policy", "{in}/pol.toml"],
         "{in}/pol.toml: offers: shares do not sum to 1 (got 0.7, expected 1)",
         {"pol.toml": "offers = [{ discount = 0.1, installments = 1, share = 0.7 }]\n"}),
    Case("policy-binary", SIM + ["--out", "r", "--policy", "{in}/pol.toml"],
         "{in}/pol.toml: not a text file (got a binary file, expected a UTF-8 TOML or JSON policy file)",
         {"pol.toml": bytes(range(256)) * 4}),
    Case("policy-xlsx", SIM + ["--out", "r", "--policy", "{in}/pol.json"],
         "{in}/pol.json: not a text file (got a zip archive or an .xlsx spreadsheet, expected a UTF-8 TOML or JSON "
         "policy file)", {"pol.json": b"PK\x03\x04" + bytes(60)}),
    Case("policy-json-syntax", SIM + ["--out", "r", "--policy", "{in}/pol.json"],
         "{in}/pol.json: syntax error: Expecting value: line 1 column 12 (char 11)", {"pol.json": '{"offers": }'}),
    Case("policy-empty-path", SIM + ["--out", "r", "--policy", ""],
         "--policy: empty path (got '', expected a policy file (TOML or policy.json))"),
    # ---------------------------------------------------------------- --out and the environment
    Case("out-empty", SIM + ["--out", ""], "--out: empty path (got '', expected a directory name such as runs/demo)"),
    Case("out-dot", SIM + ["--out", ".", "--force"],
         "--out: is the current directory or above it (got '.', expected a new or empty directory, such as runs/demo)"),
    Case("out-dotdot", SIM + ["--out", "..", "--force"],
         "--out: is the current directory or above it (got '..', expected a new or empty directory, such as runs/demo)"),
    Case("out-home", SIM + ["--out", "{home}", "--force"],
         "--out: is the home directory or a filesystem root (got '{home}', expected a new or empty directory)"),
    Case("out-root", SIM + ["--out", "/", "--force"],
         "--out: is the current directory or above it (got '/', expected a new or empty directory, such as runs/demo)"),
    Case("out-is-input-file", SIM + ["--out", "{p}", "--force"],
         "--out: exists and is not a directory; acordo never replaces a file (got '{p}', expected a new or empty "
         "directory)"),
    Case("out-is-a-file", SIM + ["--out", "f.txt"],
         "--out: exists and is not a directory; acordo never replaces a file (got 'f.txt', expected a new or empty "
         "directory)", setup=lambda i, w: (w / "f.txt").write_text("keep me")),
    Case("out-foreign-directory-force", SIM + ["--out", "d", "--force"],
         "--out: exists and is not empty, and is not an acordo run directory (acordo replaces only an empty directory "
         "or an earlier run) (got 'd', expected a new or empty directory)",
         setup=lambda i, w: ((w / "d").mkdir(), (w / "d" / "notes.txt").write_text("mine"))),
    Case("out-holds-the-portfolio", ["simulate", "{base}", "--portfolio", "r/p.csv", "--out", "r", "--force", "--quiet",
                                     "--replications", "1"],
         "--out: holds an input of this command ({work}/r/p.csv); it cannot be replaced (got 'r', expected a directory "
         "holding none of the inputs)",
         setup=lambda i, w: (_existing_run(w), cpf_portfolio(w / "r" / "p.csv", 300))),
    Case("out-earlier-run-without-force", SIM + ["--out", "r"],
         "--out: exists and is not empty: it holds an earlier run; use --force to replace it (got 'r', expected a new "
         "or empty directory)", setup=lambda i, w: _existing_run(w)),
    Case("out-under-a-file", SIM + ["--out", "f.txt/run"],
         "--out: is under '{work}/f.txt', which is a file (got 'f.txt/run', expected a path under a directory)",
         setup=lambda i, w: (w / "f.txt").write_text("keep me")),
    Case("cache-is-a-file", ["optimize", "{base}", "--portfolio", "{p}", "--out", "r", "--quiet"],
         "ACORDO_CACHE: not a directory (got a file, '{in}/cache', expected a directory for the coefficient cache)",
         {"cache": "not a directory"}, env={"ACORDO_CACHE": "{in}/cache"}),
    Case("portfolio-out-no-folder", PORT + ["nodir/x.csv"],
         "--out: the folder does not exist (got 'nodir': no such directory, expected an existing directory)"),
    Case("portfolio-out-exists", PORT + ["x.csv"],
         "--out: file exists; use --force to overwrite it (got 'x.csv', expected a new file)",
         setup=lambda i, w: (w / "x.csv").write_text("keep me")),
    Case("portfolio-out-directory", PORT + ["x.csv", "--force"], "--out: is a directory (got 'x.csv', expected a file name)",
         setup=lambda i, w: (w / "x.csv").mkdir()),
    Case("portfolio-out-suffix", PORT + ["x.xlsx"], "--out: unknown file type (got .xlsx, expected .csv or .parquet or .pq)"),
    # ---------------------------------------------------------------- CLI misuse
    Case("replications-zero", SIM[:-2] + ["--replications", "0", "--out", "r"],
         "--replications: out of range (got 0, expected 1 <= x <= 100000, the cap of monte_carlo.replications)"),
    Case("replications-huge", SIM[:-2] + ["--replications", "1000000000", "--out", "r"],
         "--replications: out of range (got 1000000000, expected 1 <= x <= 100000, the cap of monte_carlo.replications)"),
    Case("replications-text", SIM[:-2] + ["--replications", "ten", "--out", "r"],
         "--replications: not a whole number (got 'ten', expected 1 <= x <= 100000, the cap of monte_carlo.replications)"),
    Case("seed-negative", SIM + ["--seed", "-1", "--out", "r"],
         "--seed: out of range (got -1, expected 0 <= seed < 2**63)"),
    Case("workers-zero", SIM + ["--workers", "0", "--out", "r"],
         "--workers: out of range (got 0, expected an integer >= 1)"),
    Case("budget-negative", ["optimize", "{base}", "--budget", "-5", "--out", "r"],
         "--budget: out of range (got -5, expected R$ >= 0)"),
    Case("unknown-command", ["simulat", "{base}"],
         "COMMAND: invalid choice (got 'simulat', expected one of validate, portfolio, simulate, optimize, run, compare, "
         "sweep, assign, plan-test, simulate-test, evaluate, calibrate, report)"),
    Case("unknown-option", SIM + ["--out", "r", "--replicas", "3"],
         "acordo: unknown arguments (got --replicas 3, expected the options in the usage below)"),
    Case("bad-lang", ["run", "{base}", "--lang", "fr", "--out", "r"],
         "--lang: invalid choice (got 'fr', expected one of en, pt-BR)"),
    Case("missing-out", ["simulate", "{base}"],
         "acordo simulate: required arguments missing (expected --out)"),
    Case("n-too-large", PORT[:2] + ["100000000000"] + PORT[3:] + ["x.csv"],
         "--n: out of range (got 100000000000, expected 1 <= x <= 50000000, the cap of portfolio.synthetic_n)"),
    Case("compare-empty-scenario", ["compare", "{base}", "", "--out", "r"],
         "SCENARIO 2: empty path (got '', expected a scenario file)"),
    Case("report-not-a-run", ["report", "{in}"], "{in}/manifest.json: missing file (expected written by acordo run)"),
]


def _snapshot(*roots: Path) -> dict[str, str]:
    """Every file and directory under the roots, with a hash of each file's bytes."""
    out = {}
    for root in roots:
        if not root.exists():
            out[str(root)] = "absent"
            continue
        for dirpath, dirs, files in os.walk(root):
            out[dirpath] = "dir"
            for f in files:
                p = Path(dirpath) / f
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def good_portfolio(tmp_path_factory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("good") / "p.csv"
    return path, cpf_portfolio(path, 300)


def _fill(text: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(
    strict=True, reason=f"owned by {c.owner}")] if c.owner else []) for c in CASES])
def test_bad_input_is_refused(case: Case, tmp_path, monkeypatch, capsys, good_portfolio):
    inputs, work = tmp_path / "in", tmp_path / "work"
    inputs.mkdir()
    work.mkdir()
    for name, content in case.files.items():
        (inputs / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    if case.setup:
        case.setup(inputs, work)
    portfolio, ids = good_portfolio
    values = {"in": str(inputs), "work": str(work), "base": str(BASE), "p": str(portfolio), "home": str(Path.home()),
              "base_label": str(BASE)}
    from scenarios.pseudonym import pseudonymise
    values["ps_a"], values["ps_b"] = pseudonymise([CPF_A, CPF_B])
    for k, v in case.env.items():
        monkeypatch.setenv(k, _fill(v, values))
    monkeypatch.chdir(work)
    cache = Path(os.environ["ACORDO_CACHE"])
    before = _snapshot(inputs, work, cache, portfolio.parent)
    code = main([_fill(a, values) for a in case.argv])
    out, err = capsys.readouterr()
    assert code == 2, err
    expected, lines = _fill(case.expected, values), err.splitlines()
    if case.match == "line":
        assert expected in lines, err
    elif case.match == "start":
        assert any(line.startswith(expected) for line in lines), err
    else:
        assert expected in err, err
    assert "Traceback" not in err and "internal error" not in err
    for raw in (CPF_A, CPF_B, *ids[:50]):
        assert raw not in err and raw not in out
    assert _snapshot(inputs, work, cache, portfolio.parent) == before


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return list(sub.choices)


@pytest.mark.parametrize("command", [None, *_commands()])
def test_every_help_works(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: acordo") and "Traceback" not in out


def test_top_level_help_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-m", "acordo.cli", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "95%" in proc.stdout and not proc.stderr


def test_argument_error_is_one_line_before_the_usage(capsys):
    assert main(["simulate", str(BASE), "--out", "r", "--seed", "x"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "--seed: not a whole number (got 'x', expected 0 <= seed < 2**63)"
    assert lines[1].startswith("usage: acordo simulate")


# -------------------------------------------------------------------- the mechanisms behind the cases


def test_stale_partials_of_dead_processes_are_removed_and_nothing_else(tmp_path):
    from acordo.rundir import MARKER, run_directory
    dead = 2**22 + 12345  # above the default pid_max: no such process
    stale = tmp_path / f".r.{dead}.abcd1234.partial"
    live = tmp_path / f".r.{os.getpid()}.abcd1234.partial"
    unmarked = tmp_path / f".r.{dead}.ffff0000.partial"
    empty = tmp_path / f".r.{dead}.0000ffff.partial"  # killed between mkdir and its marker
    live_empty = tmp_path / f".r.{os.getpid()}.00000000.partial"
    for d in (stale, live, unmarked, empty, live_empty):
        d.mkdir()
    (stale / MARKER).write_text(f"{dead}\n")
    (live / MARKER).write_text(f"{os.getpid()}\n")
    (unmarked / "data.csv").write_text("the user's\n")
    with run_directory(tmp_path / "r") as stage:
        (stage / "manifest.json").write_text('{"command": "test"}')
    assert not stale.exists() and live.exists() and unmarked.exists()
    assert not empty.exists() and live_empty.exists()
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["manifest.json"]


def test_force_replaces_an_earlier_run_whole(tmp_path):
    from acordo.rundir import run_directory
    _existing_run(tmp_path, "r", {"old.txt": "old"})
    with run_directory(tmp_path / "r", force=True) as stage:
        (stage / "manifest.json").write_text('{"command": "test"}')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["manifest.json"]


def test_missing_parents_are_removed_again_when_writing_fails(tmp_path):
    from acordo.rundir import run_directory
    with pytest.raises(RuntimeError):
        with run_directory(tmp_path / "a" / "b" / "r"):
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_coefficient_cache_entry_is_recomputed_with_a_warning(tmp_path):
    from optimizer import coefficients as C
    entry = tmp_path / "coefficients-abc.parquet"
    entry.write_bytes(b"PAR1 truncated")
    with pytest.warns(UserWarning, match="unreadable coefficient cache entry"):
        assert C._read_cache(entry) is None
    assert not entry.exists()
    import polars as pl
    C._write_cache(entry, pl.DataFrame({"x": [1.0]}))
    assert C._read_cache(entry).get_column("x").to_list() == [1.0]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.warns(UserWarning, match="coefficient cache not written"):
        C._write_cache(blocked / "coefficients-abc.parquet", pl.DataFrame({"x": [1.0]}))


def test_the_cache_key_follows_the_engine_code(monkeypatch):
    from optimizer import coefficients as C
    h = C.engine_code_hash()
    assert len(h) == 64 and h == C.engine_code_hash()
    import hashlib as _h
    import simulation
    sources = sorted(Path(simulation.__file__).parent.glob("*.py")) + [Path(C.__file__),
                                                                      Path(C.__file__).with_name("sampling.py")]
    expected = _h.sha256()
    for p in sources:
        expected.update(p.name.encode() + b"\0" + p.read_bytes())
    assert h == expected.hexdigest()  # any edit of an engine source or of the chunking changes the key


def test_one_replication_gives_no_interval(capsys, tmp_path, good_portfolio):
    portfolio, ids = good_portfolio
    out = tmp_path / "r"
    assert main(["simulate", str(BASE), "--portfolio", str(portfolio), "--out", str(out), "--replications", "1",
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "95% CI absent" in text and "one replication: no spread can be estimated" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["net_npv"]["ci95"] == [None, None]
    assert json.loads((out / "manifest.json").read_text())["pseudonym_key"] in ("environment", "installation")
