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

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import polars as pl

from scenarios.errors import Problems

__all__ = ["KINDS", "SUFFIXES", "TRUE_WORDS", "FALSE_WORDS", "Table", "read_table", "parse_numbers",
           "parse_booleans", "detect_decimal", "describe_rows"]

#: Column kinds a schema may declare.
KINDS: tuple[str, ...] = ("text", "number", "integer", "boolean", "date", "auto")
#: File suffixes and their formats.
SUFFIXES: dict[str, str] = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
                            ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel"}
#: Accepted spellings of booleans (compared lower-cased, stripped); 1/0 are accepted too.
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes", "sim", "verdadeiro")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no", "não", "nao", "falso")

_SEPARATORS = (",", ";", "\t", "|")
_ENCODINGS = ("utf_8", "cp1252", "latin_1")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INT = r"^[+-]?\d+$"
_LEADING_ZERO = r"^[+-]?0\d"
# unambiguous decimal comma: grouped thousands with a comma part, or a comma part not of 3 digits
_COMMA_SURE = r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,}))$"
_DOT_SURE = r"^[+-]?(\d{1,3}(,\d{3})+\.\d+|\d+\.(\d{1,2}|\d{4,}))$"
_NUM_COMMA = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
_NUM_DOT = r"^[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_MONEY_PREFIX = r"^R\$\s*"
_BOOL_WORDS = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
_BOOL_AUTO = {"true", "false", "yes", "no", "sim", "não", "nao", "verdadeiro", "falso"}


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
               schema: Mapping[str, str] | None = None, label: str | None = None) -> Table:
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
    if sep is not None and sep not in _SEPARATORS:
        probs.add("--sep", "unknown separator", got=repr(sep), raw_got=True, expected="',', ';', tab or '|'")
    if decimal is not None and decimal not in (".", ","):
        probs.add("--decimal", "unknown decimal mark", got=repr(decimal), raw_got=True, expected="'.' or ','")
    probs.raise_if_any()
    if fmt == "csv":
        df, lines, opts = _read_csv(p, probs, sep, encoding)
    elif fmt == "excel":
        df, lines, opts = _read_excel(p, probs, sheet)
    else:
        df, lines, opts = _read_parquet(p, probs)
    probs.raise_if_any()
    assert df is not None and lines is not None
    df, lines = _drop_blank_rows(df, lines)
    if decimal is None and fmt != "parquet":
        decimal = detect_decimal(df, [c for c, k in kinds.items() if k in ("text", "date")],
                                 default="," if opts.get("sep") == ";" else ".")
    frame, invalid, raw = _type_columns(df, kinds, decimal or ".")
    return Table(frame=frame, lines=lines, source=source, format=fmt, sep=opts.get("sep"),
                 decimal=decimal if fmt != "parquet" else None, encoding=opts.get("encoding"),
                 sheet=opts.get("sheet"), invalid=invalid, raw=raw)


# --------------------------------------------------------------------------- CSV


