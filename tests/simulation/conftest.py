"""Fixtures of the simulation tests: small scenarios, synthetic frames, and both engines.

Test modules cannot import this file (pytest runs with ``--import-mode=importlib``), so
the helpers are handed out as fixtures:

- ``sim`` (session): a namespace with ``make_frame``, ``make_model``, ``one_segment``,
  ``all_day_windows``, ``no_escalation``, ``fixed_plan``, ``streams`` and ``BASE``;
- ``engine`` (parametrized): ``reference`` (:func:`simulation.reference.simulate_reference`)
  and ``engine`` (:func:`simulation.engine.simulate_replication`, imported lazily and
  skipped while it does not exist); both take ``(model, plan, streams, *,
  unlimited_agents, record_attempts)``;
- ``both_engines``: the pair (reference, engine), skipped while the engine is missing.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import polars as pl
import pytest

import scenarios
from simulation.draws import replication_streams
from simulation.model import OfferPlan, SimModel
from simulation.reference import simulate_reference

from ._models import model_of

BASE = Path(scenarios.__file__).parent / "base.toml"

#: Columns and dtypes of a normalised portfolio (``scenarios.portfolio``).
SCHEMA: dict[str, pl.DataType] = {
    "debtor_id": pl.String(), "balance": pl.Float64(), "days_past_due": pl.Int64(), "state": pl.String(),
    "score": pl.Float64(), "prior_delinquencies": pl.Int64(), "has_phone": pl.Boolean(),
    "has_email": pl.Boolean(), "has_whatsapp": pl.Boolean(),
}
#: States drawn by :func:`make_frame`: the five with contact laws and five without.
STATES: tuple[str, ...] = ("SP", "RJ", "ES", "AL", "CE", "MG", "BA", "RS", "PR", "PE")


def make_frame(n: int, seed: int = 0, **columns: Any) -> pl.DataFrame:
    """A synthetic portfolio of ``n`` debtors with normalised dtypes.

    Every column is drawn from ``numpy.random.default_rng(seed)`` (balances lognormal
    around R$ 1,500, 0-359 days past due, scores 0-1000, 0-5 prior delinquencies, the
    states of :data:`STATES`, channel flags ~95/65/85%); a keyword argument replaces a
    column by a scalar (broadcast) or a sequence of length ``n``.
    """
    rng = np.random.default_rng(seed)
    phone = rng.random(n) < 0.95
    data: dict[str, Any] = {
        "debtor_id": [f"T{i:07d}" for i in range(n)],
        "balance": np.clip(np.round(np.exp(rng.normal(math.log(1500.0), 1.0, n)), 2), 20.0, None),
        "days_past_due": rng.integers(0, 360, n),
        "state": rng.choice(np.array(STATES), n),
        "score": rng.integers(0, 1001, n).astype(np.float64),
        "prior_delinquencies": rng.choice(6, n, p=[0.45, 0.2, 0.15, 0.1, 0.06, 0.04]),
        "has_phone": phone,
        "has_email": rng.random(n) < 0.65,
        "has_whatsapp": phone & (rng.random(n) < 0.9),
    }
    for key, value in columns.items():
        if key not in SCHEMA:
            raise KeyError(f"make_frame: unknown column {key!r}")
        data[key] = [value] * n if np.isscalar(value) else list(value)
    return pl.DataFrame({k: pl.Series(k, data[k]).cast(dtype) for k, dtype in SCHEMA.items()})


def make_model(settings: dict[str, Any] | None = None, frame: pl.DataFrame | None = None, *, n: int = 200,
               seed: int = 0) -> SimModel:
    """Load ``scenarios/base.toml`` with ``settings`` (dotted keys, as ``--set``), segment
    ``frame`` (default ``make_frame(n, seed)``) and build the :class:`SimModel`.

    ``settings`` values replace whole subtrees: ``{"cadences": {"default": []}}`` drops
    every cadence of the base file, ``{"segments": {...}}`` every segment (see
    :func:`one_segment`), while ``{"escalation.letter_day": 0}`` changes one key.
    """
    return model_of(settings, make_frame(n, seed) if frame is None else frame)


def one_segment(cadence: list[tuple[int, str]] | None = None, **behaviour: Any) -> dict[str, Any]:
    """Settings that replace the base segments by one segment ``all`` (every debtor) with
    the ``behaviour`` overrides, and every cadence by ``cadence`` (``[(day, channel), ...]``)."""
    return {
        "segments": {"all": {"rule": {"balance": [0.0, math.inf]}, "behaviour": dict(behaviour)}},
        "cadences": {"default": [{"day": d, "channel": c} for d, c in (cadence or [])]},
    }


def all_day_windows() -> dict[str, Any]:
    """Settings that open every channel every day: no state laws, no holidays, 0-24h windows."""
    hours = {"start": 0.0, "end": 24.0}
    return {"contact_rules.state_laws": False, "calendar.holidays": False, "contact_rules.weekday_hours": hours,
            "contact_rules.saturday_hours": hours, "contact_rules.sunday_hours": hours}


def no_escalation() -> dict[str, Any]:
    """Settings with no letter, no listing and no agency."""
    return {"escalation.letter_day": 0, "escalation.negativacao_day": 0, "escalation.agency_day": 0}


def fixed_plan(model: SimModel, discount: float, installments: int = 1, down: float = 0.0) -> OfferPlan:
    """Every debtor is shown the same offer."""
    n = model.n
    return OfferPlan(fixed=(np.full(n, discount), np.full(n, installments, dtype=np.int64), np.full(n, down)))


def streams(seed: int = 12345, replication: int = 0):
    """The streams of one replication."""
    return replication_streams(seed, replication + 1)[replication]


@pytest.fixture(scope="session")
def sim() -> SimpleNamespace:
    """Helpers to build scenarios, frames, models and plans."""
    return SimpleNamespace(BASE=BASE, SCHEMA=SCHEMA, make_frame=make_frame, make_model=make_model,
                           one_segment=one_segment, all_day_windows=all_day_windows, no_escalation=no_escalation,
                           fixed_plan=fixed_plan, streams=streams)


@dataclass(frozen=True)
class Engine:
    """A simulation engine under test (callable like ``simulate_replication``)."""

    name: str
    fn: Callable

    @property
    def is_reference(self) -> bool:
        """The slow per-debtor model: tests keep its portfolios small."""
        return self.name == "reference"

    def __call__(self, *args: Any, **kwargs: Any):
        return self.fn(*args, **kwargs)


def vectorised_engine() -> Engine:
    """The vectorised engine, or a skip while ``simulation/engine.py`` does not provide it."""
    try:
        module = importlib.import_module("simulation.engine")
    except ModuleNotFoundError as exc:
        if exc.name != "simulation.engine":
            raise
        pytest.skip("simulation.engine does not exist yet")
    fn = getattr(module, "simulate_replication", None)
    if fn is None:
        pytest.skip("simulation.engine.simulate_replication does not exist yet")
    return Engine("engine", fn)


@pytest.fixture(params=["reference", "engine"])
def engine(request) -> Engine:
    """Each engine in turn."""
    if request.param == "reference":
        return Engine("reference", simulate_reference)
    return vectorised_engine()


@pytest.fixture
def both_engines() -> tuple[Engine, Engine]:
    """(reference, vectorised engine)."""
    return Engine("reference", simulate_reference), vectorised_engine()
