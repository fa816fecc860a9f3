"""The engine's several cycles, escalating offers and reservation discount (``docs/model.md``).

A mixin of :class:`simulation.engine._Engine`: the state of every debtor's cycle, the end
of a cycle in payment (re-entry drawn, or the customer lost), R (re-entry cohorts, which
schedule their own cadence, letter, escalation and window), X (write-off at the end of a
cycle's collection window, or at a break after it) and the offer of the day in H
(escalating discount, reservation-discount acceptance, who waited). The rules themselves
are in :mod:`simulation.cycles` and :mod:`simulation.reservation`, shared with the
reference model.
"""
from __future__ import annotations

import numpy as np

from simulation.cycles import BROKEN, SETTLED, Resegmenter, reentry_delay
from simulation.draws import Streams, normal, uniform
from simulation.model import CH, OUTCOMES, OfferPlan, SimModel
from simulation.reservation import accept_probability, announced_by_segment, discount_on, expected_discount, steps_of

__all__ = ["CyclesMixin", "OPEN", "AGREEMENT", "AGENCY", "PAID", "WRITTEN_OFF"]

OPEN, AGREEMENT, AGENCY, PAID, WRITTEN_OFF = 0, 1, 2, 3, 4
LETTER = CH["letter"]
_O = {o: i for i, o in enumerate(OUTCOMES)}
_EXPECT = ("expect_offered", "expect_received", "expect_announced")