def _read_csv(path: Path, probs: Problems, sep: str | None, encoding: str | None):
    try:
        data = path.read_bytes()
    except OSError as exc:
        probs.add("", "could not be read", got=type(exc).__name__, raw_got=True, expected="a readable file")
        return None, None, {}
    expected_text = "CSV text in UTF-8, Latin-1 or Windows-1252"
    if not data.strip():
        probs.add("", "file is empty", got=f"{len(data)} bytes", raw_got=True, expected="a header row and rows")
        return None, None, {}
    if data[:4] == b"PK\x03\x04":
        probs.add("", "not a CSV file: it is a zip archive or an Excel workbook", expected="CSV text, or name it .xlsx")
        return None, None, {}
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:65536]:
        what = "UTF-16 text" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "binary or UTF-16 content (NUL bytes)"
        probs.add("", f"not a text file we can read: {what}", expected=expected_text)
        return None, None, {}
    text, used = _decode(data, encoding, probs)
    if text is None:
        return None, None, {}
    if _CONTROL.search(text):
        probs.add("", "not a text file: it contains control characters", expected=expected_text)
        return None, None, {}
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    if sep is None:
        sep = _detect_sep(first)
    header = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    names = [h.strip().lstrip("\ufeff") for h in header]
    if not _check_header(names, probs):
        return None, None, {}
    raw = text.encode("utf-8") if used != "utf_8" or data[:3] == b"\xef\xbb\xbf" else data
    try:
        df = pl.read_csv(io.BytesIO(raw), separator=sep, infer_schema=False, has_header=True,
                         new_columns=names, glob=False, raise_if_empty=True, encoding="utf8")
    except pl.exceptions.NoDataError:
        probs.add("", "file is empty", expected="a header row and rows")
        return None, None, {}
    except pl.exceptions.PolarsError as exc:
        msg = str(exc).lower()
        problem = ("a line has more fields than the header" if "more fields" in msg or "ragged" in msg
                   else f"could not be parsed as CSV ({type(exc).__name__})")
        probs.add("", problem, expected=f"fields separated by {_sep_name(sep)}, one record per line")
        return None, None, {}
    if df.columns != names:  # new_columns shorter or longer than the data
        df.columns = names[: df.width] + [f"column_{i + 1}" for i in range(len(names), df.width)]
    lines = _record_lines(raw, df.height)
    return df, lines, {"sep": sep, "encoding": {"utf_8": "utf-8", "cp1252": "cp1252", "latin_1": "latin-1"}.get(used, used)}


