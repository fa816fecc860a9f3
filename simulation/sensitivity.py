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

import math
from typing import Callable

import numpy as np
import polars as pl

from simulation.model import OfferPlan, SimModel
from simulation.pool import WorkerPool
from simulation.results import mean_ci
from simulation.sampling import Z95, StratifiedSample, draw_sample, neyman_sizes, stratified_total
from simulation.variants import (SENSITIVITY_PARAMETERS, Variant, VariantJob, perturb, pool_for, simulate_variants,
                                 tornado_variants)

__all__ = ["SENSITIVITY_PARAMETERS", "perturb", "sensitivity", "agent_value", "sensitivity_sample", "sensitivity_design",
           "PILOT_PER_SEGMENT",
           "MIN_SAMPLED_CALLS"]

#: Debtors per segment of the pilot that sizes the sample.
PILOT_PER_SEGMENT = 150
#: The extra agents of a sampled agent value give at least this many sampled calls a day.
MIN_SAMPLED_CALLS = 10


def _run(job: VariantJob, pool: WorkerPool | None, workers: int | None, plans: tuple[int, ...] = (0,),
         variants: tuple[int, ...] | None = None, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """(plans, variants, replications, debtors) of every (plan, variant, replication) asked."""
    vs = tuple(range(len(job.variants))) if variants is None else variants
    R = job.replications
    tasks = [(p, v, r) for p in plans for v in vs for r in range(R)]
    out = simulate_variants(job, tasks, pool=pool, workers=workers, progress=progress)
    return np.stack(out).reshape(len(plans), len(vs), R, -1)


def _derived_seed(seed: int | np.random.SeedSequence, tag: int) -> np.random.SeedSequence:
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (tag,), pool_size=root.pool_size)


def sensitivity_sample(model: SimModel, plan: OfferPlan, *, seed, replications: int, precision: float,
                       parameters=tuple(SENSITIVITY_PARAMETERS), delta: float = 0.2,
                       workers: int | None = 1, pool: WorkerPool | None = None) -> StratifiedSample:
    """The stratified sample whose tornado bars, over ``replications`` replications, have 95%
    half-widths near ``precision × |net NPV|``.

    A pilot of :data:`PILOT_PER_SEGMENT` debtors per segment runs every variant; per segment,
    the largest spread of the paired effects it predicts for ``replications`` replications
    sizes a Neyman allocation (:func:`simulation.sampling.neyman_sizes`). The whole book is
    returned when ``precision`` is 0 or when the sample would hold more than half of it.
    ``pool``: the job's pool (else one of ``workers`` is started for the pilot).
    """
    return sensitivity_design(model, plan, seed=seed, replications=(replications,), precision=precision,
                              parameters=parameters, delta=delta, workers=workers, pool=pool)[0]


