"""Memory of a job and its workers, as the budgets count it.

A budget's memory is the peak of the job's and its workers' summed *proportional* set size
(PSS, ``/proc/PID/smaps_rollup`` through psutil): each page counts once, shared pages divided
among the processes that map them, so the sum is the physical memory the job takes from the
machine. The job and its workers map the same libraries (numpy, polars, scipy, matplotlib:
tens of MB of code each), which a sum of resident sizes (RSS) counts once per process; that
upper bound is kept beside it. Where the kernel gives no PSS, RSS stands in.
"""
from __future__ import annotations

import os
import threading
import time

__all__ = ["tree_memory", "TreeSampler"]


def _sizes(p) -> tuple[int, int]:
    import psutil
    try:
        full = p.memory_full_info()
        return int(getattr(full, "pss", full.rss)), int(full.rss)
    except psutil.AccessDenied:
        rss = p.memory_info().rss
        return rss, rss


def tree_memory(pid: int) -> tuple[int, int, int]:
    """(summed PSS of ``pid`` and all its descendants, its own PSS, their summed RSS), in bytes."""
    import psutil
    total = own = rss = 0
    try:
        parent = psutil.Process(pid)
        own, rss = _sizes(parent)
        total = own
        for p in parent.children(recursive=True):
            try:
                pss, r = _sizes(p)
            except psutil.Error:
                continue
            total += pss
            rss += r
    except psutil.Error:
        pass
    return total, own, rss


class TreeSampler:
    """Samples :func:`tree_memory` of ``pid`` (default: this process) every ``every`` seconds
    on a thread, while the ``with`` block runs; then ``peak_mb``, ``peak_at_s``, ``own_mb_at_peak``
    and ``rss_sum_mb`` (the peak of the summed RSS)."""

    def __init__(self, pid: int | None = None, every: float = 0.2):
        self.pid = os.getpid() if pid is None else pid
        self.every = every
        self.peak_mb = self.rss_sum_mb = self.own_mb_at_peak = 0.0
        self.peak_at_s = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def sample(self) -> None:
        """Take one sample now."""
        total, own, rss = tree_memory(self.pid)
        self.rss_sum_mb = max(self.rss_sum_mb, rss / 2**20)
        if total / 2**20 > self.peak_mb:
            self.peak_mb = total / 2**20
            self.own_mb_at_peak = own / 2**20
            self.peak_at_s = time.perf_counter() - self._t0

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> "TreeSampler":
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
