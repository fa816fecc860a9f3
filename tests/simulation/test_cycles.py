"""Several delinquency cycles, escalating offers and the reservation discount.

- the engine and the reference agree exactly on multi-cycle portfolios (every aspect);
- closed form: with re-delinquency and no contacts the number of cycles per debtor is
  the renewal-process expectation (within 3 standard errors);
- behaviour: a larger discount raises re-delinquency when the scenario says so and lowers
  the long-run value; escalating offers make a share of debtors wait, flat offers none;
- bundled scenarios are unchanged (cycles off: one cycle per debtor, no margin).
"""
from __future__ import annotations

import numpy as np
import pytest

from scenarios.errors import InputError
from scenarios.loader import load_scenario
from scenarios.schema import OfferShare, Policy
from simulation.cycles import cycle_totals, daily_hazard
from simulation.model import OfferPlan
from simulation.replication import DAILY_METRICS, DEBTOR_FIELDS, TOTALS

RTOL = 1e-6
ZERO = {"sms": 0.0, "email": 0.0, "whatsapp": 0.0, "call": 0.0, "letter": 0.0}
CYCLE_FIELDS = ("cycles", "margin_npv", "arrears_npv", "lost_margin_npv", "first_cycle_net", "waited", "lost", "segment")
MULTI = {"cycles.enabled": True, "calendar.horizon_days": 720, "cycles.collection_days": 150,
         "behaviour.redelinquency_paid": 0.10, "behaviour.redelinquency_settled": 0.08,
         "behaviour.redelinquency_discount_slope": 2.0, "behaviour.redelinquency_broken": 0.15}
RESERVATION = {"behaviour.expect_offered": 0.5, "behaviour.expect_received": 0.5, "behaviour.expect_announced": 0.3}
ESCALATING = Policy(offers=(OfferShare(0.1, 1, 0.5, escalate_days=(40, 90), escalate_discounts=(0.2, 0.3)),
                            OfferShare(0.0, 6, 0.3), OfferShare(0.05, 24, 0.2, escalate_days=(60,),
                                                                escalate_discounts=(0.15,))))
#: Multi-cycle variants: (settings, portfolio size, policy, unlimited agents).
VARIANTS = {
    "escalating_reservation": ({**MULTI, **RESERVATION}, 700, ESCALATING, False),
    "tight_agents_due0": ({**MULTI, "agents.count": 2, "offers.first_due_days": 0, "agreements.grace_days": 0,
                           "cycles.collection_days": 100}, 500, ESCALATING, False),
    "baseline_unlimited": ({**MULTI, "cycles.entry_days_past_due": 120}, 500, None, True),
}
ASPECTS = ("outcomes", "totals", "debtors", "daily", "agent", "attempts")
_CACHE: dict[str, tuple] = {}


def _plan(model, policy):
    return OfferPlan.from_policy(policy or model.scenario.baseline, model.scenario)


def _run(variant, sim, both_engines):
    if variant not in _CACHE:
        settings, n, policy, unlimited = VARIANTS[variant]
        model = sim.make_model(settings, n=n, seed=3)
        plan, streams = _plan(model, policy), sim.streams(11)
        ref, eng = both_engines
        _CACHE[variant] = (ref(model, plan, streams, unlimited_agents=unlimited, record_attempts=True),
                           eng(model, plan, streams, unlimited_agents=unlimited, record_attempts=True))
    return _CACHE[variant]


