"""The one error format of acordo: ``file: key: problem (got X, expected Y)``.

Every input (scenario files, portfolios, policy files, ``--set`` values) is validated at
the edge; problems are collected, not raised one by one, so the user sees all of them at
once. The CLI prints one line per problem and exits with code 2.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["Problem", "InputError", "Problems", "suggest", "show", "LONG_NUMBER", "mask_values"]

#: Nine or more digits, maybe punctuated: a CPF, an account or a phone number, never shown.
LONG_NUMBER = re.compile(r"\d(?:[ ./-]?\d){8,}")


def show(value: Any, limit: int = 60) -> str:
    """Render a received value for a message, shortened to ``limit`` characters."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v, 20) for v in value[:6]) + (", ...]" if len(value) > 6 else "]")
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem in one input, with where it is and what was expected."""

    file: str
    key: str
    problem: str
    got: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        detail = []
        if self.got is not None:
            detail.append(f"got {self.got}")
        if self.expected is not None:
            detail.append(f"expected {self.expected}")
        tail = f" ({', '.join(detail)})" if detail else ""
        key = f"{self.key}: " if self.key else ""
        return f"{self.file}: {key}{self.problem}{tail}"


class InputError(Exception):
    """Raised with every problem found in an input; the CLI turns it into exit code 2."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """A collector of problems for one input file."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, key: str, problem: str, got: Any = None, expected: str | None = None,
            *, file: str | None = None, raw_got: bool = False) -> None:
        """Record one problem; ``got`` is rendered with :func:`show` unless ``raw_got``."""
        got_text = None if got is None else (str(got) if raw_got else show(got))
        self.items.append(Problem(file or self.file, key, problem, got_text, expected))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` with everything collected so far, if anything."""
        if self.items:
            raise InputError(self.items)


def suggest(name: str, options: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, or None."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def mask_values(values: Iterable[Any], ids: Any = None) -> list[str]:
    """Offending values as a message shows them: a debtor id or a long number is hidden.

    Parameters
    ----------
    values : iterable
        The values to show (``None`` is shown as "nothing").
    ids : polars Series of str, optional
        The raw ids of the file: a text value equal to one of them is shown as ``<a debtor id>``.
    """
    values = list(values)
    strs = [v for v in values if isinstance(v, str)]
    hidden = set(ids.filter(ids.is_in(strs)).unique().to_list()) if strs and ids is not None else set()
    out = []
    for v in values:
        if v is None:
            out.append("nothing")
        elif isinstance(v, str) and v in hidden:
            out.append("<a debtor id>")
        elif LONG_NUMBER.search(str(v)):
            out.append("<hidden long number>")
        elif isinstance(v, str):
            out.append(show(v, 20))
        else:
            out.append(repr(v) if isinstance(v, float) else str(v))
    return out
