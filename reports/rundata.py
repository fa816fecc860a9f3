"""Read a run directory into one object for the report (DESIGN §7); never simulate.

:func:`load_run` checks that every file the report needs is there and well formed and
raises one :class:`~scenarios.errors.InputError` listing every problem found (missing
file, unreadable file, missing key or column), in the project's error format.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from reports.intervals import can_be_negative, floor_at_zero
from scenarios.errors import InputError, Problem

__all__ = ["RunData", "load_run", "as_float", "REQUIRED_FILES", "OPTIONAL_FILES"]

_SIM_DAILY = ("replication", "day", "segment", "date", "collected", "npv")
_AGENTS = ("replication", "day", "minutes_available", "minutes_used", "calls_waiting")

#: Files the report cannot do without, with the JSON keys or parquet columns it reads.
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "manifest.json": ("scenario", "portfolio"),
    "summary.json": ("metrics",),
    "baseline_summary.json": ("metrics",),
    "daily.parquet": _SIM_DAILY,
    "baseline_daily.parquet": _SIM_DAILY,
    "agents.parquet": _AGENTS,
    "baseline_agents.parquet": _AGENTS,
    "segments.parquet": ("segment", "debtors", "balance", "chronic"),
    "policy.json": ("policy", "segments"),
    "solution.json": ("status", "constraints"),
}
#: Files whose page is left out when they are missing (``acordo optimize`` writes no sensitivity).
OPTIONAL_FILES: dict[str, tuple[str, ...]] = {
    "frontier.parquet": ("budget", "give_away", "recovery", "net"),
    "sensitivity.parquet": ("parameter", "change", "effect", "effect_ci95_low", "effect_ci95_high", "reference"),
    "assumptions.parquet": ("key", "value", "unit", "source"),
    # several cycles only: the long-run policy against the one that ignores the future (acordo.longrun)
    "longrun.parquet": ("segment", "chronic", "n_debtors", "longrun_discount", "myopic_discount", "longrun_one_cycle",
                        "myopic_one_cycle", "longrun_long_run", "longrun_long_run_se", "myopic_long_run",
                        "myopic_long_run_se", "long_run_gain", "long_run_gain_se"),
    "longrun_offers.parquet": ("segment", "discount", "installments", "longrun_share", "myopic_share"),
}
#: Metrics of ``summary.json`` the report shows.
_METRICS = ("net_npv", "collected", "collected_npv", "give_away", "cost_npv", "recovery_rate", "violations")


@dataclass(frozen=True, eq=False)
class RunData:
    """Everything the report reads from one run directory, parsed.

    Attributes
    ----------
    directory : Path
    manifest : dict
        ``manifest.json``: scenario (name, file, hash), portfolio (debtors, balance,
        segments), seeds, timings, ``report_date`` and ``lang`` when written by ``acordo run``.
    summary, baseline_summary : dict
        ``summary.json`` / ``baseline_summary.json``: policy, replications, seed and
        ``metrics`` (each ``{"mean", "ci95": [lo, hi]}``).
    daily, baseline_daily : pl.DataFrame
        Per replication, day and segment: cash collected, NPV, costs, attempts ...
    agents, baseline_agents : pl.DataFrame
        Per replication and day: minutes available and used, calls waiting.
    segments : pl.DataFrame
        Per segment: debtors, balance, chronic, risk band (scenario order).
    policy : dict
        ``policy.json``: the loadable ``policy`` and per-segment ``segments`` details.
    solution : dict
        ``solution.json``: status, objective, constraints with duals, ``validation``.
    frontier, sensitivity, assumptions : pl.DataFrame or None
        ``None`` when the file is not in the directory.
    longrun, longrun_offers : pl.DataFrame or None
        Several cycles: per segment, the long-run policy against the one that ignores the
        future (``longrun.parquet``) and the offers either chooses (``longrun_offers.parquet``).
    baseline_policy : dict or None
        ``baseline_policy.json``: current practice's ``policy`` (offers by segment), when present.
    empty_segments : tuple of str
        Segments with no debtors (left out of ``segments`` and of every page).
    dropped_peer_constraints : tuple of dict
        Chronic segments whose "not better than peers" constraint was dropped because
        every peer is empty (``optimizer.occupied.dropped_peer_constraints``).
    differences : dict or None
        ``differences.json``: every total of the optimized policy minus current practice,
        paired by replication (``metrics``: ``{"mean", "ci95"}``), when present.
    segment_differences : dict or None
        ``segment_differences.json``: per segment (and ``total``), current practice, the optimized
        policy and their difference paired by replication, each ``{"mean", "ci95"}`` (see
        :func:`simulation.results.paired_segment_differences`), when present.
    marginal : dict or None
        ``marginal.json``: simulated worth of one more agent (``one_more_agent``: agents,
        extra, replications, mean, ci95), when present.
    """

    directory: Path
    manifest: dict[str, Any] = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    baseline_summary: dict[str, Any] = field(repr=False)
    daily: pl.DataFrame = field(repr=False)
    baseline_daily: pl.DataFrame = field(repr=False)
    agents: pl.DataFrame = field(repr=False)
    baseline_agents: pl.DataFrame = field(repr=False)
    segments: pl.DataFrame = field(repr=False)
    policy: dict[str, Any] = field(repr=False)
    solution: dict[str, Any] = field(repr=False)
    frontier: pl.DataFrame | None = field(default=None, repr=False)
    sensitivity: pl.DataFrame | None = field(default=None, repr=False)
    assumptions: pl.DataFrame | None = field(default=None, repr=False)
    longrun: pl.DataFrame | None = field(default=None, repr=False)
    longrun_offers: pl.DataFrame | None = field(default=None, repr=False)
    marginal: dict[str, Any] | None = field(default=None, repr=False)
    baseline_policy: dict[str, Any] | None = field(default=None, repr=False)
    differences: dict[str, Any] | None = field(default=None, repr=False)
    segment_differences: dict[str, Any] | None = field(default=None, repr=False)
    empty_segments: tuple[str, ...] = ()
    dropped_peer_constraints: tuple[dict[str, Any], ...] = ()

    @property
    def segment_names(self) -> list[str]:
        """Segments in scenario order."""
        return self.segments.get_column("segment").to_list()

    @property
    def scenario_name(self) -> str:
        """The scenario's name from the manifest."""
        return str(self.manifest.get("scenario", {}).get("name", ""))

    def metric(self, name: str, baseline: bool = False) -> tuple[float, float, float]:
        """``(mean, ci95_low, ci95_high)`` of a headline metric of the optimized (or baseline) run.

        The interval of a total that cannot be negative is cut at zero (:mod:`reports.intervals`).
        """
        entry = (self.baseline_summary if baseline else self.summary)["metrics"][name]
        lo, hi = entry["ci95"]  # null bounds: no interval (one replication)
        stated = float(entry["mean"]), as_float(lo), as_float(hi)
        return stated if can_be_negative(name) else floor_at_zero(*stated)

    def difference(self, name: str) -> tuple[float, float, float] | None:
        """``(mean, ci95_low, ci95_high)`` of optimized minus current practice, paired by replication.

        ``None`` when the run directory has no ``differences.json`` (an older run) or not this metric.
        """
        entry = ((self.differences or {}).get("metrics") or {}).get(name)
        if not entry:
            return None
        lo, hi = entry["ci95"]
        return float(entry["mean"]), as_float(lo), as_float(hi)

    def segment_compared(self, segment: str | None, metric: str) -> dict[str, tuple[float, float, float]] | None:
        """``{"baseline", "optimized", "difference"}`` → ``(mean, ci95_low, ci95_high)`` of one segment's total.

        ``segment=None`` gives the whole portfolio. ``None`` when the run directory has no
        ``segment_differences.json`` (an older run) or not this segment or metric. The intervals of
        the two policies' totals are cut at zero when the total cannot be negative; the
        difference's never is (:mod:`reports.intervals`).
        """
        sd = self.segment_differences or {}
        entry = (sd.get("total") if segment is None else (sd.get("segments") or {}).get(segment)) or {}
        entry = entry.get(metric)
        if not entry:
            return None
        out = {side: (float(entry[side]["mean"]), as_float(entry[side]["ci95"][0]), as_float(entry[side]["ci95"][1]))
               for side in ("baseline", "optimized", "difference")}
        if not can_be_negative(metric):
            out["baseline"], out["optimized"] = floor_at_zero(*out["baseline"]), floor_at_zero(*out["optimized"])
        return out

    @property
    def replications(self) -> int:
        """Out-of-sample replications of the run (0 when the summary does not say)."""
        return int(self.summary.get("replications") or 0)

    def assumption(self, key: str, default: str | None = None) -> str | None:
        """The value of one row of ``assumptions.parquet`` as written (a string), or ``default``."""
        if self.assumptions is None:
            return default
        hit = self.assumptions.filter(pl.col("key") == key)
        return hit.get_column("value")[0] if hit.height else default


