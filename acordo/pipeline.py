"""The jobs behind the CLI commands: load, run, write a run directory."""
from __future__ import annotations

import platform
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

from acordo.rundir import run_directory, write_json
from scenarios.inputs import RunInputs, load_inputs
from scenarios.loader import load_policy, load_scenario
from scenarios.pseudonym import key_kind, pseudonymise
from scenarios.schema import Policy, Scenario
from simulation.model import OfferPlan, SimModel, build_model
from simulation.montecarlo import run_monte_carlo
from simulation.results import SimulationResult

__all__ = ["Stopwatch", "Prepared", "prepare", "policy_of", "simulate_job", "manifest", "package_versions",
           "write_segments", "write_simulation", "write_optimization", "run_simulate", "run_optimize", "run_all"]

Progress = Callable[[str, int, int], None]
"""A progress callback: (stage label, steps done now, total steps of the stage)."""


@dataclass
class Stopwatch:
    """Wall time of each stage, for ``manifest.json``."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time one stage (added to any earlier time of the same name)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)


@dataclass(frozen=True, eq=False)
class Prepared:
    """A loaded scenario with its inputs and model."""

    scenario: Scenario
    inputs: RunInputs
    model: SimModel

    def pseudonyms(self):
        """The debtors' pseudonymised ids (``debtor``), computed once for every table that needs them."""
        cached = self.__dict__.get("_pseudonyms")
        if cached is None:
            cached = pseudonymise(self.inputs.portfolio.frame.get_column("debtor_id")).rename("debtor")
            object.__setattr__(self, "_pseudonyms", cached)
        return cached


def prepare(scenario_path: str | Path, portfolio: str | Path | None = None,
            settings: dict | None = None) -> Prepared:
    """Load and validate the scenario and portfolio, segment it and build the model."""
    scenario = load_scenario(scenario_path, settings=settings, portfolio=portfolio, check_columns=True)
    inputs = load_inputs(scenario, portfolio)
    model = build_model(scenario, inputs.portfolio.frame, inputs.segment_index)
    return Prepared(scenario, inputs, model)


