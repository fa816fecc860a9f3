"""The engine's bookkeeping: agreement money, what a debtor owes, cash in and costs out.

:func:`price_installment` and :func:`plan_installments` are the rule of ``docs/model.md``
that turns an accepted offer into payments (the optimizer and the calibration read them
too). :class:`BooksMixin` is the part of :class:`simulation.engine._Engine` that books
money into the per-debtor arrays and the daily table, and moves a debtor out of OPEN.
"""
from __future__ import annotations

import numpy as np

from simulation.model import CH, OUTCOMES
from simulation.replication import DAILY_METRICS

__all__ = ["price_installment", "plan_installments", "BooksMixin", "METRIC", "OUTCOME", "CALL", "LETTER"]

#: Column of each daily metric in the engine's ``daily`` table.
METRIC: dict[str, int] = {m: i for i, m in enumerate(DAILY_METRICS)}
#: Code of each outcome in the per-debtor ``outcome`` array.
OUTCOME: dict[str, int] = {o: i for i, o in enumerate(OUTCOMES)}
LETTER, CALL = CH["letter"], CH["call"]


def price_installment(pv: np.ndarray, rate: float, m: np.ndarray) -> np.ndarray:
    """Installment of a Price-table (French amortisation) plan of ``m`` payments."""
    m = np.maximum(np.asarray(m, dtype=np.float64), 1.0)
    if rate <= 0:
        return pv / m
    return pv * rate / (1.0 - (1.0 + rate) ** (-m))


def plan_installments(amount: np.ndarray, n: np.ndarray, down: np.ndarray, rate: float,
                      min_installment: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First payment, later installment and number of payments of each agreement.

    A lump sum (``n = 1``) is one payment of ``amount``. A plan has a down payment
    ``down * amount`` (when ``down > 0``) and then ``n - 1`` installments (``n`` without a
    down payment) of the Price-table installment; the count is reduced until the
    installment reaches ``min_installment``, and a plan where none does becomes a lump sum.

    Parameters
    ----------
    amount : ndarray
        The agreed amount (balance owed less the discount).
    n, down : ndarray
        The offer's number of payments and down-payment share.
    rate, min_installment : float
        The plan's monthly interest and the smallest installment allowed.

    Returns
    -------
    first, installment, count : ndarray
    """
    amount = np.asarray(amount, dtype=np.float64)
    n = np.asarray(n, dtype=np.int64)
    down = np.asarray(down, dtype=np.float64)
    has_down = (down > 0) & (n > 1)
    dp = np.where(has_down, down * amount, 0.0)
    rest = amount - dp
    m = np.where(has_down, n - 1, n).astype(np.int64)
    if min_installment > 0:
        bound = np.full(m.shape, np.inf)
        if rate > 0:
            ratio = rest * rate / min_installment
            below = ratio < 1
            bound[below] = -np.log1p(-ratio[below]) / np.log1p(rate)
        else:
            bound = rest / min_installment
        finite = np.isfinite(bound)
        m = np.where(finite, np.minimum(m, np.floor(np.where(finite, bound, 0) + 1e-9)), m).astype(np.int64)
    lump = (n <= 1) | (m < 1)
    inst = np.where(lump, 0.0, price_installment(rest, rate, np.maximum(m, 1)))
    first = np.where(lump, amount, np.where(has_down, dp, inst))
    count = np.where(lump, 1, np.where(has_down, 1 + m, m)).astype(np.int64)
    return first, inst, count


class BooksMixin:
    """Money in and out, for the vectorised engine (uses its arrays; see ``_Engine.__init__``)."""

    def _owed(self, rows: np.ndarray, t: int) -> np.ndarray:
        """What ``rows`` owe on day ``t``: the base balance with simple juros de mora since its day."""
        return self.base[rows] * (1.0 + self.jm * (t - self.base_day[rows]) / 30.0)

    def _collect(self, rows: np.ndarray, amount: np.ndarray, t: int) -> None:
        """Book ``amount`` paid by ``rows`` on day ``t`` (cash, its NPV, the first 30 days, the daily table)."""
        if self.rec is not None:
            self.rec.payments(t, rows, amount, self.status[rows])
        self.collected[rows] += amount
        self.coll_npv[rows] += amount * self.df[t]
        if t < 30:
            self.cash30[rows] += amount
        segs = self.seg[rows]
        self.daily[t, :, METRIC["collected"]] += np.bincount(segs, weights=amount, minlength=self.S)
        self.daily[t, :, METRIC["npv"]] += np.bincount(segs, weights=amount * self.df[t], minlength=self.S)

    def _charge(self, rows: np.ndarray, amount: np.ndarray | float, t: int, counter: str,
                segs: np.ndarray | None = None, per_segment: np.ndarray | None = None) -> None:
        """Charge ``amount`` to ``rows``; ``segs`` (their segments) and, for a scalar amount,
        ``per_segment`` (their count per segment) spare the lookups when the caller has them."""
        segs = self.seg[rows] if segs is None else segs
        if np.ndim(amount) == 0:
            amount = float(amount)
            self.cost[rows] += amount * self.df[t]
            counts = np.bincount(segs, minlength=self.S) if per_segment is None else per_segment
            self.daily[t, :, METRIC["cost"]] += counts * amount
            self.counters[counter] += amount * rows.size
            return
        amount = np.asarray(amount, dtype=np.float64)
        self.cost[rows] += amount * self.df[t]
        self.daily[t, :, METRIC["cost"]] += np.bincount(segs, weights=amount, minlength=self.S)
        self.counters[counter] += float(amount.sum())

    def _count(self, rows: np.ndarray, t: int, metric: str) -> None:
        """Add ``rows`` to the daily count ``metric`` of their segments."""
        self.daily[t, :, METRIC[metric]] += np.bincount(self.seg[rows], minlength=self.S)

    def _leave_open(self, rows: np.ndarray, status: int) -> None:
        """``rows`` leave OPEN for ``status``: no more self-cure, out of the call queue."""
        self.status[rows] = status
        self._cure_leave(rows)
        self.a_eff[rows] = 0.0
        # the call queue holds OPEN rows only (the walk reads a prefix of it); the other
        # channels drop rows that are no longer OPEN when they next read their pending rows
        slots = self.rank[rows]
        had = slots[self.pending[CALL][slots]]
        if had.size:
            self.pending[CALL][had] = False
            self.n_pending[CALL] -= had.size
