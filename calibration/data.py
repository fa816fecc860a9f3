"""A history prepared for the estimators: integer days, debtor indices, segments.

The estimators never see debtor ids: every table is keyed by the debtor's row in
``accounts`` (``idx``) and every date becomes a day number relative to the debtor's entry
(``t``, day 0 = entry date). A date column that is month-level (every value on the first
of a month, or flagged by the reader) is kept as an interval ``[t_lo, t_hi]`` of the days
of that month.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import polars as pl

from scenarios.schema import CHANNELS, Scenario
from scenarios.segmentation import assign_segments

__all__ = ["CalibData", "prepare_history", "TABLES", "CHANNEL_ORDER", "channel_index"]

TABLES = ("accounts", "payments", "contacts", "offers", "agreements", "events")
#: Order of channels within a day (the model's contact order: letter, email, sms, whatsapp, call).
CHANNEL_ORDER = {"letter": 0, "email": 1, "sms": 2, "whatsapp": 3, "call": 4}
_EPOCH = _dt.date(1970, 1, 1)


def _tables_of(history: Any) -> dict[str, pl.DataFrame | None]:
    """The tables of a reader's ``History`` object or of a plain mapping."""
    if isinstance(history, Mapping):
        return {t: history.get(t) for t in TABLES}
    return {t: getattr(history, t, None) for t in TABLES}


def _month_level(frame: pl.DataFrame, column: str, flagged: set[str], table: str) -> bool:
    if f"{table}.{column}" in flagged or table in flagged:
        return True
    values = frame.get_column(column).drop_nulls()
    return values.len() >= 20 and bool((values.dt.day() == 1).all())


