"""Histories: a team's logs of accounts, payments, contacts, offers, agreements and events.

The contract is ``docs/history.md``. :func:`read_history` reads a folder (or files given
one by one), CSV, Excel or Parquet, validates every table at the edge with the project's
error format (file, column, line numbers, pseudonyms; never a raw id), pseudonymises ids and
returns a :class:`History`. ``acordo simulate --history`` writes the simulator's world in the
same format (:mod:`simulation.history`).
"""
from scenarios.history.reader import history_files, read_history
from scenarios.history.result import History
from scenarios.history.spec import (AGREEMENT_STATUSES, EVENT_KINDS, PAYMENT_KINDS, REQUIRED_TABLES, SPEC, TABLES,
                                    Column)

__all__ = ["read_history", "history_files", "History", "TABLES", "REQUIRED_TABLES", "SPEC", "Column",
           "PAYMENT_KINDS", "EVENT_KINDS", "AGREEMENT_STATUSES"]
