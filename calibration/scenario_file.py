"""``calibrated.toml``: a scenario that extends the calibrated one and sets every fitted value.

Each value carries a comment with its estimate, 95% interval, n and method, and the
``[sources]`` table gives it the source "calibrated from <history> (<first>–<as-of>)",
which the policy report's assumptions page shows.
"""
from __future__ import annotations

import math

import tomlkit

from calibration.calibrate import CalibrationResult
from calibration.estimates import PORTFOLIO, Estimate
from scenarios.params import Spec
from scenarios.schema import Behaviour, ChannelRates, ContactRules

__all__ = ["calibrated_toml", "written_estimates", "spec_of", "clip_to_range"]


def spec_of(key: str) -> Spec:
    """The schema declaration of a calibrated key (its range)."""
    if key.startswith("contact_rules."):
        f = ContactRules.__dataclass_fields__[key.split(".", 1)[1]]
        return f.metadata.get("spec", Spec())
    if "." in key:
        f = ChannelRates.__dataclass_fields__[key.split(".", 1)[1]]
        return f.metadata.get("spec", Spec())
    return Behaviour.__dataclass_fields__[key].metadata.get("spec", Spec())


def clip_to_range(value: float, spec: Spec) -> float:
    """``value`` within the declared range of the parameter."""
    lo = spec.lo if spec.lo is not None else -math.inf
    hi = spec.hi if spec.hi is not None else math.inf
    if spec.lo_open and value <= lo:
        value = lo + 1e-9
    return min(max(value, lo), hi)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _comment(e: Estimate) -> str:
    return (f"{_fmt(e.value)} (95% {_fmt(e.lo)}-{_fmt(e.hi)}), n = {e.n}, {e.status}; {e.method}")


def written_estimates(result: CalibrationResult) -> list[Estimate]:
    """The estimates written to the scenario: every estimated segment parameter and opt-out.

    Not identified parameters keep the scenario's value and are not written; portfolio-wide
    estimates are reported but not written (each segment has its own).
    """
    return [e for e in result.estimates if e.identified and (e.segment != PORTFOLIO or e.key.startswith("contact_"))]


def calibrated_toml(result: CalibrationResult, extends: str, name: str) -> str:
    """The text of ``calibrated.toml``.

    Parameters
    ----------
    result : CalibrationResult
    extends : str
        Path of the input scenario relative to the directory ``calibrated.toml`` is written to.
    name : str
        The input scenario's name.
    """
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Written by acordo calibrate: {result.source_text}."))
    doc.add(tomlkit.comment("Each value: estimate (95% interval), n, status; method. Parameters the history does not"))
    doc.add(tomlkit.comment("identify keep the value of the scenario this file extends (see calibration.json)."))
    doc.add("extends", extends)
    doc.add("name", f"{name} (calibrated)")
    doc.add("description", f"{name}, behaviour {result.source_text}.")
    sources = tomlkit.table()
    segments = tomlkit.table(is_super_table=True)
    written = written_estimates(result)
    for e in written:
        spec = spec_of(e.key)
        value = clip_to_range(e.value, spec)
        item = tomlkit.item(float(f"{value:.6g}"))
        item.comment(_comment(e))
        if e.segment == PORTFOLIO:
            section, key = e.key.split(".", 1)
            if section not in doc:
                doc.add(section, tomlkit.table())
            doc[section].add(key, item)
            sources.add(e.key, result.source_text)
            continue
        if e.segment not in segments:
            seg = tomlkit.table(is_super_table=True)
            seg.add("behaviour", tomlkit.table())
            segments.add(e.segment, seg)
        beh = segments[e.segment]["behaviour"]
        if "." in e.key:
            group, channel = e.key.split(".", 1)
            if group not in beh:
                beh.add(group, tomlkit.table())
            beh[group].add(channel, item)
        else:
            beh.add(e.key, item)
        sources.add(f"segments.{e.segment}.behaviour.{e.key}", result.source_text)
    if segments:
        doc.add("segments", segments)
    doc.add("sources", sources)
    return tomlkit.dumps(doc)
