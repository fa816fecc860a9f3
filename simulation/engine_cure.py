"""The engine's phase A: open debtors may pay in full unprompted (``docs/model.md``, self-cure).

Each open debtor has a survival ``surv`` that the day's hazard step multiplies,
``surv *= 1 - min(a_eff * g[t], 1)``, and a uniform ``U`` drawn once per cycle: the debtor
cures on the first day ``surv <= U``.

Debtors who share a segment and days past due share ``a_eff`` until they leave OPEN (the
listing day multiplies all of them alike), and so share ``surv`` to the last bit. With
one cycle they start in such a *class*: the pass steps each class's survival once and
finds who crosses it by a binary search in the class's rows sorted by ``U`` (``U`` is a
multiple of 2**-53, so the search runs on integers), instead of stepping every row. A
debtor who leaves OPEN leaves the class with the class's survival; one who comes back
(a broken agreement) is on its own. The rows on their own are stepped one by one: when
they are many over the whole arrays contiguously, when they are few over a list of them
that is compacted lazily. All three give the same numbers.
"""
from __future__ import annotations

import numpy as np

from simulation.cycles import PAID_IN_FULL
from simulation.engine_books import OUTCOME
from simulation.engine_cycles import PAID

__all__ = ["CureMixin"]

_GROUP = 2 ** 11  #: classes per group: a class's number in its group sits above U's 53 bits


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
    #: The class of each row (-1: on its own); None: no classes (several cycles, or too many);
    #: the rows on their own are then every row.
    _cls: np.ndarray | None = None

    def _init_cure_classes(self) -> None:
        """Put every row in the class of its segment and days past due (one cycle only).

        A class keeps its ``a_eff`` (``_cls_a``), segment, survival (``_cls_surv``) and the
        rows that may cross it sorted by ``U`` from the largest (``_cls_rows``, from
        ``_cls_start``); rows before ``_cls_ptr`` have crossed the class's survival already.
        """
        if self.multi or self.N == 0:
            return
        dpd = self.m.dpd.astype(np.int64)
        lo, width = int(dpd.min(initial=0)), int(dpd.max(initial=0) - dpd.min(initial=0)) + 1
        key = self.seg.astype(np.int64) * width + (dpd - lo)
        if self.S * width > 2 ** 26:
            return
        used = np.bincount(key, minlength=self.S * width) > 0
        K = int(used.sum())
        if K > 2 ** 14:  # a search per group of classes each day
            return
        lut = np.cumsum(used) - 1
        cls = lut[key].astype(np.int32)
        first = np.full(K, -1, np.int64)
        first[cls[::-1]] = np.arange(self.N - 1, -1, -1)  # the first row of each class
        a = self.a_eff[first]
        if not np.array_equal(a[cls], self.a_eff) or not np.all(self.surv == 1.0):
            return  # a class must share a_eff to the last bit
        seg = self.seg[first]
        # a row can cross its class's survival only if its U is above the lowest the survival can
        # reach: with every day's step x_t = a * up * g[t] at the largest uplift, prod(1 - x_t) >=
        # exp(-sum(x_t) / (1 - max x_t)) (g <= 1), less a margin for rounding; only those rows
        # are kept, sorted
        up = max(float(np.max(self.m.params["uplift_negativado"], initial=1.0)), 1.0)
        x = a * up
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            floor = np.where(x < 0.5, np.exp(-x * self.g.sum(axis=0)[seg] / (1.0 - x)) * (1.0 - 1e-6), 0.0)
        rows = np.flatnonzero(self.U >= floor[cls])
        # sort key: the class within its group of 2**11 (it must fit above U's 53 bits), then U from
        # the largest; the groups are sorted one after the other, as the classes are
        c = cls[rows]
        k = (self.U[rows] * 2.0 ** 53).astype(np.uint64)  # U = k / 2**53 exactly
        keys = ((c & (_GROUP - 1)).astype(np.uint64) << np.uint64(53)) | (np.uint64(2 ** 53 - 1) - k)
        if K <= _GROUP:
            order = np.argsort(keys)
        else:
            group = c >> 11
            order = np.concatenate([r[np.argsort(keys[r])] for r in
                                    (np.flatnonzero(group == g) for g in range((K - 1) // _GROUP + 1))])
        self._cls, self._cls_a, self._cls_seg = cls, a, seg
        self._cls_surv = np.ones(K)
        self._cls_rows = rows[order]
        self._cls_keys = keys[order]
        self._cls_start = np.searchsorted(c[order], np.arange(K + 1))
        self._cls_ptr = self._cls_start[:-1].copy()
        self._cls_n = self.N  # rows in a class
        self._cure_idx, self._cure_count = np.zeros(0, np.int64), 0  # no row on its own yet

    def _cure_leave(self, rows: np.ndarray) -> None:
        """``rows`` leave OPEN (``a_eff`` becomes 0): they leave their class with its survival."""
        if self._cls is not None:
            c = self._cls[rows]
            inside = c >= 0
            if inside.any():
                r = rows[inside]
                self.surv[r] = self._cls_surv[c[inside]]
                self._cls[r] = -1
                self._cls_n -= r.size
        elif self._cure_count is not None:  # keep it an upper bound of the rows that can cure
            self._cure_count -= int(np.count_nonzero(self.a_eff[rows]))
        self._cure_stale += rows.size

    def _cure_list(self, rows: np.ndarray, up: np.ndarray) -> None:
        """``rows`` are listed (their ``a_eff`` is multiplied by ``up``): so is the ``a_eff`` of their classes
        when they are every row of them; else the listed rows of a class are put on their own."""
        if self._cls is None or rows.size == 0:
            return
        c = self._cls[rows]
        inside = c >= 0
        n = int(np.count_nonzero(inside))
        if n == 0:
            return
        if n == self._cls_n:  # every row in a class is listed: the classes are, alike
            self._cls_a *= self.m.params["uplift_negativado"][self._cls_seg]
            return
        r = rows[inside]
        self.surv[r] = self._cls_surv[c[inside]]
        self._cls[r] = -1
        self._cls_n -= r.size
        self._cure_reopen(r)

    def _cure_classes(self, g: np.ndarray, capped: bool) -> np.ndarray:
        """Step every class's survival; the rows still in their class that cross it today."""
        step = self._cls_a * (g[0] if self.tau_uniform else g[self._cls_seg])
        if capped:
            np.minimum(step, 1.0, out=step)
        np.subtract(1.0, step, out=step)
        self._cls_surv *= step
        if self._cls_keys.size == 0:  # no row can cross any class
            return np.zeros(0, np.int64)
        # rows with U >= surv: k >= ceil(surv * 2**53), i.e. key <= class << 53 | (2**53 - 1 - q)
        q = np.minimum(np.ceil(self._cls_surv * 2.0 ** 53), 2.0 ** 53).astype(np.uint64)
        K = self._cls_a.size
        bound = ((np.arange(K, dtype=np.uint64) & np.uint64(_GROUP - 1)) << np.uint64(53)) + (np.uint64(2 ** 53) - q)
        ptr, start, keys = self._cls_ptr, self._cls_start, self._cls_keys
        # the classes whose next row (the largest U not crossed yet) crosses today: a search in those only
        crossing = (ptr < start[1:]) & (keys[np.minimum(ptr, keys.size - 1)] < bound)
        which = np.flatnonzero(crossing)
        if which.size == 0:
            return np.zeros(0, np.int64)
        end = np.empty(which.size, np.int64)
        for c0 in range(0, K, _GROUP):  # keys < class << 53 + (2**53 - q), within the group
            sel = (which >= c0) & (which < c0 + _GROUP)
            if sel.any():
                lo, hi = start[c0], start[min(c0 + _GROUP, K)]
                end[sel] = lo + np.searchsorted(keys[lo:hi], bound[which[sel]], side="left")
        first = ptr[which]
        n = end - first
        pos = np.repeat(first - np.concatenate(([0], np.cumsum(n)[:-1])), n)
        pos += np.arange(pos.size)
        ptr[which] = end
        rows = self._cls_rows[pos]
        return rows[self._cls[rows] >= 0]

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
            if idx is not None:
                idx = idx[self.a_eff[idx] > 0]
            elif self._cls is None:
                idx = np.flatnonzero(self.a_eff > 0)
            else:
                idx = np.flatnonzero((self.a_eff > 0) & (self._cls < 0))
            self._cure_idx, self._cure_stale, self._cure_count = idx, 0, idx.size
        return idx

    def _cure_reopen(self, rows: np.ndarray) -> None:
        """``rows`` are open again (a broken agreement, a new cycle): the self-cure pass visits them."""
        if rows.size and self._cls is not None:  # on their own, added to the (short) list, once
            idx = np.concatenate((self._cure_idx, rows))
            idx.sort()
            self._cure_idx = idx[np.concatenate(([True], idx[1:] != idx[:-1]))]
        elif rows.size:
            self._cure_idx = None  # rebuilt by the next pass that needs the rows: one scan of a_eff
            if self._cure_count is not None:
                self._cure_count += rows.size

    def _cure_dense(self) -> bool | None:
        """Whether the pass goes over every row (None: no row can cure).

        While many rows can cure, the count of them is kept as an upper bound by the
        moves out of OPEN (:meth:`_leave_open`) instead of being made again every day.
        With classes, the rows on their own are few: always a list.
        """
        if self._cls is not None:
            return False if self._cure_rows().size else None
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
        if dense is None and not (self._cls is not None and self._cls_n):
            return
        if self._cure_bound is None:  # a_eff never exceeds a_cure's start times the largest uplift
            up = float(np.max(self.m.params["uplift_negativado"], initial=1.0))
            self._cure_bound = float(np.max(self.a_eff, initial=0.0)) * max(up, 1.0)
        capped = self._cure_bound * float(np.max(g)) > 1.0  # else min(step, 1) is step itself
        if dense is None:
            rows = np.zeros(0, np.int64)
        elif dense:  # many rows: contiguous passes beat gathers
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
        if self._cls is not None and self._cls_n:
            rows = np.sort(np.concatenate([rows, self._cure_classes(g, capped)]))
        if rows.size == 0:
            return
        self._collect(rows, self._owed(rows, t), t)
        self._leave_open(rows, PAID)
        self.U[rows] = -1.0
        self.outcome[rows] = OUTCOME["self_cured"]
        self._count(rows, t, "cures")
        self._ended(rows, t, PAID_IN_FULL)
