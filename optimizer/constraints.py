"""What the offer-policy LP is given: its business constraints and its coefficient table.

:class:`Constraints` holds the rows a user asks for, validated once; :func:`prepare_coefficients`
validates the coefficient table (one row per segment and offer) and casts it to canonical dtypes.
The rows themselves are built in :mod:`optimizer.model`.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

__all__ = ["DEFAULT_SOLVER", "REQUIRED_COLUMNS", "Constraints", "prepare_coefficients", "week_columns"]

#: Solver used by :func:`optimizer.solve.solve_policy` and friends when none is given; chosen with
#: ``benchmarks/bench_lp.py`` (the one that meets the 1 s / 10 s budgets on 200 x 150).
DEFAULT_SOLVER = "highs"

#: Columns the coefficient table must have, with the kind of values expected.
REQUIRED_COLUMNS: dict[str, str] = {
    "segment": "str",
    "offer": "str",
    "discount": "float",
    "installments": "int",
    "n_debtors": "int",
    "npv": "float",
    "cost": "float",
    "give": "float",
    "minutes": "float",
    "cash30": "float",
    "chronic": "bool",
    "risk_band": "str",
}

_NUMERIC = ("discount", "npv", "cost", "give", "minutes", "cash30")
_WEEK = re.compile(r"^minutes_w(\d+)$")


def week_columns(columns: Sequence[str]) -> list[str]:
    """The weekly agent-minute columns (``minutes_w00``, ``minutes_w01`` ...) of a table, in week order."""
    found = [(int(m.group(1)), c) for c in columns if (m := _WEEK.match(c))]
    return [c for _, c in sorted(found)]


def _bad(param: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"Constraints: {param}: out of range (got {value!r}, expected {expected})")


def _finite_nonneg(param: str, value: Any, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < 0:
        raise _bad(param, "a finite number >= 0" + (" or None" if optional else ""), value)


@dataclass(frozen=True)
class Constraints:
    """Business constraints of the offer-policy LP; stored as given, validated once.

    Parameters
    ----------
    budget : float or None
        Give-away cap in R$ (``sum N x give <= budget``); ``None`` for no cap.
    budget_share : float or None
        Give-away at most this share of the recovered NPV
        (``sum N x give <= budget_share * sum N x npv``); ``None`` for none.
    agent_minutes : float or None
        Agent minutes available over the horizon; ``None`` for unlimited.
    agent_minutes_by_week : sequence of float or None
        Agent minutes available in each week of the horizon (week 0 first): one row
        ``agent_minutes[w<k>]`` per week, ``sum N x minutes_w<k> <= capacity[k]``, when the
        coefficient table carries the weekly columns ``minutes_w00`` ... Only for
        coefficients measured with the minutes the cadence demands (unlimited agents):
        under the pool the simulation has rationed the calls already.
    liquidity_target : float or None
        Minimum cash in the first 30 days, R$ (``sum N x cash30 >= target``).
    chronic_max_discount : float or None
        Cap on the mean discount (0..1) of each chronic segment.
    chronic_not_better : bool
        A chronic segment's mean discount never exceeds that of the non-chronic segments
        of the same ``risk_band`` (debtor-weighted), when there are any.
    min_recovery : Mapping[str, float] or None
        Per segment, the minimum expected NPV per debtor (R$).
    moral_hazard_cost : float
        R$ of objective charged per R$ of give-away granted to chronic segments.
    confidence : float
        Probability with which the budget, budget-share and liquidity rows must hold in a
        run of the portfolio (chance constraints, see :mod:`optimizer.margins`); ``0.5``
        solves them on the means.
    tie_break : bool
        Break ties within noise toward less give-away, then fewer installments (a
        second-stage LP, see :mod:`optimizer.solve`).
    agent_queue : bool
        The weekly rows carry the dialler's queue: minutes demanded in a week and not made
        in it are made in a later week (one variable ``q[w] >= 0`` per week, see
        :mod:`optimizer.build`); False: each week's demand must fit in that week.
    indifference : float
        The tie-break's indifference zone, a share of each segment's best objective per
        debtor: offers whose estimate is within it of the best are treated as equal and the
        smallest discount, then the fewest installments, among them is taken
        (:mod:`optimizer.tiebreak`). 0: the older rule (ties within the standard errors).

    Raises
    ------
    ValueError
        Naming the parameter, the allowed range and the value received.
    """

    budget: float | None = None
    budget_share: float | None = None
    agent_minutes: float | None = None
    liquidity_target: float | None = None
    chronic_max_discount: float | None = None
    chronic_not_better: bool = True
    min_recovery: Mapping[str, float] | None = None
    moral_hazard_cost: float = 0.0
    agent_minutes_by_week: Sequence[float] | None = None
    confidence: float = 0.5
    tie_break: bool = True
    agent_queue: bool = False
    indifference: float = 0.0

    def __post_init__(self) -> None:
        _finite_nonneg("budget", self.budget)
        _finite_nonneg("budget_share", self.budget_share)
        _finite_nonneg("agent_minutes", self.agent_minutes)
        _finite_nonneg("liquidity_target", self.liquidity_target)
        _finite_nonneg("moral_hazard_cost", self.moral_hazard_cost, optional=False)
        cap = self.chronic_max_discount
        if cap is not None:
            _finite_nonneg("chronic_max_discount", cap)
            if float(cap) > 1:
                raise _bad("chronic_max_discount", "a number in [0, 1] or None", cap)
        if self.agent_minutes_by_week is not None:
            weeks = self.agent_minutes_by_week
            if isinstance(weeks, (str, bytes, Mapping)) or not isinstance(weeks, Sequence) or not len(weeks):
                raise _bad("agent_minutes_by_week", "a non-empty sequence of numbers >= 0, or None", weeks)
            for k, value in enumerate(weeks):
                _finite_nonneg(f"agent_minutes_by_week[{k}]", value, optional=False)
        conf = self.confidence
        if isinstance(conf, bool) or not isinstance(conf, (int, float, np.floating)) or not 0.5 <= float(conf) < 1:
            raise _bad("confidence", "a probability in [0.5, 1)", conf)
        if not isinstance(self.tie_break, (bool, np.bool_)):
            raise _bad("tie_break", "True or False", self.tie_break)
        if not isinstance(self.agent_queue, (bool, np.bool_)):
            raise _bad("agent_queue", "True or False", self.agent_queue)
        ind = self.indifference
        if isinstance(ind, bool) or not isinstance(ind, (int, float, np.floating)) or not 0 <= float(ind) < 1:
            raise _bad("indifference", "a share in [0, 1)", ind)
        if not isinstance(self.chronic_not_better, (bool, np.bool_)):
            raise _bad("chronic_not_better", "True or False", self.chronic_not_better)
        if self.min_recovery is not None:
            if not isinstance(self.min_recovery, Mapping):
                raise _bad("min_recovery", "a mapping of segment name to a number >= 0, or None", self.min_recovery)
            for key, value in self.min_recovery.items():
                if not isinstance(key, str):
                    raise _bad("min_recovery", "segment names (str) as keys", key)
                _finite_nonneg(f"min_recovery[{key}]", value, optional=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy of the constraints."""
        return {
            "budget": self.budget,
            "budget_share": self.budget_share,
            "agent_minutes": self.agent_minutes,
            "liquidity_target": self.liquidity_target,
            "chronic_max_discount": self.chronic_max_discount,
            "chronic_not_better": bool(self.chronic_not_better),
            "min_recovery": None if self.min_recovery is None else {k: float(v) for k, v in self.min_recovery.items()},
            "moral_hazard_cost": float(self.moral_hazard_cost),
            "agent_minutes_by_week": None if self.agent_minutes_by_week is None
            else [float(v) for v in self.agent_minutes_by_week],
            "confidence": float(self.confidence),
            "tie_break": bool(self.tie_break),
            "agent_queue": bool(self.agent_queue),
            "indifference": float(self.indifference),
        }


