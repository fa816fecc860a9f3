"""Partial histories: accounts and payments only; month-level dates."""
from __future__ import annotations

import polars as pl

from calibration.calibrate import calibrate
from calibration.data import prepare_history


def test_accounts_and_payments_only_calibrate_self_cure(world, calibrated):
    prepared, _, _, tables = world
    data = prepare_history(prepared.scenario, {"accounts": tables["accounts"], "payments": tables["payments"]})
    result = calibrate(data, figures=False)
    seg = prepared.scenario.segments[0]
    h0 = result.get(seg.name, "self_cure_h0")
    assert h0.status == "identified"
    assert h0.lo <= seg.behaviour.self_cure_h0 <= h0.hi
    assert any("no events table" in n for n in result.notes)
    for key, why in (("reach.sms", "no contacts table"), ("accept_alpha", "no offers table"),
                     ("keep_first", "no agreements table"), ("agency_hazard", "no agency hand-over")):
        e = result.get(seg.name, key)
        assert e.status == "not identified" and why in e.reason, (key, e.reason)
        assert e.value == e.prior  # the scenario's value is kept
    opt = result.get("portfolio", "contact_rules.opt_out_probability")
    assert opt.status == "not identified"


def test_month_level_dates_give_the_same_h0(world, calibrated):
    """Payment, agreement and event dates known only to the month: h0 within the exact-date interval."""
    prepared, _, _, tables = world
    _, exact = calibrated
    month = {k: v for k, v in tables.items()}
    for name in ("payments", "agreements", "events"):
        month[name] = month[name].with_columns(pl.col("date").dt.truncate("1mo"))
    flags = {"payments.date", "agreements.date", "events.date"}
    data = prepare_history(prepared.scenario, month, month_level=flags)
    coarse = calibrate(data, figures=False)
    assert "payments.date" in data.month_level
    for seg in prepared.scenario.segments[:6]:
        a, b = exact.get(seg.name, "self_cure_h0"), coarse.get(seg.name, "self_cure_h0")
        assert b.identified and "interval-censored" in b.method
        assert a.lo <= b.value <= a.hi, (seg.name, a.value, a.lo, a.hi, b.value)