def sensitivity_design(model: SimModel, plan: OfferPlan, *, seed, replications: tuple[int, ...], precision: float,
                       parameters=tuple(SENSITIVITY_PARAMETERS), delta: float = 0.2,
                       workers: int | None = 1, pool: WorkerPool | None = None) -> tuple[StratifiedSample, int]:
    """The sample and the number of replications that reach ``precision`` at the least cost.

    The pilot (two replications) gives, per segment and variant, the spread ``S_s(2)`` of
    the debtors' paired effects averaged over two replications and their Monte Carlo
    variance ``sigma_s^2`` across replications; with ``R`` replications the spread is
    ``S_s(R)^2 = S_s(2)^2 - sigma_s^2 / 2 + sigma_s^2 / R`` (between-debtor part plus the
    noise left after averaging ``R`` runs). Each ``R`` of ``replications`` gets its Neyman
    sample ``n(R)``, whose finite-population correction removes the between-debtor part only
    (the Monte Carlo noise stays, even on the whole book). The cost of a design is ``R``
    simulations of ``n(R)`` debtors (plus a fixed cost per simulation), and ``R · n(R)``
    grows with ``R`` (``n(R)`` falls at most as ``1/R``), so the fewest replications whose
    sample holds at most half of the book are the cheapest. When none does (or ``precision`` is 0), the whole book with the most
    replications. Returns ``(sample, R)``.
    """
    seg = model.seg
    book = np.bincount(seg, minlength=model.n_segments)
    whole = draw_sample(seg, book, _derived_seed(seed, 0x5A))
    most = max(replications)
    if precision <= 0:
        return whole, most
    pilot = draw_sample(seg, np.minimum(book, PILOT_PER_SEGMENT), _derived_seed(seed, 0x5A))
    if pilot.whole or pilot.n * 2 > model.n:
        return whole, most
    P = 2 if most >= 2 else 1
    values = _run(VariantJob(pilot.model(model), (plan,), seed, P, tornado_variants(parameters, delta)), pool,
                  workers)[0]
    ref, _ = stratified_total(pilot, values[0])
    S = model.n_segments
    between = np.zeros((values.shape[0] - 1, S))  # per variant and segment: spread^2 of the P-run means
    noise = np.zeros((values.shape[0] - 1, S))  # and the Monte Carlo variance of one run
    for v in range(1, values.shape[0]):
        d = values[v] - values[0]
        dbar = d.mean(axis=0)
        mc = d.var(axis=0, ddof=1) if P > 1 else np.zeros(d.shape[1])
        for s in range(S):
            inside = pilot.stratum == s
            if inside.sum() > 1:
                between[v - 1, s] = float(dbar[inside].var(ddof=1))
                noise[v - 1, s] = float(mc[inside].mean())
    target = precision * max(abs(ref), 1.0) / Z95
    expected = np.maximum(between - noise / P, 0.0)  # the spread of the debtors' expected effects
    for R in sorted(set(replications)):
        r = max(R, 1)
        spread2 = (expected + noise / r).max(axis=0) if P > 1 else between.max(axis=0)
        # the finite-population correction removes the first part only: the Monte Carlo noise stays
        fpc = np.maximum(spread2 - noise.max(axis=0) / r, 0.0) if P > 1 else None
        sizes = neyman_sizes(book, np.sqrt(spread2), target, between=fpc)
        if int(sizes.sum()) * 2 <= model.n:
            return draw_sample(seg, sizes, _derived_seed(seed, 0x5A)), R
    return whole, most


def _sample_for(model, plan, seed, replications, precision, sample, parameters, delta, workers,
                pool) -> StratifiedSample:
    if sample is not None:
        return sample
    if precision is None:
        precision = model.scenario.monte_carlo.sensitivity_precision
    return sensitivity_sample(model, plan, seed=seed, replications=replications, precision=precision,
                              parameters=parameters, delta=delta, workers=workers, pool=pool)


def _reference_values(reference: np.ndarray | None, replications: int) -> np.ndarray | None:
    if reference is None:
        return None
    if len(reference) < replications:
        raise ValueError(f"reference: {len(reference)} replications given (expected at least {replications})")
    return np.asarray(reference[:replications], dtype=np.float64)


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    """Mean over replications and its standard error (0 with one replication), the latter
    scaled by ``t_{R-1} / z`` so that ``Z95 × se`` is the Student-t half-width of ``R`` runs."""
    mean, lo, hi = mean_ci(x)
    return mean, (0.0 if x.size < 2 else (hi - lo) / 2 / Z95)


# --------------------------------------------------------------------------- the tornado

_SCHEMA = {"parameter": pl.String, "change": pl.Float64, "mean": pl.Float64, "ci95_low": pl.Float64,
           "ci95_high": pl.Float64, "reference": pl.Float64, "effect": pl.Float64, "effect_ci95_low": pl.Float64,
           "effect_ci95_high": pl.Float64, "sampled": pl.Int64, "debtors": pl.Int64}
_COMPARED = {"baseline_mean": pl.Float64, "baseline_reference": pl.Float64, "gain": pl.Float64,
             "gain_ci95_low": pl.Float64, "gain_ci95_high": pl.Float64}


