"""Decisions that hold up: seed-to-seed agreement, constraints out of sample, cost that follows the book.

Expensive fixtures are shared (module scope): one reduced base book, its coefficients for
two seeds (cached in a module folder so every optimize call on the same seed reuses them).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from acordo.pipeline import prepare
from optimizer.coefficients import estimate_coefficients
from optimizer.optimize import optimize
from optimizer.stability import chosen_offers
from simulation.replication import DAILY_METRICS

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
SETTINGS = {"portfolio.synthetic_n": 5000, "optimizer.sample_per_segment": 1000, "monte_carlo.replications": 30}


@pytest.fixture(scope="module")
def book():
    return prepare(BASE, settings=SETTINGS)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("coefficients")


@pytest.fixture(scope="module")
def two_seeds(book, cache):
    return [optimize(book.model, seed=s, cache_dir=cache, validate=False, frontier_points=0, workers=2)
            for s in (101, 202)]


@pytest.mark.xfail(reason="not met: the coefficients' noise makes the choice among 91 offers a coin flip between "
                          "near-equal offers in most segments; a rule stable enough for 10 of 12 gives the gain away, "
                          "and the precision that would make it hold needs 30-100x the copies; see docs/optimizer.md, "
                          "'Stability'", strict=False)
def test_two_seeds_agree_on_the_chosen_offers(two_seeds):
    a, b = two_seeds
    ca, cb = chosen_offers(a.solution), chosen_offers(b.solution)
    assert len(ca) == 12
    agree = sum(ca[s] == cb[s] for s in ca)
    assert agree >= 10, {s: (ca[s], cb[s]) for s in ca}


def test_each_published_limit_interval_contains_the_other_seeds_limit(two_seeds):
    a, b = two_seeds
    la = {r["segment"]: r for r in a.solution.discount_limits.iter_rows(named=True)}
    lb = {r["segment"]: r for r in b.solution.discount_limits.iter_rows(named=True)}
    assert len(la) == 12 and a.stability.height == 12 and a.stability["win_share"].is_between(0, 1).all()
    outside = [(s, la[s]["discount_limit"], lb[s]["discount_limit"], (la[s]["limit_low"], la[s]["limit_high"]),
                (lb[s]["limit_low"], lb[s]["limit_high"])) for s in la
               if not (la[s]["limit_low"] - 1e-9 <= lb[s]["discount_limit"] <= la[s]["limit_high"] + 1e-9
                       and lb[s]["limit_low"] - 1e-9 <= la[s]["discount_limit"] <= lb[s]["limit_high"] + 1e-9)]
    assert not outside, outside
    # contained because they say how far another estimate moves, not because they span the catalogue
    top = a.coefficients.group_by("segment").agg(pl.col("discount").max().alias("top"))
    width = {r["segment"]: r["limit_high"] - r["limit_low"] for r in a.solution.discount_limits.iter_rows(named=True)}
    full = sum(width[s] >= t - 1e-9 for s, t in top.iter_rows())
    assert full <= 6, (full, width)


def test_a_binding_budget_holds_out_of_sample(book, cache, two_seeds):
    free = two_seeds[0]
    budget = 0.6 * free.solution.give_away
    res = optimize(book.model, seed=101, cache_dir=cache, budget=budget, frontier_points=0, stability_replicates=0,
                   workers=2)
    row = res.solution.constraints.filter(pl.col("name") == "budget").row(0, named=True)
    assert row["binding"] and row["margin"] > 0
    check = {c["name"]: c for c in res.validation["constraints"]}
    assert check["budget"]["replications"] >= 30
    for name in ("budget", "budget_share"):
        assert check[name]["held_share"] >= 0.9, check[name]


def test_a_binding_liquidity_target_holds_out_of_sample(book, cache):
    # a target the unconstrained policy misses: 5% more first-month cash than its simulation
    # delivers. The coefficients promise the chosen policy more than it collects (a segment's
    # offers share their draws, so a lucky draw lifts them all); the binding row is anchored
    # to a re-simulation before it is published (optimizer.recalibrate)
    free = optimize(book.model, seed=101, cache_dir=cache, frontier_points=0, stability_replicates=0, workers=2)
    cash = free.optimized.daily[:, :30, :, DAILY_METRICS.index("collected")].sum(axis=(1, 2))
    target = 1.05 * float(cash.mean())
    res = optimize(book.model, seed=101, cache_dir=cache, liquidity_target=target, frontier_points=0,
                   stability_replicates=0, workers=2)
    row = res.solution.constraints.filter(pl.col("name") == "liquidity").row(0, named=True)
    assert row["binding"] and row["margin"] > 0 and not res.solution.tie_break.get("chance")
    rec = res.validation["recalibration"]
    assert rec["rows"] == ["liquidity"] and rec["replications"] >= 30 and "kept" not in rec
    assert "cash30_factor" in res.coefficients.columns
    check = {c["name"]: c for c in res.validation["constraints"]}
    assert check["liquidity"]["replications"] >= 30
    assert check["liquidity"]["held_share"] >= 0.9, check["liquidity"]
    # the anchored prediction and the out-of-sample mean agree within the row's margin
    assert abs(row["activity"] - check["liquidity"]["simulated"]) < row["margin"], (row, check["liquidity"])


def test_a_small_book_costs_what_its_precision_needs(tmp_path):
    # 171 debtors in 12 segments: every segment is simulated whole, once per round, never
    # cycled up to the 5,000-debtor sample; the standard errors follow the copies simulated.
    small = prepare(BASE, settings={"portfolio.synthetic_n": 171})
    coef = estimate_coefficients(small.model, seed=7)
    per = coef.group_by("segment").agg(pl.col("n_debtors").first(), pl.col("samples").max(), pl.col("rounds").first())
    assert (per["samples"] <= per["n_debtors"] * per["rounds"].clip(1) + 200 * 64).all()
    assert int(coef["samples"].sum()) <= 5000 * coef.height
    big = coef.filter(pl.col("samples") > 1)
    assert (big["npv_se"] > 0).all()


def test_chunks_on_two_workers_give_the_same_table():
    small = prepare(BASE, settings={"portfolio.synthetic_n": 600, "optimizer.sample_per_segment": 100})
    one = estimate_coefficients(small.model, seed=3, workers=1)
    two = estimate_coefficients(small.model, seed=3, workers=2)
    assert one.equals(two)
    week = [c for c in one.columns if c.startswith("minutes_w")]
    total = one.select(pl.sum_horizontal(week)).to_series().to_numpy()
    assert np.allclose(total, one["minutes"].to_numpy(), rtol=1e-9, atol=1e-9)
