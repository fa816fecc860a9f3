"""Segment levels anchored by re-simulation (optimizer.recalibrate), on a hand-solved LP."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from optimizer.constraints import Constraints
from optimizer.recalibrate import recalibrate, shift_levels
from optimizer.solve import solve_policy
from simulation.replication import DAILY_METRICS
from simulation.results import SEGMENT_METRICS

from ._tables import table

# A and B, 100 debtors each, no give-away. a0/b0 are worth 20 per debtor with 2 of 30-day
# cash; a1 is worth 15 with 10, b1 18 with 6. Liquidity 700: the unconstrained policy has
# 400, B's b1 buys cash at 0.5 of objective per R$ and A's a1 at 0.625, so the optimum is
# b1 at 75% (cash 100 x 2 + 100 x (0.25 x 2 + 0.75 x 6) = 700).
ROWS = [("A", "a0", 0.0, 1, 100, 20.0, 0.0, 0.0, 1.0, 2.0, False, "X"),
        ("A", "a1", 0.0, 2, 100, 15.0, 0.0, 0.0, 1.0, 10.0, False, "X"),
        ("B", "b0", 0.0, 1, 100, 20.0, 0.0, 0.0, 1.0, 2.0, False, "Y"),
        ("B", "b1", 0.0, 2, 100, 18.0, 0.0, 0.0, 1.0, 6.0, False, "Y")]
CONS = Constraints(liquidity_target=700.0, tie_break=False)


class _Simulated:
    """What simulate() returns, as far as recalibrate reads it: per-day collections by segment."""

    def __init__(self, cash_per_debtor: dict[str, float], replications: int = 4):
        self.replications = replications
        self.daily = np.zeros((replications, 40, 2, len(DAILY_METRICS)))
        for s, name in enumerate(("A", "B")):
            self.daily[:, 0, s, DAILY_METRICS.index("collected")] = 100 * cash_per_debtor[name]
            self.daily[:, 35, s, DAILY_METRICS.index("collected")] = 1e6  # after day 30: not cash30

    def segment_totals(self) -> np.ndarray:
        return np.zeros((self.replications, 2, len(SEGMENT_METRICS)))


def share(sol, offer: str) -> float:
    return sol.shares.filter(pl.col("offer") == offer)["share"].item()


def test_a_segment_simulated_at_half_its_cash_is_anchored_and_the_lp_turns_to_the_other():
    coef = table(ROWS).with_columns(pl.lit(1.0).alias("cash30_se"))
    first = solve_policy(coef, CONS)
    assert share(first, "b1") == pytest.approx(0.75) and share(first, "a1") == pytest.approx(0.0)
    assert "liquidity" in first.binding
    # B really collects half of what its coefficients say in the first month (2.5 of 5 per
    # debtor at 75% b1); A what they say (2)
    calls = []
    shifted, again, record = recalibrate(coef, CONS, first, lambda sol: calls.append(sol) or _Simulated(
        {"A": 2.0, "B": 2.5}), ["A", "B"], solver="highs")
    assert len(calls) == 1 and record["rows"] == ["liquidity"]
    factor = {(r["segment"], r["column"]): r["factor"] for r in record["segments"]}
    assert factor[("B", "cash30")] == pytest.approx(0.5) and factor[("A", "cash30")] == pytest.approx(1.0)
    b = shifted.filter(pl.col("segment") == "B")
    assert b["cash30"].to_list() == pytest.approx([1.0, 3.0]) and b["cash30_se"].to_list() == pytest.approx([0.5, 0.5])
    # now B's b1 buys cash at 1 per R$ and A's a1 at 0.625: A at 50% (200 + 100 + 400 = 700)
    assert share(again, "a1") == pytest.approx(0.5) and share(again, "b1") == pytest.approx(0.0)
    assert record["total_shift"]["cash30"] == pytest.approx(-250.0)


def test_the_weight_follows_the_precision_and_nothing_binding_simulates_nothing():
    # the coefficients as precise as the simulation: half of the difference is taken
    coef = table(ROWS).with_columns(pl.lit(0.0).alias("cash30_se"))
    noisy = _Simulated({"A": 2.0, "B": 2.5})
    noisy.daily[0, 0, 1, DAILY_METRICS.index("collected")] += 100 * 2.0  # spread the B replications
    noisy.daily[1, 0, 1, DAILY_METRICS.index("collected")] -= 100 * 2.0
    se_sim = float((noisy.daily[:, 0, 1, 0] / 100).std(ddof=1) / 2)
    coef = coef.with_columns(pl.lit(se_sim).alias("cash30_se"))  # the mix's se: 0.25 se + 0.75 se
    first = solve_policy(coef, CONS)
    _, _, record = recalibrate(coef, CONS, first, lambda sol: noisy, ["A", "B"], solver="highs")
    r = next(r for r in record["segments"] if (r["segment"], r["column"]) == ("B", "cash30"))
    assert r["weight"] == pytest.approx(0.5) and r["factor"] == pytest.approx(0.75)
    free = solve_policy(coef, Constraints(tie_break=False))
    same, sol, none = recalibrate(coef, Constraints(tie_break=False), free,
                                  lambda sol: pytest.fail("simulated without a binding chance row"), ["A", "B"],
                                  solver="highs")
    assert none == {} and same is coef and sol is free


def test_shift_levels_multiplies_means_errors_and_replicates_and_keeps_the_factor():
    coef = table(ROWS).with_columns(pl.lit(1.0).alias("cash30_se"),
                                    pl.Series("cash30_boot", [[2.0, 4.0]] * 4))
    once = shift_levels(coef, {"cash30": {"B": 0.5}})
    twice = shift_levels(once, {"cash30": {"B": 0.5, "A": 2.0}})
    assert twice["cash30"].to_list() == pytest.approx([4.0, 20.0, 0.5, 1.5])
    assert twice["cash30_factor"].to_list() == pytest.approx([2.0, 2.0, 0.25, 0.25])
    assert twice["cash30_boot"].to_list()[2] == pytest.approx([0.5, 1.0])
    assert twice["npv"].equals(coef["npv"])
