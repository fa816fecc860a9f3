"""The engine's martingale controls (``record_controls``): they change no outcome and have mean 0."""
from __future__ import annotations

import numpy as np
import pytest

from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.engine_agreements import CONTROLS
from simulation.model import OfferPlan

from ._models import small_model


@pytest.fixture(scope="module")
def runs():
    model = small_model(3000, seed=5, agents__count=4)
    n = model.n
    # a spread of offers (lump sums and plans) so that every control has events
    rng = np.random.default_rng(0)
    d = rng.choice([0.0, 0.1, 0.3, 0.5], n)
    k = rng.choice([1, 3, 6, 12], n)
    plan = OfferPlan(fixed=(d, k.astype(np.int64), np.full(n, 0.1)))
    out = []
    for streams in replication_streams(2026, 2):
        plain = simulate_replication(model, plan, streams)
        ctl = simulate_replication(model, plan, streams, record_controls=True)
        out.append((plain, ctl))
    return out


def test_recording_controls_changes_no_outcome(runs):
    for plain, ctl in runs:
        assert plain.totals == ctl.totals
        for name, v in plain.debtors.items():
            np.testing.assert_array_equal(v, ctl.debtors[name], err_msg=name)
        assert set(ctl.debtors) - set(plain.debtors) == {f"ctl_{c}" for c in CONTROLS}


@pytest.mark.parametrize("name", CONTROLS)
def test_each_control_has_mean_zero(runs, name):
    v = np.concatenate([ctl.debtors[f"ctl_{name}"] for _, ctl in runs])
    assert np.count_nonzero(v) > 100  # the control saw events
    se = v.std(ddof=1) / np.sqrt(v.size)
    assert abs(v.mean()) < 4 * se, (name, v.mean(), se)
