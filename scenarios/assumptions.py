"""Every parameter a scenario uses, with its value, unit, source and who set it (the report's appendix).

``set_by`` says where each value came from: ``default`` (acordo's own, with its published
source in ``source``), ``bundled scenario (base.toml)``, ``your file (PATH)``, ``command line
(--set)`` or ``calibrated (...)`` when a calibration wrote it. When the run used a portfolio
file, the ``portfolio`` rows say which file, how many rows and its hash, and the synthetic
generator's keys are left out (they were not used).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping

import polars as pl

from scenarios.errors import show
from scenarios.params import Spec, fields_of, inherit
from scenarios.pseudonym import pseudonymise
from scenarios.schema import Condition, Scenario

__all__ = ["assumptions_table", "rule_text", "set_by", "COLUMNS"]

#: Columns of the table.
COLUMNS = ["key", "value", "unit", "source", "meaning", "set_by"]

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
        if isinstance(value, dict):
            text = ", ".join(f"{k} = {v}" for k, v in value.items()) or "–"
        else:
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


def _merged_table(key: str, origin: Mapping[str, str]) -> bool:
    """True when ``key`` names a table whose keys the files set one by one (merged, not replaced whole)."""
    return any(k.startswith(key + ".") for k in origin)


def set_by(key: str, origin: Mapping[str, str]) -> str:
    """Who set ``key``: the file (or ``--set``, or a calibration) that set it or an enclosing value, else default.

    An enclosing value counts only when it was set whole (a list, or a table given as one
    value on the command line): a file that sets ``[optimizer] sample_per_segment`` did not
    set ``optimizer.budget``, although its ``optimizer`` table is recorded.
    """
    from scenarios.loader import BUNDLED_DIR
    probe = key
    while probe and probe not in origin:
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
        if probe and probe in origin and _merged_table(probe, origin):
            return "default"
    who = origin.get(probe)
    if who is None:
        return "default"
    if who == "--set":
        return "command line (--set)"
    if who.startswith(("calibrated", "default")):
        return who
    try:
        Path(who).resolve().relative_to(BUNDLED_DIR)
    except (ValueError, OSError):
        return f"your file ({who})"
    return f"bundled scenario ({Path(who).name})"


def assumptions_table(scenario: Scenario, portfolio: Mapping[str, Any] | None = None,
                      command_line: Mapping[str, tuple[Any, str]] | None = None) -> pl.DataFrame:
    """One row per parameter: key, value, unit, source, meaning, set_by.

    Segment behaviour is listed where it differs from the shared ``[behaviour]`` block
    (``segments.NAME.behaviour.KEY``), with the source of the shared parameter. A source
    the scenario gives in ``[sources]`` (e.g. a calibration) replaces the schema's.

    Parameters
    ----------
    scenario : Scenario
    portfolio : mapping, optional
        What the run read (``file``, ``rows``, ``sha256``, ``set_by``), as in the manifest;
        when it names a file, the synthetic generator's rows are left out.
    command_line : mapping, optional
        Values the run took from a command-line option instead of the scenario: key →
        (value, option), e.g. ``{"monte_carlo.replications": (3, "--replications")}``; the
        row shows that value, set by ``command line (--replications)``.
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
                rows.append((f"segments.{seg.name}.behaviour.{short}", text, unit, source, doc))
        rule = rule_text(scenario, seg.rule)
        rows.append((f"segments.{seg.name}.rule", rule, "", "", seg.description or "segment rule"))
    for name, steps in scenario.cadences.items():
        rows.append((f"cadences.{name}", ", ".join(f"d{s.day} {s.channel}" for s in steps), "day channel", "",
                     "contact cadence (régua)"))
    own_sources = getattr(scenario, "sources", {}) or {}
    if own_sources:
        rows = [(k, v, u, own_sources.get(k, src), doc) for k, v, u, src, doc in rows]
    origin = scenario.origin
    given = dict(command_line or {})
    out = [(k, show(given[k][0], 80), u, src, doc, f"command line ({given[k][1]})") if k in given
           else (k, v, u, src, doc, set_by(k, origin)) for k, v, u, src, doc in rows]
    if portfolio and portfolio.get("file"):
        who = str(portfolio.get("set_by") or "")
        out = [r for r in out if not r[0].startswith("portfolio.synthetic_") and r[0] != "portfolio.file"]
        at = next((i for i, r in enumerate(out) if r[0].startswith("portfolio.")), len(out))
        facts = [("portfolio.file", str(portfolio["file"]), "path", "", "The portfolio file the run read.", who),
                 ("portfolio.rows", f"{int(portfolio.get('rows', 0)):,}", "debtors", "", "Rows read from it.", who),
                 ("portfolio.sha256", str(portfolio.get("sha256", "")), "", "", "Hash of its bytes (first 16 hex "
                  "digits): the same file gives the same hash.", who)]
        out[at:at] = facts
    return pl.DataFrame(out, schema=COLUMNS, orient="row")
