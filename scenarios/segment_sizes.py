"""Empty and tiny segments: warnings at validation, and the list a run leaves out.

A segment nobody in the portfolio falls into gets no LP row, no policy row, no offer and
no chart; a segment with fewer than :data:`MIN_SEGMENT_DEBTORS` debtors is kept but
warned about, because its simulated outcome per debtor rests on very few people and a
champion/challenger test cannot measure it.
"""
from __future__ import annotations

from typing import Mapping

from scenarios.errors import Problem

__all__ = ["MIN_SEGMENT_DEBTORS", "segment_warnings", "empty_segments"]

#: Fewer debtors than this in a segment draws a warning.
MIN_SEGMENT_DEBTORS = 30


def empty_segments(counts: Mapping[str, int]) -> list[str]:
    """The segments with no debtors, in scenario order."""
    return [name for name, n in counts.items() if int(n) == 0]


def segment_warnings(counts: Mapping[str, int], file: str, portfolio: str = "the portfolio",
                     minimum: int = MIN_SEGMENT_DEBTORS) -> list[Problem]:
    """One warning per empty or tiny segment, in the project's message format.

    Parameters
    ----------
    counts : mapping segment -> debtors
        In scenario order (``RunInputs.segment_counts``).
    file : str
        The scenario file the segments come from.
    portfolio : str
        How to name the portfolio in the message.
    minimum : int
        Segments below this size are called tiny.
    """
    out = []
    for name, n in counts.items():
        n = int(n)
        if n == 0:
            out.append(Problem(file, f"segments.{name}", f"warning: no debtors in {portfolio}; left out of the "
                               "policy, the LP and the report", "0", "at least 1"))
        elif n < minimum:
            out.append(Problem(file, f"segments.{name}", f"warning: only {n} debtor{'' if n == 1 else 's'} in {portfolio}; its results "
                               "rest on very few debtors", str(n), f"at least {minimum}"))
    return out
