"""The not-called share (``OfferShare.calls = False``, ``OfferPlan.no_calls``): never queued by the dialler.

The engine and the per-debtor reference model agree exactly with the flag, as they do
without it (``test_reference_agreement.py``), on a mix with a not-called share and on a
fixed plan with a per-debtor flag; and a not-called debtor gets no call, while the rest of
its cadence (digital channels, letters) goes on.
"""
from __future__ import annotations

import numpy as np
import pytest

from scenarios.schema import OfferShare, Policy
from simulation.model import CH, OUTCOMES, OfferPlan
from simulation.replication import TOTALS

_CACHE: dict[str, tuple] = {}


def _plans(model):
    mix = Policy(offers=(OfferShare(0.3, 1, 0.4), OfferShare(0.3, 1, 0.3, calls=False),
                         OfferShare(0.1, 6, 0.3)))
    flags = (np.arange(model.n) % 3) == 0
    fixed = OfferPlan(fixed=(np.full(model.n, 0.2), np.full(model.n, 6, np.int64), np.full(model.n, 0.1)),
                      no_calls=flags)
    return {"mix": OfferPlan.from_policy(mix, model.scenario), "fixed": fixed}


def _run(kind: str, sim, both_engines):
    if kind not in _CACHE:
        model = sim.make_model({"agents.count": 2}, n=800, seed=3)
        plan = _plans(model)[kind]
        ref, eng = both_engines
        streams = sim.streams(5)
        _CACHE[kind] = (model, plan, ref(model, plan, streams, record_attempts=True),
                        eng(model, plan, streams, record_attempts=True))
    return _CACHE[kind]


@pytest.mark.parametrize("kind", ["mix", "fixed"])
def test_engine_and_reference_agree_with_the_flag(kind, sim, both_engines):
    model, plan, ref, eng = _run(kind, sim, both_engines)
    assert np.array_equal(ref.debtors["outcome"], eng.debtors["outcome"])
    for k in TOTALS:
        assert np.isclose(ref.totals[k], eng.totals[k], rtol=1e-6, atol=1e-6), k
    for k in ("collected_npv", "cost", "minutes", "give"):
        assert np.allclose(ref.debtors[k], eng.debtors[k], rtol=1e-6, atol=1e-6), k
    assert np.allclose(ref.agent, eng.agent, rtol=1e-6, atol=1e-6)
    assert np.bincount(eng.debtors["outcome"], minlength=len(OUTCOMES)).sum() == model.n


@pytest.mark.parametrize("kind", ["mix", "fixed"])
def test_the_not_called_share_gets_no_call_but_its_digital_contacts(kind, sim, both_engines):
    model, plan, _, eng = _run(kind, sim, both_engines)
    rows, _, chan, _ = eng.attempts
    j = eng.debtors["offer"] if kind == "mix" else np.zeros(model.n, np.int32)
    off = plan.uncalled(np.arange(model.n), model.seg, j)
    assert off.any() and (~off).any()
    called = np.unique(rows[chan == CH["call"]])
    assert not np.isin(called, np.flatnonzero(off)).any()
    assert np.isin(called, np.flatnonzero(~off)).any()
    digital = np.unique(rows[chan != CH["call"]])
    assert np.isin(digital, np.flatnonzero(off)).any()
    assert eng.debtors["minutes"][off].sum() == 0
