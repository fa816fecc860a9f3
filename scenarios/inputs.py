"""A scenario's portfolio, loaded or generated, validated and segmented: the inputs of a run."""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scenarios.bookchecks import BookWarning, book_warnings
from scenarios.errors import InputError, Problems
from scenarios.portfolio import Portfolio, load_portfolio, validate_frame
from scenarios.schema import Scenario
from scenarios.segmentation import assign_segments
from scenarios.synthetic import generate_portfolio

__all__ = ["RunInputs", "load_inputs", "PortfolioFile"]


@dataclass(frozen=True)
class PortfolioFile:
    """A portfolio path with how to read it (``--sep``, ``--decimal``, ``--sheet``); usable as a path."""

    path: str
    sep: str | None = None
    decimal: str | None = None
    sheet: str | None = None

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    def options(self) -> dict:
        """The reading options given (for :func:`scenarios.portfolio.load_portfolio`)."""
        return {k: v for k, v in (("sep", self.sep), ("decimal", self.decimal), ("sheet", self.sheet)) if v}


@dataclass(frozen=True, eq=False)
class RunInputs:
    """A validated portfolio and the segment of each debtor."""

    portfolio: Portfolio
    segment_index: np.ndarray
    #: What looks wrong in the book without stopping the run (:mod:`scenarios.bookchecks`).
    warnings: tuple[BookWarning, ...] = ()
    #: What was read: ``file``, ``rows``, ``sha256`` and ``set_by`` (``file`` None for the synthetic book).
    facts: dict = field(default_factory=dict)

    def segment_counts(self, scenario: Scenario) -> dict[str, int]:
        """Debtors per segment, in scenario order."""
        counts = np.bincount(self.segment_index[self.segment_index >= 0], minlength=len(scenario.segments))
        return {s.name: int(c) for s, c in zip(scenario.segments, counts)}


def load_inputs(scenario: Scenario, portfolio_path: str | Path | PortfolioFile | None = None) -> RunInputs:
    """Load (``--portfolio`` or the scenario's file) or generate the portfolio, and segment it.

    What looks wrong but does not stop the run is in :attr:`RunInputs.warnings`, each also
    issued as a :class:`~scenarios.bookchecks.BookWarning` (the CLI prints them on stderr).

    Raises
    ------
    InputError
        Every problem of the portfolio file, then of the segment rules against it.
    """
    path = portfolio_path or scenario.portfolio.file or None
    if path:
        options = path.options() if isinstance(path, PortfolioFile) else {}
        portfolio = load_portfolio(path, default_state=scenario.calendar.default_state,
                                   file_label=str(portfolio_path) if portfolio_path else None,
                                   column_types=scenario.portfolio.columns, **options)
    else:
        src = scenario.portfolio
        frame = generate_portfolio(src.synthetic_n, np.random.default_rng(src.synthetic_seed), src.synthetic_product)
        portfolio = validate_frame(frame, f"synthetic portfolio of {scenario.source}", scenario.calendar.default_state)
    probs = Problems(scenario.source)
    label = Path(path).name if path else "the synthetic portfolio"
    index = assign_segments(scenario, portfolio.frame, label=label, probs=probs)
    if probs:
        raise InputError(probs.items)
    found = tuple(book_warnings(scenario, portfolio.frame, index, label if path else portfolio.source))
    for w in found:
        warnings.warn(w, stacklevel=2)
    return RunInputs(portfolio, index, found, _facts(scenario, portfolio, path, bool(portfolio_path)))


def _facts(scenario: Scenario, portfolio: Portfolio, path, given: bool) -> dict:
    """Which book the run read, for the manifest, the cover and the assumptions."""
    from scenarios.assumptions import set_by
    if not path:
        src = scenario.portfolio
        return {"file": None, "rows": portfolio.n, "sha256": None, "set_by": set_by("portfolio.synthetic_n", scenario.origin),
                "synthetic": {"n": src.synthetic_n, "seed": src.synthetic_seed, "product": src.synthetic_product}}
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    who = "command line (--portfolio)" if given else set_by("portfolio.file", scenario.origin)
    return {"file": str(path), "rows": portfolio.n, "sha256": digest.hexdigest()[:16], "set_by": who}
