"""LP coefficients by simulation: per (segment, offer), what one debtor is expected to bring.

Sequential sampling
-------------------
Coefficients are estimated in *rounds* (:mod:`optimizer.sampling` for how one round is
simulated: in chunks of offers, on the cores, with common random numbers across offers).
Round ``r`` simulates ``m_s = min(N_s, sample / 2)`` copies of every segment ``s``'s
debtors (fresh draws every round) under every offer of the segment's catalogue. With
``optimizer.copies = "balance"`` (the default) the copies are a systematic sample with
probability mostly ∝ balance, each copy's values scaled by its inverse probability
(:func:`optimizer.sampling.balance_copies`), so the larger debtors, where the offers'
paired differences lie, get more copies; with ``"uniform"`` a simple random sample (a
segment smaller than ``m_s`` simulated whole). After each round, for every segment, the
offer with the best objective per debtor (``npv - cost - chronic x moral_hazard x give``)
is compared with the runner-up by the paired difference over the same simulated debtors:

* **separated** when the difference exceeds ``1.96`` standard errors of the difference;
* **tied** when the segment's stake in that difference is negligible: ``N_s x 1.96 x
  se(difference) <= 0.1%`` of the portfolio's objective (the tie-break LP then picks the
  offer with less give-away);
* otherwise **open**: the next round samples it again.

Separated and tied segments go on in later rounds with a small sample (200 debtors) so the
agent pool keeps its load. Rounds stop when no segment is open, after 8 rounds, or when the
next round would exceed the work budget: ``sum_s min(sample, 4 N_s) x (offers of s)``
simulated copies (one fixed round of ``sample`` debtors per segment, or four copies of
every debtor of a smaller segment, so a small book costs what it has). The budget is work,
not seconds, so the same seed gives the same table on any machine. A segment's standard errors
are those of the copies actually simulated.

Table
-----
One row per (segment, offer): the means per simulated debtor and their standard errors
(``<name>_se``), agent minutes by week (``minutes_w00`` ...), ``net_diff_se`` (standard
error of the paired difference in objective with the segment's best offer), ``samples``,
``rounds`` and ``precision`` (``separated`` / ``tied`` / ``budget``), and bootstrap
replicates (``npv_boot``, ``cost_boot``, ``give_boot``, ``cash30_boot``: the means
re-weighted with Poisson(1) weights per simulated debtor, the same weights for all offers
of a debtor) that :mod:`optimizer.stability` re-solves the LP on.

Several cycles (``cycles.enabled``): ``npv`` is the long-run NPV the offer brings (collected
over every cycle, plus the customer margin earned between cycles, less the new arrears of
later cycles), ``cost`` every cycle's, so the LP's ``npv - cost`` charges the simulated
moral hazard; ``future`` (with ``future_se``) is the part of ``npv - cost`` after the first
cycle (0 with one cycle) and ``first_cycle_net`` the one-cycle value ``npv - cost - future``.
A copy keeps its offer in every cycle (the offer is valued as the segment's stationary rule). The chronic cap is not
applied to the catalogue: it is a row of the LP, so its price can be read.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import polars as pl

from optimizer.cache import cache_path, default_cache_dir, engine_code_hash, fingerprint, read_cached, write_cached
from optimizer.cache import read_cached as _read_cache, write_cached as _write_cache  # noqa: F401 - older names
from optimizer.sampling import ChunkRunner, balance_copies, plan_chunks, run_chunks
from simulation.model import SimModel

__all__ = ["CatalogueOffer", "catalogue", "estimate_coefficients", "offer_id", "default_cache_dir",
           "engine_code_hash", "BOOTSTRAP", "TIE_SHARE"]

#: Bootstrap replicates carried in the table.
BOOTSTRAP = 40
#: A segment's decision is tied when its stake is at most this share of the portfolio objective.
TIE_SHARE = 0.001
_Z = 1.96
_FILLER = 200
_MAX_ROUNDS = 8
_SMALL_COPIES = 4


def offer_id(discount: float, installments: int) -> str:
    """A readable offer id: ``d30_n6`` is 30% off in 6 payments."""
    return f"d{round(discount * 100):02d}_n{installments}"


@dataclass(frozen=True)
class CatalogueOffer:
    """One offer of a segment's catalogue (``in_catalogue=False``: a baseline offer outside it)."""

    segment: int
    discount: float
    installments: int
    down: float
    in_catalogue: bool = True


