"""Reading Excel workbooks (the calamine engine, through fastexcel) and Parquet files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from scenarios.errors import Problems
from scenarios.tables.text import check_header

__all__ = ["read_excel", "read_parquet"]


def read_excel(path: Path, probs: Problems, sheet: str | int | None, required: tuple[str, ...] = ()):
    """A sheet as text columns (first row the header), the sheet row of each row, the sheet used."""
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
    if not check_header(header, probs, required):
        return None, None, {}
    df = grid.slice(1)
    df.columns = header
    lines = np.arange(2, df.height + 2, dtype=np.int64)
    return df, lines, {"sheet": names[target] if isinstance(target, int) else target}


def read_parquet(path: Path, probs: Problems):
    """A Parquet file as is, rows numbered from 1."""
    try:
        df = pl.read_parquet(path, glob=False, hive_partitioning=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        probs.add("", "could not be read as Parquet", got=type(exc).__name__, raw_got=True,
                  expected="a readable Parquet file")
        return None, None, {}
    return df, np.arange(1, df.height + 1, dtype=np.int64), {}
