"""Declaring scenario parameters: one place says a parameter's unit, range, default and meaning.

A scenario section is a frozen dataclass whose fields are declared with :func:`param`.
:func:`build` turns a TOML table into that dataclass, collecting every problem (unknown
keys with a "did you mean", wrong types, values out of range) instead of stopping at the
first, and :func:`describe` lists every parameter for ``docs/scenario.md``.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import types
import typing
from dataclasses import MISSING, dataclass, field
from typing import Any, Iterator

from scenarios.errors import Problems, show, suggest

__all__ = ["param", "Spec", "build", "describe", "fields_of", "type_name", "inherit"]


@dataclass(frozen=True)
class Spec:
    """What a parameter is: unit, valid range, meaning and where its default comes from."""

    unit: str = ""
    doc: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] | None = None
    source: str = ""

    def range_text(self) -> str:
        """The valid range in words, e.g. ``0 <= x <= 1``."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        parts = []
        if self.lo is not None:
            parts.append(f"{_num(self.lo)} {'<' if self.lo_open else '<='} ")
        parts.append("x")
        if self.hi is not None:
            parts.append(f" {'<' if self.hi_open else '<='} {_num(self.hi)}")
        return "".join(parts) if len(parts) > 1 else "any"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def param(default: Any = MISSING, unit: str = "", doc: str = "", *, lo: float | None = None,
          hi: float | None = None, lo_open: bool = False, hi_open: bool = False,
          choices: tuple[str, ...] | None = None, source: str = "",
          default_factory: Any = MISSING) -> Any:
    """Declare a dataclass field as a scenario parameter.

    Parameters
    ----------
    default : Any
        Value when the scenario does not give one.
    unit : str
        Unit in words ("R$", "days", "probability per day", ...).
    doc : str
        One-line meaning, shown in ``docs/scenario.md``.
    lo, hi : float, optional
        Valid range; each bound applies to every element of a list parameter.
    lo_open, hi_open : bool
        Whether the bound itself is excluded.
    choices : tuple of str, optional
        Allowed values of a text parameter.
    source : str
        Where the default comes from (a published figure, a law, or "judgement").
    """
    spec = Spec(unit, doc, lo, hi, lo_open, hi_open, choices, source)
    kwargs: dict[str, Any] = {"metadata": {"spec": spec}}
    if default_factory is not MISSING:
        kwargs["default_factory"] = default_factory
    elif default is not MISSING:
        kwargs["default"] = default
    return field(**kwargs)


