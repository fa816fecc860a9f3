"""Several delinquency cycles: the rules both implementations share.

With ``cycles.enabled`` a debtor whose cycle ends in payment (self-cure, agency, a kept
agreement) stays a customer and may become delinquent again: the re-delinquency time is
geometric with a daily hazard that depends on how the cycle ended and on its segment; a
new cycle starts with a new balance, ``entry_days_past_due`` days past due, one more prior
delinquency (so chronic status is earned) and possibly another segment. A customer
written off or who opted out is lost with its margin. ``docs/model.md`` ("Several
cycles") states the exact rules; the engine calls these functions on arrays of debtors
and the reference model on arrays of one, so both compute every number the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.errors import Problems
from scenarios.segmentation import assign_segments
from simulation.model import SimModel

__all__ = ["PAID_IN_FULL", "SETTLED", "BROKEN", "END_KINDS", "CycleRules", "daily_hazard", "reentry_delay",
           "resegment"]

#: How a cycle ended (the re-delinquency hazard depends on it).
PAID_IN_FULL, SETTLED, BROKEN = 0, 1, 2
END_KINDS: tuple[str, ...] = ("paid_in_full", "settled", "broken")


def daily_hazard(monthly: np.ndarray) -> np.ndarray:
    """The daily hazard of a monthly probability: ``1 - (1 - p) ** (1 / 30)``."""
    p = np.clip(np.asarray(monthly, dtype=np.float64), 0.0, 1.0)
    return -np.expm1(np.log1p(-np.minimum(p, 1.0 - 1e-15)) / 30.0)


def reentry_delay(g: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Days until re-entry, ``floor(log(1 - g) / log(1 - h)) + 1`` (inf when ``h = 0``, 1 when ``h >= 1``)."""
    g, h = np.asarray(g, dtype=np.float64), np.asarray(h, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(h > 0, np.floor(np.log1p(-g) / np.log1p(-np.minimum(h, 1 - 1e-12))) + 1, np.inf)
    return np.where(h >= 1, 1.0, k)


@dataclass(frozen=True)
class CycleRules:
    """The multi-cycle parameters of a model, as arrays by segment."""

    enabled: bool
    collection_days: int
    entry_dpd: int
    threshold: int
    paid: np.ndarray          # monthly hazards by segment
    settled: np.ndarray
    slope: np.ndarray
    broken: np.ndarray
    balance_share: np.ndarray
    margin_daily: np.ndarray  # R$ per day by segment
    cum_df: np.ndarray        # cum_df[k] = sum of the discount factors of days 0 .. k-1

    @classmethod
    def of(cls, model: SimModel) -> "CycleRules":
        """The rules of ``model``'s scenario."""
        sc = model.scenario
        segs = sc.segments
        H = model.calendar.horizon

        def arr(name: str) -> np.ndarray:
            return np.array([getattr(s.behaviour, name) for s in segs], dtype=np.float64)

        df = (1.0 + sc.money.annual_discount_rate) ** (-np.arange(H + 1) / 365.0)
        return cls(sc.cycles.enabled, sc.cycles.collection_days, sc.cycles.entry_days_past_due,
                   sc.portfolio.chronic_threshold, arr("redelinquency_paid"), arr("redelinquency_settled"),
                   arr("redelinquency_discount_slope"), arr("redelinquency_broken"), arr("redelinquency_balance"),
                   arr("customer_margin_monthly") / 30.0, np.concatenate(([0.0], np.cumsum(df))))

    def hazard(self, seg: np.ndarray, kind: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Daily re-delinquency hazard after a cycle of segment ``seg`` ended as ``kind`` (discount ``d``)."""
        monthly = np.where(kind == PAID_IN_FULL, self.paid[seg],
                           np.where(kind == BROKEN, self.broken[seg],
                                    np.minimum(1.0, self.settled[seg] * np.exp(self.slope[seg] * d))))
        return daily_hazard(monthly)

    def margin(self, seg: np.ndarray, first: np.ndarray, end: np.ndarray) -> np.ndarray:
        """NPV of the margin of days ``first .. end - 1`` (clipped to the horizon)."""
        top = self.cum_df.size - 2  # the horizon H: days 0 .. H-1 earn margin
        a = np.minimum(np.asarray(first, dtype=np.int64), top)
        b = np.clip(np.asarray(end, dtype=np.float64), 0, top).astype(np.int64)
        return self.margin_daily[seg] * np.maximum(self.cum_df[np.maximum(b, a)] - self.cum_df[a], 0.0)

    def horizon(self) -> int:
        """The horizon H (days 0 .. H-1)."""
        return self.cum_df.size - 2


def resegment(model: SimModel, rows: np.ndarray, prior: np.ndarray, balance: np.ndarray, entry_dpd: int,
              old_seg: np.ndarray) -> np.ndarray:
    """The segment of debtors ``rows`` entering a new cycle.

    The segment rules are applied to the debtor's portfolio row with the new balance,
    ``entry_dpd`` days past due and the prior delinquencies counted so far; a debtor that
    no rule (or more than one) matches keeps its segment.
    """
    if model.frame is None or rows.size == 0:
        return np.asarray(old_seg, dtype=np.int32).copy()
    import polars as pl
    frame = model.frame[np.asarray(rows, dtype=np.int64)].with_columns(
        pl.Series("balance", np.asarray(balance, dtype=np.float64)),
        pl.Series("days_past_due", np.full(rows.size, entry_dpd, dtype=np.int64)),
        pl.Series("prior_delinquencies", np.asarray(prior, dtype=np.int64)))
    seg = assign_segments(model.scenario, frame, "re-entry", Problems(model.scenario.source))
    return np.where(seg >= 0, seg, old_seg).astype(np.int32)
