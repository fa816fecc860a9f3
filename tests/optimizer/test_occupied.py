"""Empty segments: no LP row, no policy; a chronic segment whose peers are all empty loses its peer row."""
from __future__ import annotations

import polars as pl

from optimizer.lp import Constraints, solve_policy
from optimizer.occupied import dropped_peer_constraints, occupied, without_empty

from . import _tables
from ._tables import ABC

# D: an empty non-chronic segment; E: chronic, band Z, whose only peer F is empty.
EMPTY = ABC + [
    ("D", "d0", 0.0, 1, 0, 7.0, 1.0, 0.0, 1.0, 2.0, False, "Y"),
    ("D", "d1", 0.2, 1, 0, 9.0, 1.0, 2.0, 1.0, 2.0, False, "Y"),
    ("E", "e0", 0.0, 1, 50, 6.0, 1.0, 0.0, 1.0, 2.0, True, "Z"),
    ("E", "e1", 0.4, 1, 50, 9.0, 1.0, 4.0, 1.0, 2.0, True, "Z"),
    ("F", "f0", 0.0, 1, 0, 6.0, 1.0, 0.0, 1.0, 2.0, False, "Z"),
    ("F", "f1", 0.1, 1, 0, 7.0, 1.0, 1.0, 1.0, 2.0, False, "Z"),
]


def _table() -> pl.DataFrame:
    return _tables.table(EMPTY).with_columns(pl.lit(0.1).alias("break_rate"))


def test_empty_segments_get_no_lp_row_and_no_share():
    coef = occupied(_table())
    cons = without_empty(Constraints(chronic_max_discount=0.5, min_recovery={"A": 15.0, "D": 50.0, "F": 1.0}), coef)
    assert set(cons.min_recovery) == {"A"}
    sol = solve_policy(coef, cons, solver="highs")
    assert sol.status.has_solution
    names = [c["name"] for c in sol.to_dict()["constraints"]]
    assert not [n for n in names if "[D]" in n or "[F]" in n]
    assert "assign[E]" in names and "chronic_cap[E]" in names
    # E's peer F is empty, so E is compared with nobody: no chronic_vs row, and E takes its best offer
    # (offer by offer: one row per discount level, chronic_vs[C >= 50%] ...)
    assert not [n for n in names if n.startswith("chronic_vs[E")] and [n for n in names if n.startswith("chronic_vs[C")]
    assert set(sol.shares["segment"].to_list()) == {"A", "B", "C", "E"}
    e = sol.shares.filter((pl.col("segment") == "E") & (pl.col("share") > 0.5))
    assert e["offer"].to_list() == ["e1"]


def test_the_dropped_peer_constraint_is_named():
    seg = pl.DataFrame({"segment": ["A", "C", "D", "E", "F", "G"], "debtors": [100, 100, 0, 50, 0, 9],
                        "chronic": [False, True, False, True, False, True], "risk_band": ["X", "X", "Y", "Z", "Z", None]})
    assert dropped_peer_constraints(seg) == [{"segment": "E", "risk_band": "Z", "peers": ["F"]}]
    assert dropped_peer_constraints(seg, chronic_not_better=False) == []
