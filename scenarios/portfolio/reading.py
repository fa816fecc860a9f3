"""Reading portfolio files: CSV, Excel and Parquet, through :mod:`scenarios.tables`."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from scenarios.columns import COLUMN_TYPES
from scenarios.portfolio.book import Portfolio
from scenarios.portfolio.format import DECIMAL_COMMA, NUMERIC, REQUIRED_COLUMNS, SCHEMA, SUFFIXES
from scenarios.portfolio.validation import check_default_state, validate_frame

__all__ = ["load_portfolio", "header_columns"]


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
    check_default_state(default_state)
    declared = {c: k for c, k in (column_types or {}).items() if k in COLUMN_TYPES and c not in SCHEMA}
    table = read_table(path, sep=sep, decimal=decimal, sheet=sheet, label=label,
                       schema={**{c: "text" for c in SCHEMA}, **declared}, required=REQUIRED_COLUMNS)
    df = table.frame
    if table.decimal == ",":  # the known numeric columns are checked as text: read their decimal comma
        fix = [pl.when(pl.col(c).str.contains(DECIMAL_COMMA))
               .then(pl.col(c).str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
               .otherwise(pl.col(c)).alias(c) for c in NUMERIC if c in df.columns and df[c].dtype == pl.String]
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
