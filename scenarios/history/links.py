"""The tables of a history against each other: accounts, debtors, entry dates, offers and agreements.

Every event row belongs to one *account*: the ``accounts`` row of its debtor with the latest
entry on or before the event (a debtor who re-entered collections has one account per entry).
A month-level date is compared by its whole month: an event is before entry only when the last
day it may have happened is before the first day the debtor may have entered.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import polars as pl

from scenarios.history.checks import TableCheck
from scenarios.history.spec import OFFER_MATCH_DAYS, TABLES

__all__ = ["check_accounts", "check_links", "censor", "attach_accounts", "infer_payment_kinds"]

_EVENT_TABLES = tuple(t for t in TABLES if t != "accounts")


def _hi(frame: pl.DataFrame, col: str = "date") -> pl.Expr:
    """The last day a (possibly month-level) date may be."""
    flag = f"{col}_month"
    if flag in frame.columns:
        return pl.when(pl.col(flag)).then(pl.col(col).dt.month_end()).otherwise(pl.col(col))
    return pl.col(col)


def _key(accounts: pl.DataFrame) -> pl.DataFrame:
    return (accounts.select("debtor_id", pl.col("entry_date").alias("_entry"))
            .with_row_index("account").with_columns(pl.col("account").cast(pl.Int64)))


def _assign(frame: pl.DataFrame, key: pl.DataFrame, unique: bool) -> pl.DataFrame:
    """``account`` and ``_entry`` of each row of an event table (null when none fits)."""
    if unique:  # join on a 64-bit hash of the id (fast), checked against the ids themselves
        base = frame.select("debtor_id", _hi(frame).alias("_hi"), pl.col("debtor_id").hash(7).alias("_h"))
        hkey = key.with_columns(pl.col("debtor_id").hash(7).alias("_h")).rename({"debtor_id": "_id"})
        out = base.join(hkey, on="_h", how="left", maintain_order="left")
        if out.height == base.height and bool(out.select((pl.col("_id").is_null()
                                                         | (pl.col("_id") == pl.col("debtor_id"))).all()).item()):
            return out.select("account", "_entry", "_hi")
        base = base.drop("_h")  # a hash collision: join on the ids
        return base.join(key, on="debtor_id", how="left", maintain_order="left").select("account", "_entry", "_hi")
    base = frame.select("debtor_id", _hi(frame).alias("_hi")).with_row_index("_r")
    out = (base.drop_nulls("_hi").sort("_hi")
           .join_asof(key.drop_nulls("_entry").sort("_entry"), left_on="_hi", right_on="_entry",
                      by="debtor_id", strategy="backward", check_sortedness=False))
    out = base.join(out.select("_r", "account", "_entry"), on="_r", how="left", maintain_order="left")
    return out.select("account", "_entry", "_hi")


def check_accounts(frames: dict[str, pl.DataFrame], check: TableCheck) -> None:
    """Duplicated accounts: the same debtor and the same entry date (a later entry is a re-entry)."""
    acc = frames["accounts"]
    dup = pl.struct("debtor_id", "entry_date").is_duplicated()
    mask = acc.select((dup & pl.col("debtor_id").is_not_null() & pl.col("entry_date").is_not_null())
                      .alias("d")).to_series()
    check.report(mask, "debtor_id", "duplicated (the same debtor_id and entry_date)", None,
                 "each account once; a re-entry has a later entry_date")


def check_links(frames: dict[str, pl.DataFrame], checks: dict[str, TableCheck]) -> dict[str, pl.Series]:
    """Unknown debtors, rows dated before entry, accepted offers without agreement, agreement statuses.

    Returns the ``account`` of every row of each event table (for :func:`attach_accounts`).
    """
    acc = frames["accounts"]
    key = _key(acc)
    unique = acc["debtor_id"].n_unique() == acc.height
    known = acc["debtor_id"].drop_nulls().unique().implode()
    links: dict[str, pl.Series] = {}
    for name in _EVENT_TABLES:
        if name not in frames:
            continue
        frame, chk = frames[name], checks[name]
        ids = frame["debtor_id"]
        link = _assign(frame, key, unique)
        links[name] = link["account"]
        missing = link["account"].is_null() & ids.is_not_null()
        unknown = missing & ~ids.is_in(known) if bool(missing.any()) else missing
        chk.report(unknown, "debtor_id", "for a debtor not in accounts", None, "a debtor_id of accounts")
        early = (~unknown & ids.is_not_null() & frame["date"].is_not_null()
                 & (link["account"].is_null() | (link["_hi"] < link["_entry"])))
        chk.report(early, "date", "before the debtor entered collections", None, "on or after entry_date in accounts")
    if "offers" in frames and "agreements" in frames:
        _offers_without_agreement(frames["offers"], frames["agreements"], checks["offers"])
    if "agreements" in frames:
        _agreement_status(frames["agreements"], checks["agreements"])
    return links


def _offers_without_agreement(offers: pl.DataFrame, agreements: pl.DataFrame, check: TableCheck) -> None:
    if "accepted" not in offers.columns or "date" not in offers.columns or "date" not in agreements.columns:
        return
    off = (offers.select("debtor_id", pl.col("date").alias("_lo"), _hi(offers).alias("_hi"),
                         pl.col("accepted")).with_row_index("_r")
           .filter(pl.col("accepted").fill_null(False)))
    ag = agreements.select("debtor_id", pl.col("date").alias("_alo"), _hi(agreements).alias("_ahi"))
    match = (off.join(ag, on="debtor_id", how="inner")
             .filter((pl.col("_ahi") >= pl.col("_lo"))
                     & (pl.col("_alo") <= pl.col("_hi") + pl.duration(days=OFFER_MATCH_DAYS)))
             .get_column("_r").unique())
    bad = np.zeros(offers.height, bool)
    rows = off.get_column("_r").to_numpy()
    bad[rows] = True
    bad[match.to_numpy()] = False
    check.report(pl.Series(bad), "accepted", "accepted, but the debtor has no agreement from the offer's date",
                 None, f"an agreement of the debtor dated within {OFFER_MATCH_DAYS} days after the offer")


def _agreement_status(agreements: pl.DataFrame, check: TableCheck) -> None:
    if "status_date" not in agreements.columns or "status" not in agreements.columns:
        return
    closed = agreements["status"].is_in(["kept", "broken"])
    check.report(closed & agreements["status_date"].is_null(), "status_date", "empty for a kept or broken agreement",
                 None, "the date it was kept or broken")
    if "date" in agreements.columns:
        before = agreements.select(_hi(agreements, "status_date") < pl.col("date")).to_series()
        check.report(before, "status_date", "before the agreement's date", None, "on or after date")


def censor(frames: dict[str, pl.DataFrame], as_of: _dt.date) -> tuple[dict[str, pl.DataFrame], dict[str, int],
                                                                      dict[str, np.ndarray]]:
    """What was observed by ``as_of``: later rows and accounts left out, later statuses undone.

    Returns the frames, the rows left out per table and each table's kept-row mask.
    """
    out, dropped, keep = {}, {}, {}
    for name, frame in frames.items():
        col = "entry_date" if name == "accounts" else "date"
        mask = frame.select(pl.col(col).is_null() | (pl.col(col) <= as_of)).to_series()
        keep[name] = mask.to_numpy()
        frame = frame.filter(mask)
        dropped[name] = int((~mask).sum())
        if name == "agreements" and "status_date" in frame.columns:
            late = frame["status_date"].is_not_null() & (frame["status_date"] > as_of)
            frame = frame.with_columns(
                status=pl.when(late).then(pl.lit("active")).otherwise(pl.col("status")),
                status_date=pl.when(late).then(None).otherwise(pl.col("status_date")))
        out[name] = frame
    return out, dropped, keep


def attach_accounts(frames: dict[str, pl.DataFrame], links: dict[str, pl.Series],
                    keep: dict[str, np.ndarray]) -> dict[str, pl.DataFrame]:
    """Add ``account`` (the ``accounts`` row) to every event table, after :func:`censor`.

    ``links`` are the accounts found before censoring; they still hold when no account was
    left out, else they are found again.
    """
    acc = frames["accounts"]
    out = {"accounts": acc}
    same = bool(keep["accounts"].all())
    key = None if same else _key(acc)
    unique = same or acc["debtor_id"].n_unique() == acc.height
    for name, frame in frames.items():
        if name == "accounts":
            continue
        if same:
            account = links[name] if keep[name].all() else links[name].filter(pl.Series(keep[name]))
        else:
            account = _assign(frame, key, unique)["account"]
        out[name] = frame.with_columns(account.alias("account"))
    return out


def infer_payment_kinds(frames: dict[str, pl.DataFrame], as_of: _dt.date) -> pl.DataFrame:
    """``kind`` of payments when the file has none (``kind_inferred`` is then true).

    A payment dated within an agreement of its account (from its date to its status date, or
    to ``as_of`` while active) is ``agreement``; else one after an agency hand-over of the
    account is ``agency``; else the account's payments are ``self_cure`` when together they
    reach the balance at entry, ``partial`` when they do not.
    """
    pay = frames["payments"].with_row_index("_r")
    kind = np.full(pay.height, "", dtype=object)
    ag = frames.get("agreements")
    if ag is not None and ag.height:
        end = pl.coalesce("status_date", pl.lit(as_of)) if "status_date" in ag.columns else pl.lit(as_of)
        spans = ag.select("account", pl.col("date").alias("_a"), end.alias("_end")).drop_nulls(["account", "_a"])
        j = (pay.select("_r", "account", "date").drop_nulls().sort("date")
             .join_asof(spans.sort("_a"), left_on="date", right_on="_a", by="account", strategy="backward", check_sortedness=False)
             .filter(pl.col("_a").is_not_null() & (pl.col("date") <= pl.col("_end"))))
        kind[j["_r"].to_numpy()] = "agreement"
    ev = frames.get("events")
    if ev is not None and ev.height:
        first = (ev.filter(pl.col("kind") == "agency").group_by("account").agg(pl.col("date").min().alias("_g")))
        j = pay.select("_r", "account", "date").join(first, on="account", how="inner")
        rows = j.filter(pl.col("date") >= pl.col("_g"))["_r"].to_numpy()
        rows = rows[kind[rows] == ""]
        kind[rows] = "agency"
    rest = np.flatnonzero(kind == "")
    if rest.size:
        acc_idx = pay["account"].to_numpy()[rest]
        amount = pay["amount"].to_numpy()[rest]
        balance = frames["accounts"]["balance"].to_numpy()
        ok = ~np.isnan(acc_idx.astype(np.float64))
        total = np.zeros(balance.size)
        np.add.at(total, acc_idx[ok].astype(np.int64), amount[ok])
        clears = np.zeros(rest.size, bool)
        clears[ok] = total[acc_idx[ok].astype(np.int64)] >= balance[acc_idx[ok].astype(np.int64)] * (1 - 1e-9)
        kind[rest] = np.where(clears, "self_cure", "partial")
    return frames["payments"].with_columns(pl.Series("kind", kind.astype(str)), kind_inferred=pl.lit(True))
