"""Report budget: `acordo run scenarios/X.toml` (baseline → optimize → re-simulate →
sensitivity → report) in at most 5 minutes for every bundled scenario, with a cold
coefficient cache."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent


def run() -> Iterator[dict]:
    for scenario in sorted((ROOT / "scenarios").glob("*.toml")):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "ACORDO_CACHE": str(Path(tmp) / "cache")}
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "acordo.cli", "run", str(scenario), "--out",
                                   str(Path(tmp) / "run"), "--quiet"], env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
            ok = proc.returncode == 0 and (Path(tmp) / "run" / "report.pdf").is_file()
        yield {"name": f"acordo_run_{scenario.stem}", "value": round(elapsed, 3), "unit": "s", "budget": 300.0,
               "ok": bool(ok and elapsed <= 300.0)}
