"""Execution backends: same results in task order everywhere, seeds that travel with the task."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import scenarios
from scenarios.errors import InputError
from scenarios.synthetic import generate_portfolio, write_portfolio
from simulation.backends import (CellSpec, DaskBackend, InProcess, LocalProcesses, ReplicationTask, make_backend,
                                 prepare_cell, replication_stream, run_replication)
from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.replication import TOTALS

BASE = Path(scenarios.__file__).parent / "base.toml"


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("backends") / "p.parquet"
    write_portfolio(generate_portfolio(400, np.random.default_rng(2)), path)
    return path


@pytest.fixture(scope="module")
def tasks(portfolio) -> list[ReplicationTask]:
    cells = [CellSpec.of(BASE, (("agents.count", "3"),), portfolio), CellSpec.of(BASE, (("agents.count", "20"),), portfolio)]
    return [ReplicationTask(c, 11, r) for c in cells for r in range(4)]


@pytest.fixture(scope="module")
def expected(tasks):
    return InProcess().map(run_replication, tasks)


def same(a, b) -> bool:
    return (np.array_equal(a.totals_array(), b.totals_array()) and np.array_equal(a.collected, b.collected)
            and np.array_equal(a.npv, b.npv))


@pytest.mark.parametrize("seed", [0, 20261124, 2**63 - 1])
def test_replication_stream_is_the_spawned_child(seed):
    for r, streams in enumerate(replication_streams(seed, 6)):
        assert replication_stream(seed, r).keys == streams.keys
    assert replication_stream(seed, 3).keys == replication_streams(seed, 50)[3].keys


def test_a_task_equals_the_monte_carlo_replication(tasks):
    task = tasks[5]
    cell = prepare_cell(task.cell)
    direct = simulate_replication(cell.model, cell.plan, replication_streams(task.seed, 8)[task.replication])
    res = run_replication(task)
    assert res.totals == {k: direct.totals[k] for k in TOTALS}
    assert np.array_equal(res.collected, direct.daily[:, :, 0])


def test_tasks_are_small_and_carry_no_arrays(tasks, expected):
    assert len(pickle.dumps(tasks[0])) < 1000
    res = expected[0]
    H, S = res.collected.shape
    assert (H, S) == (180, 12)
    assert len(pickle.dumps(res)) < 2 * H * S * 8 + 4000  # no per-debtor arrays


@pytest.mark.parametrize("workers", [1, 2])
def test_local_processes_give_the_same_results_in_task_order(tasks, expected, workers):
    done = []
    with LocalProcesses(workers) as backend:
        got = backend.map(run_replication, tasks, on_done=lambda i, res: done.append(i))
    assert sorted(done) == list(range(len(tasks)))
    assert all(same(a, b) for a, b in zip(got, expected))


#: Seconds the Dask test waits for its local cluster: a cluster whose workers died (seen once, on a
#: loaded machine) would otherwise hold the whole suite forever.
DASK_PATIENCE = 600


def test_dask_local_cluster_gives_the_same_results(tasks, expected):
    import threading
    out: dict = {}
    with DaskBackend("local") as backend:
        assert backend.describe() == {"backend": "dask", "cluster": "local", "workers": 2}

        def work() -> None:
            try:
                out["got"] = backend.map(run_replication, tasks)
                out["twice"] = backend.map(run_replication, [tasks[0], tasks[0]])  # pure=False: two tasks
            except BaseException as exc:  # noqa: BLE001 - re-raised below, in the test's thread
                out["error"] = exc
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(DASK_PATIENCE)
        if thread.is_alive():
            pytest.fail(f"the Dask local cluster gave no result in {DASK_PATIENCE} s (its workers died?)")
    if "error" in out:
        raise out["error"]
    got, twice = out["got"], out["twice"]
    assert all(same(a, b) for a, b in zip(got, expected))
    assert same(twice[0], twice[1]) and same(twice[0], expected[0])


@pytest.mark.parametrize("make", [InProcess, lambda: LocalProcesses(2)], ids=["in-process", "processes"])
def test_a_failing_task_or_callback_propagates(make):
    # builtins as tasks: importable by any process whatever the test import mode
    with make() as backend:
        assert backend.map(int, ["0", "1", "2"]) == [0, 1, 2]
        with pytest.raises(ValueError, match="invalid literal"):
            backend.map(int, ["0", "1", "2", "three", "4", "5"])
        seen = []

        def stop(i, res):
            seen.append(i)
            if len(seen) == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            backend.map(int, [str(i) for i in range(10)], on_done=stop)
        assert len(seen) == 2
        assert backend.map(abs, [-5]) == [5]  # still usable


def test_make_backend():
    assert isinstance(make_backend(1), InProcess)
    backend = make_backend(3)
    assert isinstance(backend, LocalProcesses) and backend.workers == 3
    backend.close()
    for bad in ("lokal", "8786", "tcp://"):
        with pytest.raises(InputError, match="--cluster: not a scheduler address"):
            make_backend(1, bad)
    with pytest.raises(ValueError, match="workers"):
        LocalProcesses(0)


def test_prepare_cell_is_cached_and_validates(portfolio):
    spec = CellSpec.of(BASE, (("agents.count", "7"),), portfolio)
    assert prepare_cell(spec) is prepare_cell(CellSpec.of(BASE, (("agents.count", "7"),), portfolio))
    assert prepare_cell(spec).scenario.agents.count == 7
    with pytest.raises(InputError, match="--set: agents.count: out of range"):
        prepare_cell(CellSpec.of(BASE, (("agents.count", "-2"),), portfolio))
