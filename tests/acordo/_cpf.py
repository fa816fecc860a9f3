"""CPF-keyed portfolios for the safety tests: valid CPFs (with check digits) as debtor ids."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from scenarios.synthetic import generate_portfolio

__all__ = ["cpf", "cpf_portfolio", "CPF_HEADER"]

CPF_HEADER = "debtor_id,balance,days_past_due,state,score,prior_delinquencies"


def cpf(base: int) -> str:
    """The CPF ``NNN.NNN.NNN-DD`` of a nine-digit number, check digits computed."""
    digits = [int(c) for c in f"{base:09d}"]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1)))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    s = "".join(map(str, digits))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def cpf_portfolio(path: Path, n: int = 300, seed: int = 5) -> list[str]:
    """Write a synthetic portfolio keyed by CPFs to ``path``; returns the CPFs."""
    frame = generate_portfolio(n, np.random.default_rng(seed), "mixed")
    rng = np.random.default_rng(seed + 1)
    ids = [cpf(int(b)) for b in rng.choice(10**9 - 10**8, size=n, replace=False) + 10**8]
    frame = frame.with_columns(pl.Series("debtor_id", ids))
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return ids
