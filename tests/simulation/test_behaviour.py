"""Behavioural properties of the engine (pydesrap-style), with common random numbers."""
from __future__ import annotations

import numpy as np
import pytest

from scenarios.schema import OfferShare, Policy
from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan
from simulation.montecarlo import run_monte_carlo

from ._models import small_model


def baseline(model):
    return OfferPlan.from_policy(model.scenario.baseline, model.scenario)


def single_offer(model, discount, installments=1):
    return OfferPlan.from_policy(Policy(offers=(OfferShare(discount, installments, 1.0),)), model.scenario)


def test_same_seed_same_results():
    model = small_model()
    a = simulate_replication(model, baseline(model), replication_streams(5, 1)[0])
    b = simulate_replication(model, baseline(model), replication_streams(5, 1)[0])
    assert a.totals == b.totals
    for k in a.debtors:
        np.testing.assert_array_equal(a.debtors[k], b.debtors[k])
    np.testing.assert_array_equal(a.daily, b.daily)
    c = simulate_replication(model, baseline(model), replication_streams(6, 1)[0])
    assert c.totals["collected"] != a.totals["collected"]


def test_one_worker_equals_two_workers():
    model = small_model(2000)
    one = run_monte_carlo(model, baseline(model), seed=3, replications=4, workers=1)
    two = run_monte_carlo(model, baseline(model), seed=3, replications=4, workers=2)
    np.testing.assert_array_equal(one.totals, two.totals)
    np.testing.assert_array_equal(one.daily, two.daily)
    for k in one.debtors:
        np.testing.assert_array_equal(one.debtors[k], two.debtors[k])


def test_more_agents_never_collect_less():
    """Calls are scarce at 1 agent; each step up in agents collects no less (paired, 3 SE)."""
    R = 6
    collected = {}
    for count in (0, 1, 3, 12):
        model = small_model(4000, agents__count=count)
        res = run_monte_carlo(model, baseline(model), seed=17, replications=R)
        collected[count] = res.values("collected")
        calls = res.values("attempts_call")
        if count == 0:
            assert calls.max() == 0
    counts = sorted(collected)
    for lo, hi in zip(counts, counts[1:]):
        diff = collected[hi] - collected[lo]
        se = diff.std(ddof=1) / np.sqrt(R)
        assert diff.mean() >= -3 * se, (lo, hi, diff.mean(), se)
    assert collected[12].mean() > collected[0].mean()


def test_bigger_discount_never_lowers_acceptance():
    """Pathwise with CRN and unlimited agents: whoever agrees at d also agrees at any d' > d."""
    model = small_model(3000)
    streams = replication_streams(9, 1)[0]
    agreed = []
    for d in (0.0, 0.1, 0.3, 0.5):
        res = simulate_replication(model, single_offer(model, d), streams, unlimited_agents=True)
        agreed.append(res.debtors["agreements"] > 0)
    for lo, hi in zip(agreed, agreed[1:]):
        assert not np.any(lo & ~hi)  # nobody who agreed at the smaller discount refuses the bigger one
        assert hi.sum() >= lo.sum()
    assert agreed[-1].sum() > agreed[0].sum()


def test_zero_reach_means_no_agreements():
    zero = {f"behaviour__reach__{c}": 0.0 for c in ("sms", "email", "whatsapp", "call", "letter")}
    model = small_model(3000, **zero)
    # segments override no reach in the base scenario, so every segment is unreachable
    assert np.all(model.reach == 0)
    res = simulate_replication(model, baseline(model), replication_streams(2, 1)[0])
    assert res.totals["agreements"] == 0 and res.totals["conversations"] == 0
    assert res.totals["collected"] > 0  # self-cure and the agency still collect


@pytest.mark.parametrize("min_installment, rel", [(0.0, 1e-9), (50.0, 0.05)])
def test_doubling_balances_doubles_collected(min_installment, rel):
    model = small_model(3000, offers__min_installment=min_installment)
    streams = replication_streams(4, 1)[0]
    one = simulate_replication(model, baseline(model), streams)
    two = simulate_replication(model.with_balance(model.balance * 2), baseline(model), streams)
    assert two.totals["collected"] == pytest.approx(2 * one.totals["collected"], rel=rel)
    assert two.totals["give_away"] == pytest.approx(2 * one.totals["give_away"], rel=max(rel, 1e-9) * 3)
