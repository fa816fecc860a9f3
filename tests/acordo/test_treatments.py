"""From policy to Monday's work: the treatment file, empty segments, plan-test and evaluate on a real run.

One small ``acordo run`` (a CSV portfolio with CPF-like ids and one segment left empty) is
shared by every test of the module; ``plan-test``, ``simulate-test`` and ``evaluate`` run on it.
"""
from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from acordo.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
EMPTY = "low_late_chronic"
N = 600  # every occupied segment keeps debtors (the smallest 4), one is left empty


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    """A run directory (with its test plan), the portfolio, the simulated test's history and its evaluation."""
    from acordo.evaluate import run_evaluate, simulate_test
    from acordo.pipeline import prepare, run_all
    from acordo.plantest import run_plan_test
    from scenarios.segmentation import assign_segments
    from scenarios.synthetic import generate_portfolio
    d = tmp_path_factory.mktemp("treatments")
    frame = generate_portfolio(N + 200, np.random.default_rng(21))
    probe = prepare(BASE)
    seg = assign_segments(probe.scenario, frame)
    frame = frame.filter(pl.Series(seg != probe.scenario.segment_names.index(EMPTY))).head(N)
    # CPF-like ids with leading zeros, as a team's export would carry them
    frame = frame.with_columns(pl.Series("debtor_id", [f"{(i * 7919) % 10**11:011d}" for i in range(frame.height)]))
    portfolio = d / "book.csv"
    frame.write_csv(portfolio)
    run = d / "run"
    run_all(BASE, run, portfolio=portfolio, replications=3, sensitivity_replications=2, cache_dir=d / "cache")
    first = (run / "treatments.csv").read_bytes()
    plan = run_plan_test(run)
    history = simulate_test(run, d / "history", seed=5)
    evaluation = run_evaluate(run, history)
    return {"dir": d, "run": run, "portfolio": portfolio, "ids": frame["debtor_id"], "plan": plan,
            "history": history, "evaluation": evaluation, "first_treatments": first}


def _treatments(trial) -> pl.DataFrame:
    return pl.read_csv(trial["run"] / "treatments.csv", schema_overrides={"debtor_id": pl.String})


def test_one_row_per_debtor_with_the_raw_ids_of_the_input_and_no_others(trial):
    t = _treatments(trial)
    assert t.height == N
    assert t["debtor_id"].to_list() == trial["ids"].to_list()  # same ids, same order, leading zeros kept
    assert pl.read_parquet(trial["run"] / "treatments.parquet")["debtor_id"].to_list() == trial["ids"].to_list()
    assert set(t["arm"].unique()) <= {"champion", "challenger"}
    assert EMPTY not in set(t["segment"])


def test_the_treatment_file_is_private_and_the_only_output_with_raw_ids(trial):
    run = trial["run"]
    for name in ("treatments.csv", "treatments.parquet"):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o600
    manifest = json.loads((run / "manifest.json").read_text())
    assert set(manifest["personal_data"]) == {"treatments.csv", "treatments.parquet"}
    assert manifest["treatments"]["rows"] == N
    ids = set(trial["ids"].to_list())
    for path in sorted(run.rglob("*")):
        if path.name.startswith("treatments.") or not path.is_file():
            continue
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            for col in frame.columns:
                if frame[col].dtype == pl.String:
                    assert not ids & set(frame[col].drop_nulls().to_list()), (path.name, col)
        elif path.suffix in (".json", ".mps", ".csv"):
            tokens = set(re.findall(r"[0-9A-Za-z_]+", path.read_text(errors="replace")))
            assert not ids & tokens, path.name
    # the report's pages carry no id either
    from reports.document import build_pages
    from reports.rundata import load_run
    tokens = set(re.findall(r"[0-9A-Za-z_]+", " ".join(_texts(build_pages(load_run(run), "en")))))
    assert not ids & tokens


def _texts(figures) -> list[str]:
    out = []
    for fig in figures:
        out += [t.get_text() for t in fig.texts]
        for ax in fig.axes:
            out += [t.get_text() for t in ax.texts] + [ax.get_title()]
            out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
            legend = ax.get_legend()
            if legend is not None:
                out += [t.get_text() for t in legend.get_texts()]
    return out


