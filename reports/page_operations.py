"""Operations pages: weekly cash flow, agents and the call queue, compliance with the contact rules."""
from __future__ import annotations

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.layout import (PAGE_SIZE, _CONTENT_BOTTOM, _MARGIN_X, Column, _Page, _axes_in, _ci_text, _draw_table,
                            _layout, _page, _row_height, _signed, _sized)
from reports.rundata import RunData

__all__ = ["cashflow_page", "agents_page", "compliance_page"]


def _cashflow_page(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("cashflow_title", lang), data, lang, t("cashflow_note", lang))
    months, opt = F.monthly_cash(data)
    _months, base = F.monthly_cash(data, baseline=True)
    om, olo, ohi = F.band(opt)
    bm, blo, bhi = F.band(base)
    dm = om - bm
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    rows = []
    cum = 0.0
    for k, month in enumerate(months):
        cum += float(om[k])
        rows.append([i18n.month(month, lang), f"{m0(float(bm[k]))}   {_ci_text(float(blo[k]), float(bhi[k]), m0)}",
                     f"{m0(float(om[k]))}   {_ci_text(float(olo[k]), float(ohi[k]), m0)}",
                     _signed(float(dm[k]), m0), m0(cum)])
    rows.append([t("total", lang), m0(float(bm.sum())), m0(float(om.sum())), _signed(float(dm.sum()), m0),
                 m0(float(om.sum()))])
    table_w = W - 2 * _MARGIN_X
    cols = _sized([Column(t("col_month", lang), 1.0), Column(t("baseline", lang), 2.6, "right", False),
                   Column(t("optimized", lang), 2.6, "right", False), Column(t("difference", lang), 1.3, "right", False),
                   Column(f"{t('optimized', lang)}, {t('cumulative', lang)}", 1.7, "right", False)], table_w)
    size = 8.0 if len(rows) <= 9 else 7.0
    wrapped = _layout(cols, rows, table_w, size)
    table_h = _row_height([[c.header] for c in cols], size) + sum(_row_height(r, size) for r in wrapped)
    table_top = _CONTENT_BOTTOM + 0.05 + table_h
    _draw_table(page.fig, _MARGIN_X, table_top, table_w, cols, wrapped, size, bold_last=True)
    page.fig.text(_MARGIN_X / W, (table_top + 0.12) / H, t("monthly_table", lang), fontsize=10, fontweight="bold",
                  va="baseline")
    ax = _axes_in(page.fig, 1.25, table_top + 0.85, W - 1.25 - _MARGIN_X - 0.2, page.top - table_top - 0.95)
    F.fig_cashflow(data, lang, ax=ax)
    ax.set_title("")
    return page


def _agents_page(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("agents_title", lang), data, lang, t("agents_note", lang))
    ax = _axes_in(page.fig, 1.25, 1.3, W - 1.25 - _MARGIN_X - 0.8, page.top - 1.3 - 0.1)
    F.fig_agents(data, lang, ax=ax)
    ax.set_title("")
    metrics = data.summary["metrics"]
    bmetrics = data.baseline_summary["metrics"]
    used_o = data.metric("agent_minutes_used")[0] if "agent_minutes_used" in metrics else float("nan")
    used_b = data.metric("agent_minutes_used", True)[0] if "agent_minutes_used" in bmetrics else float("nan")
    avail = data.metric("agent_minutes_available")[0] if "agent_minutes_available" in metrics else float("nan")
    page.fig.text(_MARGIN_X / W, 0.62 / H, t("agents_summary", lang, opt=i18n.number(used_o, lang),
                                                base=i18n.number(used_b, lang), avail=i18n.number(avail, lang)),
                  fontsize=9, color=F.COLORS["text"], va="baseline")
    return page


def _compliance_page(data: RunData, lang: str) -> _Page:
    W, _H = PAGE_SIZE
    page = _page(t("compliance_title", lang), data, lang, t("compliance_note", lang))
    top = page.top - 0.65
    gap = 2.0
    half = (W - 2 * _MARGIN_X - 1.0 - gap) / 2
    ax1 = _axes_in(page.fig, _MARGIN_X + 1.0, 0.95, half, top - 0.95)
    F.fig_attempts(data, lang, ax=ax1)
    ax2 = _axes_in(page.fig, _MARGIN_X + 1.0 + half + gap, 0.95, half, top - 0.95)
    F.fig_compliance(data, lang, ax=ax2)
    return page


cashflow_page, agents_page, compliance_page = _cashflow_page, _agents_page, _compliance_page
