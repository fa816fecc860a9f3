"""The coefficient cache: tables keyed by what they were estimated from.

A coefficient table is cached as ``coefficients-<key>.parquet`` in the cache folder
(``$ACORDO_CACHE``, else ``~/.cache/acordo``). The key hashes the coefficient format
version, the scenario's digest, the portfolio arrays the simulation reads, the catalogue,
the sampling settings and the seed (entropy and spawn key). Writes go through a temporary
file and an atomic rename, so a reader never sees half a table.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import polars as pl

from simulation.model import SimModel

__all__ = ["COEFFICIENT_VERSION", "default_cache_dir", "fingerprint", "cache_path", "read_cached", "write_cached"]

#: Bumped whenever the table's columns or their meaning change.
COEFFICIENT_VERSION = "3"


def default_cache_dir() -> Path:
    """``$ACORDO_CACHE``, else ``~/.cache/acordo``."""
    return Path(os.environ.get("ACORDO_CACHE") or Path.home() / ".cache" / "acordo")


def fingerprint(model: SimModel, offers: list, settings: str) -> str:
    """The cache key of a table estimated on ``model`` for ``offers`` with ``settings`` (text)."""
    h = hashlib.sha256()
    h.update(COEFFICIENT_VERSION.encode())
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
    """The cached table at ``path``, or ``None`` when there is none."""
    if not path.exists():
        return None
    return pl.read_parquet(path)


def write_cached(path: Path, table: pl.DataFrame) -> None:
    """Write ``table`` to ``path`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    table.write_parquet(tmp)
    os.replace(tmp, path)
