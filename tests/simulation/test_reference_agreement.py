"""The per-debtor reference model and the vectorised engine agree.

They share every draw (counter-based streams), so on the same model, plan and streams
they must give the same outcomes and the same money up to the order of floating-point
sums: outcome counts identical, totals, per-debtor arrays, daily series, the agent table
and the attempts made within 1e-6 relative. Each aspect is its own test so that a
disagreement names what differs; ``test_main_metrics_within_3_se`` says whether a
difference is at the level of noise or not. The last section holds phase-level
reproducers: tiny portfolios where the specification (``docs/model.md``) fixes the
answer, run on both engines.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios.schema import OfferShare, Policy
from simulation.model import CH, OUTCOMES, OfferPlan
from simulation.reference import audit_attempts
from simulation.replication import DAILY_METRICS, DEBTOR_FIELDS, TOTALS

RTOL = 1e-6
ZERO = {"sms": 0.0, "email": 0.0, "whatsapp": 0.0, "call": 0.0, "letter": 0.0}

#: Scenario variants: (settings, portfolio size, plan, unlimited agents).
VARIANTS: dict[str, tuple[dict, int, str, bool]] = {
    "base": ({}, 3000, "baseline", False),
    "tight_agents": ({"agents.count": 2}, 1000, "baseline", False),
    "cap2_reg_f": ({"contact_rules.max_contacts_per_7_days": 2, "contact_rules.reg_f_mode": True}, 1000,
                   "baseline", False),
    "plans_due0_grace0": ({"offers.first_due_days": 0, "agreements.grace_days": 0, "money.multa": 0.02},
                          1000, "plans", False),
    "unlimited_agents": ({}, 1000, "plans", True),
}
ASPECTS = ("outcomes", "totals", "debtors", "daily", "agent", "attempts")
_CACHE: dict[str, tuple] = {}


def _plan(model, kind: str) -> OfferPlan:
    if kind == "baseline":
        return OfferPlan.from_policy(model.scenario.baseline, model.scenario)
    policy = Policy(offers=(OfferShare(0.3, 1, 0.3), OfferShare(0.1, 6, 0.3), OfferShare(0.0, 12, 0.2, 0.0),
                            OfferShare(0.2, 24, 0.2, 0.2)))
    return OfferPlan.from_policy(policy, model.scenario)


def _run(variant: str, sim, both_engines):
    if variant not in _CACHE:
        settings, n, plan_kind, unlimited = VARIANTS[variant]
        model = sim.make_model(settings, n=n, seed=1)
        plan = _plan(model, plan_kind)
        streams = sim.streams(7)
        ref, eng = both_engines
        _CACHE[variant] = (model,
                           ref(model, plan, streams, unlimited_agents=unlimited, record_attempts=True),
                           eng(model, plan, streams, unlimited_agents=unlimited, record_attempts=True))
    return _CACHE[variant]


def _close(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.isclose(a, b, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_reference_and_engine_agree(variant, aspect, sim, both_engines):
    model, ref, eng = _run(variant, sim, both_engines)
    if aspect == "outcomes":
        a = np.bincount(ref.debtors["outcome"], minlength=len(OUTCOMES))
        b = np.bincount(eng.debtors["outcome"], minlength=len(OUTCOMES))
        assert dict(zip(OUTCOMES, a.tolist())) == dict(zip(OUTCOMES, b.tolist()))
        rows = np.flatnonzero(ref.debtors["outcome"] != eng.debtors["outcome"])
        assert rows.size == 0, f"rows with another outcome: {rows[:10].tolist()}"
    elif aspect == "totals":
        bad = {k: (ref.totals[k], eng.totals[k]) for k in TOTALS if not _close(ref.totals[k], eng.totals[k])}
        assert not bad, f"totals (reference, engine): {bad}"
    elif aspect == "debtors":
        bad = {}
        for f in DEBTOR_FIELDS:
            rows = np.flatnonzero(~_close(ref.debtors[f], eng.debtors[f]))
            if rows.size:
                bad[f] = f"{rows.size} rows, first {rows[:8].tolist()}"
        assert not bad, f"per-debtor fields differ: {bad}"
    elif aspect == "daily":
        assert ref.daily.shape == eng.daily.shape
        bad = {}
        for j, name in enumerate(DAILY_METRICS):
            cells = np.argwhere(~_close(ref.daily[..., j], eng.daily[..., j]))
            if cells.size:
                bad[name] = f"{len(cells)} (day, segment) cells, first {cells[:4].tolist()}"
        assert not bad, f"daily metrics differ: {bad}"
    elif aspect == "agent":
        bad = {}
        for j, name in enumerate(("capacity", "used", "left in queue")):
            days = np.flatnonzero(~_close(ref.agent[:, j], eng.agent[:, j]))
            if days.size:
                bad[name] = (f"{days.size} days, first {days[:6].tolist()}: reference "
                             f"{ref.agent[days[:3], j].tolist()}, engine {eng.agent[days[:3], j].tolist()}")
        assert not bad, f"agent table differs: {bad}"
    else:
        def canon(res):
            rows, days, chans, conv = (np.asarray(x).astype(np.int64) for x in res.attempts)
            order = np.lexsort((conv, chans, days, rows))
            return np.stack([rows, days, chans, conv])[:, order]
        a, b = canon(ref), canon(eng)
        assert a.shape == b.shape, f"{a.shape[1]} attempts in the reference, {b.shape[1]} in the engine"
        cols = np.flatnonzero((a != b).any(axis=0))
        assert cols.size == 0, f"attempts differ, first (row, day, channel, conversation): {a[:, cols[:3]].T.tolist()}"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_main_metrics_within_3_se(variant, sim, both_engines):
    """A weaker check than the one above: the main totals within 3 SE of each other
    (SE from the per-debtor spread, as if the two runs were independent)."""
    model, ref, eng = _run(variant, sim, both_engines)
    n = model.n
    for field, total in (("collected", "collected"), ("collected_npv", "collected_npv"), ("cost", "cost_npv"),
                         ("give", "give_away"), ("minutes", "agent_minutes_used"), ("agreements", "agreements")):
        x = np.concatenate([ref.debtors[field], eng.debtors[field]]).astype(float)
        se = math.sqrt(2.0 * n * x.var()) if n > 1 else 0.0
        assert abs(ref.totals[total] - eng.totals[total]) <= 3 * se + 1e-9, (
            f"{total}: reference {ref.totals[total]:.2f}, engine {eng.totals[total]:.2f}, SE {se:.2f}")
    for outcome in range(len(OUTCOMES)):
        p = float(np.mean(ref.debtors["outcome"] == outcome))
        a = int((ref.debtors["outcome"] == outcome).sum())
        b = int((eng.debtors["outcome"] == outcome).sum())
        assert abs(a - b) <= 3 * math.sqrt(2.0 * n * p * (1 - p)) + 1e-9, f"{OUTCOMES[outcome]}: {a} vs {b}"


# --------------------------------------------------------------------------- the reference alone
def test_reference_is_deterministic_and_audits_clean(sim):
    from simulation.reference import simulate_reference
    model = sim.make_model({"contact_rules.max_contacts_per_7_days": 2, "contact_rules.reg_f_mode": True}, n=400,
                           seed=5)
    plan = OfferPlan.from_policy(model.scenario.baseline, model.scenario)
    a = simulate_reference(model, plan, sim.streams(3), record_attempts=True)
    b = simulate_reference(model, plan, sim.streams(3), record_attempts=True)
    assert a.totals == b.totals
    for f in DEBTOR_FIELDS:
        np.testing.assert_array_equal(a.debtors[f], b.debtors[f])
    assert a.totals["violations"] == 0
    rows, days, chans, conv = a.attempts
    for c, name in enumerate(("sms", "email", "whatsapp", "call", "letter")):
        assert a.totals[f"attempts_{name}"] == int((chans == c).sum())
    assert a.totals["conversations"] == int(conv.sum())
    assert a.totals["blocked_weekly_cap"] > 0 and a.totals["blocked_reg_f"] > 0
    assert set(a.debtors) == set(DEBTOR_FIELDS)
    assert a.daily.shape == (model.calendar.horizon, model.n_segments, len(DAILY_METRICS))
    np.testing.assert_allclose(a.daily[..., DAILY_METRICS.index("collected")].sum(), a.totals["collected"])
    assert a.totals["net_npv"] == pytest.approx(a.totals["collected_npv"] - a.totals["cost_npv"])


def test_audit_flags_each_rule(sim):
    """The audit judges attempts from the log alone: window, opt-out, 7-day cap, Reg F."""
    settings = {**sim.all_day_windows(), "contact_rules.max_contacts_per_7_days": 2, "contact_rules.reg_f_mode": True,
                "contact_rules.state_laws": True, "calendar.holidays": True}
    model = sim.make_model(settings, sim.make_frame(2, 0, state="SP"))
    sms, call, letter = CH["sms"], CH["call"], CH["letter"]
    # 2026-01-05 is a Monday: day 6 is a Sunday, SP's law shuts calls on Sundays
    log = [  # row, day, channel, conversation, opted out
        (0, 0, sms, False, False),
        (0, 1, sms, False, False),
        (0, 2, sms, False, False),      # 3rd non-letter attempt in 7 days: cap
        (0, 2, letter, False, False),   # letters are exempt
        (1, 0, call, True, False),
        (1, 3, call, False, False),     # within 7 days of a conversation: Reg F
        (1, 6, call, False, True),      # SP, Sunday: window shut (and it opts out)
        (1, 14, sms, False, False),     # after the opt-out
        (1, 14, letter, False, False),  # letters still allowed (a Monday)
    ]
    rows, days, chans, conv, opted = (np.array(x) for x in zip(*log))
    bad = audit_attempts(model, rows, days, chans.astype(np.int8), conv.astype(bool), opted.astype(bool))
    assert bad.tolist() == [False, False, True, False, False, True, True, True, False]


# --------------------------------------------------------------------------- phase-level reproducers
@pytest.mark.parametrize("email_day, row10_call_day, capped", [(0, 11, 0), (8, None, 1)])
def test_calls_are_checked_when_the_dialler_reaches_them(engine, sim, email_day, row10_call_day, capped):
    """docs/model.md G: the dialler checks each call against the contact rules when its
    walk reaches it; calls behind the point where the minutes run out wait unchecked.

    Eleven debtors, one call's minutes a day, priorities all equal (row order): rows 0-9
    are called on days 0-5 and 7-10 (no minutes on Sunday, day 6); row 10 is reached on
    day 11. Row 10 also gets an e-mail, with a cap of 1 attempt in 7 days: sent on day 0
    it is out of the window by day 11 and the call is made; sent on day 8 it fills the
    window and the call is dropped then (counted once, as ``weekly_cap``).
    """
    settings = {**sim.one_segment([(0, "call"), (email_day, "email")], self_cure_h0=0.0, engage=ZERO),
                **sim.all_day_windows(), **sim.no_escalation(),
                "calendar.horizon_days": 20, "agents.count": 1, "agents.weekday_minutes": 9.0,
                "agents.saturday_minutes": 9.0, "channels.call.minutes_conversation": 9.0,
                "channels.call.minutes_no_answer": 9.0, "contact_rules.max_contacts_per_7_days": 1,
                "contact_rules.opt_out_probability": 0.0}
    frame = sim.make_frame(11, 0, has_phone=True, has_email=[False] * 10 + [True], balance=1000.0)
    model = sim.make_model(settings, frame)
    res = engine(model, sim.fixed_plan(model, 0.1), sim.streams(1), record_attempts=True)
    rows, days, chans, _ = res.attempts
    calls = sorted(zip(rows[chans == CH["call"]].tolist(), days[chans == CH["call"]].tolist()))
    expected = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 7), (7, 8), (8, 9), (9, 10)]
    assert calls == expected + ([(10, row10_call_day)] if row10_call_day is not None else [])
    assert res.totals["blocked_weekly_cap"] == capped


def test_call_held_by_the_window_counts_state_hours_when_reached(engine, sim):
    """docs/model.md G and F rule 1: a call reached by the dialler on a day its window is
    shut stays pending and is counted ``state_hours``; on a day without agent minutes the
    queue is not walked and nothing is counted.

    One RJ debtor (RJ's law: calls on weekdays only), a call on day 5 (Saturday, agents
    working): held and counted on Saturday, not walked on Sunday (no minutes), made on
    Monday (day 7).
    """
    settings = {**sim.one_segment([(5, "call")], self_cure_h0=0.0, engage=ZERO), **sim.no_escalation(),
                "calendar.horizon_days": 10, "calendar.holidays": False, "contact_rules.opt_out_probability": 0.0,
                "agents.saturday_minutes": 240.0}
    model = sim.make_model(settings, sim.make_frame(1, 0, state="RJ", has_phone=True))
    res = engine(model, sim.fixed_plan(model, 0.1), sim.streams(1), record_attempts=True)
    rows, days, chans, _ = res.attempts
    assert days[chans == CH["call"]].tolist() == [7]
    assert res.totals["blocked_state_hours"] == 1


def test_first_payment_with_no_delay_is_paid_the_day_agreed(engine, sim):
    """``first_due_days = 0``: payment 0 falls due on the day of the agreement, after C has
    run that day. Read as: it is examined that same day, after H (draw ``u(pay, rid, t, 0)``),
    so with ``keep_first = 1`` every agreement is paid the day it is made (and not lost)."""
    H = 30
    settings = {**sim.one_segment([(t, "sms") for t in range(H)], self_cure_h0=0.0, lump_mu=5.0, lump_sigma=0.0,
                                  keep_first=1.0, chronic_keep_factor=1.0, reach={**ZERO, "sms": 1.0},
                                  engage={**ZERO, "sms": 0.5}),
                **sim.all_day_windows(), **sim.no_escalation(), "calendar.horizon_days": H,
                "offers.first_due_days": 0, "contact_rules.opt_out_probability": 0.0}
    model = sim.make_model(settings, sim.make_frame(200, 3, has_phone=True))
    res = engine(model, sim.fixed_plan(model, 0.1), sim.streams(2))
    agreements = res.daily[:, 0, DAILY_METRICS.index("agreements")]
    collected = res.daily[:, 0, DAILY_METRICS.index("collected")]
    assert agreements.sum() > 100
    assert res.totals["kept"] == res.totals["agreements"]
    assert res.totals["active_at_horizon"] == 0
    assert np.array_equal(agreements > 0, collected > 0)
