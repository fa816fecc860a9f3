"""Monte Carlo: R replications with independent streams, in one process or many.

Replication ``r`` always uses the streams spawned for ``r`` from ``SeedSequence(seed)``,
whichever process runs it, so results are identical with 1 worker or N.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

import numpy as np

from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, SimModel
from simulation.replication import ReplicationResult
from simulation.results import SimulationResult

__all__ = ["run_monte_carlo"]

_WORKER: dict[str, object] = {}


def _init_worker(model: SimModel, plan: OfferPlan, seed, replications: int, unlimited: bool,
                 recorder=None, ship_recorder: bool = False) -> None:
    _WORKER.update(model=model, plan=plan, streams=replication_streams(seed, replications), unlimited=unlimited,
                   recorder=recorder, ship_recorder=ship_recorder)


def _run_one(r: int) -> ReplicationResult:
    recorder = _WORKER.get("recorder") if r == 0 else None  # the history is replication 0's
    res = simulate_replication(_WORKER["model"], _WORKER["plan"], _WORKER["streams"][r],
                               unlimited_agents=_WORKER["unlimited"], recorder=recorder)
    if recorder is not None and _WORKER.get("ship_recorder"):
        return res, recorder  # type: ignore[return-value]  # from a worker process: send it back
    if r > 0:  # only the first replication's per-debtor arrays are kept; do not ship the rest
        res = ReplicationResult(res.totals, {}, res.daily, res.agent)
    return res


def run_monte_carlo(model: SimModel, plan: OfferPlan, *, seed: int | np.random.SeedSequence, replications: int,
                    workers: int = 1,
                    policy_name: str = "policy", unlimited_agents: bool = False,
                    progress: Callable[[int], None] | None = None, recorder=None) -> SimulationResult:
    """Simulate ``replications`` replications of ``plan`` and collect them.

    Parameters
    ----------
    model : SimModel
    plan : OfferPlan
    seed : int or SeedSequence
        Root seed; replication ``r`` uses ``SeedSequence(seed).spawn(replications)[r]``.
    replications : int
        At least 1.
    workers : int
        Processes (1 = in this process). Results do not depend on it.
    policy_name : str
        A label for the results.
    unlimited_agents : bool
        Infinite call capacity.
    progress : callable, optional
        Called with 1 after each finished replication.
    recorder : simulation.history.HistoryRecorder, optional
        Records replication 0's events (filled in place, whichever process ran it).
    """
    if replications < 1:
        raise ValueError(f"replications: must be >= 1 (got {replications})")
    if workers < 1:
        raise ValueError(f"workers: must be >= 1 (got {workers})")
    workers = min(workers, replications, os.cpu_count() or 1) if workers > 1 else 1
    reps: list[ReplicationResult] = []
    if workers == 1:
        _init_worker(model, plan, seed, replications, unlimited_agents, recorder)
        try:
            for r in range(replications):
                reps.append(_run_one(r))
                if progress:
                    progress(1)
        finally:
            _WORKER.clear()
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker,
                                 initargs=(model, plan, seed, replications, unlimited_agents, recorder,
                                           True)) as pool:
            for res in pool.map(_run_one, range(replications)):
                if isinstance(res, tuple):
                    res, shipped = res
                    recorder.__dict__.update(shipped.__dict__)
                reps.append(res)
                if progress:
                    progress(1)
    label = seed if isinstance(seed, int) else int(seed.entropy)
    return SimulationResult.from_replications(model.scenario, policy_name, label, reps, model.seg)

