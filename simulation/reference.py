"""The per-debtor reference model: one simpy process per debtor, one shared agent pool.

This is the model of ``docs/model.md`` written the plain way, one debtor at a time, so
that the vectorised engine (``simulation/engine.py``) has something to be checked
against. It uses the same counter-based draws (:func:`simulation.draws.uniform`), called
per debtor, so on the same portfolio, plan and streams both must give the same results
up to the order of floating-point sums. It is slow (pure Python) and meant for tests and
small portfolios.

Time and the order of the phases
--------------------------------
Day ``t`` is the simpy interval ``[t, t + 1)``; the phases come from the table of
:mod:`simulation.day` (the "A day" section of ``docs/model.md``), scheduled as follows:

================  =====================================================================
``at(t, A)``      every debtor's process: A self-cure, B agency collection, C payments
                  due, D late payments and breaks, E cadence steps and the letter, in
                  one wake-up (in the table's order)
``at(t, F)``      every debtor with a pending attempt: F contacts, in channel order
                  letter, email, sms, whatsapp, call; a non-call attempt that passes the
                  rules is made at once (reach, opt-out, engagement and H negotiation
                  inline); a pending call is pushed, unchecked, on the agent pool's heap
                  as ``(-priority, row)``
``at(t, G)``      the agent-pool process: G walks the heap while minutes last, checking
                  each call against the contact rules as it reaches it; for each call
                  made it runs the debtor's contact outcome (reach, opt-out, conversation,
                  engagement, H negotiation); the call that does not fit and those behind
                  it stay pending
``at(t, I)``      debtors on an escalation day: I listing and agency hand-over
``at(t, X)``      several cycles: debtors at the end of their cycle's collection window
                  (or whose agreement broke after it): X write-off
``at(t, R)``      several cycles: a customer whose re-delinquency day has come enters a
                  new cycle (R), then goes on with A-E that day
``H``             the horizon (after ``env.run(until=H)``): write-off, active agreements
================  =====================================================================

Debtors do not interact except through the agent pool, so the order of debtors within
one phase (simpy's FIFO order of equal times) cannot change a result; the fractional
times only keep phases apart. A process that has nothing to do in a phase skips its
wake-up (no pending attempt: no F wake-up; not an escalation day: no I wake-up); a
debtor that has paid ends its process, one handed to the agency sleeps until its
collection day.

Reading of the specification where it leaves a choice (each is listed in the report of
``tests/simulation``):

- a debtor has at most one pending attempt per channel (a cadence step on a channel that
  already has a pending attempt adds nothing);
- H runs inline, right after the engagement it follows; a debtor that is no longer OPEN
  when one of its later attempts of the day comes up has that attempt dropped (not
  counted in any rule), as E says for non-OPEN debtors;
- with ``first_due_days = 0`` the first payment is due on the day of the agreement, after
  C of that day has run: it is examined (C, draw ``u(pay, rid, t, 0)``) right after the
  acceptance in H, the same day;
- ``paid`` (the principal of a broken agreement, the share paid of an active one) is the
  cash paid under the agreement, late fees included ("what was paid");
- the "7-day window" excludes letters, both for the cap and for the fatigue count ``n7``;
- ``conversations`` and the ``conversation`` flag of an attempt are call conversations;
- with ``unlimited_agents`` every queued call that passes the rules is made, whatever the day's minutes; the
  agent table still reports the nominal capacity ``agents.count * agent_minutes[t]``;
- a call fits when ``used + minutes <= capacity + 1e-9``;
- the costs by kind in the totals are nominal, ``cost_npv`` and per-debtor ``cost`` are
  discounted; the telephony cost of a call is a contact cost, its minutes agent cost;
- daily metrics: ``collected``, ``cost`` (every cost, commission and listing included),
  ``give_away`` nominal, ``npv`` the discounted collections; the give-away of agreements
  still active at the horizon is in the totals but in no day.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from scenarios.schema import CHANNELS
from simulation.cycles import BROKEN, PAID_IN_FULL, SETTLED, CycleRules, Resegmenter, reentry_delay
from simulation.day import at
from simulation.draws import Streams, normal, uniform
from simulation.model import CH, OUTCOMES, OfferPlan, SimModel
from simulation.reservation import announced_by_segment, steps_of
from simulation.replication import BLOCK_RULES, DAILY_METRICS, ReplicationResult, totals_from

__all__ = ["simulate_reference", "audit_attempts"]

OPEN, AGREEMENT, AGENCY, PAID, WRITTEN_OFF = 0, 1, 2, 3, 4
SMS, EMAIL, WHATSAPP, CALL, LETTER = (CH[c] for c in ("sms", "email", "whatsapp", "call", "letter"))
#: Channel order of phase F.
F_ORDER: tuple[int, ...] = (LETTER, EMAIL, SMS, WHATSAPP, CALL)
_MET = {m: i for i, m in enumerate(DAILY_METRICS)}
_OUT = {o: i for i, o in enumerate(OUTCOMES)}
_FITS_EPS = 1e-9


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _price(pv: float, rate: float, m: int) -> float:
    """Price-table installment of ``m`` payments on ``pv`` (``pv / m`` at zero interest)."""
    if rate == 0.0:
        return pv / m
    return pv * rate / (1.0 - (1.0 + rate) ** (-m))


@dataclass(eq=False)
class _Debtor:
    """Everything one debtor carries through a replication."""

    row: int
    rid: int
    seg: int
    b0: float
    dpd: int
    state: int
    chronic: bool
    available: tuple[bool, ...]
    lump: float              # L, lump-sum capacity
    monthly: float           # M, monthly capacity
    cure_u: float            # U, self-cure threshold
    d: float                 # the offer: discount, installments, down payment share
    n: int
    down: float
    priority: float
    status: int = OPEN
    surv: float = 1.0        # S
    base: float = 0.0
    base_day: int = 0
    listed: bool = False
    opted_out: bool = False
    last_conv: int | None = None
    cooldown_until: int = 0
    pending: set[int] = field(default_factory=set)
    recent: list[int] = field(default_factory=list)   # days of non-letter attempts made
    collect_day: int | None = None                    # agency collection day
    # the current agreement
    b_agreed: float = 0.0
    a_agreed: float = 0.0
    schedule: list[float] = field(default_factory=list)
    total: float = 0.0
    paid: float = 0.0
    k: int = 0
    due: int = 0
    late_since: int | None = None
    # results
    outcome: int = 0
    collected: float = 0.0
    collected_npv: float = 0.0
    cost: float = 0.0
    give: float = 0.0
    minutes: float = 0.0
    cash30: float = 0.0
    agreements: int = 0
    broken: int = 0
    # several cycles, escalating offers, the reservation discount
    offer_j: int = 0
    steps: tuple[tuple[int, float], ...] = ()
    announced: float = 0.0
    prior: int = 0
    entry: int = 0
    cycles: int = 1
    ag_base: int = 0
    ag_d: float = 0.0
    cycle_broken: bool = False
    past_window: bool = False
    reentry: int | None = None
    lost: bool = False
    margin_npv: float = 0.0
    arrears_npv: float = 0.0
    lost_margin: float = 0.0
    first_net: float | None = None
    offered: float = 0.0
    received: float = 0.0
    first_offer: float | None = None
    waited: int = 0

    def owed(self, t: int, juros: float) -> float:
        """Balance owed on day ``t`` (simple juros de mora since ``base_day``)."""
        return self.base * (1.0 + juros * (t - self.base_day) / 30.0)

    def n7(self, t: int) -> int:
        """Non-letter attempts made on days ``t-6 .. t`` so far."""
        return sum(1 for day in self.recent if day >= t - 6)


class _Reference:
    """One replication, one simpy process per debtor plus the agent pool."""

    def __init__(self, model: SimModel, plan: OfferPlan, streams: Streams, unlimited_agents: bool):
        sc = model.scenario
        self.model, self.sc, self.streams = model, sc, streams
        self.unlimited = unlimited_agents
        self.H = model.calendar.horizon
        self.S = model.n_segments
        self.juros = sc.money.juros_mora_monthly
        self.rate = sc.money.annual_discount_rate
        self.keys = {k: streams[k] for k in streams.keys}
        self.cadence = [dict() for _ in range(self.S)]
        for s, steps in enumerate(model.cadence):
            for day, c in steps:
                self.cadence[s].setdefault(day, []).append(c)
        P = model.params
        self.P = {k: [float(x) for x in v] for k, v in P.items()}
        self.reach = model.reach.tolist()
        self.engage = model.engage.tolist()
        ch = sc.channels
        self.channel_cost = (ch.sms.cost, ch.email.cost, ch.whatsapp.cost, ch.call.cost, ch.letter.cost)
        self.cost_per_minute = sc.agents.cost_per_hour / 60.0
        self.daily = np.zeros((self.H, self.S, len(DAILY_METRICS)))
        self.agent = np.zeros((self.H, 3))
        self.counters: dict[str, float] = {k: 0.0 for k in (
            "contact_cost", "agent_cost", "negativacao_cost", "agency_commission", "opt_outs", "conversations",
            *(f"attempts_{c}" for c in CHANNELS), *(f"blocked_{r}" for r in BLOCK_RULES), "violations",
            "written_off_balance", "agency_handovers")}
        self.queue: list[tuple[float, int]] = []
        # attempts made, in the order made: row, day, channel, conversation, opted out by it
        self.log: list[tuple[int, int, int, bool, bool]] = []
        self.env = simpy.Environment()
        self.plan = plan
        self.cyc = CycleRules.of(model)
        self.resegment = Resegmenter(model)
        self.expects = any(x != 0 for k in ("expect_offered", "expect_received", "expect_announced") for x in self.P[k])
        self.debtors = self._draw_debtors(plan)

    # ------------------------------------------------------------------ set-up
    def _u(self, kind: str, rid: int, day: int, slot: int) -> float:
        return float(uniform(self.keys[kind], np.array([rid], dtype=np.int64), day, slot)[0])

    def _draw_debtors(self, plan: OfferPlan) -> list[_Debtor]:
        m, P = self.model, self.P
        d, n, down, self.offer_index = plan.assign(m, self.streams)
        self.announced = announced_by_segment(plan)
        steps = self._steps(m.seg, self.offer_index)
        prior = m.prior if m.prior is not None else np.where(m.chronic, self.cyc.threshold, 0)
        out = []
        for i in range(m.n):
            rid, s, b0 = int(m.rid[i]), int(m.seg[i]), float(m.balance[i])
            ids = np.array([rid], dtype=np.int64)
            z_lump = float(normal(self.keys["lump"], ids, 0)[0])
            z_monthly = float(normal(self.keys["monthly"], ids, 0)[0])
            sig = _sigmoid(P["accept_alpha"][s] + P["accept_beta"][s] * float(d[i]))
            out.append(_Debtor(
                row=i, rid=rid, seg=s, b0=b0, dpd=int(m.dpd[i]), state=int(m.state[i]), chronic=bool(m.chronic[i]),
                available=tuple(bool(x) for x in m.available[:, i]),
                lump=b0 * math.exp(P["lump_mu"][s] + P["lump_sigma"][s] * z_lump),
                monthly=b0 * math.exp(P["monthly_mu"][s] + P["monthly_sigma"][s] * z_monthly),
                cure_u=self._u("cure", rid, 0, 0), d=float(d[i]), n=int(n[i]), down=float(down[i]),
                priority=b0 * self.reach[s][CALL] * self.engage[s][CALL] * sig, base=b0))
            dbt = out[-1]
            dbt.offer_j, dbt.steps, dbt.prior = int(self.offer_index[i]), steps[i], int(prior[i])
            dbt.announced = float(self.announced[s]) if self.announced is not None else dbt.d
        return out

    def _steps(self, seg: np.ndarray, j: np.ndarray) -> list[tuple[tuple[int, float], ...]]:
        """Each debtor's escalation steps ((day in cycle, discount), ...)."""
        days, discs = steps_of(self.plan, np.asarray(seg), np.asarray(j))
        return [tuple((int(a), float(b)) for a, b in zip(days[i], discs[i]) if a < 2**30) for i in range(len(seg))]

    # ------------------------------------------------------------------ money and counts
    def _disc(self, t: int) -> float:
        return (1.0 + self.rate) ** (-t / 365.0)

    def _collect(self, dbt: _Debtor, t: int, amount: float) -> None:
        npv = amount * self._disc(t)
        dbt.collected += amount
        dbt.collected_npv += npv
        if t < 30:
            dbt.cash30 += amount
        self.daily[t, dbt.seg, _MET["collected"]] += amount
        self.daily[t, dbt.seg, _MET["npv"]] += npv

    def _charge(self, dbt: _Debtor, t: int, amount: float, kind: str) -> None:
        dbt.cost += amount * self._disc(t)
        self.daily[t, dbt.seg, _MET["cost"]] += amount
        self.counters[kind] += amount

    def _count(self, dbt: _Debtor, t: int, metric: str, value: float = 1.0) -> None:
        self.daily[t, dbt.seg, _MET[metric]] += value

    # ------------------------------------------------------------------ the debtor's process
    def _debtor_process(self, dbt: _Debtor):
        env, H = self.env, self.H
        esc = self.sc.escalation
        escalation_days = {day for day in (esc.negativacao_day, esc.agency_day) if 0 < day}
        multi, window = self.cyc.enabled, self.cyc.collection_days
        t = 0
        while t < H:
            if dbt.status in (PAID, WRITTEN_OFF):   # between cycles, or gone
                dbt.pending.clear()
                if dbt.reentry is None or dbt.reentry >= H:
                    return
                t, dbt.reentry = dbt.reentry, None
                yield env.timeout(at(t, "re_entry") - env.now)
                self._re_enter(dbt, t)       # R
            yield env.timeout(at(t, "self_cure") - env.now)
            self._self_cure(dbt, t)          # A
            self._agency_collection(dbt, t)  # B
            self._payment_due(dbt, t)        # C
            self._late_payment(dbt, t)       # D
            if dbt.status == PAID:
                continue
            self._cadence(dbt, t)            # E
            if dbt.pending:
                yield env.timeout(at(t, "contacts") - env.now)
                self._contacts(dbt, t)       # F (and H inline); calls go to the pool (G)
            if t - dbt.entry in escalation_days:
                yield env.timeout(at(t, "escalation") - env.now)
                self._escalation(dbt, t)     # I
            if multi and ((t - dbt.entry == window - 1 and dbt.status in (OPEN, AGENCY, AGREEMENT))
                          or (dbt.past_window and dbt.status == OPEN)):
                yield env.timeout(at(t, "write_off") - env.now)
                self._window(dbt, t)         # X
                if dbt.status == WRITTEN_OFF:
                    return
            if dbt.status == AGENCY:         # nothing happens until the agency collects (or the window ends)
                wake = dbt.collect_day if dbt.collect_day is not None else H
                if multi and dbt.entry + window - 1 > t:
                    wake = min(wake, dbt.entry + window - 1)
                if wake >= H:
                    return
                t = wake
                continue
            t += 1

    # A
    def _self_cure(self, dbt: _Debtor, t: int) -> None:
        if dbt.status != OPEN:
            return
        s, P = dbt.seg, self.P
        h = P["self_cure_h0"][s] * math.exp(-(dbt.dpd + (t - dbt.entry)) / P["self_cure_tau"][s])
        if dbt.listed:
            h *= P["uplift_negativado"][s]
        h = min(1.0, h)
        dbt.surv *= 1.0 - h
        if dbt.surv <= dbt.cure_u:
            self._collect(dbt, t, dbt.owed(t, self.juros))
            dbt.status, dbt.outcome = PAID, _OUT["self_cured"]
            self._count(dbt, t, "cures")
            self._end_cycle(dbt, t, PAID_IN_FULL)

    # B
    def _agency_collection(self, dbt: _Debtor, t: int) -> None:
        if dbt.status != AGENCY or dbt.collect_day != t:
            return
        amount = dbt.owed(t, self.juros)
        self._collect(dbt, t, amount)
        self._charge(dbt, t, amount * self.sc.escalation.agency_commission, "agency_commission")
        dbt.status, dbt.outcome = PAID, _OUT["agency_collected"]
        self._count(dbt, t, "agency_collected")
        self._end_cycle(dbt, t, PAID_IN_FULL)

    # C
    def _payment_due(self, dbt: _Debtor, t: int) -> None:
        if dbt.status != AGREEMENT or dbt.late_since is not None or dbt.due > t:
            return
        s, P = dbt.seg, self.P
        p = P["keep_first"][s] if dbt.k == 0 else P["keep"][s]
        if dbt.chronic:
            p *= P["chronic_keep_factor"][s]
        if self._u("pay", dbt.rid, t, dbt.k) < p:
            self._pay_installment(dbt, t, dbt.schedule[dbt.k])
        else:
            dbt.late_since = t

    def _pay_installment(self, dbt: _Debtor, t: int, amount: float) -> None:
        self._collect(dbt, t, amount)
        dbt.paid += amount
        dbt.k += 1
        if dbt.k == len(dbt.schedule):
            dbt.status, dbt.outcome = PAID, _OUT["agreement_kept"]
            give = dbt.b_agreed - dbt.a_agreed
            dbt.give += give
            self._count(dbt, t, "give_away", give)
            self._end_cycle(dbt, t, SETTLED)
        else:
            dbt.due += 30  # 30 days after the due date of the installment just paid

    # D
    def _late_payment(self, dbt: _Debtor, t: int) -> None:
        if dbt.status != AGREEMENT or dbt.late_since is None or dbt.late_since >= t:
            return
        ag = self.sc.agreements
        if t - dbt.late_since > ag.grace_days:
            dbt.status = OPEN
            dbt.base = dbt.b_agreed - dbt.paid * dbt.a_agreed / dbt.total
            dbt.base_day = t
            dbt.cooldown_until = t + ag.renegotiation_cooldown_days
            dbt.late_since = None
            dbt.broken += 1
            dbt.cycle_broken = True
            self._count(dbt, t, "breaks")
            return
        s, P = dbt.seg, self.P
        p = P["late_pay_daily"][s]
        if dbt.chronic:
            p *= P["chronic_keep_factor"][s]
        if self._u("pay", dbt.rid, t, 100 + dbt.k) < p:
            money = self.sc.money
            amount = dbt.schedule[dbt.k] * (1.0 + money.multa + self.juros * (t - dbt.late_since) / 30.0)
            dbt.late_since = None
            self._pay_installment(dbt, t, amount)

    # E
    def _cadence(self, dbt: _Debtor, t: int) -> None:
        if dbt.status != OPEN:
            dbt.pending.clear()
            return
        for c in self.cadence[dbt.seg].get(t - dbt.entry, ()):
            if c == CALL and self.plan.no_calls is not None and bool(
                    self.plan.uncalled(np.array([dbt.row]), np.array([dbt.seg]), np.array([dbt.offer_j]))[0]):
                continue                     # the not-called share: the dialler never queues it
            if dbt.available[c]:
                dbt.pending.add(c)
        letter_day = self.sc.escalation.letter_day
        if letter_day and t - dbt.entry == letter_day:
            dbt.pending.add(LETTER)

    # F
    def _contacts(self, dbt: _Debtor, t: int) -> None:
        rules = self.sc.contact_rules
        allowed = self.model.calendar.allowed
        for c in F_ORDER:
            if c not in dbt.pending:
                continue
            if dbt.status != OPEN:           # an agreement made earlier today: the rest is dropped
                dbt.pending.clear()
                return
            if c == CALL:                    # calls are checked by the dialler's walk (G)
                heapq.heappush(self.queue, (-dbt.priority, dbt.row))
                continue
            if not allowed[c, t, dbt.state]:
                self.counters["blocked_state_hours"] += 1
                continue                     # stays pending
            if c != LETTER and dbt.opted_out:
                dbt.pending.discard(c)
                self.counters["blocked_opt_out"] += 1
                continue
            if c == CALL and rules.reg_f_mode and dbt.last_conv is not None and t - dbt.last_conv < 7:
                dbt.pending.discard(c)
                self.counters["blocked_reg_f"] += 1
                continue
            if c != LETTER and dbt.n7(t) >= rules.max_contacts_per_7_days:
                dbt.pending.discard(c)
                self.counters["blocked_weekly_cap"] += 1
                continue
            dbt.pending.discard(c)
            self._charge(dbt, t, self.channel_cost[c], "contact_cost")
            reached = self._u("reach", dbt.rid, t, c) < self.reach[dbt.seg][c]
            self._contact_outcome(dbt, t, c, reached)

    def _contact_outcome(self, dbt: _Debtor, t: int, c: int, reached: bool) -> None:
        """An attempt made on ``c`` (cost already paid): record, reach, opt-out, engage, negotiate."""
        n7 = dbt.n7(t)
        if c != LETTER:
            dbt.recent = [day for day in dbt.recent if day >= t - 6]
            dbt.recent.append(t)
        self.counters[f"attempts_{CHANNELS[c]}"] += 1
        self._count(dbt, t, f"attempts_{CHANNELS[c]}")
        conversation = opted = False
        engaged = False
        if reached:
            self._count(dbt, t, "reached")
            if c != LETTER and self._u("optout", dbt.rid, t, c) < self.sc.contact_rules.opt_out_probability:
                dbt.opted_out = opted = True
                self.counters["opt_outs"] += 1
            else:
                if c == CALL:
                    conversation = True
                    dbt.last_conv = t
                    self.counters["conversations"] += 1
                p = self.engage[dbt.seg][c] * self.P["fatigue"][dbt.seg] ** n7
                engaged = self._u("engage", dbt.rid, t, c) < p
        self.log.append((dbt.row, t, c, conversation, opted))
        if engaged:
            self._negotiate(dbt, t, c)

    # G
    def _agent_pool(self):
        env, sc = self.env, self.sc
        call = sc.channels.call
        rules = sc.contact_rules
        allowed = self.model.calendar.allowed
        shortest = max(min(call.minutes_conversation, call.minutes_no_answer), 1e-9)
        for t in range(self.H):
            yield env.timeout(at(t, "calls") - env.now)
            nominal = sc.agents.count * float(self.model.calendar.agent_minutes[t])
            capacity = float("inf") if self.unlimited else nominal
            used = 0.0
            queue = self.queue
            held = 0                         # popped but still pending (window, or did not fit)
            while queue and capacity - used >= shortest - _FITS_EPS:
                _, row = heapq.heappop(queue)
                dbt = self.debtors[row]
                if not allowed[CALL, t, dbt.state]:
                    self.counters["blocked_state_hours"] += 1
                    held += 1
                    continue
                if dbt.opted_out:
                    dbt.pending.discard(CALL)
                    self.counters["blocked_opt_out"] += 1
                    continue
                if rules.reg_f_mode and dbt.last_conv is not None and t - dbt.last_conv < 7:
                    dbt.pending.discard(CALL)
                    self.counters["blocked_reg_f"] += 1
                    continue
                if dbt.n7(t) >= rules.max_contacts_per_7_days:
                    dbt.pending.discard(CALL)
                    self.counters["blocked_weekly_cap"] += 1
                    continue
                reached = self._u("reach", dbt.rid, t, CALL) < self.reach[dbt.seg][CALL]
                minutes = call.minutes_conversation if reached else call.minutes_no_answer
                if used + minutes > capacity + _FITS_EPS:
                    held += 1
                    break                    # it and the rest stay pending
                used += minutes
                dbt.pending.discard(CALL)
                dbt.minutes += minutes
                self._charge(dbt, t, call.cost, "contact_cost")
                self._charge(dbt, t, minutes * self.cost_per_minute, "agent_cost")
                self._contact_outcome(dbt, t, CALL, reached)
            self.agent[t] = (nominal, used, len(queue) + held)
            queue.clear()

    # H
    def _negotiate(self, dbt: _Debtor, t: int, c: int) -> None:
        sc = self.sc
        if (dbt.status != OPEN or t < dbt.cooldown_until
                or dbt.agreements - dbt.ag_base >= sc.agreements.max_agreements):
            return
        offers = sc.offers
        B = dbt.owed(t, self.juros)
        d = dbt.d
        for day, disc in dbt.steps:          # escalating offers: the last step reached
            if t - dbt.entry >= day:
                d = disc
        A = B * (1.0 - d)
        schedule = [A]
        installment = None
        if dbt.n > 1:
            D = dbt.down * A if dbt.down > 0 else 0.0
            m = dbt.n - 1 if dbt.down > 0 else dbt.n
            rate = offers.plan_interest_monthly
            P = _price(A - D, rate, m)
            while P < offers.min_installment and m > 1:
                m -= 1
                P = _price(A - D, rate, m)
            if P >= offers.min_installment:
                installment = P
                schedule = ([D] if dbt.down > 0 else []) + [P] * m
        affordable = schedule[0] <= dbt.lump and (installment is None or installment <= dbt.monthly)
        s, P = dbt.seg, self.P
        if not self.expects:
            p = _sigmoid(P["accept_alpha"][s] + P["accept_beta"][s] * d)
        else:
            dexp = (P["expect_offered"][s] * dbt.offered + P["expect_received"][s] * dbt.received
                    + P["expect_announced"][s] * dbt.announced)
            p = _sigmoid(P["accept_alpha"][s] + P["accept_beta"][s] * (d - dexp))
        accepted = affordable and self._u("accept", dbt.rid, t, c) < p
        if dbt.first_offer is None:
            dbt.first_offer = d
        if accepted and d > dbt.first_offer + 1e-12:
            dbt.waited += 1
        dbt.offered = max(dbt.offered, d)
        if not accepted:
            return
        dbt.ag_d = d
        dbt.status = AGREEMENT
        dbt.pending.clear()
        dbt.agreements += 1
        dbt.b_agreed, dbt.a_agreed = B, A
        dbt.schedule = schedule
        dbt.total = math.fsum(schedule)
        dbt.paid = 0.0
        dbt.k = 0
        dbt.due = t + offers.first_due_days
        dbt.late_since = None
        self._count(dbt, t, "agreements")
        if dbt.due <= t:                     # first_due_days = 0: C for today's payment, after H
            self._payment_due(dbt, t)

    # I
    def _escalation(self, dbt: _Debtor, t: int) -> None:
        esc = self.sc.escalation
        if dbt.status != OPEN:
            return
        t_cycle = t - dbt.entry
        if esc.negativacao_day and t_cycle == esc.negativacao_day and not dbt.listed:
            dbt.listed = True
            self._charge(dbt, t, esc.negativacao_cost, "negativacao_cost")
        if esc.agency_day and t_cycle == esc.agency_day:
            dbt.status = AGENCY
            self.counters["agency_handovers"] += 1
            dbt.pending.clear()
            h = self.P["agency_hazard"][dbt.seg]
            if h > 0:
                g = self._u("agency", dbt.rid, t, 0)
                k = 1 if h >= 1 else math.floor(math.log1p(-g) / math.log1p(-h)) + 1
                dbt.collect_day = t + k

    # ------------------------------------------------------------------ R, X: several cycles
    def _end_cycle(self, dbt: _Debtor, t: int, kind: int) -> None:
        """A cycle ended in payment: the customer stays (re-entry day drawn) or is lost (opted out)."""
        cyc = self.cyc
        if not cyc.enabled:
            return
        if dbt.cycles == 1:
            dbt.first_net = dbt.collected_npv - dbt.cost
        seg = np.array([dbt.seg])
        if kind == SETTLED:
            dbt.received = max(dbt.received, dbt.ag_d)
        if dbt.opted_out:
            dbt.lost = True
            dbt.lost_margin += float(cyc.margin(seg, t + 1, self.H)[0])
            return
        kind = BROKEN if dbt.cycle_broken else kind
        h = cyc.hazard(seg, np.array([kind]), np.array([dbt.ag_d if kind == SETTLED else 0.0]))
        g = self._u("redelinquency", dbt.rid, t, 0)
        day = t + float(reentry_delay(np.array([g]), h)[0])
        dbt.margin_npv += float(cyc.margin(seg, t + 1, day)[0])
        dbt.reentry = int(day) if day < self.H else None

    def _re_enter(self, dbt: _Debtor, t: int) -> None:
        """R: the customer enters a new cycle on day ``t``."""
        P, cyc, m = self.P, self.cyc, self.model
        old = dbt.seg
        dbt.prior += 1
        B = float(m.balance[dbt.row] * cyc.balance_share[old])
        dbt.arrears_npv += B * self._disc(t)
        s = int(self.resegment(np.array([dbt.row]), np.array([dbt.prior]), np.array([B]), cyc.entry_dpd,
                               np.array([old]))[0])
        dbt.seg = s
        dbt.chronic = dbt.prior >= cyc.threshold
        dbt.entry, dbt.cycles, dbt.dpd = t, dbt.cycles + 1, cyc.entry_dpd
        dbt.status, dbt.base, dbt.base_day = OPEN, B, t
        dbt.listed, dbt.surv = False, 1.0
        dbt.cure_u = self._u("cure", dbt.rid, t, 0)
        ids = np.array([dbt.rid], dtype=np.int64)
        dbt.lump = B * math.exp(P["lump_mu"][s] + P["lump_sigma"][s] * float(normal(self.keys["lump"], ids, t)[0]))
        dbt.monthly = B * math.exp(P["monthly_mu"][s] + P["monthly_sigma"][s]
                                   * float(normal(self.keys["monthly"], ids, t)[0]))
        dbt.ag_base, dbt.cooldown_until = dbt.agreements, t
        dbt.cycle_broken = dbt.past_window = False
        dbt.first_offer = None
        dbt.collect_day = None
        if self.plan.mix is not None:
            d, n, down, j = self.plan.draw(np.array([s]), ids, self.streams, t)
            dbt.d, dbt.n, dbt.down, dbt.offer_j = float(d[0]), int(n[0]), float(down[0]), int(j[0])
            dbt.steps = self._steps(np.array([s]), j)[0]
            dbt.announced = float(self.announced[s])

    def _window(self, dbt: _Debtor, t: int) -> None:
        """X: the collection window ends (open and agency debtors are written off), or a late break."""
        if dbt.status == AGREEMENT:
            dbt.past_window = True
            return
        if dbt.status not in (OPEN, AGENCY):
            return
        self.counters["written_off_balance"] += dbt.owed(t + 1, self.juros)
        dbt.status, dbt.outcome, dbt.lost = WRITTEN_OFF, _OUT["written_off"], True
        dbt.pending.clear()
        dbt.lost_margin += float(self.cyc.margin(np.array([dbt.seg]), t + 1, self.H)[0])
        if dbt.cycles == 1:
            dbt.first_net = dbt.collected_npv - dbt.cost

    # ------------------------------------------------------------------ the run
    def run(self, record_attempts: bool) -> ReplicationResult:
        for dbt in self.debtors:
            self.env.process(self._debtor_process(dbt))
        self.env.process(self._agent_pool())
        self.env.run(until=self.H)
        return self._finish(record_attempts)

    def _finish(self, record_attempts: bool) -> ReplicationResult:
        H = self.H
        for dbt in self.debtors:
            if dbt.status in (OPEN, AGENCY):
                dbt.outcome = _OUT["written_off"]
                self.counters["written_off_balance"] += dbt.owed(H, self.juros)
            elif dbt.status == AGREEMENT:
                dbt.outcome = _OUT["agreement_active"]
                dbt.give += (dbt.b_agreed - dbt.a_agreed) * dbt.paid / dbt.total
        ds = self.debtors
        debtors = {
            "outcome": np.array([x.outcome for x in ds], dtype=np.uint8),
            "collected": np.array([x.collected for x in ds], dtype=np.float64),
            "collected_npv": np.array([x.collected_npv for x in ds], dtype=np.float64),
            "cost": np.array([x.cost for x in ds], dtype=np.float64),
            "give": np.array([x.give for x in ds], dtype=np.float64),
            "minutes": np.array([x.minutes for x in ds], dtype=np.float64),
            "cash30": np.array([x.cash30 for x in ds], dtype=np.float64),
            "agreements": np.array([x.agreements for x in ds], dtype=np.int16),
            "broken": np.array([x.broken for x in ds], dtype=np.int16),
            "offer": np.array([x.offer_j for x in ds], dtype=np.int32),
            # several cycles and the reservation discount
            "cycles": np.array([x.cycles for x in ds], dtype=np.int16),
            "margin_npv": np.array([x.margin_npv for x in ds], dtype=np.float64),
            "arrears_npv": np.array([x.arrears_npv for x in ds], dtype=np.float64),
            "lost_margin_npv": np.array([x.lost_margin for x in ds], dtype=np.float64),
            "first_cycle_net": np.array([x.collected_npv - x.cost if x.first_net is None else x.first_net for x in ds],
                                        dtype=np.float64),
            "waited": np.array([x.waited for x in ds], dtype=np.int16),
            "lost": np.array([x.lost for x in ds], dtype=bool),
            "segment": np.array([x.seg for x in ds], dtype=np.int32),
        }
        rows = np.array([a[0] for a in self.log], dtype=np.int64)
        days = np.array([a[1] for a in self.log], dtype=np.int32)
        chans = np.array([a[2] for a in self.log], dtype=np.int8)
        conv = np.array([a[3] for a in self.log], dtype=bool)
        opted = np.array([a[4] for a in self.log], dtype=bool)
        self.counters["violations"] = float(audit_attempts(self.model, rows, days, chans, conv, opted).sum())
        totals = totals_from(debtors, self.daily, self.agent, balance=self.model.balance, chronic=self.model.chronic,
                             moral_hazard_cost=self.sc.optimizer.moral_hazard_cost, counters=self.counters)
        attempts = (rows, days, chans, conv) if record_attempts else None
        return ReplicationResult(totals, debtors, self.daily, self.agent, attempts)


