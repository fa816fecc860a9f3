"""Monte Carlo: R replications with independent streams, in one process or many.

Replication ``r`` always uses the streams spawned for ``r`` from ``SeedSequence(seed)``,
whichever process runs it, so results are identical with 1 worker or N. The processes
are a :class:`simulation.pool.WorkerPool` (workers die with their parent, Ctrl-C is
handled here); pass ``pool`` to reuse one across calls.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, SimModel
from simulation.pool import WorkerPool, resolve_workers
from simulation.replication import ReplicationResult, segment_sums
from simulation.results import SimulationResult

__all__ = ["run_monte_carlo", "MonteCarloJob", "run_job_replication"]


@dataclass(frozen=True, eq=False)
class MonteCarloJob:
    """What every worker of a Monte Carlo needs, shipped once: model, plan and streams."""

    model: SimModel
    plan: OfferPlan
    seed: int | np.random.SeedSequence
    replications: int
    unlimited: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "_streams", None)

    def streams(self, r: int):
        """The streams of replication ``r`` (spawned once per process)."""
        if self._streams is None:
            object.__setattr__(self, "_streams", replication_streams(self.seed, self.replications))
        return self._streams[r]

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_streams"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__["_streams"] = None


def run_job_replication(job: MonteCarloJob, r: int) -> ReplicationResult:
    """Replication ``r`` of ``job``; only replication 0 keeps its per-debtor arrays."""
    res = simulate_replication(job.model, job.plan, job.streams(r), unlimited_agents=job.unlimited)
    if r > 0:  # do not ship the per-debtor arrays of the others, only their sums per segment
        res = ReplicationResult(res.totals, {}, res.daily, res.agent,
                                by_segment=segment_sums(res.debtors, job.model.seg, res.daily.shape[1]))
    return res


def run_monte_carlo(model: SimModel, plan: OfferPlan, *, seed: int | np.random.SeedSequence, replications: int,
                    workers: int | None = 1,
                    policy_name: str = "policy", unlimited_agents: bool = False,
                    progress: Callable[[int], None] | None = None, recorder=None,
                    pool: WorkerPool | None = None) -> SimulationResult:
    """Simulate ``replications`` replications of ``plan`` and collect them.

    Parameters
    ----------
    model : SimModel
    plan : OfferPlan
    seed : int or SeedSequence
        Root seed; replication ``r`` uses ``SeedSequence(seed).spawn(replications)[r]``.
    replications : int
        At least 1.
    workers : int or None
        Processes (1 = in this process, None = every core). Results do not depend on it.
    policy_name : str
        A label for the results.
    unlimited_agents : bool
        Infinite call capacity.
    progress : callable, optional
        Called with 1 after each finished replication.
    recorder : simulation.history.HistoryRecorder, optional
        Records replication 0's events: replication 0 then runs in this process with the
        recorder (recording changes no draw, so its result is the one it would have had
        on a worker), the others on the pool.
    pool : WorkerPool, optional
        The job's pool (its workers are kept; ``workers`` is then not read); else a pool of
        ``workers`` processes is started for this call.
    """
    if replications < 1:
        raise ValueError(f"replications: must be >= 1 (got {replications})")
    if workers is not None and workers < 1:
        raise ValueError(f"workers: must be >= 1 (got {workers})")
    job = MonteCarloJob(model, plan, seed, replications, unlimited_agents)
    tick = (lambda i, res: progress(1)) if progress else None
    reps: list[ReplicationResult] = []
    if recorder is not None:  # replication 0 here, with the recorder: the run already made is the one recorded
        reps.append(simulate_replication(model, plan, job.streams(0), unlimited_agents=unlimited_agents,
                                         recorder=recorder))
        if progress:
            progress(1)
    todo = range(len(reps), replications)
    if len(todo) and pool is not None:
        reps += pool.map(run_job_replication, todo, on_done=tick, shared=job)
    elif len(todo):
        with WorkerPool(resolve_workers(workers, len(todo)), shared=job) as own:
            reps += own.map(run_job_replication, todo, on_done=tick)
    label = seed if isinstance(seed, int) else int(seed.entropy)
    return SimulationResult.from_replications(model.scenario, policy_name, label, reps, model.seg)
