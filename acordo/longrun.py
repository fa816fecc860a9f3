"""One cycle or the long run: the policy that looks ahead against the one that ignores the future.

With several cycles (``cycles.enabled``) the coefficient table's ``npv - cost`` is the
long-run value of an offer (later cycles, margin, new arrears included) and
``first_cycle_net`` its one-cycle value. This module solves the LP twice, once on the
long-run values and once as if the future were ignored (``npv - cost`` replaced by the
one-cycle value), and puts per segment side by side: the mean discount, the one-cycle and
the long-run value per debtor of each policy, with standard errors. Where the two
policies differ, the long-run value says why: the myopic policy buys first-cycle
recovery with discounts whose future costs (re-delinquency, new arrears, lost margin)
exceed it.

Because ``npv`` itself is replaced, the constraints on recovery (``budget_share``) see the
first cycle's recovery too, as a one-cycle optimizer would; the per-segment
``min_recovery`` targets stay as the pipeline computed them (from the long-run
coefficients).

The pipeline (``acordo run``, ``acordo optimize``) calls :func:`write_long_run` when the
scenario has several cycles: it solves the LP a second time with the existing optimizer
API (same coefficients and constraints, the one-cycle objective) and writes
``longrun.parquet`` (:attr:`LongRunComparison.table`) and ``longrun_offers.parquet``
(:meth:`LongRunComparison.offers_table`), which the report's long-run page reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from optimizer.lp import Constraints, PolicySolution, solve_policy

__all__ = ["myopic_coefficients", "LongRunComparison", "compare_long_run", "write_long_run", "LONGRUN_FILES"]

#: What :func:`write_long_run` writes into a run directory.
LONGRUN_FILES = ("longrun.parquet", "longrun_offers.parquet")

_TOL = 1e-7


def myopic_coefficients(coef: pl.DataFrame) -> pl.DataFrame:
    """The coefficient table as if the future were ignored: ``npv - cost`` becomes ``first_cycle_net``."""
    return coef.with_columns((pl.col("npv") - pl.col("future")).alias("npv"), pl.lit(0.0).alias("future"))


def _per_segment(coef: pl.DataFrame, solution: PolicySolution, prefix: str) -> pl.DataFrame:
    """Per segment: mean discount, one-cycle and long-run value per debtor (and SEs) of a solution."""
    share = solution.shares.select("segment", "offer", "share")
    data = coef.join(share, on=["segment", "offer"], how="left").with_columns(pl.col("share").fill_null(0.0))
    data = data.with_columns((pl.col("npv") - pl.col("cost")).alias("_long"),
                             pl.when(pl.col("share") > _TOL).then(pl.col("offer")).otherwise(None).alias("_chosen"))
    return data.group_by("segment", maintain_order=True).agg(
        (pl.col("share") * pl.col("discount")).sum().alias(f"{prefix}_discount"),
        pl.col("_chosen").drop_nulls().str.join(" + ").alias(f"{prefix}_offers"),
        (pl.col("share") * pl.col("first_cycle_net")).sum().alias(f"{prefix}_one_cycle"),
        (pl.col("share") * pl.col("_long")).sum().alias(f"{prefix}_long_run"),
        ((pl.col("share") ** 2 * (pl.col("npv_se") ** 2 + pl.col("cost_se") ** 2)).sum().sqrt())
        .alias(f"{prefix}_long_run_se"),
        (pl.col("share") * pl.col("future")).sum().alias(f"{prefix}_future"),
        ((pl.col("share") ** 2 * pl.col("future_se") ** 2).sum().sqrt()).alias(f"{prefix}_future_se"),
    )


def _gain_se(coef: pl.DataFrame, longrun: PolicySolution, myopic: PolicySolution) -> pl.DataFrame:
    """Per segment, the standard error of the long-run gain ``sum_o (x_o - y_o) (npv_o - cost_o)``.

    Both policies are valued on the same coefficient table, so an offer both choose in the
    same share adds nothing; offers' estimates are taken as independent.
    """
    def shares(sol: PolicySolution, name: str) -> pl.DataFrame:
        return sol.shares.select("segment", "offer", pl.col("share").alias(name))
    data = coef.join(shares(longrun, "_x"), on=["segment", "offer"], how="left").join(
        shares(myopic, "_y"), on=["segment", "offer"], how="left").with_columns(
        pl.col("_x").fill_null(0.0), pl.col("_y").fill_null(0.0))
    return data.group_by("segment", maintain_order=True).agg(
        ((pl.col("_x") - pl.col("_y")) ** 2 * (pl.col("npv_se") ** 2 + pl.col("cost_se") ** 2)).sum().sqrt()
        .alias("long_run_gain_se"))


@dataclass(frozen=True, eq=False)
class LongRunComparison:
    """The long-run policy and the policy that ignores the future, per segment.

    Attributes
    ----------
    table : pl.DataFrame
        One row per segment: ``segment, chronic, n_debtors``; for the long-run policy
        (``longrun_``) and the myopic one (``myopic_``): ``discount`` (mean), ``offers``
        (chosen), ``one_cycle`` and ``long_run`` value per debtor (R$, with
        ``long_run_se``), ``future`` (the NPV of future cycles per debtor, with
        ``future_se``); and ``long_run_gain`` = ``longrun_long_run - myopic_long_run``
        per debtor with its standard error (both policies valued on the same coefficients:
        only the offers whose shares differ count; offers' estimates taken as independent).
    longrun, myopic : PolicySolution
    coefficients : pl.DataFrame
        The (long-run) coefficient table both were solved on.
    """

    table: pl.DataFrame = field(repr=False)
    longrun: PolicySolution = field(repr=False)
    myopic: PolicySolution = field(repr=False)
    coefficients: pl.DataFrame = field(repr=False)

    def offers_table(self) -> pl.DataFrame:
        """Every offer either policy chooses: its shares and its one-cycle and long-run value per debtor."""
        def shares(sol: PolicySolution, name: str) -> pl.DataFrame:
            return sol.shares.select("segment", "offer", pl.col("share").alias(name))
        data = self.coefficients.select(
            "segment", "offer", "discount", "installments", "down_payment_share", "first_cycle_net",
            (pl.col("npv") - pl.col("cost")).alias("long_run"), "future", "future_se")
        data = data.join(shares(self.longrun, "longrun_share"), on=["segment", "offer"], how="left").join(
            shares(self.myopic, "myopic_share"), on=["segment", "offer"], how="left").with_columns(
            pl.col("longrun_share").fill_null(0.0), pl.col("myopic_share").fill_null(0.0))
        return data.filter((pl.col("longrun_share") > _TOL) | (pl.col("myopic_share") > _TOL))

    def totals(self) -> dict[str, float]:
        """Portfolio net (R$) of each policy, valued one-cycle and long-run."""
        t = self.table
        n = t["n_debtors"].to_numpy()
        return {f"{p}_{v}": float(np.sum(n * t[f"{p}_{v}"].to_numpy()))
                for p in ("longrun", "myopic") for v in ("one_cycle", "long_run")}

    def summary(self) -> str:
        """Per segment: mean discount and values of both policies; significance of the gain."""
        lines = ["segment                       discount long/myopic   long-run value R$/debtor long vs myopic"]
        for r in self.table.iter_rows(named=True):
            gain, se = r["long_run_gain"], r["long_run_gain_se"]
            sig = "" if abs(gain) > 1.96 * se or gain == 0 else "  (not significant)"
            lines.append(f"{r['segment']:<28} {r['longrun_discount']:>6.1%} / {r['myopic_discount']:<6.1%}   "
                         f"{r['longrun_long_run']:>10,.2f} ± {1.96 * r['longrun_long_run_se']:,.2f} vs "
                         f"{r['myopic_long_run']:>10,.2f}{sig}")
        tot = self.totals()
        lines.append(f"portfolio long-run net: R$ {tot['longrun_long_run']:,.0f} (long-run policy) vs "
                     f"R$ {tot['myopic_long_run']:,.0f} (future ignored)")
        return "\n".join(lines)


def compare_long_run(coef: pl.DataFrame, constraints: Constraints | None = None, *,
                     solver: str = "highs") -> LongRunComparison:
    """Solve the LP on long-run and on one-cycle values and compare them per segment.

    Parameters
    ----------
    coef : pl.DataFrame
        A coefficient table (:func:`optimizer.coefficients.estimate_coefficients`) with
        ``future`` and ``first_cycle_net``.
    constraints : Constraints, optional
    solver : str

    Returns
    -------
    LongRunComparison
    """
    # the two objectives are compared at their optima: the tie-break's standard errors are
    # those of the long-run values, so it would pick between them on the wrong noise
    import dataclasses
    constraints = dataclasses.replace(constraints or Constraints(), tie_break=False)
    longrun = solve_policy(coef, constraints, solver=solver, explain=False)
    myopic = solve_policy(myopic_coefficients(coef), constraints, solver=solver, explain=False)
    meta = coef.group_by("segment", maintain_order=True).agg(pl.col("chronic").first(), pl.col("n_debtors").first())
    table = meta.join(_per_segment(coef, longrun, "longrun"), on="segment").join(
        _per_segment(coef, myopic, "myopic"), on="segment")
    gain_se = _gain_se(coef, longrun, myopic)
    table = table.join(gain_se, on="segment", how="left").with_columns(
        (pl.col("longrun_long_run") - pl.col("myopic_long_run")).alias("long_run_gain"))
    return LongRunComparison(table, longrun, myopic, coef)


def write_long_run(stage: Path, result, solver: str = "highs") -> LongRunComparison | None:
    """Solve the policy that ignores the future and write the comparison into the run directory ``stage``.

    Parameters
    ----------
    stage : Path
        The run directory being written.
    result : optimizer.optimize.OptimizationResult
        Its coefficients (with ``future`` and ``first_cycle_net``) and constraints are reused.
    solver : str
        The LP solver (``optimizer.solver`` of the scenario).

    Returns
    -------
    LongRunComparison or None
        None (nothing written) when the coefficients have no long-run part or the LP has no solution.
    """
    from optimizer.occupied import occupied
    coef = result.coefficients
    if "in_catalogue" in coef.columns:  # the rows the LP was solved on (as optimizer.optimize does)
        coef = occupied(coef.filter(pl.col("in_catalogue")))
    if "future" not in coef.columns or not coef.height or not bool((coef["future"] != 0).any()):
        return None
    if not result.solution.status.has_solution:
        return None
    cmp = compare_long_run(coef, result.constraints, solver=solver)
    if not cmp.myopic.status.has_solution:
        return None
    cmp.table.write_parquet(Path(stage) / LONGRUN_FILES[0], statistics=False)
    cmp.offers_table().write_parquet(Path(stage) / LONGRUN_FILES[1], statistics=False)
    return cmp
