"""Coverage of cheap estimators over many seeds: self-cure h0, the listing uplift and the reach of SMS.

Small direct simulations of the model's own laws (no engine): the self-cure hazard
``h0 exp(-(dpd0 + t)/tau)`` times the listing uplift, censored at random agreement days,
and Bernoulli SMS reach; each goes through ``prepare_history`` and the estimator.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import polars as pl
import pytest

from calibration.contacts import contact_frame, fit_reach
from calibration.data import prepare_history
from calibration.selfcure import fit_selfcure, selfcure_data
from calibration.calibrate import behaviour_values
from scenarios.loader import load_scenario
from tests.calibration.conftest import BASE

START = _dt.date(2026, 1, 5)
SEEDS = range(40)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASE)


def _world(scenario, seed: int, n: int = 3000, horizon: int = 180):
    """A hand-made history of ``low_early`` debtors: accounts, self-cure payments, agreements, SMS contacts."""
    rng = np.random.default_rng(seed)
    b = scenario.segment("low_early").behaviour
    listing = scenario.escalation.negativacao_day
    d0 = rng.integers(0, 90, n)
    t = np.arange(horizon)
    h = b.self_cure_h0 * np.exp(-(d0[:, None] + t[None, :]) / b.self_cure_tau) * np.where(t > listing,
                                                                                             b.uplift_negativado, 1.0)
    cured = np.cumprod(1 - h, axis=1) <= rng.random(n)[:, None]
    cure_day = np.where(cured.any(1), cured.argmax(1), horizon)
    agree_day = np.minimum(rng.geometric(0.004, n), horizon + 5)  # independent censoring by agreements
    cure = cure_day < np.minimum(agree_day + 1, horizon)
    ids = [f"d{seed}_{i}" for i in range(n)]
    day = lambda k: [START + _dt.timedelta(days=int(x)) for x in k]  # noqa: E731
    accounts = pl.DataFrame({"debtor_id": ids, "entry_date": [START] * n, "balance": rng.uniform(500, 5000, n),
                             "days_past_due": d0, "score": np.full(n, 700), "prior_delinquencies": np.zeros(n, int)})
    pay_rows = np.flatnonzero(cure)
    payments = pl.DataFrame({"debtor_id": [ids[i] for i in pay_rows], "date": day(cure_day[pay_rows]),
                             "amount": accounts["balance"].to_numpy()[pay_rows], "kind": ["self_cure"] * pay_rows.size})
    ag_rows = np.flatnonzero(~cure & (agree_day < horizon))
    agreements = pl.DataFrame({"debtor_id": [ids[i] for i in ag_rows], "date": day(agree_day[ag_rows]),
                               "discount": np.zeros(ag_rows.size), "installments": np.ones(ag_rows.size, int),
                               "status": ["active"] * ag_rows.size, "status_date": [None] * ag_rows.size},
                              schema_overrides={"status_date": pl.Date})
    k = 2 * n
    who = rng.integers(0, n, k)
    contacts = pl.DataFrame({"debtor_id": [ids[i] for i in who], "date": day(rng.integers(0, 30, k)),
                             "channel": ["sms"] * k, "reached": rng.random(k) < b.reach.sms,
                             "engaged": np.zeros(k, bool), "opted_out": np.zeros(k, bool)})
    events = pl.DataFrame({"debtor_id": ids, "date": day(np.full(n, listing)), "kind": ["negativacao"] * n})
    stop = START + _dt.timedelta(days=horizon - 1)
    return prepare_history(scenario, {"accounts": accounts, "payments": payments, "agreements": agreements,
                                      "contacts": contacts, "events": events}, as_of=stop), b


def _coverage(scenario) -> dict[str, list[bool]]:
    prior = behaviour_values(scenario.segment("low_early").behaviour)
    cover: dict[str, list[bool]] = {"self_cure_h0": [], "uplift_negativado": [], "reach.sms": []}
    for seed in SEEDS:
        data, b = _world(scenario, seed)
        sd = selfcure_data(data)
        h0, _, up = fit_selfcure(sd, sd.seg == 0, "low_early", prior)
        assert up.key == "uplift_negativado" and up.identified
        cover["self_cure_h0"].append(h0.covers(b.self_cure_h0))
        cover["uplift_negativado"].append(up.covers(b.uplift_negativado))
        sms = fit_reach(contact_frame(data), 0, "low_early", prior)[0]
        assert sms.key == "reach.sms"
        cover["reach.sms"].append(sms.covers(b.reach.sms))
    return cover


def test_h0_uplift_and_sms_reach_cover_the_truth_at_least_85_percent(scenario):
    # nominal 95%; over 40 seeds 85% is about three binomial standard errors below it
    for key, hits in _coverage(scenario).items():
        assert np.mean(hits) >= 0.85, (key, np.mean(hits))


if __name__ == "__main__":  # the coverage figures, for the record
    for key, hits in _coverage(load_scenario(BASE)).items():
        print(f"{key} coverage {np.mean(hits):.3f} over {len(hits)} seeds")
