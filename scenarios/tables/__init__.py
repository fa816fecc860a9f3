"""The one reader of the tables teams export: CSV, Parquet or Excel, as a typed polars frame.

Portfolios and histories are both tables exported from a team's systems. :func:`read_table`
reads them all the same way and returns a :class:`Table`: the frame, the file line of every
row (so messages can say ``line 17``, which is safe for CPFs), and the options it detected.

What is accepted
----------------
- **CSV** (``.csv``, ``.txt``): separator ``,``, ``;``, tab or ``|`` (detected from the header
  line, or forced with ``sep``); decimal point ``.`` or decimal comma (``1.234,56``, detected
  from the values, or forced with ``decimal``); text in UTF-8 (with or without a BOM),
  Latin-1 or Windows-1252 (detected with charset-normalizer, or forced with ``encoding``).
  Quoted fields may hold separators and line breaks. Blank lines are skipped.
- **Excel** (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) through the calamine engine
  (fastexcel, the engine of ``polars.read_excel``): the first sheet, or ``sheet`` (a name or a
  1-based number). The first row is the header. Rows are named by their sheet row.
- **Parquet** (``.parquet``, ``.pq``): read as is. Rows are named ``row N`` (data rows from 1).

What comes out
--------------
Column names are stripped of spaces (and of a BOM). Text values are stripped; an empty text is
a missing value. Each column then gets a type:

- declared in ``schema`` (``{"debtor_id": "text", "balance": "number"}``): converted to that
  kind (:data:`KINDS`); non-empty cells that do not convert become null and are listed in
  :attr:`Table.invalid` (a mask), so the caller can name their lines;
- otherwise inferred from text: a column with a value such as ``01310`` (a leading zero:
  a code) stays text; whole numbers → ``Int64``, numbers →
  ``Float64``, ``true/false/sim/não/yes/no`` → ``Boolean``, anything else stays ``String``.
  A column is converted only when every non-empty value converts. Native Parquet types are
  kept.

Problems that stop the reading (unknown suffix, missing file, binary or UTF-16 content,
duplicated or empty header names, ragged lines, unknown sheet) are raised together as one
:class:`~scenarios.errors.InputError`. Messages never carry a cell's value: a file can hold
CPFs anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import polars as pl

from scenarios.errors import Problems
from scenarios.tables.sheets import read_excel, read_parquet
from scenarios.tables.text import SEPARATORS, read_csv
from scenarios.tables.values import (FALSE_WORDS, KINDS, TRUE_WORDS, detect_decimal, drop_blank_rows, parse_booleans,
                                     parse_numbers, type_columns)

__all__ = ["KINDS", "SUFFIXES", "SEPARATORS", "TRUE_WORDS", "FALSE_WORDS", "Table", "read_table", "parse_numbers",
           "parse_booleans", "detect_decimal", "describe_rows"]

#: File suffixes and their formats.
SUFFIXES: dict[str, str] = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
                            ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel"}


@dataclass(frozen=True, eq=False)
class Table:
    """A table read by :func:`read_table`.

    Attributes
    ----------
    frame : polars.DataFrame
        The rows (blank lines dropped), typed as described in the module docstring.
    lines : numpy.ndarray of int64
        For each row of ``frame``, its line in the file (CSV, counting the header as line 1),
        its row in the sheet (Excel), or its data row counted from 1 (Parquet).
    source : str
        The file's name in messages.
    format : str
        ``"csv"``, ``"excel"`` or ``"parquet"``.
    sep, decimal, encoding, sheet : str or None
        What was detected or forced (None when it does not apply to the format).
    invalid : dict of str to polars.Series
        For each declared column with cells that did not convert: a Boolean mask of them.
    raw : dict of str to polars.Series
        For the same columns, the stripped text as read (to render in messages with care).
    """

    frame: pl.DataFrame
    lines: np.ndarray
    source: str
    format: str
    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    invalid: dict[str, pl.Series] = field(default_factory=dict)
    raw: dict[str, pl.Series] = field(default_factory=dict)

    @property
    def line_word(self) -> str:
        """How rows are named: ``line`` (CSV) or ``row`` (Excel, Parquet)."""
        return "line" if self.format == "csv" else "row"

    def where(self, mask: pl.Series | np.ndarray, limit: int = 3) -> str:
        """Name the rows where ``mask`` is true: ``lines 17, 40, 41 and 2 more``."""
        return describe_rows(self.lines, mask, self.line_word, limit)

    def options(self) -> dict[str, str]:
        """The reading options that apply to this format, e.g. for a manifest."""
        out = {"format": self.format}
        for key in ("sep", "decimal", "encoding", "sheet"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def summary(self) -> str:
        """One line: rows, columns and how the file was read (no values)."""
        opts = ", ".join(f"{k} {v!r}" for k, v in self.options().items() if k != "format")
        return (f"{self.source}: {self.frame.height:,} rows, {self.frame.width} columns "
                f"({self.format}{', ' + opts if opts else ''})")


def describe_rows(lines: np.ndarray, mask: pl.Series | np.ndarray, word: str = "line", limit: int = 3) -> str:
    """``line 17`` / ``lines 17, 40 and 3 more`` for the rows where ``mask`` is true."""
    m = mask.fill_null(False).to_numpy() if isinstance(mask, pl.Series) else np.asarray(mask, bool)
    hit = np.asarray(lines)[m]
    if hit.size == 0:
        return f"no {word}s"
    shown = ", ".join(str(int(x)) for x in hit[:limit])
    more = f" and {hit.size - limit} more" if hit.size > limit else ""
    return f"{word}{'s' if hit.size > 1 else ''} {shown}{more}"


# --------------------------------------------------------------------------- entry point


def read_table(path: str | Path, *, sep: str | None = None, decimal: str | None = None,
               sheet: str | int | None = None, encoding: str | None = None,
               schema: Mapping[str, str] | None = None, label: str | None = None,
               required: Sequence[str] = ()) -> Table:
    """Read a CSV, Excel or Parquet table exported by a team.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; its suffix says the format (:data:`SUFFIXES`).
    sep : str, optional
        CSV separator (``","``, ``";"``, ``"\\t"``, ``"|"``); default: detected from the header.
    decimal : str, optional
        ``"."`` or ``","``; default: detected from the values (``","`` when the file is
        ``;``-separated and nothing decides).
    sheet : str or int, optional
        Excel sheet, by name or 1-based number (a text of digits counts as a number
        unless a sheet has that name); default: the first sheet.
    encoding : str, optional
        CSV text encoding (e.g. ``"utf-8"``, ``"latin-1"``, ``"cp1252"``); default: detected.
    schema : mapping of str to str, optional
        Declared kinds of columns (:data:`KINDS`): ``text`` (keep as text: ids, codes),
        ``number``, ``integer``, ``boolean``, ``date`` (text or a native date, left for the
        caller to parse), ``auto``. Declared columns missing from the file are ignored
        (the caller checks what it requires).
    label : str, optional
        The file's name in messages; default: ``path`` as given.
    required : sequence of str, optional
        Columns the caller requires: a CSV or sheet whose first line holds values (a number,
        a CPF) and lacks one of them is refused as having no header row, without showing it.

    Returns
    -------
    Table

    Raises
    ------
    InputError
        When the file cannot be read as a table (every such problem at once).
    """
    source = label if label is not None else str(path)
    probs = Problems(source)
    p = Path(path)
    kinds = dict(schema or {})
    for col, kind in kinds.items():
        if kind not in KINDS:
            raise ValueError(f"schema: {col}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    fmt = SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        probs.add("", "unknown file type", got=repr(p.suffix) if p.suffix else "no suffix", raw_got=True,
                  expected="a .csv, .xlsx or .parquet file")
    elif not p.exists():
        probs.add("", "file not found", expected="an existing file")
    elif not p.is_file():
        probs.add("", "not a file", got="a directory" if p.is_dir() else "not a regular file", raw_got=True,
                  expected="a table file")
    if sep is not None and sep not in SEPARATORS:
        probs.add("--sep", "unknown separator", got=repr(sep), raw_got=True, expected="',', ';', tab or '|'")
    if decimal is not None and decimal not in (".", ","):
        probs.add("--decimal", "unknown decimal mark", got=repr(decimal), raw_got=True, expected="'.' or ','")
    probs.raise_if_any()
    if fmt == "csv":
        df, lines, opts = read_csv(p, probs, sep, encoding, tuple(required))
    elif fmt == "excel":
        df, lines, opts = read_excel(p, probs, sheet, tuple(required))
    else:
        df, lines, opts = read_parquet(p, probs)
    probs.raise_if_any()
    assert df is not None and lines is not None
    df, lines = drop_blank_rows(df, lines)
    if decimal is None and fmt != "parquet":
        decimal = detect_decimal(df, [c for c, k in kinds.items() if k in ("text", "date")],
                                 default="," if opts.get("sep") == ";" else ".")
    frame, invalid, raw = type_columns(df, kinds, decimal or ".")
    return Table(frame=frame, lines=lines, source=source, format=fmt, sep=opts.get("sep"),
                 decimal=decimal if fmt != "parquet" else None, encoding=opts.get("encoding"),
                 sheet=opts.get("sheet"), invalid=invalid, raw=raw)
