"""What one replication of one policy returns, whichever engine ran it."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scenarios.schema import CHANNELS

__all__ = ["ReplicationResult", "DAILY_METRICS", "TOTALS", "BLOCK_RULES", "DEBTOR_FIELDS", "SEGMENT_SUMS", "totals_from",
           "segment_sums"]

#: Per (day, segment) metrics, the last axis of :attr:`ReplicationResult.daily`.
DAILY_METRICS: tuple[str, ...] = (
    "collected", "npv", "cost", "give_away", *(f"attempts_{c}" for c in CHANNELS),
    "reached", "agreements", "breaks", "cures", "agency_collected",
)
#: Contact rules that block attempts (DESIGN §4).
BLOCK_RULES: tuple[str, ...] = ("state_hours", "opt_out", "reg_f", "weekly_cap")
#: Per-debtor arrays of :attr:`ReplicationResult.debtors`.
DEBTOR_FIELDS: tuple[str, ...] = ("outcome", "collected", "collected_npv", "cost", "give", "minutes",
                                  "cash30", "agreements", "broken", "offer",
                                  # several cycles and the reservation discount (docs/model.md)
                                  "cycles", "margin_npv", "arrears_npv", "lost_margin_npv", "first_cycle_net",
                                  "waited", "lost", "segment")
#: Headline totals of a replication.
TOTALS: tuple[str, ...] = (
    "debtors", "balance", "collected", "collected_npv", "give_away", "contact_cost", "agent_cost",
    "negativacao_cost", "agency_commission", "cost_npv", "net_npv", "moral_hazard_cost",
    "recovery_rate", "self_cured", "agreements", "kept", "broken", "active_at_horizon",
    "agency_handovers", "agency_collected", "written_off", "written_off_balance", "opt_outs", "conversations",
    *(f"attempts_{c}" for c in CHANNELS), "agent_minutes_used", "agent_minutes_available",
    *(f"blocked_{r}" for r in BLOCK_RULES), "violations",
)


@dataclass(frozen=True)
class ReplicationResult:
    """One replication: totals, per-debtor outcomes, daily series and the agent pool.

    Attributes
    ----------
    totals : dict
        :data:`TOTALS`.
    debtors : dict of ndarray
        :data:`DEBTOR_FIELDS`, one value per debtor (``outcome`` indexes
        :data:`simulation.model.OUTCOMES`; money in R$, ``collected_npv`` and ``cost``
        discounted; ``cost`` includes agency commission and listing).
    daily : ndarray (H, S, len(DAILY_METRICS))
    agent : ndarray (H, 3)
        Per day: minutes available, minutes used, calls left in the queue.
    attempts : tuple of ndarray or None
        When recorded: (row, day, channel, conversation) of every attempt made.
    by_segment : ndarray (S, len(SEGMENT_SUMS)) or None
        Per segment, the sums of :data:`SEGMENT_SUMS`, kept when ``debtors`` is dropped
        (:func:`segment_sums` of ``debtors`` otherwise).
    """

    totals: dict[str, float]
    debtors: dict[str, np.ndarray] = field(repr=False)
    daily: np.ndarray = field(repr=False)
    agent: np.ndarray = field(repr=False)
    attempts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    by_segment: np.ndarray | None = field(default=None, repr=False)


#: Totals summed per segment from the per-debtor arrays (the same sums as :data:`TOTALS`), with
#: the :data:`DEBTOR_FIELDS` each is summed from.
SEGMENT_SUMS: dict[str, str] = {"collected": "collected", "collected_npv": "collected_npv", "give_away": "give",
                                "cost_npv": "cost", "agreements": "agreements", "broken": "broken"}


def segment_sums(debtors: dict[str, np.ndarray], segment: np.ndarray, segments: int) -> np.ndarray:
    """Per segment, the sums of :data:`SEGMENT_SUMS` over its debtors: array (segments, len(SEGMENT_SUMS))."""
    return np.stack([np.bincount(segment, weights=np.asarray(debtors[f], dtype=np.float64), minlength=segments)
                     for f in SEGMENT_SUMS.values()], axis=-1)


def totals_from(debtors: dict[str, np.ndarray], daily: np.ndarray, agent: np.ndarray, *, balance: np.ndarray,
                chronic: np.ndarray, moral_hazard_cost: float, counters: dict[str, float]) -> dict[str, float]:
    """Headline totals from per-debtor arrays, the daily series and the engine's counters.

    ``counters`` carries what only the engine knows: costs by kind, opt-outs,
    conversations, attempts, blocked attempts by rule, violations, written-off balance.
    """
    outcome = debtors["outcome"]
    from simulation.model import OUTCOMES
    count = np.bincount(outcome, minlength=len(OUTCOMES))
    collected = float(debtors["collected"].sum())
    total_balance = float(balance.sum())
    give = float(debtors["give"].sum())
    out = {
        "debtors": float(outcome.shape[0]),
        "balance": total_balance,
        "collected": collected,
        "collected_npv": float(debtors["collected_npv"].sum()),
        "give_away": give,
        "cost_npv": float(debtors["cost"].sum()),
        "moral_hazard_cost": float(moral_hazard_cost * debtors["give"][chronic].sum()),
        "recovery_rate": collected / total_balance if total_balance > 0 else 0.0,
        "self_cured": float(count[OUTCOMES.index("self_cured")]),
        "agreements": float(debtors["agreements"].sum()),
        "kept": float(count[OUTCOMES.index("agreement_kept")]),
        "broken": float(debtors["broken"].sum()),
        "active_at_horizon": float(count[OUTCOMES.index("agreement_active")]),
        "agency_collected": float(count[OUTCOMES.index("agency_collected")]),
        "written_off": float(count[OUTCOMES.index("written_off")]),
        "agent_minutes_used": float(agent[:, 1].sum()),
        "agent_minutes_available": float(agent[:, 0].sum()),
    }
    out["net_npv"] = out["collected_npv"] - out["cost_npv"]
    for key, value in counters.items():
        out[key] = float(value)
    return {k: out.get(k, 0.0) for k in TOTALS}