def sensitivity(model: SimModel, plan: OfferPlan, *, seed, replications: int, delta: float = 0.2,
                parameters=tuple(SENSITIVITY_PARAMETERS), metric: str = "net_npv", workers: int | None = 1,
                reference: np.ndarray | None = None, precision: float | None = None,
                sample: StratifiedSample | None = None, compare: OfferPlan | None = None,
                compare_reference: np.ndarray | None = None, pool: WorkerPool | None = None,
                progress: Callable[[int], None] | None = None) -> pl.DataFrame:
    """Per parameter and direction: the metric's mean and 95% CI, and the change from the reference.

    Returns columns parameter, change (-delta or +delta), mean, ci95_low, ci95_high,
    reference (the unperturbed mean), effect (mean - reference, paired), its CI, and
    ``sampled`` / ``debtors`` (debtors simulated / in the book). With ``compare``, also
    baseline_mean, baseline_reference (the same for the ``compare`` policy) and ``gain``
    (mean - baseline_mean) with its 95% CI: does ``plan`` still beat ``compare`` at each
    end of each bar.

    Parameters
    ----------
    reference : ndarray, optional
        The unperturbed metric per replication when already simulated on the whole book
        with the same seed (replication ``r`` of a longer run is replication ``r`` here).
        On the whole book its first ``replications`` pair with the variants; on a sample the
        bars' level (``reference``, ``mean``) is the mean of all of it, with its Student-t error.
    precision : float, optional
        Half-width asked of each bar's 95% CI, as a share of the net NPV (default
        ``monte_carlo.sensitivity_precision``; 0 simulates the whole book).
    sample : StratifiedSample, optional
        The sample to use (default: :func:`sensitivity_sample`).
    compare : OfferPlan, optional
        A second policy simulated in the same design: every variant, the same sample and
        the same draws (common random numbers), so its gain is paired debtor by debtor.
    compare_reference : ndarray, optional
        As ``reference``, for ``compare``.
    pool : WorkerPool, optional
        The job's pool (else one of ``workers`` processes is started for the call).

    The whole book is simulated, with Student-t intervals over replications paired with
    the reference, when the sample would be most of it or ``metric`` is not ``net_npv``;
    else the stratified estimator of ``docs/sensitivity.md`` (normal intervals).
    """
    if not 0 < delta < 1:
        raise ValueError(f"delta: out of range (got {delta}, expected 0 < delta < 1)")
    plans = (plan,) if compare is None else (plan, compare)
    given = [_reference_values(reference, replications)]
    if compare is not None:
        given.append(_reference_values(compare_reference, replications))
    # the levels of a sampled tornado: every replication of the full re-simulations (not only the first R)
    levels = [None if g is None else np.asarray(full, dtype=np.float64)
              for g, full in zip(given, (reference, compare_reference))]
    if metric != "net_npv":
        sample = draw_sample(model.seg, np.bincount(model.seg, minlength=model.n_segments), 0)
    variants = tornado_variants(parameters, delta)
    V = len(variants)
    with pool_for(pool, workers, len(plans) * V * replications) as run:  # one pool: pilot and variants
        sample = _sample_for(model, plan, seed, replications, precision, sample, parameters, delta, workers, run)
        if sample.whole:
            job = VariantJob(model, plans, seed, replications, variants, metric)
            values = np.empty((len(plans), V, replications))
            for p, ref in enumerate(given):
                if ref is not None:  # the reference is known: do not simulate it again
                    values[p, 0] = ref
                    if progress:
                        progress(1)
            missing = [p for p, ref in enumerate(given) if ref is None]
            known = [p for p, ref in enumerate(given) if ref is not None]
            for ps, vs in ((tuple(missing), None), (tuple(known), tuple(range(1, V)))):
                if ps:
                    got = _run(job, run, workers, ps, vs, progress)[..., 0]
                    values[list(ps), (slice(None) if vs is None else slice(1, None))] = got
            rows = [_whole_row(values, v, p, factor - 1, model.n)
                    for v, (p, factor) in enumerate(variants[1:], start=1)]
        else:
            job = VariantJob(sample.model(model), plans, seed, replications, variants)
            values = _run(job, run, workers, tuple(range(len(plans))), None, progress)
            refs = [_mean_se(g) if g is not None else stratified_total(sample, values[p, 0])
                    for p, g in enumerate(levels)]
            gap = None
            if compare is not None:  # the gain of the references, paired by replication when both are known
                gap = (_mean_se(levels[0] - levels[1]) if levels[0] is not None and levels[1] is not None
                       and levels[0].size == levels[1].size
                       else stratified_total(sample, values[0, 0] - values[1, 0]))
            rows = [_sampled_row(sample, values, v, refs, gap, p, factor - 1, model.n)
                    for v, (p, factor) in enumerate(variants[1:], start=1)]
    schema = _SCHEMA | (_COMPARED if compare is not None else {})
    return pl.DataFrame(rows, schema=schema, orient="row")


