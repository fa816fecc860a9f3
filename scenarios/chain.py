"""The ``extends`` chain of scenario files: reading TOML, merging, and who set each key.

A what-if file says ``extends = "base"`` (a bundled scenario by name) or ``extends =
"../team.toml"`` (a path relative to the extending file) and overrides only what changes:
tables merge key by key, lists and values replace. ``replace = ["segments", "cadences"]``
makes the named top-level tables replace the parent's (dropping them even when the file
gives none). For every dotted key the chain records the file that set it last, so messages
and the report's provenance name the right file. A chain holds at most :data:`MAX_EXTENDS`
files.
"""
from __future__ import annotations

import copy
import datetime as _dt
import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from scenarios.errors import InputError, Problem, Problems, suggest

__all__ = ["read_chain", "bundled_names", "next_business_day", "today", "BUNDLED_DIR", "MAX_EXTENDS", "TOP_KEYS"]

#: Where the bundled scenarios are (``extends = "base"`` finds them from any folder).
BUNDLED_DIR = Path(__file__).resolve().parent
#: Longest ``extends`` chain accepted, in files (the file itself included).
MAX_EXTENDS = 8
#: Top-level keys of a scenario file (the tables of :data:`scenarios.loader.SECTIONS` and the special keys).
TOP_KEYS = ("calendar", "money", "portfolio", "behaviour", "channels", "agents", "offers", "agreements",
            "escalation", "contact_rules", "optimizer", "monte_carlo", "cycles", "baseline",
            "name", "description", "extends", "replace", "segments", "cadences", "sources")


def _record_origin(data: Any, prefix: str, file: str, origin: dict[str, str]) -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{prefix}.{k}" if prefix else k
            origin[key] = file
            _record_origin(v, key, file, origin)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            key = f"{prefix}[{i}]"
            origin[key] = file
            _record_origin(v, key, file, origin)


