"""``acordo compare`` and ``acordo sweep``: what-ifs with paired statistics, on any backend.

Compare
    Every scenario is simulated with the same root seed, so replication ``r`` of each sees
    the same random draws (common random numbers). The difference of a metric against the
    first scenario is taken replication by replication, and its 95% CI is the Student-t
    interval of those paired differences: much narrower than the difference of two
    independent means, and exactly zero for a scenario compared with itself.

Sweep
    ``--set KEY=V1,V2`` options span a grid (:mod:`scenarios.grid`), every cell validated
    before anything runs. Tasks are (cell × replication), each a pure function of its
    arguments (:mod:`simulation.backends`), so ``sweep.parquet`` has the same bytes whatever
    the backend and the number of workers. Every finished task is checkpointed (one small
    file, written atomically) in the hidden directory ``.<out-name>.sweep-state/`` next to
    ``--out``; ``--resume`` reruns only the missing tasks, and the state is removed once the
    run directory is written. ``--optimize`` adds one task per cell running the optimizer.

Seeds: ``--seed`` or the (first) scenario's ``monte_carlo.seed``; replications likewise.
In a sweep each cell takes them from its own scenario unless given, so sweeping
``monte_carlo.seed`` is possible; by default every cell shares the seed (common random
numbers across cells too).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import polars as pl

from acordo.pipeline import Prepared, Stopwatch, manifest
from acordo.rundir import check_target, run_directory, write_json
from scenarios.errors import InputError, Problem
from scenarios.grid import SET_LABEL, Grid, build_grid, shown_grid
from scenarios.loader import load_scenario
from scenarios.schema import Scenario
from simulation.backends import (INPUT_KEYS, Backend, CellSpec, PreparedCell, ReplicationSummary, ReplicationTask,
                                 make_backend, prepare_cell, run_replication)
from simulation.fingerprint import simulation_digest
from simulation.replication import TOTALS
from simulation.results import HEADLINE, mean_ci

__all__ = ["run_compare", "run_sweep", "CompareResult", "SweepResult", "OptimizeTask", "run_task",
           "compare_tables", "sweep_table", "state_directory", "OPTIMIZE_METRICS", "PAIRED_METRICS"]

Progress = Callable[[str, int, int], None]
"""A progress callback: (label, steps done now, total steps)."""

#: Metrics also given as paired differences against the first cell of the grid.
PAIRED_METRICS: tuple[str, ...] = ("net_npv", "collected_npv", "give_away", "cost_npv")
#: Columns added per cell by ``--optimize`` (each with ``_mean``, ``_ci95_low``, ``_ci95_high``).
OPTIMIZE_METRICS: tuple[str, ...] = ("optimized_net_npv", "optimized_vs_baseline")
_STATE_VERSION = 1
#: Keys whose change can change the portfolio or its segmentation (validated up front per cell).
_INPUT_KEYS = INPUT_KEYS


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class OptimizeTask:
    """The optimizer on one cell: coefficients, LP and the out-of-sample check.

    Attributes
    ----------
    cell : CellSpec
    seed : int
        Root seed of the optimize job (:func:`optimizer.optimize.optimize`).
    replications : int
        Replications of the out-of-sample re-simulation.
    """

    cell: CellSpec
    seed: int
    replications: int


def _optimize_cell(task: OptimizeTask) -> dict[str, Any]:
    from optimizer.optimize import optimize
    cell = prepare_cell(task.cell)
    res = optimize(cell.model, seed=task.seed, replications=task.replications, workers=1, frontier_points=0,
                   cache_dir=None)
    out: dict[str, Any] = {"status": res.solution.status.name}
    v = res.validation
    for name, key in (("optimized_net_npv", "optimized"), ("optimized_vs_baseline", "difference")):
        if v:
            out[name] = [float(v[key]["mean"]), float(v[key]["ci95"][0]), float(v[key]["ci95"][1])]
        else:
            out[name] = [None, None, None]
    return out


def run_task(task: ReplicationTask | OptimizeTask) -> ReplicationSummary | dict[str, Any]:
    """Run one task of a what-if (the function the backends map)."""
    if isinstance(task, ReplicationTask):
        return run_replication(task)
    if isinstance(task, OptimizeTask):
        return _optimize_cell(task)
    raise TypeError(f"task: unknown kind {type(task).__name__}")


# --------------------------------------------------------------------------- shared steps


def _validate_inputs(specs: Sequence[CellSpec], *, every: bool, labels: Sequence[str] | None = None) -> PreparedCell:
    """Prepare the first cell (portfolio and segments), or ``every`` cell; every problem at once.

    A problem of the scenario that only a cell's ``--set`` values cause (segments that miss
    debtors) names the cell, by ``labels`` (the cells as they may be shown: ids pseudonymised)
    when given.
    """
    problems: list[Problem] = []
    first = None
    for i, spec in enumerate(specs if every else specs[:1]):
        try:
            prepared = prepare_cell(spec)
        except InputError as exc:
            for p in exc.problems:
                if spec.settings and not p.file.startswith("--") and Path(p.file).name == Path(spec.scenario).name:
                    cell = labels[i] if labels is not None else ", ".join(f"{k}={t}" for k, t in spec.settings)
                    p = Problem(SET_LABEL, p.key, p.problem, f"{p.got} in the cell {cell}" if p.got else
                                f"the cell {cell}", p.expected)
                problems.append(p)
            continue
        if i == 0:
            first = prepared
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    assert first is not None
    return first


def _as_prepared(cell: PreparedCell) -> Prepared:
    return Prepared(cell.scenario, cell.inputs, cell.model)


def _portfolio_identity(scenario: Scenario, portfolio: str | Path | None) -> dict[str, Any] | None:
    path = portfolio or scenario.portfolio.file or None
    if not path:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"file": str(Path(path).absolute()), "sha256": h.hexdigest()}


@contextmanager
def _backend(backend: Backend | None, workers: int, cluster: str | None) -> Iterator[Backend]:
    """The given backend (left open), or one made from ``workers``/``cluster`` and closed after."""
    if backend is not None:
        yield backend
        return
    made = make_backend(workers, cluster)
    try:
        yield made
    finally:
        made.close()


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True, eq=False)
class CompareResult:
    """What ``acordo compare`` computed.

    Attributes
    ----------
    table : polars.DataFrame
        ``compare.parquet``: scenario, metric, mean, ci95_low, ci95_high, diff_vs_first,
        diff_ci95_low, diff_ci95_high (differences paired by replication).
    curves : polars.DataFrame
        ``compare_daily.parquet``: per scenario and day, cumulative collected and NPV.
    out : Path
    seed : int
    replications : int
    """

    table: pl.DataFrame
    curves: pl.DataFrame
    out: Path
    seed: int
    replications: int

    def summary(self) -> str:
        """The paired differences of net NPV and collected NPV, one line per scenario."""
        lines = [f"{self.replications} replications, seed {self.seed} (common random numbers)"]
        for metric in ("collected_npv", "net_npv"):
            for r in self.table.filter(pl.col("metric") == metric).iter_rows(named=True):
                lines.append(f"  {r['scenario']:<24} {metric:<14} {r['mean']:>16,.2f}   diff vs first "
                             f"{r['diff_vs_first']:>+14,.2f} [{r['diff_ci95_low']:,.2f}, {r['diff_ci95_high']:,.2f}]")
        return "\n".join(lines)


def _scenario_labels(paths: Sequence[str | Path]) -> list[str]:
    stems = [Path(p).stem for p in paths]
    out = []
    for i, s in enumerate(stems):
        k = stems[:i].count(s)
        out.append(s if k == 0 else f"{s} ({k + 1})")
    return out


def compare_tables(labels: Sequence[str], totals: Sequence[np.ndarray], collected: Sequence[np.ndarray],
                   npv: Sequence[np.ndarray]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The comparison table and the collection curves.

    Parameters
    ----------
    labels : sequence of str
        Scenario names, the reference first.
    totals : sequence of ndarray (R, len(TOTALS))
        Per scenario, the totals of each replication (same seeds for every scenario).
    collected, npv : sequence of ndarray (R, H)
        Per scenario, replication and day: cash collected and its present value.
    """
    rows = []
    ref = totals[0]
    for label, tot in zip(labels, totals):
        for metric in HEADLINE:
            j = TOTALS.index(metric)
            mean, lo, hi = mean_ci(tot[:, j])
            d, dlo, dhi = mean_ci(tot[:, j] - ref[:, j])
            rows.append((label, metric, mean, lo, hi, d, dlo, dhi))
    table = pl.DataFrame(rows, schema={"scenario": pl.String, "metric": pl.String, "mean": pl.Float64,
                                       "ci95_low": pl.Float64, "ci95_high": pl.Float64, "diff_vs_first": pl.Float64,
                                       "diff_ci95_low": pl.Float64, "diff_ci95_high": pl.Float64}, orient="row")
    frames = []
    for label, col, val in zip(labels, collected, npv):
        R, H = col.shape
        cum = np.cumsum(col, axis=1)
        cum_npv = np.cumsum(val, axis=1)
        stats = np.array([mean_ci(cum[:, t]) for t in range(H)]).reshape(H, 3)
        frames.append(pl.DataFrame({
            "scenario": pl.Series([label] * H, dtype=pl.String), "day": np.arange(H, dtype=np.int32),
            "collected_mean": col.mean(axis=0), "cumulative_collected_mean": stats[:, 0],
            "cumulative_collected_ci95_low": stats[:, 1], "cumulative_collected_ci95_high": stats[:, 2],
            "cumulative_npv_mean": cum_npv.mean(axis=0),
        }))
    return table, pl.concat(frames)


