"""LP coefficients by simulation: per (segment, offer), what one debtor is expected to bring.

All offers are evaluated in one batch: each segment's sample of debtors is copied once
per offer of its catalogue, every copy keeps its debtor's random id (so every offer sees
the same debtors and the same draws: common random numbers), and the whole batch is
simulated in one engine run per replication under the scenario's call capacity: each
simulated debtor stands for ``N_s / (sample x offers of s)`` real debtors in the agent pool
(``SimModel.call_weight``), so the batch loads the pool as the portfolio would, and the
queue ignores the copies' offers so that no offer is favoured with calls. Calls the pool
cannot make are not made in the estimates either. Segments smaller than the sample are
cycled with fresh random ids, so every segment's coefficients rest on the same number of
simulated debtors. Results are cached by scenario hash, portfolio, seed and a hash of the
engine's source code; an entry that does not read back is discarded and recomputed.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from scenarios.loader import offer_catalogue
from simulation.draws import replication_streams
from simulation.engine import simulate_replication
from simulation.model import OfferPlan, SimModel

__all__ = ["CatalogueOffer", "catalogue", "estimate_coefficients", "offer_id", "default_cache_dir"]

COEFFICIENT_VERSION = "3"


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


def catalogue(model: SimModel, extra_policies=()) -> list[CatalogueOffer]:
    """Every segment's allowed offers, plus the offers of ``extra_policies`` (e.g. the baseline)."""
    sc = model.scenario
    down = sc.offers.down_payment_share
    out: list[CatalogueOffer] = []
    for s, seg in enumerate(sc.segments):
        seen = set()
        for d, n in offer_catalogue(sc, seg):
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


def default_cache_dir() -> Path:
    """``$ACORDO_CACHE``, else ``~/.cache/acordo``."""
    return Path(os.environ.get("ACORDO_CACHE") or Path.home() / ".cache" / "acordo")


@functools.lru_cache(maxsize=1)
def engine_code_hash() -> str:
    """A hash of the source of the simulation engine and of this module: the cache key changes with the code."""
    import simulation
    h = hashlib.sha256()
    for path in sorted(Path(simulation.__file__).parent.glob("*.py")) + [Path(__file__)]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _read_cache(cache: Path) -> pl.DataFrame | None:
    """A cached table, or None; an entry that does not read back is discarded, with a warning."""
    if not cache.is_file():
        return None
    try:
        return pl.read_parquet(cache)
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is recomputed, never fatal
        warnings.warn(f"{cache}: unreadable coefficient cache entry ({type(exc).__name__}) discarded; recomputing",
                      stacklevel=3)
        cache.unlink(missing_ok=True)
        return None


def _write_cache(cache: Path, table: pl.DataFrame) -> None:
    """Store a table atomically; a cache that cannot be written is skipped, with a warning."""
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        table.write_parquet(tmp)
        os.replace(tmp, cache)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        warnings.warn(f"{cache.parent}: coefficient cache not written ({exc.strerror or type(exc).__name__})",
                      stacklevel=3)


def _fingerprint(model: SimModel, offers: list[CatalogueOffer], sample: int, seed_key: str, replications: int) -> str:
    h = hashlib.sha256()
    h.update(COEFFICIENT_VERSION.encode())
    h.update(engine_code_hash().encode())
    h.update(model.scenario.digest.encode())
    for arr in (model.balance, model.dpd, model.seg, model.state, model.chronic, model.available):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr([(o.segment, o.discount, o.installments, o.down) for o in offers]).encode())
    h.update(f"{sample}|{seed_key}|{replications}".encode())
    return h.hexdigest()[:24]


