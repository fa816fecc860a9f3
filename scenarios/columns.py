"""The team's own portfolio columns: their types, inferred or declared, and rules that fit them.

A portfolio may carry columns of its own (``months_late``, ``limit_bal``, ``product``) that
segment rules name. Parquet keeps their types; CSV gives text, so each such column is typed
here: a scenario may declare it (``[portfolio] columns = { months_late = "integer" }``),
otherwise it is inferred from its values: whole numbers → integer, numbers → number,
``true/false`` words → boolean, anything else → text. Empty cells are missing values and do
not decide the type.

:func:`rule_type_problems` checks that each rule condition fits the type of its column (a
range over numbers, a list of texts over text, ``true``/``false`` over a flag) and says how to
fix it when not, so a mistyped rule is a validation problem instead of an internal error or
a silently empty segment.
"""
from __future__ import annotations

from typing import Callable, Mapping

import polars as pl

from scenarios.errors import Problems

__all__ = ["COLUMN_TYPES", "infer_type", "type_column", "kind_of", "rule_type_problems"]

#: The types a scenario may declare for a column of its own, and their polars dtype.
COLUMN_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(), "integer": pl.Int64(), "number": pl.Float64(), "boolean": pl.Boolean(),
}
_TRUE = ("true", "yes", "sim")
_FALSE = ("false", "no", "não", "nao")
_BOOL = {w: True for w in _TRUE} | {w: False for w in _FALSE} | {"1": True, "0": False}


def _text(series: pl.Series) -> pl.Series:
    text = series.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(text.str.len_bytes() > 0).then(text).otherwise(None).alias(series.name)).to_series()


def infer_type(series: pl.Series) -> str:
    """The type of a column read as text: ``integer``, ``number``, ``boolean`` or ``text``."""
    if series.dtype == pl.Boolean:
        return "boolean"
    if series.dtype.is_integer():
        return "integer"
    if series.dtype.is_numeric():
        return "number"
    if series.dtype != pl.String:
        return "text"
    text = _text(series).drop_nulls()
    if text.len() == 0:
        return "text"
    floats = text.cast(pl.Float64, strict=False)
    if floats.null_count() == 0 and bool(floats.is_finite().all()):
        whole = bool((floats == floats.floor()).all()) and not bool(text.str.contains(r"[.eE]").any())
        return "integer" if whole else "number"
    if bool(text.str.to_lowercase().is_in(list(_TRUE + _FALSE)).all()):
        return "boolean"
    return "text"


def type_column(series: pl.Series, kind: str, report: Callable[[pl.Series, str, pl.Series, str], None]) -> pl.Series:
    """``series`` converted to ``kind``; values that do not convert are reported and become missing.

    ``report(mask, problem, values, expected)`` is called once for the offending rows.
    """
    dtype = COLUMN_TYPES[kind]
    if series.dtype == dtype:
        return series
    if kind == "text":
        return _text(series) if series.dtype == pl.String else series.cast(pl.String)
    source = _text(series) if series.dtype == pl.String else series
    if kind == "boolean":
        values = source.cast(pl.String).str.to_lowercase().replace_strict(_BOOL, default=None, return_dtype=pl.Boolean)
        expected = "true/false, 1/0, yes/no or sim/não"
    else:
        floats = source.cast(pl.Float64, strict=False)
        ok = floats.is_finite()
        if kind == "integer":
            ok = ok & (floats == floats.floor()) & (floats.abs() < 2.0**53)
        values = pl.select(pl.when(ok).then(floats).otherwise(None).alias(series.name)).to_series().cast(dtype)
        expected = "a whole number" if kind == "integer" else "a finite number"
    bad = source.is_not_null() & values.is_null()
    report(bad, f"not {'an' if kind == 'integer' else 'a'} {kind}", source, expected)
    return values.alias(series.name)


def kind_of(dtype: pl.DataType) -> str:
    """``integer``, ``number``, ``boolean`` or ``text`` for a polars dtype."""
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "number"
    return "text"


def rule_type_problems(segments, schema: Mapping[str, pl.DataType], probs: Problems, file: str) -> bool:
    """Record a problem for every rule condition whose kind does not fit its column's type.

    Parameters
    ----------
    segments : iterable of scenarios.schema.Segment
    schema : mapping
        Column name → polars dtype of the portfolio (``chronic`` counts as a flag).
    probs : Problems
    file : str
        The scenario file named in the messages.

    Returns
    -------
    bool
        True when every condition fits.
    """
    ok = True
    for seg in segments:
        for cond in seg.rule:
            if cond.column not in schema and cond.column != "chronic":
                continue
            kind = "boolean" if cond.column == "chronic" else kind_of(schema[cond.column])
            key = f"segments.{seg.name}.rule.{cond.column}"
            declare = f'or declare its type: [portfolio] columns = {{ {cond.column} = "..." }}'
            if cond.flag is not None and kind != "boolean":
                probs.add(key, f"true/false on a {kind} column", cond.flag,
                          ("a range [low, high)" if kind in ("integer", "number") else "a list of texts")
                          + ", " + declare, file=file)
                ok = False
            elif cond.values is not None and kind in ("integer", "number"):
                probs.add(key, f"a list of texts on a {kind} column", list(cond.values),
                          f"a range such as [1, 3] (from 1, below 3), {declare.replace('...', 'text')}", file=file)
                ok = False
            elif cond.values is not None and kind == "boolean":
                probs.add(key, "a list of texts on a true/false column", list(cond.values), "true or false", file=file)
                ok = False
            elif cond.lo is not None and kind not in ("integer", "number"):
                probs.add(key, f"a numeric range on a {kind} column", [cond.lo, cond.hi],
                          "a list of texts, " + declare.replace("...", "number") + " when it holds numbers", file=file)
                ok = False
    return ok
