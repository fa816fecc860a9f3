"""Who gets which offer: a policy's mixes turned into one offer per debtor.

A mixed segment policy ("60% of the segment gets offer A, 40% offer B") says nothing about
*which* debtors get A. Here the split is deterministic and keyed: the debtors of a segment
are ranked by a keyed hash of their id (the HMAC of :mod:`scenarios.pseudonym`, with a
purpose label, so the ranking is neither the pseudonym nor guessable without the key), and
the ranked list is cut at ``round(cumulative share * n)``. A rerun gives the same
assignment, a debtor keeps its offer from one month's portfolio to the next, and every
realised share is within one debtor of the policy's share (a hash-ranked allocation, not
independent coin flips, whose shares would wander by about ``sqrt(n)``).

The champion/challenger arm is split the same way with its own purpose label, before the
offers, so the arm and the offer of a debtor are independent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import polars as pl

from scenarios.pseudonym import pseudonym_key, pseudonymise
from scenarios.schema import Policy, Scenario
from simulation.engine import plan_installments
from simulation.model import CH, SimModel

__all__ = ["ARMS", "hash_rank_key", "ranked_split", "split_arms", "ArmOffers", "assign_offers", "call_priority",
           "cadence_text", "schedule", "segment_mix"]

#: Arm names, in code order: 0 champion (current practice), 1 challenger (the optimized policy).
ARMS: tuple[str, str] = ("champion", "challenger")


def hash_rank_key(ids: pl.Series, purpose: str, key: bytes | None = None) -> np.ndarray:
    """A keyed 64-bit hash of every id (uint64), for ranking; ``purpose`` separates uses.

    The hash is the pseudonym's HMAC-SHA256 under ``key + b"|" + purpose`` (``key`` defaults
    to :func:`scenarios.pseudonym.pseudonym_key`), read as an integer.
    """
    base = pseudonym_key() if key is None else key
    hashed = pseudonymise(ids.cast(pl.String), base + b"|" + purpose.encode("utf-8"))
    return np.array([int(h[2:], 16) if h is not None else 0 for h in hashed.to_list()], dtype=np.uint64)


def ranked_split(rank_key: np.ndarray, groups: np.ndarray, shares: Mapping[int, np.ndarray]) -> np.ndarray:
    """Part of every row: within each group, rows ranked by ``rank_key`` and cut by cumulative share.

    Parameters
    ----------
    rank_key : ndarray (N,) uint64
        Keyed hash of each row's id (:func:`hash_rank_key`); ties broken by row order.
    groups : ndarray (N,) int
        Group of each row.
    shares : mapping group -> ndarray (K,)
        Shares of the parts in each group (normalised here). A group absent from the
        mapping gets part 0.

    Returns
    -------
    ndarray (N,) int32
        Part ``k`` of a group of ``n`` rows gets the rows ranked ``round(C[k-1] n)`` to
        ``round(C[k] n) - 1``, ``C`` the cumulative shares: its count differs from
        ``share[k] * n`` by less than one.
    """
    part = np.zeros(rank_key.shape[0], dtype=np.int32)
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        w = np.asarray(shares.get(int(g), np.ones(1)), dtype=np.float64)
        if rows.size == 0 or w.size <= 1 or w.sum() <= 0:
            continue
        order = rows[np.lexsort((rows, rank_key[rows]))]
        cuts = np.rint(np.cumsum(w / w.sum()) * rows.size).astype(np.int64)
        cuts[-1] = rows.size
        part[order] = np.searchsorted(cuts, np.arange(rows.size), side="right").astype(np.int32)
    return part


def split_arms(ids: pl.Series, seg: np.ndarray, challenger_share: Mapping[int, float],
               key: bytes | None = None) -> np.ndarray:
    """Arm of every debtor (0 champion, 1 challenger); ``challenger_share`` by segment index (default 1)."""
    rank = hash_rank_key(ids, "arm", key)
    shares = {s: np.array([1.0 - c, c]) for s, c in challenger_share.items()}
    shares.update({int(s): np.array([0.0, 1.0]) for s in np.unique(seg) if int(s) not in challenger_share})
    return ranked_split(rank, seg, shares)


@dataclass(frozen=True)
class ArmOffers:
    """The offer of every debtor: discount, installments, down payment share, its index in its mix,
    and whether the dialler calls it (False: the not-called share, digital channels and letters only)."""

    discount: np.ndarray
    installments: np.ndarray
    down_payment_share: np.ndarray
    index: np.ndarray
    calls: np.ndarray | None = None


def segment_mix(policy: Policy, scenario: Scenario, segment: str) -> list[tuple[float, int, float, float]]:
    """A segment's offers under ``policy``: (discount, installments, down payment share, share)."""
    default_down = scenario.offers.down_payment_share
    return [(o.discount, o.installments, default_down if o.down_payment_share < 0 else o.down_payment_share, o.share)
            for o in policy.offers_for(segment)]


