"""Policies checked against the business rules of the offer catalogue.

The optimizer only ever picks offers from :func:`scenarios.loader.offer_catalogue`; a
baseline or a ``--policy`` file must obey the same rules, or the business rules could be
bypassed from the policy side. Every offer a segment receives must be one of the
catalogue's discounts and installment counts, at most ``offers.max_discount`` (and the
segment's own ``max_discount``), at most ``offers.max_installments``, with a down payment share that is either
the catalogue's (``-1``) or between 0 and 0.9. (``optimizer.chronic_max_discount`` is a
constraint of the optimization, not a rule of the catalogue: a baseline may exceed it.)
"""
from __future__ import annotations

from scenarios.errors import Problem
from scenarios.schema import OfferShare, Policy, Scenario, Segment

__all__ = ["policy_problems"]


def _num(x: float) -> str:
    return f"{x:g}"


def _segment_cap(sc: Scenario, seg: Segment) -> tuple[float, str]:
    """The discount cap of a segment and the key that sets it."""
    cap, key = sc.offers.max_discount, "offers.max_discount"
    if seg.max_discount < cap:
        cap, key = seg.max_discount, f"segments.{seg.name}.max_discount"
    return cap, key


def _offer_problems(sc: Scenario, offer: OfferShare, key: str, label: str,
                    segments: list[Segment]) -> list[Problem]:
    out = []
    cat = sc.offers
    d, n = offer.discount, offer.installments
    if d > cat.max_discount + 1e-12:
        out.append(Problem(label, f"{key}.discount", "above offers.max_discount", _num(d), f"<= {_num(cat.max_discount)}"))
    elif not any(abs(d - x) < 1e-9 for x in cat.discounts):
        out.append(Problem(label, f"{key}.discount", "not in the offer catalogue", _num(d),
                           "one of offers.discounts: " + ", ".join(_num(x) for x in cat.discounts)))
    else:
        for seg in segments:
            cap, cap_key = _segment_cap(sc, seg)
            if d > cap + 1e-12:
                out.append(Problem(label, f"{key}.discount", f"above {cap_key} (segment {seg.name})", _num(d),
                                   f"<= {_num(cap)}"))
                break
    if n > cat.max_installments:
        out.append(Problem(label, f"{key}.installments", "above offers.max_installments", str(n),
                           f"<= {cat.max_installments}"))
    elif n not in cat.installments:
        out.append(Problem(label, f"{key}.installments", "not in the offer catalogue", str(n),
                           "one of offers.installments: " + ", ".join(str(x) for x in cat.installments)))
    dp = offer.down_payment_share
    if dp < 0 and dp != -1.0:
        out.append(Problem(label, f"{key}.down_payment_share", "negative", _num(dp),
                           "0 <= x <= 0.9, or -1 for the catalogue's offers.down_payment_share"))
    return out


def policy_problems(policy: Policy, scenario: Scenario, label: str, prefix: str = "") -> list[Problem]:
    """Every offer of ``policy`` that the catalogue's business rules forbid.

    Parameters
    ----------
    policy : Policy
        A validated policy (the scenario's ``baseline`` or a ``--policy`` file).
    scenario : Scenario
        The scenario whose ``[offers]``, segments and optimizer caps are the rules.
    label : str
        The file named in messages.
    prefix : str
        Prefix of the keys (``"baseline"`` for a scenario's baseline).

    Returns
    -------
    list of Problem
        One per offer and rule broken; empty when the policy obeys every rule.
    """
    pre = f"{prefix}." if prefix else ""
    by_name = {s.name: s for s in scenario.segments}
    users = [s for s in scenario.segments if not (policy.segments.get(s.name) and policy.segments[s.name].offers)]
    out: list[Problem] = []
    for i, offer in enumerate(policy.offers):
        out += _offer_problems(scenario, offer, f"{pre}offers[{i}]", label, users)
    for name, sp in policy.segments.items():
        segs = [by_name[name]] if name in by_name else []
        for i, offer in enumerate(sp.offers):
            out += _offer_problems(scenario, offer, f"{pre}segments.{name}.offers[{i}]", label, segs)
    return out
