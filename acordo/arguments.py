"""Command-line arguments: value types, the one-line error format, checks before any work.

Argument errors print one line in the project's format (``--seed: out of range (got -1,
expected 0 <= seed < 2**63)``), then the usage block. Before a command starts, paths that
are empty, a policy file that is not text and a coefficient cache that is not a writable
directory are refused (exit code 2), and the command's inputs are declared to
:func:`acordo.rundir.protect_inputs` so that ``--force`` never replaces a directory holding one.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Callable, NoReturn

from scenarios.errors import InputError, Problem

__all__ = ["Parser", "key_cap", "positive_int", "seed", "budget", "check_arguments"]


class Parser(argparse.ArgumentParser):
    """Argument errors in the project's one-line format, the usage block after it."""

    def error(self, message: str) -> NoReturn:
        prefix = "argument "
        if message.startswith(prefix) and ": " in message:
            name, rest = message[len(prefix):].split(": ", 1)
            name = name.split("/")[-1]
            message = rest if rest.startswith(name + ":") else f"{name}: {_plain(rest)}"
        else:
            message = f"{self.prog}: {_plain(message)}"
        sys.stderr.write(message + "\n")
        self.print_usage(sys.stderr)
        raise SystemExit(2)


def _plain(message: str) -> str:
    """argparse's wording in the project's ``problem (got X, expected Y)`` form."""
    m = re.fullmatch(r"invalid choice: (.*) \(choose from (.*)\)", message)
    if m:
        return f"invalid choice (got {m[1]}, expected one of {m[2].replace(chr(39), '')})"
    m = re.fullmatch(r"the following arguments are required: (.*)", message)
    if m:
        return f"required arguments missing (expected {m[1]})"
    m = re.fullmatch(r"unrecognized arguments: (.*)", message)
    if m:
        return f"unknown arguments (got {m[1]}, expected the options in the usage below)"
    m = re.fullmatch(r"expected one argument", message)
    if m:
        return "a value is missing (expected one value after the option)"
    return message


def key_cap(cls: type, field: str) -> tuple[int, str]:
    """The upper bound of a scenario key (its schema's ``hi``) and the key's name, for an option that overrides it."""
    import dataclasses

    from scenarios.loader import SECTIONS
    section = next(name for name, c in SECTIONS.items() if c is cls)
    spec = next(f for f in dataclasses.fields(cls) if f.name == field).metadata["spec"]
    return int(spec.hi), f"{section}.{field}"


def positive_int(name: str, cap: tuple[int, str] | None = None) -> Callable[[str], int]:
    """An option's whole number >= 1, at most the cap of the scenario key it overrides (if any)."""
    expected = f"1 <= x <= {cap[0]}, the cap of {cap[1]}" if cap else "an integer >= 1"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: not a whole number (got {text!r}, expected {expected})")
        if value < 1 or (cap is not None and value > cap[0]):
            raise argparse.ArgumentTypeError(f"{name}: out of range (got {value}, expected {expected})")
        return value
    return parse


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed: not a whole number (got {text!r}, expected 0 <= seed < 2**63)")
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"--seed: out of range (got {value}, expected 0 <= seed < 2**63)")
    return value


def budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget: not a number (got {text!r}, expected R$ >= 0)")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--budget: out of range (got {text}, expected R$ >= 0)")
    return value




#: Path arguments of the commands: (attribute, what it must be).
_PATH_ARGS = (("scenario", "a scenario file or a bundled scenario's name"), ("portfolio", "a CSV or Parquet file"),
              ("policy", "a policy file (TOML or policy.json)"), ("dir", "a run directory"))


def check_arguments(args: argparse.Namespace, scenario_path: Callable[[str], str]) -> None:
    """Checks of the arguments before any work: no empty paths, a text policy, a usable cache."""
    from acordo.rundir import protect_inputs
    problems = []
    for name, expected in _PATH_ARGS:
        value = getattr(args, name, None)
        if value is not None and not value.strip():
            flag = name if name in ("scenario", "dir") else f"--{name}"
            problems.append(Problem(flag, "", "empty path", repr(value), expected))
    for i, value in enumerate(getattr(args, "scenarios", None) or ()):
        if not value.strip():
            problems.append(Problem(f"SCENARIO {i + 1}", "", "empty path", repr(value), "a scenario file"))
    if problems:
        raise InputError(problems)
    policy = getattr(args, "policy", None)
    if policy:
        _check_text_file(policy)
    if args.command in ("optimize", "run", "sweep"):
        _check_cache_dir()
    scenarios = [getattr(args, "scenario", None), *(getattr(args, "scenarios", None) or ())]
    protect_inputs([*(scenario_path(s) for s in scenarios if s), getattr(args, "portfolio", None), policy])


def _check_text_file(path: str) -> None:
    """A policy file must be text: a binary file is named as such, never echoed."""
    from scenarios.textfiles import file_kind
    kind = file_kind(path)
    if kind:
        raise InputError([Problem(path, "", "not a text file", kind, "a UTF-8 TOML or JSON policy file")])


def _check_cache_dir() -> None:
    """``ACORDO_CACHE`` (or the default cache) must be a directory acordo can write, or creatable."""
    from optimizer.coefficients import default_cache_dir
    cache = default_cache_dir()
    probe = cache
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    name = "ACORDO_CACHE" if os.environ.get("ACORDO_CACHE") else str(cache)
    if not probe.is_dir():
        raise InputError([Problem(name, "", "not a directory", f"a file, {str(probe)!r}",
                                  "a directory for the coefficient cache")])
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError([Problem(name, "", "not writable", repr(str(probe)), "a writable directory")])
