"""The engine's contacts: E (cadence steps add pending attempts), F (the contact rules and the
attempts on letter, e-mail, SMS and WhatsApp) and the attempt itself, shared with G (calls).

Each channel keeps a boolean ``pending`` row per debtor (for calls indexed by rank in the
queue, see :mod:`simulation.engine_calls`). The contact rules 1-4 of ``docs/model.md`` F
are checked once, by :meth:`ContactsMixin._blocked`, on the day's pending rows; the rows
that pass are attempted with what the check already read (the 7-day counts), so an
attempt looks nothing up twice. The 7-day count ``recent7`` is +1 per attempt and -1
seven days later (the channel's forget event at W0): rule 3 is ``recent7 >= K``. The
attempt log (``record_attempts``) is audited independently of these tables by
:func:`simulation.reference.audit_attempts` in the tests.
"""
from __future__ import annotations

import numpy as np

from scenarios.schema import CHANNELS
from simulation.engine_books import CALL, LETTER, METRIC
from simulation.engine_cycles import OPEN
from simulation.replication import BLOCK_RULES

__all__ = ["ContactsMixin", "CHANNEL_ORDER"]

#: The order of the channels in F (calls come after, in G).
CHANNEL_ORDER = (CHANNELS.index("letter"), CHANNELS.index("email"), CHANNELS.index("sms"),
                 CHANNELS.index("whatsapp"))
#: The forget event of each channel (attempts leave the 7-day count seven days later).
_FORGET = tuple(f"forget_{c}" for c in CHANNELS)