def _allowed(sc, seg) -> list[tuple[float, int]]:
    """The offers the business rules allow a segment, without the chronic cap (an LP row)."""
    cap = min(sc.offers.max_discount, seg.max_discount)
    return [(d, n) for d in sc.offers.discounts for n in sc.offers.installments
            if d <= cap + 1e-12 and n <= sc.offers.max_installments]


def catalogue(model: SimModel, extra_policies=()) -> list[CatalogueOffer]:
    """Every segment's allowed offers, plus the offers of ``extra_policies`` (e.g. the baseline)."""
    sc = model.scenario
    down = sc.offers.down_payment_share
    out: list[CatalogueOffer] = []
    for s, seg in enumerate(sc.segments):
        seen = set()
        for d, n in _allowed(sc, seg):
            out.append(CatalogueOffer(s, d, n, down))
            seen.add((round(d, 6), n, round(down, 6)))
        for policy in extra_policies:
            for o in policy.offers_for(seg.name):
                dp = down if o.down_payment_share < 0 else o.down_payment_share
                key = (round(o.discount, 6), o.installments, round(dp, 6))
                if key not in seen:
                    seen.add(key)
                    out.append(CatalogueOffer(s, o.discount, o.installments, dp, in_catalogue=False))
    return out


class _Stats:
    """Running sums per offer, per-debtor objective values per segment, bootstrap sums."""

    def __init__(self, K: int, n_weeks: int, mh: np.ndarray):
        self.n = np.zeros(K)
        self.sum = np.zeros((8, K))
        self.sq = np.zeros((8, K))
        self.weeks = np.zeros((K, n_weeks))
        self.boot = np.zeros((4, BOOTSTRAP, K))
        self.boot_w = np.zeros((BOOTSTRAP, K))
        self.spread = np.zeros((3, K))  # copies by balance: sums of scale x value**2 of npv, give, cash30
        self.mh = mh  # moral-hazard charge per R$ of give-away, per offer (0 for non-chronic)
        self.objective: dict[tuple[int, int], list[np.ndarray]] = {}

    def add(self, r: int, seg: int, k: int, values: np.ndarray, weeks: np.ndarray, w: np.ndarray) -> None:
        if values.shape[0] > 8:  # optimizer.sampling: rows 8-10 are the scaled copies' second moments
            self.spread[:, k] += values[8:11].sum(axis=1)
            values = values[:8]
        self.n[k] += values.shape[1]
        self.sum[:, k] += values.sum(axis=1)
        self.sq[:, k] += (values ** 2).sum(axis=1)
        self.weeks[k] += weeks
        self.boot[:, :, k] += (w @ values[[0, 1, 2, 4]].T).T
        self.boot_w[:, k] += w.sum(axis=1)
        obj = values[0] - values[1] - self.mh[k] * values[2]
        self.objective.setdefault((seg, k), []).append(obj)