def run_compare(paths: Sequence[str | Path], out: str | Path, *, portfolio: str | Path | None = None,
                replications: int | None = None, seed: int | None = None, workers: int = 1,
                cluster: str | None = None, force: bool = False, progress: Progress | None = None,
                backend: Backend | None = None, lang: str = "en") -> CompareResult:
    """``acordo compare``: the scenarios on common random numbers, paired against the first.

    Parameters
    ----------
    paths : sequence of path
        Scenario files; the first is the reference of the differences.
    out : path
        Run directory to create: ``compare.parquet``, ``compare_daily.parquet``,
        ``compare.pdf``, ``figures/*.png``, ``manifest.json``.
    portfolio : path, optional
        Overrides every scenario's portfolio.
    replications, seed : int, optional
        Default: the first scenario's ``monte_carlo`` settings, used for every scenario.
    workers, cluster
        The backend (:func:`simulation.backends.make_backend`); ignored when ``backend`` is given.
    force : bool
        Replace an existing non-empty ``out``.
    progress : callable, optional
        ``progress("compare", 1, total)`` after each finished task.
    backend : Backend, optional
        A backend to use (and leave open).
    lang : {"en", "pt-BR"}
        Language of ``compare.pdf`` and the figures.

    Raises
    ------
    InputError
        Every problem of every scenario (and the portfolio), before anything runs.
    ValueError
        For an unsupported ``lang``.
    """
    from reports.i18n import check_lang
    check_lang(lang)
    if not paths:
        raise InputError([Problem("compare", "", "no scenario given", None, "one or more scenario files")])
    out = check_target(out, force)
    watch = Stopwatch()
    with watch.stage("load"):
        problems: list[Problem] = []
        scenarios: list[Scenario] = []
        for p in paths:
            try:
                scenarios.append(load_scenario(p))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(list(dict.fromkeys(problems)))
        specs = [CellSpec.of(p, (), portfolio) for p in paths]
        first = _validate_inputs(specs, every=True)
    mc = scenarios[0].monte_carlo
    seed = mc.seed if seed is None else seed
    R = mc.replications if replications is None else replications
    labels = _scenario_labels(paths)
    tasks = [ReplicationTask(spec, seed, r) for spec in specs for r in range(R)]
    if progress:
        progress("compare", 0, len(tasks))
    tick = (lambda i, res: progress("compare", 1, len(tasks))) if progress else (lambda i, res: None)
    with watch.stage("simulate"), _backend(backend, workers, cluster) as runner:
        results = runner.map(run_task, tasks, on_done=tick)
        described = runner.describe()
    with watch.stage("tables"):
        totals, collected, npv = [], [], []
        for k in range(len(specs)):
            part: list[ReplicationSummary] = results[k * R:(k + 1) * R]
            totals.append(np.stack([r.totals_array() for r in part]))
            collected.append(np.stack([r.collected.sum(axis=1) for r in part]))
            npv.append(np.stack([r.npv.sum(axis=1) for r in part]))
        table, curves = compare_tables(labels, totals, collected, npv)
    with run_directory(out, force) as stage:
        with watch.stage("write"):
            table.write_parquet(stage / "compare.parquet", statistics=False)
            curves.write_parquet(stage / "compare_daily.parquet", statistics=False)
            from reports.whatif import write_compare_report
            write_compare_report(stage, table, curves, lang=lang, seed=seed, replications=R,
                                 scenarios=[(lab, sc.name, sc.source) for lab, sc in zip(labels, scenarios)])
        extra = {"scenarios": [{"label": lab, "name": sc.name, "file": sc.source, "hash": sc.digest}
                               for lab, sc in zip(labels, scenarios)], **described}
        write_json(stage / "manifest.json", manifest("compare", _as_prepared(first), {"seed": seed, "replications": R},
                                                     watch.timings, extra))
    return CompareResult(table, curves, Path(out), seed, R)


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What ``acordo sweep`` computed.

    Attributes
    ----------
    table : polars.DataFrame
        ``sweep.parquet``.
    grid : Grid
    out : Path
    tasks : int
        Tasks of the sweep.
    resumed : int
        Tasks whose checkpointed result was reused (``--resume``).
    """

    table: pl.DataFrame
    grid: Grid
    out: Path
    tasks: int
    resumed: int

    def summary(self) -> str:
        """One line per cell: its settings and net NPV with its 95% CI."""
        keys = list(self.grid.keys)
        lines = [f"{len(self.grid)} cells, {self.tasks} tasks ({self.resumed} resumed)"]
        for r in self.table.iter_rows(named=True):
            cell = ", ".join(f"{k}={r[k]}" for k in keys)
            lines.append(f"  {cell:<48} net_npv {r['net_npv_mean']:>16,.2f} "
                         f"[{r['net_npv_ci95_low']:,.2f}, {r['net_npv_ci95_high']:,.2f}]")
        return "\n".join(lines)


def state_directory(out: str | Path) -> Path:
    """The hidden checkpoint directory of a sweep writing ``out``: ``.<out-name>.sweep-state``."""
    out = Path(out)
    return out.absolute().parent / f".{out.name}.sweep-state"


class _Checkpoint:
    """One small file per finished task, written atomically; ``sweep.json`` says which sweep."""

    def __init__(self, out: Path, identity: dict[str, Any], resume: bool):
        self.dir = state_directory(out)
        marker = self.dir / "sweep.json"
        if resume and marker.is_file():
            try:
                saved = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                saved = None
            if saved != json.loads(json.dumps(identity)):
                raise InputError([Problem(str(self.dir), "", "the saved state is of a different sweep "
                                          "(scenario, settings, portfolio, seeds or --optimize changed)", None,
                                          "the same command as the interrupted run, or no --resume to start afresh")])
            return
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self._atomic(marker, (json.dumps(identity, indent=2, sort_keys=True) + "\n").encode())

    def _atomic(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def has(self, name: str) -> bool:
        return (self.dir / name).is_file()

    def save(self, name: str, result: ReplicationSummary | dict[str, Any]) -> None:
        if isinstance(result, ReplicationSummary):
            import io
            buf = io.BytesIO()
            np.savez(buf, totals=result.totals_array(),
                     daily=np.stack([result.collected.sum(axis=1), result.npv.sum(axis=1)], axis=1))
            self._atomic(self.dir / name, buf.getvalue())
        else:
            self._atomic(self.dir / name, (json.dumps(result, sort_keys=True) + "\n").encode())

    def load(self, name: str) -> dict[str, Any]:
        path = self.dir / name
        if name.endswith(".npz"):
            with np.load(path, allow_pickle=False) as data:
                return {"totals": data["totals"], "daily": data["daily"]}
        return json.loads(path.read_text(encoding="utf-8"))

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _task_name(cell: int, task: ReplicationTask | OptimizeTask) -> str:
    if isinstance(task, ReplicationTask):
        return f"c{cell:05d}-r{task.replication:06d}.npz"
    return f"c{cell:05d}-optimize.json"


def _setting_series(key: str, values: list[Any], texts: list[str]) -> pl.Series:
    """One column of cell settings, typed when the values share a scalar type, else their TOML text."""
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return pl.Series(key, values, dtype=pl.Boolean)
    if kinds == {int}:
        return pl.Series(key, values, dtype=pl.Int64)
    if kinds <= {int, float}:
        return pl.Series(key, [float(v) for v in values], dtype=pl.Float64)
    if kinds == {str}:
        return pl.Series(key, values, dtype=pl.String)
    return pl.Series(key, texts, dtype=pl.String)


def sweep_table(grid: Grid, totals: Sequence[np.ndarray], optimized: Sequence[dict[str, Any]] | None = None) -> pl.DataFrame:
    """``sweep.parquet``: one row per cell, its settings then each headline metric's mean and 95% CI.

    For :data:`PAIRED_METRICS` also ``<metric>_diff_mean`` / ``_diff_ci95_low`` / ``_diff_ci95_high``:
    the paired difference against the first cell of the grid (the first value of every
    ``--set``), replication by replication; cells share the seed, so this CI is much
    narrower than the cells' own.

    Parameters
    ----------
    grid : Grid
    totals : sequence of ndarray (R, len(TOTALS))
        Per cell (grid order), the totals of its replications in replication order.
    optimized : sequence of dict, optional
        Per cell, the ``--optimize`` results.

    Returns
    -------
    polars.DataFrame
        Sorted by the settings columns, in key order.
    """
    keys = list(grid.keys)
    cols: dict[str, pl.Series] = {}
    for k, opt in zip(keys, grid.options):
        vals, texts = [], []
        for cell in grid.cells:
            text = dict(cell.items)[k]
            texts.append(text)
            vals.append(opt.values[opt.texts.index(text)])
        cols[k] = _setting_series(k, vals, texts)
    data: dict[str, Any] = dict(cols)
    for metric in HEADLINE:
        j = TOTALS.index(metric)
        stats = np.array([mean_ci(t[:, j]) for t in totals]).reshape(len(totals), 3)
        data[f"{metric}_mean"] = stats[:, 0]
        data[f"{metric}_ci95_low"] = stats[:, 1]
        data[f"{metric}_ci95_high"] = stats[:, 2]
    data["replications"] = np.array([t.shape[0] for t in totals], dtype=np.int64)
    # paired against the first cell (the first value of every --set): cells share the draws
    first = totals[0]
    for metric in PAIRED_METRICS:
        j = TOTALS.index(metric)
        stats = np.array([mean_ci(t[:, j] - first[:, j]) if t.shape == first.shape else (np.nan,) * 3
                          for t in totals]).reshape(len(totals), 3)
        data[f"{metric}_diff_mean"] = stats[:, 0]
        data[f"{metric}_diff_ci95_low"] = stats[:, 1]
        data[f"{metric}_diff_ci95_high"] = stats[:, 2]
    if optimized is not None:
        data["optimizer_status"] = pl.Series([o["status"] for o in optimized], dtype=pl.String)
        for name in OPTIMIZE_METRICS:
            for i, suffix in enumerate(("mean", "ci95_low", "ci95_high")):
                data[f"{name}_{suffix}"] = pl.Series([o[name][i] for o in optimized], dtype=pl.Float64)
    return pl.DataFrame(data).sort(keys, maintain_order=True)


def run_sweep(path: str | Path, sets: Sequence[str], out: str | Path, *, portfolio: str | Path | None = None,
              optimize: bool = False, workers: int = 1, cluster: str | None = None, resume: bool = False,
              replications: int | None = None, seed: int | None = None, force: bool = False,
              progress: Progress | None = None, backend: Backend | None = None,
              figures: bool = True, notice: Callable[[str], None] | None = None) -> SweepResult:
    """``acordo sweep``: a grid of what-ifs on one scenario, checkpointed and resumable.

    Parameters
    ----------
    path : path
        The scenario file.
    sets : sequence of str
        ``KEY=V1,V2,...`` options (:mod:`scenarios.grid`).
    out : path
        Run directory to create: ``sweep.parquet``, ``figures/*.png``, ``manifest.json``.
    portfolio : path, optional
        Overrides the scenario's portfolio.
    optimize : bool
        Also run the optimizer in each cell (one task per cell).
    workers, cluster
        The backend (:func:`simulation.backends.make_backend`); ignored when ``backend`` is given.
    resume : bool
        Reuse the checkpointed tasks of an interrupted run of the same sweep.
    replications, seed : int, optional
        Default: each cell's ``monte_carlo`` settings.
    force : bool
        Replace an existing non-empty ``out``.
    progress : callable, optional
        ``progress("sweep", k, total)``: once with the tasks already done, then 1 per task.
    backend : Backend, optional
        A backend to use (and leave open).
    figures : bool
        Write the figures (default True).
    notice : callable, optional
        Told, before anything runs, which cells simulate identically (they differ only in
        settings the simulation does not read, :mod:`simulation.fingerprint`): their
        replications are simulated once and shared.

    Raises
    ------
    InputError
        Every problem of every cell, before anything runs; or a ``--resume`` of a
        different sweep.
    KeyboardInterrupt
        Propagated; the finished tasks stay checkpointed for ``--resume``.
    """
    out = check_target(out, force)
    watch = Stopwatch()
    with watch.stage("load"):
        grid = build_grid(path, sets)
        shown = shown_grid(grid)  # what is written and said: ids set on rules pseudonymised
        specs = [CellSpec.of(path, cell.items, portfolio) for cell in grid.cells]
        touches = any(k == p or k.startswith(p + ".") for k in grid.keys for p in _INPUT_KEYS)
        first = _validate_inputs(specs, every=touches, labels=[c.label() for c in shown.cells])
    seeds = [sc.monte_carlo.seed if seed is None else seed for sc in grid.scenarios]
    reps = [sc.monte_carlo.replications if replications is None else replications for sc in grid.scenarios]
    with watch.stage("load"):
        same_as = _identical_cells(specs, seeds, reps)
    if notice is not None and any(s != c for c, s in enumerate(same_as)):
        notice(_identical_notice(shown, same_as))
    tasks: list[ReplicationTask | OptimizeTask] = []
    owner: list[int] = []
    if optimize:  # the long tasks first
        for c, spec in enumerate(specs):
            tasks.append(OptimizeTask(spec, seeds[c], reps[c]))
            owner.append(c)
    for c, spec in enumerate(specs):
        if same_as[c] != c:  # simulated as its twin
            continue
        for r in range(reps[c]):
            tasks.append(ReplicationTask(spec, seeds[c], r))
            owner.append(c)
    names = [_task_name(c, t) for c, t in zip(owner, tasks)]
    identity = {
        "version": _STATE_VERSION, "scenario": str(Path(path).absolute()), "optimize": optimize,
        "portfolio": _portfolio_identity(grid.scenarios[0], portfolio),
        "cells": [{"settings": [list(kv) for kv in cell.items], "hash": sc.digest, "seed": s, "replications": n,
                   "portfolio": _portfolio_identity(sc, portfolio) if touches else None}
                  for cell, sc, s, n in zip(shown.cells, grid.scenarios, seeds, reps)],
    }
    with watch.stage("simulate"), _backend(backend, workers, cluster) as runner:
        state = _Checkpoint(out, identity, resume)
        missing = [i for i, name in enumerate(names) if not state.has(name)]
        resumed = len(tasks) - len(missing)
        if progress:
            progress("sweep", resumed, len(tasks))

        def done(j: int, result: Any) -> None:
            state.save(names[missing[j]], result)
            if progress:
                progress("sweep", 1, len(tasks))

        runner.map(run_task, [tasks[i] for i in missing], on_done=done)
        described = runner.describe()
    with watch.stage("tables"):
        loaded = [state.load(n) for n in names]
        per_cell: list[list[np.ndarray]] = [[] for _ in specs]
        optimized: list[dict[str, Any]] | None = [{} for _ in specs] if optimize else None
        for c, task, res in zip(owner, tasks, loaded):
            if isinstance(task, ReplicationTask):
                per_cell[c].append(res["totals"])
            elif optimized is not None:
                optimized[c] = res
        per_cell = [per_cell[same_as[c]] for c in range(len(specs))]
        table = sweep_table(shown, [np.stack(t) for t in per_cell], optimized)
    with run_directory(out, force) as stage:
        with watch.stage("write"):
            table.write_parquet(stage / "sweep.parquet", statistics=False)
            if figures:
                from reports.whatif import write_sweep_figures
                metrics = list(HEADLINE) + (list(OPTIMIZE_METRICS) if optimize else [])
                varying = [o.key for o in grid.options if len(o.values) > 1] or [grid.keys[0]]
                write_sweep_figures(stage, table, varying, metrics)
        extra = {
            "grid": {o.key: list(o.texts) for o in shown.options}, "cells": len(grid), "tasks": len(tasks),
            "resumed_tasks": resumed, "optimize": optimize, **described,
            "identical_cells": [[c for c, s in enumerate(same_as) if s == k] for k in sorted(set(same_as))
                                if same_as.count(k) > 1],
            "cell_seeds": sorted(set(seeds)), "cell_replications": sorted(set(reps)),
        }
        data = manifest("sweep", _as_prepared(first), {"seed": seeds[0], "replications": reps[0]}, watch.timings,
                        extra)
        data["scenario"]["hash"] = _base_digest(path)
        write_json(stage / "manifest.json", data)
    state.remove()
    return SweepResult(table, shown, Path(out), len(tasks), resumed)


def _identical_cells(specs: Sequence[CellSpec], seeds: Sequence[int], reps: Sequence[int]) -> list[int]:
    """For each cell, the first cell whose replications are identical to its own (itself if none)."""
    first: dict[tuple[str, int, int], int] = {}
    out = []
    for c, spec in enumerate(specs):
        cell = prepare_cell(spec)
        key = (simulation_digest(cell.model, cell.plan), seeds[c], reps[c])
        out.append(first.setdefault(key, c))
    return out


def _identical_notice(grid: Grid, same_as: Sequence[int]) -> str:
    """One line per group of cells that simulate identically, naming what they differ in."""
    lines = []
    for k in sorted(set(same_as)):
        group = [c for c, s in enumerate(same_as) if s == k]
        if len(group) < 2:
            continue
        items = [dict(grid.cells[c].items) for c in group]
        differ = sorted({key for it in items for key in it if any(o.get(key) != it.get(key) for o in items)})
        cell = ", ".join(f"{key}={t}" for key, t in grid.cells[k].items)
        lines.append(f"{len(group)} cells differ only in {', '.join(differ)}, which the simulation does not read: "
                     f"their replications are identical and simulated once (as {cell})")
    return "; ".join(lines)


def _base_digest(path: str | Path) -> str | None:
    """The hash of the scenario without the ``--set`` values (None if it is not valid alone)."""
    try:
        return load_scenario(path).digest
    except InputError:
        return None
