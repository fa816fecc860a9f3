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

The package is split by concept: :mod:`~scenarios.portfolio.format` (the columns, their
defaults and accepted spellings), :mod:`~scenarios.portfolio.book` (the :class:`Portfolio`),
:mod:`~scenarios.portfolio.reading` (files), :mod:`~scenarios.portfolio.validation` (a table
turned into a :class:`Portfolio`) and :mod:`~scenarios.portfolio.checks` (the column checks).
"""
from __future__ import annotations

from scenarios.portfolio.book import Portfolio
from scenarios.portfolio.format import (FALSE_WORDS, FLAG_COLUMNS, MAX_BALANCE, OPTIONAL_COLUMNS, REQUIRED_COLUMNS,
                                        SUFFIXES, TRUE_WORDS, UF_CODES)
from scenarios.portfolio.reading import header_columns, load_portfolio
from scenarios.portfolio.validation import validate_frame
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
