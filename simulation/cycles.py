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

from simulation.model import SimModel

__all__ = ["PAID_IN_FULL", "SETTLED", "BROKEN", "END_KINDS", "CycleRules", "daily_hazard", "reentry_delay",
           "Resegmenter", "cycle_totals"]

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


class Resegmenter:
    """The segment of debtors entering a new cycle (the segment rules, evaluated with numpy).

    The rules of ``scenarios.segmentation`` are applied to the debtor's portfolio row with
    the new balance, ``entry_dpd`` days past due and the prior delinquencies counted so far
    (``chronic`` is ``prior >= chronic_threshold``; a range is ``lo <= x < hi``, a set
    matches the value as text, nulls never match); a debtor that no rule, or more than one,
    matches keeps its segment. The portfolio columns are read once.
    """

    _NEW = ("balance", "days_past_due", "prior_delinquencies", "chronic")

    def __init__(self, model: SimModel):
        self.model = model
        self.segments = model.scenario.segments
        self.threshold = model.scenario.portfolio.chronic_threshold
        self.columns: dict[str, np.ndarray] = {}
        used = {c.column for s in self.segments for c in s.rule} - set(self._NEW)
        if model.frame is not None:
            for name in used:
                if name in model.frame.columns:
                    self.columns[name] = model.frame.get_column(name).to_numpy()
        self.ok = model.frame is not None and all(c in self.columns for c in used)

    def _condition(self, cond, rows: np.ndarray, new: dict[str, np.ndarray]) -> np.ndarray:
        col = new[cond.column] if cond.column in new else self.columns[cond.column][rows]
        if cond.flag is not None:
            return np.asarray(col == cond.flag, dtype=bool) & ~_null(col)
        if cond.values is not None:
            text = col if col.dtype.kind in "UO" else col.astype(str)
            return np.isin(text, np.array(cond.values, dtype=object)) & ~_null(col)
        with np.errstate(invalid="ignore"):
            x = col.astype(np.float64)
            return (x >= cond.lo) & (x < cond.hi)

    def __call__(self, rows: np.ndarray, prior: np.ndarray, balance: np.ndarray, entry_dpd: int,
                 old_seg: np.ndarray) -> np.ndarray:
        """New segment of ``rows`` (``old_seg`` where no single rule matches)."""
        old_seg = np.asarray(old_seg, dtype=np.int32)
        if not self.ok or rows.size == 0:
            return old_seg.copy()
        prior = np.asarray(prior)
        new = {"balance": np.asarray(balance, dtype=np.float64),
               "days_past_due": np.full(rows.size, entry_dpd, dtype=np.float64),
               "prior_delinquencies": prior.astype(np.float64), "chronic": prior >= self.threshold}
        matched = np.ones((rows.size, len(self.segments)), dtype=bool)
        for j, seg in enumerate(self.segments):
            for cond in seg.rule:
                matched[:, j] &= self._condition(cond, rows, new)
        one = matched.sum(axis=1) == 1
        return np.where(one, matched.argmax(axis=1), old_seg).astype(np.int32)


def _null(col: np.ndarray) -> np.ndarray:
    if col.dtype.kind == "f":
        return np.isnan(col)
    if col.dtype.kind == "O":
        return np.array([v is None for v in col], dtype=bool)
    return np.zeros(col.shape, dtype=bool)


def cycle_totals(debtors: dict[str, np.ndarray], agreements: float) -> dict[str, float]:
    """Several cycles and waiting, from one replication's per-debtor arrays.

    Returns ``re_entries``, ``cycles_per_debtor``, ``customers_lost``, ``margin_npv``,
    ``arrears_npv``, ``lost_margin_npv``, ``long_run_value`` (collected NPV - costs + margin
    - new arrears), ``first_cycle_net``, ``future_npv`` (long-run value less the first
    cycle's), ``waited`` (agreements at a discount larger than the first offered in the
    cycle) and ``waiting_share`` (waited / ``agreements``).
    """
    d = debtors
    long_run = float((d["collected_npv"] - d["cost"] + d["margin_npv"] - d["arrears_npv"]).sum())
    first = float(d["first_cycle_net"].sum())
    waited = float(d["waited"].sum())
    return {
        "re_entries": float((d["cycles"] - 1).sum()), "cycles_per_debtor": float(d["cycles"].mean()),
        "customers_lost": float(d["lost"].sum()), "margin_npv": float(d["margin_npv"].sum()),
        "arrears_npv": float(d["arrears_npv"].sum()), "lost_margin_npv": float(d["lost_margin_npv"].sum()),
        "long_run_value": long_run, "first_cycle_net": first, "future_npv": long_run - first,
        "waited": waited, "waiting_share": waited / agreements if agreements > 0 else 0.0,
    }