def package_versions() -> dict[str, str]:
    """Versions of acordo and the libraries whose behaviour shapes the numbers."""
    out = {"python": platform.python_version()}
    for pkg in ("acordo", "numpy", "scipy", "simpy", "polars", "pulp", "highspy", "matplotlib", "holidays"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def manifest(command: str, prepared: Prepared, seeds: dict[str, int], timings: dict[str, float],
             extra: dict | None = None) -> dict:
    """The contents of ``manifest.json``."""
    sc = prepared.scenario
    data = {
        "command": command,
        "argv": sys.argv[1:],
        "scenario": {"name": sc.name, "file": sc.source, "hash": sc.digest},
        "scenario_path": str(Path(sc.source).resolve()),
        "portfolio": {"source": prepared.inputs.portfolio.source, "debtors": prepared.inputs.portfolio.n,
                      "balance": prepared.inputs.portfolio.total_balance,
                      "segments": prepared.inputs.segment_counts(sc), **prepared.inputs.facts},
        "calendar": {"start_date": sc.calendar.start_date.isoformat(),
                     "start_date_set_by": _set_by("calendar.start_date", sc.origin)},
        "warnings": [str(w) for w in prepared.inputs.warnings],
        "seeds": seeds,
        "pseudonym_key": key_kind(),
        "versions": package_versions(),
        "timings_seconds": timings,
    }
    if extra:
        data.update(extra)
    return data


class _StageStart:
    """Progress of the optimizer whose coefficient stage shows (and its clock runs) from its start,
    and is marked done when the coefficients came from the cache without a step."""

    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.seen: set[str] = set()
        if progress:
            progress("coefficients", 0, 1)

    def __call__(self, label: str, advance: int, total: int) -> None:
        self.seen.add(label)
        if self.progress:
            self.progress(label, advance, total)

    def finish(self) -> None:
        if self.progress and "coefficients" not in self.seen:
            self.progress("coefficients", 1, 1)


def _set_by(key: str, origin: dict) -> str:
    from scenarios.assumptions import set_by
    return set_by(key, origin)


def policy_of(prepared: Prepared, policy_path: str | Path | None) -> tuple[Policy, str]:
    """The policy to simulate: a ``--policy`` file, else the scenario's baseline."""
    if policy_path:
        from scenarios.errors import InputError
        from scenarios.policyrules import policy_problems
        policy = load_policy(policy_path, prepared.scenario)
        problems = policy_problems(policy, prepared.scenario, str(policy_path))
        if problems:
            raise InputError(problems)
        return policy, Path(policy_path).name
    return prepared.scenario.baseline, "baseline"


def simulate_job(prepared: Prepared, policy: Policy, policy_name: str, *, seed: int, replications: int,
                 workers: int = 1, progress: Progress | None = None, recorder=None) -> SimulationResult:
    """Monte Carlo of ``policy`` on the prepared scenario (``recorder`` records replication 0)."""
    plan = OfferPlan.from_policy(policy, prepared.scenario)
    tick = (lambda k: progress(f"simulating {policy_name}", k, replications)) if progress else None
    return run_monte_carlo(prepared.model, plan, seed=seed, replications=replications, workers=workers,
                           policy_name=policy_name, progress=tick, recorder=recorder)


def write_segments(stage: Path, prepared: Prepared) -> None:
    """``segments.parquet``: per segment its debtors, balance, chronic flag, risk band and description."""
    import numpy as np
    import polars as pl
    sc = prepared.scenario
    seg = prepared.inputs.segment_index
    balance = prepared.inputs.portfolio.frame.get_column("balance").to_numpy()
    S = len(sc.segments)
    pl.DataFrame({
        "segment": list(sc.segment_names),
        "debtors": np.bincount(seg, minlength=S).astype(np.int64),
        "balance": np.bincount(seg, weights=balance, minlength=S),
        "chronic": [s.chronic for s in sc.segments],
        "risk_band": [s.risk_band for s in sc.segments],
        "description": [s.description for s in sc.segments],
    }).write_parquet(stage / "segments.parquet", statistics=False)


def write_simulation(stage: Path, prepared: Prepared, result: SimulationResult, prefix: str = "") -> None:
    """Write ``summary.json``, ``daily.parquet``, ``debtors.parquet`` (and ``agents.parquet``); ids pseudonymised once per job."""
    write_json(stage / f"{prefix}summary.json", {"policy": result.policy_name, "replications": result.replications,
                                                 "seed": result.seed, "metrics": result.summary_dict()})
    result.daily_table().write_parquet(stage / f"{prefix}daily.parquet", statistics=False)
    result.agent_table().write_parquet(stage / f"{prefix}agents.parquet", statistics=False)
    result.debtors_table(prepared.pseudonyms()).write_parquet(stage / f"{prefix}debtors.parquet", statistics=False)


def run_simulate(scenario_path: str | Path, out: str | Path, *, portfolio: str | Path | None = None,
                 policy_path: str | Path | None = None, replications: int | None = None, seed: int | None = None,
                 workers: int = 1, force: bool = False, progress: Progress | None = None,
                 history: bool = False) -> SimulationResult:
    """``acordo simulate``: everything validated first, then simulated, then written atomically.

    With ``history``, replication 0 runs with a recorder (in this process) and its events are
    written to ``history/`` in the format of ``docs/history.md``; ids are pseudonymised once,
    for ``debtors.parquet`` and the history alike.
    """
    from acordo.rundir import check_target
    check_target(out, force)
    watch = Stopwatch()
    with watch.stage("load"):
        prepared = prepare(scenario_path, portfolio)
        policy, name = policy_of(prepared, policy_path)
    mc = prepared.scenario.monte_carlo
    seed = mc.seed if seed is None else seed
    replications = mc.replications if replications is None else replications
    recorder = None
    if history:
        from simulation.history import HistoryRecorder, history_tables, write_history
        recorder = HistoryRecorder(prepared.model.n)
    with watch.stage("simulate"):
        result = simulate_job(prepared, policy, name, seed=seed, replications=replications, workers=workers,
                              progress=progress, recorder=recorder)
    tables = None
    if recorder is not None:
        with watch.stage("history"):
            tables = history_tables(recorder, prepared.model, prepared.inputs.portfolio.frame,
                                    ids=prepared.pseudonyms().rename("debtor_id"))
        recorder = None
    with run_directory(out, force) as stage:
        with watch.stage("write"):
            write_simulation(stage, prepared, result)
            write_segments(stage, prepared)
            if tables is not None:
                write_history(stage / "history", tables)
        write_json(stage / "manifest.json", manifest("simulate", prepared, {"seed": seed, "replications": replications},
                                                     watch.timings, {"policy": name, "workers": workers}))
    return result


def write_optimization(stage: Path, prepared: Prepared, result) -> dict:
    """Write the optimizer's outputs (docs/optimizer.md) into ``stage``; returns the treatment file's manifest entry."""
    from acordo.treatments import treatment_manifest, treatment_table, write_treatments
    from optimizer.optimize import policy_json
    write_segments(stage, prepared)
    write_json(stage / "policy.json", result.policy_dict(prepared.model))
    write_json(stage / "solution.json", result.solution_dict())
    result.coefficients.write_parquet(stage / "coefficients.parquet", statistics=False)
    if result.frontier.height:
        result.frontier.write_parquet(stage / "frontier.parquet", statistics=False)
    if result.solution.model is not None:
        result.solution.write_mps(stage / "model.mps")
    if result.optimized is not None:
        write_simulation(stage, prepared, result.optimized)
        write_simulation(stage, prepared, result.baseline, prefix="baseline_")
        if result.baseline is not None:  # optimized minus current practice, paired by replication
            from simulation.results import paired_differences, paired_segment_differences
            write_json(stage / "differences.json", paired_differences(result.optimized, result.baseline))
            write_json(stage / "segment_differences.json",  # per segment, for the policy page
                       paired_segment_differences(result.optimized, result.baseline))
    write_json(stage / "baseline_policy.json", {"policy": policy_json(prepared.scenario.baseline)})
    if prepared.scenario.cycles.enabled:  # the policy if the future were ignored, for the report's long-run page
        from acordo.longrun import write_long_run
        write_long_run(stage, result, prepared.scenario.optimizer.solver)
    table = treatment_table(prepared, result.policy, prepared.scenario.baseline)
    write_treatments(stage, table)
    return treatment_manifest(table)


#: The scenario key behind each family of LP rows, for infeasibility messages.
_CONFLICT_KEYS = {"budget": "optimizer.budget", "budget_share": "optimizer.budget_share",
                  "agent_minutes": "agents.count", "liquidity": "optimizer.liquidity_target",
                  "chronic_cap": "optimizer.chronic_max_discount", "chronic_vs": "optimizer.chronic_not_better",
                  "min_recovery": "optimizer.min_recovery_share"}


def _raise_if_unsolved(prepared: Prepared, result) -> None:
    """An infeasible LP is a problem of the scenario's constraints: one line per constraint in conflict."""
    from optimizer.solver import SolveStatus
    from scenarios.errors import InputError, Problem
    status = result.solution.status
    if status is SolveStatus.INFEASIBLE:
        conflict = result.solution.conflict
        source = prepared.scenario.source
        if conflict is None or not conflict.items:
            message = conflict.message() if conflict is not None else "the constraints cannot all hold"
            raise InputError([Problem(source, "optimizer", f"infeasible: {message}", None, None)])
        raise InputError([Problem(source, _CONFLICT_KEYS.get(item.kind, "optimizer"),
                                  f"infeasible: {item.describe()}"
                                  + (", in conflict with " + ", ".join(o.name for o in conflict.items if o is not item)
                                     if len(conflict.items) > 1 else ""),
                                  None, None) for item in conflict.items])
    if not status.has_solution:
        raise RuntimeError(f"the LP solver returned {status.name}")


def run_optimize(scenario_path: str | Path, out: str | Path, *, portfolio: str | Path | None = None,
                 integer: bool = False, budget: float | None = None, seed: int | None = None,
                 replications: int | None = None, workers: int = 1, force: bool = False,
                 cache_dir: Path | None = None, progress: Progress | None = None):
    """``acordo optimize``: coefficients, LP, frontier, out-of-sample check; written atomically.

    An infeasible LP raises :class:`~scenarios.errors.InputError` naming the constraints in
    conflict and the values that would make each feasible (exit code 2, nothing written).
    """
    from acordo.rundir import check_target
    from optimizer.coefficients import default_cache_dir
    from optimizer.optimize import optimize
    check_target(out, force)
    watch = Stopwatch()
    with watch.stage("load"):
        prepared = prepare(scenario_path, portfolio)
    seed = prepared.scenario.monte_carlo.seed if seed is None else seed
    tracked = _StageStart(progress)
    result = optimize(prepared.model, seed=seed, integer=integer, budget=budget, replications=replications,
                      workers=workers, cache_dir=cache_dir if cache_dir is not None else default_cache_dir(),
                      progress=tracked if progress else None)
    tracked.finish()
    watch.timings.update(result.timings)
    _raise_if_unsolved(prepared, result)
    with run_directory(out, force) as stage:
        with watch.stage("write"):
            treatments = write_optimization(stage, prepared, result)
        write_json(stage / "manifest.json", manifest(
            "optimize", prepared, {"seed": seed, "replications": result.optimized.replications if result.optimized else 0},
            watch.timings, {"integer": integer, "budget": budget, "solver": result.solution.solver, "workers": workers,
                            **treatments}))
    return prepared, result


def run_all(scenario_path: str | Path, out: str | Path, *, portfolio: str | Path | None = None, lang: str = "en",
            seed: int | None = None, replications: int | None = None, workers: int = 1, force: bool = False,
            sensitivity_replications: int | None = None, cache_dir: Path | None = None,
            progress: Progress | None = None) -> Path:
    """``acordo run``: baseline → optimize → out-of-sample re-simulation → sensitivity → report.

    Returns the path the run directory will have (``out``); everything is written
    atomically, the report included.
    """
    from acordo.rundir import check_target
    from optimizer.coefficients import default_cache_dir
    from optimizer.optimize import optimize, validation_seed
    from reports.document import write_report
    from scenarios.assumptions import assumptions_table
    from simulation.pool import job_pool
    check_target(out, force)
    watch = Stopwatch()
    with watch.stage("load"):
        prepared = prepare(scenario_path, portfolio)
    with job_pool(workers) as pool:  # the workers start once, for every stage
        sc = prepared.scenario
        seed_given = seed is not None
        seed = sc.monte_carlo.seed if seed is None else seed
        R = replications or sc.monte_carlo.replications
        with watch.stage("baseline"):
            baseline = simulate_job(prepared, sc.baseline, "baseline", seed=validation_seed(seed), replications=R,
                                    workers=workers, progress=progress)
        with watch.stage("optimize"):
            tracked = _StageStart(progress)
            result = optimize(prepared.model, seed=seed, replications=R, workers=workers, baseline=baseline,
                              cache_dir=cache_dir if cache_dir is not None else default_cache_dir(),
                              progress=tracked if progress else None)
            tracked.finish()
        for stage_name in ("coefficients", "lp", "frontier", "validation"):
            if stage_name in result.timings:
                watch.timings[f"optimize.{stage_name}"] = result.timings[stage_name]
        _raise_if_unsolved(prepared, result)
        # at most 5 replications (a prefix of the re-simulation's); a sampled tornado takes the fewest that suffice
        SR = min(sensitivity_replications or max(2, min(R, 5)), R)
        with watch.stage("sensitivity"):
            tornado, marginal, sample = _sensitivity_stage(prepared, result, baseline, seed=validation_seed(seed),
                                                           replications=R, sensitivity_replications=SR, workers=workers,
                                                           progress=progress, fixed=sensitivity_replications is not None)
        SR = int(tornado["replications"][0]) if tornado.height else SR
        with run_directory(out, force) as stage:
            with watch.stage("write"):
                treatments = write_optimization(stage, prepared, result)
                tornado.write_parquet(stage / "sensitivity.parquet", statistics=False)
                write_json(stage / "marginal.json", marginal)
                given = {k: v for k, v in (("monte_carlo.replications", (replications, "--replications")),
                                           ("monte_carlo.seed", (seed if seed_given else None, "--seed")))
                         if v[0] is not None}
                assumptions_table(sc, prepared.inputs.facts, given).write_parquet(stage / "assumptions.parquet",
                                                                                  statistics=False)
            extra = {"lang": lang, "solver": result.solution.solver, "workers": workers,
                     "sensitivity_replications": SR, "sensitivity_sample": sample.n, "report_date": _report_date(), **treatments}
            write_json(stage / "manifest.json", manifest("run", prepared, {"seed": seed, "replications": R},
                                                         watch.timings, extra))
            with watch.stage("report"):
                if progress:
                    progress("report", 0, 1)
                write_report(stage, lang=lang, pool=pool)
                if progress:
                    progress("report", 1, 1)
            write_json(stage / "manifest.json", manifest("run", prepared, {"seed": seed, "replications": R},
                                                         watch.timings, extra))
    return Path(out)


def _sensitivity_stage(prepared: Prepared, result, baseline: SimulationResult, *, seed, replications: int,
                       sensitivity_replications: int, workers: int, progress: Progress | None, fixed: bool = False):
    """The tornado of the optimized policy with current practice in the same design, and the
    value of one more agent: one stratified sample, one pool, the re-simulations as references.

    Both policies are simulated under every variant on the same sample with the same draws
    (common random numbers), so "does the optimized policy still beat current practice at
    each end of each bar" is a paired gain with its interval, not a second tornado.

    The sample and its replications (2 to ``sensitivity_replications``, the fewest whose
    sample fits in half the book; exactly ``sensitivity_replications`` when ``fixed``) follow
    ``monte_carlo.sensitivity_precision`` (:func:`simulation.sensitivity.sensitivity_design`).
    """
    from simulation.pool import WorkerPool
    from simulation.sensitivity import SENSITIVITY_PARAMETERS, agent_value, sensitivity, sensitivity_design
    sc = prepared.scenario
    SR, R = sensitivity_replications, replications
    candidates = (SR,) if fixed else tuple(range(min(2, SR), SR + 1))
    plan = OfferPlan.from_policy(result.policy, sc)
    # the optimized policy was re-simulated on these seeds already: its runs are the reference
    reference = result.optimized.values("net_npv")
    steps = 2 * (1 + 2 * len(SENSITIVITY_PARAMETERS))
    tick = (lambda k: progress("sensitivity", k, steps)) if progress else None
    with WorkerPool(workers) as pool:
        # a stratified sample of the book, sized by monte_carlo.sensitivity_precision (docs/sensitivity.md)
        sample, SR = sensitivity_design(prepared.model, plan, seed=seed, replications=candidates,
                                        precision=sc.monte_carlo.sensitivity_precision, pool=pool)
        tornado = sensitivity(prepared.model, plan, seed=seed, replications=SR, reference=reference, sample=sample,
                              compare=OfferPlan.from_policy(sc.baseline, sc),
                              compare_reference=baseline.values("net_npv"), pool=pool, progress=tick)
        marginal = {"one_more_agent": agent_value(prepared.model, plan, seed=seed, replications=R,
                                                  reference=reference, sample=sample, pool=pool)}
    tornado = tornado.with_columns(replications=SR, headline_replications=R, headline_reference=float(reference.mean()))
    return tornado, marginal, sample


def _report_date() -> str:
    """Today, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    import datetime as _dt
    import os
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()
