"""Execution backends: one interface to run independent tasks here, in processes, or on Dask.

A :class:`Backend` maps a function over tasks and returns the results in task order,
calling ``on_done(index, result)`` in the calling process as each task finishes (in any
order). Three implementations:

- :class:`InProcess`: one task after the other, in this process;
- :class:`LocalProcesses`: a :class:`simulation.pool.WorkerPool` of ``workers`` processes
  (the project's one pool: ``spawn``, workers die with their parent, ignore Ctrl-C);
- :class:`DaskBackend`: a ``distributed.Client`` on an existing scheduler
  (``tcp://HOST:8786``) or on a :class:`distributed.LocalCluster` it starts (``"local"``).
  Tasks are submitted with ``pure=False`` (two identical calls are two tasks) and
  ``retries=2``; a task whose worker dies is rescheduled by the scheduler on another worker.

Tasks are pure functions of their arguments. A :class:`ReplicationTask` carries the
scenario path, the cell's settings (as TOML text), the portfolio override, the root seed
and its replication index; :func:`run_replication` rebuilds the streams of replication
``r`` from ``SeedSequence(seed)`` exactly as :func:`simulation.draws.replication_streams`
spawns them, so the result is the same whichever process, machine or retry runs it. A
worker builds each cell's model once (:func:`prepare_cell` is cached per process) and
returns only small results: the totals and, per day and segment, collected cash and its NPV.
"""
from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import numpy as np

from scenarios.errors import InputError, Problem
from scenarios.grid import parse_value
from scenarios.inputs import RunInputs, load_inputs
from scenarios.loader import load_scenario
from scenarios.schema import Scenario
from simulation.draws import Streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, SimModel, build_model
from simulation.pool import WorkerPool
from simulation.replication import DAILY_METRICS, TOTALS

__all__ = ["Backend", "InProcess", "LocalProcesses", "DaskBackend", "make_backend", "CellSpec", "PreparedCell",
           "ReplicationTask", "ReplicationSummary", "prepare_cell", "replication_stream", "run_replication",
           "OnDone", "INPUT_KEYS", "touches_inputs"]

T = TypeVar("T")
R = TypeVar("R")
OnDone = Callable[[int, Any], None]
"""Called in the calling process with (task index, result) as each task finishes."""


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class CellSpec:
    """What a worker needs to build one scenario cell: files and settings, no arrays.

    Attributes
    ----------
    scenario : str
        The scenario file (an absolute path, so that any worker finds it).
    settings : tuple of (dotted key, TOML text)
        The cell's ``--set`` values (:class:`scenarios.grid.Cell` items).
    portfolio : str or None
        The ``--portfolio`` override (absolute path), or None for the scenario's own.
    """

    scenario: str
    settings: tuple[tuple[str, str], ...] = ()
    portfolio: str | None = None

    @classmethod
    def of(cls, scenario: str | Path, settings: Sequence[tuple[str, str]] = (),
           portfolio: str | Path | None = None) -> "CellSpec":
        """A spec with absolute paths."""
        return cls(str(Path(scenario).absolute()), tuple((str(k), str(t)) for k, t in settings),
                   str(Path(portfolio).absolute()) if portfolio else None)

    def settings_dict(self) -> dict[str, Any]:
        """The settings as values, for :func:`scenarios.loader.load_scenario`."""
        return {k: parse_value(t) for k, t in self.settings}


@dataclass(frozen=True, eq=False)
class PreparedCell:
    """A cell's validated scenario, inputs, model and baseline offer plan."""

    scenario: Scenario
    inputs: RunInputs
    model: SimModel
    plan: OfferPlan


#: Settings that can change the portfolio or its segmentation (the rest leave a cell's inputs alone).
INPUT_KEYS: tuple[str, ...] = ("segments", "portfolio", "calendar.default_state")


def touches_inputs(key: str) -> bool:
    """Whether the dotted ``key`` can change the portfolio or its segmentation."""
    return any(key == p or key.startswith(p + ".") for p in INPUT_KEYS)


_INPUTS: dict[tuple, RunInputs] = {}


def _cell_inputs(spec: CellSpec, scenario: Scenario) -> RunInputs:
    """The portfolio and segments of a cell, read once for the cells that differ only in
    keys outside :data:`INPUT_KEYS` (they depend on the scenario file, the portfolio and
    the input keys alone)."""
    key = (spec.scenario, spec.portfolio, tuple((k, t) for k, t in spec.settings if touches_inputs(k)))
    if key not in _INPUTS:
        if len(_INPUTS) >= 4:
            _INPUTS.pop(next(iter(_INPUTS)))
        _INPUTS[key] = load_inputs(scenario, spec.portfolio)
    return _INPUTS[key]


