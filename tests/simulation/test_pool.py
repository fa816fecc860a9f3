"""The process pool: same results as in process, workers that die with their parent, quiet Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from simulation.pool import WorkerPool, default_workers, resolve_workers

ROOT = Path(__file__).resolve().parents[2]


def _square(shared, x):
    return shared * x * x


def _pid(shared, x):
    return os.getpid()


def test_results_in_task_order_and_the_same_as_in_process():
    with WorkerPool(2, shared=3) as pool:
        seen = []
        got = pool.map(_square, range(7), on_done=lambda i, r: seen.append(i))
    assert got == [3 * x * x for x in range(7)]
    assert sorted(seen) == list(range(7))
    assert WorkerPool(1, shared=3).map(_square, range(7)) == got


def test_each_map_may_bring_its_own_shared_state_to_the_same_workers():
    with WorkerPool(2, shared=3) as pool:
        first = pool.map(_square, range(5), shared=10)
        again = pool.map(_square, range(5))  # the pool's own shared state is still there
        xs = set(pool.map(_pid, range(4), shared="x"))
        before = set(pool._executor()._processes)  # the workers (started on demand, up to 2)
        ys = set(pool.map(_pid, range(4), shared="y"))
        after = set(pool._executor()._processes)
        # a new shared state reaches the same workers: none was replaced to carry it (which of
        # them runs which task is the executor's choice, so the two maps may see different ones)
        assert xs <= before <= after and ys <= after and len(after) <= 2
        folder = pool._dir
    assert first == [10 * x * x for x in range(5)] and again == [3 * x * x for x in range(5)]
    assert WorkerPool(1, shared=3).map(_square, range(5), shared=10) == first
    assert folder is None or not os.path.exists(folder)  # the pool's temporary files are gone with it


def test_a_job_pool_lends_its_workers_to_every_pool_of_the_job():
    from simulation.pool import job_pool
    if default_workers() == 1:
        pytest.skip("one core")
    with job_pool(2) as job:
        with WorkerPool(2, shared=3) as first:
            got = first.map(_square, range(6))
            pids = set(first.map(_pid, range(6)))
        with WorkerPool(2) as second:  # a later stage: no worker started, the same processes
            again = set(second.map(_pid, range(6)))
        assert again <= pids | set(job.map(_pid, range(2))) and os.getpid() not in again
        assert len(pids | again) <= 2
        with job_pool(2) as inner:  # a job inside the job (the optimizer's in acordo run): the same workers
            assert inner is job
            nested = set(WorkerPool(2).map(_pid, range(6)))
        assert nested <= pids | again | set(job.map(_pid, range(2)))
    assert got == [3 * x * x for x in range(6)]
    assert job._pool is None  # the workers stop with the job


def test_one_worker_runs_here_and_many_run_elsewhere():
    assert set(WorkerPool(1).map(_pid, range(3))) == {os.getpid()}
    if default_workers() > 1:
        with WorkerPool(2) as pool:
            assert os.getpid() not in set(pool.map(_pid, range(4)))


def test_workers_default_to_the_cores_and_never_exceed_the_tasks():
    assert resolve_workers(None) == default_workers()
    assert resolve_workers(None, tasks=1) == 1
    assert resolve_workers(64) == default_workers()
    with pytest.raises(ValueError, match="workers"):
        resolve_workers(0)


def test_monte_carlo_is_identical_with_one_worker_or_two(small_model_and_plan):
    from simulation.montecarlo import run_monte_carlo
    model, plan = small_model_and_plan
    one = run_monte_carlo(model, plan, seed=5, replications=3, workers=1)
    two = run_monte_carlo(model, plan, seed=5, replications=3, workers=2)
    assert np.array_equal(one.values("net_npv"), two.values("net_npv"))
    assert np.array_equal(one.values("collected"), two.values("collected"))


@pytest.fixture(scope="module")
def small_model_and_plan():
    from scenarios.loader import load_scenario
    from scenarios.portfolio import validate_frame
    from scenarios.segmentation import assign_segments
    from scenarios.synthetic import generate_portfolio
    from simulation.model import OfferPlan, build_model
    sc = load_scenario(ROOT / "scenarios" / "base.toml", settings={"agents.count": 2})
    frame = validate_frame(generate_portfolio(600, np.random.default_rng(3)), "t", "SP").frame
    return build_model(sc, frame, assign_segments(sc, frame)), OfferPlan.from_policy(sc.baseline, sc)


# --------------------------------------------------------------------------- parent death and Ctrl-C

_SLEEPER = textwrap.dedent("""
    import sys, time
    from simulation.pool import WorkerPool

    def nap(shared, x):
        time.sleep(60)
        return x

    if __name__ == "__main__":
        try:
            with WorkerPool(2) as pool:
                pool.map(nap, range(4), on_done=None)
        except KeyboardInterrupt:
            sys.exit(130)
