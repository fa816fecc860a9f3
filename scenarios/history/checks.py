"""Validation of one history table: every column of its spec, every problem with its lines.

Each problem names the file, the column, how many rows, their file line numbers and the
pseudonyms of their debtors, never a raw id::

    payments.csv: amount: 2 rows negative: lines 17, 40; debtors p_3f9a0c1d2e4b5a69, p_0f1e2d3c4b5a6978 (got -10.0, -3.5, expected a number >= 0)

A shown value that equals a debtor id of the table is replaced by ``<a debtor id>``, and
one with nine or more digits (a CPF in the wrong column) by ``<hidden long number>``.
"""
from __future__ import annotations

from typing import Callable

import polars as pl

from scenarios.errors import LONG_NUMBER, Problems, mask_values
from scenarios.history.dates import parse_dates
from scenarios.history.spec import ALIASES, SPEC, Column
from scenarios.tables import Table

__all__ = ["TableCheck", "SHOWN", "LONG_NUMBER"]

#: Rows (lines, debtors, values) named per problem.
SHOWN = 3


class TableCheck:
    """Checks and normalises the columns of one table; problems go to ``probs``.

    Parameters
    ----------
    table : Table
        As read by :func:`scenarios.tables.read_table` with the spec's kinds declared.
    name : str
        The table (a key of :data:`scenarios.history.spec.SPEC`).
    probs : Problems
        Where problems are collected (its file label is the table's file).
    pseudonyms : callable
        Maps the raw id column (text) to pseudonyms.
    """

    def __init__(self, table: Table, name: str, probs: Problems, pseudonyms: Callable[[pl.Series], pl.Series]):
        self.table, self.name, self.probs = table, name, probs
        self.df = table.frame
        self.out: dict[str, pl.Series] = {}
        self.month: dict[str, pl.Series] = {}
        self.raw_ids: pl.Series | None = None
        self.pseudo: pl.Series | None = None
        if "debtor_id" in self.df.columns:
            self.raw_ids = self.df["debtor_id"].cast(pl.String)
            self.pseudo = pseudonyms(self.raw_ids)

    # ------------------------------------------------------------------ reporting
    def where(self, mask: pl.Series) -> str:
        """``lines 17, 40; debtors p_…, p_…`` for the masked rows."""
        mask = mask.fill_null(False)
        text = self.table.where(mask, SHOWN)
        if self.pseudo is not None:
            names = self.pseudo.filter(mask).drop_nulls().unique(maintain_order=True).head(SHOWN).to_list()
            if names:
                text += f"; debtor{'s' if len(names) > 1 else ''} " + ", ".join(names)
        return text

    def render(self, values: list) -> str:
        """Shown values, with ids and long numbers hidden."""
        return ", ".join(mask_values(values, self.raw_ids))

    def report(self, mask: pl.Series, column: str, problem: str, values: pl.Series | None, expected: str) -> None:
        """One problem for the rows where ``mask`` is true, if any."""
        mask = mask.fill_null(False)
        count = int(mask.sum())
        if not count:
            return
        got = None
        if values is not None:
            got = self.render(values.filter(mask).head(SHOWN).to_list())
        rows = "1 row" if count == 1 else f"{count} rows"
        self.probs.add(column, f"{rows} {problem}: {self.where(mask)}", got=got, raw_got=True, expected=expected)

    # ------------------------------------------------------------------ columns
    def run(self) -> dict[str, pl.Series]:
        """Check every column of the spec; returns the normalised columns present."""
        for col in SPEC[self.name]:
            if col.name not in self.df.columns:
                continue
            values = getattr(self, f"_{col.kind}")(col)
            if values is not None:
                self.out[col.name] = values.alias(col.name)
        return self.out

    def _empty(self, col: Column, values: pl.Series) -> None:
        """Empty cells of a column that must be filled (cells that did not convert are not empty)."""
        if col.nullable:
            return
        empty = values.is_null()
        invalid = self.table.invalid.get(col.name)
        if invalid is not None:
            empty = empty & ~invalid
        self.report(empty, col.name, "empty", None, col.expected())

    def _id(self, col: Column) -> pl.Series:
        self._empty(col, self.raw_ids)
        return self.pseudo

    def _date(self, col: Column) -> pl.Series:
        dates, month, invalid = parse_dates(self.df[col.name])
        self.report(invalid, col.name, "not a date", self.table.raw.get(col.name, self.df[col.name]),
                    col.expected())
        self._empty(col, self.df[col.name])
        self.month[col.name] = month
        return dates

    def _invalid(self, col: Column, what: str) -> None:
        bad = self.table.invalid.get(col.name)
        if bad is not None:
            self.report(bad, col.name, what, self.table.raw[col.name], col.expected())

    def _number(self, col: Column) -> pl.Series:
        values = self.df[col.name]
        self._invalid(col, "not a number" if col.kind == "number" else "not a whole number")
        if not values.dtype.is_numeric():  # pragma: no cover - read_table converts declared columns
            return values
        self._empty(col, values)
        if col.low is not None:
            below = (values <= col.low) if col.low_open else (values < col.low)
            if col.high is not None:
                self.report(below | (values > col.high), col.name, "out of range", values, col.expected())
            else:
                word = "not positive" if col.low_open and col.low == 0 else "negative" if col.low == 0 else "too small"
                self.report(below, col.name, word, values, col.expected())
        elif col.high is not None:  # pragma: no cover - no spec has only an upper bound
            self.report(values > col.high, col.name, "out of range", values, col.expected())
        return values

    _integer = _number

    def _boolean(self, col: Column) -> pl.Series:
        self._invalid(col, "not a boolean")
        values = self.df[col.name]
        self._empty(col, values)
        return values

    def _choice(self, col: Column) -> pl.Series:
        text = self.df[col.name].cast(pl.String)
        uniq = text.drop_nulls().unique()  # work on the few distinct values, not on every row
        if col.name == "state":
            canon_u = uniq.str.strip_chars().str.to_uppercase()
        else:
            canon_u = uniq.str.to_lowercase().str.strip_chars().replace(ALIASES)
        canon = text if canon_u.equals(uniq) else text.replace_strict(uniq, canon_u, default=None)
        bad = canon.is_not_null() & ~canon.is_in(list(col.choices))
        word = {"channel": "unknown channel", "state": "unknown UF code"}.get(col.name, "unknown value")
        self.report(bad, col.name, word, text, col.expected())
        self._empty(col, text)
        return pl.select(pl.when(bad).then(None).otherwise(canon).alias(col.name)).to_series()

    def _text(self, col: Column) -> pl.Series:  # pragma: no cover - no spec column is free text
        return self.df[col.name].cast(pl.String)