def test_shares_per_segment_and_arm_match_the_policy_within_one_debtor(trial):
    from acordo.pipeline import prepare
    from acordo.treatments import treatment_table
    from scenarios.schema import OfferShare, Policy
    prepared = prepare(BASE, trial["portfolio"])
    mixed = Policy(offers=(OfferShare(0.1, 1, 0.37), OfferShare(0.3, 6, 0.33), OfferShare(0.5, 12, 0.30)))
    share = {s: 0.3 for s in prepared.scenario.segment_names}
    t = treatment_table(prepared, mixed, prepared.scenario.baseline, share)
    counts = t.group_by("segment", "arm", "discount").len()
    for (segment,), part in t.group_by("segment"):
        n = part.height
        n_c = int((part["arm"] == "challenger").sum())
        assert abs(n_c - 0.3 * n) < 1
        for o in mixed.offers:
            got = counts.filter((pl.col("segment") == segment) & (pl.col("arm") == "challenger")
                                & (pl.col("discount") == o.discount))["len"].sum()
            assert abs(got - o.share * n_c) < 1, (segment, o)
        for o in prepared.scenario.baseline.offers_for(segment):
            got = counts.filter((pl.col("segment") == segment) & (pl.col("arm") == "champion")
                                & (pl.col("discount") == o.discount))["len"].sum()
            assert abs(got - o.share * (n - n_c)) < 1, (segment, o)
    # the test plan's arms, as written by plan-test
    planned = _treatments(trial)
    for r in trial["plan"].table.iter_rows(named=True):
        part = planned.filter(pl.col("segment") == r["segment"])
        assert abs(int((part["arm"] == "challenger").sum()) - r["challenger_share"] * part.height) < 1
        assert int((part["arm"] == "challenger").sum()) == r["challenger"]


