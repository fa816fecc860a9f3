"""What-if grids: ``--set KEY=V1,V2,...`` options, their cartesian product, validated up front.

A ``--set`` names a dotted scenario key (``agents.count``, ``offers.max_discount``,
``segments.low_early.behaviour.self_cure_h0``) and one or more values, each a TOML literal
(``10``, ``0.5``, ``true``, ``"RJ"``, ``[1, 3, 6]``, ``{ start = 8.0, end = 20.0 }``),
separated by commas outside brackets, braces and quotes. Several ``--set`` options make a
grid: the cartesian product of their values, in the order given (the last key varies
fastest). Every cell is validated with :func:`scenarios.loader.load_scenario` before any
work starts, and every problem of every cell is reported at once (identical problems of
different cells once), each attributed to the file label ``--set`` when it comes from one.

A cell keeps its values as the TOML text given, so it is hashable, pickles as text and
means the same thing on any machine.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Iterable, Mapping, Sequence

from scenarios.errors import InputError, Problem, show
from scenarios.loader import load_scenario, read_chain
from scenarios.pseudonym import pseudonymise
from scenarios.schema import Scenario

__all__ = ["SetOption", "Cell", "Grid", "parse_set", "parse_sets", "split_values", "parse_value", "toml_literal",
           "expand", "build_grid", "shown_grid", "personal_key", "SET_LABEL"]

#: The file label of problems in ``--set`` options (DESIGN §7 error format).
SET_LABEL = "--set"
_FORM = "KEY=V1,V2"
_EXPECTED_FORM = "KEY=V1,V2,... with a dotted key and TOML values, e.g. agents.count=10,20"
_EXPECTED_VALUE = 'TOML values: 10, 0.5, true, "text", [1, 2]'
_KEY = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_OPEN = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class SetOption:
    """One ``--set KEY=V1,V2,...`` option.

    Attributes
    ----------
    key : str
        The dotted scenario key.
    texts : tuple of str
        The values as TOML text, in the order given.
    values : tuple
        The parsed values.
    """

    key: str
    texts: tuple[str, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Cell:
    """One point of a grid: a value for each key, kept as TOML text.

    Attributes
    ----------
    items : tuple of (key, TOML text)
        In the order of the ``--set`` options.
    """

    items: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Cell":
        """A cell from ``{dotted key: value}`` (values rendered with :func:`toml_literal`)."""
        return cls(tuple((k, toml_literal(v)) for k, v in settings.items()))

    @property
    def settings(self) -> dict[str, Any]:
        """``{dotted key: value}``, as :func:`scenarios.loader.load_scenario` takes them."""
        return {k: parse_value(t) for k, t in self.items}

    @property
    def keys(self) -> tuple[str, ...]:
        """The dotted keys, in order."""
        return tuple(k for k, _ in self.items)

    def label(self) -> str:
        """``agents.count=10, offers.max_discount=0.3`` (empty for the empty cell)."""
        return ", ".join(f"{k}={t}" for k, t in self.items)


@dataclass(frozen=True, eq=False)
class Grid:
    """A validated grid of what-ifs on one scenario.

    Attributes
    ----------
    path : Path
        The scenario file.
    options : tuple of SetOption
    cells : tuple of Cell
        The cartesian product of the options' values, in the order given.
    scenarios : tuple of Scenario
        The validated scenario of each cell.
    """

    path: Path
    options: tuple[SetOption, ...]
    cells: tuple[Cell, ...]
    scenarios: tuple[Scenario, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The dotted keys of the grid, in the order of the ``--set`` options."""
        return tuple(o.key for o in self.options)

    def __len__(self) -> int:
        return len(self.cells)


def personal_key(key: str, personal: Collection[str]) -> bool:
    """Whether ``key`` sets a segment rule over a personal column (``segments.X.rule.debtor_id``)."""
    parts = key.split(".")
    return len(parts) == 4 and parts[0] == "segments" and parts[2] == "rule" and parts[3] in personal


def _shown_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return pseudonymise(value)
    return pseudonymise([value])[0]


def shown_grid(grid: Grid) -> Grid:
    """The grid as it may be shown or written: values of rules over personal columns pseudonymised.

    A ``--set segments.X.rule.debtor_id=[...]`` (or over a ``portfolio.personal_columns``
    column) lists the team's ids; every output of a sweep (``sweep.parquet``, the manifest,
    the checkpoints, the terminal) names such values by their pseudonyms instead. The cells'
    scenarios are the real ones: only the texts and values shown change.
    """
    personal = {"debtor_id", *(grid.scenarios[0].portfolio.personal_columns if grid.scenarios else ())}
    hidden = {o.key for o in grid.options if personal_key(o.key, personal)}
    if not hidden:
        return grid
    swap: dict[tuple[str, str], str] = {}
    options = []
    for o in grid.options:
        if o.key not in hidden:
            options.append(o)
            continue
        values = tuple(_shown_value(v) for v in o.values)
        texts = tuple(toml_literal(v) for v in values)
        swap.update({(o.key, old): new for old, new in zip(o.texts, texts)})
        options.append(SetOption(o.key, texts, values))
    cells = tuple(Cell(tuple((k, swap.get((k, t), t)) for k, t in c.items)) for c in grid.cells)
    return Grid(grid.path, tuple(options), cells, grid.scenarios)


