"""A table turned into a :class:`~scenarios.portfolio.book.Portfolio`: every column checked, every problem at once."""
from __future__ import annotations

import numpy as np
import polars as pl

from scenarios.columns import COLUMN_TYPES, infer_type, type_column
from scenarios.errors import Problems, show, suggest
from scenarios.portfolio.book import Portfolio
from scenarios.portfolio.checks import ColumnChecks
from scenarios.portfolio.format import FLAG_COLUMNS, MAX_BALANCE, MAX_EXACT_INT, REQUIRED_COLUMNS, SCHEMA, UF_CODES
from scenarios.tables.text import looks_like_value

__all__ = ["validate_frame", "check_default_state"]


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
    check_default_state(default_state)
    probs = Problems(file_label)
    v = ColumnChecks(df, probs, lines, line_word)

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

    extra = [c for c in df.columns if c not in SCHEMA]
    declared = dict(column_types or {})
    for col in declared:
        if col in SCHEMA:
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
    frame = pl.DataFrame([out[c].alias(c) for c in SCHEMA])
    if typed:
        frame = frame.hstack(typed)
    return Portfolio(frame=frame, source=file_label)


def check_default_state(default_state: str) -> None:
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


def _whole(values: pl.Series) -> bool:
    """Every present value a whole number that a float holds exactly."""
    present = values.drop_nulls()
    return bool(present.len() and (present.is_finite() & (present == present.floor())
                                   & (present.abs() < MAX_EXACT_INT)).all())
