"""The project's one process pool: workers that die with their parent and ignore Ctrl-C.

Monte Carlo replications, sensitivity variants, sweep cells (through
:class:`simulation.backends.LocalProcesses`) and the optimizer's chunks all run on a
:class:`WorkerPool`. Its guarantees:

- **Workers die with their parent.** On Linux each worker asks the kernel, in its
  initializer, to send it ``SIGKILL`` when its parent dies (``prctl(PR_SET_PDEATHSIG)``
  through ctypes), then checks that the parent did not die before the request. A daemon
  thread in every worker also polls its parent's pid (:data:`WATCHDOG_SECONDS`) and exits
  when the worker has been re-parented: the portable fallback (macOS, or a parent
  thread that exited). A ``SIGKILL``-ed ``acordo run --workers 2`` leaves no process.
- **Ctrl-C prints no worker traceback.** Workers ignore ``SIGINT`` (the terminal sends it
  to the whole process group); the parent alone turns it into ``KeyboardInterrupt``, and
  on any exception out of :meth:`WorkerPool.map` it cancels what is queued and terminates
  the workers (``SIGTERM``: no Python handler runs, so nothing is printed) instead of
  waiting for the tasks in flight.
- **Start method ``spawn``.** A fresh interpreter per worker: ``fork`` would copy the
  parent's threads' locks in whatever state they are (polars' and BLAS's thread pools,
  the progress display's thread) and can deadlock; ``forkserver`` would make the workers
  children of the fork server, not of the job, so that the parent-death signal would
  follow the server. The cost, about a second of imports per worker, is paid once per
  pool: keep one pool for a job and pass it along.
- **State shipped once.** ``shared`` (a model, a scenario) is pickled once, to a file of
  the pool's private temporary directory, which each worker reads at its first task (and
  keeps until the next one); tasks carry only small arguments and call ``fn(shared, task)``.
  A job of several stages keeps one pool and gives each :meth:`WorkerPool.map` its own
  ``shared``; no worker is started again. (Not through the initializer: a spawned worker's
  start-up data goes through a pipe that the parent writes while holding its read end, so
  a worker that dies while starting would leave the parent blocked on a large write.)
  Results do not depend on the number of workers: tasks must be pure functions of
  ``(shared, task)`` (seeded by their own index, see :mod:`simulation.draws`).

With one worker, everything runs in this process and nothing is started.
"""
from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import pickle
import shutil
import tempfile
import signal
import sys
import threading
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterator, Sequence, TypeVar

__all__ = ["WorkerPool", "parallel_map", "default_workers", "resolve_workers", "worker_shared", "job_pool",
           "WATCHDOG_SECONDS"]

T = TypeVar("T")
R = TypeVar("R")

#: How often a worker's watchdog thread checks that its parent is alive.
WATCHDOG_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1
_SHARED: dict[str, Any] = {}


def default_workers() -> int:
    """The cores this process may use (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None, tasks: int | None = None) -> int:
    """``workers`` (None = :func:`default_workers`), never more than ``tasks`` nor the cores."""
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: must be a whole number >= 1 (got {workers!r})")
    workers = min(workers, default_workers())
    if tasks is not None:
        workers = min(workers, max(1, tasks))
    return workers


def worker_shared() -> Any:
    """The ``shared`` object of this worker's current task (None outside a pool)."""
    held = _SHARED.get("stash")
    return held[1] if held is not None else _SHARED.get("shared")


_WATCHED: set[int] = set()


def _die_with_parent(parent: int) -> None:
    """Ask for SIGKILL at the parent's death (Linux), and watch the parent's pid (everywhere)."""
    if parent in _WATCHED:
        return
    _WATCHED.add(parent)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request
        os._exit(1)

    def watch() -> None:
        while True:
            threading.Event().wait(WATCHDOG_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="acordo-parent-watchdog", daemon=True).start()


@contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT and SIGTERM blocked (held pending, not lost) while workers are started.

    A child inherits the signal mask through fork and exec, so a worker cannot be
    interrupted during its seconds of imports; its initializer ignores SIGINT and then
    unblocks it (SIGTERM keeps its default action in a worker). Here, a Ctrl-C or SIGTERM
    that arrives meanwhile is delivered when the block ends, once no worker is half-started
    (a worker killed while it unpickles its start-up data prints a traceback).
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _init_worker(parent: int, shared: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    _die_with_parent(parent)
    _SHARED["shared"] = shared


_LIBC: list = []


def _release_memory() -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    A worker serves every stage of a job (:func:`job_pool`): without this, the memory a
    large task freed would stay resident in it through the stages that follow.
    """
    if not _LIBC:
        try:
            _LIBC.append(ctypes.CDLL("libc.so.6").malloc_trim if sys.platform.startswith("linux") else None)
        except (OSError, AttributeError):
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0](0)


def _call(fn: Callable[[Any, T], R], task: T) -> R:
    try:
        return fn(_SHARED.get("shared"), task)
    finally:
        _release_memory()


def _call_stashed(path: str, fn: Callable[[Any, T], R], task: T) -> R:
    """``fn(obj, task)`` with ``obj`` read from ``path`` once per worker (the last one is kept)."""
    held = _SHARED.get("stash")
    if held is None or held[0] != path:
        _SHARED.pop("stash", None)  # let the previous one go before reading the next
        held = None
        _release_memory()
        with open(path, "rb") as fh:
            held = (path, pickle.load(fh))
        _SHARED["stash"] = held
    try:
        return fn(held[1], task)
    finally:
        _release_memory()


_POOL_SHARED: Any = object()


class WorkerPool:
    """A pool of ``workers`` processes sharing ``shared``; a context manager.

    Parameters
    ----------
    workers : int or None
        Processes; None means every core (:func:`default_workers`). 1 runs every task in
        this process. Never more than the cores.
    shared : object, optional
        Sent once to each worker (pickled); every task is called as ``fn(shared, task)``.

    Notes
    -----
    The processes start on the first :meth:`map` and stay until :meth:`close`, so a
    worker keeps whatever it cached (a built scenario) between calls.
    """

    def __init__(self, workers: int | None = None, shared: Any = None):
        self.workers = resolve_workers(workers)
        self.shared = shared
        self._pool: ProcessPoolExecutor | None = None
        self._dir: str | None = None  # the pool's own temporary directory (the shared state's files)
        self._shared_path: str | None = None
        self._stashes = itertools.count()
        self._borrowed: WorkerPool | None = None  # the job pool whose workers run this pool's tasks

    def _executor(self) -> ProcessPoolExecutor:
        lender = _JOB_POOL[-1] if _JOB_POOL else None
        if self._pool is None and lender is not None and lender is not self and lender.workers > 1:
            self._borrowed = lender  # the job's workers (job_pool): not started, not stopped here
            return lender._executor()
        if self._pool is None:
            with _sigint_held():
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_init_worker, initargs=(os.getpid(), None))
        return self._pool

    def map(self, fn: Callable[[Any, T], R], tasks: Sequence[T],
            on_done: Callable[[int, R], None] | None = None, *, shared: Any = _POOL_SHARED) -> list[R]:
        """``[fn(shared, t) for t in tasks]``, computed on the workers, in task order.

        Parameters
        ----------
        fn : callable
            A module-level function ``fn(shared, task)`` (pickled by reference).
        tasks : sequence
            Picklable, small.
        on_done : callable, optional
            Called here with ``(index, result)`` as each task finishes (in any order).
            If it raises, or anything else does (``KeyboardInterrupt``), the queued
            tasks are cancelled, the workers terminated and the exception propagates.
        shared : object, optional
            This call's shared state instead of the pool's (sent once to each worker
            through a file, see the module docstring): one pool serves a job's stages.
        """
        tasks = list(tasks)
        if not tasks:
            return []
        own = shared is not _POOL_SHARED
        if self.workers == 1:
            state = shared if own else self.shared
            out = []
            for i, task in enumerate(tasks):
                res = fn(state, task)
                out.append(res)
                if on_done is not None:
                    on_done(i, res)
            return out
        pool = self._executor()
        index: dict[Future, int] = {}
        out_any: list[Any] = [None] * len(tasks)
        if own:
            path: str | None = self._stash(shared)
        elif self.shared is None:
            path = None
        else:
            if self._shared_path is None:
                self._shared_path = self._stash(self.shared)
            path = self._shared_path
        try:
            with _sigint_held():  # submit() starts the workers
                for i, t in enumerate(tasks):
                    fut = pool.submit(_call, fn, t) if path is None else pool.submit(_call_stashed, path, fn, t)
                    index[fut] = i
            pending = set(index)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=index.__getitem__):
                    res = fut.result()
                    out_any[index[fut]] = res
                    if on_done is not None:
                        on_done(index[fut], res)
        except BaseException:
            self.terminate()
            raise
        finally:
            if own and path is not None and os.path.exists(path):
                os.unlink(path)
        return out_any

    def _stash(self, shared: Any) -> str:
        """Pickle ``shared`` to a new file of the pool's temporary directory; its path."""
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="acordo-pool-")
        path = os.path.join(self._dir, f"shared-{next(self._stashes)}.pickle")
        with open(path, "wb") as fh:
            pickle.dump(shared, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def _remove_dir(self) -> None:
        folder, self._dir, self._shared_path = self._dir, None, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)  # created by this pool, holds only its files

    def terminate(self) -> None:
        """Stop at once: cancel queued tasks and kill the workers (idempotent; a borrowed job
        pool's workers too, since they may be running this pool's tasks)."""
        lender, self._borrowed = self._borrowed, None
        if lender is not None:
            lender.terminate()
        pool, self._pool = self._pool, None
        if pool is None:
            self._remove_dir()
            return
        procs = list(getattr(pool, "_processes", {}).values())
        for p in procs:
            try:
                # SIGKILL, not SIGTERM: a worker still starting has SIGTERM blocked (the mask it
                # inherits, see _sigint_held) and would go on to rebuild the queue's semaphores
                # after this process unlinked them, printing multiprocessing's FileNotFoundError
                p.kill()
            except (OSError, AttributeError):
                pass
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            try:
                p.join(timeout=5)
            except (OSError, AssertionError):
                pass
        self._remove_dir()

    def close(self) -> None:
        """Let the workers finish and stop them (idempotent); a job pool's workers stay for the next stage."""
        self._borrowed = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._remove_dir()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        if exc_type is not None:
            self.terminate()
        else:
            self.close()

    def describe(self) -> dict[str, Any]:
        """For manifests: ``{"backend": "processes" or "in-process", "workers": n}``."""
        return {"backend": "processes" if self.workers > 1 else "in-process", "workers": self.workers}


