"""Hand-solved coefficient tables shared by the optimizer's tests (a helper module, not a test file)."""
from __future__ import annotations

import polars as pl

SOLVERS = ("cbc", "highs")
COLUMNS = ("segment", "offer", "discount", "installments", "n_debtors", "npv", "cost", "give", "minutes", "cash30",
           "chronic", "risk_band")

# Two segments, two offers each. With a = x[A,a1], b = x[B,b1]:
#   objective = 1700 + 1000a + 600b,  give-away = 500a + 100b,  cash30 = 400 + 400a + 400b,
#   recovery = 2000 + 1000a + 600b,  minutes = 300 + 100a + 400b,  npv per debtor of A = 10 + 10a.
AB = [
    ("A", "a0", 0.0, 1, 100, 10.0, 1.0, 0.0, 1.0, 2.0, False, "X"),
    ("A", "a1", 0.3, 6, 100, 20.0, 1.0, 5.0, 2.0, 6.0, False, "X"),
    ("B", "b0", 0.0, 1, 200, 5.0, 1.0, 0.0, 1.0, 1.0, False, "Y"),
    ("B", "b1", 0.1, 3, 200, 8.0, 1.0, 0.5, 3.0, 3.0, False, "Y"),
]
# C (chronic, band X like A): mean discount 0.5c, npv per debtor 6 + 6c.
ABC = AB + [
    ("C", "c0", 0.0, 1, 100, 6.0, 1.0, 0.0, 1.0, 2.0, True, "X"),
    ("C", "c1", 0.5, 1, 100, 12.0, 1.0, 10.0, 1.0, 6.0, True, "X"),
]


def table(rows: list[tuple]) -> pl.DataFrame:
    """A coefficient table from rows in :data:`COLUMNS` order."""
    return pl.DataFrame([dict(zip(COLUMNS, r)) for r in rows])
