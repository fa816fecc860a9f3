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


def model_of(settings: dict | None, frame) -> SimModel:
    """The base scenario with dotted-key ``settings`` (as ``--set``) on ``frame``, segmented."""
    scenario = load_scenario(BASE, settings=settings or {})
    return build_model(scenario, frame, assign_segments(scenario, frame))


def small_model(n: int = 3000, seed: int = 11, **settings) -> SimModel:
    """:func:`model_of` on ``n`` synthetic debtors; ``agents__count=4`` stands for ``agents.count``."""
    return model_of({k.replace("__", "."): v for k, v in settings.items()}, _frame(n, seed))
