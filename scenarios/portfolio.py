"""Portfolio files: loading, validation and normalisation.

A portfolio is one row per debtor. It is read from CSV or Parquet, checked, and turned into a
:class:`Portfolio` whose frame always has the same columns and dtypes:

===================== ========= ===========================================================
column                dtype     rule
===================== ========= ===========================================================
debtor_id             String    unique, non-empty (personal data: never shown raw)
balance               Float64   finite, > 0, <= 1e12 (R$)
days_past_due         Int64     whole number >= 0
state                 String    one of the 27 UF codes; optional, default from the caller
score                 Float64   finite, 0..1000; optional (null when absent)
prior_delinquencies   Int64     whole number >= 0; optional, default 0
has_phone             Boolean   optional, default true
has_email             Boolean   optional, default true
has_whatsapp          Boolean   optional, default true
===================== ========= ===========================================================

Any other column is carried through after the known columns, in file order, typed by
:mod:`scenarios.columns`: as the scenario declares it (``[portfolio] columns``), as the file
stores it (Parquet), or inferred from its values (CSV: whole numbers, numbers, true/false
words, else text).

Rules for values:

- Text values of the known columns are stripped of surrounding spaces; an empty text is a
  missing value. UF codes are upper-cased.
- A missing value in a required column is an error. A missing value in an optional column
  takes the column's default (``state`` → ``default_state``, ``prior_delinquencies`` → 0,
  flags → true), except ``score``, which stays null.
- Whole numbers may be written as ``30`` or ``30.0``; ``30.5`` is an error.
- Booleans accept ``true/false``, ``1/0``, ``yes/no``, ``sim/não/nao``, in any case.

Every problem of a file is collected and raised together as one
:class:`~scenarios.errors.InputError`, one line per problem, e.g.::

    p.csv: balance: 2 rows not positive, first p_1a2b3c4d5e6f7a8b, p_0f1e2d3c4b5a6978 (got -10.0, 0.0, expected > 0)

Offending rows of a CSV file are named by their line in the file (the header is line 1)
and their pseudonymised id (see :mod:`scenarios.pseudonym`), e.g. ``line 7 (p_1a2b…)``;
rows of other inputs by pseudonymised id, or as ``row N`` (data rows counted from 1) when the
row has no id. Raw ids never
appear in a message: an offending value equal to some debtor id is shown as
``<a debtor id>``, and one with nine or more digits (a CPF or CNPJ in the wrong column,
say) as ``<hidden long number>``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scenarios.columns import COLUMN_TYPES, infer_type, type_column
from scenarios.errors import Problems, mask_values, show, suggest
from scenarios.pseudonym import pseudonymise
from scenarios.tables.text import looks_like_value

__all__ = [
    "UF_CODES",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "FLAG_COLUMNS",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "SUFFIXES",
    "MAX_BALANCE",
    "looks_like_value",
    "Portfolio",
    "load_portfolio",
    "validate_frame",
    "header_columns",
]

#: The 27 federative units of Brazil (26 states and the Federal District), alphabetical.
UF_CODES: tuple[str, ...] = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)

#: Columns every portfolio must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("debtor_id", "balance", "days_past_due")

#: The three channel flags.
FLAG_COLUMNS: tuple[str, ...] = ("has_phone", "has_email", "has_whatsapp")

#: Optional columns and their defaults; ``state``'s default is given by the caller
#: (``None`` here), ``score`` has none (stays null).
OPTIONAL_COLUMNS: dict[str, Any] = {
    "state": None,
    "score": None,
    "prior_delinquencies": 0,
    "has_phone": True,
    "has_email": True,
    "has_whatsapp": True,
}

#: Accepted spellings of booleans (compared lower-cased, stripped).
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes", "sim")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no", "não", "nao")

#: File suffixes understood by :func:`load_portfolio` (those of :mod:`scenarios.tables`).
SUFFIXES: dict[str, str] = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
                            ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel"}

_SCHEMA: dict[str, pl.DataType] = {
    "debtor_id": pl.String(),
    "balance": pl.Float64(),
    "days_past_due": pl.Int64(),
    "state": pl.String(),
    "score": pl.Float64(),
    "prior_delinquencies": pl.Int64(),
    "has_phone": pl.Boolean(),
    "has_email": pl.Boolean(),
    "has_whatsapp": pl.Boolean(),
}
#: Largest balance accepted (R$): far above any single debt, far below float overflow of the sums.
MAX_BALANCE = 1e12
_SHOWN = 3  # offending rows named per message
_US_CODES = frozenset("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH "
                      "NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY PR".split())
_NUMERIC = ("balance", "days_past_due", "score", "prior_delinquencies")
_DECIMAL_COMMA = r"^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$"
_MAX_EXACT_INT = 2.0**53  # beyond this a float no longer holds every whole number
_BOOL_WORDS = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
_BOOL_EXPECTED = "true/false, 1/0, yes/no or sim/não"
# Nine or more digits, possibly punctuated like a CPF (123.456.789-09) or CNPJ: such values
# may be personal ids in the wrong column, so messages never echo them.


@dataclass(frozen=True, eq=False)
class Portfolio:
    """A validated portfolio.

    Build it with :func:`load_portfolio` or :func:`validate_frame`; constructing it
    directly skips validation. Instances compare by identity (compare ``frame`` with
    ``DataFrame.equals`` when needed).

    Attributes
    ----------
    frame : polars.DataFrame
        One row per debtor, with the normalised columns and dtypes of the module docstring
        first, then any extra columns as read.
    source : str
        Where the rows came from (a file label, or a description for in-memory frames).
    """

    frame: pl.DataFrame
    source: str

    @property
    def n(self) -> int:
        """Number of debtors."""
        return self.frame.height

    @property
    def total_balance(self) -> float:
        """Sum of balances, R$."""
        return float(self.frame["balance"].sum())

    def summary(self) -> str:
        """A short multi-line text description (no ids).

        Returns
        -------
        str
            Debtors, total and typical balance, days past due, largest states, score
            coverage and channel reach.
        """
        f = self.frame
        word = "debtor" if self.n == 1 else "debtors"
        lines = [f"portfolio {self.source}: {self.n:,} {word}, total balance R$ {self.total_balance:,.2f}"]
        if self.n == 0:
            return lines[0]
        bal, dpd = f["balance"], f["days_past_due"]
        lines.append(
            f"  balance: mean R$ {bal.mean():,.2f}, median R$ {bal.median():,.2f}, "
            f"max R$ {bal.max():,.2f}"
        )
        lines.append(f"  days past due: median {dpd.median():g}, max {dpd.max()}")
        top = (
            f.group_by("state").len().sort(["len", "state"], descending=[True, False]).head(3)
        )
        states = ", ".join(f"{s} {c / self.n:.0%}" for s, c in top.iter_rows())
        lines.append(f"  states: {f['state'].n_unique()} (largest {states})")
        score = f["score"]
        have = self.n - score.null_count()
        if have:
            lines.append(f"  score: {have / self.n:.0%} scored, median {score.median():g}")
        else:
            lines.append("  score: none")
        prior = f["prior_delinquencies"]
        lines.append(f"  prior delinquencies: mean {prior.mean():.2f}, max {prior.max()}")
        reach = ", ".join(f"{c.removeprefix('has_')} {f[c].mean():.0%}" for c in FLAG_COLUMNS)
        lines.append(f"  reachable by {reach}")
        extra = [c for c in f.columns if c not in _SCHEMA]
        if extra:
            lines.append(f"  extra columns: {', '.join(extra)}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading files


def load_portfolio(path: str | Path, *, default_state: str = "SP",
                   file_label: str | None = None, column_types: dict[str, str] | None = None,
                   sep: str | None = None, decimal: str | None = None, sheet: str | int | None = None) -> Portfolio:
    """Read, validate and normalise a portfolio file.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV (``,`` or ``;`` separated, decimal point or comma, UTF-8, Latin-1 or
        Windows-1252: all detected), an Excel workbook (``.xlsx``) or a Parquet file; read
        by :func:`scenarios.tables.read_table`.
    default_state : str, default "SP"
        UF code for rows without a state (and for all rows when there is no ``state``
        column).
    file_label : str, optional
        Name of the file in messages. Default: ``path`` as given.
    column_types : dict, optional
        Declared types of the file's own columns (name → ``text``, ``integer``, ``number``
        or ``boolean``); other columns of its own are inferred.
    sep, decimal, sheet : optional
        CSV separator, decimal mark and Excel sheet, when detection is not wanted
        (``--sep``, ``--decimal``, ``--sheet``).

    Returns
    -------
    Portfolio

    Raises
    ------
    InputError
        With every problem found: unreadable file, unknown suffix, missing columns, values
        of the wrong type, out of range, duplicated or empty.
    ValueError
        If ``default_state`` is not a UF code.
    """
    from scenarios.tables import read_table
    label = file_label if file_label is not None else str(path)
    _check_default_state(default_state)
    declared = {c: k for c, k in (column_types or {}).items() if k in COLUMN_TYPES and c not in _SCHEMA}
    table = read_table(path, sep=sep, decimal=decimal, sheet=sheet, label=label,
                       schema={**{c: "text" for c in _SCHEMA}, **declared}, required=REQUIRED_COLUMNS)
    df = table.frame
    if table.decimal == ",":  # the known numeric columns are checked as text: read their decimal comma
        fix = [pl.when(pl.col(c).str.contains(_DECIMAL_COMMA))
               .then(pl.col(c).str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
               .otherwise(pl.col(c)).alias(c) for c in _NUMERIC if c in df.columns and df[c].dtype == pl.String]
        df = df.with_columns(fix) if fix else df
    return validate_frame(df, label, default_state, column_types=column_types, lines=table.lines,
                          line_word=table.line_word, invalid=table.invalid, raw=table.raw,
                          native=table.format == "parquet")


def header_columns(path: Path) -> list[str] | None:
    """The column names of a portfolio file, read cheaply; None when unknown (loading then says why).

    None as well for a CSV that loading will refuse before looking at its columns (empty, not
    text, no header row, a header with empty or repeated names), so that the scenario's rules
    are not checked against names that are not the file's columns.
    """
    import csv
    import io

    from scenarios.errors import Problems
    from scenarios.tables.text import _detect_sep, check_header
    from scenarios.textfiles import binary_kind
    kind = SUFFIXES.get(path.suffix.lower())
    try:
        if kind == "parquet":
            return list(pl.read_parquet_schema(path))
        if kind == "csv":
            with path.open("rb") as fh:
                head = fh.read(1 << 16)
            if not head.strip() or binary_kind(head) is not None:
                return None
            text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
            end = text.find("\n")
            sep = _detect_sep(text if end < 0 else text[:end])
            names = [c.strip() for c in next(csv.reader(io.StringIO(text), delimiter=sep), [])]
            return names if check_header(names, Problems(str(path)), REQUIRED_COLUMNS) else None
    except Exception:  # noqa: BLE001 - any unreadable file: loading it reports the problem
        return None
    return None


# --------------------------------------------------------------------------- validation


def validate_frame(df: pl.DataFrame, file_label: str, default_state: str, *,
                   column_types: dict[str, str] | None = None, lines: np.ndarray | None = None,
                   line_word: str = "line", invalid: dict[str, pl.Series] | None = None,
                   raw: dict[str, pl.Series] | None = None, native: bool = True) -> Portfolio:
    """Validate and normalise a portfolio table.

    Shared by the CSV and Parquet readers, and usable on in-memory frames (for example
    from :func:`scenarios.synthetic.generate_portfolio`). Columns may hold text (as read
    from CSV) or native types (Parquet, generated frames).

    Parameters
    ----------
    df : polars.DataFrame
        The raw table.
    file_label : str
        Name of the input in messages.
    default_state : str
        UF code for rows without a state.
    column_types : dict, optional
        Declared types of extra columns (see :mod:`scenarios.columns`); the others are inferred.
    lines : numpy.ndarray, optional
        The file line (or sheet row) of each row: offending rows are then named by it as
        well as by pseudonym, as ``line 7 (p_…)`` (``line_word`` says ``line`` or ``row``).
    invalid, raw : dict, optional
        Cells of declared columns that did not convert when the file was read (masks), and
        their text (see :class:`scenarios.tables.Table`).
    native : bool, default True
        Whether the frame's types are the file's own (Parquet, in memory). When False (CSV,
        Excel), an undeclared column of whole numbers read as floats (``200.000`` with a
        decimal comma, an Excel cell) becomes an integer column, as in a plain CSV.

    Returns
    -------
    Portfolio
        With ``source=file_label`` and the normalised frame described in the module
        docstring.

    Raises
    ------
    InputError
        With every problem found, one per column and kind of problem.
    ValueError
        If ``default_state`` is not a UF code.
    """
    _check_default_state(default_state)
    probs = Problems(file_label)
    v = _Validator(df, probs, lines, line_word)

    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    headerless = bool(missing) and any(looks_like_value(c) for c in df.columns)
    got_cols = _column_list(df.columns)
    if headerless:  # the first line is a row of data (maybe a CPF): never echo it
        probs.add("", "no header row: the first line looks like data", got=f"a first line of {df.width} values",
                  raw_got=True, expected="a header row naming " + ", ".join(REQUIRED_COLUMNS))
        missing = []
    for col in missing:
        hint = suggest(col, [c for c in df.columns if c not in REQUIRED_COLUMNS])
        problem = "required column missing" + (f"; is {hint!r} it, misspelt?" if hint else "")
        probs.add(col, problem, got=f"columns {got_cols}", raw_got=True, expected=col)
    if df.height == 0:
        probs.add("", "no rows", got="0 rows", raw_got=True, expected="one row per debtor")

    out: dict[str, pl.Series] = {}
    out["debtor_id"] = v.ids if v.ids is not None else pl.Series("debtor_id", [], pl.String)
    v.check_ids()

    bal = v.number("balance", required=True)
    if bal is not None:
        v.report(bal <= 0, "balance", "not positive", bal, "> 0")
        v.report(bal > MAX_BALANCE, "balance", "implausibly large", bal, "at most 1e12, R$ 1 trillion")
        out["balance"] = bal
    dpd = v.whole("days_past_due", required=True)
    if dpd is not None:
        v.report(dpd < 0, "days_past_due", "negative", dpd, ">= 0")
        out["days_past_due"] = dpd

    out["state"] = v.state(default_state)
    score = v.number("score", required=False)
    if score is not None:
        v.report((score < 0) | (score > 1000), "score", "outside 0..1000", score,
                 "0 <= score <= 1000")
        out["score"] = score
    else:
        out["score"] = pl.Series("score", [None] * df.height, pl.Float64)
    prior = v.whole("prior_delinquencies", required=False)
    if prior is not None:
        v.report(prior < 0, "prior_delinquencies", "negative", prior, ">= 0")
        out["prior_delinquencies"] = prior.fill_null(0)
    else:
        out["prior_delinquencies"] = pl.Series("prior_delinquencies", [0] * df.height, pl.Int64)
    for flag in FLAG_COLUMNS:
        out[flag] = v.boolean(flag)

    extra = [c for c in df.columns if c not in _SCHEMA]
    declared = dict(column_types or {})
    for col in declared:
        if col in _SCHEMA:
            probs.add(col, "a column of the portfolio format has its own type", got=declared[col],
                      expected="types only for the file's own columns")
        elif declared[col] not in COLUMN_TYPES:
            probs.add(col, "unknown column type", got=declared[col], expected="one of " + ", ".join(COLUMN_TYPES))
    typed = []
    for col in extra:
        kind = declared.get(col) if declared.get(col) in COLUMN_TYPES else None
        if invalid and col in invalid and kind is not None:
            v.report(invalid[col], col, f"not {'an' if kind == 'integer' else 'a'} {kind}", (raw or {}).get(col),
                     {"integer": "a whole number", "number": "a finite number"}.get(kind, "true/false"))
        if kind is None:  # a file read by scenarios.tables is typed already; in-memory text is inferred
            kind = infer_type(df[col]) if lines is None else None
            if not native and df[col].dtype == pl.Float64 and _whole(df[col]):
                kind = "integer"
        typed.append(df[col] if kind is None else type_column(
            df[col], kind, lambda mask, problem, values, expected, c=col: v.report(mask, c, problem, values, expected)))
    probs.raise_if_any()
    frame = pl.DataFrame([out[c].alias(c) for c in _SCHEMA])
    if typed:
        frame = frame.hstack(typed)
    return Portfolio(frame=frame, source=file_label)


def _check_default_state(default_state: str) -> None:
    """Fail fast on a default state that is not a UF code."""
    if default_state not in UF_CODES:
        raise ValueError(
            f"default_state: unknown UF code (got {show(default_state)}, expected one of "
            f"{', '.join(UF_CODES)})"
        )


def _column_list(columns: list[str], limit: int = 12) -> str:
    """``a, b, c`` (shortened after ``limit`` names)."""
    names = ", ".join(columns[:limit]) if columns else "none"
    return names + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


class _Validator:
    """Column checks over one raw frame, reporting into one :class:`Problems`."""

    def __init__(self, df: pl.DataFrame, probs: Problems, lines: np.ndarray | None = None, line_word: str = "line"):
        self.df = df
        self.probs = probs
        self.lines = lines
        self.line_word = line_word
        self.ids: pl.Series | None = None
        if "debtor_id" in df.columns:
            raw = df["debtor_id"]
            try:
                ids = raw.cast(pl.String)
            except pl.exceptions.PolarsError:
                probs.add("debtor_id", "column has the wrong type", got=str(raw.dtype),
                          raw_got=True, expected="text or whole numbers")
            else:
                ids = ids.str.strip_chars()
                self.ids = _blank_to_null(ids)

    # ---------------------------------------------------------------- reporting helpers

    def _labels(self, mask: pl.Series) -> list[str]:
        """Up to three row labels (pseudonym, else ``row N``) where ``mask`` is true."""
        idx = mask.fill_null(False).arg_true().head(_SHOWN).to_list()
        raw = [self.ids[i] for i in idx] if self.ids is not None else [None] * len(idx)
        it = iter(pseudonymise([r for r in raw if r is not None]))
        names = [next(it) if r is not None else None for r in raw]
        if self.lines is None:
            return [n if n is not None else f"row {i + 1}" for i, n in zip(idx, names)]
        return [f"{self.line_word} {int(self.lines[i])}" + (f" ({n})" if n is not None else "")
                for i, n in zip(idx, names)]

    def _render(self, values: list[Any]) -> list[str]:
        """Render offending values; a value equal to some debtor id is masked."""
        return mask_values(values, self.ids)

    def report(self, mask: pl.Series, col: str, problem: str, values: pl.Series | None,
               expected: str) -> None:
        """Add one problem for the rows where ``mask`` is true, if any."""
        mask = mask.fill_null(False)
        count = int(mask.sum())
        if not count:
            return
        labels = self._labels(mask)
        got = None
        if values is not None:
            shown = values.filter(mask).head(_SHOWN).to_list()
            got = ", ".join(self._render(shown))
        self.probs.add(col, f"{_rows(count)} {problem}, first {', '.join(labels)}",
                       got=got, raw_got=True, expected=expected)

    def _text(self, col: str) -> pl.Series:
        """The column as stripped text with blanks as nulls (only for String columns)."""
        return _blank_to_null(self.df[col].str.strip_chars())

    def _wrong_dtype(self, col: str, dtype: pl.DataType, expected: str) -> None:
        self.probs.add(col, "column has the wrong type", got=str(dtype), raw_got=True,
                       expected=expected)

    # ---------------------------------------------------------------- column checks

    def check_ids(self) -> None:
        """Empty and duplicated ids."""
        ids = self.ids
        if ids is None:
            return
        self.report(ids.is_null(), "debtor_id", "empty", None, "a non-empty id")
        present = ids.drop_nulls()
        dup_mask = present.is_duplicated()
        if dup_mask.any():
            dups = present.filter(dup_mask)
            n_ids = dups.n_unique()
            first = pseudonymise(dups.unique(maintain_order=True).head(_SHOWN).to_list())
            word = "id" if n_ids == 1 else "ids"
            self.probs.add("debtor_id", f"{n_ids} {word} duplicated, first {', '.join(first)}",
                           got=f"{dups.len()} rows with them", raw_got=True,
                           expected="each id once")

    def number(self, col: str, required: bool) -> pl.Series | None:
        """A finite Float64 column, or None when absent or of an unusable type."""
        if col not in self.df.columns:  # a missing required column is reported elsewhere
            return None
        raw = self.df[col]
        if raw.dtype == pl.String:
            text = self._text(col)
            values = text.cast(pl.Float64, strict=False)
            source = text
        elif raw.dtype.is_numeric() or raw.dtype == pl.Null:
            values = raw.cast(pl.Float64)
            source = raw
        else:
            self._wrong_dtype(col, raw.dtype, "numbers")
            return None
        bad = source.is_not_null() & (values.is_null() | ~values.is_finite())
        self.report(bad, col, "not a number", source, "a finite number")
        if required:
            self.report(source.is_null(), col, "empty", None, "a number")
        return _null_where(values, bad)

    def whole(self, col: str, required: bool) -> pl.Series | None:
        """An Int64 column of whole numbers, or None when absent or of an unusable type."""
        if col not in self.df.columns:  # a missing required column is reported elsewhere
            return None
        raw = self.df[col]
        if raw.dtype.is_integer():
            values = raw.cast(pl.Int64)
            if required:
                self.report(raw.is_null(), col, "empty", None, "a whole number")
            return values
        if raw.dtype == pl.String:
            source = self._text(col)
            floats = source.cast(pl.Float64, strict=False)
        elif raw.dtype.is_numeric() or raw.dtype == pl.Null:
            source = raw
            floats = raw.cast(pl.Float64)
        else:
            self._wrong_dtype(col, raw.dtype, "whole numbers")
            return None
        ok = floats.is_finite() & (floats == floats.floor()) & (floats.abs() < _MAX_EXACT_INT)
        bad = source.is_not_null() & ~ok.fill_null(False)
        self.report(bad, col, "not a whole number", source, "a whole number")
        if required:
            self.report(source.is_null(), col, "empty", None, "a whole number")
        return _null_where(floats, bad).cast(pl.Int64)

    def state(self, default_state: str) -> pl.Series:
        """UF codes, upper-cased, blanks filled with ``default_state``."""
        n = self.df.height
        if "state" not in self.df.columns:
            return pl.Series("state", [default_state] * n, pl.String)
        raw = self.df["state"]
        if raw.dtype not in (pl.String, pl.Categorical, pl.Enum, pl.Null):
            self._wrong_dtype("state", raw.dtype, "two-letter UF codes")
            return pl.Series("state", [default_state] * n, pl.String)
        text = _blank_to_null(raw.cast(pl.String).str.strip_chars())
        codes = text.str.to_uppercase()
        bad = codes.is_not_null() & ~codes.is_in(list(UF_CODES))
        us = bool(bad.any()) and float(codes.filter(bad).is_in(list(_US_CODES)).mean()) > 0.8
        self.report(bad, "state", "unknown UF code" + ("; these look like US state codes" if us else ""), text,
                    "a two-letter UF code such as SP, RJ or MG"
                    + (" (drop the column, or map it to UF codes)" if us else ""))
        return codes.fill_null(default_state).alias("state")

    def boolean(self, col: str) -> pl.Series:
        """A Boolean flag column, blanks filled with true."""
        n = self.df.height
        default = OPTIONAL_COLUMNS[col]
        if col not in self.df.columns:
            return pl.Series(col, [default] * n, pl.Boolean)
        raw = self.df[col]
        if raw.dtype == pl.Boolean:
            return raw.fill_null(default)
        if raw.dtype == pl.String:
            source = self._text(col)
            values = source.str.to_lowercase().replace_strict(_BOOL_WORDS, default=None,
                                                              return_dtype=pl.Boolean)
        elif raw.dtype.is_numeric() or raw.dtype == pl.Null:
            source = raw
            floats = raw.cast(pl.Float64)
            values = (pl.when(floats == 1).then(True).when(floats == 0).then(False)
                      .otherwise(None))
            values = pl.select(values.alias(col)).to_series()
        else:
            self._wrong_dtype(col, raw.dtype, _BOOL_EXPECTED)
            return pl.Series(col, [default] * n, pl.Boolean)
        bad = source.is_not_null() & values.is_null()
        self.report(bad, col, "not a boolean", source, _BOOL_EXPECTED)
        return values.fill_null(default).alias(col)


def _whole(values: pl.Series) -> bool:
    """Every present value a whole number that a float holds exactly."""
    present = values.drop_nulls()
    return bool(present.len() and (present.is_finite() & (present == present.floor())
                                   & (present.abs() < _MAX_EXACT_INT)).all())


def _blank_to_null(text: pl.Series) -> pl.Series:
    """Empty strings become nulls."""
    return pl.select(
        pl.when(text.str.len_bytes() > 0).then(text).otherwise(None).alias(text.name)
    ).to_series()


def _null_where(values: pl.Series, mask: pl.Series) -> pl.Series:
    """``values`` with nulls where ``mask`` is true."""
    return pl.select(
        pl.when(mask).then(None).otherwise(values).alias(values.name)
    ).to_series()