def test_the_same_run_gives_identical_treatment_files(trial):
    from acordo.plantest import run_plan_test
    run = trial["run"]
    before = {n: (run / n).read_bytes() for n in ("treatments.csv", "treatments.parquet", "test_plan.json")}
    run_plan_test(run)
    assert before == {n: (run / n).read_bytes() for n in before}
    # a run's file (everyone in the challenger arm) is the same bytes as a fresh assignment of its policy
    out = trial["dir"] / "assigned.csv"
    (run / "test_plan.json").rename(run / "test_plan.hidden")
    try:
        assert main(["assign", str(run), "--portfolio", str(trial["portfolio"]), "--out", str(out)]) == 0
    finally:
        (run / "test_plan.hidden").rename(run / "test_plan.json")
    assert out.read_bytes() == trial["first_treatments"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert main(["assign", str(run), "--portfolio", str(trial["portfolio"]), "--out", str(out)]) == 2  # no --force


def test_money_columns_are_the_simulators_schedule(trial):
    from optimizer.assignment import ArmOffers, schedule
    from scenarios.loader import load_scenario
    t = _treatments(trial)
    sc = load_scenario(BASE)
    assert np.allclose(t["discounted_amount"], np.round(t["balance"] * (1 - t["discount"]), 2), atol=0.006)
    # the engine's own offers in the simulated test: same schedule on the amount owed that day
    offers = pl.read_parquet(trial["history"] / "offers.parquet")
    from scenarios.pseudonym import pseudonymise
    keyed = t.with_columns(pseudonymise(t["debtor_id"]).alias("debtor_id"))
    o = offers.join(keyed, on="debtor_id", suffix="_t")
    assert o.height > 50
    assert np.allclose(o["discount"], o["discount_t"]) and (o["installments"] == o["installments_t"]).all()
    money = schedule(o["amount_owed"].to_numpy(), ArmOffers(o["discount_t"].to_numpy(), o["installments_t"].to_numpy(),
                                                            o["down_payment_share_t"].to_numpy(), np.zeros(o.height)), sc)
    assert np.allclose(money["first_payment"], o["first_payment"], rtol=1e-9, atol=1e-6)
    assert np.allclose(money["installment_value"], o["installment_amount"], rtol=1e-9, atol=1e-6)
    # at the portfolio date the file shows that schedule, rounded to cents
    start = schedule(t["balance"].to_numpy(), ArmOffers(t["discount"].to_numpy(), t["installments"].to_numpy(),
                                                        t["down_payment_share"].to_numpy(), np.zeros(t.height)), sc)
    assert np.allclose(t["installment_value"], np.round(start["installment_value"], 2))
    assert (t["payments"].to_numpy() == start["payments"]).all()
    lump = t.filter(pl.col("payments") == 1)
    assert (lump["installment_value"] == 0).all() and (lump["down_payment"] == 0).all()


def test_an_empty_segment_is_in_no_lp_row_no_policy_and_listed_once_in_the_report(trial, capsys):
    run = trial["run"]
    solution = json.loads((run / "solution.json").read_text())
    assert not [c["name"] for c in solution["constraints"] if EMPTY in c["name"]]
    assert EMPTY not in json.loads((run / "policy.json").read_text())["policy"]["segments"]
    from reports.document import build_pages
    from reports.rundata import load_run
    data = load_run(run)
    assert data.empty_segments == (EMPTY,) and EMPTY not in data.segment_names
    texts = _texts(build_pages(data, "en"))
    assert sum(t.count(EMPTY) for t in texts) == 1
    assert any("Empty segments" in t and EMPTY in t for t in texts)
    assert main(["validate", str(BASE), "--portfolio", str(trial["portfolio"])]) == 0
    err = capsys.readouterr().err
    empty = next(line for line in err.splitlines() if "segments with no debtors" in line)
    assert EMPTY in empty and empty.startswith("warning: ")
    assert any("segments under 30 debtors" in line and "low_early_chronic" in line for line in err.splitlines())


def test_plan_test_writes_a_plan_per_occupied_segment(trial):
    plan = json.loads((trial["run"] / "test_plan.json").read_text())
    rows = {r["segment"]: r for r in plan["segments"]}
    assert EMPTY not in rows and len(rows) == 11
    for r in rows.values():
        assert r["challenger"] + r["champion"] == r["debtors"]
        lo, hi = r["predicted_diff_ci95"]
        assert lo <= r["predicted_diff"] <= hi
        if not r["same_policy"] and r["needed_total"] > 0:
            # the debtors needed detect the predicted difference: the detectable difference with
            # that many debtors in the chosen split is the predicted one
            from simulation.power import detectable_mean
            assert detectable_mean(r["sd_per_debtor"], r["needed_challenger"], r["needed_champion"]) \
                == pytest.approx(abs(r["predicted_diff"]), rel=0.01)
    assert plan["overall"]["debtors"] == N


def test_evaluate_measures_the_simulator_and_recovers_the_simulated_difference(trial):
    from acordo.evaluate import debtor_outcomes, load_test_history
    from acordo.pipeline import prepare
    from simulation.model import OfferPlan
    from simulation.montecarlo import run_monte_carlo
    ev = trial["evaluation"]
    data = json.loads((ev.directory / "evaluation.json").read_text())
    assert (ev.directory / "evaluation.pdf").stat().st_size > 0
    prepared = prepare(BASE, trial["portfolio"])
    t = _treatments(trial)
    # what evaluate measures per debtor is the simulator's own net recovery
    outcomes = debtor_outcomes(load_test_history(trial["history"]), prepared.scenario)
    assert outcomes.height == N
    # the simulated difference: every debtor under its challenger offer against its champion offer,
    # on common random numbers (replications average the draws out)
    from optimizer.assignment import assign_offers, split_arms
    ids = t["debtor_id"]
    seg = prepared.model.seg
    both = {}
    for arm in (0, 1):
        offers = assign_offers(ids, seg, np.full(N, arm), prepared.scenario,
                               (prepared.scenario.baseline, _policy(trial, prepared)))
        res = run_monte_carlo(prepared.model, OfferPlan(fixed=(offers.discount, offers.installments,
                                                               offers.down_payment_share)), seed=99, replications=4)
        both[arm] = res.values("net_npv") / N
    truth = float(np.mean(both[1] - both[0]))
    overall = next(r for r in data["rows"] if r["segment"] == "ALL" and r["metric"] == "net_recovery")
    assert overall["ci95_low"] <= truth <= overall["ci95_high"]
    assert overall["n_challenger"] + overall["n_champion"] == N
    assert split_arms(ids, seg, {}).sum() == N  # default: everyone in the challenger arm


def _policy(trial, prepared):
    from scenarios.loader import load_policy
    return load_policy(trial["run"] / "policy.json", prepared.scenario)


def test_the_frontier_plots_net_recovery_with_the_chosen_point_on_it(trial):
    from reports import figures as F
    from reports.rundata import load_run
    data = load_run(trial["run"])
    ax = F.fig_frontier(data, "en")
    line, star = ax.lines[0], next(li for li in ax.lines if li.get_marker() == "*")
    front = data.frontier.filter(pl.col("status") == "OPTIMAL").sort("give_away")
    assert np.allclose(line.get_ydata(), front["net"].to_numpy())
    assert star.get_ydata()[0] == pytest.approx(data.solution["net"])
    # the chosen point is on the frontier, or below it by at most what the tie-break may give
    # up for offers within noise (its tolerance and the tied segments' bound, solution.json)
    on_front = float(np.interp(star.get_xdata()[0], line.get_xdata(), line.get_ydata()))
    tie = data.solution.get("tie_break") or {}
    given_up = float(tie.get("tolerance", 0.0)) + float(tie.get("tied_bound", 0.0))
    assert on_front - given_up - 1e-6 * abs(on_front) <= star.get_ydata()[0] <= on_front * (1 + 1e-3) + 1.0
    marginal = F.fig_frontier_marginal(data, "en")
    assert not [t for t in marginal.texts if "break" in t.get_text().lower()]
    assert not [li for li in marginal.lines if list(li.get_ydata()) == [1000.0, 1000.0]]
