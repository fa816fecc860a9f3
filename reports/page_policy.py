"""The policy pages: offers and cadence per segment, collection curves, the recovery frontier."""
from __future__ import annotations

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.layout import (PAGE_SIZE, _CONTENT_BOTTOM, _MARGIN_X, Column, _Page, _axes_in, _page, _table_pages,
                            _wrap)
from reports.rundata import RunData
from reports.segment_notes import empty_segment_note

__all__ = ["policy_pages", "curves_page", "frontier_page"]


def _offer_mix(offers: list[dict], lang: str) -> str:
    lines = []
    for o in sorted(offers, key=lambda o: (-float(o.get("share", 0)), float(o["discount"]), int(o["installments"]))):
        text = i18n.offer(float(o["discount"]), int(o["installments"]), lang)
        share = float(o.get("share", 1.0))
        lines.append(text if share >= 0.9995 else f"{i18n.percent(share, lang, 0)}: {text}")
    return "\n".join(lines) if lines else t("none", lang)


def _cadence(steps: list[dict], lang: str) -> str:
    if not steps:
        return t("cadence_empty", lang)
    days = [int(s["day"]) for s in steps]
    counts: dict[str, int] = {}
    for s in steps:
        counts[s["channel"]] = counts.get(s["channel"], 0) + 1
    known = list(i18n.CHANNEL_NAMES)
    order = sorted(counts, key=lambda c: (-counts[c], known.index(c) if c in known else len(known), c))
    first = t("cadence_summary", lang, n=len(steps), first=min(days), last=max(days))
    return first + "\n" + ", ".join(f"{i18n.channel(c, lang)} {counts[c]}" for c in order)


def _segment_npv(data: RunData, baseline: bool) -> dict[str, float]:
    cube = F.cube(data.baseline_daily if baseline else data.daily, "npv", data.segment_names)
    mean = cube.sum(axis=1).mean(axis=0)
    return dict(zip(data.segment_names, (float(v) for v in mean)))


def _pair(a: float, b: float, lang: str) -> str:
    """``R$ 4.64M`` over ``→ R$ 4.70M``: two amounts on one scale with three significant digits."""
    scale = i18n.compact_scale(max(abs(a), abs(b)))
    digits = len(str(int(max(abs(a), abs(b)) / scale)))
    decimals = max(0, 3 - digits) if scale > 1 else 0
    return (f"{i18n.money_compact(a, lang, scale=scale, decimals=decimals)}\n→ "
            f"{i18n.money_compact(b, lang, scale=scale, decimals=decimals)}")


def _policy_pages(data: RunData, lang: str) -> list[_Page]:
    detail = data.policy.get("segments", {})
    policy = data.policy.get("policy") or {}
    offers = policy.get("segments", {})
    default = policy.get("offers", [])
    base_npv = _segment_npv(data, True)
    opt_npv = _segment_npv(data, False)
    seg = data.segments
    desc = seg.get_column("description").to_list() if "description" in seg.columns else [""] * seg.height
    rows, shade = [], []
    tot = {"debtors": 0, "balance": 0.0, "npv": 0.0, "give": 0.0, "base": 0.0, "opt": 0.0}
    m2 = lambda v: i18n.money(v, lang, 2)  # noqa: E731
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    for name, debtors, balance, chronic, description in zip(seg.get_column("segment").to_list(),
                                                            seg.get_column("debtors").to_list(),
                                                            seg.get_column("balance").to_list(),
                                                            seg.get_column("chronic").to_list(), desc):
        d = detail.get(name, {})
        n = int(d.get("debtors", debtors) or 0)
        npv = d.get("expected_npv_per_debtor")
        give = d.get("expected_give_per_debtor")
        limit = d.get("discount_limit")
        margin = d.get("marginal_net_per_give")
        limit_text = i18n.percent(float(limit), lang, 0) if limit is not None else "–"
        interval = d.get("discount_limit_interval") or [None, None]
        if limit is not None and interval[0] is not None and interval[1] is not None:
            limit_text += f"\n[{i18n.percent(float(interval[0]), lang, 0)}–{i18n.percent(float(interval[1]), lang, 0)}]"
        if d.get("chosen_offer_win_share") is not None:
            limit_text += "\n" + t("win_share", lang, p=i18n.percent(float(d["chosen_offer_win_share"]), lang, 0))
        if margin is not None:
            limit_text += f"\n{m2(float(margin))}"
        rows.append([
            name + ("\n" + description if description else ""),
            t("chronic", lang) if chronic else "",
            f"{i18n.number(n, lang)}\n{m0(float(balance))}",
            _offer_mix((offers.get(name) or {}).get("offers", default), lang),
            _cadence(d.get("cadence", []), lang),
            limit_text,
            f"{m0(npv * n)}\n{m2(npv)}" if npv is not None else "–",
            f"{m0(give * n)}\n{m2(give)}" if give is not None else "–",
            _pair(base_npv[name], opt_npv[name], lang),
        ])
        shade.append(bool(chronic))
        tot["debtors"] += n
        tot["balance"] += float(balance)
        tot["npv"] += (npv or 0.0) * n
        tot["give"] += (give or 0.0) * n
        tot["base"] += base_npv[name]
        tot["opt"] += opt_npv[name]
    rows.append([t("total", lang), "", f"{i18n.number(tot['debtors'], lang)}\n{m0(tot['balance'])}", "", "", "",
                 m0(tot["npv"]), m0(tot["give"]), _pair(tot["base"], tot["opt"], lang)])
    shade.append(False)
    columns = [Column(t("col_segment", lang), 2.05), Column(t("chronic", lang).capitalize(), 0.65, "center"),
               Column(t("col_debtors_balance", lang), 0.85, "right", False), Column(t("col_offer_mix", lang), 1.2),
               Column(t("col_cadence", lang), 2.05), Column(t("col_discount_limit", lang), 0.75, "right"),
               Column(t("col_expected_recovery", lang), 0.95, "right"),
               Column(t("col_expected_give", lang), 0.9, "right"),
               Column(t("col_simulated", lang), 1.15, "right")]
    note = " ".join(x for x in (t("policy_note", lang), empty_segment_note(data, lang)) if x)
    return _table_pages(data, lang, t("policy_title", lang), note, columns, rows, 7.5,
                        shade=shade, bold_last=True)


def _curves_page(data: RunData, lang: str) -> _Page:
    page = _page(t("curves_title", lang), data, lang, t("curves_note", lang))
    W, _H = PAGE_SIZE
    ax = _axes_in(page.fig, _MARGIN_X - 0.1, _CONTENT_BOTTOM + 0.05, W - 2 * _MARGIN_X + 0.1,
                  page.top - _CONTENT_BOTTOM - 0.05)
    F.fig_collection_curves(data, lang, ax=ax)
    return page


def _frontier_page(data: RunData, lang: str) -> _Page:
    W, _H = PAGE_SIZE
    page = _page(t("frontier_title", lang), data, lang, t("frontier_note", lang))
    top = page.top - 0.45
    ax = _axes_in(page.fig, 1.3, 0.95, 5.9, top - 0.95)
    F.fig_frontier(data, lang, ax=ax)
    ax.set_title("")
    ax2 = _axes_in(page.fig, 8.2, 0.95, W - 8.2 - _MARGIN_X - 0.1, top - 0.95)
    F.fig_frontier_marginal(data, lang, ax=ax2)
    ax2.set_title(_wrap(t("marginal_title", lang), 10, W - 7.5 - _MARGIN_X), loc="left", x=-0.3, fontsize=10)
    return page


policy_pages, curves_page, frontier_page = _policy_pages, _curves_page, _frontier_page