def _read_json(path: Path, keys: tuple[str, ...], problems: list[Problem]) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(str(path), "", "unreadable JSON", type(exc).__name__, "a JSON object"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "", "not a JSON object", type(data).__name__, "a JSON object"))
        return None
    for key in keys:
        if key not in data:
            problems.append(Problem(str(path), key, "missing key", None, "written by acordo run"))
    return data


def _read_parquet(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> pl.DataFrame | None:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - polars raises several error types for a bad file
        problems.append(Problem(str(path), "", "unreadable parquet file", type(exc).__name__, "a parquet table"))
        return None
    for column in columns:
        if column not in frame.columns:
            problems.append(Problem(str(path), column, "missing column", None, "written by acordo run"))
    return frame


def _check_metrics(path: Path, data: dict[str, Any] | None, problems: list[Problem]) -> None:
    if not data or not isinstance(data.get("metrics"), dict):
        return
    for name in _METRICS:
        entry = data["metrics"].get(name)
        if not isinstance(entry, dict) or "mean" not in entry or len(entry.get("ci95") or ()) != 2:
            problems.append(Problem(str(path), f"metrics.{name}", "missing or malformed",
                                    None, '{"mean": x, "ci95": [lo, hi]}'))


def load_run(directory: str | Path) -> RunData:
    """Read and check the run directory ``directory``.

    Parameters
    ----------
    directory : str or Path
        A directory written by ``acordo run`` (or ``acordo optimize``; its report leaves
        out the pages whose optional files are missing).

    Returns
    -------
    RunData

    Raises
    ------
    InputError
        Listing every missing or malformed file, key and column at once.
    """
    root = Path(directory)
    if not root.is_dir():
        raise InputError([Problem(str(root), "", "not a run directory", "no such directory",
                                  "a directory written by acordo run")])
    problems: list[Problem] = []
    loaded: dict[str, Any] = {}
    for name, keys in REQUIRED_FILES.items():
        path = root / name
        if not path.is_file():
            problems.append(Problem(str(path), "", "missing file", None, "written by acordo run"))
            continue
        reader = _read_json if name.endswith(".json") else _read_parquet
        loaded[name] = reader(path, keys, problems)
    for name in ("summary.json", "baseline_summary.json"):
        _check_metrics(root / name, loaded.get(name), problems)
    for name, keys in OPTIONAL_FILES.items():
        path = root / name
        loaded[name] = _read_parquet(path, keys, problems) if path.is_file() else None
    if problems:
        raise InputError(problems)
    frontier = loaded["frontier.parquet"]
    if frontier is not None and frontier.height == 0:
        frontier = None
    # a segment nobody is in has no page, row or chart: it is listed once, as empty
    from optimizer.occupied import dropped_peer_constraints
    segments = loaded["segments.parquet"]
    given = (loaded["solution.json"].get("constraints_given") or {})
    dropped = tuple(dropped_peer_constraints(segments, bool(given.get("chronic_not_better", True)))
                    if "risk_band" in segments.columns else ())
    empty = tuple(segments.filter(pl.col("debtors") == 0).get_column("segment").to_list())
    segments = segments.filter(pl.col("debtors") > 0)
    assumptions = loaded["assumptions.parquet"]
    if assumptions is not None and empty:
        assumptions = assumptions.filter(~pl.any_horizontal(
            [pl.col("key").str.starts_with(f"segments.{e}.") for e in empty]))
    return RunData(
        directory=root,
        manifest=loaded["manifest.json"],
        summary=loaded["summary.json"],
        baseline_summary=loaded["baseline_summary.json"],
        daily=loaded["daily.parquet"],
        baseline_daily=loaded["baseline_daily.parquet"],
        agents=loaded["agents.parquet"],
        baseline_agents=loaded["baseline_agents.parquet"],
        segments=segments,
        policy=loaded["policy.json"],
        solution=loaded["solution.json"],
        frontier=frontier,
        sensitivity=loaded["sensitivity.parquet"],
        assumptions=assumptions,
        longrun=_occupied(loaded["longrun.parquet"], empty),
        longrun_offers=_occupied(loaded["longrun_offers.parquet"], empty),
        marginal=_read_json(root / "marginal.json", ("one_more_agent",), problems)
        if (root / "marginal.json").is_file() else None,
        baseline_policy=_read_json(root / "baseline_policy.json", ("policy",), problems)
        if (root / "baseline_policy.json").is_file() else None,
        differences=_read_json(root / "differences.json", ("metrics",), problems)
        if (root / "differences.json").is_file() else None,
        segment_differences=_read_json(root / "segment_differences.json", ("segments", "total"), problems)
        if (root / "segment_differences.json").is_file() else None,
        empty_segments=empty,
        dropped_peer_constraints=dropped,
    )


def _occupied(frame: pl.DataFrame | None, empty: tuple[str, ...]) -> pl.DataFrame | None:
    """``frame`` without the rows of empty segments (None when absent)."""
    return frame.filter(~pl.col("segment").is_in(list(empty))) if frame is not None and empty else frame


def as_float(value: object) -> float:
    """A JSON number as a float; null (an absent bound) as NaN."""
    return float("nan") if value is None else float(value)