def _whole_row(values: np.ndarray, v: int, parameter: str, change: float, n: int) -> tuple:
    """A bar simulated on the whole book: Student-t intervals over replications (paired)."""
    mean, lo, hi = mean_ci(values[0, v])
    eff, elo, ehi = mean_ci(values[0, v] - values[0, 0])
    row = (parameter, change, mean, lo, hi, float(values[0, 0].mean()), eff, elo, ehi, n, n)
    if values.shape[0] > 1:
        gain, glo, ghi = mean_ci(values[0, v] - values[1, v])
        row += (float(values[1, v].mean()), float(values[1, 0].mean()), gain, glo, ghi)
    return row


def _sampled_row(sample: StratifiedSample, values: np.ndarray, v: int, refs, gap, parameter: str, change: float,
                 n: int) -> tuple:
    """A bar estimated on the sample: the reference level plus the stratified paired effect."""
    (ref_mean, ref_se) = refs[0]
    eff, se = stratified_total(sample, values[0, v] - values[0, 0])
    mean = ref_mean + eff
    half = Z95 * math.sqrt(se * se + ref_se * ref_se)
    row = (parameter, change, mean, mean - half, mean + half, ref_mean, eff, eff - Z95 * se, eff + Z95 * se,
           sample.n, n)
    if values.shape[0] > 1:
        base_eff, _ = stratified_total(sample, values[1, v] - values[1, 0])
        # gain = (reference gap) + (effect on plan - effect on compare), paired debtor by debtor
        dd, dd_se = stratified_total(sample, (values[0, v] - values[0, 0]) - (values[1, v] - values[1, 0]))
        gain = gap[0] + dd
        ghalf = Z95 * math.sqrt(dd_se * dd_se + gap[1] * gap[1])
        row += (refs[1][0] + base_eff, refs[1][0], gain, gain - ghalf, gain + ghalf)
    return row


def agent_value(model: SimModel, plan: OfferPlan, *, seed, replications: int, extra: int = 1,
                workers: int | None = 1, metric: str = "net_npv", reference: np.ndarray | None = None,
                sample: StratifiedSample | None = None, precision: float | None = None,
                pool: WorkerPool | None = None) -> dict:
    """What ``extra`` more agents are worth, by simulation (paired: same draws with and without).

    The LP's dual of ``agent_minutes`` is zero when the pool is not short over the horizon
    as a whole, even if calls queue on busy days; this measures the effect of the queue.
    On a sample whose debtors weigh ``w`` in the pool one agent's day may be less than one
    sampled call: the sample is then given ``k >= extra`` more agents, enough for
    :data:`MIN_SAMPLED_CALLS` sampled calls a day, and the value is ``extra / k`` of
    theirs (linear in the agents; ``simulated_extra`` says ``k``). ``pool``: the job's pool.

    Returns ``{"agents", "extra", "simulated_extra", "replications", "metric", "mean", "ci95",
    "sampled", "debtors"}``.
    """
    if extra < 1:
        raise ValueError(f"extra: out of range (got {extra}, expected >= 1)")
    sc = model.scenario
    if metric != "net_npv":
        sample = draw_sample(model.seg, np.bincount(model.seg, minlength=model.n_segments), 0)
    with pool_for(pool, workers, 2 * replications) as run:
        return _agent_value(model, plan, seed, replications, extra, workers, metric, reference, sample, precision,
                            run)


def _agent_value(model, plan, seed, replications, extra, workers, metric, reference, sample, precision,
                 pool: WorkerPool) -> dict:
    sc = model.scenario
    sample = _sample_for(model, plan, seed, replications, precision, sample, tuple(SENSITIVITY_PARAMETERS), 0.2,
                         workers, pool)
    out = {"agents": sc.agents.count, "extra": extra, "replications": replications, "metric": metric,
           "sampled": sample.n, "debtors": model.n}
    if sample.whole:
        ref = _reference_values(reference, replications)
        variants: tuple[Variant, ...] = (("agents", float(extra)),) if ref is not None else (
            ("reference", 1.0), ("agents", float(extra)))
        values = _run(VariantJob(model, (plan,), seed, replications, variants, metric), pool, workers)[0, :, :, 0]
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
    values = _run(VariantJob(sample.model(model), (plan,), seed, replications, (("reference", 1.0), ("agents", k))),
                  pool, workers)[0]
    eff, se = stratified_total(sample, values[1] - values[0])
    scale = extra / k
    return {**out, "simulated_extra": k, "mean": eff * scale,
            "ci95": [(eff - Z95 * se) * scale, (eff + Z95 * se) * scale]}
