"""Every parameter a scenario uses, with its value, unit and source (the report's assumptions page)."""
from __future__ import annotations

import dataclasses

import polars as pl

from scenarios.errors import show
from scenarios.params import Spec, fields_of, inherit
from scenarios.pseudonym import pseudonymise
from scenarios.schema import Condition, Scenario

__all__ = ["assumptions_table", "rule_text"]

_SECTIONS = ("calendar", "money", "portfolio", "behaviour", "channels", "agents", "offers", "agreements",
             "escalation", "contact_rules", "optimizer", "monte_carlo")


def _walk(obj, prefix: str, rows: list[tuple[str, str, str, str, str]], parent: Spec | None = None) -> None:
    for f, tp in fields_of(type(obj)):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        spec: Spec = inherit(f.metadata.get("spec", Spec()), parent)
        if dataclasses.is_dataclass(value):
            _walk(value, key, rows, spec)
            continue
        text = show(list(value) if isinstance(value, tuple) else value, 80)
        rows.append((key, text, spec.unit, spec.source, spec.doc))


def rule_text(scenario: Scenario, rule: tuple[Condition, ...]) -> str:
    """A segment rule in words; values listed over ``debtor_id`` or a personal column are pseudonymised."""
    personal = {"debtor_id", *scenario.portfolio.personal_columns}
    parts = []
    for c in rule:
        if c.column in personal and c.values is not None:
            c = dataclasses.replace(c, values=tuple(pseudonymise(list(c.values))))
        elif c.column in personal and c.flag is None:
            parts.append(f"{c.column} in a range (personal data, not shown)")
            continue
        parts.append(c.describe())
    return " and ".join(parts)


def assumptions_table(scenario: Scenario) -> pl.DataFrame:
    """One row per parameter: key, value, unit, source, meaning.

    Segment behaviour is listed where it differs from the shared ``[behaviour]`` block
    (``segments.NAME.behaviour.KEY``), with the source of the shared parameter. A source
    the scenario gives in ``[sources]`` (e.g. a calibration) replaces the schema's.
    """
    rows: list[tuple[str, str, str, str, str]] = []
    for section in _SECTIONS:
        _walk(getattr(scenario, section), section, rows)
    shared: list[tuple[str, str, str, str, str]] = []
    _walk(scenario.behaviour, "behaviour", shared)
    base = {r[0].split(".", 1)[1]: r for r in shared}
    for seg in scenario.segments:
        own: list[tuple[str, str, str, str, str]] = []
        _walk(seg.behaviour, "behaviour", own)
        for key, text, unit, source, doc in own:
            short = key.split(".", 1)[1]
            if base[short][1] != text:
                rows.append((f"segments.{seg.name}.behaviour.{short}", text, unit, f"scenario ({seg.name}); default: {source}", doc))
        rule = rule_text(scenario, seg.rule)
        rows.append((f"segments.{seg.name}.rule", rule, "", "scenario", seg.description or "segment rule"))
    for name, steps in scenario.cadences.items():
        rows.append((f"cadences.{name}", ", ".join(f"d{s.day} {s.channel}" for s in steps), "day channel", "scenario",
                     "contact cadence (régua)"))
    own_sources = getattr(scenario, "sources", {}) or {}
    if own_sources:
        rows = [(k, v, u, own_sources.get(k, src), doc) for k, v, u, src, doc in rows]
    return pl.DataFrame(rows, schema=["key", "value", "unit", "source", "meaning"], orient="row")


