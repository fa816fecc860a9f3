"""The simulator's world written as a history (the format of ``docs/history.md``).

The vectorised engine calls a :class:`HistoryRecorder`, when it is given one, at the points
where something a team's systems would log happens: a contact attempt (with its reach,
engagement, opt-out and minutes), an offer shown in a negotiation, an agreement made, a
payment (self-cure, agreement installment or agency collection), an agreement kept or broken,
a listing (negativação), an agency hand-over and the write-off at the horizon.
:func:`history_tables` turns what was recorded into the tables of the history format, and
:func:`write_history` writes them as Parquet, so that the estimators of ``calibration/`` can be
tested against known truth and the model and the fitting share one vocabulary.

Dates: simulation day ``t`` is ``calendar.start_date + t``. Each account's ``entry_date`` is
the start date (the day the simulated policy starts working the book) and its
``days_past_due`` is the portfolio's (days past due at entry, so days past due on a date
``x`` are ``days_past_due + (x - entry_date)``, as in the model's self-cure hazard). Dating the
entry ``days_past_due`` days before the start instead would claim months of observation
without events that the simulator never ran. Accounts still open (or at the agency, not yet
collected) at the end of the horizon get a ``write_off`` event on the last simulated day.

Ids are the portfolio's, pseudonymised (:mod:`scenarios.pseudonym`): the same ``debtor``
keys as ``debtors.parquet``.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import polars as pl

from scenarios.pseudonym import pseudonymise
from scenarios.schema import CHANNELS

__all__ = ["HistoryRecorder", "history_tables", "simulate_history", "write_history", "HISTORY_TABLES", "PAYMENT_KINDS",
           "EVENT_KINDS", "AGREEMENT_STATUSES"]

#: Tables of a history, in the order of ``docs/history.md``.
HISTORY_TABLES: tuple[str, ...] = ("accounts", "payments", "contacts", "offers", "agreements", "events")
#: ``payments.kind`` by the engine's status of the debtor when the money came in (open, agreement, agency).
PAYMENT_KINDS: tuple[str, ...] = ("self_cure", "agreement", "agency")
#: ``events.kind``.
EVENT_KINDS: tuple[str, ...] = ("negativacao", "agency", "write_off")
#: ``agreements.status``.
AGREEMENT_STATUSES: tuple[str, ...] = ("active", "kept", "broken")


class HistoryRecorder:
    """Collects one replication's events as arrays (the engine calls it; see the module docstring).

    Parameters
    ----------
    n : int
        Debtors of the model (engine rows).

    Notes
    -----
    Every method appends numpy chunks; nothing is converted until :func:`history_tables`.
    The engine calls it only when given one, so a run without a recorder pays nothing.
    """

    def __init__(self, n: int):
        self.n = int(n)
        self.contacts: list[tuple] = []  # (rows, t, channel, reached, engaged, opted_out, minutes)
        self.offer_log: list[tuple] = []  # (rows, t, channel, owed, discount, n, down, first, inst, accepted)
        self.agreement_log: list[tuple] = []  # (rows, t, discount, npay, amount, first, inst)
        self.ends: list[tuple] = []  # (agreement ids, t, status code)
        self.payment_log: list[tuple] = []  # (rows, t, amount, kind code)
        self.event_log: list[tuple] = []  # (rows, t, kind code)
        self.reentry_log: list[tuple] = []  # several cycles: (rows, t, balance, days past due, prior delinquencies)
        self.n_agreements = 0
        self.current = np.full(self.n, -1, np.int64)  # each debtor's latest agreement

    # ------------------------------------------------------------------ engine hooks
    def attempts(self, t: int, c: int, rows: np.ndarray, reached: np.ndarray, opted_rows: np.ndarray,
                 minutes: np.ndarray | None) -> None:
        """Attempts made on channel ``c``: ``reached`` is a mask over ``rows``; ``opted_rows`` opted out."""
        if rows.size == 0:
            return
        opted = np.isin(rows, opted_rows) if opted_rows.size else np.zeros(rows.size, bool)
        mins = (np.full(rows.size, np.nan, np.float32) if minutes is None
                else np.asarray(minutes, np.float32).copy())
        self.contacts.append((rows.astype(np.int32), t, c, np.asarray(reached, bool).copy(),
                              np.zeros(rows.size, bool), opted, mins))

    def engaged(self, rows: np.ndarray) -> None:
        """Which rows of the latest :meth:`attempts` call engaged."""
        if rows.size and self.contacts:
            last = self.contacts[-1]
            last[4][np.isin(last[0], rows)] = True

    def offers(self, t: int, c: int, rows: np.ndarray, owed: np.ndarray, discount: np.ndarray,
               installments: np.ndarray, down: np.ndarray, first: np.ndarray, inst: np.ndarray,
               npay: np.ndarray, accepted: np.ndarray) -> None:
        """Offers shown in negotiations on day ``t``; the accepted ones become agreements."""
        if rows.size == 0:
            return
        accepted = np.asarray(accepted, bool)
        self.offer_log.append((rows.astype(np.int32), t, c, owed.copy(), discount.copy(),
                               np.asarray(installments).astype(np.int16), down.copy(), first.copy(),
                               inst.copy(), accepted.copy()))
        a = rows[accepted]
        if a.size == 0:
            return
        ids = self.n_agreements + np.arange(a.size)
        self.n_agreements += a.size
        self.current[a] = ids
        amount = owed[accepted] * (1.0 - discount[accepted])
        self.agreement_log.append((a.astype(np.int32), t, discount[accepted].copy(),
                                   np.asarray(npay)[accepted].astype(np.int16), amount, first[accepted].copy(),
                                   inst[accepted].copy()))

    def agreement_end(self, t: int, rows: np.ndarray, status: str) -> None:
        """The current agreements of ``rows`` were kept (fully paid) or broken on day ``t``."""
        if rows.size:
            self.ends.append((self.current[rows].copy(), t, AGREEMENT_STATUSES.index(status)))

    def payments(self, t: int, rows: np.ndarray, amount: np.ndarray, status: np.ndarray) -> None:
        """Money collected on day ``t``; ``status`` is the engine's status of each row (0, 1, 2)."""
        if rows.size:
            self.payment_log.append((rows.astype(np.int32), t, np.asarray(amount, np.float64).copy(),
                                     np.asarray(status, np.int8).copy()))

    def reentries(self, t: int, rows: np.ndarray, balance: np.ndarray, dpd: int, prior: np.ndarray) -> None:
        """Several cycles: ``rows`` enter collections again on day ``t`` (a new ``accounts`` row each)."""
        if rows.size:
            self.reentry_log.append((rows.astype(np.int64), t, np.asarray(balance, np.float64).copy(), int(dpd),
                                     np.asarray(prior, np.int64).copy()))

    def events(self, t: int, rows: np.ndarray, kind: str) -> None:
        """Listings, agency hand-overs and write-offs of day ``t``."""
        if rows.size:
            self.event_log.append((rows.astype(np.int32), t, EVENT_KINDS.index(kind)))


