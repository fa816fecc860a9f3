"""The engine's agreements: H (negotiation), C (installments due) and D (late installments).

An engaged debtor who is OPEN, past the cool-down and under the cycle's agreement limit
is offered the day's discount (:meth:`AgreementsMixin._discount` of the cycles mixin);
an affordable offer is accepted with the acceptance probability. Installments fall due
every 30 days from the first due day; a missed one is late, is paid with multa and juros
later, or breaks the agreement after the grace days (``docs/model.md``, C, D and H).

Martingale controls (``record_controls``): every Bernoulli event here is ``u < p`` with
``u`` a fresh uniform and ``p`` (and a weight ``w``) known before the draw, so each term
``(1{u < p} - p) w`` has conditional mean 0 and their sum over a debtor's run has mean
exactly 0. :data:`CONTROLS` are such sums per debtor; they only read what the phase has
computed and never draw, so they change no outcome. ``benchmarks/control_variates.py``
measures them as control variates of the optimizer's coefficients.
"""
from __future__ import annotations

import numpy as np

from simulation.cycles import SETTLED
from simulation.engine_books import METRIC, OUTCOME, plan_installments
from simulation.engine_cycles import AGREEMENT, OPEN, PAID

__all__ = ["AgreementsMixin", "CONTROLS"]

#: Martingale controls per debtor. ``agree*``: per conversation, an agreement made today
#: (engaged, then an affordable offer accepted) against its probability ``q`` (engagement x
#: affordable x acceptance), as a count, weighted by the agreement's discounted amount, and
#: by that amount x day / horizon; ``pay`` / ``late_pay``: installments paid on time and late
#: against their probability, weighted by the discounted installment.
CONTROLS: tuple[str, ...] = ("agree", "agree_amount", "agree_amount_t", "pay", "late_pay")


