"""Telling text files from the rest before reading them, so that bytes are never echoed.

A spreadsheet saved under a ``.csv`` name, a UTF-16 export or any binary file would
otherwise be decoded into garbage column names and echoed to the terminal; they are named
for what they are instead.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["binary_kind", "file_kind"]

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive or an .xlsx spreadsheet"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Office file"),
    (b"PAR1", "a Parquet file"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


def binary_kind(head: bytes) -> str | None:
    """What the first bytes of a file say it is when it is not UTF-8 or Windows-1252 text, else None.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (a few kilobytes are enough).

    Returns
    -------
    str or None
        A description such as ``"UTF-16 text"`` or ``"a binary file"``; None for text.
    """
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "UTF-16 text" if head[1::2].count(0) > len(head) // 4 or head[::2].count(0) > len(head) // 4 \
            else "a binary file"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return "a binary file" if controls > max(2, len(head) // 100) else None


def file_kind(path: str | Path, size: int = 65536) -> str | None:
    """:func:`binary_kind` of a file's first ``size`` bytes (None when it cannot be read: say so elsewhere)."""
    try:
        with open(path, "rb") as fh:
            return binary_kind(fh.read(size))
    except OSError:
        return None
