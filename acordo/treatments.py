"""The treatment file: which debtor gets which offer, arm, cadence and call priority.

``treatments.csv`` and ``treatments.parquet`` are the work list that goes back into the
team's collections system. They are the **only** outputs of acordo that carry the team's
raw ``debtor_id`` (personal data: a CPF, say): they are written readable by the owner only
(mode 0600), listed as personal data in ``manifest.json``, and never shown in a report.
See ``docs/treatments.md`` for the columns.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

import numpy as np
import polars as pl

from optimizer.assignment import ARMS, assign_offers, cadence_text, call_priority, schedule, split_arms
from scenarios.errors import InputError, Problem
from scenarios.schema import Policy

__all__ = ["TREATMENT_FILES", "PERSONAL_DATA_NOTE", "treatment_table", "write_treatments", "treatment_manifest",
           "challenger_shares", "run_assign"]

#: The files of a run directory that carry raw debtor ids.
TREATMENT_FILES: tuple[str, str] = ("treatments.csv", "treatments.parquet")
#: What ``manifest.json`` says about them.
PERSONAL_DATA_NOTE = ("raw debtor_id of the team's portfolio, for the team's own collections system; "
                      "readable by the owner only; never shown in a report")


def treatment_table(prepared, challenger: Policy, champion: Policy,
                    challenger_share: Mapping[str, float] | None = None) -> pl.DataFrame:
    """One row per portfolio debtor, in portfolio order.

    Parameters
    ----------
    prepared : acordo.pipeline.Prepared
    challenger, champion : Policy
        The optimized policy and current practice (the scenario's baseline).
    challenger_share : mapping segment -> share, optional
        Share of each segment in the challenger arm (hash-ranked, see
        :mod:`optimizer.assignment`). Default: everyone (a full roll-out).

    Returns
    -------
    polars.DataFrame
        ``debtor_id, segment, arm, discount, installments, down_payment_share, balance,
        discounted_amount, down_payment, installment_value, payments, cadence,
        call_priority, call_rank, calls`` (``calls`` False: the not-called share, which the
        dialler must not queue).
    """
    sc, model = prepared.scenario, prepared.model
    ids = prepared.inputs.portfolio.frame.get_column("debtor_id")
    names = sc.segment_names
    share = {names.index(k): float(v) for k, v in (challenger_share or {}).items()}
    arm = split_arms(ids, model.seg, share)
    offers = assign_offers(ids, model.seg, arm, sc, (champion, challenger))
    money = schedule(model.balance, offers, sc)
    priority = call_priority(model, offers.discount)
    rank = np.empty(model.n, np.int64)
    rank[np.lexsort((np.arange(model.n), -priority))] = np.arange(1, model.n + 1)
    cadence = [cadence_text(sc, s) for s in names]
    return pl.DataFrame({
        "debtor_id": ids.cast(pl.String),
        "segment": pl.Series([names[s] for s in model.seg], dtype=pl.String),
        "arm": pl.Series([ARMS[a] for a in arm], dtype=pl.String),
        "discount": offers.discount,
        "installments": offers.installments.astype(np.int32),
        "down_payment_share": offers.down_payment_share,
        "balance": model.balance,
        "discounted_amount": np.round(money["discounted_amount"], 2),
        "down_payment": np.round(money["down_payment"], 2),
        "installment_value": np.round(money["installment_value"], 2),
        "payments": money["payments"].astype(np.int32),
        "cadence": pl.Series([cadence[s] for s in model.seg], dtype=pl.String),
        "call_priority": priority,
        "call_rank": rank,
        "calls": offers.calls if offers.calls is not None else np.ones(model.n, bool),
    })


def _private(path: Path, write) -> None:
    """Write ``path`` through ``write(fileobj)`` into a 0600 temporary file, then rename it."""
    tmp = path.with_name(f".{path.name}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_treatments(directory: Path, table: pl.DataFrame) -> list[Path]:
    """Write ``treatments.csv`` and ``treatments.parquet`` (mode 0600) into ``directory``."""
    csv, parquet = (Path(directory) / name for name in TREATMENT_FILES)
    _private(csv, lambda fh: table.write_csv(fh))
    _private(parquet, lambda fh: table.write_parquet(fh, statistics=False))
    return [csv, parquet]


def treatment_manifest(table: pl.DataFrame) -> dict:
    """What ``manifest.json`` records of the treatment file: its rows, arms and the personal-data flag."""
    counts = table.group_by("arm").len().sort("arm")
    return {"personal_data": {name: PERSONAL_DATA_NOTE for name in TREATMENT_FILES},
            "treatments": {"rows": table.height,
                           "arms": dict(zip(counts["arm"].to_list(), counts["len"].to_list()))}}


def challenger_shares(run_dir: Path) -> dict[str, float] | None:
    """The challenger share by segment of the run's test plan (``test_plan.json``), if there is one."""
    plan = Path(run_dir) / "test_plan.json"
    if not plan.is_file():
        return None
    data = json.loads(plan.read_text(encoding="utf-8"))
    return {s["segment"]: float(s["challenger_share"]) for s in data.get("segments", [])}


def run_assign(run_dir: str | Path, portfolio: str | Path, out: str | Path, *, force: bool = False) -> pl.DataFrame:
    """``acordo assign``: the run's policy (and test plan) applied to a new portfolio, written to ``out``.

    ``out`` ends in ``.csv`` or ``.parquet``; an existing file is replaced only with ``force``.
    """
    from acordo.pipeline import prepare
    from scenarios.loader import load_policy
    run_dir, out = Path(run_dir), Path(out)
    manifest_path = run_dir / "manifest.json"
    if not (run_dir / "policy.json").is_file() or not manifest_path.is_file():
        raise InputError([Problem(str(run_dir), "", "not a run directory of acordo run or acordo optimize",
                                  "no policy.json or manifest.json", "a run directory")])
    if out.suffix not in (".csv", ".parquet"):
        raise InputError([Problem("--out", "", "unknown file type", out.suffix or "no suffix", ".csv or .parquet")])
    if out.exists() and not force:
        raise InputError([Problem(str(out), "", "exists; use --force to replace it", None, None)])
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    scenario = manifest.get("scenario_path") or manifest.get("scenario", {}).get("file")
    prepared = prepare(scenario, portfolio)
    policy = load_policy(run_dir / "policy.json", prepared.scenario)
    table = treatment_table(prepared, policy, prepared.scenario.baseline, challenger_shares(run_dir))
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".csv":
        _private(out, lambda fh: table.write_csv(fh))
    else:
        _private(out, lambda fh: table.write_parquet(fh, statistics=False))
    return table