def _close(a, b) -> np.ndarray:
    return np.isclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_engine_and_reference_agree_on_several_cycles(variant, aspect, sim, both_engines):
    ref, eng = _run(variant, sim, both_engines)
    assert eng.debtors["cycles"].max() >= 2, "the variant must produce re-entries"
    if aspect == "outcomes":
        assert np.array_equal(ref.debtors["outcome"], eng.debtors["outcome"])
    elif aspect == "totals":
        bad = {k: (ref.totals[k], eng.totals[k]) for k in TOTALS if not _close(ref.totals[k], eng.totals[k])}
        assert not bad, f"totals (reference, engine): {bad}"
    elif aspect == "debtors":
        assert set(CYCLE_FIELDS) <= set(DEBTOR_FIELDS)
        bad = {f: int((~_close(ref.debtors[f], eng.debtors[f])).sum()) for f in DEBTOR_FIELDS}
        assert not {f: v for f, v in bad.items() if v}, f"rows that differ by field: {bad}"
    elif aspect == "daily":
        bad = {m: int((~_close(ref.daily[..., j], eng.daily[..., j])).sum()) for j, m in enumerate(DAILY_METRICS)}
        assert not {m: v for m, v in bad.items() if v}, f"(day, segment) cells that differ: {bad}"
    elif aspect == "agent":
        assert _close(ref.agent, eng.agent).all()
    else:
        def canon(res):
            rows, days, chans, conv = (np.asarray(x).astype(np.int64) for x in res.attempts)
            order = np.lexsort((conv, chans, days, rows))
            return np.stack([rows, days, chans, conv])[:, order]
        assert np.array_equal(canon(ref), canon(eng))


def _renewal_expectation(h_cure: np.ndarray, h_back: float, H: int) -> float:
    """E[cycles entered on days 0 .. H-1]: cycles last D = k + K days (k the cure day in the
    cycle, with daily hazards ``h_cure``; K >= 1 geometric with daily hazard ``h_back``)."""
    surv = np.cumprod(1.0 - h_cure[:H])
    p_cure = -np.diff(np.concatenate(([1.0], surv)))       # P(k), k = 0 .. H-1
    m = np.arange(1, H + 1)
    p_back = (1.0 - h_back) ** (m - 1) * h_back             # P(K = m), m = 1 .. H
    p_d = np.convolve(p_cure, np.concatenate(([0.0], p_back)))[:H]  # P(D = x), x = 0 .. H-1
    total, dist = 1.0, np.zeros(H)
    dist[0] = 1.0                                           # T_0 = 0
    for _ in range(H):
        dist = np.convolve(dist, p_d)[:H]                   # P(T_n = x), x <= H-1
        mass = dist.sum()
        total += mass
        if mass < 1e-12:
            break
    return total


def test_cycles_per_debtor_match_the_renewal_process(sim):
    """No contacts, no escalation: cycles end by self-cure only; re-entry is geometric."""
    from simulation.engine import simulate_replication
    H, h0, tau, q = 720, 0.012, 10000.0, 0.10
    settings = {**sim.one_segment([], self_cure_h0=h0, self_cure_tau=tau, redelinquency_paid=q,
                                  customer_margin_monthly=0.0),
                **sim.no_escalation(), "calendar.horizon_days": H, "cycles.enabled": True,
                "cycles.collection_days": 1095, "cycles.entry_days_past_due": 0}
    model = sim.make_model(settings, sim.make_frame(6000, 4, days_past_due=0, prior_delinquencies=0))
    res = simulate_replication(model, sim.fixed_plan(model, 0.0), sim.streams(21))
    cycles = res.debtors["cycles"].astype(float)
    h_cure = h0 * np.exp(-np.arange(H) / tau)
    expected = _renewal_expectation(h_cure, float(daily_hazard(np.array([q]))[0]), H)
    se = cycles.std(ddof=1) / np.sqrt(cycles.size)
    assert cycles.max() >= 3
    assert abs(cycles.mean() - expected) < 3 * se, (cycles.mean(), expected, se)


def long_run_value(debtors: dict) -> np.ndarray:
    """Per debtor: NPV collected - costs + margin earned - new arrears of later cycles."""
    return debtors["collected_npv"] - debtors["cost"] + debtors["margin_npv"] - debtors["arrears_npv"]


@pytest.fixture(scope="module")
def chronic_runs(sim):
    """All-chronic debtors who settle or are written off, under two discounts and two slopes."""
    from simulation.engine import simulate_replication
    out = {}
    for slope in (0.0, 4.0):
        settings = {**sim.one_segment([(d, c) for d in range(0, 120, 10) for c in ("sms", "call")],
                                      self_cure_h0=0.0, redelinquency_settled=0.01,
                                      redelinquency_discount_slope=slope, agency_hazard=0.0),
                    **sim.no_escalation(), "calendar.horizon_days": 720, "cycles.enabled": True,
                    "cycles.collection_days": 150, "contact_rules.opt_out_probability": 0.0}
        model = sim.make_model(settings, sim.make_frame(4000, 5, prior_delinquencies=4))
        for d in (0.1, 0.4):
            res = simulate_replication(model, sim.fixed_plan(model, d), sim.streams(3), unlimited_agents=True)
            kept = res.totals["agreements"] - res.totals["broken"] - res.totals["active_at_horizon"]
            out[slope, d] = ((res.debtors["cycles"] - 1).sum() / kept, long_run_value(res.debtors))
    return out


