"""Intervals as the report states them: a quantity that cannot be negative never gets a negative bound.

The run directory stores Student-t 95% intervals of the mean over replications. With few
replications (three is common) the interval of a small non-negative total, such as the
give-away or the count of broken agreements, reaches below zero: ``R$ 1.021 [-R$ 2.576 –
R$ 4.618]``. The true mean of such a quantity is at least zero, so the part of the interval
below zero holds no value it can take. Cutting it there keeps every value the interval did hold,
and the interval covers the truth at least as often. The report says so once, in the cover's
method note (``interval_floor_note``).

Net recovery (collected less costs) and every difference between two policies can be negative:
their intervals are shown as they are. Every page reads its intervals through this module
(:meth:`reports.rundata.RunData.metric`, :meth:`~reports.rundata.RunData.segment_compared`,
:func:`reports.figures.band`, :func:`interval`), never cutting them on its own.
"""
from __future__ import annotations

import math

import numpy as np

from simulation.results import mean_ci

__all__ = ["SIGNED", "can_be_negative", "floor_at_zero", "floor_band", "interval"]

#: Run totals that can be negative (collected less costs); every other total is an amount, a count,
#: a share or minutes, never below zero. Differences between policies are signed as well.
SIGNED: frozenset[str] = frozenset({"net_npv", "net", "difference"})


def can_be_negative(metric: str) -> bool:
    """Whether the run total ``metric`` can be below zero (net recovery, a difference)."""
    return metric in SIGNED or metric.startswith("net_") or metric.endswith("_difference")


def floor_at_zero(mean: float, lo: float, hi: float) -> tuple[float, float, float]:
    """``(mean, max(lo, 0), hi)``: the interval of a non-negative quantity, cut at zero.

    An absent bound (NaN, one replication) stays absent.
    """
    if lo is not None and not math.isnan(lo):
        lo = max(float(lo), 0.0)
    return mean, lo, hi


def floor_band(lo: np.ndarray) -> np.ndarray:
    """The lower edge of a band of a non-negative series (cash, shares, minutes), cut at zero."""
    return np.maximum(np.asarray(lo, dtype=np.float64), 0.0)


def interval(values: np.ndarray, nonnegative: bool, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of the mean over replications, cut at zero when ``nonnegative``.

    Parameters
    ----------
    values
        One value per replication.
    nonnegative
        The quantity cannot be negative (an amount collected, a count); a difference can.
    level
        Confidence level.

    Returns
    -------
    tuple of float
        ``(mean, lo, hi)``; both bounds NaN with one replication.
    """
    mean, lo, hi = mean_ci(values, level)
    return floor_at_zero(mean, lo, hi) if nonnegative else (mean, lo, hi)
