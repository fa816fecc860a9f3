"""Foundation budget: `acordo portfolio --n 1000000 --seed 7` in under 10 s, byte-identical twice."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

__all__ = ["run"]


def run() -> Iterator[dict]:
    digests, times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(2):
            out = Path(tmp) / f"p{i}.parquet"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "acordo.cli", "portfolio", "--n", "1000000", "--seed", "7",
                            "--out", str(out)], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
            digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    yield {"name": "portfolio_1M_command", "value": round(max(times), 3), "unit": "s", "budget": 10.0,
           "ok": max(times) <= 10.0}
    yield {"name": "portfolio_1M_same_bytes_twice", "value": int(digests[0] == digests[1]), "unit": "bool",
           "budget": 1, "ok": digests[0] == digests[1]}
