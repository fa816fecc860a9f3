"""Reading a history: the files, every table checked, the tables checked against each other.

See ``docs/history.md`` for the contract and :class:`History` for what comes out.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Iterable, Sequence

import polars as pl

from scenarios.errors import InputError, Problem, Problems, show, suggest
from scenarios.history.checks import LONG_NUMBER, TableCheck
from scenarios.history.dates import latest
from scenarios.history.links import attach_accounts, censor, check_accounts, check_links, infer_payment_kinds
from scenarios.history.result import History
from scenarios.history.spec import REQUIRED_TABLES, SPEC, TABLES
from scenarios.pseudonym import PREFIX, pseudonym_key, pseudonymise
from scenarios.tables import SUFFIXES, read_table

__all__ = ["read_history", "history_files"]

_READY = rf"^{PREFIX}[0-9a-f]{{16}}$"


class _Pseudonyms:
    """Raw id → pseudonym, hashing each distinct id once across all tables.

    An id that already is a pseudonym (``p_`` and 16 hex digits, as in a simulated history)
    is kept, so the keys of ``acordo simulate --history`` stay those of ``debtors.parquet``.
    """

    def __init__(self, key: bytes | None):
        self.key = key if key is not None else pseudonym_key()
        self.raw = pl.Series("raw", [], pl.String)
        self.pseudo = pl.Series("pseudo", [], pl.String)
        self.hashed_any = False

    def __call__(self, raw: pl.Series) -> pl.Series:
        if not self.hashed_any and bool(raw.str.contains(_READY).all()):  # already pseudonyms (simulated)
            return raw.alias("debtor_id")
        uniq = raw.drop_nulls().unique()
        new = uniq.filter(~uniq.is_in(self.raw.implode()))
        if new.len():
            ready = new.str.contains(_READY)
            todo = new.filter(~ready)
            hashed = pl.Series("pseudo", pseudonymise(todo.to_list(), self.key), pl.String)
            self.hashed_any = self.hashed_any or todo.len() > 0
            self.raw = pl.concat([self.raw, new.filter(ready).alias("raw"), todo.alias("raw")])
            self.pseudo = pl.concat([self.pseudo, new.filter(ready).alias("pseudo"), hashed])
        mapping = pl.DataFrame({"debtor_id": self.raw, "_p": self.pseudo})
        return (raw.alias("debtor_id").to_frame().join(mapping, on="debtor_id", how="left", maintain_order="left")
                .get_column("_p").alias("debtor_id"))


def history_files(source: str | Path | Sequence[str | Path], probs: Problems) -> dict[str, Path]:
    """The file of each table: the table files of a folder, or files given one by one.

    A file's table is its name without the suffix (``payments.csv`` → ``payments``).
    """
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        folder = Path(source)
        paths = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                       and p.suffix.lower() in SUFFIXES)
        if not paths:
            probs.add("", "no table files in the folder",
                      expected="accounts and payments (.csv, .xlsx or .parquet), and the optional tables")
    elif isinstance(source, (str, Path)):
        paths = [Path(source)]
    else:
        paths = [Path(p) for p in source]
    found: dict[str, Path] = {}
    for p in paths:
        name = p.name.split(".")[0].strip().lower()
        if name not in TABLES:
            hint = suggest(name, TABLES)
            probs.add("", "not a history table" + (f"; is it {hint!r}, misspelt?" if hint else ""), got=repr(p.name),
                      raw_got=True, expected="a file named " + ", ".join(TABLES), file=str(p))
        elif name in found:
            probs.add("", f"two files for table {name!r}", got=f"{found[name].name} and {p.name}", raw_got=True,
                      expected="one file per table", file=str(p))
        else:
            found[name] = p
    return found


def read_history(source: str | Path | Sequence[str | Path], *, as_of: _dt.date | str | None = None,
                 sep: str | None = None, decimal: str | None = None, sheet: str | int | None = None,
                 encoding: str | None = None, key: bytes | None = None) -> History:
    """Read and validate a history (``docs/history.md``).

    Parameters
    ----------
    source : path or sequence of paths
        A folder holding ``accounts``, ``payments`` and any optional tables (one file each,
        CSV, Excel or Parquet), or the table files themselves.
    as_of : date or ``YYYY-MM-DD``, optional
        End of observation; default the latest date in any table (a month-level date counts
        as the end of its month). Rows dated after it are left out, accounts that entered
        after it too, and an agreement whose status came after it is ``active``.
    sep, decimal, sheet, encoding : optional
        Reading options for every file (:func:`scenarios.tables.read_table`); detected by default.
    key : bytes, optional
        Pseudonymisation key (default: :func:`scenarios.pseudonym.pseudonym_key`).

    Returns
    -------
    History

    Raises
    ------
    InputError
        With every problem of every table: missing tables or columns, unreadable files,
        bad values, unknown debtors, dates before entry, duplicated accounts, accepted offers
        without agreement (when ``agreements`` is given).
    """
    label = str(source) if isinstance(source, (str, Path)) else "history"
    probs = Problems(label)
    files = history_files(source, probs)
    for name in REQUIRED_TABLES:
        if name not in files and not probs:
            probs.add(name, "required table missing", expected=f"a file {name}.csv, {name}.xlsx or {name}.parquet")
    stop = _as_of(as_of, probs)
    probs.raise_if_any()
    problems: list[Problem] = []
    tables = {}
    for name in TABLES:
        if name not in files:
            continue
        kinds = {c.name: c.reader_kind for c in SPEC[name]}
        try:
            tables[name] = read_table(files[name], sep=sep, decimal=decimal, sheet=sheet, encoding=encoding,
                                      schema=kinds)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    pseudonyms = _Pseudonyms(key)
    checks: dict[str, TableCheck] = {}
    all_probs: list[Problems] = []
    for name, table in tables.items():
        tp = Problems(table.source)
        _missing_columns(name, table.frame.columns, tp)
        checks[name] = TableCheck(table, name, tp, pseudonyms)
        checks[name].run()
        all_probs.append(tp)
    frames, month_level = _frames(checks)
    if not any(all_probs):  # the tables against each other, once each is sound
        check_accounts(frames, checks["accounts"])
        links = check_links(frames, checks)
    problems = [p for tp in all_probs for p in tp.items]
    if problems:
        raise InputError(problems)
    if stop is None:
        stop = _latest(frames, month_level)
    frames, dropped, keep = censor(frames, stop)
    frames = attach_accounts(frames, links, keep)
    if "kind" not in frames["payments"].columns:
        frames["payments"] = infer_payment_kinds(frames, stop)
    frames = {k: _order(k, v) for k, v in frames.items()}
    first = frames["accounts"]["entry_date"].min()
    return History(
        tables=frames, as_of=stop, first_date=first if first is not None else stop,
        sources={k: str(files[k]) for k in frames}, month_level=frozenset(month_level),
        lines={k: tables[k].lines[keep[k]] for k in frames}, options={k: tables[k].options() for k in frames},
        dropped=dropped, label=label,
    )


def _as_of(value: _dt.date | str | None, probs: Problems) -> _dt.date | None:
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        probs.add("--as-of", "not a date", got=repr(str(value)[:30]), raw_got=True, expected="a date YYYY-MM-DD")
        return None


def _missing_columns(name: str, columns: Iterable[str], probs: Problems) -> None:
    """Required columns not in the header; names that look like data (a CPF) are hidden."""
    have = list(columns)
    names = ["<hidden long number>" if LONG_NUMBER.search(c) else show(c, 30).strip("'") for c in have]
    headless = any(LONG_NUMBER.search(c) or c.replace(".", "").replace(",", "").isdigit() for c in have)
    for col in SPEC[name]:
        if col.required and col.name not in have:
            hint = suggest(col.name, [c for c in have if c not in {s.name for s in SPEC[name]}])
            shown = ", ".join(names[:12]) + (f", ... ({len(have)} in all)" if len(have) > 12 else "")
            extra = (f"; is {hint!r} it, misspelt?" if hint else
                     "; does the file have a header row?" if headless else "")
            probs.add(col.name, "required column missing" + extra,
                      got=f"columns {shown or 'none'}", raw_got=True, expected=col.name)


def _frames(checks: dict[str, TableCheck]) -> tuple[dict[str, pl.DataFrame], set[str]]:
    """Normalised columns first (spec order), then the file's other columns, then month flags."""
    frames: dict[str, pl.DataFrame] = {}
    month_level: set[str] = set()
    for name, chk in checks.items():
        cols = [chk.out[c.name] for c in SPEC[name] if c.name in chk.out]
        known = {c.name for c in SPEC[name]}
        extra = [chk.df[c] for c in chk.df.columns if c not in known]
        flags = []
        for col, month in chk.month.items():
            if bool(month.any()):
                month_level.add(f"{name}.{col}")
                flags.append(month.alias(f"{col}_month"))
        frames[name] = pl.DataFrame(cols + extra + flags)
    return frames, month_level


def _order(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The contract's columns, the file's others, the month flags, then ``account`` and ``kind_inferred``."""
    spec = [c.name for c in SPEC[name] if c.name in frame.columns]
    tail = [c for c in frame.columns if c.endswith("_month") and c[:-6] in frame.columns and c not in spec]
    tail += [c for c in ("account", "kind_inferred") if c in frame.columns]
    middle = [c for c in frame.columns if c not in spec and c not in tail]
    return frame.select(spec + middle + tail)


def _latest(frames: dict[str, pl.DataFrame], month_level: set[str]) -> _dt.date:
    best: _dt.date | None = None
    for name, frame in frames.items():
        for col in frame.columns:
            if frame[col].dtype != pl.Date:
                continue
            flag = f"{col}_month"
            value = latest(frame[col], frame[flag]) if flag in frame.columns else frame[col].max()
            if value is not None and (best is None or value > best):
                best = value
    return best if best is not None else _dt.date.today()
