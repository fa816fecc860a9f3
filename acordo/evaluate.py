"""``acordo evaluate``: what a champion/challenger test gave, against what the run predicted.

The test's history (the format of ``docs/history.md``: ``accounts`` and ``payments``, and
``contacts``, ``agreements``, ``events`` when given) is joined with the run's treatment
file by the pseudonym of ``debtor_id`` (:mod:`scenarios.pseudonym`; a simulated history
from ``acordo simulate-test`` already carries pseudonyms). The history is read and validated by
:func:`scenarios.history.read_history`. Per debtor, over the test period:

- collected: the sum of the payments;
- net recovery: the NPV of the payments less the NPV of what the test cost, as the
  simulator counts it (``docs/model.md``): each contact attempt's channel cost, the call
  minutes at the agent cost, each listing's cost and the agency commission on agency
  payments; NPV at the scenario's discount rate from the test's start (the first entry date);
- give-away: the discounts of the agreements kept (``amount * d / (1 - d)`` when the
  agreement carries its discounted ``amount``, else ``balance * d``);
- agreements kept: whether the debtor kept an agreement (a share per arm).

Per segment and for the whole portfolio: the mean per debtor in each arm, and the
two-sample 95% interval of the difference (challenger minus champion; Welch's unequal
variances, :class:`statsmodels.stats.weightstats.CompareMeans`; the whole portfolio is the
debtor-weighted sum of the segments' differences, a stratified estimate), against the run's
predicted difference (``test_plan.json``). Written: ``evaluation.json`` and
``evaluation.pdf`` (:mod:`reports.evaluation`); raw ids appear in neither.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

from scenarios.errors import InputError, Problem
from scenarios.pseudonym import pseudonymise

__all__ = ["METRICS", "MIN_ARM", "Evaluation", "load_test_history", "debtor_outcomes", "evaluate", "run_evaluate",
           "simulate_test"]

#: Fewest debtors in an arm for a two-sample interval (one debtor has no spread).
MIN_ARM = 2
#: Metrics per debtor, in report order.
METRICS: tuple[str, ...] = ("net_recovery", "collected", "give_away", "kept")


def load_test_history(directory: str | Path) -> dict[str, pl.DataFrame]:
    """The tables of the test's history, read and validated by :func:`scenarios.history.read_history`.

    Ids come back pseudonymised (a simulated history's pseudonyms are kept as they are).
    """
    from scenarios.history import read_history
    return dict(read_history(directory).tables)


def debtor_outcomes(history: dict[str, pl.DataFrame], scenario) -> pl.DataFrame:
    """Per account: ``debtor_id`` and the four :data:`METRICS` over the history's period."""
    acc = history["accounts"].sort("entry_date").unique("debtor_id", keep="first", maintain_order=True) \
        .select("debtor_id", "entry_date", "balance")
    start = acc["entry_date"].min()
    rate = scenario.money.annual_discount_rate
    disc = lambda col: (1.0 + rate) ** (-(pl.col(col) - pl.lit(start)).dt.total_days() / 365.0)  # noqa: E731
    pay = history["payments"]
    kind = pay["kind"] if "kind" in pay.columns else pl.Series([None] * pay.height, dtype=pl.String)
    pay = pay.with_columns(kind.alias("kind")).with_columns(disc("date").alias("df"))
    commission = scenario.escalation.agency_commission
    parts = [pay.group_by("debtor_id").agg(
        pl.col("amount").sum().alias("collected"),
        (pl.col("amount") * pl.col("df")).sum().alias("npv"),
        (pl.when(pl.col("kind") == "agency").then(pl.col("amount") * commission).otherwise(0.0) * pl.col("df"))
        .sum().alias("c_agency"))]
    if "contacts" in history:
        ch = scenario.channels
        price = {c: getattr(ch, c).cost for c in ("sms", "email", "whatsapp", "call", "letter")}
        per_min = scenario.agents.cost_per_hour / 60.0
        con = history["contacts"]
        minutes = pl.col("minutes").fill_null(0.0) if "minutes" in con.columns else pl.lit(0.0)
        parts.append(con.with_columns(disc("date").alias("df")).group_by("debtor_id").agg(
            ((pl.col("channel").replace_strict(price, default=0.0, return_dtype=pl.Float64) + minutes * per_min)
             * pl.col("df")).sum().alias("c_contact")))
    if "events" in history:
        parts.append(history["events"].filter(pl.col("kind") == "negativacao").with_columns(disc("date").alias("df"))
                     .group_by("debtor_id").agg((pl.col("df") * scenario.escalation.negativacao_cost).sum()
                                                .alias("c_listing")))
    if "agreements" in history:
        ag = history["agreements"].filter(pl.col("status") == "kept").join(acc, on="debtor_id", how="left")
        give = (pl.col("amount") * pl.col("discount") / (1 - pl.col("discount"))) if "amount" in ag.columns \
            else pl.col("balance") * pl.col("discount")
        parts.append(ag.group_by("debtor_id").agg(give.sum().alias("give_away"), pl.lit(1.0).alias("kept")))
    out = acc.select("debtor_id")
    for p in parts:
        out = out.join(p, on="debtor_id", how="left")
    for col in ("collected", "npv", "c_agency", "c_contact", "c_listing", "give_away", "kept"):
        out = out.with_columns((pl.col(col) if col in out.columns else pl.lit(0.0)).fill_null(0.0).alias(col))
    cost = pl.col("c_agency") + pl.col("c_contact") + pl.col("c_listing")
    return out.select("debtor_id", (pl.col("npv") - cost).alias("net_recovery"), "collected", "give_away", "kept")


def _arms(treatments: pl.DataFrame) -> pl.DataFrame:
    """Treatment rows keyed by pseudonym, as the history reader keys its tables."""
    t = treatments.select("debtor_id", "segment", "arm")
    return t.with_columns(pseudonymise(t["debtor_id"]).alias("debtor_id"))


def _diff_ci(c: np.ndarray, b: np.ndarray) -> tuple[float, float, float, float]:
    """Challenger minus champion: difference, its standard error and the Welch 95% interval."""
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
    if c.size < MIN_ARM or b.size < MIN_ARM:
        d = float(c.mean() - b.mean()) if c.size and b.size else float("nan")
        return d, float("nan"), float("nan"), float("nan")
    d = float(c.mean() - b.mean())
    if c.var() == 0 and b.var() == 0:  # no spread in either arm (e.g. nobody kept an agreement)
        return d, 0.0, d, d
    cm = CompareMeans(DescrStatsW(c), DescrStatsW(b))
    lo, hi = cm.tconfint_diff(alpha=0.05, usevar="unequal")
    return d, float(cm.std_meandiff_separatevar), float(lo), float(hi)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """What the test measured: one row per (segment, metric), ``ALL`` for the whole portfolio."""

    table: pl.DataFrame
    directory: Path
    start: str
    end: str

    @property
    def min_arm(self) -> int:
        """Fewest debtors in an arm for an interval (:data:`MIN_ARM`)."""
        return MIN_ARM

    def to_dict(self) -> dict:
        """``evaluation.json``."""
        return {"period": [self.start, self.end], "interval": "two-sample 95% (Welch), challenger minus champion",
                "rows": self.table.to_dicts()}

    def summary(self) -> str:
        """Per segment the measured difference in net recovery per debtor against the predicted one (no ids).

        An arm with fewer than two debtors has no spread, so its segment gets no interval: the
        difference is shown as ``–`` (a number is never stated without its uncertainty) and a
        closing line says why.
        """
        from reports.evaluation import too_few_note
        lines = [f"champion/challenger test {self.start} to {self.end}: net recovery per debtor, challenger minus "
                 "champion (95% two-sample interval) against the run's prediction",
                 f"{'segment':<20}{'chall.':>7}{'champ.':>7}{'measured [95% CI]':>34}{'predicted [95% CI]':>34}  agrees"]
        for r in self.table.filter(pl.col("metric") == "net_recovery").iter_rows(named=True):
            meas = f"{r['diff']:,.2f} [{r['ci95_low']:,.2f}, {r['ci95_high']:,.2f}]" \
                if _finite(r["diff"], r["ci95_low"], r["ci95_high"]) else "–"
            pred = f"{r['predicted']:,.2f} [{r['predicted_low']:,.2f}, {r['predicted_high']:,.2f}]" \
                if _finite(r["predicted"], r["predicted_low"], r["predicted_high"]) else "–"
            agree = {True: "yes", False: "NO", None: "–"}[r["agrees"]]
            lines.append(f"{r['segment']:<20}{r['n_challenger']:>7,}{r['n_champion']:>7,}{meas:>34}{pred:>34}  {agree}")
        note = too_few_note(self.table, "en", MIN_ARM)
        if note:
            lines.append(note)
        return "\n".join(lines)


def _finite(*values: float | None) -> bool:
    """Every value is a finite number."""
    return all(v is not None and math.isfinite(v) for v in values)


def _predictions(run_dir: Path) -> tuple[dict[str, tuple[float, float, float]], dict[str, int]]:
    plan = run_dir / "test_plan.json"
    if plan.is_file():
        data = json.loads(plan.read_text(encoding="utf-8"))
        rows = data["segments"]
    else:
        from acordo.plantest import design_test
        rows = design_test(run_dir).table.to_dicts()
    return ({r["segment"]: (r["predicted_diff"], *r["predicted_diff_ci95"]) for r in rows},
            {r["segment"]: int(r["debtors"]) for r in rows})


def evaluate(run_dir: str | Path, history: dict[str, pl.DataFrame], scenario, out: Path) -> Evaluation:
    """Measure the test of ``run_dir`` from the ``history`` tables (see the module docstring)."""
    run_dir = Path(run_dir)
    treatments = pl.read_parquet(run_dir / "treatments.parquet")
    outcomes = debtor_outcomes(history, scenario)
    joined = outcomes.join(_arms(treatments), on="debtor_id", how="inner")
    if joined.height == 0:
        raise InputError([Problem("accounts", "debtor_id", "no account of the history is in the run's treatment "
                                  "file", f"{outcomes.height} accounts", "the debtors of the test")])
    predicted, sizes = _predictions(run_dir)
    rows = []
    segments = [s for s in sizes if s in set(treatments["segment"].to_list())]
    strata: dict[str, list] = {m: [] for m in METRICS}
    for seg in segments:
        part = joined.filter(pl.col("segment") == seg)
        c, b = part.filter(pl.col("arm") == "challenger"), part.filter(pl.col("arm") == "champion")
        for m in METRICS:
            yc, yb = c[m].to_numpy(), b[m].to_numpy()
            d, se, lo, hi = _diff_ci(yc, yb)
            pred = predicted.get(seg) if m == "net_recovery" else None
            rows.append(_row(seg, m, yc, yb, d, se, lo, hi, pred))
            if yc.size >= MIN_ARM and yb.size >= MIN_ARM:
                strata[m].append((part.height, d, se, pred))
    for m in METRICS:
        s = strata[m]
        if not s:
            continue
        w = np.array([n for n, *_ in s], float) / sum(n for n, *_ in s)
        d = float(np.dot(w, [x[1] for x in s]))
        se = float(math.sqrt(np.dot(w ** 2, [x[2] ** 2 for x in s])))
        z = stats.norm.ppf(0.975)
        pred = None
        if m == "net_recovery" and all(x[3] is not None for x in s):
            p = float(np.dot(w, [x[3][0] for x in s]))
            half = float(math.sqrt(np.dot(w ** 2, [((x[3][2] - x[3][1]) / 2) ** 2 for x in s])))
            pred = (p, p - half, p + half)
        yc = joined.filter(pl.col("arm") == "challenger")[m].to_numpy()
        yb = joined.filter(pl.col("arm") == "champion")[m].to_numpy()
        rows.append(_row("ALL", m, yc, yb, d, se, d - z * se, d + z * se, pred))
    dates = pl.concat([history["payments"]["date"], history["accounts"]["entry_date"]]).drop_nulls()
    return Evaluation(pl.DataFrame(rows), out, str(dates.min()), str(dates.max()))


def _row(seg: str, metric: str, yc: np.ndarray, yb: np.ndarray, d: float, se: float, lo: float, hi: float,
         pred: tuple[float, float, float] | None) -> dict:
    agrees = None
    if pred is not None and math.isfinite(lo):
        agrees = bool(lo <= pred[0] <= hi)
    return {"segment": seg, "metric": metric, "n_challenger": int(yc.size), "n_champion": int(yb.size),
            "challenger": float(yc.mean()) if yc.size else float("nan"),
            "champion": float(yb.mean()) if yb.size else float("nan"),
            "diff": d, "se": se, "ci95_low": lo, "ci95_high": hi,
            "predicted": pred[0] if pred else None, "predicted_low": pred[1] if pred else None,
            "predicted_high": pred[2] if pred else None, "agrees": agrees}


def _scenario_of(run_dir: Path):
    from scenarios.loader import load_scenario
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return load_scenario(manifest.get("scenario_path") or manifest["scenario"]["file"])


def run_evaluate(run_dir: str | Path, history_dir: str | Path, *, out: str | Path | None = None, lang: str = "en",
                 force: bool = False) -> Evaluation:
    """``acordo evaluate``: ``evaluation.json`` and ``evaluation.pdf`` in ``out`` (default ``RUN_DIR/evaluation``)."""
    from acordo.rundir import check_target, run_directory, write_json
    from reports.evaluation import write_evaluation_pdf
    run_dir = Path(run_dir)
    if not (run_dir / "treatments.parquet").is_file():
        raise InputError([Problem(str(run_dir), "", "no treatment file", "no treatments.parquet",
                                  "a run directory of acordo run, with acordo plan-test's arms")])
    target = Path(out) if out is not None else run_dir / "evaluation"
    check_target(target, force)
    result = evaluate(run_dir, load_test_history(history_dir), _scenario_of(run_dir), target)
    with run_directory(target, force) as stage:
        write_json(stage / "evaluation.json", result.to_dict())
        write_evaluation_pdf(result, stage / "evaluation.pdf", lang)
    return result


def simulate_test(run_dir: str | Path, out: str | Path, *, seed: int | None = None, portfolio: str | Path | None = None,
                  force: bool = False) -> Path:
    """``acordo simulate-test``: one replication of the planned test (each debtor shown its treatment's
    offer), written as a history folder (pseudonymised ids) for ``acordo evaluate``."""
    from acordo.pipeline import prepare
    from acordo.rundir import run_directory
    from simulation.history import HistoryRecorder, history_tables, write_history
    from simulation.model import OfferPlan
    from simulation.montecarlo import run_monte_carlo
    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    source = manifest["portfolio"].get("source")
    prepared = prepare(manifest.get("scenario_path") or manifest["scenario"]["file"],
                       portfolio or (source if source and Path(source).is_file() else None))
    t = pl.read_parquet(run_dir / "treatments.parquet")
    ids = prepared.inputs.portfolio.frame["debtor_id"].cast(pl.String)
    if t.height != ids.len() or not t["debtor_id"].equals(ids):
        raise InputError([Problem(str(portfolio or source), "debtor_id", "not the run's portfolio",
                                  f"{ids.len()} debtors", "the debtors of the run's treatment file, in its order")])
    no_calls = ~t["calls"].to_numpy().astype(bool) if "calls" in t.columns else None
    plan = OfferPlan(fixed=(t["discount"].to_numpy(), t["installments"].to_numpy(), t["down_payment_share"].to_numpy()),
                     no_calls=no_calls if no_calls is not None and no_calls.any() else None)
    recorder = HistoryRecorder(prepared.model.n)
    run_monte_carlo(prepared.model, plan, seed=np.random.SeedSequence(
        prepared.scenario.monte_carlo.seed if seed is None else seed, spawn_key=(13,)), replications=1,
        policy_name="test", recorder=recorder)
    with run_directory(out, force) as stage:
        write_history(stage, history_tables(recorder, prepared.model, prepared.inputs.portfolio.frame))
    return Path(out)
