"""What the report says, once, about segments nobody is in; and, on every page with intervals,
that one replication gives none.

Empty segments get no row, offer or chart anywhere in the report; they are named here,
once, on the policy page, together with any chronic-vs-peer constraint that was dropped
because every peer segment is empty.
"""
from __future__ import annotations

from reports.i18n import t
from reports.rundata import RunData

__all__ = ["empty_segment_note", "one_replication_note", "with_one_replication_note"]

_TEXT = {
    "empty": {"en": "Empty segments (no debtors in this portfolio; left out of the LP and of this report): {names}.",
              "pt-BR": "Segmentos vazios (sem devedores nesta carteira; fora da PL e deste relatório): {names}."},
    "dropped": {"en": "Constraint dropped: {segment} is not compared with its non-chronic peers ({peers}), "
                      "because they have no debtors.",
                "pt-BR": "Restrição retirada: {segment} não é comparado com seus pares não crônicos ({peers}), "
                         "porque eles não têm devedores."},
}


def empty_segment_note(data: RunData, lang: str) -> str:
    """The sentences about empty segments and dropped peer constraints ('' when there are none)."""
    parts = []
    if data.empty_segments:
        parts.append(_TEXT["empty"][lang].format(names=", ".join(data.empty_segments)))
    for d in data.dropped_peer_constraints:
        parts.append(_TEXT["dropped"][lang].format(segment=d["segment"], peers=", ".join(d["peers"])))
    return " ".join(parts)


def one_replication_note(data: RunData, lang: str) -> str:
    """With one replication: no spread, so no interval ("–") where one would be; '' otherwise."""
    return t("one_replication_note", lang) if data.replications < 2 else ""


def with_one_replication_note(note: str, data: RunData, lang: str) -> str:
    """``note`` followed by :func:`one_replication_note` when the run has one replication."""
    extra = one_replication_note(data, lang)
    return f"{note} {extra}" if extra else note
