"""Telling text files from the rest before reading them, so that bytes are never echoed.

A spreadsheet saved under a ``.csv`` name, a UTF-16 export or any binary file would
otherwise be decoded into garbage column names and echoed to the terminal; they are named
for what they are instead.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["KINDS", "sniff", "binary_kind", "file_kind"]

#: What the first bytes of a file can say it is, by code: the descriptions messages use.
KINDS: dict[str, str] = {
    "zip": "a zip archive or an .xlsx spreadsheet",
    "xls": "an old Excel (.xls) or Office file",
    "parquet": "a Parquet file",
    "pdf": "a PDF document",
    "gzip": "a gzip archive",
    "utf16": "UTF-16 text",          # a UTF-16 byte-order mark
    "utf16_nul": "UTF-16 text",      # no mark, but every other byte is NUL
    "nul": "a binary file",          # NUL bytes
    "control": "a binary file",      # control characters text does not have
}

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"), (b"\xd0\xcf\x11\xe0", "xls"), (b"PAR1", "parquet"), (b"%PDF", "pdf"),
    (b"\x1f\x8b", "gzip"), (b"\xff\xfe", "utf16"), (b"\xfe\xff", "utf16"),
)
#: Control bytes plain text does not carry (tab, line feed, vertical tab, form feed and carriage return do).
_CONTROLS = bytes([*range(0, 9), *range(14, 32), 127])
#: What the strict rule refuses: those, and vertical tab and form feed (no CSV carries them).
_STRICT_CONTROLS = _CONTROLS + b"\x0b\x0c"


def sniff(head: bytes, strict: bool = False) -> str | None:
    """The :data:`KINDS` code of a file from its first bytes, or None when they read as text.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (a few kilobytes are enough).
    strict : bool
        Any control character makes it ``"control"`` (a CSV reader's rule); otherwise a
        few stray ones are tolerated (more than 2 and 1% of the bytes are needed).
    """
    for magic, code in _SIGNATURES:
        if head.startswith(magic):
            return code
    if b"\x00" in head:
        quarter = len(head) // 4
        return "utf16_nul" if head[1::2].count(0) > quarter or head[::2].count(0) > quarter else "nul"
    if strict:
        return "control" if head.translate(None, _STRICT_CONTROLS) != head else None
    controls = len(head) - len(head.translate(None, _CONTROLS)) - head.count(127)
    return "control" if controls > max(2, len(head) // 100) else None


def binary_kind(head: bytes) -> str | None:
    """What the first bytes of a file say it is when it is not UTF-8 or Windows-1252 text, else None.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (a few kilobytes are enough).

    Returns
    -------
    str or None
        A description such as ``"UTF-16 text"`` or ``"a binary file"`` (:data:`KINDS`); None for text.
    """
    code = sniff(head)
    return None if code is None else KINDS[code]


def file_kind(path: str | Path, size: int = 65536) -> str | None:
    """:func:`binary_kind` of a file's first ``size`` bytes (None when it cannot be read: say so elsewhere)."""
    try:
        with open(path, "rb") as fh:
            return binary_kind(fh.read(size))
    except OSError:
        return None
