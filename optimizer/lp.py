"""The offer-policy LP in one import: re-exports of its parts.

The LP lives in modules named for what they are: :mod:`optimizer.constraints` (what it is
given), :mod:`optimizer.model` (its rows), :mod:`optimizer.solve` (margins, optimum,
tie-break), :mod:`optimizer.ranging` (two-sided duals), :mod:`optimizer.solution` (what it
returns) and :mod:`optimizer.infeasibility` (why it has no solution), which imports only
the model, not this module.
"""
from __future__ import annotations

from optimizer.constraints import DEFAULT_SOLVER, REQUIRED_COLUMNS, Constraints, prepare_coefficients
from optimizer.build import build_model
from optimizer.model import LPModel, Row
from optimizer.solution import PolicySolution, solution_from_model
from optimizer.solve import solve_policy

__all__ = [
    "DEFAULT_SOLVER",
    "REQUIRED_COLUMNS",
    "Constraints",
    "Row",
    "LPModel",
    "PolicySolution",
    "prepare_coefficients",
    "build_model",
    "solve_policy",
    "solution_from_model",
]
