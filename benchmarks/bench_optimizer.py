"""Optimizer budget: coefficients for a bundled scenario (12 segments x ~80 offers, 5,000
debtors sampled per segment) in at most 60 s, without cache."""
from __future__ import annotations

import time
from typing import Iterator

__all__ = ["run"]


def run() -> Iterator[dict]:
    from acordo.pipeline import prepare
    from optimizer.coefficients import estimate_coefficients
    prepared = prepare("scenarios/base.toml")
    t0 = time.perf_counter()
    table = estimate_coefficients(prepared.model, seed=1, sample=5000, extra_policies=(prepared.scenario.baseline,))
    elapsed = time.perf_counter() - t0
    segments = table.get_column("segment").n_unique()
    yield {"name": f"coefficients_{segments}_segments_{table.height}_offers_5000_per_segment", "value": round(elapsed, 3),
           "unit": "s", "budget": 60.0, "ok": elapsed <= 60.0}
