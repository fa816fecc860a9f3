"""What-if variants of a model simulated on one process pool: the machinery of the sensitivity.

A variant is the model with one behaviour parameter moved (:func:`perturb`), with more
agents, or as it is (the reference). A :class:`VariantJob` holds the (sampled) model, the
policies to simulate and the seed; a task is ``(policy, variant, replication)`` and its
result the net NPV of every simulated debtor (or one total). Replication ``r`` uses the
streams of replication ``r`` of the seed whatever the variant and the policy (common random
numbers), so the paired differences show the variant's effect, not simulation noise.

Every stage of the sensitivity (the pilot that sizes the sample, the tornado of both
policies, the value of one more agent) runs on one :class:`simulation.pool.WorkerPool`,
given to :func:`simulate_variants`; without one, a pool is started for the call.
"""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, SimModel
from simulation.pool import WorkerPool, resolve_workers

__all__ = ["SENSITIVITY_PARAMETERS", "Variant", "VariantJob", "perturb", "with_agents", "tornado_variants",
           "simulate_variants", "pool_for"]

#: Parameters moved by the tornado, with how a relative change is applied.
SENSITIVITY_PARAMETERS: dict[str, str] = {
    "self_cure_h0": "scale",
    "reach": "scale",
    "engage": "scale",
    "accept_beta": "scale",
    "keep_first": "scale",
    "keep": "scale",
    "lump_capacity": "log",      # lump-sum capacity times (1 ± delta)
    "monthly_capacity": "log",   # monthly capacity times (1 ± delta)
    "agency_hazard": "scale",
}

Variant = tuple[str, float]
"""("reference", 1), (parameter, factor) or ("agents", extra)."""


def perturb(model: SimModel, parameter: str, factor: float) -> SimModel:
    """The model with ``parameter`` of every segment multiplied by ``factor`` (probabilities clipped to 1)."""
    params = dict(model.params)
    reach, engage = model.reach, model.engage
    if parameter == "reach":
        reach = np.clip(model.reach * factor, 0, 1)
    elif parameter == "engage":
        engage = np.clip(model.engage * factor, 0, 1)
    elif parameter == "lump_capacity":
        params["lump_mu"] = params["lump_mu"] + np.log(factor)
    elif parameter == "monthly_capacity":
        params["monthly_mu"] = params["monthly_mu"] + np.log(factor)
    elif parameter in params:
        value = params[parameter] * factor
        if parameter in ("keep_first", "keep", "self_cure_h0", "agency_hazard"):
            value = np.clip(value, 0, 1)
        params[parameter] = value
    else:
        raise ValueError(f"parameter: unknown (got {parameter!r}, expected one of {', '.join(SENSITIVITY_PARAMETERS)})")
    return dataclasses.replace(model, params=params, reach=reach, engage=engage)


def with_agents(model: SimModel, extra: int) -> SimModel:
    """The model with ``extra`` more agents."""
    sc = model.scenario
    return dataclasses.replace(model, scenario=dataclasses.replace(
        sc, agents=dataclasses.replace(sc.agents, count=sc.agents.count + extra)))


def tornado_variants(parameters, delta: float) -> tuple[Variant, ...]:
    """The reference, then each parameter at ``1 - delta`` and ``1 + delta``."""
    return (("reference", 1.0),) + tuple((p, 1 + c) for p in parameters for c in (-delta, delta))


@dataclass(frozen=True, eq=False)
class VariantJob:
    """Shipped once to each worker: the (sampled) model, the policies, the variants and the seed."""

    model: SimModel
    plans: tuple[OfferPlan, ...]
    seed: int | np.random.SeedSequence
    replications: int
    variants: tuple[Variant, ...]
    #: None: per-debtor net NPV; else the name of the total to return (whole-book runs).
    total: str | None = None

    def variant_model(self, v: int) -> SimModel:
        """The model of variant ``v``."""
        name, value = self.variants[v]
        if name == "reference":
            return self.model
        if name == "agents":
            return with_agents(self.model, int(value))
        return perturb(self.model, name, value)

    def stream_key(self) -> tuple:
        """What the replications' streams depend on (a cache key that outlives the object)."""
        s = self.seed
        if isinstance(s, np.random.SeedSequence):
            return (str(s.entropy), tuple(s.spawn_key), s.pool_size, self.replications)
        return (int(s), (), None, self.replications)


_STREAMS: dict[tuple, list] = {}


def _net_per_debtor(job: VariantJob, task: tuple[int, int, int]) -> np.ndarray:
    """Net NPV of every (sampled) debtor in replication ``r`` of variant ``v`` under policy ``p``."""
    p, v, r = task
    key = job.stream_key()
    if key not in _STREAMS:
        _STREAMS.clear()
        _STREAMS[key] = replication_streams(job.seed, job.replications)
    res = simulate_replication(job.variant_model(v), job.plans[p], _STREAMS[key][r])
    if job.total is not None:
        return np.array([res.totals[job.total]])
    return res.debtors["collected_npv"] - res.debtors["cost"]


@contextmanager
def pool_for(pool: WorkerPool | None, workers: int | None, tasks: int) -> Iterator[WorkerPool]:
    """``pool``, or a pool of ``workers`` (at most ``tasks``) started and stopped here."""
    if pool is not None:
        yield pool
        return
    with WorkerPool(resolve_workers(workers, tasks)) as own:
        yield own


def simulate_variants(job: VariantJob, tasks: list[tuple[int, int, int]], *, pool: WorkerPool | None = None,
                      workers: int | None = 1, progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
    """The result of each ``(policy, variant, replication)`` task, in task order.

    ``progress(1)`` is called when the last replication of a (policy, variant) is done.
    """
    left: dict[tuple[int, int], int] = {}
    for p, v, _ in tasks:
        left[p, v] = left.get((p, v), 0) + 1

    def done(i: int, _res) -> None:
        p, v, _ = tasks[i]
        left[p, v] -= 1
        if left[p, v] == 0 and progress:
            progress(1)

    try:
        with pool_for(pool, workers, len(tasks)) as run:
            return run.map(_net_per_debtor, tasks, on_done=done, shared=job)
    finally:
        _STREAMS.clear()
