"""The coefficient batch, simulated in chunks of offers that run on the machine's cores.

One *round* simulates, for every segment, a sample of its debtors under every offer of its
catalogue. The offers are cut into *chunks* of ``G`` offer slots (slot ``j`` is the
``j``-th offer of every segment's catalogue); one chunk is one engine run of the copies
``sample of s x slots`` of every segment, so a chunk loads the agent pool as the whole
portfolio would (each copy stands for ``N_s / (m_s x G)`` real debtors in the pool,
``SimModel.call_weight``), and the queue ignores the copies' offers so that no offer is
favoured with calls. A segment whose catalogue has fewer offers than the chunk's slots
fills them with its own offers again (for the pool's load only; those copies are not
counted). Every chunk of a round uses the same random streams and every copy keeps its
debtor's random id, so all offers of a debtor see the same draws (common random numbers).

Chunks are independent: they run in a process pool (``workers``) and the results do not
depend on how many there are. Peak memory follows the chunk, not the catalogue: about
0.45 GB per million copies in a chunk, and the chunk size is capped at
:data:`CHUNK_COPIES`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from simulation.draws import replication_streams
from simulation.engine import CALL, simulate_replication
from simulation.engine_agreements import CONTROLS
from simulation.model import OfferPlan, SimModel

__all__ = ["CHUNK_COPIES", "Block", "Chunk", "ChunkResult", "ChunkRunner", "plan_chunks", "run_chunks", "week_capacity",
           "balance_copies"]

#: Largest number of simulated copies in one engine run (memory per worker ~0.45 GB/M copies).
CHUNK_COPIES = 200_000

#: ``optimizer.copies = "balance"``: the share of a debtor's sampling size that is its balance
#: (the rest is the segment's mean balance). Measured in ``benchmarks/balance_sampling.py``:
#: 0.8 keeps most of the precision of sizes ∝ balance and caps a copy's weight at 5 debtors.
BALANCE_SHARE = 0.8

#: Per-copy fields returned for the statistics.
FIELDS = ("collected_npv", "cost", "give", "minutes", "cash30", "agreed", "broken", "future")


@dataclass(frozen=True)
class Block:
    """The copies of one segment under one offer in a chunk.

    ``scale`` (per copy, or None for 1) multiplies the copy's values and its weight in the
    agent pool (:func:`balance_copies`); ``rid`` (per copy, or None for the rows' own) is the
    id its draws are hashed with, so that copies of one debtor in a round have their own draws.
    """

    segment: int
    offer: int
    rows: np.ndarray
    counted: bool
    scale: np.ndarray | None = None
    rid: np.ndarray | None = None


@dataclass(frozen=True)
class Chunk:
    """One engine run: blocks of copies and the round whose streams it uses."""

    round: int
    blocks: tuple[Block, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class ChunkResult:
    """Per counted block: per-copy values of :data:`FIELDS` and the copies' agent minutes by week."""

    round: int
    blocks: tuple[tuple[int, int], ...]
    values: tuple[np.ndarray, ...]
    weeks: tuple[np.ndarray, ...]


def week_capacity(model: SimModel) -> np.ndarray:
    """Agent minutes of the pool in each week of the horizon (week 0 = the first 7 days)."""
    minutes = model.scenario.agents.count * np.asarray(model.calendar.agent_minutes, dtype=float)
    n_weeks = -(-minutes.size // 7)
    return np.bincount(np.arange(minutes.size) // 7, weights=minutes, minlength=n_weeks)


def balance_copies(rows: np.ndarray, balance: np.ndarray, n: int, rng: np.random.Generator,
                   id_stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` copies of a segment's debtors ``rows`` by systematic sampling with probability ∝ size.

    The size of debtor ``i`` is ``(1 - λ) mean(b) + λ b_i`` (``b`` the balances, ``λ`` =
    :data:`BALANCE_SHARE`): mostly its balance, with a floor so that no copy weighs more than
    ``1 / (1 - λ)`` debtors. Debtor ``i`` gets ``floor`` or ``ceil`` of ``n p_i`` copies
    (``p_i`` its share of the sizes; one uniform start), each copy's values are scaled by
    ``1 / (N p_i)`` (the copy's scaled value has the segment's mean per debtor as its
    expectation, and a round's mean of scaled values is the Hansen-Hurwitz estimate), and copy
    ``j`` of a debtor draws with the id ``rid + j x id_stride``, the same under every offer.
    Returns (rows, scale, id offset), one per copy.
    """
    b = np.maximum(np.asarray(balance, dtype=np.float64), 0.0)
    size = (1.0 - BALANCE_SHARE) * max(float(b.mean()), 1e-9) + BALANCE_SHARE * b
    cum = np.concatenate(([0.0], np.cumsum(size)))
    points = (rng.random() + np.arange(n)) * (cum[-1] / n)
    idx = np.clip(np.searchsorted(cum, points, side="right") - 1, 0, rows.size - 1)
    start = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    j = np.arange(n) - np.repeat(start, np.diff(np.r_[start, n]))  # copy number of its debtor
    scale = cum[-1] / (rows.size * size[idx])
    return rows[idx], scale, j.astype(np.int64) * int(id_stride)


def plan_chunks(round_: int, rows_by_seg: list[np.ndarray], offers_by_seg: list[list[int]],
                seg_counts: np.ndarray, scale_by_seg: list | None = None,
                rid_by_seg: list | None = None) -> list[Chunk]:
    """Cut one round's batch into chunks of offer slots of at most :data:`CHUNK_COPIES` copies.

    ``scale_by_seg`` and ``rid_by_seg`` (per segment, per copy, or None) are those of
    :class:`Block` (from :func:`balance_copies`).
    """
    live = [s for s, rows in enumerate(rows_by_seg) if rows.size and offers_by_seg[s]]
    if not live:
        return []
    per_slot = sum(rows_by_seg[s].size for s in live)
    slots = max(len(offers_by_seg[s]) for s in live)
    G = max(1, min(slots, CHUNK_COPIES // max(per_slot, 1)))
    chunks = []
    for start in range(0, slots, G):
        stop = min(slots, start + G)
        blocks, weights = [], []
        for j in range(start, stop):
            for s in live:
                offers = offers_by_seg[s]
                rows = rows_by_seg[s]
                blocks.append(Block(s, offers[j % len(offers)], rows, j < len(offers),
                                    scale_by_seg[s] if scale_by_seg else None, rid_by_seg[s] if rid_by_seg else None))
                weights.append(float(seg_counts[s]) / (rows.size * (stop - start)))
        chunks.append(Chunk(round_, tuple(blocks), tuple(weights)))
    return chunks


def _run(model: SimModel, offers: np.ndarray, sim_seq: np.random.SeedSequence, chunk: Chunk,
         unlimited: bool, controls: bool = False) -> ChunkResult:
    rows = np.concatenate([b.rows for b in chunk.blocks])
    sizes = np.array([b.rows.size for b in chunk.blocks])
    weight = np.repeat(np.asarray(chunk.weights), sizes)
    scaled = any(b.scale is not None for b in chunk.blocks)
    if scaled and controls:
        raise ValueError("controls are measured on unscaled copies (optimizer.copies = 'uniform')")
    scale_copies = np.concatenate([np.ones(b.rows.size) if b.scale is None else b.scale for b in chunk.blocks]) \
        if scaled else None
    k = np.repeat(np.array([b.offer for b in chunk.blocks]), sizes)
    batch = dataclasses.replace(model.take(rows), call_weight=weight if scale_copies is None else weight * scale_copies)
    if any(b.rid is not None for b in chunk.blocks):
        batch = dataclasses.replace(batch, rid=batch.rid + np.concatenate(
            [np.zeros(b.rows.size, np.int64) if b.rid is None else b.rid for b in chunk.blocks]))
    # a 4th column flags not-called offers (optimizer.coefficients' not_called rows)
    no_calls = offers[k, 3] > 0 if offers.shape[1] > 3 and (offers[k, 3] > 0).any() else None
    plan = OfferPlan(fixed=(offers[k, 0], offers[k, 1].astype(np.int64), offers[k, 2]), no_calls=no_calls)
    seq = np.random.SeedSequence(sim_seq.entropy, spawn_key=tuple(sim_seq.spawn_key) + (chunk.round,))
    streams = replication_streams(seq, 1)[0]
    res = simulate_replication(batch, plan, streams, unlimited_agents=unlimited, queue_by_offer=False,
                               record_attempts=True, record_controls=controls)
    deb = res.debtors
    longrun = deb["margin_npv"] - deb["arrears_npv"]  # several cycles: 0 with one cycle
    npv = deb["collected_npv"] + longrun
    values = np.stack([npv, deb["cost"], deb["give"], deb["minutes"], deb["cash30"],
                       (deb["agreements"] > 0).astype(float), deb["broken"].astype(float),
                       npv - deb["cost"] - deb["first_cycle_net"]]).astype(np.float64)
    if controls:  # the engine's martingale controls, rows 8.. (simulation.engine_agreements.CONTROLS); unscaled
        values = np.vstack([values, np.stack([deb[f"ctl_{c}"] for c in CONTROLS]).astype(np.float64)])
    # agent minutes by week: calls from the attempt log, scaled to each copy's exact total
    n_weeks = -(-model.calendar.horizon // 7)
    weekly = np.zeros((rows.size, n_weeks))
    a_rows, a_days, a_chan, a_conv = res.attempts
    call = model.scenario.channels.call
    is_call = a_chan == CALL
    if is_call.any():
        m = np.where(a_conv[is_call], call.minutes_conversation, call.minutes_no_answer)
        flat = a_rows[is_call] * n_weeks + np.minimum(a_days[is_call] // 7, n_weeks - 1)
        weekly = np.bincount(flat, weights=m, minlength=rows.size * n_weeks).reshape(rows.size, n_weeks)
        approx = weekly.sum(axis=1)
        scale = np.where(approx > 0, deb["minutes"] / np.maximum(approx, 1e-12), 0.0)
        weekly *= scale[:, None]
    if scaled:  # balance_copies: every value of a copy scaled by its inverse selection probability,
        # and rows SPREAD: scale x value**2 of npv, give, cash30 (the debtors' second moments)
        values = np.vstack([values * scale_copies[None], values[[0, 2, 4]] ** 2 * scale_copies[None]])
        weekly *= scale_copies[:, None]
    ends = np.cumsum(sizes)
    out_blocks, out_values, out_weeks = [], [], []
    for b, (lo, hi) in zip(chunk.blocks, zip(ends - sizes, ends)):
        if not b.counted:
            continue
        out_blocks.append((b.segment, b.offer))
        out_values.append(values[:, lo:hi].copy())
        out_weeks.append(weekly[lo:hi].sum(axis=0))
    return ChunkResult(chunk.round, tuple(out_blocks), tuple(out_values), tuple(out_weeks))


def _run_shared(shared: tuple, chunk: Chunk) -> ChunkResult:
    model, offers, sim_seq, unlimited, controls = shared
    return _run(model, offers, sim_seq, chunk, unlimited, controls)


class ChunkRunner:
    """Runs chunks in order (``workers=1``) or on the project's process pool, kept for the whole estimate.

    The pool is :class:`simulation.pool.WorkerPool` (spawned workers that die with their
    parent); the model is shipped to each worker once.
    """

    def __init__(self, model: SimModel, offers: np.ndarray, sim_seq: np.random.SeedSequence, unlimited: bool,
                 workers: int = 1, controls: bool = False):
        from simulation.pool import WorkerPool
        self.args = (model, offers, sim_seq, unlimited, controls)
        self.pool = WorkerPool(workers, shared=self.args)

    def map(self, chunks: list[Chunk], done: Callable[[], None] | None = None) -> list[ChunkResult]:
        """Results in the order of ``chunks``."""
        return self.pool.map(_run_shared, chunks, on_done=(lambda i, r: done()) if done else None)

    def close(self) -> None:
        """Shut the pool down (its workers end with it)."""
        self.pool.close()


def run_chunks(runner: ChunkRunner, chunks: list[Chunk], done: Callable[[], None] | None = None) -> list[ChunkResult]:
    """All results of ``chunks`` (a list, in order)."""
    return runner.map(chunks, done)
