"""Segment rules applied to a portfolio: every debtor in exactly one segment."""
from __future__ import annotations

import numpy as np
import polars as pl

from scenarios.columns import rule_type_problems
from scenarios.errors import Problems, suggest
from scenarios.schema import Condition, Scenario

__all__ = ["assign_segments", "rule_expression"]


def rule_expression(cond: Condition, chronic_threshold: int) -> pl.Expr:
    """The polars expression of one rule condition (nulls never match)."""
    col = pl.col("prior_delinquencies") >= chronic_threshold if cond.column == "chronic" else pl.col(cond.column)
    if cond.flag is not None:
        expr = col == cond.flag
    elif cond.values is not None:
        expr = col.cast(pl.String).is_in(list(cond.values))
    else:
        expr = (col >= cond.lo) & (col < cond.hi)
    return expr.fill_null(False)


def assign_segments(scenario: Scenario, frame: pl.DataFrame, label: str = "portfolio",
                    probs: Problems | None = None) -> np.ndarray:
    """Segment index of every debtor (int32, in ``scenario.segments`` order).

    Problems (recorded in ``probs``, or raised as :class:`~scenarios.errors.InputError`):
    a rule naming a column the portfolio lacks, debtors matched by no segment, debtors
    matched by more than one.
    """
    own = probs is None
    if probs is None:
        probs = Problems(scenario.source)
    columns = set(frame.columns) | {"chronic"}
    masks = []
    for seg in scenario.segments:
        missing = [c.column for c in seg.rule if c.column not in columns]
        for col in missing:
            hint = suggest(col, sorted(columns))
            probs.add(f"segments.{seg.name}.rule.{col}",
                      "no such portfolio column" + (f"; did you mean {hint!r}?" if hint else ""), col,
                      None if hint else "one of " + ", ".join(sorted(columns)), file=scenario.source)
        if missing:
            masks.append(None)
            continue
        expr = pl.lit(True)
        for cond in seg.rule:
            expr = expr & rule_expression(cond, scenario.portfolio.chronic_threshold)
        masks.append(expr.alias(seg.name))
    if not rule_type_problems(scenario.segments, dict(frame.schema), probs, scenario.source):
        masks.append(None)
    if any(m is None for m in masks):
        if own:
            probs.raise_if_any()
        return np.full(frame.height, -1, dtype=np.int32)
    matched = frame.select(masks).to_numpy().astype(bool) if masks else np.zeros((frame.height, 0), bool)
    counts = matched.sum(axis=1)
    unassigned = int((counts == 0).sum())
    overlapping = int((counts > 1).sum())
    if unassigned:
        probs.add("segments", "debtors in no segment", f"{unassigned} of {frame.height} in {label}",
                  "every debtor in exactly one segment", raw_got=True, file=scenario.source)
    if overlapping:
        pairs = {}
        for i in np.flatnonzero(counts > 1)[:1000]:
            names = tuple(scenario.segments[j].name for j in np.flatnonzero(matched[i]))
            pairs[names] = pairs.get(names, 0) + 1
        first = max(pairs, key=pairs.get)
        inherited = set(scenario.inherited_segments)
        mixed = any(n in inherited for n in first) and not all(n in inherited for n in first)
        probs.add("segments", "debtors in more than one segment",
                  f"{overlapping} of {frame.height} in {label}, e.g. {' and '.join(first)}",
                  "every debtor in exactly one segment"
                  + ('; to use only this file\'s segments, add replace = ["segments", "cadences"] next to extends'
                     if mixed else ""), raw_got=True, file=scenario.source)
    if own:
        probs.raise_if_any()
    index = np.where(counts == 1, matched.argmax(axis=1), -1).astype(np.int32)
    return index
