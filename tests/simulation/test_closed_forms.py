"""Closed forms the simulation must reproduce, on both engines.

(a) self-cure alone against ``1 - prod(1 - h_t)`` and its payment-day law;
(b) one cadence with unlimited agents against an absorbing Markov chain built here;
(c) the agent pool against the call-centre funnel arithmetic (DESIGN §8).

Scalar checks (shares, amounts, counts, the sum of payment days) are "within 3 standard
errors" (SE from the Bernoulli variance of the per-debtor probabilities); the payment-day
distribution by bucket gets one chi-square test at p = 0.001 rather than a 3-SE check
per bucket (with 7 buckets per test the family-wise false-alarm rate of the latter is
several percent). Seeds are fixed. The
reference engine runs small portfolios; the vectorised engine larger ones.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulation.model import CH, OUTCOMES
from simulation.replication import DAILY_METRICS

ZERO = {"sms": 0.0, "email": 0.0, "whatsapp": 0.0, "call": 0.0, "letter": 0.0}
P_CHI2 = 1e-3


def _day_sum_check(days_paid: np.ndarray, q_day: np.ndarray, label: str) -> None:
    """The sum of the payers' payment days vs its expectation, within 3 SE.

    ``q_day`` (N, H) holds each debtor's probability of paying on each day (a debtor that
    never pays contributes 0). A scalar summary of the payment-day law, next to the
    chi-square over buckets.
    """
    t = np.arange(q_day.shape[1], dtype=float)
    mean = q_day @ t
    var = q_day @ t ** 2 - mean ** 2
    expected, se = float(mean.sum()), math.sqrt(float(var.sum()))
    got = float(days_paid.sum())
    assert abs(got - expected) < 3 * se, f"{label}: sum of payment days {got:.0f} vs {expected:.0f} ± {se:.0f}"


def _bucket_check(observed: np.ndarray, q: np.ndarray, label: str) -> None:
    """Counts per bucket vs per-debtor bucket probabilities ``q`` (N, K), rows summing to 1.

    One chi-square goodness-of-fit test over the buckets with an expected count of at
    least 5, at p = :data:`P_CHI2` (one test per distribution rather than a 3-SE check per
    bucket, whose family-wise false-alarm rate grows with the number of buckets). With
    heterogeneous debtors the counts are Poisson-binomial, less variable than the
    multinomial, so the test is conservative. The message gives each bucket's z-score.
    """
    expected = q.sum(axis=0)
    se = np.sqrt((q * (1.0 - q)).sum(axis=0))
    z = (observed - expected) / np.maximum(se, 1e-9)
    keep = expected >= 5
    assert keep.sum() >= 2
    obs, exp = observed[keep].astype(float), expected[keep]
    exp = exp * obs.sum() / exp.sum()
    p = stats.chisquare(obs, exp).pvalue
    assert p > P_CHI2, (f"{label}: chi-square p = {p:.2g}; observed {observed.tolist()}, expected "
                        f"{np.round(expected, 1).tolist()}, z {np.round(z, 1).tolist()}")


# --------------------------------------------------------------------------- (a) self-cure
def _self_cure_settings() -> dict:
    return {"cadences": {"default": []}, "escalation.letter_day": 0, "escalation.negativacao_day": 0,
            "escalation.agency_day": 0, "behaviour.reach": ZERO}


def test_self_cure_alone_matches_product_of_hazards(engine, sim):
    n = 4000 if engine.is_reference else 40_000
    model = sim.make_model(_self_cure_settings(), n=n, seed=11)
    sc = model.scenario
    H = model.calendar.horizon
    res = engine(model, sim.fixed_plan(model, 0.1), sim.streams(101), record_attempts=True)

    # closed form, per debtor: hazard h_t, probability of paying on day t, and in total
    h0 = model.params["self_cure_h0"][model.seg][:, None]
    tau = model.params["self_cure_tau"][model.seg][:, None]
    h = np.minimum(1.0, h0 * np.exp(-(model.dpd[:, None] + np.arange(H)[None, :]) / tau))
    surv_before = np.cumprod(np.hstack([np.ones((n, 1)), 1.0 - h[:, :-1]]), axis=1)
    q_day = surv_before * h                                  # (N, H)
    p = q_day.sum(axis=1)
    np.testing.assert_allclose(p, 1.0 - np.prod(1.0 - h, axis=1), rtol=1e-9, atol=1e-12)

    cured = res.debtors["outcome"] == OUTCOMES.index("self_cured")
    se = math.sqrt(float((p * (1 - p)).sum()))
    assert abs(cured.sum() - p.sum()) < 3 * se, f"self-cured {cured.sum()} vs expected {p.sum():.1f} ± {se:.1f}"
    assert res.totals["self_cured"] == cured.sum()
    assert res.totals["written_off"] == n - cured.sum()

    # nothing else happens: no contact, no agreement, no escalation
    assert res.attempts is not None and res.attempts[0].size == 0
    for key in ("agreements", "agency_collected", "contact_cost", "agent_cost", "negativacao_cost",
                "agency_commission", "cost_npv", "violations"):
        assert res.totals[key] == 0, key

    # the payment day: cures by 30-day bucket and "never"
    juros = sc.money.juros_mora_monthly
    owed_day = model.balance[:, None] * (1.0 + juros * np.arange(H)[None, :] / 30.0)
    # each cured debtor paid owed(t) on its cure day: recover t from the amount
    t_paid = np.full(n, -1)
    t_paid[cured] = np.rint((res.debtors["collected"][cured] / model.balance[cured] - 1.0) * 30.0 / juros).astype(int)
    assert np.all(t_paid[cured] >= 0) and np.all(t_paid[cured] < H)
    np.testing.assert_allclose(res.debtors["collected"][cured], owed_day[cured, t_paid[cured]], rtol=1e-9)
    edges = np.arange(0, H + 30, 30)
    bucket = np.where(cured, np.minimum(t_paid // 30, len(edges) - 2), len(edges) - 1)
    observed = np.bincount(bucket, minlength=len(edges))
    q = np.stack([q_day[:, a:a + 30].sum(axis=1) for a in edges[:-1]] + [1.0 - p], axis=1)
    _bucket_check(observed, q, "self-cure day")
    _day_sum_check(t_paid[cured], q_day, "self-cure day")

    # money: expected collected, and cures per day in the daily series
    amount = (q_day * owed_day).sum(axis=1)
    var = (q_day * owed_day ** 2).sum(axis=1) - amount ** 2
    se_money = math.sqrt(float(var.sum()))
    assert abs(res.totals["collected"] - amount.sum()) < 3 * se_money
    np.testing.assert_allclose(res.daily[..., 0].sum(), res.totals["collected"], rtol=1e-9)
    cures_by_day = res.daily[..., DAILY_METRICS.index("cures")].sum(axis=1)
    assert cures_by_day.sum() == cured.sum()
    assert np.array_equal(cures_by_day.astype(int), np.bincount(t_paid[cured], minlength=H))


# --------------------------------------------------------------------------- (b) Markov chain
def _chain(H: int, attempt_days: np.ndarray, reach: float, opt_out: float, engage: float, fatigue: float,
           accept: float, due_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The absorbing Markov chain of one debtor under a one-channel cadence.

    States at the end of a day: 0 open, 1 opted out (absorbing), 2 .. 1+due_days waiting
    ``k`` days for the first (and only) payment, last paid (absorbing). On an attempt day
    ``t`` an open debtor opts out with ``reach * opt_out``, agrees with ``reach * (1 -
    opt_out) * engage * fatigue**n7 * accept`` (``n7`` the attempts on days ``t-6 .. t-1``:
    every attempt is made while the debtor is open, so it is a function of ``t``), and pays
    ``due_days`` later with probability 1.

    Returns
    -------
    agree : ndarray (H,)
        Probability that the agreement is made on day ``t``.
    paid : ndarray (H,)
        Probability that the payment is made on day ``t``.
    open_before : ndarray (H,)
        Probability of being open at the start of day ``t``.
    """
    n_states = 3 + due_days
    paid_state = n_states - 1
    v = np.zeros(n_states)
    v[0] = 1.0
    agree = np.zeros(H)
    paid = np.zeros(H)
    is_attempt = np.zeros(H, bool)
    is_attempt[attempt_days] = True
    open_before = np.zeros(H)
    for t in range(H):
        open_before[t] = v[0]
        T = np.eye(n_states)
        if is_attempt[t]:
            n7 = int(is_attempt[max(0, t - 6):t].sum())
            p_out = reach * opt_out
            p_agree = reach * (1.0 - opt_out) * engage * fatigue ** n7 * accept
            T[0, 0] = 1.0 - p_out - p_agree
            T[0, 1] = p_out
            T[0, 1 + due_days if due_days else paid_state] = p_agree
        for k in range(1, due_days + 1):           # waiting k days -> k-1 (k = 1: paid)
            T[1 + k] = 0.0
            T[1 + k, k if k > 1 else paid_state] = 1.0
        assert np.allclose(T.sum(axis=1), 1.0)
        if is_attempt[t]:
            agree[t] = v[0] * T[0, 1 + due_days if due_days else paid_state]
        new = v @ T
        paid[t] = new[paid_state] - v[paid_state]
        v = new
    return agree, paid, open_before


