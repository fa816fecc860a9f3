"""Run directories: written whole or not at all.

Everything is written into a hidden sibling directory, which is renamed to the target
when the command succeeds. A failed or interrupted command leaves nothing behind. An
existing non-empty target is refused unless ``force``; then it is replaced only once the
new one is complete.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from scenarios.errors import InputError, Problem

__all__ = ["run_directory", "check_target", "write_json"]


def check_target(out: str | Path, force: bool) -> Path:
    """Refuse an existing non-empty ``out`` unless ``force`` (exit code 2, nothing written)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise InputError([Problem(str(out), "", "exists and is not empty; use --force to replace it", None, None)])
    return out


@contextmanager
def run_directory(out: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a staging directory that becomes ``out`` when the block succeeds."""
    out = check_target(out, force)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(stage, 0o777 & ~umask)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=parent))
        os.rename(out, old / "run")
    os.rename(stage, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, data: Any) -> None:
    """Write JSON with sorted keys and a trailing newline (stable bytes)."""
    path.write_text(json.dumps(_finite(data), indent=2, sort_keys=True, default=_default, allow_nan=False) + "\n",
                    encoding="utf-8")


def _finite(obj: Any) -> Any:
    """Replace NaN and infinities (not JSON) by null, recursively."""
    import math
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _default(obj: Any) -> Any:
    import datetime as _dt

    import numpy as np
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
