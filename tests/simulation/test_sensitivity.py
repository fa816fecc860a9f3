"""The sampled sensitivity: the stratified estimator, its sizes, and agreement with the whole book."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation.sampling import Z95, draw_sample, neyman_sizes, stratified_total

ROOT = Path(__file__).resolve().parents[2]


def test_a_sample_is_nested_stratified_and_reproducible():
    seg = np.repeat([0, 1, 2], [50, 30, 20])
    small = draw_sample(seg, np.array([5, 5, 5]), 3)
    big = draw_sample(seg, np.array([10, 40, 5]), 3)
    assert small.size.tolist() == [5, 5, 5] and big.size.tolist() == [10, 30, 5]  # clipped to the segment
    assert set(small.rows) <= set(big.rows)
    assert np.array_equal(draw_sample(seg, np.array([10, 40, 5]), 3).rows, big.rows)
    assert np.array_equal(seg[big.rows], big.stratum)
    assert np.allclose(np.bincount(big.stratum, weights=big.weights), [50, 30, 20])


def test_the_whole_book_gives_its_total_and_only_monte_carlo_noise():
    rng = np.random.default_rng(1)
    seg = np.repeat([0, 1], [40, 60])
    whole = draw_sample(seg, np.array([40, 60]), 0)
    values = rng.normal(5.0, 2.0, size=(4, 100))
    total, se = stratified_total(whole, values[:, whole.rows])
    assert total == pytest.approx(values.mean(axis=0).sum())
    assert se == pytest.approx(np.sqrt(values.var(axis=0, ddof=1).sum() / 4))


def test_the_interval_covers_the_book_total_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    seg = np.repeat([0, 1, 2], [3000, 1500, 500])
    mu = np.concatenate([rng.gamma(2.0, 50.0, 3000), rng.gamma(2.0, 200.0, 1500), rng.normal(0, 500.0, 500)])
    truth = mu.sum()  # the expected total; each replication adds noise of sd 30 per debtor
    trials, covered = 400, 0
    for k in range(trials):
        sample = draw_sample(seg, np.array([60, 60, 40]), k)
        x = mu[sample.rows] + rng.normal(0, 30.0, size=(3, sample.n))
        total, se = stratified_total(sample, x)
        covered += abs(total - truth) <= Z95 * se
    # binomial: 95% of 400 is 380 with sd 4.4
    assert abs(covered - 0.95 * trials) <= 3 * np.sqrt(trials * 0.95 * 0.05), covered


def test_neyman_sizes_follow_the_spread_and_the_target():
    sizes = neyman_sizes(np.array([1000, 1000, 10]), np.array([2.0, 1.0, 5.0]), target_se=100.0, minimum=20)
    # n = (2000 + 1000 + 50)^2 / (100^2 + 4000 + 1000 + 250) = 609.8; n_s = n * N_s S_s / 3050
    assert sizes.tolist() == [400, 200, 10]
    assert neyman_sizes(np.array([100, 100]), np.array([0.0, 0.0]), 1.0, minimum=20).tolist() == [20, 20]
    assert neyman_sizes(np.array([100]), np.array([10.0]), 1e-6).tolist() == [100]


def test_monte_carlo_noise_is_not_removed_by_sampling_more_of_the_book():
    # debtors alike in expectation, each run adds noise of sd 30: the spread is all Monte Carlo noise
    rng = np.random.default_rng(3)
    book = np.array([4000, 2000])
    seg = np.repeat([0, 1], book)
    R, sd, target = 2, 30.0, 600.0
    spread = np.full(2, sd / np.sqrt(R))
    sizes = neyman_sizes(book, spread, target, minimum=1, between=np.zeros(2))
    # n = (sum N_s S_s)^2 / target^2, no finite-population correction: 6000^2 * 450 / 600^2 = 45,000 > the book
    assert sizes.tolist() == book.tolist()
    sizes = neyman_sizes(book, spread, 4 * target, minimum=1, between=np.zeros(2))
    assert abs(sizes.sum() - 6000 ** 2 * 450 / 2400 ** 2) <= 2
    sample = draw_sample(seg, sizes, 1)
    _, se = stratified_total(sample, rng.normal(0.0, sd, size=(R, sample.n)))
    assert se == pytest.approx(4 * target, rel=0.1)  # the standard error asked, not less
    # the correction applied to the noise (the former sizing) gives a smaller sample and a larger error
    assert neyman_sizes(book, spread, 4 * target, minimum=1).sum() < sizes.sum()


@pytest.fixture(scope="module")
def book():
    from scenarios.loader import load_scenario
    from scenarios.portfolio import validate_frame
    from scenarios.segmentation import assign_segments
    from scenarios.synthetic import generate_portfolio
    from simulation.model import OfferPlan, build_model
    sc = load_scenario(ROOT / "scenarios" / "base.toml", settings={"agents.count": 3})
    frame = validate_frame(generate_portfolio(3000, np.random.default_rng(5)), "t", "SP").frame
    model = build_model(sc, frame, assign_segments(sc, frame))
    return model, OfferPlan.from_policy(sc.baseline, sc)


PARAMS = ("self_cure_h0", "agency_hazard", "engage")


@pytest.fixture(scope="module")
def tornadoes(book):
    from simulation.sensitivity import sensitivity
    model, plan = book
    seed = np.random.SeedSequence(11)
    book_counts = np.bincount(model.seg, minlength=model.n_segments)
    sample = draw_sample(model.seg, np.ceil(book_counts * 0.4).astype(int), 4)
    sampled = sensitivity(model, plan, seed=seed, replications=4, parameters=PARAMS, sample=sample, workers=1)
    full = sensitivity(model, plan, seed=seed, replications=4, parameters=PARAMS, precision=0, workers=1)
    return sampled, full, sample


def test_the_sampled_tornado_agrees_with_the_whole_book_within_its_intervals(tornadoes):
    sampled, full, sample = tornadoes
    assert (sampled["sampled"] == sample.n).all() and (full["sampled"] == full["debtors"]).all()
    for a, b in zip(sampled.iter_rows(named=True), full.iter_rows(named=True)):
        assert (a["parameter"], a["change"]) == (b["parameter"], b["change"])
        se_a = (a["effect_ci95_high"] - a["effect_ci95_low"]) / (2 * Z95)
        se_b = (b["effect_ci95_high"] - b["effect_ci95_low"]) / (2 * 3.182)  # t with 3 degrees of freedom
        assert abs(a["effect"] - b["effect"]) <= Z95 * np.hypot(se_a, se_b), (a, b)
    # the biggest bars have the same sign in both
    top = full.with_columns(size=full["effect"].abs()).sort("size", descending=True).row(0, named=True)
    match = sampled.filter((sampled["parameter"] == top["parameter"]) & (sampled["change"] == top["change"]))
    assert np.sign(match["effect"][0]) == np.sign(top["effect"])


def test_the_whole_book_tornado_is_the_same_with_two_workers(book, tornadoes):
    from simulation.sensitivity import sensitivity
    model, plan = book
    two = sensitivity(model, plan, seed=np.random.SeedSequence(11), replications=4, parameters=PARAMS, precision=0,
                      workers=2)
    assert two.equals(tornadoes[1])


def test_a_sampled_agent_value_gives_the_sample_enough_agents(book):
    from simulation.sensitivity import MIN_SAMPLED_CALLS, agent_value
    model, plan = book
    counts = np.bincount(model.seg, minlength=model.n_segments)
    sample = draw_sample(model.seg, np.ceil(counts * 0.2).astype(int), 4)
    out = agent_value(model, plan, seed=3, replications=2, sample=sample, workers=1)
    per_agent = float(model.calendar.agent_minutes.max())
    need = MIN_SAMPLED_CALLS * sample.weights.max() * model.scenario.channels.call.minutes_conversation / per_agent
    assert out["simulated_extra"] >= max(1, need) and out["sampled"] == sample.n and out["debtors"] == model.n
    assert out["ci95"][0] <= out["mean"] <= out["ci95"][1]


def test_two_policies_in_one_design_are_each_their_own_tornado(book, tornadoes):
    """The compared policy is simulated on the same sample with the same draws: its columns are
    its own tornado's, the gain is the difference of the means, and one pool serves it all."""
    from scenarios.schema import OfferShare, Policy
    from simulation.model import OfferPlan
    from simulation.pool import WorkerPool
    from simulation.sensitivity import sensitivity
    model, plan = book
    sampled, _, sample = tornadoes
    other = OfferPlan.from_policy(Policy(offers=(OfferShare(0.3, 1, 1.0),)), model.scenario)
    seed = np.random.SeedSequence(11)
    alone = sensitivity(model, other, seed=seed, replications=4, parameters=PARAMS, sample=sample, workers=1)
    with WorkerPool(2) as pool:
        both = sensitivity(model, plan, seed=seed, replications=4, parameters=PARAMS, sample=sample, compare=other,
                           pool=pool)
    assert both.select(sampled.columns).equals(sampled)
    assert np.allclose(both["baseline_mean"], alone["mean"], rtol=1e-12)
    assert np.allclose(both["gain"], both["mean"] - both["baseline_mean"], rtol=1e-9)
    assert (both["gain_ci95_low"] <= both["gain"]).all() and (both["gain"] <= both["gain_ci95_high"]).all()
