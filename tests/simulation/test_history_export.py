"""``acordo simulate --history``: the simulated world, as a history, agrees with the simulation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from acordo.pipeline import run_simulate
from scenarios.schema import CHANNELS

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
N = 3000


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import numpy.random as npr

    from scenarios.synthetic import generate_portfolio, write_portfolio
    d = tmp_path_factory.mktemp("history-export")
    portfolio = d / "book.parquet"
    write_portfolio(generate_portfolio(N, npr.default_rng(7), "mixed"), portfolio)
    result = run_simulate(BASE, d / "run", portfolio=portfolio, replications=2, seed=11, history=True)
    tables = {p.stem: pl.read_parquet(p) for p in (d / "run" / "history").glob("*.parquet")}
    return d, portfolio, result, tables


def test_every_table_is_written(exported):
    _, _, _, tables = exported
    assert set(tables) == {"accounts", "payments", "contacts", "offers", "agreements", "events"}
    assert tables["accounts"].columns[:4] == ["debtor_id", "entry_date", "balance", "days_past_due"]


def test_accounts_are_the_portfolio_with_pseudonyms(exported):
    d, portfolio, _, tables = exported
    acc = tables["accounts"]
    assert acc.height == N and acc["debtor_id"].n_unique() == N
    debtors = pl.read_parquet(d / "run" / "debtors.parquet")
    assert acc["debtor_id"].to_list() == debtors["debtor"].to_list()  # the same keys as debtors.parquet
    raw = set(pl.read_parquet(portfolio)["debtor_id"].cast(pl.String).to_list())
    assert not raw & set(acc["debtor_id"].to_list())
    assert acc["entry_date"].n_unique() == 1


def test_payments_add_up_to_replication_0(exported):
    _, _, result, tables = exported
    pay = tables["payments"]
    assert pay["amount"].sum() == pytest.approx(result.values("collected")[0], rel=1e-9)
    assert (pay["amount"] > 0).all()
    kinds = pay.group_by("kind").len()
    count = dict(kinds.iter_rows())
    assert count.get("self_cure", 0) == result.values("self_cured")[0]


def test_contacts_are_the_attempts_counted(exported):
    _, _, result, tables = exported
    con = tables["contacts"]
    per = dict(con.group_by("channel").len().iter_rows())
    for c in CHANNELS:
        assert per.get(c, 0) == result.values(f"attempts_{c}")[0], c
    assert con["opted_out"].sum() == result.values("opt_outs")[0]
    assert not (con["engaged"] & ~con["reached"]).any()
    calls = con.filter(pl.col("channel") == "call")
    assert calls["minutes"].null_count() == 0 and con.filter(pl.col("channel") != "call")["minutes"].null_count() == \
        con.height - calls.height


def test_agreements_and_events_match_the_outcomes(exported):
    _, _, result, tables = exported
    ag, off, ev = tables["agreements"], tables["offers"], tables["events"]
    assert ag.height == result.values("agreements")[0] == off["accepted"].sum()
    status = dict(ag.group_by("status").len().iter_rows())
    assert status.get("kept", 0) == result.values("kept")[0]
    assert status.get("broken", 0) == result.values("broken")[0]
    assert status.get("active", 0) == result.values("active_at_horizon")[0]
    assert ag.filter(pl.col("status") == "active")["status_date"].null_count() == status.get("active", 0)
    kinds = dict(ev.group_by("kind").len().iter_rows())
    assert kinds.get("write_off", 0) == result.values("written_off")[0]
    agency_pay = tables["payments"].filter(pl.col("kind") == "agency").height
    assert agency_pay == result.values("agency_collected")[0] <= kinds.get("agency", 0)


def test_recording_changes_nothing_and_workers_agree(exported):
    d, portfolio, result, tables = exported
    again = run_simulate(BASE, d / "run2", portfolio=portfolio, replications=2, seed=11, workers=2, history=True)
    plain = run_simulate(BASE, d / "run3", portfolio=portfolio, replications=2, seed=11)
    for metric in ("collected", "net_npv", "agreements", "attempts_call"):
        assert np.array_equal(result.values(metric), plain.values(metric))
        assert np.array_equal(result.values(metric), again.values(metric))
    for name, frame in tables.items():
        assert pl.read_parquet(d / "run2" / "history" / f"{name}.parquet").equals(frame), name
    assert not (d / "run3" / "history").exists()


def test_the_reader_reads_it_back_consistently(exported, tmp_path):
    from scenarios.history import read_history
    d, _, result, tables = exported
    h = read_history(d / "run" / "history")
    assert h.n_accounts == N and h.accounts["debtor_id"].to_list() == tables["accounts"]["debtor_id"].to_list()
    assert h.payments["amount"].sum() == pytest.approx(result.values("collected")[0], rel=1e-9)
    assert h.contacts.height == sum(result.values(f"attempts_{c}")[0] for c in CHANNELS)
    assert h.agreements.height == result.values("agreements")[0]
    assert h.as_of == tables["events"]["date"].max()  # the write-offs on the last simulated day
    assert h.month_level == frozenset() and sum(h.dropped.values()) == 0
    # without kind, the reader's inference finds the engine's kinds
    tables["payments"].drop("kind").write_parquet(tmp_path / "payments.parquet")
    for name in ("accounts", "agreements", "events"):
        tables[name].write_parquet(tmp_path / f"{name}.parquet")
    inferred = read_history(tmp_path).payments
    assert inferred["kind"].to_list() == tables["payments"]["kind"].to_list()
