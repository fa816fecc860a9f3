"""The coefficient cache: tables keyed by what they were estimated from.

A coefficient table is cached as ``coefficients-<key>.parquet`` in the cache folder
(``$ACORDO_CACHE``, else ``~/.cache/acordo``). The key hashes the coefficient format
version, the source of the simulation engine and of :mod:`optimizer.coefficients` (so the
key changes with the code), the scenario's digest, the portfolio arrays the simulation
reads, the catalogue, the sampling settings and the seed (entropy and spawn key). Writes go
through a temporary file and an atomic rename, so a reader never sees half a table; an
entry that does not read back is discarded with a warning and recomputed, and a cache that
cannot be written is skipped with a warning.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import polars as pl

from simulation.model import SimModel

__all__ = ["COEFFICIENT_VERSION", "default_cache_dir", "engine_code_hash", "fingerprint", "cache_path",
           "read_cached", "write_cached"]

#: Bumped whenever the table's columns or their meaning change.
COEFFICIENT_VERSION = "5"


def default_cache_dir() -> Path:
    """``$ACORDO_CACHE``, else ``~/.cache/acordo``."""
    return Path(os.environ.get("ACORDO_CACHE") or Path.home() / ".cache" / "acordo")


@functools.lru_cache(maxsize=1)
def engine_code_hash() -> str:
    """A hash of the source of the simulation engine and of the optimizer's modules that make a table
    (:mod:`optimizer.coefficients`, and :mod:`optimizer.sampling`, whose chunks share the agent pool)."""
    import simulation
    here = [Path(__file__).with_name(name) for name in ("coefficients.py", "sampling.py")]
    h = hashlib.sha256()
    for path in sorted(Path(simulation.__file__).parent.glob("*.py")) + here:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def fingerprint(model: SimModel, offers: list, settings: str) -> str:
    """The cache key of a table estimated on ``model`` for ``offers`` with ``settings`` (text)."""
    h = hashlib.sha256()
    h.update(COEFFICIENT_VERSION.encode())
    h.update(engine_code_hash().encode())
    h.update(model.scenario.digest.encode())
    for arr in (model.balance, model.dpd, model.seg, model.state, model.chronic, model.available):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr([(o.segment, o.discount, o.installments, o.down) for o in offers]).encode())
    h.update(settings.encode())
    return h.hexdigest()[:24]


def cache_path(cache_dir: Path | str, key: str) -> Path:
    """Where the table with ``key`` lives."""
    return Path(cache_dir) / f"coefficients-{key}.parquet"


def read_cached(path: Path) -> pl.DataFrame | None:
    """The cached table at ``path``, or None; an entry that does not read back is discarded, with a warning."""
    if not path.is_file():
        return None
    try:
        return pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is recomputed, never fatal
        warnings.warn(f"{path}: unreadable coefficient cache entry ({type(exc).__name__}) discarded; recomputing",
                      stacklevel=3)
        path.unlink(missing_ok=True)
        return None


def write_cached(path: Path, table: pl.DataFrame) -> None:
    """Store ``table`` atomically; a cache that cannot be written is skipped, with a warning."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table.write_parquet(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        warnings.warn(f"{path.parent}: coefficient cache not written ({exc.strerror or type(exc).__name__})",
                      stacklevel=3)