def _decode(data: bytes, encoding: str | None, probs: Problems) -> tuple[str | None, str]:
    """Decode the bytes with the forced encoding, else UTF-8, else what charset-normalizer finds."""
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            probs.add("--encoding", "unknown encoding", got=repr(encoding), raw_got=True,
                      expected="utf-8, latin-1 or cp1252")
        except UnicodeDecodeError:
            probs.add("", f"not valid {encoding} text", expected="the file's real encoding (or leave it to detection)")
        return None, ""
    try:
        return data.decode("utf-8"), "utf_8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data[:1 << 20], cp_isolation=list(_ENCODINGS[1:])).best()
    enc = best.encoding if best is not None else "cp1252"
    for candidate in (enc, "cp1252", "latin_1"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    probs.add("", "not a text file", expected="CSV text in UTF-8, Latin-1 or Windows-1252")  # pragma: no cover
    return None, ""


def _detect_sep(header: str) -> str:
    """The separator that splits the header line into the most fields (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {s: unquoted.count(s) for s in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda s: (counts[s], -_SEPARATORS.index(s)))
    return best if counts[best] > 0 else ","


def _sep_name(sep: str) -> str:
    return {"\t": "tabs", ",": "','", ";": "';'", "|": "'|'"}[sep]


def _check_header(names: list[str], probs: Problems) -> bool:
    ok = True
    empty = [i + 1 for i, n in enumerate(names) if not n]
    if empty and not (len(names) == 1):
        probs.add("", f"header has {'a column' if len(empty) == 1 else 'columns'} without a name",
                  got="column " + ", ".join(map(str, empty[:5])), raw_got=True, expected="a name for every column")
        ok = False
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    dups = [n for n, k in seen.items() if k > 1 and n]
    if dups:
        probs.add("", "duplicated column names in the header", got=", ".join(repr(d[:30]) for d in dups[:5]),
                  raw_got=True, expected="each column once")
        ok = False
    return ok


def _record_lines(data: bytes, n_rows: int) -> np.ndarray:
    """File line (1-based) where each data record starts; quoted line breaks are not record ends."""
    arr = np.frombuffer(data, np.uint8)
    nl = np.flatnonzero(arr == 10)
    quotes = np.flatnonzero(arr == 34)
    term = nl if quotes.size == 0 else nl[np.searchsorted(quotes, nl) % 2 == 0]
    starts = np.concatenate(([0], term + 1))
    starts = starts[starts < arr.size]
    lines = np.searchsorted(nl, starts) + 1  # newlines before a start, plus one
    lines = lines[1:]  # the header
    if lines.size != n_rows:  # pragma: no cover - an unusual quoting the scan did not follow
        return np.arange(2, n_rows + 2, dtype=np.int64)
    return lines.astype(np.int64)


# --------------------------------------------------------------------------- Excel, Parquet


def _read_excel(path: Path, probs: Problems, sheet: str | int | None):
    import fastexcel
    try:
        book = fastexcel.read_excel(str(path))
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own error types
        probs.add("", "could not be read as an Excel workbook", got=type(exc).__name__, raw_got=True,
                  expected="a readable .xlsx file")
        return None, None, {}
    names = list(book.sheet_names)
    target: str | int = 0
    if sheet is not None:
        if isinstance(sheet, str) and sheet in names:
            target = sheet
        elif str(sheet).strip().isdigit() and 1 <= int(sheet) <= len(names):
            target = int(sheet) - 1
        else:
            probs.add("--sheet", "no such sheet", got=repr(str(sheet)[:40]), raw_got=True,
                      expected="one of " + ", ".join(repr(n) for n in names[:10]) + " or a number from 1")
            return None, None, {}
    try:
        grid = book.load_sheet(target, header_row=None, dtypes="string").to_polars()
    except Exception as exc:  # noqa: BLE001
        probs.add("", "could not read the sheet", got=type(exc).__name__, raw_got=True, expected="a sheet of cells")
        return None, None, {}
    if grid.height == 0:
        probs.add("", "sheet is empty", expected="a header row and rows")
        return None, None, {}
    header = [("" if v is None else str(v)).strip() for v in grid.row(0)]
    while header and not header[-1]:
        header.pop()
    grid = grid.select(grid.columns[: len(header)])
    if not _check_header(header, probs):
        return None, None, {}
    df = grid.slice(1)
    df.columns = header
    lines = np.arange(2, df.height + 2, dtype=np.int64)
    return df, lines, {"sheet": names[target] if isinstance(target, int) else target}


def _read_parquet(path: Path, probs: Problems):
    try:
        df = pl.read_parquet(path, glob=False, hive_partitioning=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        probs.add("", "could not be read as Parquet", got=type(exc).__name__, raw_got=True,
                  expected="a readable Parquet file")
        return None, None, {}
    return df, np.arange(1, df.height + 1, dtype=np.int64), {}


# --------------------------------------------------------------------------- typing


def _drop_blank_rows(df: pl.DataFrame, lines: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
    """Strip text, turn empty text into nulls and drop rows where every cell is missing."""
    exprs = [pl.col(c).str.strip_chars().replace("", None).alias(c) if df[c].dtype == pl.String else pl.col(c)
             for c in df.columns]
    df = df.select(exprs) if exprs else df
    if df.width == 0 or df.height == 0:
        return df, lines
    keep = ~df.select(pl.all_horizontal(pl.all().is_null())).to_series()
    if keep.all():
        return df, lines
    return df.filter(keep), lines[keep.to_numpy()]


def detect_decimal(df: pl.DataFrame, skip: list[str] | tuple[str, ...] = (), default: str = ".") -> str:
    """``","`` when the text values look written with a decimal comma, ``"."`` when with a point.

    Values that decide are those only one convention reads (``1.234,56``, ``0,5``, ``2.50``);
    ``1.234`` or ``1,234`` decide nothing. When nothing decides, or both conventions appear,
    ``default`` is returned.
    """
    comma = dot = 0
    for c in df.columns:
        if c in skip or df[c].dtype != pl.String:
            continue
        s = df[c].drop_nulls()
        if s.is_empty():
            continue
        s = s.head(20_000)
        comma += int(s.str.contains(_COMMA_SURE).sum())
        dot += int(s.str.contains(_DOT_SURE).sum())
    if comma and not dot:
        return ","
    if dot and not comma:
        return "."
    return default


def parse_numbers(text: pl.Series, decimal: str = ".") -> pl.Series:
    """Text to Float64 with the given decimal mark (thousands grouping and ``R$`` allowed).

    Values that are not numbers become null.
    """
    s = text.str.strip_chars().str.replace(_MONEY_PREFIX, "")
    if decimal == ",":
        ok = s.str.contains(_NUM_COMMA)
        clean = s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        ok = s.str.contains(_NUM_DOT)
        clean = s.str.replace_all(",", "", literal=True)
    values = clean.cast(pl.Float64, strict=False)
    return pl.select(pl.when(ok).then(values).otherwise(None).alias(text.name)).to_series()


def parse_booleans(values: pl.Series) -> pl.Series:
    """Text (``true/false``, ``1/0``, ``yes/no``, ``sim/não``) or numbers 1/0 to Boolean; others null."""
    if values.dtype == pl.Boolean:
        return values
    if values.dtype == pl.String:
        return values.str.strip_chars().str.to_lowercase().replace_strict(_BOOL_WORDS, default=None,
                                                                           return_dtype=pl.Boolean)
    if values.dtype.is_numeric() or values.dtype == pl.Null:
        f = values.cast(pl.Float64)
        return pl.select(pl.when(f == 1).then(True).when(f == 0).then(False).otherwise(None)
                         .alias(values.name)).to_series()
    return pl.Series(values.name, [None] * values.len(), pl.Boolean)


def _convert(col: pl.Series, kind: str, decimal: str) -> pl.Series:
    """Convert one column to ``kind``; cells that do not convert become null."""
    name = col.name
    if kind in ("text", "date"):
        if kind == "date" and col.dtype in (pl.Date, pl.Datetime):
            return col
        return col.cast(pl.String) if col.dtype != pl.String else col
    if kind == "boolean":
        return parse_booleans(col).alias(name)
    if col.dtype == pl.String:
        num = parse_numbers(col, decimal)
    elif col.dtype.is_numeric() or col.dtype in (pl.Null, pl.Boolean):
        num = col.cast(pl.Float64)
    else:
        return pl.Series(name, [None] * col.len(), pl.Float64 if kind == "number" else pl.Int64)
    if kind == "integer":
        whole = num.is_finite() & (num == num.floor()) & (num.abs() < 2.0**53)
        return pl.select(pl.when(whole).then(num).otherwise(None).cast(pl.Int64).alias(name)).to_series()
    return num.alias(name)


def _infer(col: pl.Series, decimal: str) -> pl.Series:
    """The column converted when every non-empty text value converts; else unchanged."""
    if col.dtype != pl.String:
        return col
    present = col.drop_nulls()
    if present.is_empty():
        return col
    if bool(present.str.contains(_LEADING_ZERO).any()):  # codes such as a CEP: text
        return col
    if bool(present.str.contains(_INT).all()) and int(present.str.len_bytes().max()) <= 18:
        return col.cast(pl.Int64)
    num = parse_numbers(present, decimal)
    if num.null_count() == 0:
        return parse_numbers(col, decimal)
    low = present.str.to_lowercase()
    if bool(low.is_in(list(_BOOL_AUTO)).all()):
        return parse_booleans(col)
    return col


def _type_columns(df: pl.DataFrame, kinds: dict[str, str], decimal: str):
    out: list[pl.Series] = []
    invalid: dict[str, pl.Series] = {}
    raw: dict[str, pl.Series] = {}
    for name in df.columns:
        col = df[name]
        kind = kinds.get(name, "auto")
        if kind == "auto":
            out.append(_infer(col, decimal))
            continue
        conv = _convert(col, kind, decimal)
        bad = col.is_not_null() & conv.is_null()
        if bad.any():
            invalid[name] = bad
            raw[name] = col.cast(pl.String) if col.dtype != pl.String else col
        out.append(conv)
    return pl.DataFrame(out), invalid, raw
