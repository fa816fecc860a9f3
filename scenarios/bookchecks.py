"""Warnings about a book that loads but looks exported wrong, or does not fit its scenario.

None of these stops a run: the book may really be so. Each is a :class:`BookWarning` (a
:class:`UserWarning`) in the project's message format, ``file: key: what (got X, expected
Y)``; :func:`book_warnings` returns them and the CLI prints them on stderr (library code
never prints). Checks:

- most debtors at 0 days past due (a collections book is overdue; an export of the whole
  portfolio, or dated wrong, is not);
- an agent pool out of scale with the book: the calls the cadences ask for, at most, against
  the agent minutes of the horizon (under :data:`AGENT_USE_LOW` or over
  :data:`AGENT_USE_HIGH` times the capacity);
- segments with no debtors (left out of the LP, the policy and the report);
- segments with fewer than :data:`MIN_SEGMENT` debtors (their estimates are mostly noise);
- a ``state`` column whose values are all codes that are also US state codes (AL, MA, PA,
  ...) and none of the large Brazilian states: probably another country's codes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from scenarios.schema import Scenario

__all__ = ["BookWarning", "book_warnings", "MIN_SEGMENT", "ZERO_DPD_SHARE", "AGENT_USE_LOW", "AGENT_USE_HIGH",
           "US_LOOKALIKE_UF"]

#: A segment with fewer debtors than this gets a warning.
MIN_SEGMENT: int = 30
#: Share of debtors at 0 days past due above which the book looks exported wrong.
ZERO_DPD_SHARE: float = 0.5
#: The cadences' call minutes, at most, as a share of the agent minutes: below LOW the pool is
#: far larger than the book, above HIGH far smaller.
AGENT_USE_LOW: float = 0.05
AGENT_USE_HIGH: float = 10.0
#: UF codes that are also US state or territory codes.
US_LOOKALIKE_UF: tuple[str, ...] = ("AL", "MA", "MS", "MT", "PA", "PR", "SC")
_LARGE_UF = ("SP", "RJ", "MG", "BA", "RS")


@dataclass(frozen=True)
class BookWarning(UserWarning):
    """One warning about the book, in the project's message format."""

    file: str
    key: str
    message: str
    got: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        detail = [f"got {self.got}"] if self.got is not None else []
        if self.expected is not None:
            detail.append(f"expected {self.expected}")
        tail = f" ({', '.join(detail)})" if detail else ""
        return f"{self.file}: {self.key + ': ' if self.key else ''}{self.message}{tail}"


def _pct(x: float) -> str:
    """``12%``; below 10% three significant digits (``4.96%``), so a value never reads as the bound it missed."""
    return f"{100 * x:.0f}%" if x >= 0.1 else f"{100 * x:.3g}%"


def book_warnings(scenario: Scenario, frame: pl.DataFrame, segment_index: np.ndarray,
                  label: str) -> list[BookWarning]:
    """Every warning about ``frame`` (the validated portfolio) under ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    frame : polars.DataFrame
        The portfolio's normalised frame.
    segment_index : numpy.ndarray
        Segment of every debtor (``-1`` for none).
    label : str
        The portfolio's name in the messages.
    """
    out: list[BookWarning] = []
    n = frame.height
    if n == 0:
        return out
    zero = float((frame.get_column("days_past_due") == 0).mean())
    if zero > ZERO_DPD_SHARE:
        out.append(BookWarning(label, "days_past_due", "most debtors are not overdue", f"{_pct(zero)} at 0 days",
                               "a book in collection (was the whole portfolio exported, or dated wrong?)"))
    counts = np.bincount(segment_index[segment_index >= 0], minlength=len(scenario.segments))
    empty = [s.name for s, c in zip(scenario.segments, counts) if c == 0]
    if empty:
        out.append(BookWarning(scenario.source, "segments", "segments with no debtors: left out of the LP, the "
                               "policy and the report", ", ".join(empty), "at least one debtor in each"))
    small = [(s.name, int(c)) for s, c in zip(scenario.segments, counts) if 0 < c < MIN_SEGMENT]
    if small:
        out.append(BookWarning(scenario.source, "segments", f"segments under {MIN_SEGMENT} debtors: their estimates "
                               "are mostly noise", ", ".join(f"{name} {c}" for name, c in small),
                               f"at least {MIN_SEGMENT} debtors each (merge them with a neighbour)"))
    use = _agent_use(scenario, counts)
    # a pool of one agent cannot be made smaller: "far larger" would not be something to act on
    if use is not None and ((use < AGENT_USE_LOW and scenario.agents.count > 1) or use > AGENT_USE_HIGH):
        word = "larger" if use < AGENT_USE_LOW else "smaller"
        out.append(BookWarning(scenario.source, "agents.count", f"agent pool far {word} than the book needs",
                               f"{scenario.agents.count} agent{'' if scenario.agents.count == 1 else 's'}; "
                               f"the cadences' calls would use at most {_pct(use)} "
                               f"of their minutes for {n:,} debtors",
                               f"between {_pct(AGENT_USE_LOW)} and {_pct(AGENT_USE_HIGH)}"))
    if "state" in frame.columns:
        states = set(frame.get_column("state").unique().to_list())
        if states and states <= set(US_LOOKALIKE_UF) and not states & set(_LARGE_UF) and len(states) > 1:
            out.append(BookWarning(label, "state", "every state is a code the US uses too, none a large Brazilian "
                                   "state", ", ".join(sorted(states)),
                                   "UF codes of Brazil (was a US address_state column exported?)"))
    return out


def _agent_use(scenario: Scenario, counts: np.ndarray) -> float | None:
    """Call minutes the cadences ask for (every debtor, every call step) over the horizon's agent minutes."""
    ag = scenario.agents
    days = scenario.calendar.horizon_days
    capacity = ag.count * (ag.weekday_minutes * days * 5 / 7 + ag.saturday_minutes * days / 7)
    call = scenario.channels.call
    demand = 0.0
    for seg, c in zip(scenario.segments, counts):
        steps = sum(1 for s in scenario.cadence_for(seg.name) if s.channel == "call")
        rpc = seg.behaviour.reach.call
        demand += c * steps * (rpc * call.minutes_conversation + (1 - rpc) * call.minutes_no_answer)
    if capacity <= 0:
        return None if demand <= 0 else float("inf")
    return demand / capacity
