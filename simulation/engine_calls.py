"""The engine's phase G: the dialler walks the call queue while the day's agent minutes last.

The call queue is ``pending[CALL]`` indexed by rank: rank 0 is the debtor with the
highest priority (balance x reach x engagement, times the acceptance of the debtor's
offer when the queue is ordered by offer), ties by row. The walk reads the queue from
the top in chunks, checks each call against the contact rules (a blocked call is counted
and, past rule 0, dropped), draws whether it reaches the debtor and so its minutes, and
stops at the first call that passes the rules but does not fit in the minutes left, or
as soon as the minutes left are fewer than the shortest call needs (``docs/model.md``, G).
The calls made are then attempted (:meth:`simulation.engine_contacts.ContactsMixin._attempt`).
"""
from __future__ import annotations

import numpy as np

from simulation.engine_books import CALL

__all__ = ["CallsMixin", "queue_order"]


def queue_order(priority: np.ndarray) -> np.ndarray:
    """The rows from the highest ``priority`` down, ties by row: ``argsort(-priority, kind="stable")``.

    An unstable sort (several times faster) followed by sorting each run of equal
    priorities by row gives the same order.
    """
    key = -np.asarray(priority, dtype=np.float64)
    order = np.argsort(key)
    s = key[order]
    eq = (s[1:] == s[:-1]) | (np.isnan(s[1:]) & np.isnan(s[:-1]))
    if not eq.any():
        return order
    tied = np.flatnonzero(np.concatenate(([False], eq)) | np.concatenate((eq, [False])))
    run = np.cumsum(np.concatenate(([True], ~eq)))  # the run of equal priorities of each position
    n = np.int64(key.size)
    pair = run[tied].astype(np.int64) * n + order[tied]  # (run, row) in one int64: one sort
    pair.sort()
    order[tied] = pair % n
    return order


class CallsMixin:
    """The call walk for the vectorised engine (uses its arrays; see ``_Engine.__init__``)."""

    #: Queue positions walked per agent minute used, on the last day with calls (None: no day yet).
    _walk_rate: float | None = None

    def _calls(self, t: int) -> None:
        """G: walk the queue in priority order while the day's agent minutes last, then make the calls."""
        nominal = self.sc.agents.count * self.m.calendar.agent_minutes[t]
        capacity = np.inf if self.unlimited else nominal
        self.agent[t, 0] = nominal
        call = self.sc.channels.call
        weight_floor = 1.0 if self.call_weight is None else float(self.call_weight.min(initial=1.0))
        shortest = max(min(call.minutes_conversation, call.minutes_no_answer) * weight_floor, 1e-9)
        reach = self.m.reach[:, CALL]
        used, pos, walked = 0.0, 0, 0
        served: list[tuple[np.ndarray, ...]] = []
        while self.n_pending[CALL] and capacity - used >= shortest - 1e-9:
            chunk, slots, pos = self._queue_from(pos, self._walk_size(capacity - used, shortest))
            if chunk.size == 0:
                break
            rule, n7 = self._blocked(t, CALL, chunk)
            passed = rule < 0
            ok = None if passed.all() else np.flatnonzero(passed)  # None: every call passes
            rows, n7, ok_slots = (chunk, n7, slots) if ok is None else (chunk[ok], n7[ok], slots[ok])
            segs = self.seg[rows]
            reached = self._u("reach", rows, t, CALL) < reach[segs]
            minutes = np.where(reached, call.minutes_conversation, call.minutes_no_answer)
            load = minutes if self.call_weight is None else minutes * self.call_weight[rows]
            # minutes used after each call, summed from the day's start (the same sums whatever the chunks)
            prefix = np.cumsum(np.concatenate(([used], load)))
            n_fit = int((prefix[1:] <= capacity + 1e-9).sum())
            # the position of the first call that passes the rules but does not fit
            stop = chunk.size if n_fit == rows.size else (n_fit if ok is None else int(ok[n_fit]))
            # the walk ends at the first position before which too few minutes remain: the minutes
            # left fall with the calls made, so it follows the first call count j leaving too few
            # (position 0 if j = 0, else just after the j-th call that passes the rules)
            dry = np.flatnonzero(capacity - prefix < shortest - 1e-9)
            if dry.size:
                j = int(dry[0])
                first_dry = 0 if j == 0 else (j if ok is None else int(ok[j - 1]) + 1)
                if first_dry < min(stop, chunk.size):
                    stop = first_dry
                    n_fit = stop if ok is None else int(np.searchsorted(ok, stop))
            self._apply_rules(CALL, slots[:stop], rule[:stop])
            if n_fit:
                served.append((rows[:n_fit], reached[:n_fit], minutes[:n_fit], n7[:n_fit], segs[:n_fit],
                               ok_slots[:n_fit]))
                used = float(prefix[n_fit])
            walked += stop
            if stop < chunk.size:
                break
        if used > 0 and walked:
            self._walk_rate = walked / used
        self.agent[t, 1] = used
        if served:  # one attempt of all the calls made (the same sums whatever the chunks)
            parts = [np.concatenate(p) if len(served) > 1 else p[0] for p in zip(*served)]
            rows, reached, minutes, n7, segs, ok_slots = parts
            self._attempt(rows, t, CALL, reached, minutes, n7, segs, ok_slots)
        self.agent[t, 2] = self.n_pending[CALL]

    def _walk_size(self, left: float, shortest: float) -> int:
        """How many queue rows to read next: enough for the minutes ``left`` at the last day's pace.

        Only the time of the walk depends on it (a short chunk is followed by another): at most
        as many calls as the shortest call fits, and about 10% more than the last day needed.
        """
        if not np.isfinite(left):
            return self.N
        bound = int(left / shortest) + 64
        if self._walk_rate is None:
            return bound
        return min(bound, int(left * self._walk_rate * 1.1) + 256)

    def _queue_from(self, pos: int, size: int) -> tuple[np.ndarray, np.ndarray, int]:
        """The next ``size`` rows of the call queue from rank ``pos`` (fewer at its end), their
        ranks, and the rank after the last; only the ranks up to it are read."""
        pending, N = self.pending[CALL], self.N
        parts, found, end = [], 0, pos
        window = max(2 * size, 4096)
        while found < size and end < N:
            part = np.flatnonzero(pending[end:end + window])
            part += end
            parts.append(part)
            found += part.size
            end = min(end + window, N)
            window *= 2
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), end
        slots = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if slots.size > size:
            slots = slots[:size]
            end = int(slots[-1]) + 1
        return self.by_rank[slots], slots, end
