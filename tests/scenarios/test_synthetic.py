"""Synthetic portfolio generator: determinism, schema, validity, plausible shares."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from scenarios.portfolio import UF_CODES, validate_frame
from scenarios.synthetic import (
    MIXED_SHARES,
    PRODUCTS,
    UF_POPULATION_2022,
    generate_portfolio,
    write_portfolio,
)

N = 20_000
SCHEMA = pl.Schema({
    "debtor_id": pl.String, "balance": pl.Float64, "days_past_due": pl.Int64,
    "state": pl.String, "score": pl.Float64, "prior_delinquencies": pl.Int64,
    "has_phone": pl.Boolean, "has_email": pl.Boolean, "has_whatsapp": pl.Boolean,
    "product": pl.String,
})


@pytest.fixture(scope="module")
def mixed() -> pl.DataFrame:
    return generate_portfolio(N, np.random.default_rng(2024))


def test_same_seed_same_frame_and_bytes(tmp_path):
    a = generate_portfolio(3_000, np.random.default_rng(7))
    b = generate_portfolio(3_000, np.random.default_rng(7))
    assert a.equals(b)
    for suffix in (".parquet", ".csv", ".pq"):
        pa, pb = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        assert write_portfolio(a, pa) == pa
        write_portfolio(b, pb)
        assert pa.read_bytes() == pb.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.csv", "a.parquet", "a.pq", "b.csv", "b.parquet", "b.pq"]  # no temp files left
    assert pl.read_parquet(tmp_path / "a.parquet").equals(a)


def test_different_seeds_differ():
    a = generate_portfolio(1_000, np.random.default_rng(1))
    b = generate_portfolio(1_000, np.random.default_rng(2))
    assert a["debtor_id"].equals(b["debtor_id"])
    assert not a["balance"].equals(b["balance"])
    assert not a["state"].equals(b["state"])


def test_columns_dtypes_and_ids():
    df = generate_portfolio(12, np.random.default_rng(0), product="telecom")
    assert df.schema == SCHEMA
    assert df["debtor_id"].head(2).to_list() == ["D00000001", "D00000002"]
    assert df["debtor_id"][-1] == "D00000012"
    assert df["product"].unique().to_list() == ["telecom"]


@pytest.mark.parametrize("product", PRODUCTS)
def test_passes_validation(product):
    df = generate_portfolio(2_000, np.random.default_rng(3), product=product)
    pf = validate_frame(df, "synthetic", "SP")
    assert pf.n == 2_000
    assert pf.frame.equals(df)


def test_bad_arguments_name_the_parameter(tmp_path):
    rng = np.random.default_rng(0)
    for n in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match=r"^n: "):
            generate_portfolio(n, rng)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^product: .*'auto'"):
        generate_portfolio(10, rng, product="auto")
    with pytest.raises(TypeError, match=r"^rng: "):
        generate_portfolio(10, 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^path: "):
        write_portfolio(generate_portfolio(5, rng), tmp_path / "p.xlsx")


def test_ranges(mixed):
    assert mixed["balance"].min() >= 1.0
    assert (mixed["balance"] == mixed["balance"].round(2)).all()
    assert 0 <= mixed["days_past_due"].min() and mixed["days_past_due"].max() <= 720
    assert 0 <= mixed["score"].min() and mixed["score"].max() <= 1000
    assert mixed["prior_delinquencies"].min() >= 0
    assert set(mixed["state"].unique()) <= set(UF_CODES)
    assert mixed["debtor_id"].n_unique() == N


def test_plausible_shares(mixed):
    chronic = (mixed["prior_delinquencies"] >= 3).mean()
    assert 0.05 <= chronic <= 0.30
    assert 0.93 <= mixed["has_phone"].mean() <= 0.97
    assert 0.60 <= mixed["has_email"].mean() <= 0.70
    assert 0.82 <= mixed["has_whatsapp"].mean() <= 0.88
    assert not (mixed["has_whatsapp"] & ~mixed["has_phone"]).any()
    counts = mixed["state"].value_counts(sort=True)
    assert counts["state"][0] == "SP"
    sp_share = counts["count"][0] / N
    census_sp = UF_POPULATION_2022["SP"] / sum(UF_POPULATION_2022.values())
    assert abs(sp_share - census_sp) < 0.02
    shares = mixed["product"].value_counts().to_dict(as_series=False)
    for product, count in zip(shares["product"], shares["count"]):
        assert abs(count / N - MIXED_SHARES[product]) < 0.02


def test_lower_score_more_days_and_more_history(mixed):
    assert mixed.select(pl.corr("score", "days_past_due", method="spearman")).item() < -0.2
    low = mixed.filter(pl.col("score") < 250)
    high = mixed.filter(pl.col("score") > 500)
    assert low["prior_delinquencies"].mean() > high["prior_delinquencies"].mean()
    assert low["has_email"].mean() < high["has_email"].mean()


@pytest.mark.parametrize(("product", "median"), [
    ("crediario", 400), ("cartao", 3_500), ("telecom", 180), ("pessoal", 6_000),
])
def test_balance_medians_by_product(product, median):
    df = generate_portfolio(N, np.random.default_rng(11), product=product)
    assert df["balance"].median() == pytest.approx(median, rel=0.05)


def test_census_weights_cover_every_uf():
    assert set(UF_POPULATION_2022) == set(UF_CODES)
    assert sum(UF_POPULATION_2022.values()) == 203_080_756  # IBGE Censo 2022 total
