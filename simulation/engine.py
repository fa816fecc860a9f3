"""The vectorised simulation engine: simpy drives time, events act on cohorts of debtors.

A million debtors cannot each be a Python process. Here every simpy event carries a
numpy array of debtors: a payment cohort due on a day, a cadence step of a segment, an
escalation step, the agency's collections of a day. One daily process runs what touches
every open debtor each day (self-cure, late installments, the contact queue). Within a
day, events are put in order by the table of phases of :mod:`simulation.day` (the
"A day" section of ``docs/model.md``): the daily process wakes at A (self-cure), D (late
installments) and F (contacts, then G, the call queue, in the same wake-up); cohort events
sit at the offsets of B (agency), C (payments due), E (cadence, letter), I (escalation),
and the 7-day window moves on at W0. With several cycles, re-entry cohorts (R) and the
end of each cohort's collection window (X) are cohort events too, and a re-entry cohort
schedules its own cadence, letter and escalation days.

The model is specified in ``docs/model.md``; ``simulation/reference.py`` implements the
same specification one debtor at a time, and the tests check that they agree.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import simpy

from scenarios.schema import CHANNELS
from simulation.cycles import PAID_IN_FULL, SETTLED, CycleRules
from simulation.day import at
from simulation.draws import Streams, id_hash, normal, uniform, uniform_hashed
from simulation.model import CH, OUTCOMES, OfferPlan, SimModel
from simulation.engine_cycles import AGENCY, AGREEMENT, OPEN, PAID, CyclesMixin
from simulation.replication import BLOCK_RULES, DAILY_METRICS, ReplicationResult, totals_from

__all__ = ["simulate_replication", "price_installment", "plan_installments"]

_M = {m: i for i, m in enumerate(DAILY_METRICS)}
_O = {o: i for i, o in enumerate(OUTCOMES)}
_CHANNEL_ORDER = (CH["letter"], CH["email"], CH["sms"], CH["whatsapp"])
LETTER, CALL = CH["letter"], CH["call"]
#: The forget event of each channel (attempts leave the 7-day count seven days later).
_FORGET = tuple(f"forget_{c}" for c in CHANNELS)
_NEVER = -10_000


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


class _Engine(CyclesMixin):
    """One replication of one policy; see the module docstring for the event order."""

    def __init__(self, model: SimModel, plan: OfferPlan, streams: Streams, unlimited_agents: bool,
                 record_attempts: bool, queue_by_offer: bool = True, recorder=None):
        sc = model.scenario
        self.m, self.sc, self.st = model, sc, streams
        self.unlimited = unlimited_agents
        self.record = record_attempts
        self.rec = recorder  # a simulation.history.HistoryRecorder, or None (then nothing is recorded)
        N, S, H = model.n, model.n_segments, model.calendar.horizon
        self.N, self.S, self.H = N, S, H
        P = model.params
        self.cyc = CycleRules.of(model)
        self.multi = self.cyc.enabled
        seg = model.seg.copy() if self.multi else model.seg  # several cycles move debtors between segments
        self.seg = seg
        self.rid = model.rid
        self._hashes: dict[str, np.ndarray] = {}  # per stream, id_hash of every rid (simulation.draws)
        # discounting and per-day constants
        self.df = (1.0 + sc.money.annual_discount_rate) ** (-np.arange(H + 1) / 365.0)
        self.jm = sc.money.juros_mora_monthly
        tau = P["self_cure_tau"]
        self.g = np.exp(-np.arange(H)[:, None] / tau[None, :])  # (H, S)
        self.tau_uniform = bool(np.all(tau == tau[0]))
        # latent traits and thresholds (one draw per debtor)
        bal = model.balance
        self.L = bal * np.exp(P["lump_mu"][seg] + P["lump_sigma"][seg] * normal(streams["lump"], model.rid))
        self.Mcap = bal * np.exp(P["monthly_mu"][seg] + P["monthly_sigma"][seg] * normal(streams["monthly"], model.rid))
        self.U = uniform(streams["cure"], model.rid, 0, 0)
        self.surv = np.ones(N)
        self.a_cure = P["self_cure_h0"][seg] * np.exp(-model.dpd / tau[seg])
        self.a_eff = self.a_cure.copy()
        d, n, down, j = plan.assign(model, streams)
        self.d, self.n_off, self.down, self.offer_j = d, n, down, j
        self.sig = 1.0 / (1.0 + np.exp(-(P["accept_alpha"][seg] + P["accept_beta"][seg] * d)))
        self.priority = bal * model.reach[seg, CALL] * model.engage[seg, CALL]
        if queue_by_offer:
            self.priority = self.priority * self.sig
        self.call_weight = model.call_weight
        # the call queue lives in priority order: pending[CALL] is indexed by rank
        self.by_rank = np.lexsort((np.arange(N), -self.priority))
        self.rank = np.empty(N, np.int64)
        self.rank[self.by_rank] = np.arange(N)
        # state
        self.status = np.zeros(N, np.uint8)
        self.base = bal.astype(np.float64).copy()
        self.base_day = np.zeros(N, np.int32)
        self.listed = np.zeros(N, bool)
        self.opted = np.zeros(N, bool)
        self.K = sc.contact_rules.max_contacts_per_7_days
        self.hist = np.full((N, max(self.K, 1)), _NEVER, np.int16)
        self._hist_flat = self.hist.reshape(-1)  # a view: row r's slot p is r * width + p
        self._hist_width = max(self.K, 1)
        self.ptr = np.zeros(N, np.int16)
        self.recent7 = np.zeros(N, np.int16)  # independent audit of the 7-day cap
        self.last_conv = np.full(N, _NEVER, np.int32)
        self.pending = np.zeros((len(CHANNELS), N), bool)
        self.n_pending = np.zeros(len(CHANNELS), np.int64)
        # agreements
        self.ag_k = np.zeros(N, np.int16)
        self.ag_count = np.zeros(N, np.int16)
        self.ag_first = np.zeros(N)
        self.ag_inst = np.zeros(N)
        self.ag_npay = np.zeros(N, np.int16)
        self.ag_due0 = np.zeros(N, np.int32)
        self.ag_late = np.full(N, -1, np.int32)
        self.ag_B = np.zeros(N)
        self.ag_A = np.zeros(N)
        self.ag_total = np.zeros(N)
        self.ag_paid = np.zeros(N)
        self.ag_disc = np.zeros(N)
        self.cooldown = np.zeros(N, np.int32)
        self.late_idx = np.zeros(0, np.int64)
        # results
        self.outcome = np.zeros(N, np.uint8)
        self.collected = np.zeros(N)
        self.coll_npv = np.zeros(N)
        self.cost = np.zeros(N)
        self.give = np.zeros(N)
        self.minutes = np.zeros(N)
        self.cash30 = np.zeros(N)
        self.broken = np.zeros(N, np.int16)
        self.daily = np.zeros((H, S, len(DAILY_METRICS)))
        self.agent = np.zeros((H, 3))
        self.counters: dict[str, float] = defaultdict(float)
        self.attempt_log: list[tuple[np.ndarray, int, int, np.ndarray]] = []
        # parameters by debtor, used per event
        self.keep_first = P["keep_first"]
        self.keep = P["keep"]
        self.late_pay = P["late_pay_daily"]
        self.ckf = np.where(model.chronic, P["chronic_keep_factor"][seg], 1.0)
        self.seg_rows = [np.flatnonzero(seg == s) for s in range(S)]
        ch = sc.channels
        self.channel_cost = np.array([ch.sms.cost, ch.email.cost, ch.whatsapp.cost, ch.call.cost, ch.letter.cost])
        self.cost_per_minute = sc.agents.cost_per_hour / 60.0
        self._init_cycles(model, plan, streams)
        self.env = simpy.Environment()
        self.buckets: dict[tuple[str, int], list[np.ndarray]] = defaultdict(list)

    # ------------------------------------------------------------------ scheduling
    def _schedule(self, kind: str, day: int, phase: str, rows: np.ndarray, handler) -> None:
        """Add ``rows`` to the cohort event ``kind`` of ``day`` at ``phase`` (creating its simpy event)."""
        if day >= self.H or rows.size == 0:
            return
        key = (kind, day)
        if key not in self.buckets:
            ev = self.env.timeout(max(0.0, at(day, phase) - self.env.now))
            ev.callbacks.append(lambda _e, key=key, handler=handler: handler(key[1], self._pop(key)))
        self.buckets[key].append(rows)

    def _pop(self, key: tuple[str, int]) -> np.ndarray:
        parts = self.buckets.pop(key, [])
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def _at(self, time: float, fn, *args) -> None:
        ev = self.env.timeout(time - self.env.now)
        ev.callbacks.append(lambda _e: fn(*args))

    # ------------------------------------------------------------------ draws
    def _u(self, kind: str, rows: np.ndarray, t: int, c) -> np.ndarray:
        """``uniform(streams[kind], rid[rows], t, c)``, from the stream's hash of every id (kept)."""
        h = self._hashes.get(kind)
        if h is None:
            h = self._hashes[kind] = id_hash(self.st[kind], self.rid)
        return uniform_hashed(h[rows], t, c, consume=True)

    # ------------------------------------------------------------------ money
    def _owed(self, rows: np.ndarray, t: int) -> np.ndarray:
        return self.base[rows] * (1.0 + self.jm * (t - self.base_day[rows]) / 30.0)

    def _collect(self, rows: np.ndarray, amount: np.ndarray, t: int) -> None:
        if self.rec is not None:
            self.rec.payments(t, rows, amount, self.status[rows])
        self.collected[rows] += amount
        self.coll_npv[rows] += amount * self.df[t]
        if t < 30:
            self.cash30[rows] += amount
        segs = self.seg[rows]
        self.daily[t, :, _M["collected"]] += np.bincount(segs, weights=amount, minlength=self.S)
        self.daily[t, :, _M["npv"]] += np.bincount(segs, weights=amount * self.df[t], minlength=self.S)

    def _charge(self, rows: np.ndarray, amount: np.ndarray | float, t: int, counter: str,
                segs: np.ndarray | None = None, per_segment: np.ndarray | None = None) -> None:
        """Charge ``amount`` to ``rows``; ``segs`` (their segments) and, for a scalar amount,
        ``per_segment`` (their count per segment) spare the lookups when the caller has them."""
        segs = self.seg[rows] if segs is None else segs
        if np.ndim(amount) == 0:
            amount = float(amount)
            self.cost[rows] += amount * self.df[t]
            counts = np.bincount(segs, minlength=self.S) if per_segment is None else per_segment
            self.daily[t, :, _M["cost"]] += counts * amount
            self.counters[counter] += amount * rows.size
            return
        amount = np.asarray(amount, dtype=np.float64)
        self.cost[rows] += amount * self.df[t]
        self.daily[t, :, _M["cost"]] += np.bincount(segs, weights=amount, minlength=self.S)
        self.counters[counter] += float(amount.sum())

    def _count(self, rows: np.ndarray, t: int, metric: str) -> None:
        self.daily[t, :, _M[metric]] += np.bincount(self.seg[rows], minlength=self.S)

    def _leave_open(self, rows: np.ndarray, status: int) -> None:
        self.status[rows] = status
        self.a_eff[rows] = 0.0
        self._cure_stale += rows.size
        # the call queue holds OPEN rows only (the walk reads a prefix of it); the other
        # channels drop rows that are no longer OPEN when they next read their pending rows
        slots = self.rank[rows]
        had = slots[self.pending[CALL, slots]]
        if had.size:
            self.pending[CALL, had] = False
            self.n_pending[CALL] -= had.size

    # ------------------------------------------------------------------ A: self-cure
    #: Rows whose self-cure hazard may be positive (sorted; a superset, compacted lazily).
    _cure_idx: np.ndarray | None = None
    _cure_stale = 0
    _cure_bound: float | None = None
    _cure_step: np.ndarray | None = None

    def _cure_buf(self) -> np.ndarray:
        """A reused (N,) buffer for the daily hazard step (no fresh pages every day)."""
        if self._cure_step is None:
            self._cure_step = np.empty(self.N)
        return self._cure_step

    #: At least the number of rows with ``a_eff > 0`` (None: not counted yet).
    _cure_count: int | None = None

    def _cure_rows(self) -> np.ndarray:
        """The rows the self-cure pass must visit: every row with ``a_eff > 0`` (and maybe some at 0)."""
        idx = self._cure_idx
        if idx is None or self._cure_stale * 4 > idx.size:
            idx = np.flatnonzero(self.a_eff > 0) if idx is None else idx[self.a_eff[idx] > 0]
            self._cure_idx, self._cure_stale, self._cure_count = idx, 0, idx.size
        return idx

    def _cure_reopen(self, rows: np.ndarray) -> None:
        """``rows`` are open again (a broken agreement): the self-cure pass visits them."""
        if rows.size:
            self._cure_idx = None  # rebuilt by the next pass that needs the rows: one scan of a_eff
            if self._cure_count is not None:
                self._cure_count += rows.size

    def _cure_dense(self) -> bool | None:
        """Whether the pass goes over every row (None: no row can cure). The two passes give the
        same result; the contiguous one needs no list of rows, so many rows need no list."""
        if self._cure_idx is None and (self._cure_count is None or self._cure_count * 8 > self.N):
            count = int(np.count_nonzero(self.a_eff))  # a_eff >= 0
            self._cure_count = count
            if count == 0:
                return None
            if count * 8 > self.N:
                return True
        idx = self._cure_rows()
        if idx.size == 0:
            return None
        return idx.size * 8 > self.N

    def _self_cure(self, t: int) -> None:
        g = self.g[t]
        dense = self._cure_dense()
        if dense is None:
            return
        if self._cure_bound is None:  # a_eff never exceeds a_cure's start times the largest uplift
            up = float(np.max(self.m.params["uplift_negativado"], initial=1.0))
            self._cure_bound = float(np.max(self.a_eff, initial=0.0)) * max(up, 1.0)
        capped = self._cure_bound * float(np.max(g)) > 1.0  # else min(step, 1) is step itself
        if dense:  # many rows: contiguous passes beat gathers
            step = np.multiply(self.a_eff, g[0] if self.tau_uniform else g[self.seg], out=self._cure_buf())
            if capped:
                np.minimum(step, 1.0, out=step)
            np.subtract(1.0, step, out=step)
            self.surv *= step
            rows = np.flatnonzero(self.surv <= self.U)
        else:  # the same arithmetic on the rows that can still cure (rows at a_eff = 0 keep surv)
            idx = self._cure_idx
            step = self.a_eff[idx] * (g[0] if self.tau_uniform else g[self.seg[idx]])
            if capped:
                np.minimum(step, 1.0, out=step)
            np.subtract(1.0, step, out=step)
            surv = self.surv[idx] * step
            self.surv[idx] = surv
            rows = idx[surv <= self.U[idx]]
        if rows.size == 0:
            return
        self._collect(rows, self._owed(rows, t), t)
        self._leave_open(rows, PAID)
        self.U[rows] = -1.0
        self.outcome[rows] = _O["self_cured"]
        self._count(rows, t, "cures")
        self._ended(rows, t, PAID_IN_FULL)

    # ------------------------------------------------------------------ B: agency
    def _agency_collect(self, t: int, rows: np.ndarray) -> None:
        rows = rows[self.status[rows] == AGENCY]
        if rows.size == 0:
            return
        amount = self._owed(rows, t)
        self._collect(rows, amount, t)
        self._charge(rows, amount * self.sc.escalation.agency_commission, t, "agency_commission")
        self.status[rows] = PAID
        self.outcome[rows] = _O["agency_collected"]
        self._count(rows, t, "agency_collected")
        self._ended(rows, t, PAID_IN_FULL)

    # ------------------------------------------------------------------ C: payments due
    def _payments_due(self, t: int, rows: np.ndarray) -> None:
        rows = rows[(self.status[rows] == AGREEMENT) & (self.ag_late[rows] < 0)]
        rows = rows[self.ag_due0[rows] + 30 * self.ag_k[rows].astype(np.int32) == t]
        if rows.size == 0:
            return
        k = self.ag_k[rows]
        segs = self.seg[rows]
        p = np.where(k == 0, self.keep_first[segs], self.keep[segs]) * self.ckf[rows]
        paid = self._u("pay", rows, t, k) < p
        ok = rows[paid]
        self._pay_installment(ok, np.where(self.ag_k[ok] == 0, self.ag_first[ok], self.ag_inst[ok]), t)
        missed = rows[~paid]
        self.ag_late[missed] = t
        self.late_idx = np.concatenate([self.late_idx, missed])

    def _pay_installment(self, rows: np.ndarray, amount: np.ndarray, t: int) -> None:
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
            self.outcome[kept] = _O["agreement_kept"]
            self.give[kept] += self.ag_disc[kept]
            self.daily[t, :, _M["give_away"]] += np.bincount(self.seg[kept], weights=self.ag_disc[kept], minlength=self.S)
            self._ended(kept, t, SETTLED)
        going = rows[~done]
        if going.size:
            due = self.ag_due0[going] + 30 * self.ag_k[going].astype(np.int32)
            for day in np.unique(due):
                self._schedule("pay", int(day), "payments", going[due == day], self._payments_due)

    # ------------------------------------------------------------------ D: late installments
    def _late(self, t: int) -> None:
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
            ok = rest[pays]
            if ok.size:
                inst = np.where(self.ag_k[ok] == 0, self.ag_first[ok], self.ag_inst[ok])
                days = t - self.ag_late[ok]
                amount = inst * (1.0 + self.sc.money.multa + self.jm * days / 30.0)
                self.ag_late[ok] = -1
                self._pay_installment(ok, amount, t)
            rest = rest[~pays]
        self.late_idx = np.concatenate([rest, keep_late])

    # ------------------------------------------------------------------ E: cadence
    def _cadence_step(self, t: int, s: int, c: int) -> None:
        rows = self.seg_rows[s]
        rows = rows[(self.status[rows] == OPEN) & self.m.available[c, rows]]
        if self.multi:
            rows = rows[self.entry[rows] == 0]
        self._mark(rows, c)

    def _slots(self, c: int, rows: np.ndarray) -> np.ndarray:
        """Positions of ``rows`` in ``pending[c]`` (calls are kept in priority order)."""
        return self.rank[rows] if c == CALL else rows

    def _mark(self, rows: np.ndarray, c: int) -> None:
        if c == CALL and self.plan.no_calls is not None and rows.size:  # not-called share: never queued
            rows = rows[~self.plan.uncalled(rows, self.seg[rows], self.offer_j[rows])]
        slots = self._slots(c, rows)
        new = slots[~self.pending[c, slots]]
        self.pending[c, new] = True
        self.n_pending[c] += new.size

    def _letter_notice(self, t: int) -> None:
        rows = np.flatnonzero(self.status == OPEN)
        self._mark(rows[self.entry[rows] == 0] if self.multi else rows, LETTER)

    # ------------------------------------------------------------------ F-H: contacts
    def _drop(self, c: int, rows: np.ndarray) -> None:
        self.pending[c, self._slots(c, rows)] = False
        self.n_pending[c] -= rows.size

    def _pending_rows(self, c: int) -> np.ndarray:
        """Rows with a pending attempt on ``c`` that are still OPEN (others are dropped).

        For calls the rows come in queue order (priority, then row).
        """
        if self.n_pending[c] == 0:
            return np.zeros(0, np.int64)
        rows = np.flatnonzero(self.pending[c])
        if c == CALL:  # every pending call is OPEN (_leave_open)
            return self.by_rank[rows]
        gone = self.status[rows] != OPEN
        if gone.any():
            self._drop(c, rows[gone])
            rows = rows[~gone]
        return rows

    def _blocked(self, t: int, c: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Contact rules 1-4 of ``docs/model.md`` F: (deferred, dropped, rule index) masks."""
        shut = ~self.m.calendar.allowed[c, t, self.m.state[rows]]
        rule = np.full(rows.size, -1, np.int8)
        rule[shut] = 0
        if c != LETTER:
            free = rule < 0
            rule[free & self.opted[rows]] = 1
            if c == CALL and self.sc.contact_rules.reg_f_mode:
                free = rule < 0
                rule[free & (t - self.last_conv[rows] < 7)] = 2
            free = rule < 0
            full = (self._hist_flat[self._hist_slot(rows)] > t - 7) if self.K > 0 else np.ones(rows.size, bool)
            rule[free & full] = 3
        return shut, rule > 0, rule

    def _hist_slot(self, rows: np.ndarray, ptr: np.ndarray | None = None) -> np.ndarray:
        """Flat positions in ``hist`` of ``rows``' oldest attempt (where the next one is written)."""
        slot = rows * self._hist_width
        slot += self.ptr[rows] if ptr is None else ptr
        return slot

    def _apply_rules(self, c: int, rows: np.ndarray, dropped: np.ndarray, rule: np.ndarray) -> None:
        counts = np.bincount(rule[rule >= 0], minlength=len(BLOCK_RULES))
        for r, name in enumerate(BLOCK_RULES):
            self.counters[f"blocked_{name}"] += int(counts[r])
        self._drop(c, rows[dropped])

    def _eligible(self, t: int, c: int) -> np.ndarray:
        """Rows with a pending attempt on ``c`` that pass the contact rules today."""
        rows = self._pending_rows(c)
        if rows.size == 0:
            return rows
        _, dropped, rule = self._blocked(t, c, rows)
        self._apply_rules(c, rows, dropped, rule)
        return rows[rule < 0]

    def _attempt(self, rows: np.ndarray, t: int, c: int, reached: np.ndarray, minutes: np.ndarray | None) -> None:
        """Make attempts on ``c`` (rules already passed); reach, opt-out, engagement, negotiation."""
        self._drop(c, rows)
        segs = self.seg[rows]
        per_segment = np.bincount(segs, minlength=self.S)
        if minutes is not None:
            self.minutes[rows] += minutes
            self._charge(rows, minutes * self.cost_per_minute, t, "agent_cost", segs)
        self._charge(rows, self.channel_cost[c], t, "contact_cost", segs, per_segment)
        self.counters[f"attempts_{CHANNELS[c]}"] += rows.size
        self.daily[t, :, _M[f"attempts_{CHANNELS[c]}"]] += per_segment
        # Contacts in the last 7 days before this one: the ring buffer holds them all
        # (rule 3 keeps them <= K), and so does recent7 (+1 per attempt, -1 seven days
        # later), which costs one lookup instead of K.
        n7 = self.recent7[rows]
        # audit (independent of the ring buffer): window, opt-out, Reg F, 7-day count
        viol = int(rows.size - np.count_nonzero(self.m.calendar.allowed[c, t][self.m.state[rows]]))
        if c != LETTER:
            viol += int(np.count_nonzero(self.opted[rows]))
            if c == CALL and self.sc.contact_rules.reg_f_mode:
                viol += int(np.count_nonzero(t - self.last_conv[rows] < 7))
            if self.K > 0:
                ptr = self.ptr[rows]
                self._hist_flat[self._hist_slot(rows, ptr)] = t
                ptr += 1
                ptr[ptr >= self.K] = 0
                self.ptr[rows] = ptr
            after = n7 + 1
            self.recent7[rows] = after
            viol += int(np.count_nonzero(after > self.K))
            self._schedule(_FORGET[c], t + 7, "window", rows, self._forget)
        self.counters["violations"] += viol
        reached_rows = rows[reached]
        self.daily[t, :, _M["reached"]] += np.bincount(segs[reached], minlength=self.S)
        if c != LETTER and reached_rows.size:
            out = self._u("optout", reached_rows, t, c) < self.sc.contact_rules.opt_out_probability
            self.opted[reached_rows[out]] = True
            self.counters["opt_outs"] += int(out.sum())
            talk = ~out
        else:
            talk = np.ones(reached_rows.size, bool)
        if self.rec is not None:
            self.rec.attempts(t, c, rows, reached, reached_rows[~talk], minutes)
        if c == CALL:
            conv = reached_rows[talk]
            self.last_conv[conv] = t
            self.counters["conversations"] += conv.size
        if self.record:
            conversation = np.zeros(rows.size, bool)
            if c == CALL:
                conversation[np.flatnonzero(reached)[talk]] = True
            self.attempt_log.append((rows.copy(), t, c, conversation))
        cand = reached_rows[talk]
        if cand.size == 0:
            return
        n7c = n7[reached][talk]
        cs = segs[reached][talk]
        p = self.m.engage[cs, c] * self._fatigue(cs, n7c)
        engaged = cand[self._u("engage", cand, t, c) < p]
        if self.rec is not None:
            self.rec.engaged(engaged)
        self._negotiate(engaged, t, c)

    _fatigue_pow: np.ndarray | None = None

    def _fatigue(self, segs: np.ndarray, n7: np.ndarray) -> np.ndarray:
        """``fatigue[segs] ** n7`` from a table of powers (n7 <= K when the cap holds)."""
        if self._fatigue_pow is None:
            k = np.arange(max(self.K, 0) + 1, dtype=np.float64)
            self._fatigue_pow = np.power(self.m.params["fatigue"][:, None], k[None, :])
        if n7.size and int(n7.max()) >= self._fatigue_pow.shape[1]:
            return self.m.params["fatigue"][segs] ** n7
        return self._fatigue_pow[segs, n7]

    def _forget(self, t: int, rows: np.ndarray) -> None:
        """Attempts of seven days ago on one channel leave the 7-day count.

        Each channel has its own forget event, and a row is attempted at most once per
        channel and day, so ``rows`` has no repeats and a plain indexed decrement is exact.
        """
        self.recent7[rows] -= 1

    def _negotiate(self, rows: np.ndarray, t: int, c: int) -> None:
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
        first, inst, npay = plan_installments(A, self.n_off[rows], self.down[rows], offers.plan_interest_monthly,
                                              offers.min_installment)
        affordable = (first <= self.L[rows]) & ((npay == 1) | (inst <= self.Mcap[rows]))
        accept = affordable & (self._u("accept", rows, t, c) < self._accept_p(rows, d))
        self._offered(rows, d, accept)
        if self.rec is not None:
            self.rec.offers(t, c, rows, B, d, self.n_off[rows], self.down[rows], first, inst, npay, accept)
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

    def _contacts(self, t: int) -> None:
        for c in _CHANNEL_ORDER:
            rows = self._eligible(t, c)
            if rows.size == 0:
                continue
            reached = self._u("reach", rows, t, c) < self.m.reach[self.seg[rows], c]
            self._attempt(rows, t, c, reached, None)
        self._calls(t)

    def _calls(self, t: int) -> None:
        """G: walk the queue in priority order while the day's agent minutes last.

        The walk checks each call against the contact rules; it stops at the first call
        that passes them but does not fit in the minutes left, or as soon as the minutes
        left are fewer than the shortest call needs.
        """
        nominal = self.sc.agents.count * self.m.calendar.agent_minutes[t]
        capacity = np.inf if self.unlimited else nominal
        self.agent[t, 0] = nominal
        call = self.sc.channels.call
        weight_floor = 1.0 if self.call_weight is None else float(self.call_weight.min(initial=1.0))
        shortest = max(min(call.minutes_conversation, call.minutes_no_answer) * weight_floor, 1e-9)
        used, pos = 0.0, 0
        served_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        while self.n_pending[CALL] and capacity - used >= shortest - 1e-9:
            size = self.N if not np.isfinite(capacity) else int((capacity - used) / shortest) + 64
            chunk, pos = self._queue_from(pos, size)
            if chunk.size == 0:
                break
            _, dropped, rule = self._blocked(t, CALL, chunk)
            ok = np.flatnonzero(rule < 0)
            rows = chunk[ok]
            reached = self._u("reach", rows, t, CALL) < self.m.reach[self.seg[rows], CALL]
            minutes = np.where(reached, call.minutes_conversation, call.minutes_no_answer)
            load = minutes if self.call_weight is None else minutes * self.call_weight[rows]
            prefix = np.concatenate(([0.0], np.cumsum(load)))
            n_fit = int((used + prefix[1:] <= capacity + 1e-9).sum())
            stop = chunk.size if n_fit == rows.size else int(ok[n_fit])
            # the walk ends at the first position before which too few minutes remain: the minutes
            # left fall with the calls made, so it follows the first call count j leaving too few
            # (position 0 if j = 0, else just after the j-th call that passes the rules)
            dry = np.flatnonzero(capacity - (used + prefix) < shortest - 1e-9)
            if dry.size:
                j = int(dry[0])
                first_dry = 0 if j == 0 else int(ok[j - 1]) + 1
                if first_dry < min(stop, chunk.size):
                    stop = first_dry
                    n_fit = int(np.searchsorted(ok, stop))
            self._apply_rules(CALL, chunk[:stop], dropped[:stop], rule[:stop])
            if n_fit:
                served_parts.append((rows[:n_fit], reached[:n_fit], minutes[:n_fit]))
                used += float(prefix[n_fit])
            if stop < chunk.size:
                break
        self.agent[t, 1] = used
        for rows, reached, minutes in served_parts:
            self._attempt(rows, t, CALL, reached, minutes)
        self.agent[t, 2] = self.n_pending[CALL]

    def _queue_from(self, pos: int, size: int) -> tuple[np.ndarray, int]:
        """The next ``size`` rows of the call queue from rank ``pos`` (fewer at its end), and the
        rank after the last; only the ranks up to it are read (the walk rarely needs them all)."""
        pending, N = self.pending[CALL], self.N
        parts, found, end = [], 0, pos
        window = max(2 * size, 4096)
        while found < size and end < N:
            part = np.flatnonzero(pending[end:end + window])
            part += end
            parts.append(part)
            found += part.size
            end = min(end + window, N)
            window *= 2
        if not parts:
            return np.zeros(0, np.int64), end
        slots = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if slots.size > size:
            slots = slots[:size]
            end = int(slots[-1]) + 1
        return self.by_rank[slots], end

    # ------------------------------------------------------------------ I: escalation
    def _negativacao(self, t: int, cohort: np.ndarray | None = None, e: int = 0) -> None:
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
        self._charge(rows, self.sc.escalation.negativacao_cost, t, "negativacao_cost")

    def _agency(self, t: int, cohort: np.ndarray | None = None, e: int = 0) -> None:
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
        for c in range(len(CHANNELS)):
            had = rows[self.pending[c, self._slots(c, rows)]]
            self._drop(c, had)

    # ------------------------------------------------------------------ the run
    def _daily(self):
        for t in range(self.H):
            yield self.env.timeout(at(t, "self_cure") - self.env.now)
            self._self_cure(t)
            yield self.env.timeout(at(t, "late") - self.env.now)
            self._late(t)
            yield self.env.timeout(at(t, "contacts") - self.env.now)
            self._contacts(t)  # F, then G in the same wake-up

    def run(self) -> ReplicationResult:
        esc = self.sc.escalation
        for s, steps in enumerate(self.m.cadence):
            for day, c in steps:
                if day < self.H:
                    self._at(at(day, "cadence"), self._cadence_step, day, s, c)
        if 0 < esc.letter_day < self.H:
            self._at(at(esc.letter_day, "cadence"), self._letter_notice, esc.letter_day)
        if 0 < esc.negativacao_day < self.H:
            self._at(at(esc.negativacao_day, "escalation"), self._negativacao, esc.negativacao_day)
        if 0 < esc.agency_day < self.H:
            self._at(at(esc.agency_day, "escalation"), self._agency, esc.agency_day)
        if self.multi:
            self._schedule("write_off:0", self.cyc.collection_days - 1, "write_off", np.arange(self.N),
                           lambda T, r: self._window_ends(T, r, 0))
        self.env.process(self._daily())
        self.env.run(until=self.H)
        return self._finish()

    def _finish(self) -> ReplicationResult:
        H = self.H
        open_rows = np.flatnonzero((self.status == OPEN) | (self.status == AGENCY))
        self.outcome[open_rows] = _O["written_off"]
        if self.rec is not None:
            self.rec.events(H - 1, open_rows, "write_off")
        self.counters["written_off_balance"] += float(self._owed(open_rows, H).sum())
        active = np.flatnonzero(self.status == AGREEMENT)
        self.outcome[active] = _O["agreement_active"]
        share = np.where(self.ag_total[active] > 0, self.ag_paid[active] / np.maximum(self.ag_total[active], 1e-12), 0.0)
        self.give[active] += self.ag_disc[active] * share
        agreements = self.ag_count
        unset = np.isnan(self.first_net)
        self.first_net[unset] = self.coll_npv[unset] - self.cost[unset]
        debtors = {
            "outcome": self.outcome, "collected": self.collected, "collected_npv": self.coll_npv,
            "cost": self.cost, "give": self.give, "minutes": self.minutes, "cash30": self.cash30,
            "agreements": agreements.astype(np.int16), "broken": self.broken, "offer": self.offer_j.astype(np.int32),
            # several cycles and the reservation discount
            "cycles": self.n_cycles, "margin_npv": self.margin_npv, "arrears_npv": self.arrears_npv,
            "lost_margin_npv": self.lost_margin,
            "first_cycle_net": self.first_net, "waited": self.waited, "lost": self.lost, "segment": self.seg,
        }
        for rule in BLOCK_RULES:
            self.counters.setdefault(f"blocked_{rule}", 0.0)
        totals = totals_from(debtors, self.daily, self.agent, balance=self.m.balance, chronic=self.m.chronic,
                             moral_hazard_cost=self.sc.optimizer.moral_hazard_cost, counters=dict(self.counters))
        attempts = None
        if self.record:
            if self.attempt_log:
                rows = np.concatenate([a[0] for a in self.attempt_log])
                days = np.concatenate([np.full(a[0].size, a[1], np.int32) for a in self.attempt_log])
                chans = np.concatenate([np.full(a[0].size, a[2], np.int8) for a in self.attempt_log])
                conv = np.concatenate([a[3] for a in self.attempt_log])
            else:
                rows, days, chans, conv = (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int8),
                                           np.zeros(0, bool))
            attempts = (rows, days, chans, conv)
        return ReplicationResult(totals, debtors, self.daily, self.agent, attempts)


