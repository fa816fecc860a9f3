"""Reading CSV text: bytes checked, encoding detected, separator detected, record lines kept."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import polars as pl

from scenarios.errors import LONG_NUMBER as _LONG_NUMBER
from scenarios.errors import Problems
from scenarios.textfiles import KINDS, sniff

__all__ = ["SEPARATORS", "read_csv", "check_header", "looks_like_value"]

#: Separators a CSV may use.
SEPARATORS = (",", ";", "\t", "|")
_ENCODINGS = ("utf_8", "cp1252", "latin_1")


def read_csv(path: Path, probs: Problems, sep: str | None, encoding: str | None, required: tuple[str, ...] = ()):
    """The CSV as text columns, the line of each record and the options used (None on a problem)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        probs.add("", "could not be read", got=type(exc).__name__, raw_got=True, expected="a readable file")
        return None, None, {}
    expected_text = "CSV text in UTF-8, Latin-1 or Windows-1252"
    if not data or data.isspace():
        probs.add("", "file is empty", got=f"{len(data)} bytes", raw_got=True, expected="a header row and rows")
        return None, None, {}
    refusal = _refusal(sniff(data[:1 << 20], strict=True), expected_text)
    if refusal is not None:
        probs.add("", refusal[0], expected=refusal[1])
        return None, None, {}
    text, used = _decode(data, encoding, probs)
    if text is None:
        return None, None, {}
    text = text.lstrip("\ufeff")
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    if sep is None:
        sep = _detect_sep(first)
    header = next(csv.reader(io.StringIO(text[:1 << 16]), delimiter=sep), [])  # the header record
    names = [h.strip().lstrip("\ufeff") for h in header]
    if not check_header(names, probs, required):
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


def _refusal(code: str | None, expected_text: str) -> tuple[str, str] | None:
    """(problem, expected) for a file :func:`scenarios.textfiles.sniff` says is not CSV text, else None."""
    if code is None:
        return None
    if code == "zip":
        return "not a CSV file: it is a zip archive or an Excel workbook", "CSV text, or name it .xlsx"
    if code == "utf16":
        return "not a text file we can read: UTF-16 text", expected_text
    if code in ("nul", "utf16_nul"):
        return "not a text file we can read: binary or UTF-16 content (NUL bytes)", expected_text
    if code == "control":
        return "not a text file: it contains control characters", expected_text
    return f"not a CSV file: it is {KINDS[code]}", expected_text


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
    counts = {s: unquoted.count(s) for s in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: (counts[s], -SEPARATORS.index(s)))
    return best if counts[best] > 0 else ","


def _sep_name(sep: str) -> str:
    return {"\t": "tabs", ",": "','", ";": "';'", "|": "'|'"}[sep]


def looks_like_value(name: str) -> bool:
    """Whether a header cell looks like a value (a number, a long number such as a CPF) rather than a name."""
    text = name.strip()
    if _LONG_NUMBER.search(text):
        return True
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def check_header(names: list[str], probs: Problems, required: tuple[str, ...] = ()) -> bool:
    """Header names: a header at all (not a first line of data), none empty, none twice.

    A first line that holds a value (a number, a CPF) where a column name should be, while a
    ``required`` column is missing, is a file without a header: it is said so, and none of its
    cells is shown (callers that give no ``required`` check their columns themselves).
    """
    if any(c not in names for c in required) and any(looks_like_value(n) for n in names):
        probs.add("", "no header row: the first line looks like data", got=f"a first line of {len(names)} values",
                  raw_got=True, expected="a header row naming " + ", ".join(required))
        return False
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
        shown = ["<hidden long number>" if _LONG_NUMBER.search(d) else repr(d[:30]) for d in dups[:5]]
        probs.add("", "duplicated column names in the header", got=", ".join(shown),
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
