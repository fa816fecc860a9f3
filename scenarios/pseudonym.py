"""Keyed pseudonyms for debtor ids.

A debtor id may be a CPF, which is personal data. Nothing that acordo writes or says (error
messages, ``debtors.parquet``, reports) carries a raw id: it carries the pseudonym
``p_`` + the first 16 hex characters of ``HMAC-SHA256(key, id)``.

The key comes from the environment variable ``ACORDO_PSEUDONYM_KEY`` when it is set.
Otherwise acordo uses a random key of this installation: 32 random bytes in the file
``pseudonym.key`` of the user's configuration directory (``~/.config/acordo`` on Linux),
readable by the user only, created on first use. The same machine therefore gives the same
pseudonyms run after run (same seed, same outputs), while nobody without the key can rebuild
the pseudonym of a guessed CPF (the CPF space, about 10^9 numbers, would otherwise be tried
exhaustively in minutes). Creating the key emits one :class:`KeyCreated` warning saying where
it is; the command line shows it once on stderr. The manifest of a run records which kind of
key was used (:func:`key_kind`), never the key. Changing the key changes every pseudonym.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import stat
import warnings
from pathlib import Path
from typing import Iterable, overload

import polars as pl

from scenarios.errors import InputError, Problem

__all__ = ["KEY_ENV_VAR", "KEY_FILE_NAME", "PREFIX", "KeyCreated", "key_file", "key_kind", "pseudonym_key",
           "pseudonymise"]

#: Environment variable holding the pseudonymisation key (UTF-8 text).
KEY_ENV_VAR = "ACORDO_PSEUDONYM_KEY"

#: Name of the installation's key file in the user's configuration directory.
KEY_FILE_NAME = "pseudonym.key"
_KEY_BYTES = 32


class KeyCreated(UserWarning):
    """Emitted once, when the installation's pseudonym key file is created."""

#: Prefix of every pseudonym; 16 hex characters follow.
PREFIX = "p_"

_HEX_CHARS = 16
_BLOCK = hashlib.sha256().block_size  # 64 bytes
_IPAD = bytes(0x36 for _ in range(_BLOCK))
_OPAD = bytes(0x5C for _ in range(_BLOCK))


def key_file() -> Path:
    """Where the installation's key lives: ``pseudonym.key`` in the user's configuration directory."""
    import platformdirs
    return Path(platformdirs.user_config_dir("acordo", appauthor=False)) / KEY_FILE_NAME


def key_kind() -> str:
    """Which key pseudonyms are made with: ``"environment"`` or ``"installation"`` (for manifests)."""
    return "environment" if os.environ.get(KEY_ENV_VAR, "") else "installation"


def pseudonym_key() -> bytes:
    """Return the pseudonymisation key.

    Returns
    -------
    bytes
        The UTF-8 bytes of ``ACORDO_PSEUDONYM_KEY`` when it is set and non-empty, else the
        installation's random key (:func:`key_file`), created on first use with a
        :class:`KeyCreated` warning.

    Raises
    ------
    InputError
        If the key file cannot be created or read, is readable by other users, or does not
        hold a key.
    """
    value = os.environ.get(KEY_ENV_VAR, "")
    if value:
        return value.encode("utf-8")
    return _read_or_create(key_file())


def _key_problem(path: Path, problem: str, got: str | None = None) -> InputError:
    return InputError([Problem(str(path), "", problem, got,
                               f"a {_KEY_BYTES}-byte key readable by you only, or {KEY_ENV_VAR} set")])


def _read_or_create(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600, atomically, once) when missing."""
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_bytes(_KEY_BYTES))
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # fails if another process created it first: theirs is kept
                created = True
            except FileExistsError:
                created = False
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise _key_problem(path, f"cannot create the pseudonym key ({exc.strerror or type(exc).__name__})") from None
        if created:
            warnings.warn(KeyCreated(f"created this installation's pseudonym key in {path} (readable by you only; "
                                     f"keep it to keep pseudonyms stable, or set {KEY_ENV_VAR})"), stacklevel=3)
    try:
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise _key_problem(path, "pseudonym key readable by other users",
                               f"mode {stat.S_IMODE(info.st_mode):04o}; run chmod 600 on it")
        key = path.read_bytes()
    except OSError as exc:
        raise _key_problem(path, f"cannot read the pseudonym key ({exc.strerror or type(exc).__name__})") from None
    if len(key) < 16:
        raise _key_problem(path, "not a pseudonym key", f"{len(key)} bytes")
    return key


def _pads(key: bytes) -> tuple["hashlib._Hash", "hashlib._Hash"]:
    """Precompute the HMAC-SHA256 inner and outer hash states for ``key`` (RFC 2104)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(k ^ p for k, p in zip(key, _IPAD)))
    outer = hashlib.sha256(bytes(k ^ p for k, p in zip(key, _OPAD)))
    return inner, outer


def _hash_all(values: Iterable[object], key: bytes) -> list[str | None]:
    """Pseudonymise each value; ``None`` stays ``None``, anything else goes through ``str``."""
    inner0, outer0 = _pads(key)
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
            continue
        inner = inner0.copy()
        inner.update(str(value).encode("utf-8"))
        outer = outer0.copy()
        outer.update(inner.digest())
        append(PREFIX + outer.hexdigest()[:_HEX_CHARS])
    return out


@overload
def pseudonymise(ids: pl.Series, key: bytes | None = None) -> pl.Series: ...
@overload
def pseudonymise(ids: Iterable[object], key: bytes | None = None) -> list[str | None]: ...


def pseudonymise(ids, key=None):
    """Replace ids by keyed pseudonyms.

    Parameters
    ----------
    ids : polars.Series or iterable
        The raw ids. Non-string values are converted with ``str`` first (so the integer
        ``123`` and the string ``"123"`` get the same pseudonym); missing values (``None``,
        nulls) stay missing.
    key : bytes, optional
        The HMAC key. Default: :func:`pseudonym_key` (the environment or the installation's key).

    Returns
    -------
    polars.Series or list of str
        A String Series with the same name and length when given a Series, else a list.
        Each pseudonym is ``"p_"`` followed by the first 16 hex characters of
        ``HMAC-SHA256(key, id)``, e.g. ``"p_3f9a0c1d2e4b5a69"``.

    Raises
    ------
    TypeError
        If ``key`` is not bytes.

    Notes
    -----
    About 1 s per million ids: HMAC with the key's inner and outer states computed once.
    Truncation to 64 bits makes an accidental collision between two ids of one portfolio
    very unlikely (about n²/2^65, i.e. 3e-8 for a million ids) while keeping ids short.
    """
    if key is None:
        key = pseudonym_key()
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"key: expected bytes, got {type(key).__name__}")
    if isinstance(ids, pl.Series):
        values = ids.to_list()
        return pl.Series(ids.name, _hash_all(values, bytes(key)), dtype=pl.String)
    return _hash_all(ids, bytes(key))