def _get(data: Any, key: str) -> Any:
    """The value at a dotted key with list indices (``cadences.default[2].day``), or None."""
    import re
    node = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        if part.startswith("["):
            i = int(part[1:-1])
            node = node[i] if isinstance(node, list) and i < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _merge(base: dict, over: dict, replace: Iterable[str] = ()) -> dict:
    out = copy.deepcopy(base)
    for k in replace:
        out.pop(k, None)
    for k, v in over.items():
        if k in replace or not (isinstance(v, dict) and isinstance(out.get(k), dict)):
            out[k] = copy.deepcopy(v)
        else:
            out[k] = _merge(out[k], v)
    return out


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_chain(path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str], list[Path]]:
    """Read a scenario file and its ``extends`` ancestors, merged.

    Returns
    -------
    data : dict
        The merged TOML tables (``extends`` and ``replace`` removed).
    origin : dict
        For every dotted key, the label of the file that set it last.
    files : list of Path
        The files read, the root ancestor first.
    """
    path = Path(path)
    label = _label(path)
    resolved = path.resolve()
    if len(_seen) >= MAX_EXTENDS:
        raise InputError([_problem(label, "extends", "extends chain too deep",
                                   f"{len(_seen) + 1} files", f"at most {MAX_EXTENDS} files in a chain")])
    if resolved in _seen:
        raise InputError([_problem(label, "extends", "circular extends",
                                   " -> ".join(p.name for p in _seen + (resolved,)), None)])
    from scenarios.textfiles import file_kind
    kind = file_kind(path) if path.is_file() else None
    if kind is not None:  # never decode a spreadsheet, a UTF-16 export or bytes into a message
        raise InputError([_problem(label, "", "not a text file", kind, "a UTF-8 TOML scenario file")])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([_problem(label, "", "file not found", None, None)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([_problem(label, "", f"cannot read the file: {exc.__class__.__name__}", None, None)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([_problem(label, "", f"TOML syntax error: {_toml_message(exc, text)}", None, None)]) from None
    parent = data.pop("extends", None)
    replace = data.pop("replace", [])
    probs = Problems(label)
    if not isinstance(replace, list) or not all(isinstance(r, str) and r in TOP_KEYS for r in replace):
        probs.add("replace", "must list top-level tables", replace, "names among " + ", ".join(TOP_KEYS))
        replace = []
    origin: dict[str, str] = {}
    files = [path]
    merged: dict = {}
    if parent is not None:
        target = _parent_path(path, parent) if isinstance(parent, str) and parent else None
        if target is None:
            probs.add("extends", "must be a file name", parent,
                      "a path relative to this file, or a bundled scenario: " + ", ".join(bundled_names()))
        elif not target.exists():
            hint = suggest(parent.removesuffix(".toml"), bundled_names())
            probs.add("extends", "file not found" + (f"; did you mean {hint!r}?" if hint else ""), parent,
                      "a path relative to this file, or a bundled scenario: " + ", ".join(bundled_names()))
        else:
            merged, origin, ancestors = read_chain(target, _seen + (resolved,))
            files = ancestors + files
    probs.raise_if_any()
    own: dict[str, str] = {}
    _record_origin(data, "", label, own)
    # a value that replaces the parent's (a list, a replaced table) takes the parent's keys under it away
    replaced = list(replace) + [k for k in own if not isinstance(_get(data, k), dict)]
    for key in replaced:
        origin = {k: v for k, v in origin.items() if not (k == key or k.startswith(key + ".") or k.startswith(key + "["))}
    origin.update(own)
    return _merge(merged, data, replace), origin, files


def bundled_names() -> tuple[str, ...]:
    """Names of the scenarios shipped with acordo (``base``, ``crediario``, ...)."""
    return tuple(sorted(p.stem for p in BUNDLED_DIR.glob("*.toml")))


def _parent_path(path: Path, parent: str) -> Path:
    """The file ``extends = parent`` names: relative to the extending file, else a bundled scenario."""
    own = Path(parent) if Path(parent).is_absolute() else path.parent / parent
    if own.exists():
        return own
    for candidate in (BUNDLED_DIR / parent, BUNDLED_DIR / f"{parent}.toml"):
        if "/" not in parent and candidate.is_file():
            return candidate
    return own


def _toml_message(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """tomllib's message, with the line and column also when the error is at the end of the file."""
    message = str(exc)
    if "(at end of document)" in message:
        lines = text.split("\n")
        message = message.replace("(at end of document)",
                                  f"(at line {len(lines)}, column {len(lines[-1]) + 1}, the end of the file)")
    return message


def today() -> _dt.date:
    """The run date: today, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date()
    return _dt.date.today()


def next_business_day(day: _dt.date, state: str = "SP") -> _dt.date:
    """The first weekday after ``day`` that is not a national or ``state`` holiday."""
    import holidays
    cal = holidays.Brazil(subdiv=state, years=(day.year, day.year + 1))
    d = day + _dt.timedelta(days=1)
    while d.weekday() >= 5 or d in cal:
        d += _dt.timedelta(days=1)
    return d


def _problem(file: str, key: str, problem: str, got: Any, expected: str | None) -> Problem:
    return Problem(file, key, problem, None if got is None else str(got), expected)


def _unpin_start_date(data: dict, origin: dict[str, str], path: Path) -> None:
    """A bundled scenario pins its start date (reproducible examples); a user's file that extends
    one does not inherit the pin: its forecast starts on the next business day, unless it says."""
    setter = origin.get("calendar.start_date")
    if setter is None or _is_bundled(path):
        return
    if _is_bundled(Path(setter)) and isinstance(data.get("calendar"), dict):
        data["calendar"].pop("start_date", None)
        origin.pop("calendar.start_date", None)


def _is_bundled(path: Path) -> bool:
    try:
        path.resolve().relative_to(BUNDLED_DIR)
    except ValueError:
        return False
    return True


def _inherited_segments(data: dict, origin: Mapping[str, str], label: str) -> tuple[str, ...]:
    """Segments set by a parent file only (a child that adds overlapping ones gets a hint)."""
    segments = data.get("segments")
    if not isinstance(segments, dict):
        return ()
    own = {k.split(".")[1] for k, f in origin.items() if k.startswith("segments.") and f == label}
    return tuple(name for name in segments if name not in own)