def fields_of(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    """The fields of a section dataclass with their resolved type hints."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if f.init]


def type_name(tp: Any) -> str:
    """A short human name for an annotation ("number", "list of whole numbers", ...)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is float:
        return "number"
    if tp is int:
        return "whole number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "text"
    if tp is _dt.date:
        return "date (YYYY-MM-DD)"
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return type_name(inner[0]) + " (optional)"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return "list of " + _plural(type_name(args[0]))
        return "list of " + str(len(args)) + " " + _plural(type_name(args[0]))
    if dataclasses.is_dataclass(tp):
        return "table"
    if origin is dict or origin is typing.Mapping:
        return "table of " + _plural(type_name(args[1]))
    return getattr(tp, "__name__", str(tp))


def _plural(name: str) -> str:
    if name.startswith("table"):
        return "tables"
    return {"number": "numbers", "whole number": "whole numbers", "text": "texts",
            "true or false": "true/false values"}.get(name, name)


def inherit(spec: Spec, parent: Spec | None) -> Spec:
    """``spec`` with the unit and source of ``parent`` where it has none."""
    if parent is None:
        return spec
    return dataclasses.replace(spec, unit=spec.unit or parent.unit, source=spec.source or parent.source)


def _convert(value: Any, tp: Any, key: str, spec: Spec | None, probs: Problems) -> Any:  # noqa: C901
    """Check and convert one value; on a problem, record it and return MISSING."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)][0]
        return _convert(value, inner, key, spec, probs)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            probs.add(key, "must be a table", value, "a table of " + tp.__name__.lower() + " keys")
            return MISSING
        return build(tp, value, key, probs)
    if origin is dict:
        if not isinstance(value, dict):
            probs.add(key, "must be a table", value, type_name(tp))
            return MISSING
        out = {}
        for k, v in value.items():
            converted = _convert(v, args[1], f"{key}.{k}", spec, probs)
            if converted is not MISSING:
                out[k] = converted
        return out
    if origin is tuple:
        if not isinstance(value, list):
            probs.add(key, "must be a list", value, type_name(tp))
            return MISSING
        variadic = len(args) == 2 and args[1] is Ellipsis
        if not variadic and len(value) != len(args):
            probs.add(key, f"must have {len(args)} elements", value, type_name(tp))
            return MISSING
        items = []
        ok = True
        for i, v in enumerate(value):
            item_tp = args[0] if variadic else args[i]
            converted = _convert(v, item_tp, f"{key}[{i}]", spec, probs)
            ok &= converted is not MISSING
            items.append(converted)
        return tuple(items) if ok else MISSING
    if tp is bool:
        if not isinstance(value, bool):
            probs.add(key, "must be true or false", value, "true or false")
            return MISSING
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                probs.add(key, "must be a whole number", value, _expect(spec, "a whole number"))
                return MISSING
        return _in_range(value, key, spec, probs)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            probs.add(key, "must be a number", value, _expect(spec, "a number"))
            return MISSING
        value = float(value)
        if math.isnan(value):
            probs.add(key, "must be a number", value, _expect(spec, "a number"))
            return MISSING
        return _in_range(value, key, spec, probs)
    if tp is str:
        if not isinstance(value, str):
            probs.add(key, "must be text", value, _expect(spec, "text"))
            return MISSING
        if spec is not None and spec.choices and value not in spec.choices:
            hint = suggest(value, spec.choices)
            noun = key.rsplit(".", 1)[-1].split("[")[0]
            problem = f"unknown {noun}" + (f"; did you mean {hint!r}?" if hint else "")
            probs.add(key, problem, value, spec.range_text())
            return MISSING
        return value
    if tp is _dt.date:
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        probs.add(key, "must be a date", value, "YYYY-MM-DD")
        return MISSING
    raise TypeError(f"unsupported parameter type {tp!r} for {key}")


def _expect(spec: Spec | None, fallback: str) -> str:
    if spec is None or (spec.lo is None and spec.hi is None and not spec.choices):
        return fallback
    return spec.range_text()


def _in_range(value: float, key: str, spec: Spec | None, probs: Problems) -> Any:
    if spec is None:
        return value
    bad = False
    if spec.lo is not None and (value < spec.lo or (spec.lo_open and value == spec.lo)):
        bad = True
    if spec.hi is not None and (value > spec.hi or (spec.hi_open and value == spec.hi)):
        bad = True
    if bad:
        probs.add(key, "out of range", value, spec.range_text())
        return MISSING
    return value


def _default_of(f: dataclasses.Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def build(cls: type, data: dict, prefix: str, probs: Problems, base: Any = None) -> Any:
    """Build the section dataclass ``cls`` from a TOML table, recording every problem.

    Unknown keys are problems (with the closest known key suggested); missing keys take
    the value of ``base`` when given (overrides of a shared block), else their declared
    default. A nested table given in part keeps the other keys of its own default.
    Returns ``MISSING`` when any field of this table failed.
    """
    known = {f.name: (f, tp) for f, tp in fields_of(cls)}
    values: dict[str, Any] = {}
    given: set[str] = set()
    failed = False
    for key, value in data.items():
        where = f"{prefix}.{key}" if prefix else key
        if key not in known:
            hint = suggest(key, known)
            problem = "unknown key" + (f"; did you mean {hint!r}?" if hint else "")
            probs.add(where, problem, None, "one of " + ", ".join(known) if not hint else None)
            failed = True
            continue
        f, tp = known[key]
        given.add(key)
        if dataclasses.is_dataclass(tp) and isinstance(value, dict):
            inner_base = getattr(base, key) if base is not None else _default_of(f)
            converted = build(tp, value, where, probs, None if inner_base is MISSING else inner_base)
        else:
            converted = _convert(value, tp, where, f.metadata.get("spec"), probs)
        if converted is MISSING:
            failed = True
        else:
            values[key] = converted
    for name, (f, tp) in known.items():
        if name in given:
            continue
        if base is not None:
            values[name] = getattr(base, name)
        elif f.default is MISSING and f.default_factory is MISSING:
            where = f"{prefix}.{name}" if prefix else name
            probs.add(where, "required key missing", None, type_name(tp))
            failed = True
    if failed:
        return MISSING
    return cls(**values)


def describe(cls: type, prefix: str = "", parent: Spec | None = None,
             base: Any = None) -> Iterator[tuple[str, str, str, str, str, str]]:
    """Yield (key, type, unit, range, default, meaning+source) for every parameter of ``cls``.

    A nested table's fields without a unit or source of their own take the enclosing
    field's (``behaviour.reach.call`` is a probability, sourced where ``reach`` is), and
    their defaults are those of the enclosing field's default (``base``).
    """
    for f, tp in fields_of(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        spec: Spec = inherit(f.metadata.get("spec", Spec()), parent)
        value = getattr(base, f.name) if base is not None else _default_of(f)
        if dataclasses.is_dataclass(tp):
            yield from describe(tp, key, spec, None if value is MISSING else value)
            continue
        if value is MISSING:
            default = "required"
        elif value is None:
            default = "not set"
        elif isinstance(value, dict):
            default = ", ".join(f"{k} = {v}" for k, v in value.items()) or "none"
        elif isinstance(value, bool):
            default = str(value).lower()
        else:
            default = show(list(value) if isinstance(value, tuple) else value)
        meaning = spec.doc + (f" Source: {spec.source}." if spec.source else "")
        has_range = spec.lo is not None or spec.hi is not None or spec.choices
        yield key, type_name(tp), spec.unit, spec.range_text() if has_range else "", default, meaning
