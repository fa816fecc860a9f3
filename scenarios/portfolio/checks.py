"""Column checks over one raw portfolio table, each problem reported with its rows (never a raw id)."""
from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from scenarios.errors import Problems, mask_values
from scenarios.portfolio.format import (BOOL_EXPECTED, BOOL_WORDS, MAX_EXACT_INT, OPTIONAL_COLUMNS, SHOWN, UF_CODES,
                                        US_CODES)
from scenarios.pseudonym import pseudonymise

__all__ = ["ColumnChecks"]


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


class ColumnChecks:
    """Column checks over one raw frame, reporting into one :class:`Problems`."""

    def __init__(self, df: pl.DataFrame, probs: Problems, lines: np.ndarray | None = None, line_word: str = "line"):
        self.df = df
        self.probs = probs
        self.lines = lines
        self.line_word = line_word
        self.ids: pl.Series | None = None
        if "debtor_id" in df.columns:
            raw = df["debtor_id"]
            try:
                ids = raw.cast(pl.String)
            except pl.exceptions.PolarsError:
                probs.add("debtor_id", "column has the wrong type", got=str(raw.dtype),
                          raw_got=True, expected="text or whole numbers")
            else:
                ids = ids.str.strip_chars()
                self.ids = _blank_to_null(ids)

    # ---------------------------------------------------------------- reporting helpers

    def _labels(self, mask: pl.Series) -> list[str]:
        """Up to three row labels (pseudonym, else ``row N``) where ``mask`` is true."""
        idx = mask.fill_null(False).arg_true().head(SHOWN).to_list()
        raw = [self.ids[i] for i in idx] if self.ids is not None else [None] * len(idx)
        it = iter(pseudonymise([r for r in raw if r is not None]))
        names = [next(it) if r is not None else None for r in raw]
        if self.lines is None:
            return [n if n is not None else f"row {i + 1}" for i, n in zip(idx, names)]
        return [f"{self.line_word} {int(self.lines[i])}" + (f" ({n})" if n is not None else "")
                for i, n in zip(idx, names)]

    def _render(self, values: list[Any]) -> list[str]:
        """Render offending values; a value equal to some debtor id is masked."""
        return mask_values(values, self.ids)

    def report(self, mask: pl.Series, col: str, problem: str, values: pl.Series | None,
               expected: str) -> None:
        """Add one problem for the rows where ``mask`` is true, if any."""
        mask = mask.fill_null(False)
        count = int(mask.sum())
        if not count:
            return
        labels = self._labels(mask)
        got = None
        if values is not None:
            shown = values.filter(mask).head(SHOWN).to_list()
            got = ", ".join(self._render(shown))
        self.probs.add(col, f"{_rows(count)} {problem}, first {', '.join(labels)}",
                       got=got, raw_got=True, expected=expected)

    def _text(self, col: str) -> pl.Series:
        """The column as stripped text with blanks as nulls (only for String columns)."""
        return _blank_to_null(self.df[col].str.strip_chars())

    def _wrong_dtype(self, col: str, dtype: pl.DataType, expected: str) -> None:
        self.probs.add(col, "column has the wrong type", got=str(dtype), raw_got=True,
                       expected=expected)

    # ---------------------------------------------------------------- column checks

    def check_ids(self) -> None:
        """Empty and duplicated ids."""
        ids = self.ids
        if ids is None:
            return
        self.report(ids.is_null(), "debtor_id", "empty", None, "a non-empty id")
        present = ids.drop_nulls()
        dup_mask = present.is_duplicated()
        if dup_mask.any():
            dups = present.filter(dup_mask)
            n_ids = dups.n_unique()
            first = pseudonymise(dups.unique(maintain_order=True).head(SHOWN).to_list())
            word = "id" if n_ids == 1 else "ids"
            self.probs.add("debtor_id", f"{n_ids} {word} duplicated, first {', '.join(first)}",
                           got=f"{dups.len()} rows with them", raw_got=True,
                           expected="each id once")

    def number(self, col: str, required: bool) -> pl.Series | None:
        """A finite Float64 column, or None when absent or of an unusable type."""
        if col not in self.df.columns:  # a missing required column is reported elsewhere
            return None
        raw = self.df[col]
        if raw.dtype == pl.String:
            text = self._text(col)
            values = text.cast(pl.Float64, strict=False)
            source = text
        elif raw.dtype.is_numeric() or raw.dtype == pl.Null:
            values = raw.cast(pl.Float64)
            source = raw
        else:
            self._wrong_dtype(col, raw.dtype, "numbers")
            return None
        bad = source.is_not_null() & (values.is_null() | ~values.is_finite())
        self.report(bad, col, "not a number", source, "a finite number")
        if required:
            self.report(source.is_null(), col, "empty", None, "a number")
        return _null_where(values, bad)

    def whole(self, col: str, required: bool) -> pl.Series | None:
        """An Int64 column of whole numbers, or None when absent or of an unusable type."""
        if col not in self.df.columns:  # a missing required column is reported elsewhere
            return None
        raw = self.df[col]
        if raw.dtype.is_integer():
            values = raw.cast(pl.Int64)
            if required:
                self.report(raw.is_null(), col, "empty", None, "a whole number")
            return values
        if raw.dtype == pl.String:
            source = self._text(col)
            floats = source.cast(pl.Float64, strict=False)
        elif raw.dtype.is_numeric() or raw.dtype == pl.Null:
            source = raw
            floats = raw.cast(pl.Float64)
        else:
            self._wrong_dtype(col, raw.dtype, "whole numbers")
            return None
        ok = floats.is_finite() & (floats == floats.floor()) & (floats.abs() < MAX_EXACT_INT)
        bad = source.is_not_null() & ~ok.fill_null(False)
        self.report(bad, col, "not a whole number", source, "a whole number")
        if required:
            self.report(source.is_null(), col, "empty", None, "a whole number")
        return _null_where(floats, bad).cast(pl.Int64)

    def state(self, default_state: str) -> pl.Series:
        """UF codes, upper-cased, blanks filled with ``default_state``."""
        n = self.df.height
        if "state" not in self.df.columns:
            return pl.Series("state", [default_state] * n, pl.String)
        raw = self.df["state"]
        if raw.dtype not in (pl.String, pl.Categorical, pl.Enum, pl.Null):
            self._wrong_dtype("state", raw.dtype, "two-letter UF codes")
            return pl.Series("state", [default_state] * n, pl.String)
        text = _blank_to_null(raw.cast(pl.String).str.strip_chars())
        codes = text.str.to_uppercase()
        bad = codes.is_not_null() & ~codes.is_in(list(UF_CODES))
        us = bool(bad.any()) and float(codes.filter(bad).is_in(list(US_CODES)).mean()) > 0.8
        self.report(bad, "state", "unknown UF code" + ("; these look like US state codes" if us else ""), text,
                    "a two-letter UF code such as SP, RJ or MG"
                    + (" (drop the column, or map it to UF codes)" if us else ""))
        return codes.fill_null(default_state).alias("state")

    def boolean(self, col: str) -> pl.Series:
        """A Boolean flag column, blanks filled with true."""
        n = self.df.height
        default = OPTIONAL_COLUMNS[col]
        if col not in self.df.columns:
            return pl.Series(col, [default] * n, pl.Boolean)
        raw = self.df[col]
        if raw.dtype == pl.Boolean:
            return raw.fill_null(default)
        if raw.dtype == pl.String:
            source = self._text(col)
            values = source.str.to_lowercase().replace_strict(BOOL_WORDS, default=None,
                                                              return_dtype=pl.Boolean)
        elif raw.dtype.is_numeric() or raw.dtype == pl.Null:
            source = raw
            floats = raw.cast(pl.Float64)
            values = (pl.when(floats == 1).then(True).when(floats == 0).then(False)
                      .otherwise(None))
            values = pl.select(values.alias(col)).to_series()
        else:
            self._wrong_dtype(col, raw.dtype, BOOL_EXPECTED)
            return pl.Series(col, [default] * n, pl.Boolean)
        bad = source.is_not_null() & values.is_null()
        self.report(bad, col, "not a boolean", source, BOOL_EXPECTED)
        return values.fill_null(default).alias(col)



def _blank_to_null(text: pl.Series) -> pl.Series:
    """Empty strings become nulls."""
    return pl.select(
        pl.when(text.str.len_bytes() > 0).then(text).otherwise(None).alias(text.name)
    ).to_series()


def _null_where(values: pl.Series, mask: pl.Series) -> pl.Series:
    """``values`` with nulls where ``mask`` is true."""
    return pl.select(
        pl.when(mask).then(None).otherwise(values).alias(values.name)
    ).to_series()
