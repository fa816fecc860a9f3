"""The optimizer on several cycles charges the simulated moral hazard (reports/longrun.py).

A chronic segment whose re-delinquency rises with the discount gets no more discount from
the long-run LP than from the LP that ignores the future, and the side-by-side table shows
why: the myopic policy's extra discount has a lower long-run value.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.coefficients import estimate_coefficients
from optimizer.optimize import constraints_for
from reports.longrun import compare_long_run, myopic_coefficients
from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio
from simulation.model import build_model

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "base.toml"
SETTINGS = {
    "calendar.horizon_days": 540, "cycles.enabled": True, "cycles.collection_days": 150,
    "segments": {
        "regular": {"rule": {"chronic": False}, "behaviour": {"redelinquency_discount_slope": 0.0}},
        "chronic": {"rule": {"chronic": True}, "behaviour": {
            "redelinquency_settled": 0.04, "redelinquency_discount_slope": 5.0, "customer_margin_monthly": 5.0,
            "accept_alpha": -0.5, "accept_beta": 5.0}},
    },
    "cadences": {"default": [{"day": d, "channel": c} for d in (0, 7, 14, 28, 45, 60) for c in ("sms", "call")]},
    "offers.discounts": [0.0, 0.1, 0.2, 0.3, 0.4], "offers.installments": [1, 6],
    "optimizer.chronic_max_discount": 0.99, "optimizer.chronic_not_better": False, "optimizer.budget_share": -1.0,
    "optimizer.agent_capacity": False,
}


@pytest.fixture(scope="module")
def comparison():
    scenario = load_scenario(BASE, settings=SETTINGS)
    frame = validate_frame(generate_portfolio(4000, np.random.default_rng(3)), "synthetic", "SP").frame
    model = build_model(scenario, frame, assign_segments(scenario, frame))
    # two fixed rounds of 600 debtors: the myopic choice (10% vs 20%) needs that precision
    coef = estimate_coefficients(model, seed=5, sample=600, unlimited_agents=True, replications=2)
    return coef, compare_long_run(coef, constraints_for(model, coef))


def test_one_cycle_coefficients_have_no_future():
    scenario = load_scenario(BASE, settings={k: v for k, v in SETTINGS.items() if not k.startswith("cycles")
                                             and k != "calendar.horizon_days"})
    frame = validate_frame(generate_portfolio(800, np.random.default_rng(3)), "synthetic", "SP").frame
    model = build_model(scenario, frame, assign_segments(scenario, frame))
    coef = estimate_coefficients(model, seed=5, sample=100, unlimited_agents=True)
    assert (coef["future"] == 0).all()
    assert np.allclose(coef["first_cycle_net"], coef["npv"] - coef["cost"])


def test_long_run_gives_chronic_no_more_discount(comparison):
    coef, cmp = comparison
    row = cmp.table.filter(cmp.table["segment"] == "chronic").row(0, named=True)
    assert row["longrun_discount"] <= row["myopic_discount"] + 1e-9
    assert row["myopic_discount"] > row["longrun_discount"], "the setting must make the future matter"
    # why: the myopic choice is worth more in the first cycle and less in the long run
    assert row["myopic_one_cycle"] >= row["longrun_one_cycle"] - 1e-9
    assert row["longrun_long_run"] > row["myopic_long_run"]


def test_summary_states_values_with_their_uncertainty(comparison):
    _, cmp = comparison
    text = cmp.summary()
    assert "chronic" in text and "±" in text and "portfolio long-run net" in text


def test_offers_table_lists_each_chosen_offer_side_by_side(comparison):
    _, cmp = comparison
    offers = cmp.offers_table()
    chronic = offers.filter(offers["segment"] == "chronic")
    assert abs(chronic["longrun_share"].sum() - 1) < 1e-6 and abs(chronic["myopic_share"].sum() - 1) < 1e-6
    assert {"first_cycle_net", "long_run", "future", "future_se"} <= set(offers.columns)


def test_myopic_table_values_offers_by_the_first_cycle(comparison):
    coef, _ = comparison
    my = myopic_coefficients(coef)
    assert np.allclose(my["npv"] - my["cost"], coef["first_cycle_net"])
    assert (my["future"] == 0).all()
