"""The validated portfolio: one row per debtor, the normalised columns first."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scenarios.portfolio.format import FLAG_COLUMNS, SCHEMA

__all__ = ["Portfolio"]


@dataclass(frozen=True, eq=False)
class Portfolio:
    """A validated portfolio.

    Build it with :func:`load_portfolio` or :func:`validate_frame`; constructing it
    directly skips validation. Instances compare by identity (compare ``frame`` with
    ``DataFrame.equals`` when needed).

    Attributes
    ----------
    frame : polars.DataFrame
        One row per debtor, with the normalised columns and dtypes of the module docstring
        first, then any extra columns as read.
    source : str
        Where the rows came from (a file label, or a description for in-memory frames).
    """

    frame: pl.DataFrame
    source: str

    @property
    def n(self) -> int:
        """Number of debtors."""
        return self.frame.height

    @property
    def total_balance(self) -> float:
        """Sum of balances, R$."""
        return float(self.frame["balance"].sum())

    def summary(self) -> str:
        """A short multi-line text description (no ids).

        Returns
        -------
        str
            Debtors, total and typical balance, days past due, largest states, score
            coverage and channel reach.
        """
        f = self.frame
        word = "debtor" if self.n == 1 else "debtors"
        lines = [f"portfolio {self.source}: {self.n:,} {word}, total balance R$ {self.total_balance:,.2f}"]
        if self.n == 0:
            return lines[0]
        bal, dpd = f["balance"], f["days_past_due"]
        lines.append(
            f"  balance: mean R$ {bal.mean():,.2f}, median R$ {bal.median():,.2f}, "
            f"max R$ {bal.max():,.2f}"
        )
        lines.append(f"  days past due: median {dpd.median():g}, max {dpd.max()}")
        top = (
            f.group_by("state").len().sort(["len", "state"], descending=[True, False]).head(3)
        )
        states = ", ".join(f"{s} {c / self.n:.0%}" for s, c in top.iter_rows())
        lines.append(f"  states: {f['state'].n_unique()} (largest {states})")
        score = f["score"]
        have = self.n - score.null_count()
        if have:
            lines.append(f"  score: {have / self.n:.0%} scored, median {score.median():g}")
        else:
            lines.append("  score: none")
        prior = f["prior_delinquencies"]
        lines.append(f"  prior delinquencies: mean {prior.mean():.2f}, max {prior.max()}")
        reach = ", ".join(f"{c.removeprefix('has_')} {f[c].mean():.0%}" for c in FLAG_COLUMNS)
        lines.append(f"  reachable by {reach}")
        extra = [c for c in f.columns if c not in SCHEMA]
        if extra:
            lines.append(f"  extra columns: {', '.join(extra)}")
        return "\n".join(lines)
