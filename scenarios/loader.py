"""Reading scenario files: validation of the merged ``extends`` chain into a :class:`Scenario`.

The chain itself (TOML, ``extends``, ``replace``, who set each key) is :mod:`scenarios.chain`.
Every problem of every file in the chain is reported at once, each naming the file the
offending key came from, the columns the segment rules name included.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import tomllib
from dataclasses import MISSING
from pathlib import Path
from typing import Any, Iterable, Mapping

from scenarios.chain import (  # noqa: F401  (read_chain and the constants are part of this module's API)
    BUNDLED_DIR, MAX_EXTENDS, _inherited_segments, _label, _problem, _unpin_start_date, bundled_names,
    next_business_day, read_chain, today,
)
from scenarios.chain import TOP_KEYS as CHAIN_TOP_KEYS
from scenarios.errors import InputError, Problems, suggest
from scenarios.params import build
from scenarios.schema import (
    CHANNELS, Agents, Agreements, Behaviour, Calendar, Channels, Condition, ContactRules, Cycles,
    Escalation, Money, MonteCarlo, OfferCatalogue, OptimizerSettings, Policy, PortfolioSource,
    Scenario, Segment, Step,
)

__all__ = ["load_scenario", "scenario_from_dict", "read_chain", "parse_policy", "load_policy",
           "apply_settings", "SECTIONS", "offer_catalogue", "bundled_names", "BUNDLED_DIR", "MAX_EXTENDS", "next_business_day", "today"]

#: Top-level tables of a scenario file and the dataclass each one becomes.
SECTIONS: dict[str, type] = {
    "calendar": Calendar, "money": Money, "portfolio": PortfolioSource, "behaviour": Behaviour,
    "channels": Channels, "agents": Agents, "offers": OfferCatalogue, "agreements": Agreements,
    "escalation": Escalation, "contact_rules": ContactRules, "optimizer": OptimizerSettings,
    "monte_carlo": MonteCarlo, "cycles": Cycles, "baseline": Policy,
}
_SPECIAL = ("name", "description", "extends", "replace", "segments", "cadences", "sources")
TOP_KEYS = tuple(SECTIONS) + _SPECIAL
assert TOP_KEYS == CHAIN_TOP_KEYS, "scenarios.chain.TOP_KEYS is out of date"
_SEGMENT_KEYS = ("description", "risk_band", "max_discount", "rule", "behaviour")
#: Columns a rule may always name (the portfolio format, plus the derived ``chronic`` flag and ``product``).
RULE_COLUMNS = ("balance", "days_past_due", "state", "score", "prior_delinquencies", "has_phone",
                "has_email", "has_whatsapp", "chronic", "product")


class _ChainProblems(Problems):
    """Problems whose file is the file of the chain that set the key."""

    def __init__(self, file: str, origin: Mapping[str, str]):
        super().__init__(file)
        self.origin = origin

    def add(self, key: str, problem: str, got: Any = None, expected: str | None = None, *,
            file: str | None = None, raw_got: bool = False) -> None:
        if file is None:
            probe = key
            while probe and probe not in self.origin:
                cut = max(probe.rfind("."), probe.rfind("["))
                probe = probe[:cut] if cut > 0 else ""
            file = self.origin.get(probe, self.file)
        super().add(key, problem, got, expected, file=file, raw_got=raw_got)
























def load_scenario(path: str | Path, settings: Mapping[str, Any] | None = None, *,
                  portfolio: str | Path | None = None, check_columns: bool = False) -> Scenario:
    """Load and validate a scenario file (and its ``extends`` chain).

    Parameters
    ----------
    path : str or Path
        The scenario TOML file.
    settings : mapping, optional
        Dotted-key overrides applied after reading (``{"agents.count": 40}``), as ``--set`` does.
    portfolio : str or Path, optional
        The portfolio the scenario will run on (``--portfolio``), when not its own
        ``portfolio.file``.
    check_columns : bool, default False
        Check the columns the segment rules name in the same pass as everything else,
        against the header of ``portfolio``, else of ``portfolio.file``, else the synthetic
        book's columns (what ``acordo validate`` and the jobs do).

    Raises
    ------
    InputError
        With every problem found, each naming its file and key.
    """
    data, origin, files = read_chain(path)
    label = _label(Path(path))
    _unpin_start_date(data, origin, Path(path))
    if settings:
        data = apply_settings(data, settings, origin, label)
    inherited = _inherited_segments(data, origin, label)
    scenario = scenario_from_dict(data, origin=origin, label=label, base_dir=Path(path).parent,
                                  portfolio=portfolio, check_columns=check_columns or portfolio is not None,
                                  inherited_segments=inherited)
    hashed: Any = data
    if "start_date" not in (data.get("calendar") or {}):  # the date the run resolved is part of what was run
        hashed = [data, scenario.calendar.start_date.isoformat()]
    digest = hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return _with(scenario, digest=digest, origin=dict(origin), files=tuple(_label(f) for f in files))








def _with(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)


def apply_settings(data: dict, settings: Mapping[str, Any], origin: dict[str, str], label: str) -> dict:
    """Apply dotted-key overrides to raw scenario data, recording them as set on the command line."""
    out = copy.deepcopy(data)
    for key, value in settings.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InputError([_problem("--set", key, "not a table", None, None)])
        node[parts[-1]] = value
        origin[key] = "--set"
    return out


def _parse_rule(data: Any, prefix: str, probs: Problems) -> tuple[Condition, ...] | None:
    if not isinstance(data, dict) or not data:
        probs.add(prefix, "must be a table of column conditions", data,
                  'e.g. score = [0, 400], chronic = true, state = ["SP", "RJ"]')
        return None
    out = []
    ok = True
    for column, value in data.items():
        key = f"{prefix}.{column}"
        if isinstance(value, bool):
            out.append(Condition(column, flag=value))
        elif isinstance(value, str):
            out.append(Condition(column, values=(value,)))
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out.append(Condition(column, values=tuple(value)))
        elif (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
              and not any(math.isnan(v) for v in value)):
            lo, hi = float(value[0]), float(value[1])
            if not lo < hi:
                probs.add(key, "empty range", value, "[low, high) with low < high")
                ok = False
            out.append(Condition(column, lo=lo, hi=hi))
        else:
            probs.add(key, "not a condition", _shape(value), "[low, high) numbers, true/false, or a list of texts",
                      raw_got=True)  # its shape, never its values: a rule may list ids (CPFs)
            ok = False
    return tuple(out) if ok else None


def _shape(value: Any) -> str:
    """What a value is, without its contents: ``a list of 3 numbers``, ``a table``, ``an empty list``."""
    if isinstance(value, list):
        if not value:
            return "an empty list"
        kinds = {"a text" if isinstance(v, str) else "a true/false" if isinstance(v, bool)
                 else "a number" if isinstance(v, (int, float)) else "a list" if isinstance(v, list) else "a table"
                 for v in value}
        what = kinds.pop()[2:] + "s" if len(kinds) == 1 else "mixed values"
        return f"a list of {len(value)} {what}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return "a date or time" if not isinstance(value, str) else "a text"


def _parse_segments(data: Any, behaviour: Behaviour | None, probs: Problems) -> tuple[Segment, ...] | None:
    if not isinstance(data, dict) or not data:
        probs.add("segments", "at least one segment is needed", data, "[segments.NAME] tables with a rule")
        return None
    segments = []
    ok = True
    for name, table in data.items():
        prefix = f"segments.{name}"
        if not isinstance(table, dict):
            probs.add(prefix, "must be a table", table, "keys " + ", ".join(_SEGMENT_KEYS))
            ok = False
            continue
        for key in table:
            if key not in _SEGMENT_KEYS:
                hint = suggest(key, _SEGMENT_KEYS)
                probs.add(f"{prefix}.{key}", "unknown key" + (f"; did you mean {hint!r}?" if hint else ""),
                          None, None if hint else "one of " + ", ".join(_SEGMENT_KEYS))
                ok = False
        rule = _parse_rule(table.get("rule"), f"{prefix}.rule", probs)
        seg_behaviour = behaviour
        if behaviour is not None and "behaviour" in table:
            if isinstance(table["behaviour"], dict):
                seg_behaviour = build(Behaviour, table["behaviour"], f"{prefix}.behaviour", probs, base=behaviour)
            else:
                probs.add(f"{prefix}.behaviour", "must be a table", table["behaviour"], "behaviour overrides")
                seg_behaviour = MISSING
        description = table.get("description", "")
        risk_band = table.get("risk_band", "")
        max_discount = table.get("max_discount", 1.0)
        for key, value in (("description", description), ("risk_band", risk_band)):
            if not isinstance(value, str):
                probs.add(f"{prefix}.{key}", "must be text", value, "text")
                ok = False
        if isinstance(max_discount, bool) or not isinstance(max_discount, (int, float)) or not 0 <= max_discount <= 1:
            probs.add(f"{prefix}.max_discount", "out of range", max_discount, "0 <= x <= 1")
            ok = False
        if rule is None or seg_behaviour is None or seg_behaviour is MISSING or not ok:
            ok = False
            continue
        segments.append(Segment(name, rule, seg_behaviour, description, risk_band, float(max_discount)))
    return tuple(segments) if ok else None


def _parse_cadences(data: Any, segment_names: Iterable[str], horizon: int | None,
                    probs: Problems) -> dict[str, tuple[Step, ...]] | None:
    if data is None:
        return {}
    if not isinstance(data, dict):
        probs.add("cadences", "must be a table", data, "default = [{day = 1, channel = \"sms\"}, ...]")
        return None
    names = ("default",) + tuple(segment_names)
    out: dict[str, tuple[Step, ...]] = {}
    ok = True
    for seg, steps in data.items():
        key = f"cadences.{seg}"
        if seg not in names:
            hint = suggest(seg, names)
            probs.add(key, "unknown segment" + (f"; did you mean {hint!r}?" if hint else ""), seg,
                      "default or one of " + ", ".join(names[1:]))
            ok = False
        if not isinstance(steps, list):
            probs.add(key, "must be a list of steps", steps, '[{day = 1, channel = "sms"}, ...]')
            ok = False
            continue
        parsed = []
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                probs.add(f"{key}[{i}]", "must be a step", step, '{day = 1, channel = "sms"}')
                ok = False
                continue
            built = build(Step, step, f"{key}[{i}]", probs)
            if built is MISSING:
                ok = False
                continue
            if horizon is not None and built.day >= horizon:
                probs.add(f"{key}[{i}].day", "past the horizon", built.day, f"0 <= day < {horizon} (calendar.horizon_days)")
                ok = False
            parsed.append(built)
        out[seg] = tuple(sorted(parsed, key=lambda s: (s.day, CHANNELS.index(s.channel))))
    return out if ok else None


def _check_policy(policy: Policy, segment_names: Iterable[str], prefix: str, probs: Problems) -> bool:
    ok = True
    names = tuple(segment_names)
    pre = f"{prefix}." if prefix else ""
    mixes = [(f"{pre}offers", policy.offers)]
    for seg, sp in policy.segments.items():
        if seg not in names:
            hint = suggest(seg, names)
            probs.add(f"{pre}segments.{seg}", "unknown segment" + (f"; did you mean {hint!r}?" if hint else ""),
                      seg, "one of " + ", ".join(names))
            ok = False
        mixes.append((f"{pre}segments.{seg}.offers", sp.offers))
    for key, offers in mixes:
        if key == f"{pre}offers" and not offers:
            probs.add(key, "empty offer mix", [], "at least one offer")
            ok = False
            continue
        if offers:
            total = sum(o.share for o in offers)
            if abs(total - 1.0) > 1e-6:
                probs.add(key, "shares do not sum to 1", round(total, 6), "1")
                ok = False
    return ok


def parse_policy(data: Any, segment_names: Iterable[str], label: str, prefix: str = "",
                 probs: Problems | None = None) -> Policy:
    """Validate a policy table (``[baseline]`` of a scenario, or a ``--policy`` file)."""
    own = probs is None
    if probs is None:
        probs = Problems(label)
    policy = MISSING
    if not isinstance(data, dict):
        probs.add(prefix or "policy", "must be a table", data, "offers and segments")
    else:
        policy = build(Policy, data, prefix, probs)
        if policy is not MISSING:
            _check_policy(policy, segment_names, prefix, probs)
            _check_escalation(policy, prefix, probs)
    if own:
        probs.raise_if_any()
    return policy


def load_policy(path: str | Path, scenario: Scenario) -> Policy:
    """Read a policy file: TOML in the ``[baseline]`` format, or the optimizer's ``policy.json``."""
    path = Path(path)
    label = _label(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise InputError([_problem(label, "", "file not found or unreadable", None, None)]) from None
    try:
        if path.suffix == ".json":
            raw = json.loads(text)
            data = raw.get("policy", raw) if isinstance(raw, dict) else raw
        else:
            data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError([_problem(label, "", f"syntax error: {exc}", None, None)]) from None
    return parse_policy(data, scenario.segment_names, label)


def offer_catalogue(scenario: Scenario, segment: Segment) -> list[tuple[float, int]]:
    """The (discount, installments) pairs allowed to ``segment`` by the business rules.

    The minimum installment is a per-debtor rule and is applied by the simulator; here
    the global and per-segment discount caps, the chronic cap and the maximum number of
    installments filter the catalogue.
    """
    cap = min(scenario.offers.max_discount, segment.max_discount)
    if segment.chronic:
        cap = min(cap, scenario.optimizer.chronic_max_discount) if scenario.optimizer.chronic_max_discount >= 0 else cap
    return [(d, n) for d in scenario.offers.discounts for n in scenario.offers.installments
            if d <= cap + 1e-12 and n <= scenario.offers.max_installments]


def _known_columns(portfolio: Any, given: str | Path | None, base_dir: Path | None) -> set[str] | None:
    """The columns a rule may name: the portfolio file's header, or the synthetic book's; None when unknown."""
    from scenarios.portfolio import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, header_columns, looks_like_value
    if given:
        cols = header_columns(Path(given))
    elif portfolio is not MISSING and portfolio.file:
        target = Path(portfolio.file)
        if not target.is_absolute() and base_dir is not None:
            target = base_dir / target
        cols = header_columns(target)
    elif portfolio is not MISSING:
        cols = [*REQUIRED_COLUMNS, "product"]  # the synthetic book's columns
    else:
        return None
    if cols is None or any(looks_like_value(c) for c in cols):
        return None  # unknown, or a first line of data (maybe CPFs): the portfolio check says so, never echoing it
    return set(cols) | set(OPTIONAL_COLUMNS) | {"chronic"}


def _check_rule_columns(segments: Any, known: set[str] | None, probs: Problems) -> None:
    if not isinstance(segments, dict) or known is None:
        return
    for name, table in segments.items():
        rule = table.get("rule") if isinstance(table, dict) else None
        if not isinstance(rule, dict):
            continue
        for column in rule:
            if column not in known:
                hint = suggest(column, sorted(known))
                probs.add(f"segments.{name}.rule.{column}",
                          "no such portfolio column" + (f"; did you mean {hint!r}?" if hint else ""), column,
                          None if hint else "one of " + ", ".join(sorted(known)))


def _check_cadence_cover(cadences: dict | None, names: Iterable[str], probs: Problems) -> None:
    """Every segment has a cadence: its own or the default one."""
    if cadences is None or "default" in cadences:
        return
    lacking = [n for n in names if n not in cadences]
    if lacking:
        probs.add("cadences", "segments without a cadence and no default cadence", ", ".join(lacking),
                  'cadences.default = [{ day = 1, channel = "sms" }, ...] or one per segment', raw_got=True)


def scenario_from_dict(data: dict, *, origin: Mapping[str, str] | None = None, label: str = "<scenario>",
                       base_dir: Path | None = None, portfolio: str | Path | None = None,
                       check_columns: bool = False, inherited_segments: tuple[str, ...] = ()) -> Scenario:
    """Validate merged scenario data into a :class:`Scenario`; raise :class:`InputError` with every problem."""
    probs = _ChainProblems(label, origin or {})
    for key in data:
        if key not in TOP_KEYS:
            hint = suggest(key, TOP_KEYS)
            probs.add(key, "unknown key" + (f"; did you mean {hint!r}?" if hint else ""), None,
                      None if hint else "one of " + ", ".join(TOP_KEYS))
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        if name == "baseline":
            continue
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            probs.add(name, "must be a table", raw, f"[{name}] with its keys")
            sections[name] = MISSING
            continue
        sections[name] = build(cls, raw, name, probs)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            probs.add(key, "must be text", data[key], "text")
    behaviour = sections["behaviour"] if sections["behaviour"] is not MISSING else None
    segments = _parse_segments(data.get("segments"), behaviour, probs)
    raw_segments = data.get("segments")
    names = tuple(raw_segments) if isinstance(raw_segments, dict) else ()
    calendar = sections["calendar"]
    horizon = calendar.horizon_days if calendar is not MISSING else None
    cadences = _parse_cadences(data.get("cadences"), names, horizon, probs)
    _check_cadence_cover(cadences, names, probs)
    baseline = parse_policy(data.get("baseline", {}), names, label, "baseline", probs)
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        probs.add("sources", "must be a table of texts", sources, '"dotted.key" = "where the value comes from"')
        sources = {}
    # a relative portfolio path is relative to the file that names it (a parent, maybe)
    setter = (origin or {}).get("portfolio.file")
    if setter and setter != "--set":
        base_dir = Path(setter).parent
    if check_columns:
        _check_rule_columns(raw_segments, _known_columns(sections["portfolio"], portfolio, base_dir), probs)
    _cross_checks(sections, probs, base_dir)
    probs.raise_if_any()
    sections["optimizer"] = _multi_cycle_moral_hazard(sections["optimizer"], sections["cycles"], origin or {})
    if calendar.start_date is None:
        run_date = today()
        calendar = _with(calendar, start_date=next_business_day(run_date, calendar.default_state))
        if origin is not None and isinstance(origin, dict):
            origin["calendar.start_date"] = f"default: the next business day after {run_date.isoformat()}"
    portfolio = sections["portfolio"]
    if portfolio.file and base_dir is not None and not Path(portfolio.file).is_absolute():
        portfolio = _with(portfolio, file=str((base_dir / portfolio.file)))
    return Scenario(
        name=data.get("name", Path(label).stem), description=data.get("description", ""), source=label,
        calendar=calendar, money=sections["money"], portfolio=portfolio, behaviour=sections["behaviour"],
        segments=segments, channels=sections["channels"], agents=sections["agents"], cadences=cadences,
        offers=sections["offers"], agreements=sections["agreements"], escalation=sections["escalation"],
        contact_rules=sections["contact_rules"], optimizer=sections["optimizer"], baseline=baseline,
        monte_carlo=sections["monte_carlo"], cycles=sections["cycles"], sources=dict(sources),
        inherited_segments=inherited_segments,
    )


def _multi_cycle_moral_hazard(opt: OptimizerSettings, cycles: Cycles, origin: Mapping[str, str]) -> OptimizerSettings:
    """With several cycles the simulator measures moral hazard: the constant charge defaults to 0.

    It is kept only when the file that enables the cycles (or ``--set``) also sets it.
    """
    if not cycles.enabled:
        return opt
    setter = origin.get("optimizer.moral_hazard_cost")
    if setter is not None and (setter == "--set" or setter == origin.get("cycles.enabled")):
        return opt
    return _with(opt, moral_hazard_cost=0.0)


def _check_escalation(policy: Policy, prefix: str, probs: Problems) -> bool:
    """Escalating offers: as many discounts as days, days increasing."""
    ok = True
    pre = f"{prefix}." if prefix else ""
    mixes = [(f"{pre}offers", policy.offers)] + [(f"{pre}segments.{k}.offers", v.offers) for k, v in policy.segments.items()]
    for key, offers in mixes:
        for i, o in enumerate(offers):
            if len(o.escalate_days) != len(o.escalate_discounts):
                probs.add(f"{key}[{i}].escalate_discounts", "one discount per escalation day", len(o.escalate_discounts),
                          f"{len(o.escalate_days)} (escalate_days)")
                ok = False
            elif any(b <= a for a, b in zip(o.escalate_days, o.escalate_days[1:])):
                probs.add(f"{key}[{i}].escalate_days", "must increase", list(o.escalate_days), "increasing days")
                ok = False
    return ok


def _cross_checks(s: dict[str, Any], probs: Problems, base_dir: Path | None) -> None:
    """Checks that involve more than one key."""
    cal, esc, offers = s["calendar"], s["escalation"], s["offers"]
    if cal is not MISSING and esc is not MISSING:
        for key in ("letter_day", "negativacao_day", "agency_day"):
            day = getattr(esc, key)
            if day >= cal.horizon_days:
                probs.add(f"escalation.{key}", "past the horizon", day,
                          f"0 (never) or a day < {cal.horizon_days} (calendar.horizon_days)")
        if esc.negativacao_day and (not esc.letter_day or esc.negativacao_day < esc.letter_day + 10):
            probs.add("escalation.negativacao_day", "listing needs a written notice at least 10 days before (CDC art. 43 §2)",
                      esc.negativacao_day, f">= letter_day + 10 = {esc.letter_day + 10}" if esc.letter_day else "letter_day > 0")
        if esc.agency_day and esc.negativacao_day and esc.agency_day < esc.negativacao_day:
            probs.add("escalation.agency_day", "agency hand-over before the listing", esc.agency_day,
                      f">= negativacao_day = {esc.negativacao_day}")
    if offers is not MISSING:
        allowed = [d for d in offers.discounts if d <= offers.max_discount + 1e-12]
        n_allowed = [n for n in offers.installments if n <= offers.max_installments]
        if not offers.discounts or not offers.installments or not allowed or not n_allowed:
            probs.add("offers", "empty offer catalogue after the business rules",
                      f"{len(allowed)} discounts <= max_discount, {len(n_allowed)} installment counts <= max_installments",
                      "at least one of each", raw_got=True)
    money = s["money"]
    if money is not MISSING:
        from babel.numbers import list_currencies
        known = list_currencies()
        if money.currency not in known:
            hint = suggest(money.currency.upper(), sorted(known))
            probs.add("money.currency", "unknown currency" + (f"; did you mean {hint!r}?" if hint else ""),
                      money.currency, "an ISO 4217 code such as BRL, USD or EUR")
    rules = s["contact_rules"]
    if rules is not MISSING:
        for key in ("weekday_hours", "saturday_hours", "sunday_hours"):
            h = getattr(rules, key)
            if h.end < h.start:
                probs.add(f"contact_rules.{key}.end", "window ends before it starts", h.end, f">= start = {h.start:g}")
    port = s["portfolio"]
    if port is not MISSING and port.file and base_dir is not None:
        target = Path(port.file) if Path(port.file).is_absolute() else base_dir / port.file
        if not target.exists():
            probs.add("portfolio.file", "file not found", port.file, "an existing CSV or Parquet file")
