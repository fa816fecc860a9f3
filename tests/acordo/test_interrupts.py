"""Ctrl-C and SIGTERM during ``acordo run --workers 2`` leave nothing behind; SIGKILL leaves a partial
directory that the next run removes; a rerun works.

Ctrl-C is sent as a terminal does, to the whole process group; SIGTERM to the main process
only (as ``kill PID`` does). The moments: while loading, while worker processes run, and
while the run directory is being written (its hidden ``.NAME.*.partial`` exists).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ._cpf import cpf_portfolio

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")]

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
# the child runs in a temporary folder: make it import this tree, not whatever acordo is installed
_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("interrupts")
    cpf_portfolio(root / "p.csv", 240, seed=3)
    # two segments instead of the base scenario's twelve: every stage runs (workers, writing, report),
    # at about two thirds of the CPU of a twelve-segment run
    (root / "s.toml").write_text(
        f'extends = "{BASE}"\nreplace = ["segments", "cadences"]\n[optimizer]\nsample_per_segment = 50\n'
        '[segments.low]\nrule = { score = [0, 600] }\n[segments.high]\nrule = { score = [600, inf] }\n'
        '[cadences]\ndefault = [{ day = 1, channel = "sms" }, { day = 3, channel = "call" }, '
        '{ day = 20, channel = "whatsapp" }]\n', encoding="utf-8")
    return root / "s.toml", root / "p.csv"


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _catches_sigint(pid: int) -> bool:
    """The process has a handler for SIGINT (``SigCgt`` of ``/proc/PID/status``)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGINT - 1) & 1)
    except OSError:
        pass
    return False


def _start(inputs, out: Path, log: Path) -> subprocess.Popen:
    scenario, portfolio = inputs
    with open(log, "w") as err:
        return subprocess.Popen([sys.executable, "-m", "acordo.cli", "run", str(scenario), "--portfolio", str(portfolio),
                                 "--out", str(out), "--workers", "2", "--replications", "2", "--quiet"],
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True, cwd=out.parent,
                                env=_ENV)


def _wait_for(proc: subprocess.Popen, out: Path, moment: str, timeout: float = 240) -> set[int]:
    """Wait until ``moment`` ("loading", "workers", "writing"); returns the child processes seen."""
    t0 = time.monotonic()
    kids: set[int] = set()
    while time.monotonic() - t0 < timeout and proc.poll() is None:
        kids |= _children(proc.pid)
        # past interpreter start-up (Python's SIGINT handler installed: before it, Ctrl-C kills the
        # process by the default action, exit -2, which a loaded machine's slow start-up once showed)
        if moment == "loading" and time.monotonic() - t0 > 3.0 and _catches_sigint(proc.pid):
            return kids
        if moment == "workers" and len(kids) >= 2:
            time.sleep(0.3)
            return kids | _children(proc.pid)
        if moment == "writing" and list(out.parent.glob(f".{out.name}.*.partial")):
            return kids
        time.sleep(0.02)
    pytest.fail(f"the run ended (code {proc.poll()}) before the moment {moment!r}")


@pytest.mark.parametrize("sig,moment", [(signal.SIGINT, "loading"),
                                        (signal.SIGINT, "workers"),
                                        (signal.SIGINT, "writing"), (signal.SIGTERM, "loading"),
                                        (signal.SIGTERM, "workers"),
                                        (signal.SIGTERM, "writing")],
                         ids=lambda v: v.name if isinstance(v, signal.Signals) else v)
def test_interrupt_leaves_nothing(inputs, tmp_path, sig, moment):
    out, log = tmp_path / "run", tmp_path / "stderr.txt"
    proc = _start(inputs, out, log)
    try:
        kids = _wait_for(proc, out, moment)
        handled = _catches_sigint(proc.pid)  # said on a failure: an exit by SIGINT's default action needs it off
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground group
        else:
            proc.send_signal(sig)  # kill PID: the main process only
        code = proc.wait(120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = log.read_text()
    assert code == CODES[sig], (err, {"python_sigint_handler_when_sent": handled})
    workers = sum(1 for line in err.splitlines() if line.startswith(("Process ForkProcess", "Process SpawnProcess")))
    assert err.count("Traceback (most recent call last)") == workers, err  # none from the main process
    assert "nothing was written" in err and "internal error" not in err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["stderr.txt"]
    deadline = time.monotonic() + 10
    while any(_alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kids if _alive(k)], "worker processes outlived the run"
    assert "Traceback" not in err, err  # neither the main process nor a worker prints one


def test_sigkill_leaves_a_partial_the_next_run_removes(inputs, tmp_path):
    out, log = tmp_path / "run", tmp_path / "stderr.txt"
    proc = _start(inputs, out, log)
    kids: set[int] = set()
    try:
        kids = _wait_for(proc, out, "writing")
        proc.kill()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for k in kids | _children(proc.pid):
            if _alive(k):
                os.kill(k, signal.SIGKILL)
    stale = list(tmp_path.glob(".run.*.partial"))
    assert len(stale) == 1 and str(proc.pid) in stale[0].name
    foreign = tmp_path / ".run.notes.partial"  # not acordo's: never touched
    foreign.mkdir()
    rerun = _start(inputs, out, log)
    assert rerun.wait(600) == 0, log.read_text()
    assert (out / "report.pdf").is_file() and (out / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".run.notes.partial", "run", "stderr.txt"]


def test_workers_die_with_a_killed_parent(inputs, tmp_path):
    out, log = tmp_path / "run", tmp_path / "stderr.txt"
    proc = _start(inputs, out, log)
    kids: set[int] = set()
    try:
        kids = _wait_for(proc, out, "workers")
        proc.kill()
        proc.wait(60)
        deadline = time.monotonic() + 10
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [k for k in kids if _alive(k)]
    finally:
        for k in kids:  # never leave orphans behind
            if _alive(k):
                os.kill(k, signal.SIGKILL)