# --------------------------------------------------------------------------- coefficients


def prepare_coefficients(coef: pl.DataFrame) -> pl.DataFrame:
    """Validate the coefficient table and return it with canonical dtypes.

    Parameters
    ----------
    coef : pl.DataFrame
        One row per (segment, offer) with the columns of :data:`REQUIRED_COLUMNS`;
        other columns (``break_rate``, standard errors ...) are carried through.

    Returns
    -------
    pl.DataFrame
        Same rows and order, required columns cast to ``String`` / ``Float64`` /
        ``Int64`` / ``Boolean``.

    Raises
    ------
    ValueError
        Listing every problem found, one per line, in the project's error format.
    """
    if not isinstance(coef, pl.DataFrame):
        raise ValueError(f"coefficients: not a table (got {type(coef).__name__}, expected a polars DataFrame)")
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in coef.columns]
    for name in missing:
        problems.append(f"coefficients: column '{name}': missing (expected {REQUIRED_COLUMNS[name]})")
    if problems:
        raise ValueError("\n".join(problems))
    if coef.height == 0:
        raise ValueError("coefficients: no rows (got 0, expected at least one (segment, offer) row)")
    casts = {"str": pl.String, "float": pl.Float64, "int": pl.Int64, "bool": pl.Boolean}
    columns = []
    for name, kind in REQUIRED_COLUMNS.items():
        try:
            columns.append(coef[name].cast(casts[kind], strict=True))
        except Exception:  # noqa: BLE001 - polars raises several types; report them uniformly
            problems.append(f"coefficients: column '{name}': wrong type (got {coef[name].dtype}, expected {kind})")
    if problems:
        raise ValueError("\n".join(problems))
    table = coef.with_columns(columns)
    for name in REQUIRED_COLUMNS:
        nulls = table[name].null_count()
        if nulls:
            problems.append(f"coefficients: column '{name}': missing values (got {nulls} nulls, expected none)")
    if problems:
        raise ValueError("\n".join(problems))
    for name in _NUMERIC:
        values = table[name].to_numpy()
        if not np.all(np.isfinite(values)):
            problems.append(f"coefficients: column '{name}': non-finite values (got NaN or inf, expected finite numbers)")
    d = table["discount"].to_numpy()
    if np.any((d < 0) | (d > 1)):
        problems.append(f"coefficients: column 'discount': out of range (got {float(d.min()):g}..{float(d.max()):g}, expected 0..1)")
    if (table["n_debtors"] < 0).any():
        problems.append(f"coefficients: column 'n_debtors': negative (got {table['n_debtors'].min()}, expected >= 0)")
    if (table["installments"] < 1).any():
        problems.append(f"coefficients: column 'installments': out of range (got {table['installments'].min()}, expected >= 1)")
    dup = table.select("segment", "offer").is_duplicated()
    if dup.any():
        first = table.filter(dup).row(0, named=True)
        problems.append(
            f"coefficients: (segment, offer): duplicated (got {first['segment']!r}, {first['offer']!r}, expected one row per pair)"
        )
    per_segment = table.group_by("segment").agg(
        pl.col("n_debtors").n_unique().alias("n"),
        pl.col("chronic").n_unique().alias("c"),
        pl.col("risk_band").n_unique().alias("r"),
    )
    for column, alias in (("n_debtors", "n"), ("chronic", "c"), ("risk_band", "r")):
        bad = per_segment.filter(pl.col(alias) > 1)["segment"].to_list()
        if bad:
            problems.append(
                f"coefficients: column '{column}': varies within a segment (got {len(bad)} such segments, e.g. {bad[0]!r}, expected one value per segment)"
            )
    if problems:
        raise ValueError("\n".join(problems))
    return table