# ---------------------------------------------------------------------- tables


def _cat(parts: list, i: int, dtype=None) -> np.ndarray:
    """Concatenate field ``i`` of every chunk (scalars are repeated to the chunk's length)."""
    if not parts:
        return np.zeros(0, dtype or np.float64)
    arrays = [p[i] if isinstance(p[i], np.ndarray) else np.full(p[0].size, p[i]) for p in parts]
    out = np.concatenate(arrays)
    return out.astype(dtype) if dtype is not None else out


def _dates(start: _dt.date, t: np.ndarray) -> pl.Series:
    days = np.datetime64(start, "D") + np.asarray(t, np.int64).astype("timedelta64[D]")
    return pl.Series(days).cast(pl.Date)


def _labels(codes: np.ndarray, names: tuple[str, ...]) -> pl.Series:
    return pl.Series(np.asarray(codes, np.int64)).replace_strict(dict(enumerate(names)), return_dtype=pl.String)


def history_tables(recorder: HistoryRecorder, model, portfolio: pl.DataFrame,
                   ids: pl.Series | None = None) -> dict[str, pl.DataFrame]:
    """The recorded replication as the tables of the history format.

    Parameters
    ----------
    recorder : HistoryRecorder
        After the engine ran with it.
    model : simulation.model.SimModel
        The model simulated (its calendar gives the dates).
    portfolio : polars.DataFrame
        The validated portfolio frame the model was built from (one row per engine row).
    ids : polars.Series, optional
        Its ``debtor_id`` already pseudonymised (:func:`scenarios.pseudonym.pseudonymise`), so
        that a caller writing ``debtors.parquet`` too pseudonymises once.

    Returns
    -------
    dict of polars.DataFrame
        ``accounts``, ``payments``, ``contacts``, ``offers``, ``agreements``, ``events``
        (see ``docs/history.md``), with pseudonymised ``debtor_id``.
    """
    if portfolio.height != recorder.n:
        raise ValueError(f"portfolio: {portfolio.height} rows, but the recorder saw {recorder.n} debtors")
    start = model.calendar.dates[0]
    ids = (pseudonymise(portfolio.get_column("debtor_id")) if ids is None else ids).rename("debtor_id")
    accounts = portfolio.with_columns(ids, pl.lit(start, pl.Date).alias("entry_date"))
    first = ["debtor_id", "entry_date", "balance", "days_past_due"]
    accounts = accounts.select(first + [c for c in accounts.columns if c not in first])
    for rows, t, balance, dpd, prior in recorder.reentry_log:  # several cycles: one row per re-entry
        again = accounts[rows].with_columns(pl.lit(_dates(start, np.array([t]))[0], pl.Date).alias("entry_date"),
                                            pl.Series("balance", balance), pl.lit(dpd, pl.Int64).alias("days_past_due"))
        if "prior_delinquencies" in again.columns:
            again = again.with_columns(pl.Series("prior_delinquencies", prior).cast(accounts.schema["prior_delinquencies"]))
        accounts = pl.concat([accounts, again.cast(accounts.schema)])

    def idcol(rows: np.ndarray) -> pl.Series:
        return ids.gather(rows).rename("debtor_id")

    rec = recorder
    rows = _cat(rec.payment_log, 0, np.int64)
    payments = pl.DataFrame([idcol(rows), _dates(start, _cat(rec.payment_log, 1, np.int64)).alias("date"),
                             pl.Series("amount", _cat(rec.payment_log, 2, np.float64)),
                             _labels(_cat(rec.payment_log, 3, np.int8), PAYMENT_KINDS).alias("kind")])
    rows = _cat(rec.contacts, 0, np.int64)
    minutes = _cat(rec.contacts, 6, np.float32)
    contacts = pl.DataFrame([idcol(rows), _dates(start, _cat(rec.contacts, 1, np.int64)).alias("date"),
                             _labels(_cat(rec.contacts, 2, np.int8), CHANNELS).alias("channel"),
                             pl.Series("reached", _cat(rec.contacts, 3, bool)),
                             pl.Series("engaged", _cat(rec.contacts, 4, bool)),
                             pl.Series("opted_out", _cat(rec.contacts, 5, bool)),
                             pl.Series("minutes", minutes.astype(np.float64)).fill_nan(None)])
    o = rec.offer_log
    offers = pl.DataFrame([idcol(_cat(o, 0, np.int64)), _dates(start, _cat(o, 1, np.int64)).alias("date"),
                           pl.Series("discount", _cat(o, 4, np.float64)),
                           pl.Series("installments", _cat(o, 5, np.int64)),
                           pl.Series("down_payment_share", _cat(o, 6, np.float64)),
                           pl.Series("accepted", _cat(o, 9, bool)),
                           _labels(_cat(o, 2, np.int8), CHANNELS).alias("channel"),
                           pl.Series("amount_owed", _cat(o, 3, np.float64)),
                           pl.Series("first_payment", _cat(o, 7, np.float64)),
                           pl.Series("installment_amount", _cat(o, 8, np.float64))])
    a = rec.agreement_log
    status = np.zeros(rec.n_agreements, np.int8)
    status_day = np.full(rec.n_agreements, -1, np.int64)
    for ag_ids, t, code in rec.ends:
        status[ag_ids] = code
        status_day[ag_ids] = t
    sd = _dates(start, np.maximum(status_day, 0))
    sd = pl.select(pl.when(pl.Series(status_day >= 0)).then(sd).otherwise(None)).to_series()
    agreements = pl.DataFrame([idcol(_cat(a, 0, np.int64)), _dates(start, _cat(a, 1, np.int64)).alias("date"),
                               pl.Series("discount", _cat(a, 2, np.float64)),
                               pl.Series("installments", _cat(a, 3, np.int64)),
                               _labels(status, AGREEMENT_STATUSES).alias("status"), sd.alias("status_date"),
                               pl.Series("amount", _cat(a, 4, np.float64)),
                               pl.Series("first_payment", _cat(a, 5, np.float64)),
                               pl.Series("installment_amount", _cat(a, 6, np.float64))])
    e = rec.event_log
    events = pl.DataFrame([idcol(_cat(e, 0, np.int64)), _dates(start, _cat(e, 1, np.int64)).alias("date"),
                           _labels(_cat(e, 2, np.int8), EVENT_KINDS).alias("kind")])
    return {"accounts": accounts, "payments": payments, "contacts": contacts, "offers": offers,
            "agreements": agreements, "events": events}


def simulate_history(model, plan, streams, portfolio: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Simulate one replication with a recorder and return its history tables.

    Parameters
    ----------
    model : simulation.model.SimModel
    plan : simulation.model.OfferPlan
    streams : simulation.draws.Streams
        The replication's streams; replication 0's reproduce the Monte Carlo's first run.
    portfolio : polars.DataFrame
        The validated portfolio frame the model was built from.
    """
    from simulation.engine import simulate_replication
    recorder = HistoryRecorder(model.n)
    simulate_replication(model, plan, streams, recorder=recorder)
    return history_tables(recorder, model, portfolio)


def write_history(directory: str | Path, tables: dict[str, pl.DataFrame]) -> list[Path]:
    """Write each table as ``<name>.parquet`` in ``directory`` (created); returns the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in HISTORY_TABLES:
        if name in tables:
            path = out / f"{name}.parquet"
            tables[name].write_parquet(path, compression="lz4", statistics=False)  # lz4: a third faster than zstd
            paths.append(path)
    return paths