@functools.lru_cache(maxsize=8)
def prepare_cell(spec: CellSpec) -> PreparedCell:
    """Load, validate and build a cell (cached per process, keyed by the spec).

    A worker keeps the portfolio it read between cells whose settings differ only in keys
    that leave the inputs alone (not :data:`INPUT_KEYS`).

    Raises
    ------
    InputError
        Every problem of the scenario with these settings, or of the portfolio.
    """
    scenario = load_scenario(spec.scenario, settings=spec.settings_dict())
    inputs = _cell_inputs(spec, scenario)
    model = build_model(scenario, inputs.portfolio.frame, inputs.segment_index)
    return PreparedCell(scenario, inputs, model, OfferPlan.from_policy(scenario.baseline, scenario))


def replication_stream(seed: int, replication: int) -> Streams:
    """The streams of replication ``r`` of root ``seed``.

    Equal to ``replication_streams(seed, R)[r]`` for every ``R > r``: the child of a fresh
    ``SeedSequence(seed)`` spawned ``r``-th has ``spawn_key=(r,)``, built here directly.
    """
    if replication < 0:
        raise ValueError(f"replication: must be >= 0 (got {replication})")
    root = np.random.SeedSequence(seed)
    child = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (replication,), pool_size=root.pool_size)
    return Streams.from_seed_sequence(child)


@dataclass(frozen=True)
class ReplicationTask:
    """One replication of one cell's baseline policy.

    Attributes
    ----------
    cell : CellSpec
    seed : int
        The root seed shared by every replication (and by every cell: common random numbers).
    replication : int
        The index of the replication, hence of its spawned streams.
    """

    cell: CellSpec
    seed: int
    replication: int


_COLLECTED = DAILY_METRICS.index("collected")
_NPV = DAILY_METRICS.index("npv")


@dataclass(frozen=True, eq=False)
class ReplicationSummary:
    """The small result of a :class:`ReplicationTask`.

    Attributes
    ----------
    totals : dict
        :data:`simulation.replication.TOTALS` of the replication.
    collected, npv : ndarray (H, S)
        Per day and segment: cash collected and its present value.
    """

    totals: dict[str, float]
    collected: np.ndarray
    npv: np.ndarray

    def totals_array(self) -> np.ndarray:
        """The totals as an array in :data:`TOTALS` order."""
        return np.array([self.totals[k] for k in TOTALS], dtype=np.float64)


def run_replication(task: ReplicationTask) -> ReplicationSummary:
    """Run one :class:`ReplicationTask` (in whichever process or worker is given it)."""
    cell = prepare_cell(task.cell)
    res = simulate_replication(cell.model, cell.plan, replication_stream(task.seed, task.replication))
    return ReplicationSummary(dict(res.totals), np.ascontiguousarray(res.daily[:, :, _COLLECTED]),
                              np.ascontiguousarray(res.daily[:, :, _NPV]))


# --------------------------------------------------------------------------- backends


