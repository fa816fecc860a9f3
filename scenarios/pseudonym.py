"""Keyed pseudonyms for debtor ids.

A debtor id may be a CPF, which is personal data. Nothing that acordo writes or says (error
messages, ``debtors.parquet``, reports) carries a raw id: it carries the pseudonym
``p_`` + the first 16 hex characters of ``HMAC-SHA256(key, id)``.

The key comes from the environment variable ``ACORDO_PSEUDONYM_KEY``. When it is not set,
a fixed, public default key is used so that runs are reproducible out of the box.

.. warning::
   The default key is published in this source file. With it, anyone can rebuild the
   pseudonym of a guessed id, and the CPF space (10^9 numbers before the check digits) is
   small enough to try exhaustively. Production users must set ``ACORDO_PSEUDONYM_KEY``
   to a long random secret (e.g. ``python -c "import secrets; print(secrets.token_hex(32))"``)
   and keep it out of version control. Changing the key changes every pseudonym.
"""
from __future__ import annotations

import hashlib
import os
from typing import Iterable, overload

import polars as pl

__all__ = ["DEFAULT_KEY", "KEY_ENV_VAR", "PREFIX", "pseudonym_key", "pseudonymise"]

#: Environment variable holding the pseudonymisation key (UTF-8 text).
KEY_ENV_VAR = "ACORDO_PSEUDONYM_KEY"

#: Public default key, used when :data:`KEY_ENV_VAR` is unset or empty. Not a secret.
DEFAULT_KEY = b"acordo-public-default-pseudonym-key-v1 (set ACORDO_PSEUDONYM_KEY)"

#: Prefix of every pseudonym; 16 hex characters follow.
PREFIX = "p_"

_HEX_CHARS = 16
_BLOCK = hashlib.sha256().block_size  # 64 bytes
_IPAD = bytes(0x36 for _ in range(_BLOCK))
_OPAD = bytes(0x5C for _ in range(_BLOCK))


def pseudonym_key() -> bytes:
    """Return the pseudonymisation key.

    Returns
    -------
    bytes
        The UTF-8 bytes of the environment variable ``ACORDO_PSEUDONYM_KEY`` when it is set
        and non-empty, else :data:`DEFAULT_KEY`.

    Notes
    -----
    The default key is public: pseudonyms made with it only hide ids from a casual reader,
    not from someone who can guess ids (CPFs can be enumerated). Set
    ``ACORDO_PSEUDONYM_KEY`` to a long random secret in production.
    """
    value = os.environ.get(KEY_ENV_VAR, "")
    return value.encode("utf-8") if value else DEFAULT_KEY


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
        The HMAC key. Default: :func:`pseudonym_key` (the environment or the public default).

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
