"""Chance-constraint margins: budget, budget-share and liquidity rows that hold with a stated probability.

A row ``a(x) = sum_j N_j c_j x_j <= b`` is solved on estimated coefficients ``c_j``. In a
run of the portfolio it is met when the realised total ``A`` is ``<= b``; ``A`` differs
from ``a(x)`` by (i) the estimation error of the coefficients and (ii) the run's own
randomness. With ``se_j`` the coefficient's standard error and ``sd_j = se_j sqrt(n_j)``
the per-debtor standard deviation (``n_j`` simulated debtors behind it), and offers of one
segment taken as fully correlated in their estimation errors (common random numbers)::

    Var(A - a(x)) ~ sum_s [ (N_s sum_o x_so se_so)^2 + N_s sum_o x_so sd_so^2 ]

(segments independent). The row is tightened to ``a(x) + z sqrt(Var) <= b`` with
``z = Phi^-1(confidence)`` (a ``>=`` row: ``a(x) - z sqrt(Var) >= b``). The margin depends on
``x``; it is found by fixed-point iteration (solve, compute the margin at the solution,
re-solve), never decreasing, so the last margin covers the last solution. The second term
treats the debtors' differences as random, which makes the margin conservative.

``budget_share`` rows use ``c = give - share * npv`` with ``se^2 = se_give^2 + share^2
se_npv^2``; ``liquidity`` uses ``cash30``. Without standard-error columns the margin is 0.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from optimizer.model import LPModel

__all__ = ["CHANCE_KINDS", "row_sd", "margins_at"]

#: Row families that get a chance-constraint margin.
CHANCE_KINDS = ("budget", "budget_share", "liquidity")


def _col(model: LPModel, name: str) -> np.ndarray | None:
    return model.coef[name].to_numpy().astype(float) if name in model.coef.columns else None


def _debtor_sd(model: LPModel, kind: str) -> np.ndarray | None:
    """The per-debtor standard deviation of the row's coefficient, when the table has it (``<name>_sd``).

    Tables estimated with copies by balance (``optimizer.copies``) carry it: there a copy's
    scaled value varies less than a debtor's, so ``se sqrt(n)`` would understate the run's spread.
    """
    if kind == "budget":
        return _col(model, "give_sd")
    if kind == "liquidity":
        return _col(model, "cash30_sd")
    g, n = _col(model, "give_sd"), _col(model, "npv_sd")
    if kind != "budget_share" or g is None or n is None:
        return None
    return np.sqrt(g ** 2 + float(model.constraints.budget_share or 0.0) ** 2 * n ** 2)


def row_sd(model: LPModel, kind: str, x: np.ndarray) -> float:
    """Standard deviation of the realised total of a row of family ``kind`` at shares ``x``."""
    cons = model.constraints
    if kind == "budget":
        se = _col(model, "give_se")
    elif kind == "liquidity":
        se = _col(model, "cash30_se")
    elif kind == "budget_share":
        g, n = _col(model, "give_se"), _col(model, "npv_se")
        if g is None or n is None:
            return 0.0
        se = np.sqrt(g ** 2 + float(cons.budget_share or 0.0) ** 2 * n ** 2)
    else:
        return 0.0
    if se is None:
        return 0.0
    samples = _col(model, "samples")
    sd = se * np.sqrt(samples) if samples is not None else np.zeros_like(se)
    spread = _debtor_sd(model, kind)  # copies by balance: the copies' spread is not the debtors'
    if spread is not None:
        sd = spread
    N = model.coef["n_debtors"].to_numpy().astype(float)
    n_seg = len(model.segments)
    level = np.bincount(model.segment_index, weights=x * se, minlength=n_seg)
    n_seg_debtors = np.zeros(n_seg)
    n_seg_debtors[model.segment_index] = N
    spread = np.bincount(model.segment_index, weights=x * sd ** 2, minlength=n_seg)
    return float(math.sqrt(np.sum((n_seg_debtors * level) ** 2 + n_seg_debtors * spread)))


def margins_at(model: LPModel, x: np.ndarray, confidence: float) -> dict[str, float]:
    """The margin of every chance row at shares ``x`` (readable name -> margin in the row's units)."""
    z = float(norm.ppf(confidence))
    return {name: z * row_sd(model, row.kind, x) for name, row in model.rows.items() if row.kind in CHANCE_KINDS}