def assign_offers(ids: pl.Series, seg: np.ndarray, arm: np.ndarray, scenario: Scenario,
                  policies: tuple[Policy, Policy], key: bytes | None = None) -> ArmOffers:
    """One offer per debtor: the mix of its arm's policy (``policies[arm]``) in its segment, hash-ranked."""
    N = seg.shape[0]
    rank = hash_rank_key(ids, "offer", key)
    groups = seg.astype(np.int64) * 2 + arm
    mixes = {int(g): segment_mix(policies[int(g) % 2], scenario, scenario.segment_names[int(g) // 2])
             for g in np.unique(groups)}
    part = ranked_split(rank, groups, {g: np.array([o[3] for o in m]) for g, m in mixes.items()})
    d, n, dp = np.zeros(N), np.ones(N, np.int64), np.zeros(N)
    calls = np.ones(N, bool)
    for g, m in mixes.items():
        rows = np.flatnonzero(groups == g)
        table = np.array([o[:3] for o in m], dtype=np.float64)
        d[rows], n[rows], dp[rows] = table[part[rows], 0], table[part[rows], 1].astype(np.int64), table[part[rows], 2]
        flags = np.array([o.calls for o in policies[int(g) % 2].offers_for(scenario.segment_names[int(g) // 2])], bool)
        calls[rows] = flags[part[rows]]
    return ArmOffers(d, n, dp, part, calls)


def call_priority(model: SimModel, discount: np.ndarray) -> np.ndarray:
    """The call-queue priority of ``docs/model.md``: ``B0 * reach * engage * sigmoid(alpha + beta * d)``."""
    P, seg, call = model.params, model.seg, CH["call"]
    sig = 1.0 / (1.0 + np.exp(-(P["accept_alpha"][seg] + P["accept_beta"][seg] * discount)))
    return model.balance * model.reach[seg, call] * model.engage[seg, call] * sig


def cadence_text(scenario: Scenario, segment: str) -> str:
    """A segment's contact cadence as ``"d0 sms; d3 call; ..."``."""
    return "; ".join(f"d{st.day} {st.channel}" for st in scenario.cadence_for(segment))


def schedule(balance: np.ndarray, offers: ArmOffers, scenario: Scenario) -> dict[str, np.ndarray]:
    """The money the debtor sees, by the simulator's own rule (:func:`simulation.engine.plan_installments`).

    On the balance at the portfolio date: the discounted amount, the down payment (0 when
    none), the installment value (0 for a lump sum) and the number of payments, after the
    minimum installment rule.
    """
    amount = np.asarray(balance, dtype=np.float64) * (1.0 - offers.discount)
    o = scenario.offers
    first, inst, count = plan_installments(amount, offers.installments, offers.down_payment_share,
                                           o.plan_interest_monthly, o.min_installment)
    has_down = (offers.down_payment_share > 0) & (count > 1) & (offers.installments > 1)
    return {"discounted_amount": amount, "down_payment": np.where(has_down, first, 0.0),
            "first_payment": first, "installment_value": inst, "payments": count}
