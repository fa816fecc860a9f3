"""Sensitivity: net recovery when each main behavioural parameter moves by ±20%, and what one
more agent is worth, on a stratified sample of the book sized by the precision asked.

Every variant is simulated with the same seed (common random numbers), so the bars of the
tornado show the parameter's effect and not simulation noise. When the book is larger
than the precision needs (``monte_carlo.sensitivity_precision``), the variants are
simulated on a sample drawn by segment, each sampled debtor standing for ``N_s / n_s``
debtors of its segment, in the totals and in the agent pool
(:mod:`simulation.sampling`, ``docs/sensitivity.md``). A small pilot sample sizes it.
Variants × replications run on one :class:`simulation.pool.WorkerPool`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import polars as pl

from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, SimModel
from simulation.pool import WorkerPool, resolve_workers
from simulation.results import mean_ci
from simulation.sampling import Z95, StratifiedSample, draw_sample, neyman_sizes, stratified_total

__all__ = ["SENSITIVITY_PARAMETERS", "perturb", "sensitivity", "agent_value", "sensitivity_sample", "PILOT_PER_SEGMENT",
           "MIN_SAMPLED_CALLS"]

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
#: Debtors per segment of the pilot that sizes the sample.
PILOT_PER_SEGMENT = 150
#: The extra agents of a sampled agent value give at least this many sampled calls a day.
MIN_SAMPLED_CALLS = 10


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


def _with_agents(model: SimModel, extra: int) -> SimModel:
    sc = model.scenario
    return dataclasses.replace(model, scenario=dataclasses.replace(
        sc, agents=dataclasses.replace(sc.agents, count=sc.agents.count + extra)))


# --------------------------------------------------------------------------- variants on the pool

Variant = tuple[str, float]
"""("reference", 1), (parameter, factor) or ("agents", extra)."""


@dataclass(frozen=True, eq=False)
class _Job:
    """Shipped once to each worker: the (sampled) model, the plan and the seeds."""

    model: SimModel
    plan: OfferPlan
    seed: int | np.random.SeedSequence
    replications: int
    variants: tuple[Variant, ...]
    #: None: per-debtor net NPV; else the name of the total to return (whole-book runs).
    total: str | None = None

    def variant_model(self, v: int) -> SimModel:
        name, value = self.variants[v]
        if name == "reference":
            return self.model
        if name == "agents":
            return _with_agents(self.model, int(value))
        return perturb(self.model, name, value)


_STREAMS: dict[int, list] = {}


def _net_per_debtor(job: _Job, task: tuple[int, int]) -> np.ndarray:
    """Net NPV of every (sampled) debtor in replication ``r`` of variant ``v``."""
    v, r = task
    key = id(job)
    if key not in _STREAMS:
        _STREAMS.clear()
        _STREAMS[key] = replication_streams(job.seed, job.replications)
    res = simulate_replication(job.variant_model(v), job.plan, _STREAMS[key][r])
    if job.total is not None:
        return np.array([res.totals[job.total]])
    return res.debtors["collected_npv"] - res.debtors["cost"]


def _simulate(job: _Job, workers: int | None, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """(variants, replications, debtors) net NPV; progress(1) after each variant's last replication."""
    R = job.replications
    tasks = [(v, r) for v in range(len(job.variants)) for r in range(R)]
    left = [R] * len(job.variants)

    def done(i: int, _res) -> None:
        v = tasks[i][0]
        left[v] -= 1
        if left[v] == 0 and progress:
            progress(1)

    try:
        with WorkerPool(resolve_workers(workers, len(tasks)), shared=job) as pool:
            out = pool.map(_net_per_debtor, tasks, on_done=done)
    finally:
        _STREAMS.clear()
    return np.stack(out).reshape(len(job.variants), R, -1)


def _tornado_variants(parameters, delta: float) -> tuple[Variant, ...]:
    return (("reference", 1.0),) + tuple((p, 1 + c) for p in parameters for c in (-delta, delta))


def _derived_seed(seed: int | np.random.SeedSequence, tag: int) -> np.random.SeedSequence:
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (tag,), pool_size=root.pool_size)


