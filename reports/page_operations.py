"""Operations pages: weekly cash flow, agents and the call queue, compliance with the contact rules."""
from __future__ import annotations

import numpy as np

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.intervals import interval
from reports.layout import (PAGE_SIZE, _CONTENT_BOTTOM, _MARGIN_X, Column, _Page, _axes_in, _ci_text, _draw_table,
                            _layout, _page, _row_height, _signed, _sized, _text_width)
from reports.rundata import RunData
from reports.segment_notes import with_one_replication_note

__all__ = ["cashflow_page", "agents_page", "compliance_page"]


def _cashflow_page(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("cashflow_title", lang), data, lang, with_one_replication_note(t("cashflow_note", lang), data, lang))
    months, opt = F.monthly_cash(data)
    _months, base = F.monthly_cash(data, baseline=True)
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    # every cell is a mean over replications with its 95% interval; the difference is paired by replication
    # (both policies were simulated on the same seeds), the cumulative column sums each replication's months
    paired = opt.shape == base.shape
    diff = opt - base if paired else None
    cum = np.cumsum(opt, axis=1)
    rows = []
    for k, month in enumerate(months):
        rows.append([i18n.month(month, lang), _cell(base[:, k], m0), _cell(opt[:, k], m0),
                     _cell(diff[:, k], m0, signed=True) if paired else _signed(float(opt[:, k].mean() - base[:, k].mean()), m0),
                     _cell(cum[:, k], m0)])
    rows.append([t("total", lang), _cell(base.sum(axis=1), m0), _cell(opt.sum(axis=1), m0),
                 _cell(diff.sum(axis=1), m0, signed=True) if paired else _signed(float(opt.sum(1).mean() - base.sum(1).mean()), m0),
                 _cell(opt.sum(axis=1), m0)])
    table_w = W - 2 * _MARGIN_X
    cols = _sized([Column(t("col_month", lang), 0.9), Column(t("baseline", lang), 2.45, "right", False),
                   Column(t("optimized", lang), 2.45, "right", False),
                   Column(t("difference", lang), 2.45, "right", False),
                   Column(f"{t('optimized', lang)}, {t('cumulative', lang)}", 2.45, "right", False)], table_w)
    size = 8.0 if len(rows) <= 9 else 7.0
    while size > 6.0 and any(_text_width(cell, size, bold=k == len(rows) - 1) > c.width_in - 0.14  # never wrapped:
                             for k, row in enumerate(rows) for cell, c in zip(row, cols) if not c.wrap):  # shrink
        size -= 0.25
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


def _cell(values: np.ndarray, fmt, signed: bool = False) -> str:
    """``mean   [lo – hi]`` over replications (Student-t); ``–`` for the interval of one replication.

    Cash collected cannot be negative: its interval is cut at zero; a (``signed``) difference's is not.
    """
    mean, lo, hi = interval(values, nonnegative=not signed)
    return f"{_signed(mean, fmt) if signed else fmt(mean)}   {_ci_text(lo, hi, fmt)}"


def _agents_page(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("agents_title", lang), data, lang, with_one_replication_note(t("agents_note", lang), data, lang))
    ax = _axes_in(page.fig, 1.25, 1.3, W - 1.25 - _MARGIN_X - 0.8, page.top - 1.3 - 0.1)
    F.fig_agents(data, lang, ax=ax)
    ax.set_title("")
    num = lambda v: i18n.number(v, lang)  # noqa: E731

    def used(baseline: bool) -> str:
        if "agent_minutes_used" not in (data.baseline_summary if baseline else data.summary)["metrics"]:
            return "–"
        mean, lo, hi = data.metric("agent_minutes_used", baseline)
        return f"{num(mean)} {_ci_text(lo, hi, num)}"

    avail = data.metric("agent_minutes_available")[0] if "agent_minutes_available" in data.summary["metrics"] \
        else float("nan")  # the pool's minutes: fixed by the scenario, no spread
    page.fig.text(_MARGIN_X / W, 0.62 / H, t("agents_summary", lang, opt=used(False), base=used(True),
                                                avail=num(avail)),
                  fontsize=9, color=F.COLORS["text"], va="baseline")
    return page


def _compliance_page(data: RunData, lang: str) -> _Page:
    W, _H = PAGE_SIZE
    page = _page(t("compliance_title", lang), data, lang,
                 with_one_replication_note(t("compliance_note", lang), data, lang))
    top = page.top - 0.65
    gap = 2.0
    half = (W - 2 * _MARGIN_X - 1.0 - gap) / 2
    ax1 = _axes_in(page.fig, _MARGIN_X + 1.0, 0.95, half, top - 0.95)
    F.fig_attempts(data, lang, ax=ax1)
    ax2 = _axes_in(page.fig, _MARGIN_X + 1.0 + half + gap, 0.95, half, top - 0.95)
    F.fig_compliance(data, lang, ax=ax2)
    return page


cashflow_page, agents_page, compliance_page = _cashflow_page, _agents_page, _compliance_page