def _decide(stats: _Stats, members: list[list[int]], seg_n: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Per segment ``separated`` / ``tied`` / ``open``; per offer the paired difference's standard error."""
    K = stats.n.size
    diff_se = np.zeros(K)
    means, best = {}, {}
    for s, ks in enumerate(members):
        if not ks:
            continue
        vals = {k: np.concatenate(stats.objective[(s, k)]) for k in ks if (s, k) in stats.objective}
        if not vals:  # a segment without debtors in this book
            continue
        mu = {k: float(v.mean()) for k, v in vals.items()}
        b = max(mu, key=lambda k: (mu[k], -k))
        means[s], best[s] = (vals, mu), b
    stake = sum(seg_n[s] * abs(means[s][1][best[s]]) for s in means)
    out = []
    for s, ks in enumerate(members):
        if s not in means:
            out.append("separated")
            continue
        vals, mu = means[s]
        b = best[s]
        for k, v in vals.items():
            if k != b:
                d = vals[b] - v
                diff_se[k] = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else math.inf
        others = [k for k in vals if k != b]
        if not others:
            out.append("separated")
            continue
        u = max(others, key=lambda k: mu[k])
        gap, se = mu[b] - mu[u], diff_se[u]
        if gap > _Z * se:
            out.append("separated")
        elif seg_n[s] * _Z * se <= TIE_SHARE * max(stake, 1e-9):
            out.append("tied")
        else:
            out.append("open")
    return out, diff_se


def estimate_coefficients(model: SimModel, *, seed: int | np.random.SeedSequence, sample: int | None = None,
                          replications: int | None = None, extra_policies=(), cache_dir=None,
                          unlimited_agents: bool = False, workers: int = 1,
                          progress: Callable[[int, int], None] | None = None,
                          not_called: int = 0) -> pl.DataFrame:
    """The LP's coefficient table, one row per (segment, offer); see the module docstring.

    Parameters
    ----------
    model : SimModel
    seed : int or SeedSequence
        Root of the debtor samples, the rounds' streams and the bootstrap weights.
    sample : int or None
        ``optimizer.sample_per_segment`` when None: the work budget is ``sample x offers``
        copies and a round samples ``sample / 2`` debtors of an open segment.
    replications : int or None
        None: sequential rounds by the rule above. An int: exactly that many rounds of
        ``sample`` debtors per segment, every segment (no adaptive stop).
    extra_policies : sequence of Policy
        Policies whose offers are estimated too (e.g. the baseline), ``in_catalogue=False``.
    cache_dir : path or None
        Where tables are cached (:mod:`optimizer.cache`); None for no cache.
    unlimited_agents : bool
        Simulate without the agent pool's limit.
    workers : int
        Processes the chunks run on; the table does not depend on it.
    progress : callable(done, total) or None
        Called after every chunk (``total`` is the work budget's estimate).
    not_called : int
        When > 0, the ``not_called`` best offers of every segment also get a *not-called*
        row (``calls`` False, offer id ``<offer>_nc``): the same offer with no calls (the
        dialler skips the debtor, :attr:`simulation.model.OfferPlan.no_calls`), simulated
        on the same debtors and streams as every round (common random numbers), so its
        difference with the called row is paired. Meant with ``unlimited_agents=True``:
        the called rows' minutes are then the minutes the cadence demands, which weekly
        capacity rows can allocate (:mod:`optimizer.weekly`).
    """
    sc = model.scenario
    sample = int(sample or sc.optimizer.sample_per_segment)
    offers = catalogue(model, extra_policies)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seed_key = f"{root.entropy}:{root.spawn_key}"
    by_balance = sc.optimizer.copies == "balance"  # copies ∝ balance (optimizer.sampling.balance_copies)
    cache = None
    if cache_dir is not None:
        key = fingerprint(model, offers, f"{sample}|{seed_key}|{unlimited_agents}|{replications}"
                          + (f"|nc{int(not_called)}" if not_called else "") + ("|copies=balance" if by_balance else ""))
        cache = cache_path(cache_dir, key)
        cached = read_cached(cache)
        if cached is not None:
            return cached
    sample_seq, sim_seq, boot_seq = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key).spawn(3)
    S, K = model.n_segments, len(offers)
    members: list[list[int]] = [[] for _ in range(S)]
    for k, o in enumerate(offers):
        members[o.segment].append(k)
    seg_counts = np.bincount(model.seg, minlength=S)
    seg_rows = [np.flatnonzero(model.seg == s) for s in range(S)]
    chronic = np.array([sc.segments[o.segment].chronic for o in offers])
    mh = np.where(chronic, float(sc.optimizer.moral_hazard_cost), 0.0)
    n_weeks = -(-model.calendar.horizon // 7)
    stats = _Stats(K, n_weeks, mh)
    offer_arr = np.array([[o.discount, o.installments, o.down, 0.0] for o in offers], dtype=float)
    if not_called:  # offer K + k: offer k with no calls
        offer_arr = np.vstack([offer_arr, offer_arr * np.array([1.0, 1.0, 1.0, 0.0]) + np.array([0, 0, 0, 1.0])])
    history: list[tuple[int, list[np.ndarray], list[np.ndarray]]] = []
    fixed = replications is not None
    rounds_max = int(replications) if fixed else _MAX_ROUNDS
    per_round = sample if fixed else max(1, sample // 2)
    # work follows the book: a segment costs at most `sample` copies per offer, or 4 copies
    # of each of its debtors when it is smaller than that
    budget = sum(min(_SMALL_COPIES * int(seg_counts[s]), sample) * len(members[s]) for s in range(S))
    status = ["open"] * S
    used, rounds_of = 0, np.zeros(S, np.int64)
    runner = ChunkRunner(model, offer_arr, sim_seq, unlimited_agents, workers=max(1, int(workers)))
    id_stride = int(model.rid.max(initial=0)) + 1  # copy j of a debtor in a round draws as rid + j x id_stride
    done, total = [0], [1]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], max(total[0], done[0]))
    try:
        for r in range(rounds_max):
            rng = np.random.default_rng(np.random.SeedSequence(sample_seq.entropy,
                                                               spawn_key=tuple(sample_seq.spawn_key) + (r,)))
            rows_by_seg, scale_by_seg, rid_by_seg = [], [], []
            for s in range(S):
                want = per_round if status[s] == "open" else _FILLER
                rows = seg_rows[s]
                scale = rid = None
                if by_balance and rows.size:
                    pick, scale, rid = balance_copies(rows, model.balance[rows], min(rows.size, want), rng, id_stride)
                else:
                    pick = rows if rows.size <= want else np.sort(rng.choice(rows, size=want, replace=False))
                rows_by_seg.append(pick)
                scale_by_seg.append(scale)
                rid_by_seg.append(rid)
            design = (scale_by_seg, rid_by_seg) if by_balance else (None, None)
            cost = sum(rows_by_seg[s].size * len(members[s]) for s in range(S))
            if r > 0 and (not fixed and used + cost > budget):
                break
            chunks = plan_chunks(r, rows_by_seg, members, seg_counts, *design)
            if r == 0:
                total[0] = len(chunks) * (rounds_max if fixed else max(1, min(rounds_max, budget // max(cost, 1))))
            brng = np.random.default_rng(np.random.SeedSequence(boot_seq.entropy,
                                                                spawn_key=tuple(boot_seq.spawn_key) + (r,)))
            weights = [brng.poisson(1.0, size=(BOOTSTRAP, rows_by_seg[s].size)).astype(float) for s in range(S)]
            for res in run_chunks(runner, chunks, tick):
                for (s, k), values, weeks in zip(res.blocks, res.values, res.weeks):
                    stats.add(r, s, k, values, weeks, weights[s])
            history.append((r, rows_by_seg, weights, design))
            used += cost
            rounds_of += np.array([status[s] == "open" for s in range(S)])
            if fixed:
                continue
            status, _ = _decide(stats, members, seg_counts.astype(float))
            if "open" not in status:
                break
        decided, diff_se = _decide(stats, members, seg_counts.astype(float))
        final = [("budget" if st == "open" else st) for st in decided]
        table = _table(model, offers, stats, diff_se, final, rounds_of, seg_counts, None)
        if not_called:
            table = pl.concat([table.with_columns(calls=pl.lit(True)),
                               _not_called(model, offers, stats, members, history, runner, int(not_called), mh,
                                           n_weeks, final, rounds_of, seg_counts)], how="vertical")
    finally:
        runner.close()
    if cache is not None:
        write_cached(cache, table)
    return table


def _not_called(model: SimModel, offers, stats: _Stats, members: list[list[int]], history, runner: ChunkRunner,
                M: int, mh: np.ndarray, n_weeks: int, precision: list[str], rounds_of: np.ndarray,
                seg_counts: np.ndarray) -> pl.DataFrame:
    """The not-called rows of every segment's ``M`` best catalogue offers, re-run on every round's debtors.

    Round ``r``'s chunks use round ``r``'s streams and the same debtors, so a not-called
    row and the called rows of its segment share their draws; with unlimited agents a copy's
    outcome does not depend on the other copies of its chunk.
    """
    K = len(offers)
    picked: list[list[int]] = []
    for s, ks in enumerate(members):
        # an offer whose calls take no minutes (no call in the cadence) needs no not-called twin
        cat = [k for k in ks if offers[k].in_catalogue and (s, k) in stats.objective and stats.sum[3, k] > 0]
        mu = {k: float(np.concatenate(stats.objective[(s, k)]).mean()) for k in cat}
        picked.append(sorted(cat, key=lambda k: (-mu[k], k))[:M])
    flat = [k for ks in picked for k in ks]
    pos = {k: i for i, k in enumerate(flat)}
    nc = _Stats(len(flat), n_weeks, mh[flat])
    for r, rows_by_seg, weights, design in history:
        chunks = plan_chunks(r, rows_by_seg, [[K + k for k in ks] for ks in picked], seg_counts, *design)
        for res in run_chunks(runner, chunks):
            for (s, k), values, weeks in zip(res.blocks, res.values, res.weeks):
                nc.add(r, s, pos[k - K], values, weeks, weights[s])
    diff_se = np.zeros(len(flat))
    for s, ks in enumerate(picked):
        if not ks:
            continue
        best = ks[0]
        ref = np.concatenate(stats.objective[(s, best)])
        for k in ks:
            d = ref - np.concatenate(nc.objective[(s, pos[k])])
            diff_se[pos[k]] = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else math.inf
    table = _table(model, [offers[k] for k in flat], nc, diff_se, precision, rounds_of, seg_counts, None)
    return table.with_columns(offer=pl.col("offer") + "_nc", calls=pl.lit(False))


def _table(model: SimModel, offers, stats: _Stats, diff_se: np.ndarray, precision: list[str],
           rounds_of: np.ndarray, seg_counts: np.ndarray, cache) -> pl.DataFrame:
    sc = model.scenario
    n = np.maximum(stats.n, 1)
    mean = stats.sum / n
    var = np.maximum(stats.sq / n - mean ** 2, 0)
    se = np.sqrt(var / np.maximum(stats.n - 1, 1))
    cols: dict[str, object] = {}
    for i, name in ((0, "npv"), (1, "cost"), (2, "give"), (3, "minutes"), (4, "cash30"), (7, "future")):
        cols[name] = mean[i]
        cols[f"{name}_se"] = se[i]
    if stats.spread.any():  # copies by balance: the debtors' own spread (optimizer.margins)
        for i, (j, name) in enumerate(((0, "npv"), (2, "give"), (4, "cash30"))):
            cols[f"{name}_sd"] = np.sqrt(np.maximum(stats.spread[i] / n - mean[j] ** 2, 0.0))
    weekly = {f"minutes_w{w:02d}": stats.weeks[:, w] / n for w in range(stats.weeks.shape[1])}
    boot_mean = stats.boot / np.maximum(stats.boot_w, 1e-12)[None]
    boots = {f"{name}_boot": [boot_mean[i, :, k].tolist() for k in range(len(offers))]
             for i, name in enumerate(("npv", "cost", "give", "cash30"))}
    names = sc.segment_names
    agreements = stats.sum[5]
    table = pl.DataFrame({
        "segment": [names[o.segment] for o in offers],
        "offer": [offer_id(o.discount, o.installments) for o in offers],
        "discount": [o.discount for o in offers],
        "installments": [o.installments for o in offers],
        "down_payment_share": [o.down for o in offers],
        "in_catalogue": [o.in_catalogue for o in offers],
        "n_debtors": [int(seg_counts[o.segment]) for o in offers],
        "chronic": [sc.segments[o.segment].chronic for o in offers],
        "risk_band": [sc.segments[o.segment].risk_band or names[o.segment] for o in offers],
        **cols,
        "first_cycle_net": cols["npv"] - cols["cost"] - cols["future"],
        "agree_rate": agreements / n,
        "break_rate": np.where(agreements > 0, stats.sum[6] / np.maximum(agreements, 1), 0.0),
        "samples": stats.n.astype(np.int64),
        "net_diff_se": diff_se,
        "rounds": [int(rounds_of[o.segment]) for o in offers],
        "precision": [precision[o.segment] for o in offers],
        **weekly,
        **boots,
    })
    return table

