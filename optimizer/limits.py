"""Discount limits: per segment, the largest discount a policy gives and what its last step buys."""
from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["discount_limits"]


def discount_limits(table: pl.DataFrame, x: np.ndarray, tol: float = 1e-9) -> pl.DataFrame:
    """Per segment the discount limit of shares ``x`` and the value of its last discount step.

    Columns: ``segment, discount_limit`` (largest discount with a positive share),
    ``offer, installments, share`` (the offer at that discount with the largest share),
    ``lower_offer, lower_discount`` (the best-net offer at the next smaller discount level)
    and ``marginal_net_per_give`` (net recovery per R$ of extra give-away of that step).
    """
    schema = {
        "segment": pl.String,
        "discount_limit": pl.Float64,
        "offer": pl.String,
        "installments": pl.Int64,
        "share": pl.Float64,
        "lower_offer": pl.String,
        "lower_discount": pl.Float64,
        "marginal_net_per_give": pl.Float64,
    }
    if not np.all(np.isfinite(x)):
        return pl.DataFrame(schema=schema)
    order = pl.DataFrame({"segment": list(dict.fromkeys(table["segment"].to_list()))}).with_row_index("_order")
    data = table.select("segment", "offer", "discount", "installments", "npv", "cost", "give").with_columns(
        pl.Series("share", x), (pl.col("npv") - pl.col("cost")).alias("net")
    )
    limit = data.filter(pl.col("share") > tol).group_by("segment").agg(pl.col("discount").max().alias("discount_limit"))
    with_limit = data.join(limit, on="segment")
    # the offer at the limit with the largest share
    top = (
        with_limit.filter((pl.col("discount") == pl.col("discount_limit")) & (pl.col("share") > tol))
        .sort(["segment", "share"], descending=[False, True], maintain_order=True)
        .group_by("segment", maintain_order=True)
        .first()
    )
    # the best-net offer at the next smaller discount level of the catalogue
    below = with_limit.filter(pl.col("discount") < pl.col("discount_limit"))
    level = below.group_by("segment").agg(pl.col("discount").max().alias("lower_discount"))
    low = (
        below.join(level, on="segment")
        .filter(pl.col("discount") == pl.col("lower_discount"))
        .sort(["segment", "net"], descending=[False, True], maintain_order=True)
        .group_by("segment", maintain_order=True)
        .first()
        .select("segment", pl.col("offer").alias("lower_offer"), "lower_discount",
                pl.col("net").alias("_low_net"), pl.col("give").alias("_low_give"))
    )
    step = pl.col("give") - pl.col("_low_give")
    out = (
        top.join(low, on="segment", how="left")
        .with_columns(
            pl.when(step > 0).then((pl.col("net") - pl.col("_low_net")) / step).otherwise(float("nan"))
            .fill_null(float("nan")).alias("marginal_net_per_give")
        )
        .join(order, on="segment")
        .sort("_order")
    )
    return out.select(list(schema)).cast(schema)  # type: ignore[arg-type]
