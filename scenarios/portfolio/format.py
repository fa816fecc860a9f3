"""The portfolio format: its columns, their dtypes and defaults, and the spellings values may take."""
from __future__ import annotations

from typing import Any

import polars as pl

__all__ = ["UF_CODES", "REQUIRED_COLUMNS", "FLAG_COLUMNS", "OPTIONAL_COLUMNS", "TRUE_WORDS", "FALSE_WORDS",
           "SUFFIXES", "SCHEMA", "MAX_BALANCE", "US_CODES", "NUMERIC", "DECIMAL_COMMA", "MAX_EXACT_INT",
           "BOOL_WORDS", "BOOL_EXPECTED", "SHOWN"]

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

#: Columns of a normalised portfolio and their dtypes, in order.
SCHEMA: dict[str, pl.DataType] = {
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
#: Offending rows named per message.
SHOWN = 3
#: US state codes (a state column exported from a US system).
US_CODES = frozenset("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH "
                      "NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY PR".split())
#: Known columns holding numbers (read as text from a CSV, decimal comma fixed).
NUMERIC = ("balance", "days_past_due", "score", "prior_delinquencies")
#: A number written with a decimal comma (``1.234,56``).
DECIMAL_COMMA = r"^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$"
#: Beyond this a float no longer holds every whole number.
MAX_EXACT_INT = 2.0**53
#: Boolean spellings, lower-cased.
BOOL_WORDS = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
#: What a boolean cell may hold, for messages.
BOOL_EXPECTED = "true/false, 1/0, yes/no or sim/não"
# Nine or more digits, possibly punctuated like a CPF (123.456.789-09) or CNPJ: such values
