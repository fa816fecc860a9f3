"""How much control variates reduce the variance of the optimizer's paired offer differences.

One round of the coefficient batch is simulated as :func:`optimizer.coefficients.estimate_coefficients`
runs it (same debtor sample, chunks and streams), with the engine's martingale controls
recorded. For every segment, the best offer by objective per copy (``npv - cost - mh x give``)
and its top rivals, the variance of the paired difference per copy is compared before and
after a least-squares adjustment on each kind of control (all have an exactly known mean):

* ``covariates``: the debtor's balance, log balance, days past due, prior delinquencies and
  channels, centred at their mean over the whole segment of the book;
* ``latent``: the engine's latent draws of the copy (lump-sum and monthly capacity normals,
  the self-cure uniform), their products with the balance, and per offer the affordability
  indicator at the start (``1{L >= first} 1{M >= installment}``) less its exact probability;
* ``martingale``: the engine's sums ``(1{u < p} - p) w`` over agreements made in a
  conversation and installments paid (:data:`simulation.engine_agreements.CONTROLS`), of
  both offers;
* ``all``: the three together.

Keys of the records (each a factor var before / var after; > 1 is a reduction): ``diff``
(in sample, df-corrected: optimistic, the coefficients are fitted on the copies they adjust),
``diff_split`` (two-fold cross-fit: coefficients fitted on one half of the copies, the
residual measured on the other; the honest figure), ``diff_split_wls`` (the same with the
coefficients fitted per R$ of balance, weights ``1 / balance**2``), ``mean`` / ``mean_split``
(the best offer's own mean). Also ``top1pct_var_share`` (share of the paired difference's
sum of squares in its top 1% of copies) and ``pps0.5`` / ``pps1``: the factor that drawing
debtors with probability ``∝ balance**alpha`` would buy over simple random sampling (not a
control variate; the Hansen-Hurwitz variance estimated from this sample); ``fixed0.25`` ...
``fixed1``: no fit, the difference less ``beta`` x the difference of the two offers'
``agree_amount`` martingales.

``python -m benchmarks.control_variates [scenario] [--n N] [--sample S] [--seed K] [--workers W]``
prints one JSON line per segment and one summary line (median, min and max over segments of
the per-segment medians over the best offer's top 5 rivals).
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.special import ndtr

__all__ = ["measure", "main"]

KINDS = ("covariates", "latent", "martingale", "all")
FIXED_BETAS = (0.25, 0.5, 1.0)


def _ols_var(d: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    """Residual variance of ``d`` on ``[1, X]`` (df-corrected) and on a half-split (fit on one half)."""
    n = d.size
    A = np.column_stack([np.ones(n), X])
    beta, *_ = np.linalg.lstsq(A, d, rcond=None)
    r = d - A @ beta
    p = A.shape[1]
    full = float(r @ r / max(n - p, 1))
    # two-fold cross-fit on alternate copies: beta from one half, the residual on the other
    res = np.empty(n)
    for f in (0, 1):
        fit, out = (np.arange(n) % 2) == f, (np.arange(n) % 2) != f
        b1, *_ = np.linalg.lstsq(A[fit], d[fit], rcond=None)
        res[out] = d[out] - A[out] @ b1
    split = float(np.var(res, ddof=1))
    return full, split


def _wls_split(d: np.ndarray, X: np.ndarray, bal: np.ndarray) -> float:
    """Two-fold cross-fitted residual variance, the coefficients fitted with weights ``1 / balance**2``.

    Per R$ of balance the copies are alike, so a fit on the scaled problem is not led by the
    few largest debtors; the residual is that of the unweighted difference.
    """
    n = d.size
    A = np.column_stack([np.ones(n), X])
    w = 1.0 / np.maximum(bal, 1.0)
    res = np.empty(n)
    for f in (0, 1):
        fit, out = (np.arange(n) % 2) == f, (np.arange(n) % 2) != f
        b1, *_ = np.linalg.lstsq(A[fit] * w[fit, None], d[fit] * w[fit], rcond=None)
        res[out] = d[out] - A[out] @ b1
    return float(np.var(res, ddof=1))


def _tail_share(d: np.ndarray) -> float:
    """Share of the sum of squared deviations carried by the top 1% of copies."""
    dd = np.sort((d - d.mean()) ** 2)
    return float(dd[-max(1, d.size // 100):].sum() / max(dd.sum(), 1e-300))


def _pps_var(d: np.ndarray, bal: np.ndarray, pop_bal: np.ndarray, alpha: float) -> float:
    """Per-copy variance of the mean of ``d`` if debtors were drawn with probability ``∝ balance**alpha``.

    Hansen-Hurwitz: ``n V = sum_pop p_i (d_i / (N p_i) - mean)**2``, the population sum estimated
    from this simple random sample (``N x`` its mean), so ``var(d) / this`` is the factor such
    sampling would buy over simple random sampling.
    """
    N = pop_bal.size
    p = bal ** alpha / float((pop_bal ** alpha).sum())
    return float(N * np.mean(p * (d / (N * p) - d.mean()) ** 2))


def measure(scenario: str = "base", n: int | None = None, sample: int | None = None, seed: int = 11,
            rivals: int = 5, workers: int = 1) -> tuple[list[dict], dict]:
    """Per-segment variance factors and a summary; see the module docstring."""
    from acordo.pipeline import prepare
    from optimizer.coefficients import catalogue
    from optimizer.sampling import ChunkRunner, plan_chunks, run_chunks
    from simulation.draws import normal, replication_streams, uniform
    from simulation.engine_agreements import CONTROLS
    from simulation.engine_books import plan_installments
    settings = {}
    if n:
        settings["portfolio.synthetic_n"] = int(n)
    if sample:
        settings["optimizer.sample_per_segment"] = int(sample)
    model = prepare(f"scenarios/{scenario}.toml", settings=settings or None).model
    sc = model.scenario
    sample = int(sample or sc.optimizer.sample_per_segment)
    offers = catalogue(model)
    S = model.n_segments
    members = [[k for k, o in enumerate(offers) if o.segment == s] for s in range(S)]
    seg_rows = [np.flatnonzero(model.seg == s) for s in range(S)]
    seg_counts = np.bincount(model.seg, minlength=S)
    root = np.random.SeedSequence(seed)
    sample_seq, sim_seq, _ = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key).spawn(3)
    rng = np.random.default_rng(np.random.SeedSequence(sample_seq.entropy, spawn_key=tuple(sample_seq.spawn_key) + (0,)))
    per = max(1, sample // 2)
    rows_by_seg = [r if r.size <= per else np.sort(rng.choice(r, size=per, replace=False)) for r in seg_rows]
    offer_arr = np.array([[o.discount, o.installments, o.down, 0.0] for o in offers])
    runner = ChunkRunner(model, offer_arr, sim_seq, False, workers=workers, controls=True)
    t0 = time.perf_counter()
    try:
        results = run_chunks(runner, plan_chunks(0, rows_by_seg, members, seg_counts))
    finally:
        runner.close()
    seconds = time.perf_counter() - t0
    vals = {}
    for res in results:
        for (s, k), v, _w in zip(res.blocks, res.values, res.weeks):
            vals[k] = v
    streams = replication_streams(np.random.SeedSequence(sim_seq.entropy, spawn_key=tuple(sim_seq.spawn_key) + (0,)), 1)[0]
    P = model.params
    mh = float(sc.optimizer.moral_hazard_cost)
    o = sc.offers
    records = []
    for s in range(S):
        rows = rows_by_seg[s]
        if rows.size < 30 or not members[s]:
            continue
        chronic = bool(sc.segments[s].chronic)
        obj = {k: vals[k][0] - vals[k][1] - (mh if chronic else 0.0) * vals[k][2] for k in members[s]}
        mu = {k: float(v.mean()) for k, v in obj.items()}
        order = sorted(mu, key=lambda k: (-mu[k], k))
        b = order[0]
        # covariates, centred at the segment's mean over the whole book
        pop = seg_rows[s]
        def cov(idx):
            bal = model.balance[idx]
            return np.column_stack([bal, np.log(bal), model.dpd[idx], model.prior[idx] if model.prior is not None
                                    else np.zeros(idx.size), model.available[:, idx].T.astype(float)])
        Xa = cov(rows) - cov(pop).mean(axis=0)
        Xa = Xa[:, np.ptp(Xa, axis=0) > 0] if Xa.size else Xa
        # latent draws of this round (the engine's own draws: same keys, same ids)
        rid = model.rid[rows]
        zl, zm = normal(streams["lump"], rid), normal(streams["monthly"], rid)
        u = uniform(streams["cure"], rid, 0, 0)
        bal = model.balance[rows]
        L = bal * np.exp(P["lump_mu"][s] + P["lump_sigma"][s] * zl)
        M = bal * np.exp(P["monthly_mu"][s] + P["monthly_sigma"][s] * zm)
        Xb_common = np.column_stack([zl, zm, u - 0.5, bal * zl, bal * zm, bal * (u - 0.5), zl ** 2 - 1, zm ** 2 - 1])

        def afford(k):
            ok = offers[k]
            A = bal * (1 - ok.discount)
            first, inst, npay = plan_installments(A, np.full(rows.size, ok.installments), np.full(rows.size, ok.down),
                                                  o.plan_interest_monthly, o.min_installment)
            ind = (first <= L) & ((npay == 1) | (inst <= M))
            with np.errstate(divide="ignore"):
                pl_ = 1 - ndtr((np.log(first / bal) - P["lump_mu"][s]) / P["lump_sigma"][s])
                pm = np.where(npay == 1, 1.0, 1 - ndtr((np.log(np.maximum(inst, 1e-300) / bal) - P["monthly_mu"][s])
                                                       / P["monthly_sigma"][s]))
            c = ind - pl_ * pm
            return np.column_stack([c, c * A])

        def mart(k):
            return vals[k][8:8 + len(CONTROLS)].T

        rec = {"segment": sc.segment_names[s], "copies": int(rows.size), "offers": len(members[s]),
               "whole_segment": bool(rows.size == pop.size), "best": offers[b].discount, "pairs": []}
        for kind in ("mean", "diff"):
            rec[kind] = {k: [] for k in KINDS}
            rec[kind + "_split"] = {k: [] for k in KINDS}
        for k in order[1:1 + rivals]:
            d = obj[b] - obj[k]
            raw = float(np.var(d, ddof=1))
            Xs = {"covariates": Xa, "latent": np.column_stack([Xb_common, afford(b), afford(k)]),
                  "martingale": np.column_stack([mart(b), mart(k)])}
            Xs["all"] = np.column_stack([Xs["covariates"], Xs["latent"], Xs["martingale"]])
            rec["pairs"].append({"rival_gap": mu[b] - mu[k], "raw_se": (raw / rows.size) ** 0.5,
                                 "top1pct_var_share": _tail_share(d)})
            amount = CONTROLS.index("agree_amount")
            for beta in FIXED_BETAS:  # no fit: the difference less beta x the agreement martingales' difference
                c = vals[b][8 + amount] - vals[k][8 + amount]
                rec.setdefault(f"fixed{beta:g}", []).append(raw / max(float(np.var(d - beta * c, ddof=1)), 1e-12))
            for alpha in (0.5, 1.0):
                rec.setdefault(f"pps{alpha:g}", []).append(raw / _pps_var(d, model.balance[rows], model.balance[pop], alpha))
            for kind, X in Xs.items():
                full, split = _ols_var(d, X)
                rec["diff"][kind].append(raw / max(full, 1e-12))
                rec["diff_split"][kind].append(raw / max(split, 1e-12))
                rec.setdefault("diff_split_wls", {}).setdefault(kind, []).append(
                    raw / max(_wls_split(d, X, model.balance[rows]), 1e-12))
        y = obj[b]
        rawm = float(np.var(y, ddof=1))
        Xs = {"covariates": Xa, "latent": np.column_stack([Xb_common, afford(b)]), "martingale": mart(b)}
        Xs["all"] = np.column_stack(list(Xs.values()))
        for kind, X in Xs.items():
            full, split = _ols_var(y, X)
            rec["mean"][kind] = [rawm / max(full, 1e-12)]
            rec["mean_split"][kind] = [rawm / max(split, 1e-12)]
        out = {"segment": rec["segment"], "copies": rec["copies"], "whole_segment": rec["whole_segment"],
               "raw_diff_se": [round(p["raw_se"], 2) for p in rec["pairs"]],
               "gaps": [round(p["rival_gap"], 2) for p in rec["pairs"]]}
        for kind in ("mean", "diff", "diff_split", "diff_split_wls", "mean_split"):
            out[kind] = {k: round(float(np.median(v)), 2) for k, v in rec[kind].items()}
        out["top1pct_var_share"] = round(float(np.median([p["top1pct_var_share"] for p in rec["pairs"]])), 3)
        for beta in FIXED_BETAS:
            out[f"fixed{beta:g}"] = round(float(np.median(rec[f"fixed{beta:g}"])), 2)
        for alpha in (0.5, 1.0):
            out[f"pps{alpha:g}"] = round(float(np.median(rec[f"pps{alpha:g}"])), 2)
        records.append(out)
    summary = {"scenario": scenario, "debtors": model.n, "sample_per_round": per, "seed": seed,
               "simulate_seconds": round(seconds, 1)}
    for key in ("top1pct_var_share", "pps0.5", "pps1", *(f"fixed{b:g}" for b in FIXED_BETAS)):
        v = [r[key] for r in records]
        summary[key] = {"median": round(float(np.median(v)), 3), "min": round(float(np.min(v)), 3),
                        "max": round(float(np.max(v)), 3)}
    for kind in ("diff", "diff_split", "diff_split_wls", "mean", "mean_split"):
        summary[kind] = {k: {"median": round(float(np.median([r[kind][k] for r in records])), 2),
                             "min": round(float(np.min([r[kind][k] for r in records])), 2),
                             "max": round(float(np.max([r[kind][k] for r in records])), 2)} for k in KINDS}
    return records, summary


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="base")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--sample", type=int, default=None)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    records, summary = measure(a.scenario, a.n, a.sample, a.seed, workers=a.workers)
    for r in records:
        print(json.dumps(r))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
