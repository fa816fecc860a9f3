"""The offer-policy LP model: named rows over the shares ``x[s, o]``, as built by :mod:`optimizer.build`.

:class:`Row` is one named row with its coefficients; :class:`LPModel` the PuLP problem plus
everything needed to read it (variables, rows by readable name, objective, segments).
The rows themselves and their meaning: :mod:`optimizer.build`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pulp

from optimizer.constraints import Constraints

__all__ = ["Row", "LPModel"]


@dataclass(eq=False)
class Row:
    """One named row of the model, with its coefficients kept for reporting.

    ``idx`` / ``val`` are positions in the model's variable vector (the ``x`` in
    coefficient-table order, then auxiliary variables) and their coefficients, exactly as
    in the PuLP row; ``rhs`` is read from the PuLP constraint so it follows rhs changes.
    ``x_idx`` / ``x_val`` express the same row over ``x`` only (auxiliary variables
    substituted by their definition); they equal ``idx`` / ``val`` for most rows.
    ``limit`` is the value the user asked for and ``margin`` the chance-constraint margin
    taken off it (``rhs = limit - margin`` for ``<=``, ``limit + margin`` for ``>=``).
    """

    name: str
    pulp_name: str
    kind: str
    sense: str
    idx: np.ndarray
    val: np.ndarray
    constraint: pulp.LpConstraint
    segment: str | None = None
    x_idx: np.ndarray | None = None
    x_val: np.ndarray | None = None
    limit: float | None = None
    margin: float = 0.0

    @property
    def rhs(self) -> float:
        """Current right-hand side."""
        return 0.0 - float(self.constraint.constant)  # no "-0.0" for a zero rhs

    def activity(self, values: np.ndarray) -> float:
        """Left-hand side at the full variable vector ``values``."""
        return float(self.val @ values[self.idx])


@dataclass(eq=False)
class LPModel:
    """A built offer-policy model: the PuLP problem plus everything needed to read it.

    Attributes
    ----------
    problem : pulp.LpProblem
        The maximisation, rows named with sanitised names.
    variables : list[pulp.LpVariable]
        ``x[s, o]`` in the row order of ``coef`` (the first ``n_x``), then the auxiliary
        variables ``m_<band>`` (debtor-weighted mean discount of a band's non-chronic
        segments, defined by the row ``peer_mean[<band>]``) and ``p_<band>_<level>``
        (share of the band's non-chronic debtors offered at least ``level``, row
        ``peer_share[<band> >= <level>]``).
    n_x : int
        Number of ``x`` variables (rows of ``coef``).
    coef : pl.DataFrame
        The validated coefficient table.
    rows : dict[str, Row]
        Rows by readable name, in the order they were added.
    pulp_names, readable_names : dict[str, str]
        Readable -> PuLP row name and back.
    objective : np.ndarray
        Objective coefficient of each variable (R$), auxiliary ones 0.
    segment_index : np.ndarray
        Position of each ``x``'s segment in ``segments``.
    segments : tuple[str, ...]
        Segments in order of first appearance.
    constraints : Constraints
    integer : bool
    """

    problem: pulp.LpProblem
    variables: list[pulp.LpVariable]
    n_x: int
    coef: pl.DataFrame
    rows: dict[str, Row]
    pulp_names: dict[str, str]
    readable_names: dict[str, str]
    objective: np.ndarray
    segment_index: np.ndarray
    segments: tuple[str, ...]
    constraints: Constraints
    integer: bool

    def set_rhs(self, name: str, value: float) -> None:
        """Change the right-hand side of the row with readable ``name``."""
        self.rows[name].constraint.changeRHS(float(value))

    def values(self) -> np.ndarray:
        """Current values of all variables (NaN where the solver left none)."""
        return np.array([np.nan if v.varValue is None else v.varValue for v in self.variables], dtype=float)

    def optional_rows(self) -> list[str]:
        """Readable names of the rows a user asked for (all but ``assign`` / ``peer_*`` definitions)."""
        return [n for n, r in self.rows.items() if r.kind not in ("assign", "peer_mean", "peer_share")]

    def x_expression(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The row's left-hand side over ``x`` only: ``(positions, coefficients)``."""
        row = self.rows[name]
        if row.x_idx is not None and row.x_val is not None:
            return row.x_idx, row.x_val
        return row.idx, row.val

    def activity_range(self, name: str) -> tuple[float, float]:
        """Smallest and largest activity the row can take under the assignment rows alone.

        Every row covers whole segments and each segment's shares lie on a simplex (or are
        one-hot in integer mode), so the range is the sum over segments of the min / max
        coefficient within the segment.
        """
        idx, val = self.x_expression(name)
        n = len(self.segments)
        seg = self.segment_index[idx]
        lo = np.full(n, np.inf)
        hi = np.full(n, -np.inf)
        np.minimum.at(lo, seg, val)
        np.maximum.at(hi, seg, val)
        touched = np.isfinite(lo)
        return float(lo[touched].sum()), float(hi[touched].sum())

    def write_mps(self, path: str | Path) -> Path:
        """Write the model as free MPS with an ``OBJSENSE MAX`` section; return the path."""
        path = Path(path)
        self.problem.writeMPS(str(path), with_objsense=True)
        return path
