"""What a simulation reads, as one digest: cells of a sweep with equal digests give equal results.

A swept key the simulation does not read (``offers.max_discount`` without ``--optimize``,
the optimizer's settings, the scenario's name) leaves every replication unchanged. Such
cells are found before anything runs by hashing what the engine reads: the model's
arrays (portfolio, segments, behaviour, calendar, cadences, call weights), the offer plan,
and the scenario with the settings it does not read set to fixed values.

The list of unread settings (:data:`UNREAD`) is deliberately short: a setting missing
from it is hashed, which can only make two cells look different, never merge them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import pickle

import numpy as np

from scenarios.schema import Scenario
from simulation.model import OfferPlan, SimModel

__all__ = ["simulation_digest", "UNREAD"]

#: Scenario settings no engine reads (the optimizer's, the catalogue's bounds, labels, seeds:
#: a sweep's tasks carry their seed and replication themselves).
UNREAD: dict[str, tuple[str, ...]] = {
    "": ("name", "description", "source", "digest"),
    "offers": ("max_discount", "max_installments", "discounts", "installments"),
    "optimizer": ("budget", "budget_share", "agent_capacity", "capacity_by_week", "liquidity_target", "chronic_max_discount",
                  "chronic_not_better", "min_recovery_share", "sample_per_segment", "solver"),
    "monte_carlo": ("replications", "seed", "sensitivity_precision"),
}




def _blank(scenario: Scenario) -> Scenario:
    top = {f: None for f in UNREAD[""] if hasattr(scenario, f)}
    parts = {}
    for section, fields in UNREAD.items():
        if not section:
            continue
        value = getattr(scenario, section, None)
        if value is None:
            continue
        present = {f.name for f in dataclasses.fields(value)}
        parts[section] = dataclasses.replace(value, **{f: None for f in fields if f in present})
    return dataclasses.replace(scenario, **top, **parts)


def _feed(h, value) -> None:
    if isinstance(value, np.ndarray):
        h.update(str((value.dtype.str, value.shape)).encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for k in sorted(value):
            h.update(repr(k).encode())
            _feed(h, value[k])
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(type(value).__name__.encode())
        for f in dataclasses.fields(value):
            h.update(f.name.encode())
            _feed(h, getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        h.update(b"(")
        for v in value:
            _feed(h, v)
        h.update(b")")
    else:
        h.update(pickle.dumps(value, protocol=4))


def simulation_digest(model: SimModel, plan: OfferPlan) -> str:
    """A digest of everything the engine reads from ``model`` and ``plan`` (sha256, hex).

    Two cells with the same digest, seed and replications give identical replications.
    """
    h = hashlib.sha256()
    for f in dataclasses.fields(model):
        h.update(f.name.encode())
        value = getattr(model, f.name)
        _feed(h, _blank(value) if f.name == "scenario" else value)
    _feed(h, plan)
    return h.hexdigest()
