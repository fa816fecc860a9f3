"""Dates of a history: exact days and month-level dates ("some day in that month").

Accepted, per cell: ``YYYY-MM-DD`` (a time after it, as spreadsheets write, is ignored),
``DD/MM/YYYY`` (the Brazilian order, never month first), and the month-level ``YYYY-MM`` and
``MM/YYYY``; native Parquet/Excel dates and datetimes. A month-level date is stored as the
first of its month and flagged. A column whose every date is the first of a month (with at
least :data:`MONTH_COLUMN_MIN` dates) is read as month-level throughout: a system that stores
only months writes them as the first.
"""
from __future__ import annotations

import datetime as _dt

import polars as pl

__all__ = ["parse_dates", "latest", "MONTH_COLUMN_MIN"]

#: Fewest dates for an all-first-of-the-month column to count as month-level.
MONTH_COLUMN_MIN = 20

_ISO = r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T][0-9:.]*)?$"
_ISO_MONTH = r"^\d{4}-\d{1,2}$"
_BR = r"^\d{1,2}/\d{1,2}/\d{4}$"
_BR_MONTH = r"^\d{1,2}/\d{4}$"


def _strptime(s: pl.Series, fmt: str) -> pl.Series:
    return s.str.strptime(pl.Date, fmt, strict=False)


def parse_dates(values: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Parse a date column.

    Parameters
    ----------
    values : polars.Series
        Text (stripped, empty as null) or native ``Date``/``Datetime``.

    Returns
    -------
    dates : polars.Series of Date
        The day, or the first of the month for month-level cells; null when empty or invalid.
    month : polars.Series of Boolean
        Whether the cell is month-level.
    invalid : polars.Series of Boolean
        Non-empty cells that are not a date.
    """
    name = values.name
    if values.dtype == pl.Date or isinstance(values.dtype, pl.Datetime):
        dates = values.cast(pl.Date)
        month = pl.Series(name, [False] * values.len(), pl.Boolean)
        invalid = pl.Series(name, [False] * values.len(), pl.Boolean)
    elif (quick := _strptime(values.cast(pl.String), "%Y-%m-%d")).null_count() == values.null_count():
        dates = quick  # every cell an exact YYYY-MM-DD: the common case, one pass
        month = pl.Series(name, [False] * values.len(), pl.Boolean)
        invalid = month
    else:
        s = values.cast(pl.String)
        iso = s.str.contains(_ISO)
        iso_m = s.str.contains(_ISO_MONTH)
        br = s.str.contains(_BR)
        br_m = s.str.contains(_BR_MONTH)
        head = s.str.slice(0, 10).str.replace(r"[ T].*$", "")
        frame = pl.DataFrame({
            "iso": pl.select(pl.when(iso).then(_strptime(head, "%Y-%m-%d"))).to_series(),
            "iso_m": pl.select(pl.when(iso_m).then(_strptime(s + "-01", "%Y-%m-%d"))).to_series(),
            "br": pl.select(pl.when(br).then(_strptime(s, "%d/%m/%Y"))).to_series(),
            "br_m": pl.select(pl.when(br_m).then(_strptime("01/" + s, "%d/%m/%Y"))).to_series(),
        })
        dates = frame.select(pl.coalesce("iso", "iso_m", "br", "br_m").alias(name)).to_series()
        month = (iso_m | br_m).fill_null(False) & dates.is_not_null()
        invalid = s.is_not_null() & dates.is_null()
    present = dates.drop_nulls()
    if present.len() >= MONTH_COLUMN_MIN and bool((present.dt.day() == 1).all()):
        month = dates.is_not_null()
    return dates.alias(name), month.alias(name), invalid.alias(name)


def latest(dates: pl.Series, month: pl.Series) -> _dt.date | None:
    """The latest possible day in a column (a month-level date counts as its month's end)."""
    hi = pl.select(pl.when(month).then(dates.dt.month_end()).otherwise(dates)).to_series()
    value = hi.max()
    return value if isinstance(value, _dt.date) else None