def simulate_replication(model: SimModel, plan: OfferPlan, streams: Streams, *, unlimited_agents: bool = False,
                         record_attempts: bool = False, queue_by_offer: bool = True,
                         recorder=None) -> ReplicationResult:
    """Simulate one replication of ``plan`` on ``model`` with the vectorised engine.

    Parameters
    ----------
    model : SimModel
        Scenario and portfolio as arrays (:func:`simulation.model.build_model`).
    plan : OfferPlan
        The offer each debtor is shown.
    streams : Streams
        This replication's random streams (:func:`simulation.draws.replication_streams`).
    unlimited_agents : bool
        Infinite call capacity (the optimizer's coefficient runs; minutes still counted).
    record_attempts : bool
        Keep (row, day, channel, conversation) of every attempt, for audits.
    queue_by_offer : bool
        Order the call queue by expected value including the debtor's offer (the
        dialler's rule); False leaves the offer out, so that copies of one debtor with
        different offers (the optimizer's batches) compete for calls on equal terms.
    recorder : simulation.history.HistoryRecorder, optional
        Receives every event (attempts, offers, agreements, payments, listings, agency
        hand-overs, write-offs) to be written as a history; None records nothing.

    Returns
    -------
    ReplicationResult
    """
    return _Engine(model, plan, streams, unlimited_agents, record_attempts, queue_by_offer, recorder).run()
