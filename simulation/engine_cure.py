"""The engine's phase A: open debtors may pay in full unprompted (``docs/model.md``, self-cure).

Each open debtor has a survival ``surv`` that the day's hazard step multiplies,
``surv *= 1 - min(a_eff * g[t], 1)``, and a uniform ``U`` drawn once per cycle: the debtor
cures on the first day ``surv <= U``. The pass touches every row that can still cure:
when they are many it goes over the whole arrays contiguously (no list of rows), when
they are few over a list of them that is compacted lazily. Both give the same numbers.
"""
from __future__ import annotations

import numpy as np

from simulation.cycles import PAID_IN_FULL
from simulation.engine_books import OUTCOME
from simulation.engine_cycles import PAID

__all__ = ["CureMixin"]


class CureMixin:
    """Self-cure for the vectorised engine (uses its arrays; see ``_Engine.__init__``)."""

    #: Rows whose self-cure hazard may be positive (sorted; a superset, compacted lazily).
    _cure_idx: np.ndarray | None = None
    #: Rows that left OPEN since ``_cure_idx`` was compacted.
    _cure_stale = 0
    #: An upper bound of ``a_eff`` over the run (None: not known yet).
    _cure_bound: float | None = None
    #: At least the number of rows with ``a_eff > 0`` (None: not counted yet); only a count
    #: made by :meth:`_cure_dense` itself says that no row can cure.
    _cure_count: int | None = None
    _cure_step: np.ndarray | None = None
    _cure_hit: np.ndarray | None = None

    def _cure_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """Reused (N,) buffers for the dense pass's hazard step and test (no fresh pages every day)."""
        if self._cure_step is None:
            self._cure_step = np.empty(self.N)
            self._cure_hit = np.empty(self.N, bool)
        return self._cure_step, self._cure_hit

    def _cure_rows(self) -> np.ndarray:
        """The rows the sparse pass visits: every row with ``a_eff > 0`` (and maybe some at 0)."""
        idx = self._cure_idx
        if idx is None or self._cure_stale * 4 > idx.size:
            idx = np.flatnonzero(self.a_eff > 0) if idx is None else idx[self.a_eff[idx] > 0]
            self._cure_idx, self._cure_stale, self._cure_count = idx, 0, idx.size
        return idx

    def _cure_reopen(self, rows: np.ndarray) -> None:
        """``rows`` are open again (a broken agreement, a new cycle): the self-cure pass visits them."""
        if rows.size:
            self._cure_idx = None  # rebuilt by the next pass that needs the rows: one scan of a_eff
            if self._cure_count is not None:
                self._cure_count += rows.size

    def _cure_dense(self) -> bool | None:
        """Whether the pass goes over every row (None: no row can cure).

        While many rows can cure, the count of them is kept as an upper bound by the
        moves out of OPEN (:meth:`_leave_open`) instead of being made again every day.
        """
        if self._cure_idx is None:
            if self._cure_count is None or self._cure_count <= 0:
                self._cure_count = int(np.count_nonzero(self.a_eff))  # a_eff >= 0
                if self._cure_count == 0:
                    return None
            if self._cure_count * 8 > self.N:
                return True
        idx = self._cure_rows()
        if idx.size == 0:
            return None
        return idx.size * 8 > self.N

    def _self_cure(self, t: int) -> None:
        """A: the day's hazard step, and the debtors who pay in full today."""
        g = self.g[t]
        dense = self._cure_dense()
        if dense is None:
            return
        if self._cure_bound is None:  # a_eff never exceeds a_cure's start times the largest uplift
            up = float(np.max(self.m.params["uplift_negativado"], initial=1.0))
            self._cure_bound = float(np.max(self.a_eff, initial=0.0)) * max(up, 1.0)
        capped = self._cure_bound * float(np.max(g)) > 1.0  # else min(step, 1) is step itself
        if dense:  # many rows: contiguous passes beat gathers
            step, hit = self._cure_buffers()
            np.multiply(self.a_eff, g[0] if self.tau_uniform else g[self.seg], out=step)
            if capped:
                np.minimum(step, 1.0, out=step)
            np.subtract(1.0, step, out=step)
            self.surv *= step
            rows = np.flatnonzero(np.less_equal(self.surv, self.U, out=hit))
        else:  # the same arithmetic on the rows that can still cure (rows at a_eff = 0 keep surv)
            idx = self._cure_idx
            step = self.a_eff[idx] * (g[0] if self.tau_uniform else g[self.seg[idx]])
            if capped:
                np.minimum(step, 1.0, out=step)
            np.subtract(1.0, step, out=step)
            surv = self.surv[idx] * step
            self.surv[idx] = surv
            rows = idx[surv <= self.U[idx]]
        if rows.size == 0:
            return
        self._collect(rows, self._owed(rows, t), t)
        self._leave_open(rows, PAID)
        self.U[rows] = -1.0
        self.outcome[rows] = OUTCOME["self_cured"]
        self._count(rows, t, "cures")
        self._ended(rows, t, PAID_IN_FULL)
