"""Hypothesis-generated cadences never produce a contact-rule violation (audited from the attempt log)."""
from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.schema import CHANNELS, UF_CODES
from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan

from ._models import small_model

# DESIGN §4, written out again here so the audit does not trust the engine's tables
LAW = {"SP": ({"call"}, (True, True, False)), "RJ": ({"call"}, (True, False, False)),
       "ES": ({"call"}, (True, False, False)), "AL": ({"call", "sms"}, (True, True, False)),
       "CE": ({"call", "sms", "whatsapp"}, (True, False, False))}
DEFAULT = (True, True, False)  # 8-20 weekdays, 8-14 Saturdays, none on Sundays


def open_day(date: dt.date, uf: str, channel: str) -> bool:
    if channel == "email":
        return True
    holiday = date in holidays.Brazil(subdiv=uf, years=date.year)
    kind = 2 if holiday or date.weekday() == 6 else (1 if date.weekday() == 5 else 0)
    if channel == "letter":
        return kind == 0
    law = LAW.get(uf)
    windows = law[1] if law and channel in law[0] else DEFAULT
    return windows[kind]


steps = st.lists(st.tuples(st.integers(0, 34), st.sampled_from(CHANNELS)), min_size=1, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cadence=steps, cap=st.integers(1, 7), reg_f=st.booleans(), opt_out=st.sampled_from([0.0, 1.0]),
       seed=st.integers(0, 2**32))
def test_no_cadence_breaks_a_contact_rule(cadence, cap, reg_f, opt_out, seed):
    reach = 1.0 if opt_out else 0.6
    model = small_model(
        400, calendar__horizon_days=40, contact_rules__max_contacts_per_7_days=cap, contact_rules__reg_f_mode=reg_f,
        contact_rules__opt_out_probability=opt_out, escalation__letter_day=5, escalation__negativacao_day=15,
        escalation__agency_day=30, agents__count=2,
        cadences={"default": [{"day": d, "channel": c} for d, c in cadence]},
        **{f"behaviour__reach__{c}": reach for c in CHANNELS},
    )
    res = simulate_replication(model, OfferPlan.from_policy(model.scenario.baseline, model.scenario),
                               replication_streams(seed, 1)[0], record_attempts=True)
    assert res.totals["violations"] == 0
    rows, days, chans, conv = res.attempts
    start = model.scenario.calendar.start_date
    for r, t, c in zip(rows.tolist(), days.tolist(), chans.tolist()):
        assert open_day(start + dt.timedelta(days=t), UF_CODES[model.state[r]], CHANNELS[c]), (r, t, CHANNELS[c])
    not_letter = chans != CHANNELS.index("letter")
    for r in np.unique(rows):
        mine = (rows == r) & not_letter
        d = np.sort(days[mine])
        # rolling 7 days: no window of 7 consecutive days holds more than `cap` attempts
        assert all(np.searchsorted(d, x + 7) - i <= cap for i, x in enumerate(d)), (r, d.tolist(), cap)
        if opt_out:  # every attempt reaches, every reached debtor opts out: one non-letter attempt at most
            assert mine.sum() <= 1
        if reg_f:
            calls = (rows == r) & (chans == CHANNELS.index("call"))
            talks = days[calls & conv]
            for t in days[calls]:
                assert not np.any((talks < t) & (t - talks < 7)), (r, t, talks.tolist())
