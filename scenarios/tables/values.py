"""Typing the cells of a table: numbers with either decimal mark, booleans, inference.

Text values are stripped and empty text is a missing value. A declared column is converted
to its kind (cells that do not convert become null and are reported by the caller); an
undeclared text column is converted only when every non-empty value converts.
"""
from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["KINDS", "TRUE_WORDS", "FALSE_WORDS", "detect_decimal", "parse_numbers", "parse_booleans",
           "drop_blank_rows", "type_columns"]

#: Column kinds a schema may declare.
KINDS: tuple[str, ...] = ("text", "number", "integer", "boolean", "date", "auto")
#: Accepted spellings of booleans (compared lower-cased, stripped); 1/0 are accepted too.
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes", "sim", "verdadeiro")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no", "não", "nao", "falso")

_INT = r"^[+-]?\d+$"
_LEADING_ZERO = r"^[+-]?0\d"
# unambiguous decimal comma: grouped thousands with a comma part, or a comma part not of 3 digits
_COMMA_SURE = r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,}))$"
_DOT_SURE = r"^[+-]?(\d{1,3}(,\d{3})+\.\d+|\d+\.(\d{1,2}|\d{4,}))$"
_NUM_COMMA = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
_NUM_DOT = r"^[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_MONEY_PREFIX = r"^R\$\s*"
_BOOL_WORDS = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
_BOOL_AUTO = {"true", "false", "yes", "no", "sim", "não", "nao", "verdadeiro", "falso"}


def drop_blank_rows(df: pl.DataFrame, lines: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
    """Strip text, turn empty text into nulls and drop rows where every cell is missing."""
    exprs = [pl.col(c).str.strip_chars().replace("", None).alias(c) if df[c].dtype == pl.String else pl.col(c)
             for c in df.columns]
    df = df.select(exprs) if exprs else df
    if df.width == 0 or df.height == 0:
        return df, lines
    keep = ~df.select(pl.all_horizontal(pl.all().is_null())).to_series()
    if keep.all():
        return df, lines
    return df.filter(keep), lines[keep.to_numpy()]


def detect_decimal(df: pl.DataFrame, skip: list[str] | tuple[str, ...] = (), default: str = ".") -> str:
    """``","`` when the text values look written with a decimal comma, ``"."`` when with a point.

    Values that decide are those only one convention reads (``1.234,56``, ``0,5``, ``2.50``);
    ``1.234`` or ``1,234`` decide nothing. When nothing decides, or both conventions appear,
    ``default`` is returned.
    """
    comma = dot = 0
    for c in df.columns:
        if c in skip or df[c].dtype != pl.String:
            continue
        s = df[c].drop_nulls()
        if s.is_empty():
            continue
        s = s.head(20_000)
        comma += int(s.str.contains(_COMMA_SURE).sum())
        dot += int(s.str.contains(_DOT_SURE).sum())
    if comma and not dot:
        return ","
    if dot and not comma:
        return "."
    return default


def parse_numbers(text: pl.Series, decimal: str = ".") -> pl.Series:
    """Text to Float64 with the given decimal mark (thousands grouping and ``R$`` allowed).

    Values that are not numbers become null.
    """
    s = text.str.strip_chars().str.replace(_MONEY_PREFIX, "")
    if decimal == ",":
        ok = s.str.contains(_NUM_COMMA)
        clean = s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        ok = s.str.contains(_NUM_DOT)
        clean = s.str.replace_all(",", "", literal=True)
    values = clean.cast(pl.Float64, strict=False)
    return pl.select(pl.when(ok).then(values).otherwise(None).alias(text.name)).to_series()


def parse_booleans(values: pl.Series) -> pl.Series:
    """Text (``true/false``, ``1/0``, ``yes/no``, ``sim/não``) or numbers 1/0 to Boolean; others null."""
    if values.dtype == pl.Boolean:
        return values
    if values.dtype == pl.String:
        return values.str.strip_chars().str.to_lowercase().replace_strict(_BOOL_WORDS, default=None,
                                                                           return_dtype=pl.Boolean)
    if values.dtype.is_numeric() or values.dtype == pl.Null:
        f = values.cast(pl.Float64)
        return pl.select(pl.when(f == 1).then(True).when(f == 0).then(False).otherwise(None)
                         .alias(values.name)).to_series()
    return pl.Series(values.name, [None] * values.len(), pl.Boolean)


def _convert(col: pl.Series, kind: str, decimal: str) -> pl.Series:
    """Convert one column to ``kind``; cells that do not convert become null."""
    name = col.name
    if kind in ("text", "date"):
        if kind == "date" and col.dtype in (pl.Date, pl.Datetime):
            return col
        return col.cast(pl.String) if col.dtype != pl.String else col
    if kind == "boolean":
        return parse_booleans(col).alias(name)
    if col.dtype == pl.String:
        num = parse_numbers(col, decimal)
    elif col.dtype.is_numeric() or col.dtype in (pl.Null, pl.Boolean):
        num = col.cast(pl.Float64)
    else:
        return pl.Series(name, [None] * col.len(), pl.Float64 if kind == "number" else pl.Int64)
    if kind == "integer":
        whole = num.is_finite() & (num == num.floor()) & (num.abs() < 2.0**53)
        return pl.select(pl.when(whole).then(num).otherwise(None).cast(pl.Int64).alias(name)).to_series()
    return num.alias(name)


def _infer(col: pl.Series, decimal: str) -> pl.Series:
    """The column converted when every non-empty text value converts; else unchanged."""
    if col.dtype != pl.String:
        return col
    present = col.drop_nulls()
    if present.is_empty():
        return col
    if bool(present.str.contains(_LEADING_ZERO).any()):  # codes such as a CEP: text
        return col
    if bool(present.str.contains(_INT).all()) and int(present.str.len_bytes().max()) <= 18:
        return col.cast(pl.Int64)
    num = parse_numbers(present, decimal)
    if num.null_count() == 0:
        return parse_numbers(col, decimal)
    low = present.str.to_lowercase()
    if bool(low.is_in(list(_BOOL_AUTO)).all()):
        return parse_booleans(col)
    return col


def type_columns(df: pl.DataFrame, kinds: dict[str, str], decimal: str):
    """Each column typed (declared kinds, else inferred); returns the frame, invalid masks and raw text."""
    out: list[pl.Series] = []
    invalid: dict[str, pl.Series] = {}
    raw: dict[str, pl.Series] = {}
    for name in df.columns:
        col = df[name]
        kind = kinds.get(name, "auto")
        if kind == "auto":
            out.append(_infer(col, decimal))
            continue
        conv = _convert(col, kind, decimal)
        bad = col.is_not_null() & conv.is_null()
        if bad.any():
            invalid[name] = bad
            raw[name] = col.cast(pl.String) if col.dtype != pl.String else col
        out.append(conv)
    return pl.DataFrame(out), invalid, raw
