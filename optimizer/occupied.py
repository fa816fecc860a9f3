"""Segments nobody is in: left out of the LP before it is built, and the constraints that go with them.

A segment with no debtors has nothing to optimize: it gets no ``assign`` row, no
variables and no policy row. A chronic segment's "not better than its non-chronic peers"
row (``chronic_vs``) compares it with the debtor-weighted mean discount of its risk band's
non-chronic segments; when every one of those peers is empty the comparison has no
reference and the row is dropped — :func:`dropped_peer_constraints` names them so the
report can say so.
"""
from __future__ import annotations

import dataclasses

import polars as pl

from optimizer.lp import Constraints

__all__ = ["occupied", "without_empty", "dropped_peer_constraints"]


def occupied(coef: pl.DataFrame) -> pl.DataFrame:
    """The coefficient rows of segments with at least one debtor."""
    return coef.filter(pl.col("n_debtors") > 0)


def without_empty(constraints: Constraints, coef: pl.DataFrame) -> Constraints:
    """``constraints`` without per-segment limits on segments absent from ``coef`` (the occupied rows)."""
    if not constraints.min_recovery:
        return constraints
    keep = set(coef.get_column("segment").to_list())
    return dataclasses.replace(constraints, min_recovery={k: v for k, v in constraints.min_recovery.items() if k in keep})


def dropped_peer_constraints(segments: pl.DataFrame, chronic_not_better: bool = True) -> list[dict]:
    """Chronic segments whose ``chronic_vs`` row was dropped because all its peers are empty.

    Parameters
    ----------
    segments : polars.DataFrame
        ``segment, debtors, chronic, risk_band`` (``segments.parquet``); a missing risk
        band means the segment is its own band (no peers).
    chronic_not_better : bool
        Whether the scenario asks for the constraint at all.

    Returns
    -------
    list of dict
        ``{"segment", "risk_band", "peers"}`` for each occupied chronic segment whose
        band has non-chronic segments, all of them empty.
    """
    if not chronic_not_better:
        return []
    rows = list(segments.select("segment", "debtors", "chronic", "risk_band").iter_rows())
    band = {s: (b or s) for s, _n, _c, b in rows}
    out = []
    for s, n, chronic, _b in rows:
        if not chronic or int(n) == 0:
            continue
        peers = [(t, int(m)) for t, m, c, _ in rows if not c and band[t] == band[s]]
        if peers and all(m == 0 for _t, m in peers):
            out.append({"segment": s, "risk_band": band[s], "peers": [t for t, _m in peers]})
    return out