def sensitivity_sample(model: SimModel, plan: OfferPlan, *, seed, replications: int, precision: float,
                       parameters=tuple(SENSITIVITY_PARAMETERS), delta: float = 0.2,
                       workers: int | None = 1) -> StratifiedSample:
    """The stratified sample whose tornado bars have 95% half-widths near ``precision × |net NPV|``.

    A pilot of :data:`PILOT_PER_SEGMENT` debtors per segment runs every variant; the largest
    per-segment spread of the paired effects sizes a Neyman allocation
    (:func:`simulation.sampling.neyman_sizes`). The whole book is returned when
    ``precision`` is 0 or when the sample would hold more than half of it.
    """
    seg = model.seg
    book = np.bincount(seg, minlength=model.n_segments)
    whole = draw_sample(seg, book, _derived_seed(seed, 0x5A))
    if precision <= 0:
        return whole
    pilot = draw_sample(seg, np.minimum(book, PILOT_PER_SEGMENT), _derived_seed(seed, 0x5A))
    if pilot.whole or pilot.n * 2 > model.n:
        return whole
    R = 2 if replications >= 2 else 1
    values = _simulate(_Job(pilot.model(model), plan, seed, R, _tornado_variants(parameters, delta)), workers)
    ref, _ = stratified_total(pilot, values[0])
    spread = np.zeros(model.n_segments)
    for v in range(1, values.shape[0]):
        d = (values[v] - values[0]).mean(axis=0)
        for s in range(model.n_segments):
            part = d[pilot.stratum == s]
            if part.size > 1:
                spread[s] = max(spread[s], float(part.std(ddof=1)))
    target = precision * max(abs(ref), 1.0) / Z95
    sizes = neyman_sizes(book, spread, target)
    if int(sizes.sum()) * 2 > model.n:
        return whole
    return draw_sample(seg, sizes, _derived_seed(seed, 0x5A))


def _sample_for(model, plan, seed, replications, precision, sample, parameters, delta, workers) -> StratifiedSample:
    if sample is not None:
        return sample
    if precision is None:
        precision = model.scenario.monte_carlo.sensitivity_precision
    return sensitivity_sample(model, plan, seed=seed, replications=replications, precision=precision,
                              parameters=parameters, delta=delta, workers=workers)


def _reference_values(reference: np.ndarray | None, replications: int) -> np.ndarray | None:
    if reference is None:
        return None
    if len(reference) < replications:
        raise ValueError(f"reference: {len(reference)} replications given (expected at least {replications})")
    return np.asarray(reference[:replications], dtype=np.float64)


# --------------------------------------------------------------------------- the tornado


def sensitivity(model: SimModel, plan: OfferPlan, *, seed, replications: int, delta: float = 0.2,
                parameters=tuple(SENSITIVITY_PARAMETERS), metric: str = "net_npv", workers: int | None = 1,
                reference: np.ndarray | None = None, precision: float | None = None,
                sample: StratifiedSample | None = None,
                progress: Callable[[int], None] | None = None) -> pl.DataFrame:
    """Per parameter and direction: the metric's mean and 95% CI, and the change from the reference.

    Returns columns parameter, change (-delta or +delta), mean, ci95_low, ci95_high,
    reference (the unperturbed mean), effect (mean - reference, paired), its CI, and
    ``sampled`` / ``debtors`` (debtors simulated / in the book).

    Parameters
    ----------
    reference : ndarray, optional
        The unperturbed metric per replication when already simulated on the whole book
        with the same seed (replication ``r`` of a longer run is replication ``r`` here).
    precision : float, optional
        Half-width asked of each bar's 95% CI, as a share of the net NPV (default
        ``monte_carlo.sensitivity_precision``; 0 simulates the whole book).
    sample : StratifiedSample, optional
        The sample to use (default: :func:`sensitivity_sample`).

    The whole book is simulated, with Student-t intervals over replications paired with
    the reference, when the sample would be most of it or ``metric`` is not ``net_npv``;
    else the stratified estimator of ``docs/sensitivity.md`` (normal intervals).
    """
    if not 0 < delta < 1:
        raise ValueError(f"delta: out of range (got {delta}, expected 0 < delta < 1)")
    ref_given = _reference_values(reference, replications)
    if metric != "net_npv":
        sample = draw_sample(model.seg, np.bincount(model.seg, minlength=model.n_segments), 0)
    sample = _sample_for(model, plan, seed, replications, precision, sample, parameters, delta, workers)
    variants = _tornado_variants(parameters, delta)
    if sample.whole:
        if ref_given is not None:  # the reference is known: do not simulate it again
            if progress:
                progress(1)
            values = _simulate(_Job(model, plan, seed, replications, variants[1:], metric), workers, progress)[:, :, 0]
            values = np.concatenate([ref_given[None, :], values])
        else:
            values = _simulate(_Job(model, plan, seed, replications, variants, metric), workers, progress)[:, :, 0]
        rows = []
        for v, (p, factor) in enumerate(variants[1:], start=1):
            mean, lo, hi = mean_ci(values[v])
            eff, elo, ehi = mean_ci(values[v] - values[0])
            rows.append((p, factor - 1, mean, lo, hi, float(values[0].mean()), eff, elo, ehi, model.n, model.n))
    else:
        values = _simulate(_Job(sample.model(model), plan, seed, replications, variants), workers, progress)
        if ref_given is not None:
            ref_mean = float(ref_given.mean())
            ref_se = float(ref_given.std(ddof=1) / math.sqrt(ref_given.size)) if ref_given.size > 1 else 0.0
        else:
            ref_mean, ref_se = stratified_total(sample, values[0])
        rows = []
        for v, (p, factor) in enumerate(variants[1:], start=1):
            eff, se = stratified_total(sample, values[v] - values[0])
            mean = ref_mean + eff
            half = Z95 * math.sqrt(se * se + ref_se * ref_se)
            rows.append((p, factor - 1, mean, mean - half, mean + half, ref_mean, eff, eff - Z95 * se, eff + Z95 * se,
                         sample.n, model.n))
    return pl.DataFrame(rows, schema={"parameter": pl.String, "change": pl.Float64, "mean": pl.Float64,
                                      "ci95_low": pl.Float64, "ci95_high": pl.Float64, "reference": pl.Float64,
                                      "effect": pl.Float64, "effect_ci95_low": pl.Float64,
                                      "effect_ci95_high": pl.Float64, "sampled": pl.Int64, "debtors": pl.Int64},
                        orient="row")