@pytest.mark.parametrize("channel, period, due_days", [("sms", 1, 0), ("sms", 3, 2), ("call", 1, 0), ("whatsapp", 2, 1)])
def test_cadence_matches_markov_chain(engine, sim, channel, period, due_days):
    H = 60
    n = 1500 if engine.is_reference else 60_000
    reach, engage, fatigue, alpha, beta, d, opt_out = 0.6, 0.3, 0.85, 0.0, 4.0, 0.05, 0.01
    settings = {
        **sim.one_segment([(t, channel) for t in range(0, H, period)], self_cure_h0=0.0, fatigue=fatigue,
                          accept_alpha=alpha, accept_beta=beta, lump_mu=5.0, lump_sigma=0.0, keep_first=1.0,
                          chronic_keep_factor=1.0, reach={**ZERO, channel: reach}, engage={**ZERO, channel: engage}),
        **sim.all_day_windows(), **sim.no_escalation(),
        "calendar.horizon_days": H, "offers.first_due_days": due_days, "contact_rules.opt_out_probability": opt_out,
    }
    frame = sim.make_frame(n, 21, has_phone=True, has_whatsapp=True, has_email=True)
    model = sim.make_model(settings, frame)
    res = engine(model, sim.fixed_plan(model, d), sim.streams(202), unlimited_agents=True)
    accept = 1.0 / (1.0 + math.exp(-(alpha + beta * d)))
    agree, paid, open_before = _chain(H, np.arange(0, H, period), reach, opt_out, engage, fatigue, accept, due_days)

    # expected collected, as a share of the balance: a lump sum (1 - d) owed(t_agreed)
    juros = model.scenario.money.juros_mora_monthly
    t = np.arange(H)
    pays = t + due_days < H
    ratio = (1.0 - d) * (1.0 + juros * t / 30.0)                 # collected / B0 when agreed on day t
    mu = float((agree * pays * ratio).sum())
    sigma2 = float((agree * pays * ratio ** 2).sum()) - mu ** 2
    B = model.balance
    share = res.totals["collected"] / B.sum()
    se = math.sqrt(sigma2 * float((B ** 2).sum())) / B.sum()
    assert abs(share - mu) < 3 * se, f"collected share {share:.4f} vs chain {mu:.4f} ± {se:.4f}"

    # counts: agreements, payments, opt-outs, still active at the horizon
    p_agree = float(agree.sum())
    for got, p, what in ((res.totals["agreements"], p_agree, "agreements"),
                         (res.totals["kept"], float(paid.sum()), "kept"),
                         (res.totals["active_at_horizon"], float(agree[~pays].sum()), "active")):
        assert abs(got - n * p) < 3 * math.sqrt(n * p * (1 - p)) + 1e-9, f"{what}: {got} vs {n * p:.1f}"
    assert res.totals["self_cured"] == 0 and res.totals["broken"] == 0 and res.totals["violations"] == 0

    # the payment day: 10-day buckets and "never"
    paid_daily = res.daily[..., 0]                             # collected by day (one segment)
    kept_by_day = np.zeros(H)
    kept_idx = np.flatnonzero(res.debtors["outcome"] == OUTCOMES.index("agreement_kept"))
    assert kept_idx.size == res.totals["kept"]
    # a kept debtor paid (1 - d) owed(t_agreed) on t_agreed + due_days: recover the day from the amount
    t_agreed = np.rint(((res.debtors["collected"][kept_idx] / B[kept_idx]) / (1 - d) - 1.0) * 30.0 / juros).astype(int)
    np.add.at(kept_by_day, t_agreed + due_days, 1)
    assert paid_daily[kept_by_day == 0].sum() == pytest.approx(0.0, abs=1e-6)
    edges = np.arange(0, H + 10, 10)
    observed = np.append(np.add.reduceat(kept_by_day, edges[:-1]), n - kept_idx.size)
    q_bucket = np.append(np.add.reduceat(paid, edges[:-1]), 1.0 - paid.sum())
    _bucket_check(observed, np.broadcast_to(q_bucket, (n, q_bucket.size)), "payment day")
    _day_sum_check(t_agreed + due_days, np.broadcast_to(paid, (n, H)), "payment day")

    # attempts: one per attempt day while open, X = sum_j 1{X >= j}, E[X^2] = sum_j (2j - 1) P(X >= j)
    attempts = res.totals[f"attempts_{channel}"]
    at_least = open_before[np.arange(0, H, period)]
    j = np.arange(1, at_least.size + 1)
    mean_x = float(at_least.sum())
    var_x = float(((2 * j - 1) * at_least).sum()) - mean_x ** 2
    assert abs(attempts - n * mean_x) < 3 * math.sqrt(n * var_x), f"attempts {attempts} vs {n * mean_x:.0f}"
    assert sum(res.totals[f"attempts_{c}"] for c in CH) == attempts
    if channel == "call":
        rpc_calls = res.totals["conversations"] + res.totals["opt_outs"]
        assert abs(rpc_calls - reach * attempts) < 3 * math.sqrt(attempts * reach * (1 - reach))
        assert res.totals["agent_minutes_used"] == pytest.approx(res.debtors["minutes"].sum(), rel=1e-9)


