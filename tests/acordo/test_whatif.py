"""``acordo compare`` and ``acordo sweep``: same bytes on every backend, a lost Dask worker,
interrupted and resumed sweeps, paired differences, and bad ``--set`` options."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from acordo.cli import main
from acordo.whatif import run_compare, run_sweep, state_directory
from simulation.results import HEADLINE

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
#: The 3 x 3 grid of the acceptance tests.
SETS = ("agents.count=4,12,30", "behaviour.self_cure_h0=0.002,0.004,0.008")
R = 10
SEED = 5


def sweep_argv(out: Path, portfolio: Path, *extra: str) -> list[str]:
    argv = ["sweep", str(BASE)]
    for s in SETS:
        argv += ["--set", s]
    return argv + ["--out", str(out), "--portfolio", str(portfolio), "--replications", str(R), "--seed", str(SEED),
                   "--quiet", *extra]


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("portfolio") / "p1500.parquet"
    assert main(["portfolio", "--n", "1500", "--seed", "2", "--out", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, portfolio) -> Path:
    """The 3 x 3 sweep in this process (``--workers 1``)."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    assert main(sweep_argv(out, portfolio, "--workers", "1")) == 0
    return out


def test_sweep_table_layout(reference):
    table = pl.read_parquet(reference / "sweep.parquet")
    assert table.height == 9
    assert table.columns[:2] == ["agents.count", "behaviour.self_cure_h0"]
    assert table.schema["agents.count"] == pl.Int64 and table.schema["behaviour.self_cure_h0"] == pl.Float64
    for metric in HEADLINE:
        for suffix in ("mean", "ci95_low", "ci95_high"):
            assert f"{metric}_{suffix}" in table.columns
    assert table.get_column("replications").to_list() == [R] * 9
    assert table.select("agents.count", "behaviour.self_cure_h0").rows() == [
        (a, h) for a in (4, 12, 30) for h in (0.002, 0.004, 0.008)]
    lo, mean, hi = (table.get_column(f"net_npv_{s}").to_numpy() for s in ("ci95_low", "mean", "ci95_high"))
    assert np.all(lo <= mean) and np.all(mean <= hi)
    # a higher self-cure hazard collects more, on common random numbers
    by_h = table.group_by("behaviour.self_cure_h0").agg(pl.col("collected_mean").mean()).sort("behaviour.self_cure_h0")
    assert np.all(np.diff(by_h.get_column("collected_mean").to_numpy()) > 0)
    assert table.get_column("violations_mean").to_list() == [0.0] * 9
    figures = sorted(p.name for p in (reference / "figures").iterdir())
    assert figures == sorted(f"heatmap_{m}.png" for m in HEADLINE)
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["command"] == "sweep" and manifest["tasks"] == 90 and manifest["cells"] == 9
    assert manifest["grid"] == {"agents.count": ["4", "12", "30"], "behaviour.self_cure_h0": ["0.002", "0.004", "0.008"]}
    assert not state_directory(reference).exists()


