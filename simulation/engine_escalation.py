"""The engine's escalation: I (listing at the credit bureau, hand-over to the agency) and B.

On the listing day every OPEN debtor of the cycle is listed (its self-cure hazard takes
the segment's uplift); on the agency day every OPEN debtor is handed over, leaves every
queue, and the agency collects the full balance on a day drawn from its daily hazard
(B), less its commission (``docs/model.md``, B and I).
"""
from __future__ import annotations

import numpy as np

from scenarios.schema import CHANNELS
from simulation.cycles import PAID_IN_FULL
from simulation.draws import uniform
from simulation.engine_books import OUTCOME
from simulation.engine_cycles import AGENCY, OPEN, PAID

__all__ = ["EscalationMixin"]


class EscalationMixin:
    """Listing, agency hand-over and agency collections for the vectorised engine."""

    def _negativacao(self, t: int, cohort: np.ndarray | None = None, e: int = 0) -> None:
        """I: list the OPEN debtors (of ``cohort``, entered on day ``e``) at the credit bureau."""
        if cohort is None:
            rows = np.flatnonzero((self.status == OPEN) & ~self.listed)
        else:
            cohort = np.sort(cohort)
            rows = cohort[(self.status[cohort] == OPEN) & ~self.listed[cohort]]
        if self.multi:
            rows = rows[self.entry[rows] == e]
        self.listed[rows] = True
        if self.rec is not None:
            self.rec.events(t, rows, "negativacao")
        up = self.m.params["uplift_negativado"][self.seg[rows]]
        self.a_cure[rows] *= up
        self.a_eff[rows] *= up
        self._cure_list(rows, up)
        self._charge(rows, self.sc.escalation.negativacao_cost, t, "negativacao_cost")

    def _agency(self, t: int, cohort: np.ndarray | None = None, e: int = 0) -> None:
        """I: hand the OPEN debtors over to the agency and schedule the day it collects (B)."""
        rows = np.flatnonzero(self.status == OPEN) if cohort is None else np.sort(cohort[self.status[cohort] == OPEN])
        if self.multi:
            rows = rows[self.entry[rows] == e]
        if self.rec is not None:
            self.rec.events(t, rows, "agency")
        self.counters["agency_handovers"] += rows.size
        self._leave_open(rows, AGENCY)
        self._drop_all_pending(rows)
        h = self.m.params["agency_hazard"][self.seg[rows]]
        g = uniform(self.st["agency"], self.rid[rows], t, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(h > 0, np.floor(np.log1p(-g) / np.log1p(-np.minimum(h, 1 - 1e-12))) + 1, np.inf)
        k = np.where(h >= 1, 1, k)
        day = t + k
        ok = day < self.H
        rows, day = rows[ok], day[ok].astype(np.int64)
        for dd in np.unique(day):
            self._schedule("agency", int(dd), "agency", rows[day == dd], self._agency_collect)

    def _drop_all_pending(self, rows: np.ndarray) -> None:
        """``rows`` leave the pending attempts of every channel."""
        for c in range(len(CHANNELS)):
            had = rows[self.pending[c][self._slots(c, rows)]]
            self._drop(c, had)

    def _agency_collect(self, t: int, rows: np.ndarray) -> None:
        """B: the agency collects the full balance of ``rows`` still with it, less its commission."""
        rows = rows[self.status[rows] == AGENCY]
        if rows.size == 0:
            return
        amount = self._owed(rows, t)
        self._collect(rows, amount, t)
        self._charge(rows, amount * self.sc.escalation.agency_commission, t, "agency_commission")
        self.status[rows] = PAID
        self.outcome[rows] = OUTCOME["agency_collected"]
        self._count(rows, t, "agency_collected")
        self._ended(rows, t, PAID_IN_FULL)
