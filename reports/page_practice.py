"""Current practice, in words: the baseline's offers and cadences by segment, before any comparison.

The report compares the optimized policy with current practice (the scenario's baseline);
this page says first what that practice is. Segments that share the same offers and the
same cadence are grouped on one row.
"""
from __future__ import annotations

from reports import i18n
from reports.layout import Column, _Page, _table_pages
from reports.page_policy import _cadence, _offer_mix
from reports.rundata import RunData

__all__ = ["practice_pages", "practice_groups"]

_TEXT = {
    "title": {"en": "Current practice: what the optimized policy is compared with",
              "pt-BR": "Prática atual: com o que a política otimizada é comparada"},
    "same": {"en": "Today every segment is offered the same: {offers}. ",
             "pt-BR": "Hoje todos os segmentos recebem a mesma oferta: {offers}. "},
    "differ": {"en": "Today the offers differ by segment, as below. ",
               "pt-BR": "Hoje as ofertas variam por segmento, como abaixo. "},
    "note": {"en": "Current practice is the scenario's baseline: its offers (a share of a segment gets each one) and "
                   "contact cadences. Every difference in this report is the optimized policy minus this practice; "
                   "the cadences are the same under both.",
             "pt-BR": "A prática atual é a linha de base do cenário: suas ofertas (cada uma para uma parte do "
                      "segmento) e cadências de contato. Toda diferença neste relatório é a política otimizada menos "
                      "esta prática; as cadências são as mesmas nas duas."},
    "cols": {"en": ("Segments", "Debtors", "Offers today", "Cadence"),
             "pt-BR": ("Segmentos", "Devedores", "Ofertas hoje", "Cadência")},
}


def _key(offers: list[dict]) -> tuple:
    return tuple(sorted((float(o["discount"]), int(o["installments"]), round(float(o.get("share", 1.0)), 6),
                         float(o.get("down_payment_share", -1.0))) for o in offers))


def practice_groups(data: RunData) -> list[dict]:
    """Occupied segments grouped by (baseline offers, cadence): names, debtors, offers and cadence steps."""
    base = (data.baseline_policy or {}).get("policy") or {}
    default = base.get("offers", [])
    own = base.get("segments", {})
    detail = data.policy.get("segments", {})
    groups: dict[tuple, dict] = {}
    for name, n in zip(data.segments["segment"].to_list(), data.segments["debtors"].to_list()):
        offers = (own.get(name) or {}).get("offers") or default
        cadence = detail.get(name, {}).get("cadence", [])
        key = (_key(offers), tuple((int(s["day"]), s["channel"]) for s in cadence))
        g = groups.setdefault(key, {"segments": [], "debtors": 0, "offers": offers, "cadence": cadence})
        g["segments"].append(name)
        g["debtors"] += int(n)
    return list(groups.values())


def practice_pages(data: RunData, lang: str) -> list[_Page]:
    """The current-practice page(s); none when the run has no ``baseline_policy.json``."""
    if data.baseline_policy is None:
        return []
    groups = practice_groups(data)
    offers = {_key(g["offers"]) for g in groups}
    lead = _TEXT["same"][lang].format(offers=_offer_mix(groups[0]["offers"], lang).replace("\n", "; ")) \
        if len(offers) == 1 and groups else _TEXT["differ"][lang]
    rows = [[", ".join(g["segments"]), i18n.number(g["debtors"], lang), _offer_mix(g["offers"], lang),
             _cadence(g["cadence"], lang)] for g in groups]
    c = _TEXT["cols"][lang]
    columns = [Column(c[0], 3.4), Column(c[1], 1.0, "right"), Column(c[2], 2.6), Column(c[3], 3.4)]
    return _table_pages(data, lang, _TEXT["title"][lang], lead + _TEXT["note"][lang], columns, rows, 8.5)
