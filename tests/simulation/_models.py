"""Small models for the simulator's tests (a helper module, not a test file)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio
from simulation.model import SimModel, build_model

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "base.toml"


@lru_cache(maxsize=8)
def _frame(n: int, seed: int):
    return validate_frame(generate_portfolio(n, np.random.default_rng(seed)), "synthetic", "SP").frame


def small_model(n: int = 3000, seed: int = 11, **settings) -> SimModel:
    """The base scenario with dotted-key ``settings`` (``agents__count=4`` → ``agents.count``) on n debtors."""
    scenario = load_scenario(BASE, settings={k.replace("__", "."): v for k, v in settings.items()})
    frame = _frame(n, seed)
    return build_model(scenario, frame, assign_segments(scenario, frame))