# --------------------------------------------------------------------------- (c) agent pool
def test_agent_pool_matches_call_centre_funnel(engine, sim):
    H = 28
    n = 600
    settings = {
        **sim.one_segment([(t, "call") for t in range(H)], self_cure_h0=0.0, lump_mu=-10.0, lump_sigma=0.0),
        **sim.no_escalation(),
        "calendar.horizon_days": H, "calendar.holidays": False, "contact_rules.state_laws": False,
        "contact_rules.opt_out_probability": 0.0, "agents.count": 2,
    }
    model = sim.make_model(settings, sim.make_frame(n, 31, has_phone=True))
    sc = model.scenario
    call = sc.channels.call
    rpc = float(model.reach[0, CH["call"]])
    assert rpc == pytest.approx(0.27)
    res = engine(model, sim.fixed_plan(model, 0.1), sim.streams(303), record_attempts=True)
    capacity = sc.agents.count * model.calendar.agent_minutes
    np.testing.assert_allclose(res.agent[:, 0], capacity)
    used = res.agent[:, 1]
    assert np.all(used <= capacity + 1e-9), "a day's used minutes exceed its capacity"

    rows, days, chans, conv = res.attempts
    is_call = chans == CH["call"]
    calls_per_day = np.bincount(days[is_call], minlength=H)
    work = capacity > 0
    assert calls_per_day[~work].sum() == 0
    # the queue is saturated every working day: calls remain, less than one call's minutes unused
    assert np.all(res.agent[work, 2] > 0)
    longest = max(call.minutes_conversation, call.minutes_no_answer)
    assert np.all(capacity[work] - used[work] < longest)

    # attempts per day vs capacity / mean minutes per attempt
    mean = rpc * call.minutes_conversation + (1 - rpc) * call.minutes_no_answer
    var = rpc * (1 - rpc) * (call.minutes_conversation - call.minutes_no_answer) ** 2
    expected = capacity[work].sum() / mean
    se = math.sqrt(capacity[work].sum() * var / mean ** 3)        # renewal-count variance
    slack = work.sum() * longest / mean                           # at most one call's minutes unused a day
    made = calls_per_day[work].sum()
    assert abs(made - expected) < 3 * se + slack, f"{made} calls vs {expected:.0f} ± {se:.0f} (+{slack:.0f})"
    assert res.totals["attempts_call"] == made

    # 27% right-party contact: conversations / attempts
    conversations = int(conv[is_call].sum())
    assert conversations == res.totals["conversations"]
    se_c = math.sqrt(made * rpc * (1 - rpc))
    assert abs(conversations - rpc * made) < 3 * se_c
    # minutes follow the funnel exactly, and ~15 attempts per agent-hour (DESIGN §8)
    minutes = conversations * call.minutes_conversation + (made - conversations) * call.minutes_no_answer
    assert used.sum() == pytest.approx(minutes, rel=1e-9)
    assert res.debtors["minutes"].sum() == pytest.approx(minutes, rel=1e-9)
    assert 60.0 / mean == pytest.approx(15.0, abs=0.5)
    per_hour = made / (used.sum() / 60.0)
    se_rate = (60.0 / mean) * math.sqrt(var / made) / mean
    assert abs(per_hour - 60.0 / mean) < 3 * se_rate
    assert res.totals["agent_cost"] == pytest.approx(used.sum() * sc.agents.cost_per_hour / 60.0, rel=1e-9)
