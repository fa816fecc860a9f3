"""A scenario with the calibrated values put in (what ``calibrated.toml`` says, as an object)."""
from __future__ import annotations

import dataclasses

from calibration.calibrate import CalibrationResult
from calibration.scenario_file import clip_to_range, spec_of, written_estimates
from scenarios.schema import Scenario

__all__ = ["apply_estimates"]


def apply_estimates(scenario: Scenario, result: CalibrationResult) -> Scenario:
    """``scenario`` with every written estimate (:func:`written_estimates`) as its value.

    The same values ``calibrated.toml`` sets (clipped to each parameter's range), so the
    backtest simulates exactly the calibrated scenario.
    """
    by_segment: dict[str, dict[str, float]] = {}
    rules = scenario.contact_rules
    for e in written_estimates(result):
        value = clip_to_range(e.value, spec_of(e.key))
        value = float(f"{value:.6g}")
        if e.key.startswith("contact_rules."):
            rules = dataclasses.replace(rules, **{e.key.split(".", 1)[1]: value})
        else:
            by_segment.setdefault(e.segment, {})[e.key] = value
    segments = []
    for seg in scenario.segments:
        b = seg.behaviour
        own = by_segment.get(seg.name, {})
        flat = {k: v for k, v in own.items() if "." not in k}
        for group in ("reach", "engage"):
            rates = {k.split(".", 1)[1]: v for k, v in own.items() if k.startswith(group + ".")}
            if rates:
                flat[group] = dataclasses.replace(getattr(b, group), **rates)
        segments.append(dataclasses.replace(seg, behaviour=dataclasses.replace(b, **flat)))
    return dataclasses.replace(scenario, segments=tuple(segments), contact_rules=rules)