@pytest.mark.parametrize("backend", [["--workers", "2"], ["--cluster", "local"]], ids=["workers2", "dask-local"])
def test_sweep_bytes_do_not_depend_on_the_backend(tmp_path, portfolio, reference, backend):
    out = tmp_path / "sweep"
    assert main(sweep_argv(out, portfolio, *backend)) == 0
    assert (out / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"] == ("processes" if backend[0] == "--workers" else "dask")


def test_sweep_survives_a_killed_dask_worker(tmp_path, portfolio, reference):
    """SIGKILL one worker of a 2-worker LocalCluster while it runs tasks; the scheduler
    reschedules them and the sweep's bytes do not change."""
    from simulation.backends import DaskBackend
    backend = DaskBackend("local", n_workers=2)
    killed: dict = {}
    done = [0]

    def progress(label: str, advance: int, total: int) -> None:
        done[0] += advance
        if done[0] >= 20 and not killed:
            busy = {a: keys for a, keys in backend.client.processing().items() if keys}
            if busy:  # kill a worker that is running tasks right now
                addr = sorted(busy)[0]
                pid = backend.client.run(os.getpid, workers=[addr])[addr]
                os.kill(pid, signal.SIGKILL)
                killed.update(addr=addr, at=done[0], total=total)

    try:
        before = set(backend.client.scheduler_info()["workers"])
        result = run_sweep(BASE, SETS, tmp_path / "sweep", portfolio=portfolio, replications=R, seed=SEED,
                           backend=backend, progress=progress, figures=False)
        events = [e for _, e in backend.client.get_events("all")]
        after = set(backend.client.scheduler_info()["workers"])
    finally:
        backend.close()
    assert killed and killed["at"] < killed["total"] == 90, "the worker was not killed mid-sweep"
    removed = [e for e in events if e.get("action") == "remove-worker" and e.get("worker") == killed["addr"]]
    assert removed and removed[0]["expected"] is False and removed[0]["processing-tasks"]
    assert killed["addr"] in before and killed["addr"] not in after
    assert result.tasks == 90
    assert (tmp_path / "sweep" / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()


def test_interrupted_sweep_resumes_only_missing_tasks(tmp_path, portfolio, reference, capsys):
    out = tmp_path / "sweep"
    calls: list[int] = []

    def interrupt(label: str, advance: int, total: int) -> None:
        calls.append(advance)
        if len(calls) == 1 + 37:  # the first call reports the tasks already done (none)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(BASE, SETS, out, portfolio=portfolio, replications=R, seed=SEED, progress=interrupt)
    assert not out.exists()
    state = state_directory(out)
    assert len([p for p in state.iterdir() if p.suffix == ".npz"]) == 37
    assert not [p for p in state.iterdir() if p.name.endswith(".tmp")]

    seen: list[tuple[int, int]] = []
    result = run_sweep(BASE, SETS, out, portfolio=portfolio, replications=R, seed=SEED, resume=True,
                       progress=lambda label, advance, total: seen.append((advance, total)), figures=False)
    assert result.resumed == 37
    assert seen[0] == (37, 90) and seen[1:] == [(1, 90)] * 53
    assert (out / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()
    assert not state.exists()


def test_resume_through_the_cli_after_an_interruption(tmp_path, portfolio, reference, capsys, monkeypatch):
    out = tmp_path / "sweep"
    from simulation import backends
    real = backends.run_replication
    count = [0]

    def flaky(task):  # the 12th task is interrupted (as by Ctrl-C)
        count[0] += 1
        if count[0] == 12:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr("acordo.whatif.run_replication", flaky)
    assert main(sweep_argv(out, portfolio)) == 130
    err = capsys.readouterr().err
    assert "11 finished tasks are kept" in err and "--resume" in err
    monkeypatch.setattr("acordo.whatif.run_replication", real)
    assert main(sweep_argv(out, portfolio, "--resume")) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resumed_tasks"] == 11
    assert (out / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()


def test_resume_of_a_different_sweep_is_refused(tmp_path, portfolio, capsys):
    out = tmp_path / "sweep"
    stop = [0]

    def interrupt(label, advance, total):
        stop[0] += 1
        if stop[0] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(BASE, ["agents.count=4,12"], out, portfolio=portfolio, replications=2, seed=1, progress=interrupt)
    code = main(["sweep", str(BASE), "--set", "agents.count=4,13", "--out", str(out), "--portfolio", str(portfolio),
                 "--replications", "2", "--seed", "1", "--resume", "--quiet"])
    assert code == 2
    assert "the saved state is of a different sweep" in capsys.readouterr().err
    assert not out.exists()


def test_one_key_sweep_with_optimize(tmp_path, portfolio):
    out = tmp_path / "sweep"
    result = run_sweep(BASE, ["offers.max_discount=0.1,0.5", "optimizer.sample_per_segment=50"], out,
                       portfolio=portfolio, replications=2, seed=3, optimize=True)
    table = pl.read_parquet(out / "sweep.parquet")
    assert result.tasks == 2 * (1 + 2)
    assert table.get_column("optimizer_status").to_list() == ["OPTIMAL", "OPTIMAL"]
    for name in ("optimized_net_npv", "optimized_vs_baseline"):
        for suffix in ("mean", "ci95_low", "ci95_high"):
            assert table.get_column(f"{name}_{suffix}").null_count() == 0
    # the baseline ignores the discount cap: same draws, same baseline numbers in both cells
    assert table.get_column("net_npv_mean").n_unique() == 1
    # the constant key is not an axis: line charts over the varying one
    names = {p.name for p in (out / "figures").iterdir()}
    assert "line_net_npv.png" in names and "line_optimized_net_npv.png" in names


def test_compare_of_a_scenario_with_itself_is_exactly_zero(tmp_path, portfolio, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    result = run_compare([BASE, BASE, ROOT / "scenarios" / "crediario.toml"], tmp_path / "cmp", portfolio=portfolio,
                         replications=4, seed=SEED)
    table = pl.read_parquet(tmp_path / "cmp" / "compare.parquet")
    assert table.columns == ["scenario", "metric", "mean", "ci95_low", "ci95_high", "diff_vs_first", "diff_ci95_low",
                             "diff_ci95_high"]
    assert table.get_column("scenario").unique(maintain_order=True).to_list() == ["base", "base (2)", "crediario"]
    same = table.filter(pl.col("scenario") != "crediario")
    for col in ("diff_vs_first", "diff_ci95_low", "diff_ci95_high"):
        assert same.get_column(col).to_list() == [0.0] * same.height
    assert same.filter(pl.col("scenario") == "base").get_column("mean").to_list() == \
        same.filter(pl.col("scenario") == "base (2)").get_column("mean").to_list()
    other = table.filter((pl.col("scenario") == "crediario") & (pl.col("metric") == "give_away")).row(0, named=True)
    assert other["diff_ci95_low"] <= other["diff_vs_first"] <= other["diff_ci95_high"]
    assert other["diff_vs_first"] != 0.0
    assert result.table.equals(table)
    curves = pl.read_parquet(tmp_path / "cmp" / "compare_daily.parquet")
    assert curves.height == 3 * 180
    assert {p.name for p in (tmp_path / "cmp" / "figures").iterdir()} == {"collection_curves.png", "differences.png"}
    pdf = (tmp_path / "cmp" / "compare.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # deterministic bytes, whatever the backend
    assert main(["compare", str(BASE), str(BASE), "crediario", "--out", str(tmp_path / "again"), "--portfolio",
                 str(portfolio), "--replications", "4", "--seed", str(SEED), "--workers", "2", "--quiet"]) == 0
    for name in ("compare.parquet", "compare_daily.parquet", "compare.pdf", "figures/collection_curves.png",
                 "figures/differences.png"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "cmp" / name).read_bytes(), name


@pytest.mark.parametrize("setting, message", [
    ("agents.cunt=10,20", "--set: agents.cunt: unknown key; did you mean 'count'?"),
    ("agents.count=-1,10", "--set: agents.count: out of range (got -1, expected 0 <= x <= 100000)"),
    ("agents.count", "--set: agents.count: not KEY=V1,V2 (got no '='"),
])
def test_bad_set_exits_2_and_writes_nothing(tmp_path, portfolio, capsys, setting, message):
    out = tmp_path / "sweep"
    code = main(["sweep", str(BASE), "--set", setting, "--set", "behaviour.fatigue=0.8,0.9", "--out", str(out),
                 "--portfolio", str(portfolio), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[0].startswith(message) and len(lines) == 1, err
    assert list(tmp_path.iterdir()) == []


def test_every_bad_cell_is_reported_once(tmp_path, capsys):
    code = main(["sweep", str(BASE), "--set", "agents.count=-1,10,200000", "--set", "behaviour.fatigue=0.8,1.5",
                 "--out", str(tmp_path / "sweep"), "--quiet"])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "--set: agents.count: out of range (got -1, expected 0 <= x <= 100000)",
        "--set: behaviour.fatigue: out of range (got 1.5, expected 0 <= x <= 1)",
        "--set: agents.count: out of range (got 200000, expected 0 <= x <= 100000)",
    ]
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_refused_before_any_work(tmp_path, portfolio, capsys):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "x").write_text("x")
    assert main(["sweep", str(BASE), "--set", "agents.count=4", "--out", str(out), "--quiet"]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert not state_directory(out).exists()


def test_a_cell_whose_segments_miss_debtors_is_refused_up_front(tmp_path, portfolio, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", str(BASE), "--set", "segments.low_early.rule.score=[600, inf],[700, inf]", "--out", str(out),
                 "--portfolio", str(portfolio), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("--set: segments: debtors in no segment (got ")
    assert "in the cell segments.low_early.rule.score=[700, inf]" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_compare_pdf_in_portuguese(tmp_path, portfolio):
    """``--lang pt-BR``: translated labels and amounts as ``R$ 1.234,56`` (pdftotext reads the PDF)."""
    import re
    import shutil
    import subprocess
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    out = tmp_path / "cmp"
    assert main(["compare", str(BASE), "crediario", "--out", str(out), "--portfolio", str(portfolio),
                 "--replications", "3", "--seed", str(SEED), "--lang", "pt-BR", "--quiet"]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out / "compare.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    for label in ("Comparação de cenários", "Cenários", "semente 5", "Indicadores principais",
                  "Recuperação líquida (VPL)", "Descontos concedidos", "Valor arrecadado acumulado", "página 2 de 2"):
        assert label in text, label
    assert "Net recovery" not in text and "Headline metrics" not in text
    # whole reais with '.' thousands (R$ 1.513.378) and cents with a decimal comma somewhere (R$ 12,30 or R$ 1,5 mi)
    assert re.search(r"R\$ \d{1,3}(\.\d{3})+(?![\d,])", text)
    assert re.search(r"R\$ \d+,\d", text)
    assert not re.search(r"R\$ \d{1,3}(,\d{3})+\b", text)  # no English thousands separators