class ContactsMixin:
    """Pending attempts, the contact rules and attempts, for the vectorised engine."""

    # ------------------------------------------------------------------ E: cadence
    def _cadence_step(self, t: int, s: int, c: int) -> None:
        """E: segment ``s``'s cadence step on ``c`` marks its OPEN, reachable debtors pending."""
        rows = self.seg_rows[s]
        rows = rows[(self.status[rows] == OPEN) & self.m.available[c, rows]]
        if self.multi:
            rows = rows[self.entry[rows] == 0]
        self._mark(rows, c)

    def _slots(self, c: int, rows: np.ndarray) -> np.ndarray:
        """Positions of ``rows`` in ``pending[c]`` (calls are kept in priority order)."""
        return self.rank[rows] if c == CALL else rows

    def _mark(self, rows: np.ndarray, c: int) -> None:
        """``rows`` have a pending attempt on ``c`` (once: a second mark changes nothing)."""
        if c == CALL and self.plan.no_calls is not None and rows.size:  # not-called share: never queued
            rows = rows[~self.plan.uncalled(rows, self.seg[rows], self.offer_j[rows])]
        slots = self._slots(c, rows)
        new = slots[~self.pending[c][slots]]
        self.pending[c][new] = True
        self.n_pending[c] += new.size

    def _letter_notice(self, t: int) -> None:
        """E: the formal-notice letter goes to every OPEN debtor (of the first cycle)."""
        rows = np.flatnonzero(self.status == OPEN)
        self._mark(rows[self.entry[rows] == 0] if self.multi else rows, LETTER)

    # ------------------------------------------------------------------ pending attempts
    def _drop(self, c: int, rows: np.ndarray) -> None:
        """``rows`` leave the pending attempts on ``c``."""
        self._drop_slots(c, self._slots(c, rows))

    def _drop_slots(self, c: int, slots: np.ndarray) -> None:
        """The pending attempts at positions ``slots`` of ``pending[c]`` are gone."""
        self.pending[c][slots] = False
        self.n_pending[c] -= slots.size

    def _pending_rows(self, c: int) -> np.ndarray:
        """Rows with a pending attempt on ``c`` that are still OPEN (others are dropped).

        For calls the rows come in queue order (priority, then row).
        """
        if self.n_pending[c] == 0:
            return np.zeros(0, np.int64)
        rows = np.flatnonzero(self.pending[c])
        if c == CALL:  # every pending call is OPEN (_leave_open)
            return self.by_rank[rows]
        gone = self.status[rows] != OPEN
        if gone.any():
            self._drop(c, rows[gone])
            rows = rows[~gone]
        return rows

    # ------------------------------------------------------------------ F: the contact rules
    def _blocked(self, t: int, c: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Contact rules 1-4 of ``docs/model.md`` F on ``rows`` today.

        Returns
        -------
        rule : ndarray of int8
            The first rule that blocks each row (its index in ``BLOCK_RULES``), -1 if none:
            rule 0 (window closed) defers the attempt, the others drop it.
        n7 : ndarray of int16
            Each row's attempts in the last 7 days (``recent7``), for the attempt.
        """
        n7 = self.recent7[rows]
        rule = np.full(rows.size, -1, np.int8)
        if c != LETTER:  # assigned from the last rule to the first: the first that applies wins
            rule[n7 >= self.K] = 3
            if c == CALL and self.sc.contact_rules.reg_f_mode:
                rule[t - self.last_conv[rows] < 7] = 2
            rule[self.opted[rows]] = 1
        rule[~self.m.calendar.allowed[c, t][self.m.state[rows]]] = 0
        return rule, n7

    def _apply_rules(self, c: int, slots: np.ndarray, rule: np.ndarray) -> bool:
        """Count the blocked attempts by rule and drop those at ``slots`` that a rule past 0 blocks;
        whether any rule blocked one."""
        counts = np.bincount(rule + 1, minlength=len(BLOCK_RULES) + 1)
        for r, name in enumerate(BLOCK_RULES):
            self.counters[f"blocked_{name}"] += int(counts[r + 1])
        if counts[2:].any():
            self._drop_slots(c, slots[rule > 0])
        return bool(counts[1:].any())

    def _eligible(self, t: int, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows with a pending attempt on ``c`` (not a call) that pass the contact rules today,
        and their 7-day counts."""
        rows = self._pending_rows(c)
        if rows.size == 0:
            return rows, np.zeros(0, np.int16)
        rule, n7 = self._blocked(t, c, rows)
        if not self._apply_rules(c, rows, rule):
            return rows, n7
        ok = rule < 0
        return rows[ok], n7[ok]

    def _contacts(self, t: int) -> None:
        """F: the day's attempts on letter, e-mail, SMS and WhatsApp, then G (calls)."""
        for c in CHANNEL_ORDER:
            rows, n7 = self._eligible(t, c)
            if rows.size == 0:
                continue
            segs = self.seg[rows]
            reached = self._u("reach", rows, t, c) < self.m.reach[:, c][segs]
            self._attempt(rows, t, c, reached, None, n7, segs, rows)
        self._calls(t)

    # ------------------------------------------------------------------ the attempt
    def _attempt(self, rows: np.ndarray, t: int, c: int, reached: np.ndarray, minutes: np.ndarray | None,
                 n7: np.ndarray, segs: np.ndarray, slots: np.ndarray) -> None:
        """Make attempts on ``c`` (rules already passed): costs, the 7-day count, reach, opt-out,
        engagement and negotiation.

        ``n7`` (the 7-day counts), ``segs`` (the segments) and ``slots`` (the positions in
        ``pending[c]``) of ``rows`` are what the caller already read.
        """
        self._drop_slots(c, slots)
        per_segment = np.bincount(segs, minlength=self.S)
        if minutes is not None:
            self.minutes[rows] += minutes
            self._charge(rows, minutes * self.cost_per_minute, t, "agent_cost", segs)
        self._charge(rows, self.channel_cost[c], t, "contact_cost", segs, per_segment)
        self.counters[f"attempts_{CHANNELS[c]}"] += rows.size
        self.daily[t, :, METRIC[f"attempts_{CHANNELS[c]}"]] += per_segment
        if c != LETTER:
            after = n7 + 1
            self.recent7[rows] = after
            # rule 3 let through only rows under the cap: an audit of that, not a second check
            self.counters["violations"] += int(np.count_nonzero(after > self.K))
            self._schedule(_FORGET[c], t + 7, "window", rows, self._forget)
        else:  # letters have no cap; the counter is there from the first attempt all the same
            self.counters["violations"] += 0
        hit = np.flatnonzero(reached)  # positions in rows of the reached, then of the talking
        reached_rows, reached_segs = rows[hit], segs[hit]
        self.daily[t, :, METRIC["reached"]] += np.bincount(reached_segs, minlength=self.S)
        gone = reached_rows[:0]
        if c != LETTER and hit.size:
            out = self._u("optout", reached_rows, t, c) < self.sc.contact_rules.opt_out_probability
            if out.any():
                gone = reached_rows[out]
                self.opted[gone] = True
                talk = np.flatnonzero(~out)
                hit, reached_rows, reached_segs = hit[talk], reached_rows[talk], reached_segs[talk]
            self.counters["opt_outs"] += gone.size
        if self.rec is not None:
            self.rec.attempts(t, c, rows, reached, gone, minutes)
        if c == CALL:
            self.last_conv[reached_rows] = t
            self.counters["conversations"] += reached_rows.size
        if self.record:
            conversation = np.zeros(rows.size, bool)
            if c == CALL:
                conversation[hit] = True
            self.attempt_log.append((rows.copy(), t, c, conversation))
        if reached_rows.size == 0:
            return
        p = self.m.engage[:, c][reached_segs] * self._fatigue(reached_segs, n7[hit])
        if self.ctl is not None:  # martingale controls (engine_agreements.CONTROLS): read before the draws
            chance, amount = self._agree_chance(reached_rows, t)
            before = self.ag_count[reached_rows].copy()
        engaged = reached_rows[self._u("engage", reached_rows, t, c) < p]
        if self.rec is not None:
            self.rec.engaged(engaged)
        self._negotiate(engaged, t, c)
        if self.ctl is not None:
            self._agree_control(reached_rows, t, p * chance, amount, before)

    _fatigue_pow: np.ndarray | None = None

    def _fatigue(self, segs: np.ndarray, n7: np.ndarray) -> np.ndarray:
        """``fatigue[segs] ** n7`` from a table of powers (n7 <= K when the cap holds)."""
        if self._fatigue_pow is None:
            k = np.arange(max(self.K, 0) + 1, dtype=np.float64)
            self._fatigue_pow = np.power(self.m.params["fatigue"][:, None], k[None, :])
        if n7.size and int(n7.max()) >= self._fatigue_pow.shape[1]:
            return self.m.params["fatigue"][segs] ** n7
        return self._fatigue_pow[segs, n7]

    def _forget(self, t: int, rows: np.ndarray) -> None:
        """W0: attempts of seven days ago on one channel leave the 7-day count.

        Each channel has its own forget event, and a row is attempted at most once per
        channel and day, so ``rows`` has no repeats and a plain indexed decrement is exact.
        """
        self.recent7[rows] -= 1
