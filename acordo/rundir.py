"""Run directories: written whole or not at all, and never at the expense of the user's files.

Everything is written into a hidden sibling directory ``.NAME.PID.XXXX.partial`` (holding a
marker file with the writer's process id), which is renamed to the target when the command
succeeds. A failed or interrupted command (Ctrl-C, SIGTERM) leaves nothing behind; a run
killed outright (SIGKILL, power loss) leaves a partial directory that the next run of the
same ``--out`` removes once its process is gone.

What ``--out`` may name:

- a path that does not exist yet (its missing parent directories are created at the end,
  and removed again if writing fails);
- an empty directory;
- with ``--force``, an earlier acordo run directory (one holding acordo's
  ``manifest.json``) that holds none of the command's inputs.

Never a file, never a non-empty directory acordo did not make, never ``.``, ``..`` (or
any directory above the current one), the home directory or a filesystem root.
"""
from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from scenarios.errors import InputError, Problem

__all__ = ["run_directory", "check_target", "check_output_file", "protect_inputs", "is_run_directory",
           "remove_stale", "blocked_signals", "pid_alive", "write_json", "MARKER", "COMMITTED"]

#: File inside a staging directory naming the process that writes it.
MARKER = ".acordo-partial"
#: Run directories this process completed (an interrupt after that must not say "nothing was written").
COMMITTED: list[Path] = []
_PROTECTED: set[Path] = set()


def protect_inputs(paths: Iterable[str | Path | None]) -> None:
    """Declare the inputs of the current command: ``--force`` never replaces a directory holding one."""
    for p in paths:
        if p:
            _PROTECTED.add(Path(p).absolute())


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refuse(out: str, problem: str, expected: str | None = None) -> InputError:
    return InputError([Problem("--out", "", problem, repr(out), expected)])


def is_run_directory(path: Path) -> bool:
    """Whether ``path`` is a directory written by acordo (its ``manifest.json`` names a command)."""
    try:
        data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("command"), str)


