"""What giving the larger debtors more simulated copies would buy the optimizer's paired differences.

Every debtor of the book is simulated ``K`` times (``K`` rounds with their own streams) under
the 6 leading offers of its segment (by a first round of the catalogue), in chunks as the
coefficient batch runs them (the agent pool loaded as the portfolio would be). From the
``K`` copies of each debtor the within-debtor variance ``s_i**2`` of the paired objective
difference between the segment's best offer and each rival is estimated without bias. A
design that gives debtor ``i`` ``m_i`` of the segment's ``M`` copies has variance
``sum_i s_i**2 / (N**2 m_i)``; the record compares

* uniform copies (``m_i = M / N``, today's design when a segment is simulated whole),
* copies ``∝ balance**0.5`` and ``∝ balance``,
* copies ``max(1, c x balance)``, every debtor at least once, with today's budget per debtor
  (``min(sample, 4 N) / N`` copies on average; as ``∝ balance`` when that is under 1),
* ``mixλ``: copies ∝ ``(1 - λ) mean(balance) + λ balance`` (a copy's weight at most ``1 / (1 - λ)``),
* the Neyman allocation ``∝ s_i`` (an oracle: it needs ``s_i``, known only after the fact),

as factors var(uniform) / var(design) > 1 when the design is better. The between-debtor part
of a sampled segment's variance is left out (most segments of the bundled books are simulated
whole). ``python -m benchmarks.balance_sampling [scenario] [--rounds K] [--seed S]`` prints one
JSON line per segment and a summary line.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

__all__ = ["measure", "main"]

DESIGNS = ("balance^0.5", "balance", "balance_floor1", "mix0.5", "mix0.8", "neyman_oracle")


def _floored(bal: np.ndarray, mean_copies: float) -> np.ndarray:
    """Copies ``max(1, c x balance)`` with ``c`` such that they average ``mean_copies`` (>= 1), as shares of the mean."""
    lo, hi = 0.0, mean_copies / max(float(bal.min()), 1e-12)
    for _ in range(100):  # bisection on c
        c = 0.5 * (lo + hi)
        lo, hi = (c, hi) if np.maximum(1.0, c * bal).mean() < mean_copies else (lo, c)
    m = np.maximum(1.0, 0.5 * (lo + hi) * bal)
    return m / m.mean()


def _factors(s2: np.ndarray, bal: np.ndarray, mean_copies: float) -> dict[str, float]:
    """var(uniform) / var(design) for the designs of :data:`DESIGNS` (``s2``: per-debtor variances)."""
    base = float(s2.sum())
    out = {}
    for name, size in (("balance^0.5", bal ** 0.5), ("balance", bal), ("neyman_oracle", np.sqrt(s2)),
                       ("balance_floor1", _floored(bal, mean_copies) if mean_copies > 1 else bal),
                       ("mix0.5", 0.5 * bal.mean() + 0.5 * bal), ("mix0.8", 0.2 * bal.mean() + 0.8 * bal)):
        share = size / max(float(size.mean()), 1e-300)  # m_i / (M / N)
        keep = share > 0
        out[name] = base / max(float((s2[keep] / share[keep]).sum()), 1e-300) if keep.all() or not s2[~keep].any() \
            else 0.0
    return out


def measure(scenario: str = "base", rounds: int = 8, seed: int = 11, rivals: int = 5,
            workers: int = 2) -> tuple[list[dict], dict]:
    """Per-segment factors of :data:`DESIGNS` and their summary; see the module docstring."""
    from acordo.pipeline import prepare
    from optimizer.coefficients import catalogue
    from optimizer.sampling import ChunkRunner, plan_chunks, run_chunks
    model = prepare(f"scenarios/{scenario}.toml").model
    sc = model.scenario
    offers = catalogue(model)
    S = model.n_segments
    members = [[k for k, o in enumerate(offers) if o.segment == s] for s in range(S)]
    seg_rows = [np.flatnonzero(model.seg == s) for s in range(S)]
    seg_counts = np.bincount(model.seg, minlength=S)
    mh = np.array([float(sc.optimizer.moral_hazard_cost) if sc.segments[o.segment].chronic else 0.0 for o in offers])
    offer_arr = np.array([[o.discount, o.installments, o.down, 0.0] for o in offers])
    sim_seq = np.random.SeedSequence(seed)
    t0 = time.perf_counter()
    runner = ChunkRunner(model, offer_arr, sim_seq, False, workers=workers)
    try:
        def simulate(r: int, by_seg: list[list[int]]) -> dict[int, np.ndarray]:
            out = {}
            for res in run_chunks(runner, plan_chunks(r, seg_rows, by_seg, seg_counts)):
                for (s, k), v, _w in zip(res.blocks, res.values, res.weeks):
                    out[k] = v[0] - v[1] - mh[k] * v[2]
            return out
        first = simulate(0, members)
        lead = [sorted(ks, key=lambda k: (-float(first[k].mean()), k))[:1 + rivals] for ks in members]
        obj = [simulate(r, lead) for r in range(1, rounds + 1)]
    finally:
        runner.close()
    records = []
    for s in range(S):
        if len(lead[s]) < 2:
            continue
        b, bal = lead[s][0], model.balance[seg_rows[s]]
        per_pair = []
        for k in lead[s][1:]:
            d = np.stack([o[b] - o[k] for o in obj])  # (K, N_s)
            s2 = d.var(axis=0, ddof=1)
            mean_copies = min(int(sc.optimizer.sample_per_segment), 4 * int(seg_counts[s])) / int(seg_counts[s])
            per_pair.append(_factors(s2, bal, mean_copies))
        records.append({"segment": sc.segment_names[s], "debtors": int(seg_counts[s]),
                        **{name: round(float(np.median([p[name] for p in per_pair])), 2) for name in DESIGNS}})
    summary = {"scenario": scenario, "rounds": rounds, "seed": seed, "seconds": round(time.perf_counter() - t0, 1),
               **{name: {"median": round(float(np.median([r[name] for r in records])), 2),
                         "min": round(float(np.min([r[name] for r in records])), 2),
                         "max": round(float(np.max([r[name] for r in records])), 2)} for name in DESIGNS}}
    return records, summary


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="base")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    records, summary = measure(a.scenario, a.rounds, a.seed, workers=a.workers)
    for r in records:
        print(json.dumps(r))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