""")


def _descendants_when_busy(proc: subprocess.Popen, n: int, timeout: float = 60,
                           settle: float = 1.0) -> list[psutil.Process]:
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = [k for k in parent.children(recursive=True) if "python" in " ".join(k.cmdline()).lower()]
        workers = [k for k in kids if "spawn_main" in " ".join(k.cmdline())]
        if len(workers) >= n:
            time.sleep(settle)  # let them import and pick up a task (0: while they import)
            return parent.children(recursive=True)
        time.sleep(0.1)
    raise AssertionError("the workers did not start")


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _gone_within(procs: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _alive(procs):
        time.sleep(0.1)
    return _alive(procs)


@pytest.fixture()
def sleeper(tmp_path) -> Path:
    path = tmp_path / "sleeper.py"
    path.write_text(_SLEEPER)
    return path


def _start(path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_a_sigkilled_parent_leaves_no_worker(sleeper):
    proc = _start(sleeper)
    try:
        kids = _descendants_when_busy(proc, 2)
        assert len(kids) >= 2
        proc.kill()
        proc.wait(10)
        left = _gone_within(kids, 5.0)
        assert not left, f"orphans: {[p.pid for p in left]}"
    finally:
        for p in _alive(psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []):
            p.kill()
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("sig, settle", [(signal.SIGINT, 1.0), (signal.SIGINT, 0.0), (signal.SIGTERM, 1.0)])
def test_ctrl_c_or_sigterm_to_the_group_prints_no_worker_traceback(sleeper, sig, settle):
    proc = _start(sleeper)
    try:
        kids = _descendants_when_busy(proc, 2, settle=settle)
        os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C does: the whole process group
        _, err = proc.communicate(timeout=20)
        assert "Traceback" not in err, err
        assert proc.returncode in (130, -signal.SIGTERM)
        assert not _gone_within(kids, 5.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_sigkilled_acordo_simulate_with_two_workers_leaves_no_orphan(tmp_path):
    env = {**os.environ, "ACORDO_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "acordo.cli", "simulate", str(ROOT / "scenarios" / "base.toml"),
                             "--out", str(tmp_path / "run"), "--workers", "2", "--replications", "200", "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        kids = _descendants_when_busy(proc, 2)
        proc.kill()
        proc.wait(10)
        assert not _gone_within(kids, 5.0)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_cli_uses_every_core_unless_told(monkeypatch):
    from acordo.cli import build_parser
    argv = ["simulate", "x.toml", "--out", "o"]
    monkeypatch.delenv("ACORDO_WORKERS", raising=False)
    assert build_parser().parse_args(argv).workers == default_workers()
    monkeypatch.setenv("ACORDO_WORKERS", "1")
    assert build_parser().parse_args(argv).workers == 1
    assert build_parser().parse_args(argv + ["--workers", "2"]).workers == 2


def test_parallel_map_is_the_one_call_form():
    from simulation.pool import parallel_map
    assert parallel_map(_square, range(5), workers=2, shared=2) == [2 * x * x for x in range(5)]
    assert parallel_map(_square, [], workers=2, shared=2) == []
