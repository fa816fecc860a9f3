"""Sample sizes of the champion/challenger test and the significance of a gain, against closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulation.power import detectable_mean, mean_sample_size, power_of, proportion_sample_size
from simulation.significance import paired_significance, significance_from_ci

Z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)


@pytest.mark.parametrize("p1, p2", [(0.30, 0.20), (0.12, 0.08), (0.55, 0.45)])
def test_two_proportion_sample_size_matches_the_closed_form(p1, p2):
    # the textbook two-proportion formula, equal arms: n = Z^2 (p1 q1 + p2 q2) / (p1 - p2)^2
    closed = Z ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    n_c, n_b = proportion_sample_size(p1, p2, 0.5)
    assert n_c == n_b
    # statsmodels works on Cohen's h (arcsine scale): within 3% of the closed form in this range
    assert n_c == pytest.approx(closed, rel=0.03)
    # and exactly the arcsine closed form, rounded up
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))
    assert n_c == math.ceil(2 * Z ** 2 / h ** 2) or n_c == math.ceil(2 * Z ** 2 / h ** 2) + 1


def test_unequal_arms_need_more_debtors_in_total():
    even = sum(proportion_sample_size(0.3, 0.2, 0.5))
    small = proportion_sample_size(0.3, 0.2, 0.2)
    assert small[1] == pytest.approx(4 * small[0], abs=4)
    # closed form with k = n_b / n_c = 4: n_c = Z^2 (p1 q1 + p2 q2 / k) / d^2 on the variance scale of h
    h = 2 * math.asin(math.sqrt(0.3)) - 2 * math.asin(math.sqrt(0.2))
    assert small[0] == pytest.approx(Z ** 2 * (1 + 1 / 4) / h ** 2, abs=1)
    assert sum(small) > even


def test_mean_sample_size_and_detectable_difference_are_inverse():
    n_c, n_b = mean_sample_size(25.0, 400.0, 0.5)
    assert n_c == pytest.approx(2 * Z ** 2 * 400.0 ** 2 / 25.0 ** 2, rel=1e-3)
    assert detectable_mean(400.0, n_c, n_b) == pytest.approx(25.0, rel=2e-3)
    se = 400.0 * math.sqrt(1 / n_c + 1 / n_b)
    assert power_of(25.0, se) == pytest.approx(0.8, abs=2e-3)
    assert mean_sample_size(0.0, 400.0) == (0, 0)
    assert mean_sample_size(1e-6, 400.0) == (-1, -1)  # not feasible


def test_significance_of_a_paired_gain():
    rng = np.random.default_rng(7)
    clear = paired_significance(rng.normal(10.0, 5.0, 20))
    assert clear.significant and clear.lo > 0 and clear.replications_needed is None
    noisy = paired_significance(np.array([12.0, -30.0, 40.0, 5.0, -8.0, 25.0, 30.0, -20.0, 10.0, 16.0]))
    assert not noisy.significant and noisy.lo < 0 < noisy.hi
    # replications for 80% power of a paired t-test at the observed effect; the t-test needs a bit
    # more than the normal approximation Z^2 / effect^2
    effect = abs(noisy.mean) / float(np.std([12.0, -30.0, 40.0, 5.0, -8.0, 25.0, 30.0, -20.0, 10.0, 16.0], ddof=1))
    assert Z ** 2 / effect ** 2 <= noisy.replications_needed <= Z ** 2 / effect ** 2 + 3
    assert "not significant" in noisy.verdict() and "replications" in noisy.verdict()
    hopeless = paired_significance(np.array([1.0, -1.0, 2.0, -2.0, 0.01]))
    assert not hopeless.significant and hopeless.replications_needed is None
    assert "no plausible number" in hopeless.verdict()
    again = significance_from_ci(noisy.mean, noisy.lo, noisy.hi, noisy.replications)
    assert again.replications_needed == noisy.replications_needed and again.p_value == pytest.approx(noisy.p_value)


def test_a_huge_not_significant_effect_needs_few_replications_not_an_error():
    """With a standardised effect of 50 statsmodels' root finder returns nan; the answer is the minimum, 2 or 3."""
    from statsmodels.stats.power import TTestPower

    from simulation.significance import _needed
    assert _needed(50.0, 1) in (2, 3)
    assert _needed(0.5, 2) == math.ceil(float(np.atleast_1d(TTestPower().solve_power(0.5, None, 0.05, 0.8))[0]))
