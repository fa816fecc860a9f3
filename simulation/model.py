"""The simulation model: a scenario's parameters and a portfolio, as arrays the engines index.

:class:`SimModel` is built once per (scenario, portfolio) and shared by every replication,
policy and engine (the vectorised engine and the per-debtor reference). :class:`OfferPlan`
says which offer each debtor is shown: a per-segment mix (drawn per debtor with the
``offer`` stream) or one fixed offer per debtor (the optimizer's coefficient runs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from scenarios.schema import CHANNELS, UF_CODES, Policy, Scenario
from simulation.calendar import SimCalendar, build_calendar
from simulation.draws import Streams, uniform

__all__ = ["SimModel", "OfferPlan", "build_model", "CH", "OUTCOMES", "SEGMENT_PARAMS"]

#: Channel index by name.
CH: dict[str, int] = {c: i for i, c in enumerate(CHANNELS)}
#: Outcome codes of ``debtors.parquet``.
OUTCOMES: tuple[str, ...] = ("written_off", "self_cured", "agreement_kept", "agency_collected",
                             "agreement_active")
#: Behaviour parameters turned into one array per segment.
SEGMENT_PARAMS: tuple[str, ...] = (
    "self_cure_h0", "self_cure_tau", "uplift_negativado", "fatigue", "accept_alpha", "accept_beta",
    "lump_mu", "lump_sigma", "monthly_mu", "monthly_sigma", "keep_first", "keep", "late_pay_daily",
    "chronic_keep_factor", "agency_hazard", "expect_offered", "expect_received", "expect_announced",
)


@dataclass(frozen=True)
class SimModel:
    """Everything the engines need, as arrays.

    Attributes
    ----------
    scenario : Scenario
    calendar : SimCalendar
    rid : ndarray (N,) int64
        Random id of each debtor (its portfolio row; copies share it).
    seg : ndarray (N,) int32
        Segment index (``scenario.segments`` order).
    balance : ndarray (N,) float64
    dpd : ndarray (N,) int32
    state : ndarray (N,) int16
        Index in :data:`scenarios.schema.UF_CODES`.
    chronic : ndarray (N,) bool
    available : ndarray (5, N) bool
        Channel availability by channel (CHANNELS order).
    params : dict of ndarray (S,)
        Behaviour parameters by segment (:data:`SEGMENT_PARAMS`).
    reach, engage : ndarray (S, 5)
    cadence : tuple of tuple of (day, channel index), one per segment
    call_weight : ndarray (N,) or None
        How many real debtors each simulated debtor stands for in the agent pool (a call
        uses ``minutes * call_weight`` of the day's minutes); None means 1. The
        optimizer's batches, where every sampled debtor is copied once per offer, set it.
    prior : ndarray (N,) int32 or None
        Prior delinquencies (the chronic count; several cycles add to it).
    frame : polars.DataFrame or None
        The portfolio rows (for re-segmenting debtors entering a new cycle).
    """

    scenario: Scenario
    calendar: SimCalendar
    rid: np.ndarray
    seg: np.ndarray
    balance: np.ndarray
    dpd: np.ndarray
    state: np.ndarray
    chronic: np.ndarray
    available: np.ndarray
    params: dict[str, np.ndarray] = field(repr=False)
    reach: np.ndarray = field(repr=False)
    engage: np.ndarray = field(repr=False)
    cadence: tuple[tuple[tuple[int, int], ...], ...] = field(repr=False)
    call_weight: np.ndarray | None = field(default=None, repr=False)
    prior: np.ndarray | None = field(default=None, repr=False)
    frame: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of debtors."""
        return int(self.rid.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return len(self.scenario.segments)

    def take(self, rows: np.ndarray) -> "SimModel":
        """A model of the debtors at ``rows`` (repeats allowed: copies keep their random id)."""
        return SimModel(self.scenario, self.calendar, self.rid[rows], self.seg[rows], self.balance[rows],
                        self.dpd[rows], self.state[rows], self.chronic[rows], self.available[:, rows],
                        self.params, self.reach, self.engage, self.cadence,
                        None if self.call_weight is None else self.call_weight[rows],
                        None if self.prior is None else self.prior[rows],
                        None if self.frame is None else self.frame[np.asarray(rows, dtype=np.int64)])

    def with_balance(self, balance: np.ndarray) -> "SimModel":
        """The same model with other balances (for scaling checks)."""
        import dataclasses
        return dataclasses.replace(self, balance=np.asarray(balance, np.float64))


def build_model(scenario: Scenario, frame: pl.DataFrame, segment_index: np.ndarray,
                calendar: SimCalendar | None = None) -> SimModel:
    """Turn a validated scenario and portfolio (with its segment index) into a :class:`SimModel`.

    Parameters
    ----------
    scenario : Scenario
    frame : polars.DataFrame
        The normalised portfolio (``scenarios.portfolio``): balance, days_past_due, state,
        prior_delinquencies, has_phone, has_email, has_whatsapp.
    segment_index : ndarray of int
        Segment of every row (``scenarios.segmentation.assign_segments``); all must be >= 0.
    calendar : SimCalendar, optional
        Reused when given (it only depends on the scenario).
    """
    if frame.height != len(segment_index):
        raise ValueError(f"segment_index: length {len(segment_index)} differs from the portfolio's {frame.height}")
    if len(segment_index) and int(np.min(segment_index)) < 0:
        raise ValueError("segment_index: every debtor needs a segment (found -1)")
    n = frame.height
    uf = {u: i for i, u in enumerate(UF_CODES)}
    state = frame.get_column("state").replace_strict(uf, return_dtype=pl.Int16).to_numpy()
    phone = frame.get_column("has_phone").to_numpy().astype(bool)
    available = np.ones((len(CHANNELS), n), dtype=bool)
    available[CH["sms"]] = phone
    available[CH["call"]] = phone
    available[CH["email"]] = frame.get_column("has_email").to_numpy().astype(bool)
    available[CH["whatsapp"]] = frame.get_column("has_whatsapp").to_numpy().astype(bool)
    segs = scenario.segments
    params = {p: np.array([getattr(s.behaviour, p) for s in segs], dtype=np.float64) for p in SEGMENT_PARAMS}
    reach = np.array([s.behaviour.reach.as_tuple() for s in segs], dtype=np.float64)
    engage = np.array([s.behaviour.engage.as_tuple() for s in segs], dtype=np.float64)
    cadence = tuple(tuple((st.day, CH[st.channel]) for st in scenario.cadence_for(s.name)) for s in segs)
    chronic = frame.get_column("prior_delinquencies").to_numpy() >= scenario.portfolio.chronic_threshold
    return SimModel(
        scenario=scenario, calendar=calendar or build_calendar(scenario),
        rid=np.arange(n, dtype=np.int64), seg=np.asarray(segment_index, dtype=np.int32),
        balance=frame.get_column("balance").to_numpy().astype(np.float64),
        dpd=frame.get_column("days_past_due").to_numpy().astype(np.int32),
        state=state.astype(np.int16), chronic=chronic.astype(bool), available=available,
        params=params, reach=reach, engage=engage, cadence=cadence,
        prior=frame.get_column("prior_delinquencies").to_numpy().astype(np.int32), frame=frame,
    )


@dataclass(frozen=True)
class OfferPlan:
    """Which offer each debtor is shown.

    Either ``mix`` (per segment, a tuple of (discount, installments, down payment share,
    share)) drawn per debtor with the ``offer`` stream, or ``fixed`` arrays (discount,
    installments, down payment share), one offer per debtor.
    """

    mix: tuple[tuple[tuple[float, int, float, float], ...], ...] | None = None
    fixed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: Per segment and offer of ``mix``: the escalation steps ((day in cycle, discount), ...).
    escalation: tuple[tuple[tuple[tuple[int, float], ...], ...], ...] | None = None
    #: Debtors the dialler never queues (digital channels and letters only): with ``mix``, per
    #: segment and offer of the mix (True: that share is not called); with ``fixed``, one flag
    #: per debtor. None: everyone with a phone is called as the cadence says.
    no_calls: tuple[tuple[bool, ...], ...] | np.ndarray | None = None

    @classmethod
    def from_policy(cls, policy: Policy, scenario: Scenario) -> "OfferPlan":
        """The mix of each segment of ``scenario`` under ``policy``."""
        default_down = scenario.offers.down_payment_share
        mix, steps = [], []
        for s in scenario.segments:
            offers = policy.offers_for(s.name)
            mix.append(tuple((o.discount, o.installments, default_down if o.down_payment_share < 0
                              else o.down_payment_share, o.share) for o in offers))
            steps.append(tuple(tuple(zip(o.escalate_days, o.escalate_discounts)) for o in offers))
        escalates = any(st for seg in steps for st in seg)
        flags = tuple(tuple(not getattr(o, "calls", True) for o in policy.offers_for(s.name)) for s in scenario.segments)
        return cls(mix=tuple(mix), escalation=tuple(steps) if escalates else None,
                   no_calls=flags if any(f for seg in flags for f in seg) else None)

    def uncalled(self, rows: np.ndarray, seg: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Per row: True when the dialler must not queue it (:attr:`no_calls`).

        ``seg`` and ``j`` are the rows' segments and offer indices in their mix (they can
        change between cycles, and the flag follows the offer).
        """
        rows = np.asarray(rows)
        if self.no_calls is None:
            return np.zeros(rows.size, bool)
        if self.fixed is not None or isinstance(self.no_calls, np.ndarray):
            return np.asarray(self.no_calls, dtype=bool)[rows]
        return self._uncalled_table[np.asarray(seg), np.asarray(j)]

    @cached_property
    def _uncalled_table(self) -> np.ndarray:
        """:attr:`no_calls` of a ``mix`` as a (segments, offers) table, built once (the dialler asks daily)."""
        width = max(len(f) for f in self.no_calls)
        table = np.zeros((len(self.no_calls), max(width, 1)), bool)
        for s, f in enumerate(self.no_calls):
            table[s, :len(f)] = f
        return table

    def assign(self, model: SimModel, streams: Streams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per debtor: discount, installments, down payment share and the offer's index in its mix."""
        if self.fixed is not None:
            d, n_inst, down = (np.asarray(a) for a in self.fixed)
            return (d.astype(np.float64), n_inst.astype(np.int64), down.astype(np.float64),
                    np.zeros(model.n, dtype=np.int32))
        return self.draw(model.seg, model.rid, streams, 0)

    def draw(self, seg: np.ndarray, rid: np.ndarray, streams: Streams,
             day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The mix's offer of debtors ``rid`` in segments ``seg``, drawn with ``u(offer, rid, day, 0)``."""
        assert self.mix is not None
        width = max(len(m) for m in self.mix)
        S = len(self.mix)
        cum = np.full((S, width), np.inf)
        dd = np.zeros((S, width))
        nn = np.ones((S, width), dtype=np.int64)
        down = np.zeros((S, width))
        for s, offers in enumerate(self.mix):
            shares = np.array([o[3] for o in offers], dtype=np.float64)
            c = np.cumsum(shares)
            c[-1] = np.inf  # guard against rounding: the last offer takes the rest
            cum[s, :len(offers)] = c
            dd[s, :len(offers)] = [o[0] for o in offers]
            nn[s, :len(offers)] = [o[1] for o in offers]
            down[s, :len(offers)] = [o[2] for o in offers]
        v = uniform(streams["offer"], rid, day, 0)
        j = (v[:, None] >= cum[seg]).sum(axis=1).astype(np.int32)
        return dd[seg, j], nn[seg, j], down[seg, j], j