def _holds(directory: Path, path: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return path.is_relative_to(directory)


def _check_place(text: str, out: Path) -> None:
    """The target's location: not special, and its nearest existing ancestor a writable directory."""
    if not text:
        raise _refuse(text, "empty path", "a directory name such as runs/demo")
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or cwd.is_relative_to(resolved):
        raise _refuse(text, "is the current directory or above it", "a new or empty directory, such as runs/demo")
    if resolved == Path.home().resolve() or resolved == Path(resolved.anchor):
        raise _refuse(text, "is the home directory or a filesystem root", "a new or empty directory")
    probe = out.absolute().parent
    while not probe.exists() and not probe.is_symlink():
        probe = probe.parent
    if not probe.is_dir():
        raise _refuse(text, f"is under {str(probe)!r}, which is a file", "a path under a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _refuse(text, f"cannot be created: {str(probe)!r} is not writable", "a writable location")


def check_target(out: str | Path, force: bool) -> Path:
    """Refuse an ``--out`` that may not be written (exit code 2, nothing written).

    Raises
    ------
    InputError
        For every case the module docstring forbids; ``--force`` is suggested only where it
        would help (an earlier run directory).
    """
    text = str(out) if not isinstance(out, str) else out
    path = Path(out)
    _check_place(text, path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise _refuse(text, "exists and is not a directory; acordo never replaces a file",
                      "a new or empty directory")
    if path.is_dir():
        try:
            empty = not any(path.iterdir())
        except OSError as exc:
            raise _refuse(text, f"cannot be read ({exc.strerror or type(exc).__name__})", "a readable directory")
        if empty:
            return path
        if not is_run_directory(path):
            raise _refuse(text, "exists and is not empty, and is not an acordo run directory (acordo replaces "
                                "only an empty directory or an earlier run)", "a new or empty directory")
        if not force:
            raise _refuse(text, "exists and is not empty: it holds an earlier run; use --force to replace it", "a new or empty directory")
        inside = sorted(str(p) for p in _PROTECTED if _holds(path, p))
        if inside:
            raise _refuse(text, f"holds an input of this command ({inside[0]}); it cannot be replaced",
                          "a directory holding none of the inputs")
    return path


def check_output_file(out: str | Path, force: bool, suffixes: tuple[str, ...]) -> Path:
    """Refuse an output file that may not be written: missing parent, a directory, an existing file without force."""
    text = str(out)
    path = Path(out)
    if not text:
        raise InputError([Problem("--out", "", "empty path", "''", "a file name such as portfolio.csv")])
    if path.suffix.lower() not in suffixes:
        raise InputError([Problem("--out", "", "unknown file type", path.suffix or "no suffix", " or ".join(suffixes))])
    parent = path.absolute().parent
    if not parent.is_dir():
        got = "a file" if parent.exists() else "no such directory"
        raise InputError([Problem("--out", "", "the folder does not exist", f"{str(path.parent)!r}: {got}",
                                  "an existing directory")])
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError([Problem("--out", "", "the folder is not writable", repr(str(path.parent)),
                                  "a writable directory")])
    if path.is_dir():
        raise InputError([Problem("--out", "", "is a directory", repr(text), "a file name")])
    if path.exists() and not force:
        raise InputError([Problem("--out", "", "file exists; use --force to overwrite it", repr(text), "a new file")])
    return path


def remove_stale(parent: Path, name: str) -> list[Path]:
    """Remove the staging directories of ``name`` in ``parent`` whose process is gone.

    Only directories acordo made are touched: the name ``.NAME.PID.XXXX.partial`` (or
    ``.old``) and the marker file inside naming the same, dead, process. A directory of that
    name that is empty (a process killed between making it and writing its marker) is
    removed too: an empty directory holds nothing of anyone's.
    """
    removed = []
    try:
        candidates = list(parent.glob(f".{name}.*"))
    except OSError:
        return removed
    for entry in candidates:
        parts = entry.name[len(name) + 2:].split(".")
        if len(parts) != 3 or parts[2] not in ("partial", "old") or not parts[0].isdigit():
            continue
        try:
            if not entry.is_dir() or entry.is_symlink():
                continue
            if not (entry / MARKER).exists() and not pid_alive(int(parts[0])):
                os.rmdir(entry)  # only if empty: fails (and is left) if anything is inside
                removed.append(entry)
                continue
            owner = (entry / MARKER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if owner != parts[0] or pid_alive(int(owner)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _make_stage(parent: Path, name: str, kind: str) -> Path:
    stage = parent / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.{kind}"
    stage.mkdir(mode=0o777)  # the umask applies, as for any directory the user makes
    try:
        (stage / MARKER).write_text(f"{os.getpid()}\n", encoding="ascii")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage


@contextmanager
def blocked_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs (a rename sequence is not cut in half)."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX / not main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _os_problem(out: Path, exc: OSError) -> InputError:
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    return _refuse(str(out), f"cannot be written: {reason}",
                   "enough space" if exc.errno == errno.ENOSPC else "a writable location")


@contextmanager
def run_directory(out: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a staging directory that becomes ``out`` when the block succeeds.

    Raises
    ------
    InputError
        If ``out`` may not be written (see :func:`check_target`), or the operating system
        refuses to create it (permissions, a full disk).
    """
    out = check_target(out, force)
    parent = out.absolute().parent
    created = [p for p in [parent, *parent.parents] if not p.exists()]
    stage: Path | None = None
    try:
        try:
            with blocked_signals():  # a signal now is delivered once ``stage`` is known, inside this try
                parent.mkdir(parents=True, exist_ok=True)
                remove_stale(parent, out.name)
                stage = _make_stage(parent, out.name, "partial")
        except OSError as exc:
            raise _os_problem(out, exc) from None
        yield stage
    except BaseException as exc:
        with blocked_signals():
            if stage is not None:
                shutil.rmtree(stage, ignore_errors=True)
            _remove_created(created)
        if isinstance(exc, OSError):
            raise _os_problem(out, exc) from None
        raise
    with blocked_signals():
        if _stop_pending():  # Ctrl-C or SIGTERM just came: honour it, write nothing
            shutil.rmtree(stage, ignore_errors=True)
            _remove_created(created)
            return  # the held signal is delivered when the block ends
        (stage / MARKER).unlink()
        old = None
        if out.exists():
            old = _make_stage(parent, out.name, "old")
            os.rename(out, old / "run")
        os.rename(stage, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        COMMITTED.append(out)


def _stop_pending() -> bool:
    try:
        return bool(signal.sigpending() & {signal.SIGINT, signal.SIGTERM})
    except (AttributeError, OSError):  # pragma: no cover - not POSIX
        return False


def _remove_created(created: list[Path]) -> None:
    """Remove the (empty) parent directories this run created, deepest first."""
    for p in created:
        try:
            p.rmdir()
        except OSError:
            break


def write_json(path: Path, data: Any) -> None:
    """Write JSON with sorted keys and a trailing newline (stable bytes)."""
    path.write_text(json.dumps(_finite(data), indent=2, sort_keys=True, default=_default, allow_nan=False) + "\n",
                    encoding="utf-8")


def _finite(obj: Any) -> Any:
    """Replace NaN and infinities (not JSON) by null, recursively."""
    import math
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _default(obj: Any) -> Any:
    import datetime as _dt

    import numpy as np
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