class AgreementsMixin:
    """Negotiation and agreement payments for the vectorised engine (uses its arrays)."""

    # ------------------------------------------------------------------ H: negotiation
    def _negotiate(self, rows: np.ndarray, t: int, c: int) -> None:
        """H: offer the day's discount to the engaged ``rows`` on channel ``c``; book the accepted."""
        if rows.size == 0:
            return
        ok = ((self.status[rows] == OPEN) & (t >= self.cooldown[rows])
              & (self.ag_count[rows] - self.ag_base[rows] < self.sc.agreements.max_agreements))
        rows = rows[ok]
        if rows.size == 0:
            return
        offers = self.sc.offers
        B = self._owed(rows, t)
        d = self._discount(rows, t)
        A = B * (1.0 - d)
        n_off, down = self.n_off[rows], self.down[rows]
        first, inst, npay = plan_installments(A, n_off, down, offers.plan_interest_monthly, offers.min_installment)
        affordable = (first <= self.L[rows]) & ((npay == 1) | (inst <= self.Mcap[rows]))
        accept = affordable & (self._u("accept", rows, t, c) < self._accept_p(rows, d))
        self._offered(rows, d, accept)
        if self.rec is not None:
            self.rec.offers(t, c, rows, B, d, n_off, down, first, inst, npay, accept)
        a = rows[accept]
        if a.size == 0:
            return
        first, inst, npay, A, B = first[accept], inst[accept], npay[accept], A[accept], B[accept]
        self.ag_d[a] = d[accept]
        self._leave_open(a, AGREEMENT)
        self.ag_k[a] = 0
        self.ag_count[a] += 1
        self.ag_first[a] = first
        self.ag_inst[a] = inst
        self.ag_npay[a] = npay
        self.ag_due0[a] = t + offers.first_due_days
        self.ag_late[a] = -1
        self.ag_B[a] = B
        self.ag_A[a] = A
        self.ag_total[a] = first + inst * (npay - 1)
        self.ag_paid[a] = 0.0
        self.ag_disc[a] = B - A
        self._count(a, t, "agreements")
        self._schedule("pay", t + offers.first_due_days, "payments", a, self._payments_due)

    def _agree_chance(self, rows: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Per row, what :meth:`_negotiate` would do if engaged today: the chance it agrees and the amount.

        Reads the state only (no draw), with the same rules as :meth:`_negotiate`.
        """
        ok = ((self.status[rows] == OPEN) & (t >= self.cooldown[rows])
              & (self.ag_count[rows] - self.ag_base[rows] < self.sc.agreements.max_agreements))
        chance, amount = np.zeros(rows.size), np.zeros(rows.size)
        r = rows[ok]
        if r.size:
            offers = self.sc.offers
            d = self._discount(r, t)
            A = self._owed(r, t) * (1.0 - d)
            first, inst, npay = plan_installments(A, self.n_off[r], self.down[r], offers.plan_interest_monthly,
                                                  offers.min_installment)
            affordable = (first <= self.L[r]) & ((npay == 1) | (inst <= self.Mcap[r]))
            chance[ok] = np.where(affordable, self._accept_p(r, d), 0.0)
            amount[ok] = A
        return chance, amount

    def _agree_control(self, rows: np.ndarray, t: int, q: np.ndarray, amount: np.ndarray,
                       before: np.ndarray) -> None:
        """Add ``(agreed today - q)`` to the ``agree*`` controls of ``rows`` (``before``: their agreement counts)."""
        e = (self.ag_count[rows] > before) - q
        w = e * amount * self.df[t]
        self.ctl["agree"][rows] += e
        self.ctl["agree_amount"][rows] += w
        self.ctl["agree_amount_t"][rows] += w * (t / self.H)

    # ------------------------------------------------------------------ C: payments due
    def _payments_due(self, t: int, rows: np.ndarray) -> None:
        """C: the installments of ``rows`` due today are paid or become late."""
        rows = rows[(self.status[rows] == AGREEMENT) & (self.ag_late[rows] < 0)]
        rows = rows[self.ag_due0[rows] + 30 * self.ag_k[rows].astype(np.int32) == t]
        if rows.size == 0:
            return
        k = self.ag_k[rows]
        segs = self.seg[rows]
        p = np.where(k == 0, self.keep_first[segs], self.keep[segs]) * self.ckf[rows]
        paid = self._u("pay", rows, t, k) < p
        if self.ctl is not None:
            due = np.where(k == 0, self.ag_first[rows], self.ag_inst[rows])
            self.ctl["pay"][rows] += (paid - p) * due * self.df[t]
        ok = rows[paid]
        self._pay_installment(ok, np.where(self.ag_k[ok] == 0, self.ag_first[ok], self.ag_inst[ok]), t)
        missed = rows[~paid]
        self.ag_late[missed] = t
        self.late_idx = np.concatenate([self.late_idx, missed])

    def _pay_installment(self, rows: np.ndarray, amount: np.ndarray, t: int) -> None:
        """Book an installment of ``rows``; the last one settles the agreement, others schedule the next."""
        if rows.size == 0:
            return
        self._collect(rows, amount, t)
        self.ag_paid[rows] += amount
        self.ag_k[rows] += 1
        done = self.ag_k[rows] >= self.ag_npay[rows]
        kept = rows[done]
        if kept.size:
            if self.rec is not None:
                self.rec.agreement_end(t, kept, "kept")
            self.status[kept] = PAID
            self.outcome[kept] = OUTCOME["agreement_kept"]
            self.give[kept] += self.ag_disc[kept]
            self.daily[t, :, METRIC["give_away"]] += np.bincount(self.seg[kept], weights=self.ag_disc[kept],
                                                                 minlength=self.S)
            self._ended(kept, t, SETTLED)
        going = rows[~done]
        if going.size:
            due = self.ag_due0[going] + 30 * self.ag_k[going].astype(np.int32)
            for day in np.unique(due):
                self._schedule("pay", int(day), "payments", going[due == day], self._payments_due)

    # ------------------------------------------------------------------ D: late installments
    def _late(self, t: int) -> None:
        """D: late installments are paid with multa and juros, or the agreement breaks after the grace days."""
        rows = self.late_idx
        if rows.size == 0:
            return
        rows = rows[(self.status[rows] == AGREEMENT) & (self.ag_late[rows] >= 0) & (self.ag_late[rows] < t)]
        keep_late = self.late_idx[(self.status[self.late_idx] == AGREEMENT) & (self.ag_late[self.late_idx] == t)]
        grace = self.sc.agreements.grace_days
        late_since = self.ag_late[rows]
        breaking = t - late_since > grace
        br = rows[breaking]
        if br.size:
            if self.rec is not None:
                self.rec.agreement_end(t, br, "broken")
            principal = self.ag_paid[br] * self.ag_A[br] / self.ag_total[br]
            self.base[br] = self.ag_B[br] - principal
            self.base_day[br] = t
            self.status[br] = OPEN
            self.a_eff[br] = self.a_cure[br]
            self._cure_reopen(br)
            self.ag_late[br] = -1
            self.cooldown[br] = t + self.sc.agreements.renegotiation_cooldown_days
            self.broken[br] += 1
            self._count(br, t, "breaks")
            self._broke(t, br)
        rest = rows[~breaking]
        if rest.size:
            k = self.ag_k[rest]
            p = self.late_pay[self.seg[rest]] * self.ckf[rest]
            pays = self._u("pay", rest, t, 100 + k.astype(np.int64)) < p
            if self.ctl is not None:
                due = np.where(k == 0, self.ag_first[rest], self.ag_inst[rest])
                self.ctl["late_pay"][rest] += (pays - p) * due * self.df[t]
            ok = rest[pays]
            if ok.size:
                inst = np.where(self.ag_k[ok] == 0, self.ag_first[ok], self.ag_inst[ok])
                days = t - self.ag_late[ok]
                amount = inst * (1.0 + self.sc.money.multa + self.jm * days / 30.0)
                self.ag_late[ok] = -1
                self._pay_installment(ok, amount, t)
            rest = rest[~pays]
        self.late_idx = np.concatenate([rest, keep_late])