class Backend(ABC):
    """Runs independent tasks; use as a context manager (``close`` frees the workers)."""

    #: A short name for manifests: ``in-process``, ``processes`` or ``dask``.
    kind: str = ""

    @abstractmethod
    def map(self, fn: Callable[[T], R], tasks: Sequence[T], on_done: OnDone | None = None) -> list[R]:
        """Apply ``fn`` to every task; the results in task order.

        Parameters
        ----------
        fn : callable
            A module-level function (it is pickled by reference for other processes).
        tasks : sequence
            Picklable arguments, one call each.
        on_done : callable, optional
            Called here with ``(index, result)`` as each task finishes. If it raises
            (e.g. ``KeyboardInterrupt``), the remaining tasks are cancelled and the
            exception propagates.
        """

    def describe(self) -> dict[str, Any]:
        """What ran the tasks, for ``manifest.json``."""
        return {"backend": self.kind}

    def close(self) -> None:
        """Release workers (idempotent)."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcess(Backend):
    """Runs every task in this process, in order."""

    kind = "in-process"

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], on_done: OnDone | None = None) -> list[R]:
        out = []
        for i, task in enumerate(tasks):
            res = fn(task)
            out.append(res)
            if on_done is not None:
                on_done(i, res)
        return out

    def describe(self) -> dict[str, Any]:
        return {"backend": self.kind, "workers": 1}


def _plain(_shared: Any, item: tuple[Callable[[Any], Any], Any]) -> Any:
    fn, task = item
    return fn(task)


class LocalProcesses(Backend):
    """A :class:`simulation.pool.WorkerPool` of ``workers`` local processes (``spawn``).

    The pool is started on the first :meth:`map` and kept until :meth:`close`, so each
    process keeps its cache of prepared cells between calls. Workers die with their
    parent and ignore Ctrl-C; an interrupted :meth:`map` terminates them.
    """

    kind = "processes"

    def __init__(self, workers: int):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: must be a whole number >= 1 (got {workers!r})")
        self.workers = workers
        self._pool: WorkerPool | None = None

    def _executor(self) -> WorkerPool:
        if self._pool is None:
            self._pool = WorkerPool(self.workers)
        return self._pool

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], on_done: OnDone | None = None) -> list[R]:
        tasks = list(tasks)
        if not tasks:
            return []
        pool = self._executor()
        try:
            return pool.map(_plain, [(fn, t) for t in tasks], on_done=on_done)
        except BaseException:
            self._pool = None  # terminated by the pool
            raise

    def describe(self) -> dict[str, Any]:
        return {"backend": self.kind, "workers": self.workers}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class DaskBackend(Backend):
    """Tasks on a Dask cluster (``dask[distributed]``, the ``dask`` extra).

    Parameters
    ----------
    address : str
        ``"local"`` starts a :class:`distributed.LocalCluster` of ``n_workers`` processes
        with one thread each; otherwise the address of a running scheduler
        (``tcp://HOST:8786``), whose workers must have acordo installed and see the
        scenario and portfolio files at the same paths.
    n_workers : int
        Workers of a local cluster (default 2).
    retries : int
        Times a task that raised is resubmitted (default 2). A task whose worker died is
        rescheduled by the scheduler whatever this is (up to ``distributed.scheduler.
        allowed-failures`` deaths).
    timeout : float
        Seconds to wait for a remote scheduler.

    Raises
    ------
    InputError
        When ``distributed`` is not installed or the scheduler cannot be reached.
    """

    kind = "dask"

    def __init__(self, address: str = "local", *, n_workers: int = 2, retries: int = 2, timeout: float = 10.0):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError([Problem("--cluster", "", "needs dask[distributed]", None,
                                      "pip install 'acordo[dask]'")]) from None
        if n_workers < 1:
            raise ValueError(f"n_workers: must be >= 1 (got {n_workers})")
        self.address = address
        self.retries = retries
        self.cluster = None
        if address == "local":
            import logging
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError([Problem("--cluster", "", "cannot reach the Dask scheduler", repr(address),
                                          f"a running scheduler ({exc.__class__.__name__})")]) from None

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], on_done: OnDone | None = None) -> list[R]:
        from distributed import as_completed
        tasks = list(tasks)
        if not tasks:
            return []
        futures = self.client.map(fn, tasks, pure=False, retries=self.retries)
        index = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(tasks)
        try:
            for fut in as_completed(futures):
                i = index[fut.key]
                res = fut.result()
                fut.release()
                out[i] = res
                if on_done is not None:
                    on_done(i, res)
        except BaseException:
            self.client.cancel(futures)
            raise
        return out

    def describe(self) -> dict[str, Any]:
        workers = len(self.client.scheduler_info().get("workers", {})) if self.client.status == "running" else None
        return {"backend": self.kind, "cluster": self.address, "workers": workers}

    def close(self) -> None:
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            cluster.close()


def make_backend(workers: int = 1, cluster: str | None = None) -> Backend:
    """The backend of ``--workers N`` and ``--cluster local|tcp://HOST:8786``.

    No cluster: :class:`InProcess` for one worker, else :class:`LocalProcesses`. With
    ``cluster="local"``: a :class:`DaskBackend` on a local cluster of ``workers`` workers
    (2 when ``workers`` is 1). Otherwise a :class:`DaskBackend` on that scheduler.

    Raises
    ------
    InputError
        A cluster that is neither ``local`` nor a scheduler address.
    """
    if cluster is None:
        return InProcess() if workers <= 1 else LocalProcesses(workers)
    if cluster == "local":
        return DaskBackend("local", n_workers=workers if workers > 1 else 2)
    if "://" not in cluster or cluster.endswith("://"):
        raise InputError([Problem("--cluster", "", "not a scheduler address", repr(cluster),
                                  "local, or tcp://HOST:8786")])
    return DaskBackend(cluster)
