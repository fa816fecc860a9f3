"""Escalating offers and the learned reservation discount: the rules both implementations share.

An offer may escalate over a cycle: from day ``escalate_days[k]`` of the cycle on (days in
collection) its discount is ``escalate_discounts[k]``. Acceptance of an affordable offer is
``sigmoid(alpha + beta (d - d_expected))`` with

    d_expected = expect_offered * (largest discount offered to the debtor before)
               + expect_received * (largest discount received in an earlier kept agreement)
               + expect_announced * (the announced generosity of the debtor's segment),

the announced generosity being the share-weighted mean of the largest discount each offer
of the segment's mix reaches (for a fixed plan, the debtor's own offer's). With the three
weights at 0 (the default) acceptance is today's ``sigmoid(alpha + beta d)``. A debtor
*waited* when it accepts a discount larger than the first one it was offered in the cycle.
"""
from __future__ import annotations

import numpy as np

from simulation.model import OfferPlan

__all__ = ["steps_of", "discount_on", "announced_by_segment", "expected_discount", "accept_probability"]


def steps_of(plan: OfferPlan, seg: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Escalation steps of the offers ``j`` of segments ``seg``: (days, discounts), each (N, K).

    Unused steps have day ``2**30`` (never reached). ``K = 0`` when the plan does not escalate.
    """
    n = np.asarray(seg).size
    if plan.escalation is None:
        return np.zeros((n, 0), np.int64), np.zeros((n, 0))
    K = max(len(st) for s in plan.escalation for st in s)
    S = len(plan.escalation)
    width = max(len(s) for s in plan.escalation)
    days = np.full((S, width, K), 2**30, np.int64)
    discs = np.zeros((S, width, K))
    for s, offers in enumerate(plan.escalation):
        for o, steps in enumerate(offers):
            for k, (day, disc) in enumerate(steps):
                days[s, o, k], discs[s, o, k] = day, disc
    return days[seg, j], discs[seg, j]


def discount_on(d0: np.ndarray, days: np.ndarray, discs: np.ndarray, tc: np.ndarray | int) -> np.ndarray:
    """The discount on day ``tc`` of the cycle: the last step reached, else ``d0``."""
    d = np.asarray(d0, dtype=np.float64)
    tc = np.asarray(tc)
    for k in range(days.shape[1]):
        d = np.where(tc >= days[:, k], discs[:, k], d)
    return d


def announced_by_segment(plan: OfferPlan) -> np.ndarray | None:
    """Per segment, the share-weighted mean of each offer's largest discount (None for a fixed plan)."""
    if plan.mix is None:
        return None
    out = []
    for s, offers in enumerate(plan.mix):
        total = 0.0
        for o, (d, _n, _down, share) in enumerate(offers):
            steps = plan.escalation[s][o] if plan.escalation is not None else ()
            total += share * max([d] + [x for _, x in steps])
        out.append(total)
    return np.array(out, dtype=np.float64)


def expected_discount(params: dict[str, np.ndarray], seg: np.ndarray, offered: np.ndarray, received: np.ndarray,
                      announced: np.ndarray) -> np.ndarray:
    """``d_expected`` of debtors in segments ``seg`` (see the module docstring)."""
    return (params["expect_offered"][seg] * offered + params["expect_received"][seg] * received
            + params["expect_announced"][seg] * announced)


def accept_probability(alpha: np.ndarray, beta: np.ndarray, d: np.ndarray, d_expected: np.ndarray | None) -> np.ndarray:
    """``sigmoid(alpha + beta (d - d_expected))``; ``sigmoid(alpha + beta d)`` when ``d_expected`` is None."""
    x = alpha + beta * d if d_expected is None else alpha + beta * (d - d_expected)
    return 1.0 / (1.0 + np.exp(-x))