def agent_value(model: SimModel, plan: OfferPlan, *, seed, replications: int, extra: int = 1,
                workers: int | None = 1, metric: str = "net_npv", reference: np.ndarray | None = None,
                sample: StratifiedSample | None = None, precision: float | None = None) -> dict:
    """What ``extra`` more agents are worth, by simulation (paired: same draws with and without).

    The LP's dual of ``agent_minutes`` is zero when the pool is not short over the horizon
    as a whole, even if calls queue on busy days; this measures the effect of the queue.
    On a sample whose debtors weigh ``w`` in the pool one agent's day may be less than one
    sampled call: the sample is then given ``k >= extra`` more agents, enough for
    :data:`MIN_SAMPLED_CALLS` sampled calls a day, and the value is ``extra / k`` of
    theirs (linear in the agents; ``simulated_extra`` says ``k``).

    Returns ``{"agents", "extra", "simulated_extra", "replications", "metric", "mean", "ci95",
    "sampled", "debtors"}``.
    """
    if extra < 1:
        raise ValueError(f"extra: out of range (got {extra}, expected >= 1)")
    sc = model.scenario
    if metric != "net_npv":
        sample = draw_sample(model.seg, np.bincount(model.seg, minlength=model.n_segments), 0)
    sample = _sample_for(model, plan, seed, replications, precision, sample, tuple(SENSITIVITY_PARAMETERS), 0.2,
                         workers)
    out = {"agents": sc.agents.count, "extra": extra, "replications": replications, "metric": metric,
           "sampled": sample.n, "debtors": model.n}
    if sample.whole:
        ref = _reference_values(reference, replications)
        variants: tuple[Variant, ...] = (("agents", float(extra)),) if ref is not None else (
            ("reference", 1.0), ("agents", float(extra)))
        values = _simulate(_Job(model, plan, seed, replications, variants, metric), workers)[:, :, 0]
        if ref is None:
            ref = values[0]
        mean, lo, hi = mean_ci(values[-1] - ref)
        return {**out, "simulated_extra": extra, "mean": mean, "ci95": [lo, hi]}
    call = sc.channels.call
    per_agent = float(np.max(model.calendar.agent_minutes, initial=0.0))
    w_max = float(np.max(sample.weights, initial=1.0))
    k = extra
    if per_agent > 0:
        k = max(extra, math.ceil(MIN_SAMPLED_CALLS * w_max * call.minutes_conversation / per_agent))
    values = _simulate(_Job(sample.model(model), plan, seed, replications, (("reference", 1.0), ("agents", k))),
                       workers)
    eff, se = stratified_total(sample, values[1] - values[0])
    scale = extra / k
    return {**out, "simulated_extra": k, "mean": eff * scale,
            "ci95": [(eff - Z95 * se) * scale, (eff + Z95 * se) * scale]}
