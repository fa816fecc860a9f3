"""The optimizer on several cycles charges the simulated moral hazard (acordo/longrun.py).

A chronic segment whose re-delinquency rises with the discount gets no more discount from
the long-run LP than from the LP that ignores the future, and the side-by-side table shows
why: the myopic policy's extra discount has a lower long-run value.
"""
from __future__ import annotations

import dataclasses

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from optimizer.coefficients import estimate_coefficients
from optimizer.optimize import constraints_for
from acordo.longrun import compare_long_run, myopic_coefficients
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
def solved():
    """The base scenario over 18 months with several cycles: coefficients, constraints, both LPs."""
    scenario = load_scenario(BASE, settings=SETTINGS)
    frame = validate_frame(generate_portfolio(4000, np.random.default_rng(3)), "synthetic", "SP").frame
    model = build_model(scenario, frame, assign_segments(scenario, frame))
    # two fixed rounds of 600 debtors: the myopic choice (10% vs 20%) needs that precision
    coef = estimate_coefficients(model, seed=5, sample=600, unlimited_agents=True, replications=2)
    constraints = constraints_for(model, coef)
    return coef, constraints, compare_long_run(coef, constraints)


@pytest.fixture(scope="module")
def comparison(solved):
    coef, _, cmp = solved
    return coef, cmp


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


def test_long_run_gives_chronic_no_more_discount_than_the_one_cycle_optimizer(comparison):
    """The same scenario with one cycle (cycles off, the horizon one collection window): its LP gives the
    chronic segment at least the discount the several-cycle LP gives."""
    from optimizer.lp import solve_policy
    _, cmp = comparison
    settings = {k: v for k, v in SETTINGS.items() if not k.startswith("cycles")} | {
        "calendar.horizon_days": SETTINGS["cycles.collection_days"]}
    scenario = load_scenario(BASE, settings=settings)
    assert not scenario.cycles.enabled
    frame = validate_frame(generate_portfolio(4000, np.random.default_rng(3)), "synthetic", "SP").frame
    model = build_model(scenario, frame, assign_segments(scenario, frame))
    coef = estimate_coefficients(model, seed=5, sample=600, unlimited_agents=True, replications=2)
    # as the comparison solves (acordo.longrun): the LP's optimum, without the tie-break
    sol = solve_policy(coef, dataclasses.replace(constraints_for(model, coef), tie_break=False))
    one = sol.shares.join(coef.select("segment", "offer", "discount"), on=["segment", "offer"]).filter(
        pl.col("segment") == "chronic").select((pl.col("share") * pl.col("discount")).sum()).item()
    long_run = cmp.table.filter(pl.col("segment") == "chronic")["longrun_discount"].item()
    assert long_run <= one + 1e-9


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


# ---------------------------------------------------------------------- the run directory and the report page


@pytest.fixture(scope="module")
def run_data(solved, tmp_path_factory):
    """What the pipeline writes for a several-cycle run (acordo.longrun.write_long_run), read as the report does."""
    from types import SimpleNamespace

    from acordo.longrun import LONGRUN_FILES, write_long_run
    from reports.rundata import RunData
    coef, constraints, cmp = solved
    stage = tmp_path_factory.mktemp("longrun_run")
    assert write_long_run(stage, SimpleNamespace(coefficients=coef, constraints=constraints, solution=cmp.longrun))
    table, offers = (pl.read_parquet(stage / name) for name in LONGRUN_FILES)
    empty = pl.DataFrame()
    return RunData(stage, {"scenario": {"name": "base, several cycles", "file": "base.toml", "hash": "0" * 16},
                           "portfolio": {}}, {}, {}, empty, empty, empty, empty,
                   pl.DataFrame({"segment": ["regular", "chronic"]}), {}, {}, longrun=table, longrun_offers=offers)


def test_the_pipeline_writes_what_the_comparison_found(solved, run_data):
    _, _, cmp = solved
    assert run_data.longrun.select("segment", "longrun_discount", "myopic_discount").equals(
        cmp.table.select("segment", "longrun_discount", "myopic_discount"))
    chronic = run_data.longrun_offers.filter(pl.col("segment") == "chronic")
    assert abs(chronic["longrun_share"].sum() - 1) < 1e-6 and abs(chronic["myopic_share"].sum() - 1) < 1e-6


def test_one_cycle_run_writes_nothing(tmp_path):
    from types import SimpleNamespace

    from acordo.longrun import write_long_run
    coef = pl.DataFrame({"segment": ["a"], "offer": ["d0_n1"], "future": [0.0]})
    assert write_long_run(tmp_path, SimpleNamespace(coefficients=coef)) is None
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_report_side_by_side_shows_why_the_chronic_discount_is_lower(run_data, lang):
    """The page puts the chronic segment's two policies side by side: the one that ignores the future
    gives more discount, is worth more over one cycle and less over the long run; no text overlaps."""
    from reports import figures as F
    from reports import i18n
    from reports.layout import _footer, text_overlaps
    from reports.page_longrun import longrun_pages, longrun_rows
    row = run_data.longrun.filter(pl.col("segment") == "chronic").row(0, named=True)
    assert row["myopic_discount"] > row["longrun_discount"]
    assert row["myopic_one_cycle"] >= row["longrun_one_cycle"] and row["myopic_long_run"] < row["longrun_long_run"]
    text = {r[0]: r for r in longrun_rows(run_data, lang)}
    chronic = text[f"chronic ({i18n.t('chronic', lang)})"]
    assert chronic[3] == f"{i18n.percent(row['longrun_discount'], lang, 1)} / {i18n.percent(row['myopic_discount'], lang, 1)}"
    assert i18n.money(row["myopic_long_run"], lang, 2) in chronic[5]
    assert i18n.money(row["longrun_one_cycle"], lang, 2) in chronic[4]
    with F.style():
        pages = longrun_pages(run_data, lang)
        assert len(pages) == 1
        _footer(pages[0], 1, 1, run_data, lang)
        assert text_overlaps(pages[0].fig) == []
        words = " ".join(t.get_text() for t in pages[0].fig.texts)
    assert i18n.t("longrun_title", lang) in words and i18n.t("longrun_col_ignored", lang).split()[0] in words


def test_no_long_run_page_for_one_cycle(run_data):
    from dataclasses import replace

    from reports.page_longrun import longrun_pages
    assert longrun_pages(replace(run_data, longrun=None, longrun_offers=None), "en") == []
