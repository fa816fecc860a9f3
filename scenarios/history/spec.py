"""The history format as data: tables, their columns, kinds and vocabularies (``docs/history.md``)."""
from __future__ import annotations

from dataclasses import dataclass

from scenarios.schema import CHANNELS, UF_CODES

__all__ = ["Column", "TABLES", "REQUIRED_TABLES", "SPEC", "PAYMENT_KINDS", "EVENT_KINDS", "AGREEMENT_STATUSES",
           "CHANNELS", "UF_CODES", "ALIASES", "OFFER_MATCH_DAYS"]

#: Every table, in the order of the contract.
TABLES: tuple[str, ...] = ("accounts", "payments", "contacts", "offers", "agreements", "events")
#: Tables a history must have.
REQUIRED_TABLES: tuple[str, ...] = ("accounts", "payments")
#: ``payments.kind`` (``partial`` is only inferred: money outside an agreement that does not clear the balance).
PAYMENT_KINDS: tuple[str, ...] = ("self_cure", "agreement", "agency", "partial")
#: ``events.kind``.
EVENT_KINDS: tuple[str, ...] = ("negativacao", "agency", "write_off")
#: ``agreements.status``.
AGREEMENT_STATUSES: tuple[str, ...] = ("kept", "broken", "active")
#: An accepted offer is matched by an agreement of the same debtor dated from the offer's day to this many days after.
OFFER_MATCH_DAYS = 7
#: Spellings accepted for vocabulary values (compared lower-cased, stripped), mapped to the canonical value.
ALIASES: dict[str, str] = {
    "negativação": "negativacao", "negativado": "negativacao", "listing": "negativacao",
    "write-off": "write_off", "writeoff": "write_off", "written_off": "write_off",
    "self-cure": "self_cure", "selfcure": "self_cure", "e-mail": "email", "phone": "call",
    "ligacao": "call", "ligação": "call", "carta": "letter", "acordo": "agreement", "assessoria": "agency",
}


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name : str
    kind : str
        ``id``, ``date``, ``number``, ``integer``, ``boolean``, ``choice``, ``text``.
    required : bool
        The column must be in the file (its cells must then be filled, unless ``nullable``).
    nullable : bool
        Empty cells are allowed (a missing value).
    low, high : float or None
        Inclusive bounds of numbers (``low_open``: the lower bound excluded).
    choices : tuple of str
        The allowed values of a ``choice`` column.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()

    @property
    def reader_kind(self) -> str:
        """The kind declared to :func:`scenarios.tables.read_table`."""
        return {"id": "text", "choice": "text", "text": "text"}.get(self.kind, self.kind)

    def expected(self) -> str:
        """What a good value looks like, for messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "date":
            return "a date YYYY-MM-DD (or YYYY-MM for a month)"
        if self.kind == "boolean":
            return "true/false, 1/0, yes/no or sim/não"
        if self.kind in ("number", "integer"):
            word = "a whole number" if self.kind == "integer" else "a number"
            if self.low is not None and self.high is not None:
                return f"{word} from {self.low:g} to {self.high:g}"
            if self.low is not None:
                return f"{word} {'>' if self.low_open else '>='} {self.low:g}"
            return word
        return "a value"


def _id() -> Column:
    return Column("debtor_id", "id")


def _date(name: str = "date", required: bool = True, nullable: bool = False) -> Column:
    return Column(name, "date", required, nullable)


#: The columns of every table (optional columns have ``required=False``; other columns are kept as read).
SPEC: dict[str, tuple[Column, ...]] = {
    "accounts": (
        _id(), _date("entry_date"), Column("balance", "number", low=0.0, low_open=True),
        Column("days_past_due", "integer", low=0),
        Column("state", "choice", False, True, choices=UF_CODES),
        Column("score", "number", False, True, low=0, high=1000),
        Column("prior_delinquencies", "integer", False, True, low=0),
        Column("has_phone", "boolean", False, True), Column("has_email", "boolean", False, True),
        Column("has_whatsapp", "boolean", False, True),
    ),
    "payments": (
        _id(), _date(), Column("amount", "number", low=0.0),
        Column("kind", "choice", False, True, choices=PAYMENT_KINDS),
    ),
    "contacts": (
        _id(), _date(), Column("channel", "choice", choices=CHANNELS), Column("reached", "boolean"),
        Column("engaged", "boolean"), Column("opted_out", "boolean", False, True),
        Column("minutes", "number", False, True, low=0.0),
    ),
    "offers": (
        _id(), _date(), Column("discount", "number", low=0.0, high=1.0), Column("installments", "integer", low=1),
        Column("down_payment_share", "number", low=0.0, high=1.0), Column("accepted", "boolean"),
        Column("channel", "choice", False, True, choices=CHANNELS),
        Column("amount_owed", "number", False, True, low=0.0),
        Column("first_payment", "number", False, True, low=0.0),
        Column("installment_amount", "number", False, True, low=0.0),
    ),
    "agreements": (
        _id(), _date(), Column("discount", "number", low=0.0, high=1.0), Column("installments", "integer", low=1),
        Column("status", "choice", choices=AGREEMENT_STATUSES), _date("status_date", False, True),
        Column("amount", "number", False, True, low=0.0),
        Column("first_payment", "number", False, True, low=0.0),
        Column("installment_amount", "number", False, True, low=0.0),
    ),
    "events": (_id(), _date(), Column("kind", "choice", choices=EVENT_KINDS)),
}