class CyclesMixin:
    """Several cycles and the offer of the day, for the vectorised engine (uses its arrays)."""

    def _init_cycles(self, model: SimModel, plan: OfferPlan, streams: Streams) -> None:
        """State of several cycles, escalating offers and the reservation discount."""
        N, P = self.N, model.params
        self.plan = plan
        self.resegment = Resegmenter(model) if self.multi else None
        self.entry = np.zeros(N, np.int32)
        self.n_cycles = np.ones(N, np.int16)
        prior = model.prior if model.prior is not None else np.where(model.chronic, self.cyc.threshold, 0)
        self.prior = np.asarray(prior, dtype=np.int32).copy()
        self.chronic = model.chronic.copy()
        self.ag_d = np.zeros(N)
        self.ag_base = np.zeros(N, np.int16)
        self.cyc_broken = np.zeros(N, bool)
        self.past_window = np.zeros(N, bool)
        self.lost = np.zeros(N, bool)
        self.margin_npv = np.zeros(N)
        self.arrears_npv = np.zeros(N)
        self.lost_margin = np.zeros(N)
        self.first_net = np.full(N, np.nan)
        self.offered = np.zeros(N)
        self.received = np.zeros(N)
        self.first_offer = np.full(N, np.nan)
        self.waited = np.zeros(N, np.int16)
        self.steps_day, self.steps_d = steps_of(plan, self.seg, self.offer_j)
        self.ann_seg = announced_by_segment(plan)
        self.announced = self.ann_seg[self.seg] if self.ann_seg is not None else self.d.copy()
        self.expects = any(bool(np.any(P[k] != 0)) for k in _EXPECT)
        #: Offers can differ within a cycle (escalation) or acceptance reads their history:
        #: only then are the offers made tracked and acceptance computed at negotiation.
        self.tracks_offers = self.expects or self.steps_day.shape[1] > 0

    # ------------------------------------------------------------------ R, X: several cycles
    def _ended(self, rows: np.ndarray, t: int, kind: int) -> None:
        """A cycle ended in payment on day ``t``: the customer stays (re-entry drawn) or is lost (opted out)."""
        if not self.multi or rows.size == 0:
            return
        first = rows[self.n_cycles[rows] == 1]
        self.first_net[first] = self.coll_npv[first] - self.cost[first]
        kinds = np.where(self.cyc_broken[rows], BROKEN, kind)
        if kind == SETTLED:
            self.received[rows] = np.maximum(self.received[rows], self.ag_d[rows])
        gone = self.opted[rows]
        lost = rows[gone]
        self.lost[lost] = True
        self.lost_margin[lost] += self.cyc.margin(self.seg[lost], t + 1, self.H)
        keep, kinds = rows[~gone], kinds[~gone]
        if keep.size == 0:
            return
        h = self.cyc.hazard(self.seg[keep], kinds, np.where(kinds == SETTLED, self.ag_d[keep], 0.0))
        day = t + reentry_delay(uniform(self.st["redelinquency"], self.rid[keep], t, 0), h)
        self.margin_npv[keep] += self.cyc.margin(self.seg[keep], t + 1, day)
        soon = day < self.H
        keep, day = keep[soon], day[soon].astype(np.int64)
        for dd in np.unique(day):
            self._schedule("re_entry", int(dd), "re_entry", keep[day == dd], self._re_enter)

    def _re_enter(self, t: int, rows: np.ndarray) -> None:
        """R: customers entering a new cycle on day ``t``."""
        rows = np.sort(rows[(self.status[rows] == PAID) & ~self.lost[rows]])
        if rows.size == 0:
            return
        P, cyc, rid = self.m.params, self.cyc, self.rid[rows]
        old = self.seg[rows]
        self.prior[rows] += 1
        B = self.m.balance[rows] * cyc.balance_share[old]
        self.arrears_npv[rows] += B * self.df[t]
        new = self.resegment(rows, self.prior[rows], B, cyc.entry_dpd, old)
        self.seg[rows] = new
        if self.rec is not None:
            self.rec.reentries(t, rows, B, cyc.entry_dpd, self.prior[rows])
        self.chronic[rows] = self.prior[rows] >= cyc.threshold
        self.ckf[rows] = np.where(self.chronic[rows], P["chronic_keep_factor"][new], 1.0)
        self.entry[rows] = t
        self.n_cycles[rows] += 1
        self.status[rows] = OPEN
        self.base[rows] = B
        self.base_day[rows] = t
        self.listed[rows] = False
        self.surv[rows] = 1.0
        self.U[rows] = uniform(self.st["cure"], rid, t, 0)
        self.a_cure[rows] = P["self_cure_h0"][new] * np.exp(-(cyc.entry_dpd - t) / P["self_cure_tau"][new])
        self.a_eff[rows] = self.a_cure[rows]
        self._cure_reopen(rows)
        self._cure_bound = None  # a new cycle's hazard may exceed the first cycle's largest
        self.L[rows] = B * np.exp(P["lump_mu"][new] + P["lump_sigma"][new] * normal(self.st["lump"], rid, t))
        self.Mcap[rows] = B * np.exp(P["monthly_mu"][new] + P["monthly_sigma"][new] * normal(self.st["monthly"], rid, t))
        self.ag_base[rows] = self.ag_count[rows]
        self.cooldown[rows] = t
        self.cyc_broken[rows] = False
        self.past_window[rows] = False
        self.first_offer[rows] = np.nan
        self._drop_all_pending(rows)
        if self.plan.mix is not None:
            d, n, down, j = self.plan.draw(new, rid, self.st, t)
            self.d[rows], self.n_off[rows], self.down[rows], self.offer_j[rows] = d, n, down, j
            if self.steps_day.shape[1]:
                self.steps_day[rows], self.steps_d[rows] = steps_of(self.plan, new, j)
            self.announced[rows] = self.ann_seg[new]
        self._start_cycle(t, rows)

    def _start_cycle(self, e: int, rows: np.ndarray) -> None:
        """Schedule the cadence, letter, escalation and write-off of the cycle entered on day ``e``."""
        esc = self.sc.escalation
        for s in np.unique(self.seg[rows]):
            rs = rows[self.seg[rows] == s]
            for day, c in self.m.cadence[s]:
                self._schedule(f"cadence{c}:{e}", e + day, "cadence", rs,
                               lambda T, r, c=c, e=e: self._cadence_rows(r, e, c))
        if esc.letter_day > 0:
            self._schedule(f"letter:{e}", e + esc.letter_day, "cadence", rows,
                           lambda T, r, e=e: self._mark(self._in_cycle(r, e), LETTER))
        if esc.negativacao_day > 0:
            self._schedule(f"listing:{e}", e + esc.negativacao_day, "escalation", rows,
                           lambda T, r, e=e: self._negativacao(T, r, e))
        if esc.agency_day > 0:
            self._schedule(f"agency_day:{e}", e + esc.agency_day, "escalation", rows,
                           lambda T, r, e=e: self._agency(T, r, e))
        self._schedule(f"write_off:{e}", e + self.cyc.collection_days - 1, "write_off", rows,
                       lambda T, r, e=e: self._window_ends(T, r, e))

    def _in_cycle(self, rows: np.ndarray, e: int) -> np.ndarray:
        """The OPEN debtors of ``rows`` still in the cycle entered on day ``e``."""
        rows = np.sort(rows)
        return rows[(self.status[rows] == OPEN) & (self.entry[rows] == e)]

    def _cadence_rows(self, rows: np.ndarray, e: int, c: int) -> None:
        """E: a cadence step on ``c`` of the cycle entered on day ``e``."""
        rows = self._in_cycle(rows, e)
        self._mark(rows[self.m.available[c, rows]], c)

    def _window_ends(self, t: int, rows: np.ndarray, e: int) -> None:
        """X: the cycle entered on day ``e`` reaches its collection window's end."""
        rows = np.sort(rows[self.entry[rows] == e])
        st = self.status[rows]
        self.past_window[rows[st == AGREEMENT]] = True
        self._write_off(t, rows[(st == OPEN) | (st == AGENCY)])

    def _write_off(self, t: int, rows: np.ndarray) -> None:
        """X: write off ``rows`` at the end of day ``t``: the customers are lost."""
        if rows.size == 0:
            return
        self.counters["written_off_balance"] += float(self._owed(rows, t + 1).sum())
        if self.rec is not None:
            self.rec.events(t, rows, "write_off")
        self._leave_open(rows, WRITTEN_OFF)
        self.outcome[rows] = _O["written_off"]
        self.lost[rows] = True
        self.lost_margin[rows] += self.cyc.margin(self.seg[rows], t + 1, self.H)
        first = rows[self.n_cycles[rows] == 1]
        self.first_net[first] = self.coll_npv[first] - self.cost[first]

    def _broke(self, t: int, rows: np.ndarray) -> None:
        """Agreements broken on day ``t``: noted for the cycle's end; past the window, written off (X)."""
        self.cyc_broken[rows] = True
        if self.multi:
            self._schedule("write_off_late", t, "write_off", rows[self.past_window[rows]],
                           lambda T, r: self._write_off(T, np.sort(r[self.status[r] == OPEN])))

    # ------------------------------------------------------------------ H: the offer of the day
    def _discount(self, rows: np.ndarray, t: int) -> np.ndarray:
        """The discount offered today (escalating offers by days in collection)."""
        if self.steps_day.shape[1] == 0:
            return self.d[rows]
        return discount_on(self.d[rows], self.steps_day[rows], self.steps_d[rows], t - self.entry[rows])

    def _accept_p(self, rows: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Acceptance probability of an affordable offer ``d`` (reservation discount when configured)."""
        if not (self.tracks_offers or self.multi):  # the offer and segment are the start's: sig holds it
            return self.sig[rows]
        P, segs = self.m.params, self.seg[rows]
        dexp = (expected_discount(P, segs, self.offered[rows], self.received[rows], self.announced[rows])
                if self.expects else None)
        return accept_probability(P["accept_alpha"][segs], P["accept_beta"][segs], d, dexp)

    def _offered(self, rows: np.ndarray, d: np.ndarray, accept: np.ndarray) -> None:
        """Record the offers made today: the first of the cycle, the largest so far, who waited."""
        if not self.tracks_offers:  # one offer per cycle and no reservation discount: nothing to learn
            return
        first = np.isnan(self.first_offer[rows])
        self.first_offer[rows[first]] = d[first]
        a = rows[accept]
        self.waited[a] += (d[accept] > self.first_offer[a] + 1e-12).astype(np.int16)
        self.offered[rows] = np.maximum(self.offered[rows], d)