# --------------------------------------------------------------------------- parsing


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` on the commas outside brackets, braces and quotes.

    Raises
    ------
    ValueError
        On an unclosed bracket, brace or quote, or an unmatched closing one.
    """
    parts: list[str] = []
    depth: list[str] = []
    quote = ""
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if quote == '"' and ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in _OPEN:
            depth.append(_OPEN[ch])
        elif ch in "]}":
            if not depth or depth.pop() != ch:
                raise ValueError(f"unmatched {ch!r}")
        elif ch == "," and not depth:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if quote:
        raise ValueError(f"unclosed quote {quote}")
    if depth:
        raise ValueError(f"unclosed {'[' if depth[-1] == ']' else '{'!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_value(text: str) -> Any:
    """One TOML literal (``10``, ``0.5``, ``true``, ``"text"``, ``[1, 2]``, ``2026-02-02``).

    Raises
    ------
    ValueError
        When ``text`` is not a single TOML value.
    """
    if not text.strip() or "\n" in text or "\r" in text:
        raise ValueError("not a TOML value")
    try:
        data = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        raise ValueError("not a TOML value") from None
    if list(data) != ["v"]:  # pragma: no cover - a value cannot add keys on one line
        raise ValueError("not a TOML value")
    return data["v"]


def toml_literal(value: Any) -> str:
    """The TOML text of a value (the inverse of :func:`parse_value`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {toml_literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"not a TOML value: {type(value).__name__}")


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same TOML type (``1``, ``1.0`` and ``true`` differ)."""
    return type(a) is type(b) and toml_literal(a) == toml_literal(b)


def _malformed(text: str, got: str, expected: str = _EXPECTED_FORM) -> Problem:
    return Problem(SET_LABEL, text, f"not {_FORM}", got, expected)


def parse_set(text: str) -> SetOption:
    """Parse one ``KEY=V1,V2,...``.

    Raises
    ------
    InputError
        ``--set: <text>: not KEY=V1,V2 (got ..., expected ...)``, or a repeated value.
    """
    key, sep, rest = text.partition("=")
    key = key.strip()
    if not sep:
        raise InputError([_malformed(text, "no '='")])
    if not _KEY.fullmatch(key):
        raise InputError([_malformed(text, f"key {show(key)}", "a dotted key such as agents.count")])
    try:
        texts = split_values(rest)
    except ValueError as exc:
        raise InputError([_malformed(text, str(exc), _EXPECTED_VALUE + " separated by commas")]) from None
    problems = []
    values = []
    for item in texts:
        if not item:
            problems.append(_malformed(text, "an empty value", _EXPECTED_VALUE + " separated by commas"))
            continue
        try:
            values.append(parse_value(item))
        except ValueError:
            problems.append(_malformed(text, show(item), _EXPECTED_VALUE))
    if problems:
        raise InputError(_unique(problems))
    for i, v in enumerate(values):
        if any(_same(v, w) for w in values[:i]):
            raise InputError([Problem(SET_LABEL, key, "value repeated", texts[i], "each value once")])
    return SetOption(key, tuple(texts), tuple(values))


def parse_sets(texts: Sequence[str]) -> tuple[SetOption, ...]:
    """Parse every ``--set``; a key given twice, or inside another, is a problem.

    Raises
    ------
    InputError
        With the problems of every option.
    """
    problems: list[Problem] = []
    options: list[SetOption] = []
    for text in texts:
        try:
            options.append(parse_set(text))
        except InputError as exc:
            problems.extend(exc.problems)
    seen: dict[str, int] = {}
    for opt in options:
        seen[opt.key] = seen.get(opt.key, 0) + 1
    for key, n in seen.items():
        if n > 1:
            problems.append(Problem(SET_LABEL, key, "set more than once", f"{n} --set options", "one per key"))
    keys = list(seen)
    for key in keys:
        outer = [k for k in keys if key.startswith(k + ".")]
        if outer:
            problems.append(Problem(SET_LABEL, key, "inside another --set key", outer[0],
                                    "keys that do not contain one another"))
    if problems:
        raise InputError(_unique(problems))
    return tuple(options)


def expand(options: Sequence[SetOption]) -> list[Cell]:
    """The cartesian product of the options' values, in the order given (the last fastest)."""
    keys = [o.key for o in options]
    return [Cell(tuple(zip(keys, combo))) for combo in itertools.product(*(o.texts for o in options))]


def build_grid(path: str | Path, sets: Sequence[str] | Sequence[SetOption]) -> Grid:
    """Parse the ``--set`` options, expand the grid and validate every cell.

    Parameters
    ----------
    path : str or Path
        The scenario file.
    sets : sequence of str or SetOption
        ``KEY=V1,V2,...`` texts (or options already parsed).

    Returns
    -------
    Grid

    Raises
    ------
    InputError
        Every problem of every cell, identical problems once.
    """
    if not sets:
        raise InputError([Problem(SET_LABEL, "", "no what-if to sweep", None, "at least one --set KEY=V1,V2,...")])
    options = tuple(s for s in sets if isinstance(s, SetOption)) if all(isinstance(s, SetOption) for s in sets) \
        else parse_sets([str(s) for s in sets])
    cells = expand(options)
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    for cell in cells:
        try:
            scenarios.append(load_scenario(path, settings=cell.settings))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(_attribute(_unique(problems), path, [o.key for o in options]))
    return Grid(Path(path), options, tuple(cells), tuple(scenarios))


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _attribute(problems: list[Problem], path: str | Path, keys: Sequence[str]) -> list[Problem]:
    """Name ``--set`` as the file of problems about keys that only a ``--set`` created.

    The loader attributes a key missing from every file (``foo`` of ``--set foo.bar=1``)
    to the scenario file; it came from the command line.
    """
    if all(p.file == SET_LABEL for p in problems):
        return problems
    try:
        _, origin, _ = read_chain(path)
    except InputError:
        return problems
    out = []
    for p in problems:
        from_set = p.file != SET_LABEL and p.key and p.key not in origin and any(
            k == p.key or k.startswith(p.key + ".") for k in keys)
        out.append(Problem(SET_LABEL, p.key, p.problem, p.got, p.expected) if from_set else p)
    return _unique(out)