def _sample_rows(model: SimModel, sample: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per segment: the portfolio rows sampled and the random ids of the copies."""
    rows_by_seg, rids_by_seg = [], []
    for s in range(model.n_segments):
        rows = np.flatnonzero(model.seg == s)
        if rows.size == 0:
            rows_by_seg.append(rows)
            rids_by_seg.append(rows.astype(np.int64))
            continue
        if rows.size >= sample:
            pick = np.sort(rng.choice(rows, size=sample, replace=False))
            rid = model.rid[pick]
        else:
            reps = -(-sample // rows.size)
            pick = np.tile(rows, reps)[:sample]
            cycle = np.repeat(np.arange(reps, dtype=np.int64), rows.size)[:sample]
            rid = model.rid[pick] + cycle * np.int64(model.n)  # fresh draws for every cycle
        rows_by_seg.append(pick)
        rids_by_seg.append(rid)
    return rows_by_seg, rids_by_seg


def estimate_coefficients(model: SimModel, *, seed: int | np.random.SeedSequence, sample: int | None = None,
                          replications: int = 1, extra_policies=(), cache_dir: Path | None = None,
                          unlimited_agents: bool = False,
                          progress: Callable[[int, int], None] | None = None) -> pl.DataFrame:
    """The LP's coefficient table, one row per (segment, offer).

    Columns: segment, offer, discount, installments, down_payment_share, in_catalogue,
    n_debtors (debtors of the segment in the portfolio), chronic, risk_band, and per
    simulated debtor the means npv (NPV collected), cost (NPV of contact, agent, listing
    and agency costs), give (give-away), minutes (agent minutes), cash30 (cash in the first
    30 days), break_rate (broken / agreements), agree_rate, each with its standard error
    ``<name>_se``, and ``samples`` (simulated debtors behind the row).

    Several cycles (``cycles.enabled``): ``npv`` is the long-run NPV the offer brings (collected
    over every cycle, plus the customer margin earned between cycles, less the new arrears of
    later cycles), ``cost`` every cycle's, so the LP's ``npv - cost`` charges the simulated
    moral hazard; ``future`` (with ``future_se``) is the part of ``npv - cost`` after the first
    cycle (0 with one cycle) and ``first_cycle_net`` the one-cycle value ``npv - cost - future``.
    A copy keeps its offer in every cycle (the offer is valued as the segment's stationary rule).
    """
    sc = model.scenario
    sample = sample or sc.optimizer.sample_per_segment
    offers = catalogue(model, extra_policies)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seed_key = f"{root.entropy}:{root.spawn_key}"
    cache = None
    if cache_dir is not None:
        key = _fingerprint(model, offers, sample, f"{seed_key}|{unlimited_agents}", replications)
        cache = Path(cache_dir) / f"coefficients-{key}.parquet"
        cached = _read_cache(cache)
        if cached is not None:
            return cached
    sample_seq, sim_seq = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key).spawn(2)
    rows_by_seg, rids_by_seg = _sample_rows(model, sample, np.random.default_rng(sample_seq))
    parts_rows, parts_rid, parts_offer = [], [], []
    for k, o in enumerate(offers):
        rows = rows_by_seg[o.segment]
        parts_rows.append(rows)
        parts_rid.append(rids_by_seg[o.segment])
        parts_offer.append(np.full(rows.size, k, np.int32))
    rows = np.concatenate(parts_rows)
    offer_index = np.concatenate(parts_offer)
    seg_counts = np.bincount(model.seg, minlength=model.n_segments)
    copies = np.bincount(np.array([o.segment for o in offers]), minlength=model.n_segments) * sample
    seg_of_copy = model.seg[rows]
    weight = seg_counts[seg_of_copy] / np.maximum(copies[seg_of_copy], 1)
    batch = model.take(rows)
    batch = dataclasses.replace(batch, rid=np.concatenate(parts_rid).astype(np.int64), call_weight=weight)
    d = np.array([o.discount for o in offers])[offer_index]
    n = np.array([o.installments for o in offers])[offer_index]
    dp = np.array([o.down for o in offers])[offer_index]
    plan = OfferPlan(fixed=(d, n, dp))
    fields = ("collected_npv", "cost", "give", "minutes", "cash30", "future")
    K = len(offers)
    sums = {f: np.zeros((replications, K)) for f in fields}
    sq = {f: np.zeros((replications, K)) for f in fields}
    agreements = np.zeros(K)
    broken = np.zeros(K)
    count = np.bincount(offer_index, minlength=K).astype(np.float64)
    for r, streams in enumerate(replication_streams(sim_seq, replications)):
        res = simulate_replication(batch, plan, streams, unlimited_agents=unlimited_agents, queue_by_offer=False)
        dv = res.debtors
        longrun = dv["margin_npv"] - dv["arrears_npv"]  # several cycles: 0 with one cycle
        values = {**dv, "collected_npv": dv["collected_npv"] + longrun,
                  "future": dv["collected_npv"] - dv["cost"] + longrun - dv["first_cycle_net"]}
        for f in fields:
            v = values[f]
            sums[f][r] = np.bincount(offer_index, weights=v, minlength=K)
            sq[f][r] = np.bincount(offer_index, weights=v * v, minlength=K)
        agreements += np.bincount(offer_index, weights=(res.debtors["agreements"] > 0).astype(float), minlength=K)
        broken += np.bincount(offer_index, weights=res.debtors["broken"].astype(float), minlength=K)
        if progress:
            progress(r + 1, replications)
    total = count * replications
    cols: dict[str, object] = {}
    for f, name in zip(fields, ("npv", "cost", "give", "minutes", "cash30", "future")):
        mean = sums[f].sum(axis=0) / np.maximum(total, 1)
        var = sq[f].sum(axis=0) / np.maximum(total, 1) - mean ** 2
        cols[name] = mean
        cols[f"{name}_se"] = np.sqrt(np.maximum(var, 0) / np.maximum(total - 1, 1))
    names = sc.segment_names
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
        "agree_rate": agreements / np.maximum(total, 1),
        "break_rate": np.where(agreements > 0, broken / np.maximum(agreements, 1), 0.0),
        "samples": total.astype(np.int64),
    })
    if cache is not None:
        _write_cache(cache, table)
    return table

