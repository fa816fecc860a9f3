"""Synthetic delinquent portfolios (``acordo portfolio``).

:func:`generate_portfolio` draws a portfolio of any size from an ``np.random.Generator``;
the same generator state gives the same frame, row for row. :func:`write_portfolio` writes
it as CSV or Parquet, byte-identical for identical frames.

The distributions are **illustrative**: shaped after widely published orders of magnitude
for Brazilian consumer delinquency (Serasa's *Mapa da Inadimplência* and the Central Bank's
credit statistics: cards and bank loans carry the largest debts, retail instalment credit
(crediário) and telecom/utility bills many small ones; scores of delinquent consumers sit
in the low bands of the 0..1000 scale), not fitted to any data set. Only the state weights
are official figures (IBGE, Censo 2022). Calibrate the scenario, not this module, when
real numbers are at hand.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from scenarios.portfolio import UF_CODES

__all__ = [
    "PRODUCTS",
    "UF_POPULATION_2022",
    "MIXED_SHARES",
    "generate_portfolio",
    "write_portfolio",
]

#: Products the generator knows; ``"mixed"`` draws each debtor's product from
#: :data:`MIXED_SHARES`.
PRODUCTS: tuple[str, ...] = ("mixed", "crediario", "cartao", "telecom", "pessoal")

#: Resident population per UF, IBGE Censo Demográfico 2022 (first results, published
#: 28 June 2023; Brazil total 203,080,756). Used as state weights.
UF_POPULATION_2022: dict[str, int] = {
    "SP": 44_411_238, "MG": 20_539_989, "RJ": 16_055_174, "BA": 14_141_626,
    "PR": 11_444_380, "RS": 10_882_965, "PE": 9_058_931, "CE": 8_794_957,
    "PA": 8_120_131, "SC": 7_610_361, "GO": 7_056_495, "MA": 6_776_699,
    "PB": 3_974_687, "AM": 3_941_613, "ES": 3_833_712, "MT": 3_658_649,
    "RN": 3_302_729, "PI": 3_271_199, "AL": 3_127_683, "DF": 2_817_381,
    "MS": 2_757_013, "SE": 2_210_004, "RO": 1_581_196, "TO": 1_511_460,
    "AC": 830_018, "AP": 733_759, "RR": 636_707,
}

#: Product shares of a ``"mixed"`` portfolio (illustrative: cards and bank credit are the
#: largest part of consumer delinquency in Serasa's segment split, then utility/telecom
#: bills, retail and finance-company credit).
MIXED_SHARES: dict[str, float] = {"crediario": 0.25, "cartao": 0.35, "telecom": 0.20,
                                  "pessoal": 0.20}

# Per product (order of _KINDS), all illustrative:
#   balance: lognormal with the given median (R$) and log-sd. Crediário (store instalment
#     plans): many small debts, median ~R$ 400. Cartão (credit card, revolving interest
#     piles up): median ~R$ 3,500 and the heaviest tail. Telecom/utility bills: one to a few
#     unpaid monthly bills, median ~R$ 180. Pessoal (personal loan): median ~R$ 6,000.
#   score: Beta(mean*k, (1-mean)*k) * 1000 with k = _SCORE_CONCENTRATION; means of 320-420
#     put most delinquent debtors in the "low"/"regular" bands of bureau scores.
#   days past due: lognormal median (days) and log-sd, shifted by the score (below).
#     Telecom debts are sold or written off early; loans linger longest.
_KINDS: tuple[str, ...] = ("crediario", "cartao", "telecom", "pessoal")
_BALANCE_MEDIAN = np.array([400.0, 3_500.0, 180.0, 6_000.0])
_BALANCE_SIGMA = np.array([0.85, 1.25, 0.75, 0.95])
_SCORE_MEAN = np.array([0.32, 0.38, 0.42, 0.40])
_SCORE_CONCENTRATION = 5.0
_DPD_MEDIAN = np.array([90.0, 120.0, 60.0, 150.0])
_DPD_SIGMA = 0.9
_DPD_SCORE_SLOPE = 2.0   # log-days per unit of score/1000 below the product mean
_DPD_MAX = 720
_MIN_BALANCE = 1.00
_MAX_BALANCE_MULTIPLE = 50.0  # balances capped at 50x the product median (e.g. R$ 175,000 cartão)

# Prior delinquencies: zero-inflated negative binomial. A share _PRIOR_ZERO never defaulted
# before; the rest draw NB(r, mean mu) with mu = _PRIOR_MU * exp(-_PRIOR_SLOPE*(s - 0.35)),
# s = score/1000, so low scores carry more history. Tuned so ~15% have >= 3 (a chronic tail).
_PRIOR_ZERO = 0.40
_PRIOR_MU = 1.8
_PRIOR_SLOPE = 3.0
_PRIOR_R = 1.0

# Channel reach (illustrative; mobile phones are near universal in Brazil and WhatsApp is on
# almost every smartphone, e-mail less so among low-income debtors).
_P_PHONE = 0.95
_P_WHATSAPP_GIVEN_PHONE = 0.85 / 0.95   # ~85% overall; WhatsApp needs a phone number
_EMAIL_BASE, _EMAIL_SLOPE = 0.45, 0.50  # P(email) = 0.45 + 0.5 * score/1000, ~64% overall

_ID_DIGITS = 8
_PARQUET_SUFFIXES = (".parquet", ".pq")


def generate_portfolio(n: int, rng: np.random.Generator, product: str = "mixed") -> pl.DataFrame:
    """Draw a synthetic delinquent portfolio.

    Parameters
    ----------
    n : int
        Number of debtors, >= 1.
    rng : numpy.random.Generator
        The random stream; the frame depends only on its state (same seed ⇒ same frame).
    product : str, default "mixed"
        One of :data:`PRODUCTS`. ``"mixed"`` draws each debtor's product with
        :data:`MIXED_SHARES`.

    Returns
    -------
    polars.DataFrame
        Columns and dtypes of a normalised portfolio (DESIGN section 6) plus ``product``:

        - ``debtor_id`` (String): ``D00000001``, ``D00000002``, ... (8 digits, more when
          ``n`` needs them).
        - ``balance`` (Float64, R$, cents): lognormal by product (medians ~R$ 400
          crediário, 3,500 cartão, 180 telecom, 6,000 pessoal), at least R$ 1.00 and at
          most 50 times the product median (the far lognormal tail is not realistic).
        - ``days_past_due`` (Int64, 0..720): lognormal by product, longer for lower scores.
        - ``state`` (String): UF drawn with weights proportional to the 2022 census
          population (:data:`UF_POPULATION_2022`).
        - ``score`` (Float64, whole numbers 0..1000): beta-shaped, centred low (320-420).
        - ``prior_delinquencies`` (Int64): zero-inflated negative binomial whose mean rises
          as the score falls; about 15% have 3 or more.
        - ``has_phone`` (~95%), ``has_email`` (~64%, lower for low scores),
          ``has_whatsapp`` (~85%, only with a phone) (Boolean).
        - ``product`` (String): the debtor's product (never ``"mixed"``).

    Raises
    ------
    ValueError
        If ``n`` < 1 or ``product`` is unknown (the message names the parameter).
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.

    Notes
    -----
    All shapes are illustrative (see the module docstring); the draws are vectorised and
    take well under a second per million debtors.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: must be a whole number >= 1 (got {n!r})")
    if product not in PRODUCTS:
        raise ValueError(f"product: unknown product (got {product!r}, expected one of "
                         f"{', '.join(PRODUCTS)})")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator (got {type(rng).__name__})")
    n = int(n)

    # Product per debtor.
    if product == "mixed":
        shares = np.array([MIXED_SHARES[k] for k in _KINDS])
        kind = rng.choice(len(_KINDS), size=n, p=shares / shares.sum())
    else:
        kind = np.full(n, _KINDS.index(product), dtype=np.int64)

    # Balance: lognormal around the product median, rounded to cents.
    z_bal = rng.standard_normal(n)
    balance = np.exp(np.log(_BALANCE_MEDIAN[kind]) + _BALANCE_SIGMA[kind] * z_bal)
    cap = _MAX_BALANCE_MULTIPLE * _BALANCE_MEDIAN[kind]
    balance = np.clip(np.round(balance, 2), _MIN_BALANCE, cap)

    # State: census weights.
    pop = np.array([UF_POPULATION_2022[uf] for uf in UF_CODES], dtype=np.float64)
    state_idx = rng.choice(len(UF_CODES), size=n, p=pop / pop.sum())

    # Score: beta around the product mean, scaled to 0..1000 whole points.
    mean = _SCORE_MEAN[kind]
    s = rng.beta(mean * _SCORE_CONCENTRATION, (1.0 - mean) * _SCORE_CONCENTRATION)
    score = np.round(s * 1000.0)

    # Days past due: lognormal, more days when the score is below the product mean.
    z_dpd = rng.standard_normal(n)
    log_dpd = np.log(_DPD_MEDIAN[kind]) + _DPD_SIGMA * z_dpd - _DPD_SCORE_SLOPE * (s - mean)
    dpd = np.clip(np.floor(np.exp(log_dpd)), 0, _DPD_MAX).astype(np.int64)

    # Prior delinquencies: zero-inflated negative binomial, mean rising as score falls.
    mu = _PRIOR_MU * np.exp(-_PRIOR_SLOPE * (s - 0.35))
    structural_zero = rng.random(n) < _PRIOR_ZERO
    counts = rng.negative_binomial(_PRIOR_R, _PRIOR_R / (_PRIOR_R + mu))
    prior = np.where(structural_zero, 0, counts).astype(np.int64)

    # Channels.
    has_phone = rng.random(n) < _P_PHONE
    has_whatsapp = has_phone & (rng.random(n) < _P_WHATSAPP_GIVEN_PHONE)
    has_email = rng.random(n) < (_EMAIL_BASE + _EMAIL_SLOPE * s)

    ids = pl.select(
        (pl.lit("D") + pl.int_range(1, n + 1, dtype=pl.Int64).cast(pl.String)
         .str.zfill(_ID_DIGITS)).alias("debtor_id")
    ).to_series()
    return pl.DataFrame({
        "debtor_id": ids,
        "balance": pl.Series(balance, dtype=pl.Float64),
        "days_past_due": pl.Series(dpd, dtype=pl.Int64),
        "state": pl.Series(UF_CODES, dtype=pl.String).gather(state_idx),
        "score": pl.Series(score, dtype=pl.Float64),
        "prior_delinquencies": pl.Series(prior, dtype=pl.Int64),
        "has_phone": pl.Series(has_phone, dtype=pl.Boolean),
        "has_email": pl.Series(has_email, dtype=pl.Boolean),
        "has_whatsapp": pl.Series(has_whatsapp, dtype=pl.Boolean),
        "product": pl.Series(_KINDS, dtype=pl.String).gather(kind),
    })


def write_portfolio(df: pl.DataFrame, path: str | Path) -> Path:
    """Write a portfolio as CSV or Parquet, reproducibly and atomically.

    Identical frames give byte-identical files: CSV with polars' default formatting,
    Parquet with fixed settings (zstd level 3, column statistics on, fixed row-group size).
    The file is written next to ``path`` under a temporary name and renamed into place,
    so an interrupted write never leaves a partial file.

    Parameters
    ----------
    df : polars.DataFrame
        The portfolio.
    path : str or pathlib.Path
        Target; the suffix chooses the format: ``.csv``, ``.parquet`` or ``.pq``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If the suffix of ``path`` is not one of the above.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix != ".csv" and suffix not in _PARQUET_SUFFIXES:
        raise ValueError(f"path: unknown file type (got {target.suffix or 'no suffix'!r}, "
                         "expected .csv, .parquet or .pq)")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        if suffix == ".csv":
            df.write_csv(tmp)
        else:
            df.write_parquet(tmp, compression="zstd", compression_level=3, statistics=True,
                             row_group_size=262_144)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
