"""What reading a history gives: :class:`History`."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

__all__ = ["History"]


@dataclass(frozen=True, eq=False)
class History:
    """A validated history (``docs/history.md``), ids pseudonymised.

    Attributes
    ----------
    tables : dict of polars.DataFrame
        The tables present (``accounts`` and ``payments`` always), each with the contract's
        columns first, normalised (``debtor_id`` a pseudonym, dates ``pl.Date``, numbers
        ``Float64``/``Int64``, flags ``Boolean``, vocabulary values canonical), then the file's
        other columns as read, then a ``<column>_month`` Boolean for each date column with
        month-level values. Every table but ``accounts`` has ``account``: the row of
        ``accounts`` it belongs to (the debtor's latest entry on or before it). ``payments``
        always has ``kind``; when it was inferred, ``kind_inferred`` is true.
    as_of : datetime.date
        End of observation (given, or the latest date in any table).
    first_date : datetime.date
        The earliest entry date.
    sources : dict of str
        The file of each table.
    month_level : frozenset of str
        ``table.column`` of the date columns with month-level values.
    lines : dict of numpy.ndarray
        For each table, the file line (CSV) or row (Excel, Parquet) of each of its rows.
    options : dict of dict
        How each file was read (format, separator, decimal mark, encoding, sheet).
    dropped : dict of int
        Rows left out per table because they are dated after ``as_of``.
    label : str
        The folder or ``history``, for messages and sources.
    """

    tables: dict[str, pl.DataFrame]
    as_of: _dt.date
    first_date: _dt.date
    sources: dict[str, str] = field(default_factory=dict)
    month_level: frozenset[str] = frozenset()
    lines: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    options: dict[str, dict] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    label: str = "history"

    def __getattr__(self, name: str):
        """``history.payments`` etc.: the table, or None when the history has none."""
        if name in ("accounts", "payments", "contacts", "offers", "agreements", "events"):
            return self.tables.get(name)
        raise AttributeError(name)

    def has(self, table: str) -> bool:
        """Whether ``table`` is present (it may have no rows)."""
        return table in self.tables

    @property
    def n_accounts(self) -> int:
        """Rows of ``accounts`` (a debtor who re-entered collections counts once per entry)."""
        return self.tables["accounts"].height

    @property
    def n_debtors(self) -> int:
        """Distinct debtors."""
        return self.tables["accounts"]["debtor_id"].n_unique()

    def is_month_level(self, table: str, column: str = "date") -> bool:
        """Whether some dates of ``table.column`` are month-level."""
        return f"{table}.{column}" in self.month_level

    def summary(self) -> str:
        """A few lines: period, accounts, rows of each table, month-level columns (no ids)."""
        lines = [f"history {self.label}: {self.first_date.isoformat()} to {self.as_of.isoformat()}, "
                 f"{self.n_accounts:,} accounts of {self.n_debtors:,} debtors"]
        acc = self.tables["accounts"]
        if acc.height:
            lines.append(f"  balance at entry: R$ {acc['balance'].sum():,.2f} in all, median "
                         f"R$ {acc['balance'].median():,.2f}")
        for name, frame in self.tables.items():
            if name == "accounts":
                continue
            extra = ""
            if name == "payments" and frame.height:
                by = dict(frame.group_by("kind").agg(pl.col("amount").sum()).iter_rows())
                extra = " (" + ", ".join(f"{k} R$ {v:,.2f}" for k, v in sorted(by.items())) + ")"
                if "kind_inferred" in frame.columns:
                    extra += ", kinds inferred"
            lines.append(f"  {name}: {frame.height:,} rows{extra}")
        if self.month_level:
            lines.append("  month-level dates: " + ", ".join(sorted(self.month_level)))
        left = {k: v for k, v in self.dropped.items() if v}
        if left:
            lines.append("  left out, dated after as-of: " + ", ".join(f"{k} {v:,}" for k, v in left.items()))
        return "\n".join(lines)