def test_larger_discount_raises_redelinquency_when_the_scenario_says_so(chronic_runs):
    rate = {k: v[0] for k, v in chronic_runs.items()}
    assert rate[4.0, 0.4] > 1.5 * rate[4.0, 0.1]
    assert rate[0.0, 0.4] == pytest.approx(rate[0.0, 0.1], rel=0.2)


def test_larger_discount_lowers_long_run_value(chronic_runs):
    """Same debtors and draws: the gain of the larger discount shrinks when it raises re-delinquency."""
    gain = {slope: chronic_runs[slope, 0.4][1] - chronic_runs[slope, 0.1][1] for slope in (0.0, 4.0)}
    diff = gain[4.0] - gain[0.0]
    assert diff.mean() < -3 * diff.std(ddof=1) / np.sqrt(diff.size)


@pytest.mark.parametrize("escalating", [True, False])
def test_escalating_offers_make_a_share_wait(sim, escalating):
    from simulation.engine import simulate_replication
    settings = {**sim.one_segment([(d, "call") for d in range(0, 150, 7)], self_cure_h0=0.0, expect_announced=1.0,
                                  accept_alpha=0.5),
                **sim.no_escalation(), "calendar.horizon_days": 180}
    model = sim.make_model(settings, sim.make_frame(3000, 6))
    steps = {"escalate_days": (30, 60), "escalate_discounts": (0.3, 0.5)} if escalating else {}
    plan = OfferPlan.from_policy(Policy(offers=(OfferShare(0.1, 1, 1.0, **steps),)), model.scenario)
    res = simulate_replication(model, plan, sim.streams(5), unlimited_agents=True)
    waited = res.debtors["waited"].sum()
    share = cycle_totals(res.debtors, res.totals["agreements"])["waiting_share"]
    assert share == pytest.approx(waited / max(res.totals["agreements"], 1))
    if escalating:
        assert share > 0.2
    else:
        assert waited == 0


def test_one_cycle_scenarios_carry_no_cycle_state(sim):
    from simulation.engine import simulate_replication
    model = sim.make_model(n=500, seed=2)
    res = simulate_replication(model, _plan(model, None), sim.streams(1))
    assert (res.debtors["cycles"] == 1).all()
    assert res.debtors["margin_npv"].sum() == 0 and res.debtors["lost_margin_npv"].sum() == 0
    tot = cycle_totals(res.debtors, res.totals["agreements"])
    assert tot["re_entries"] == 0 and tot["future_npv"] == pytest.approx(0.0, abs=1e-6)
    assert tot["long_run_value"] == pytest.approx(res.totals["net_npv"])
    assert np.array_equal(res.debtors["segment"], model.seg)


def test_multi_cycle_sets_the_constant_moral_hazard_charge_to_zero(sim):
    base = load_scenario(sim.BASE)
    assert base.optimizer.moral_hazard_cost == 0.25
    assert load_scenario(sim.BASE, settings={"cycles.enabled": True}).optimizer.moral_hazard_cost == 0.0
    kept = load_scenario(sim.BASE, settings={"cycles.enabled": True, "optimizer.moral_hazard_cost": 0.1})
    assert kept.optimizer.moral_hazard_cost == 0.1


def test_escalation_needs_one_discount_per_day(sim):
    bad = {"baseline": {"offers": [{"discount": 0.1, "escalate_days": [30, 60], "escalate_discounts": [0.2]}]}}
    with pytest.raises(InputError) as err:
        load_scenario(sim.BASE, settings=bad)
    assert "baseline.offers[0].escalate_discounts: one discount per escalation day (got 1, expected 2 (escalate_days))" \
        in str(err.value)
