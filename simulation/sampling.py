"""A stratified sample of the book, and the totals it estimates with their intervals.

The sensitivity analysis (:mod:`simulation.sensitivity`) measures how the book's net NPV
moves when a behaviour parameter moves; it simulates a sample of debtors drawn by segment
instead of the whole book. ``docs/sensitivity.md`` states the estimator:

- segment ``s`` has ``N_s`` debtors, ``n_s`` are drawn without replacement; each stands
  for ``w_s = N_s / n_s`` debtors, also in the agent pool (its calls use ``w_s`` times
  their minutes, :attr:`simulation.model.SimModel.call_weight`), so the sample's queue is
  as short of agents as the book's;
- sampled debtors keep their random id, so they see the draws they see in the whole
  book (common random numbers with the full re-simulation, and between variants);
- a total is ``T = sum_s w_s sum_{i in s} x_i``, with ``x_i`` the debtor's value averaged
  over replications, and its variance is the stratified one with the Monte Carlo noise
  of the sampled debtors kept when a segment is sampled whole:
  ``V = sum_s N_s^2 / n_s ((1 - f_s) S_s^2 + f_s sigma_s^2 / R)``.

The sample is nested: a segment's rows are a fixed random permutation of it, and a sample
of ``n_s`` takes its first ``n_s``, so a pilot is a prefix of the sample it sizes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.model import SimModel

__all__ = ["StratifiedSample", "draw_sample", "stratified_total", "neyman_sizes", "Z95"]

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054


@dataclass(frozen=True, eq=False)
class StratifiedSample:
    """Rows of the book drawn by segment.

    Attributes
    ----------
    rows : ndarray (n,) int64
        Sampled rows of the book, sorted.
    stratum : ndarray (n,) int32
        Segment of each sampled row.
    book : ndarray (S,) int64
        Debtors of each segment in the book.
    size : ndarray (S,) int64
        Debtors of each segment in the sample.
    """

    rows: np.ndarray
    stratum: np.ndarray
    book: np.ndarray
    size: np.ndarray

    @property
    def n(self) -> int:
        """Debtors sampled."""
        return int(self.rows.size)

    @property
    def whole(self) -> bool:
        """Whether every debtor of the book is in the sample."""
        return bool(np.array_equal(self.book, self.size))

    @property
    def weights(self) -> np.ndarray:
        """``N_s / n_s`` of each sampled row."""
        return (self.book / np.maximum(self.size, 1))[self.stratum]

    def model(self, model: SimModel) -> SimModel:
        """The book's model restricted to the sample, each debtor weighing ``w_s`` in the agent pool."""
        if self.whole:
            return model
        sub = model.take(self.rows)
        weight = self.weights if sub.call_weight is None else sub.call_weight * self.weights
        import dataclasses
        return dataclasses.replace(sub, call_weight=weight)


def draw_sample(seg: np.ndarray, sizes: np.ndarray, seed: int | np.random.SeedSequence) -> StratifiedSample:
    """The first ``sizes[s]`` rows of a seeded random permutation of each segment.

    Parameters
    ----------
    seg : ndarray (N,) of int
        Segment of every debtor of the book.
    sizes : ndarray (S,) of int
        Debtors to draw per segment (clipped to the segment's size).
    seed : int or SeedSequence
        Seeds the permutations (same seed, same nested samples).
    """
    seg = np.asarray(seg)
    S = len(sizes)
    book = np.bincount(seg, minlength=S).astype(np.int64)
    size = np.minimum(np.asarray(sizes, dtype=np.int64), book)
    rng = np.random.Generator(np.random.PCG64(seed))
    order = np.argsort(seg, kind="stable")
    starts = np.concatenate(([0], np.cumsum(book)))
    parts = []
    for s in range(S):
        members = order[starts[s]:starts[s + 1]]
        parts.append(members[rng.permutation(members.size)[:size[s]]])
    rows = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    return StratifiedSample(rows.astype(np.int64), seg[rows].astype(np.int32), book, size)


def stratified_total(sample: StratifiedSample, values: np.ndarray) -> tuple[float, float]:
    """The book total estimated from per-debtor values, and its standard error.

    Parameters
    ----------
    sample : StratifiedSample
    values : ndarray (R, n)
        Per replication and sampled debtor (``sample.rows`` order): the value (or the
        paired difference of two variants).

    Returns
    -------
    (total, standard error)
        With one replication, the Monte Carlo term of whole segments is unknown and left out.
    """
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    R = x.shape[0]
    xbar = x.mean(axis=0)
    S = sample.book.size
    st = sample.stratum
    N = sample.book.astype(np.float64)
    n = sample.size.astype(np.float64)
    sums = np.bincount(st, weights=xbar, minlength=S)
    total = float(np.sum(np.divide(N, n, out=np.zeros(S), where=n > 0) * sums))
    mean = np.divide(sums, n, out=np.zeros(S), where=n > 0)
    ss = np.bincount(st, weights=(xbar - mean[st]) ** 2, minlength=S)
    s2 = np.divide(ss, n - 1, out=np.zeros(S), where=n > 1)
    mc = (np.bincount(st, weights=x.var(axis=0, ddof=1), minlength=S) / np.maximum(n, 1) / R) if R > 1 else np.zeros(S)
    f = np.divide(n, N, out=np.ones(S), where=N > 0)
    var = np.divide(N ** 2, n, out=np.zeros(S), where=n > 0) * ((1.0 - f) * s2 + f * mc)
    return total, math.sqrt(float(var.sum()))


def neyman_sizes(book: np.ndarray, spread: np.ndarray, target_se: float, minimum: int = 50,
                 between: np.ndarray | None = None) -> np.ndarray:
    """Debtors per segment so that a total's standard error is at most ``target_se``.

    Neyman allocation, ``n_s`` proportional to ``N_s S_s``, with the total
    ``n = (sum N_s S_s)^2 / (target_se^2 + sum N_s B_s)``, each segment at least ``minimum``
    debtors (or all of them) and at most its size. ``B_s`` is the part of ``S_s^2`` that
    sampling more of the book removes (the finite-population correction): the spread of the
    debtors' expected values, ``between``; the Monte Carlo noise of the simulated values,
    the rest of ``S_s^2``, stays whatever the sample (the variance of
    :func:`stratified_total` keeps it, ``f_s sigma_s^2 / R``). ``between`` defaults to
    ``S_s^2`` (values without noise).

    Parameters
    ----------
    book : ndarray (S,)
        Debtors per segment.
    spread : ndarray (S,)
        Per segment, the standard deviation ``S_s`` of the per-debtor value (a pilot's).
    target_se : float
        The standard error asked (> 0).
    between : ndarray (S,), optional
        Per segment, ``B_s <= S_s^2`` (default ``S_s^2``).
    """
    N = np.asarray(book, dtype=np.float64)
    sd = np.nan_to_num(np.asarray(spread, dtype=np.float64), nan=0.0)
    b = sd * sd if between is None else np.minimum(np.nan_to_num(np.asarray(between, dtype=np.float64)), sd * sd)
    a = float(np.sum(N * sd))
    if a <= 0:
        sizes = np.zeros(N.size)
    else:
        n_total = a * a / (target_se ** 2 + float(np.sum(N * np.maximum(b, 0.0))))
        sizes = np.ceil(n_total * N * sd / a)
    sizes = np.maximum(sizes, np.minimum(N, minimum))
    return np.minimum(sizes, N).astype(np.int64)
