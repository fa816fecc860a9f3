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

This module holds the state, the scheduling and the run; the phases are mixins, one
module each: :mod:`simulation.engine_cure` (A), :mod:`simulation.engine_escalation`
(B, I), :mod:`simulation.engine_agreements` (C, D, H), :mod:`simulation.engine_contacts`
(E, F and the attempt), :mod:`simulation.engine_calls` (G), :mod:`simulation.engine_cycles`
(R, X, the offer of the day) and :mod:`simulation.engine_books` (money).

The model is specified in ``docs/model.md``; ``simulation/reference.py`` implements the
same specification one debtor at a time, and the tests check that they agree.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import simpy

from scenarios.schema import CHANNELS
from simulation.cycles import CycleRules
from simulation.day import at
from simulation.draws import Streams, id_hash, normal, uniform, uniform_hashed
from simulation.engine_agreements import CONTROLS, AgreementsMixin
from simulation.engine_books import CALL, LETTER, OUTCOME, BooksMixin, plan_installments, price_installment
from simulation.engine_calls import CallsMixin, queue_order
from simulation.engine_contacts import ContactsMixin
from simulation.engine_cure import CureMixin
from simulation.engine_cycles import AGENCY, AGREEMENT, OPEN, CyclesMixin
from simulation.engine_escalation import EscalationMixin
from simulation.model import OfferPlan, SimModel
from simulation.replication import BLOCK_RULES, DAILY_METRICS, ReplicationResult, totals_from

__all__ = ["simulate_replication", "price_installment", "plan_installments", "CALL", "LETTER"]

_NEVER = -10_000  # the day of "no conversation yet" (Reg F reads t - last_conv)


class _Engine(CallsMixin, ContactsMixin, AgreementsMixin, EscalationMixin, CureMixin, BooksMixin, CyclesMixin):
    """One replication of one policy; see the module docstring for the event order."""

    def __init__(self, model: SimModel, plan: OfferPlan, streams: Streams, unlimited_agents: bool,
                 record_attempts: bool, queue_by_offer: bool = True, recorder=None, record_controls: bool = False):
        sc = model.scenario
        self.m, self.sc, self.st = model, sc, streams
        self.unlimited = unlimited_agents
        self.record = record_attempts
        self.rec = recorder  # a simulation.history.HistoryRecorder, or None (then nothing is recorded)
        # martingale controls (simulation.engine_agreements.CONTROLS), per debtor, when asked
        self.ctl = {k: np.zeros(model.n) for k in CONTROLS} if record_controls else None
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
        # the call queue lives in priority order: pending[CALL] is indexed by rank (a stable
        # sort: ties by row)
        self.by_rank = queue_order(self.priority)
        self.rank = np.empty(N, np.int64)
        self.rank[self.by_rank] = np.arange(N)
        # state
        self.status = np.zeros(N, np.uint8)
        self.base = bal.astype(np.float64).copy()
        self.base_day = np.zeros(N, np.int32)
        self.listed = np.zeros(N, bool)
        self.opted = np.zeros(N, bool)
        self.K = sc.contact_rules.max_contacts_per_7_days
        self.recent7 = np.zeros(N, np.int16)  # attempts in the last 7 days (rule 3)
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
        self._init_cure_classes()
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
        self.outcome[open_rows] = OUTCOME["written_off"]
        if self.rec is not None:
            self.rec.events(H - 1, open_rows, "write_off")
        self.counters["written_off_balance"] += float(self._owed(open_rows, H).sum())
        active = np.flatnonzero(self.status == AGREEMENT)
        self.outcome[active] = OUTCOME["agreement_active"]
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
        if self.ctl is not None:
            debtors.update({f"ctl_{k}": v for k, v in self.ctl.items()})
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
                         recorder=None, record_controls: bool = False) -> ReplicationResult:
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
    record_controls : bool
        Add the martingale controls of :data:`simulation.engine_agreements.CONTROLS` to
        ``debtors`` (``ctl_<name>``, one per debtor; each has mean exactly 0). No draw changes.

    Returns
    -------
    ReplicationResult
    """
    return _Engine(model, plan, streams, unlimited_agents, record_attempts, queue_by_offer, recorder,
                   record_controls).run()
