"""What the calibration figures draw, computed once: acceptance by discount bin, keeping by installment."""
from __future__ import annotations

import numpy as np
import polars as pl

from calibration.acceptance import accept_probability
from calibration.estimates import PORTFOLIO

__all__ = ["acceptance_bins", "keeping_by_installment"]


def _bins(d: np.ndarray) -> np.ndarray:
    values = np.unique(np.round(d, 4))
    if values.size <= 15:
        return np.round(d, 4)
    edges = np.linspace(d.min(), d.max() + 1e-9, 11)
    k = np.clip(np.digitize(d, edges) - 1, 0, 9)
    return np.round((edges[k] + edges[k + 1]) / 2, 4)


def acceptance_bins(of: pl.DataFrame, fits: dict[str, tuple], draws: int = 100) -> pl.DataFrame:
    """Per segment and discount bin: first offers, observed acceptance, fitted mean and its 95% band.

    First offers only (a debtor's later offers, after declining, are accepted less: its
    capacity is the same), so that observed and fitted are the same quantity.

    The band is the 2.5–97.5% range of the fitted mean over ``draws`` parameter vectors
    drawn from the estimate's asymptotic normal distribution (observed information).
    """
    rows = []
    rng = np.random.default_rng(0)
    for name, (s, theta, cov) in fits.items():
        sub = of if s is None else of.filter(pl.col("seg") == s)
        sub = sub.filter(pl.col("rank") == 0)
        if sub.height == 0:
            continue
        d = sub.get_column("d").to_numpy()
        lf, lp = sub.get_column("lf").to_numpy(), sub.get_column("lp").to_numpy()
        acc = sub.get_column("accepted").to_numpy().astype(float)
        b = _bins(d)
        try:
            sims = rng.multivariate_normal(theta, cov, size=draws, check_valid="ignore")
        except (np.linalg.LinAlgError, ValueError):
            sims = np.repeat(theta[None, :], draws, axis=0)
        for v in np.unique(b):
            m = b == v
            if m.sum() > 2000:
                m = np.flatnonzero(m)[:: int(np.ceil(m.sum() / 2000))]
            fitted = float(accept_probability(theta, d[m], lf[m], lp[m]).mean())
            band = np.array([accept_probability(th, d[m], lf[m], lp[m]).mean() for th in sims])
            rows.append({"segment": name, "discount": float(v), "offers": int(np.size(acc[m])),
                         "observed": float(acc[m].mean()), "fitted": fitted,
                         "lo": float(np.quantile(band, 0.025)), "hi": float(np.quantile(band, 0.975))})
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def keeping_by_installment(result, inst: pl.DataFrame, data) -> pl.DataFrame:
    """Per segment and installment number (capped at 12): share paid on the due date, observed and fitted."""
    factor = {s.name: s.behaviour.chronic_keep_factor for s in data.scenario.segments}
    names = list(result.counts)
    rows = []
    for s, name in enumerate(names + [PORTFOLIO]):
        sub = inst if name == PORTFOLIO else inst.filter(pl.col("seg") == s)
        if sub.height == 0:
            continue
        kf, kp = result.get(name, "keep_first"), result.get(name, "keep")
        agg = sub.with_columns(kk=pl.col("k").clip(0, 12)).group_by("kk").agg(
            pl.len().alias("n"), pl.col("on_time").mean().alias("observed"), pl.col("chronic").mean().alias("chr"))
        fac = factor.get(name, data.scenario.behaviour.chronic_keep_factor)
        for r in agg.sort("kk").iter_rows(named=True):
            base = kf.value if r["kk"] == 0 else kp.value
            rows.append({"segment": name, "installment": int(r["kk"]) + 1, "due": int(r["n"]),
                         "observed": float(r["observed"]), "fitted": float(base * (1 - r["chr"] + r["chr"] * fac))})
    return pl.DataFrame(rows) if rows else pl.DataFrame()