_JOB_POOL: list[WorkerPool] = []


@contextmanager
def job_pool(workers: int | None) -> Iterator[WorkerPool]:
    """One set of worker processes for every :class:`WorkerPool` used inside the block.

    A job of several stages (``acordo run``: baseline, coefficients, validation, sensitivity,
    report) starts its workers once: inside the block, a pool of more than one worker runs
    its tasks on these processes instead of spawning its own (each spawn costs about a
    second of imports per worker), and closing it leaves them running. Each pool still
    ships its own ``shared`` state (a worker keeps only the last one it read). The workers
    stop at the end of the block, and are killed when an exception leaves it or when a
    borrowing pool is terminated. With one worker nothing is started. Results do not change:
    tasks are pure functions of ``(shared, task)``. Inside another job pool's block (a job
    that runs another, as ``acordo run`` runs the optimizer's) the outer workers serve both.
    """
    if _JOB_POOL and resolve_workers(workers) > 1:
        yield _JOB_POOL[-1]
        return
    pool = WorkerPool(workers)
    _JOB_POOL.append(pool)
    try:
        with pool:
            yield pool
    finally:
        _JOB_POOL.remove(pool)


def parallel_map(fn: Callable[[Any, T], R], tasks: Sequence[T], *, workers: int | None = None, shared: Any = None,
                 on_done: Callable[[int, R], None] | None = None) -> list[R]:
    """``[fn(shared, t) for t in tasks]`` on a pool of its own (started and stopped here).

    The one-call form of :class:`WorkerPool` (e.g. the optimizer's chunks of simulated
    copies: ``parallel_map(simulate_chunk, chunks, workers=workers, shared=model)``).
    ``workers`` is capped by the number of tasks.
    """
    tasks = list(tasks)
    with WorkerPool(resolve_workers(workers, len(tasks)), shared=shared) as pool:
        return pool.map(fn, tasks, on_done=on_done)


def _adopt_if_spawning() -> None:
    """In a worker still starting (importing the main module), die with the parent already.

    A spawned worker imports its parent's main module (``acordo``'s imports this one)
    seconds before its initializer runs; a parent killed meanwhile must not leave it behind.
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        parent = os.getppid()
        if parent == 1:
            os._exit(1)
        _die_with_parent(parent)


_adopt_if_spawning()