def audit_attempts(model: SimModel, rows: np.ndarray, days: np.ndarray, channels: np.ndarray,
                   conversation: np.ndarray, opted_out: np.ndarray) -> np.ndarray:
    """Which attempts broke a contact rule, judged from the attempts alone.

    Parameters
    ----------
    model : SimModel
    rows, days, channels : ndarray
        The attempts made, in the order they were made.
    conversation : ndarray of bool
        The attempt was a call conversation.
    opted_out : ndarray of bool
        The debtor opted out when reached by this attempt.

    Returns
    -------
    ndarray of bool
        Per attempt: made on a day its window was shut, or (not a letter) after the
        debtor opted out, or (not a letter) with ``max_contacts_per_7_days`` non-letter
        attempts already made on days ``t-6 .. t``, or (a call, ``reg_f_mode``) within 7
        days of a conversation.
    """
    rules = model.scenario.contact_rules
    cap = rules.max_contacts_per_7_days
    bad = ~model.calendar.allowed[channels, days, model.state[rows]] if rows.size else np.zeros(0, bool)
    bad = np.asarray(bad, dtype=bool).copy()
    seen_optout: set[int] = set()
    recent: dict[int, list[int]] = {}
    last_conv: dict[int, int] = {}
    for j in range(rows.size):
        r, t, c = int(rows[j]), int(days[j]), int(channels[j])
        if c != LETTER:
            if r in seen_optout:
                bad[j] = True
            window = [d for d in recent.get(r, ()) if d >= t - 6]
            if len(window) >= cap:
                bad[j] = True
            window.append(t)
            recent[r] = window
        if c == CALL and rules.reg_f_mode and r in last_conv and t - last_conv[r] < 7:
            bad[j] = True
        if opted_out[j]:
            seen_optout.add(r)
        if conversation[j]:
            last_conv[r] = t
    return bad


def simulate_reference(model: SimModel, plan: OfferPlan, streams: Streams, *, unlimited_agents: bool = False,
                       record_attempts: bool = False) -> ReplicationResult:
    """Simulate one replication with the per-debtor reference model.

    One simpy process per debtor walks the days (phases A-F and I of ``docs/model.md``)
    and one agent-pool process serves the day's calls in priority order (G); see the
    module docstring for the order of phases within a day.

    Parameters
    ----------
    model : SimModel
        Scenario and portfolio as arrays (:func:`simulation.model.build_model`).
    plan : OfferPlan
        The offer each debtor is shown.
    streams : Streams
        This replication's random streams (:func:`simulation.draws.replication_streams`).
    unlimited_agents : bool, default False
        Infinite call capacity: every call that passes the rules is made the day it is
        queued (minutes are still counted and charged).
    record_attempts : bool, default False
        Return (row, day, channel, conversation) of every attempt made.

    Returns
    -------
    ReplicationResult
        Same fields as the vectorised engine's; ``totals["violations"]`` comes from an
        independent audit of the attempts made (:func:`audit_attempts`).
    """
    return _Reference(model, plan, streams, unlimited_agents).run(record_attempts)
