"""The simulated day as one table of phases, shared by the engine and the reference model.

Day ``t`` is the simpy interval ``[t, t + 1)``. Every phase of ``docs/model.md`` ("A
day") has a letter, a name and an offset within the day; both implementations schedule
their events at ``t + offset`` from this table, so the order of the phases is written
once. A phase that a run does not need (re-entry and write-off are multi-cycle phases)
simply has no events.

=====  ============  ======  ==============================================================
 key    name         offset  what happens
=====  ============  ======  ==============================================================
 W0     window       0.00    attempts made 7 days ago leave the rolling 7-day window
 R      re_entry     0.05    customers whose re-delinquency day has come enter a new cycle
 A      self_cure    0.10    open debtors may pay in full unprompted
 B      agency       0.20    the agency collects what it is due to collect today
 C      payments     0.30    installments due today are paid or become late
 D      late         0.40    late installments are paid with fees, or the agreement breaks
 E      cadence      0.50    cadence steps and the formal-notice letter add pending attempts
 F      contacts     0.60    letter, e-mail, SMS, WhatsApp attempts (H negotiation inline)
 G      calls        0.70    the dialler walks the call queue (H negotiation inline)
 I      escalation   0.80    listing at the credit bureau, hand-over to the agency
 X      write_off    0.90    open and agency debtors past the cycle's collection window
=====  ============  ======  ==============================================================

H (negotiation) has no time of its own: it runs right after the engagement it follows,
within F or G. The reference model runs one debtor's A-E in a single wake-up at A's
time (a debtor's own phases touch nobody else, so their order within the wake-up is the
table's), and the agent pool wakes at G.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Phase", "DAY", "PHASES", "at"]


@dataclass(frozen=True)
class Phase:
    """One phase of the day: its key in ``docs/model.md``, a name and its offset in the day."""

    key: str
    name: str
    offset: float
    what: str


#: The phases of a day, in order.
DAY: tuple[Phase, ...] = (
    Phase("W0", "window", 0.00, "attempts made 7 days ago leave the rolling 7-day window"),
    Phase("R", "re_entry", 0.05, "customers whose re-delinquency day has come enter a new cycle"),
    Phase("A", "self_cure", 0.10, "open debtors may pay in full unprompted"),
    Phase("B", "agency", 0.20, "the agency collects what it is due to collect today"),
    Phase("C", "payments", 0.30, "installments due today are paid or become late"),
    Phase("D", "late", 0.40, "late installments are paid with fees, or the agreement breaks"),
    Phase("E", "cadence", 0.50, "cadence steps and the formal-notice letter add pending attempts"),
    Phase("F", "contacts", 0.60, "letter, e-mail, SMS, WhatsApp attempts (H negotiation inline)"),
    Phase("G", "calls", 0.70, "the dialler walks the call queue (H negotiation inline)"),
    Phase("I", "escalation", 0.80, "listing at the credit bureau, hand-over to the agency"),
    Phase("X", "write_off", 0.90, "open and agency debtors past the cycle's collection window"),
)

#: Phases by name.
PHASES: dict[str, Phase] = {p.name: p for p in DAY}

assert all(a.offset < b.offset for a, b in zip(DAY, DAY[1:])), "phases must be in increasing order"


def at(day: int, phase: str) -> float:
    """The simpy time of ``phase`` (a name of :data:`PHASES`) on ``day``."""
    return day + PHASES[phase].offset