def _days(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame.get_column(column).cast(pl.Date).cast(pl.Int32).fill_null(-10**9).to_numpy()


@dataclass
class CalibData:
    """A history as arrays and day-indexed frames (see the module docstring).

    Attributes
    ----------
    n : int
        Debtors (rows of ``accounts``).
    seg : ndarray (n,) int32
        Segment index (``scenario.segments`` order).
    entry : ndarray (n,) int32
        Entry day (days since 1970-01-01).
    dpd0, balance, chronic : ndarray (n,)
    as_of : int
        Last day observed (days since 1970-01-01).
    first_date, as_of_date : datetime.date
    tables : dict of polars.DataFrame
        The optional tables with ``idx``, ``t`` (day since entry), ``t_hi`` (last possible
        day: ``t`` unless month-level) and their own columns; absent tables are missing.
    month_level : set of str
        ``table.column`` of the month-level date columns.
    """

    scenario: Scenario
    n: int
    seg: np.ndarray
    entry: np.ndarray
    dpd0: np.ndarray
    balance: np.ndarray
    chronic: np.ndarray
    as_of: int
    first_date: _dt.date
    as_of_date: _dt.date
    label: str
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    month_level: set[str] = field(default_factory=set)
    #: The accounts rows as given (the backtest builds a portfolio from them; never written).
    accounts: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def segment_names(self) -> tuple[str, ...]:
        return self.scenario.segment_names

    def has(self, table: str) -> bool:
        """Whether the optional ``table`` is present and has rows."""
        return table in self.tables and self.tables[table].height > 0

    def horizon(self) -> np.ndarray:
        """Last observed day since entry of every debtor (``as_of - entry``)."""
        return (self.as_of - self.entry).astype(np.int64)

    def subset(self, mask: np.ndarray) -> "CalibData":
        """The debtors where ``mask`` is true (indices renumbered), with their rows of every table."""
        keep = np.flatnonzero(mask)
        new = np.full(self.n, -1, np.int64)
        new[keep] = np.arange(keep.size)
        tables = {}
        for name, frame in self.tables.items():
            idx = frame.get_column("idx").to_numpy()
            sel = new[idx] >= 0
            tables[name] = frame.filter(pl.Series(sel)).with_columns(idx=pl.Series(new[idx[sel]]))
        return CalibData(self.scenario, keep.size, self.seg[keep], self.entry[keep], self.dpd0[keep],
                         self.balance[keep], self.chronic[keep], self.as_of, self.first_date, self.as_of_date,
                         self.label, tables, set(self.month_level),
                         None if self.accounts is None else self.accounts[keep])


def prepare_history(scenario: Scenario, history: Any, *, as_of: _dt.date | None = None,
                    label: str = "history", month_level: set[str] | None = None) -> CalibData:
    """Segment the accounts by the scenario's rules and index every table by debtor row.

    Parameters
    ----------
    scenario : Scenario
        Whose segment rules put each account in a segment.
    history : History or mapping of polars.DataFrame
        ``accounts`` and ``payments`` (required) and the optional tables, dates as
        ``pl.Date`` (as the history reader returns them).
    as_of : date, optional
        End of observation; default the latest date of any table.
    label : str
        How the history is named in sources and messages.
    month_level : set of str, optional
        ``table.column`` (or ``table``) date columns known to be month-level.
    """
    raw = _tables_of(history.tables if hasattr(history, "tables") and isinstance(history.tables, Mapping)
                     else history)
    if as_of is None and getattr(history, "as_of", None) is not None:
        as_of = history.as_of
    auto = not hasattr(history, "tables")  # the history reader flags month-level rows itself
    flagged = set(month_level or ()) | set(getattr(history, "month_level", ()) or ())
    acc = raw["accounts"]
    ids = acc.get_column("debtor_id").cast(pl.String)
    frame = acc
    if "prior_delinquencies" not in frame.columns:
        frame = frame.with_columns(prior_delinquencies=pl.lit(0))
    seg = assign_segments(scenario, frame, label=f"{label} accounts")
    entry = _days(acc, "entry_date").astype(np.int32)
    months: set[str] = set()
    if _month_level(acc, "entry_date", flagged, "accounts"):
        months.add("accounts.entry_date")
    last = int(entry.max())
    key = pl.DataFrame({"debtor_id": ids, "idx": np.arange(acc.height, dtype=np.int64), "_entry": entry})
    repeated = ids.n_unique() < ids.len()
    tables: dict[str, pl.DataFrame] = {}
    date_cols = {"payments": "date", "contacts": "date", "offers": "date", "agreements": "date", "events": "date"}
    for name, col in date_cols.items():
        t = raw.get(name)
        if t is None or t.height == 0:
            continue
        if "account" in t.columns:  # the history reader's link to the accounts row (re-entries resolved)
            t = t.filter(pl.col("account").is_not_null()).with_columns(idx=pl.col("account").cast(pl.Int64))
            t = t.drop([c for c in ("debtor_id", "account") if c in t.columns])
        elif repeated:  # re-entries: each row belongs to the debtor's latest account entered on or before it
            t = t.with_columns(pl.col("debtor_id").cast(pl.String), _day=pl.col(col).cast(pl.Date).cast(pl.Int32),
                               _row=pl.int_range(pl.len())).sort("_day")
            t = t.join_asof(key.sort("_entry"), left_on="_day", right_on="_entry", by="debtor_id", strategy="backward",
                            check_sortedness=False)
            t = t.filter(pl.col("idx").is_not_null()).sort("_row").drop("debtor_id", "_day", "_row", "_entry")
        else:
            t = t.with_columns(pl.col("debtor_id").cast(pl.String)).join(key, on="debtor_id", how="inner")
            t = t.drop("debtor_id", "_entry")
        if t.height == 0:
            continue
        day = _days(t, col)
        last = max(last, int(day.max()))
        if "status_date" in t.columns:
            sd = t.get_column("status_date").cast(pl.Date).cast(pl.Int32)
            if sd.drop_nulls().len():
                last = max(last, int(sd.max()))
        idx = t.get_column("idx").to_numpy()
        rel = day - entry[idx]
        hi = rel.copy()
        flag_col = f"{col}_month"
        if flag_col in t.columns:
            rows_ml = t.get_column(flag_col).fill_null(False).to_numpy()
        else:
            rows_ml = np.full(t.height, f"{name}.{col}" in flagged or (auto and _month_level(t, col, flagged, name)))
        if rows_ml.any():
            months.add(f"{name}.{col}")
            ends = t.get_column(col).cast(pl.Date).dt.month_end().cast(pl.Int32).to_numpy()
            hi = np.where(rows_ml, ends - entry[idx], rel)
            rel = np.where(rows_ml, np.maximum(rel, 0), rel)
            last = max(last, int(np.where(rows_ml, ends, day).max()))
        t = t.with_columns(t=pl.Series(rel.astype(np.int64)), t_hi=pl.Series(hi.astype(np.int64)))
        if "status_date" in t.columns:
            sd = t.get_column("status_date").cast(pl.Date).cast(pl.Int32).fill_null(-10**9).to_numpy()
            t = t.with_columns(status_t=pl.Series((sd - entry[idx]).astype(np.int64)))
        tables[name] = t
    stop = last if as_of is None else (as_of - _EPOCH).days
    for name in list(tables):
        tables[name] = tables[name].filter(pl.Series(tables[name].get_column("t").to_numpy()
                                                     + entry[tables[name].get_column("idx").to_numpy()] <= stop))
    if "payments" in tables and "kind" not in tables["payments"].columns:
        tables["payments"] = _infer_kinds(tables["payments"], tables.get("agreements"), acc)
    keep_acc = entry <= stop
    bal = acc.get_column("balance").cast(pl.Float64).to_numpy()
    dpd = acc.get_column("days_past_due").cast(pl.Int64).to_numpy()
    chronic = (frame.get_column("prior_delinquencies").fill_null(0).to_numpy() >= scenario.portfolio.chronic_threshold)
    data = CalibData(scenario, acc.height, seg, entry, dpd, bal, chronic, stop,
                     _EPOCH + _dt.timedelta(days=int(entry.min())), _EPOCH + _dt.timedelta(days=stop), label,
                     tables, months, acc)
    return data if keep_acc.all() else data.subset(keep_acc)


def _infer_kinds(pay: pl.DataFrame, agreements: pl.DataFrame | None, acc: pl.DataFrame) -> pl.DataFrame:
    """``kind`` when the history has none: inside an agreement's life ``agreement``, else ``self_cure``."""
    kind = np.full(pay.height, "self_cure", dtype=object)
    if agreements is not None and agreements.height:
        ag = agreements.select("idx", pl.col("t").alias("a_t"),
                               pl.col("status_t") if "status_t" in agreements.columns else pl.lit(10**9).alias("status_t"))
        joined = (pay.with_row_index("_r").sort("t").join_asof(ag.sort("a_t"), left_on="t", right_on="a_t", by="idx",
                                                               strategy="backward").sort("_r"))
        inside = joined.get_column("a_t").is_not_null().to_numpy()
        st = joined.get_column("status_t").fill_null(10**9).to_numpy()
        tt = joined.get_column("t").to_numpy()
        kind[inside & (tt <= np.where(st < 0, 10**9, st))] = "agreement"
    return pay.with_columns(kind=pl.Series(kind.astype(str)))


def channel_index(names: pl.Series) -> np.ndarray:
    """Index in :data:`scenarios.schema.CHANNELS` of each channel name."""
    lookup = {c: i for i, c in enumerate(CHANNELS)}
    return names.replace_strict(lookup, return_dtype=pl.Int8).to_numpy()
