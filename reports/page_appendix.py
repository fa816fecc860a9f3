"""The closing pages: sensitivity of the net recovery, and the assumptions appendix."""
from __future__ import annotations

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.layout import PAGE_SIZE, _MARGIN_X, Column, _Page, _axes_in, _page, _table_pages
from reports.rundata import RunData

__all__ = ["sensitivity_page", "assumption_pages"]


def _sensitivity_page(data: RunData, lang: str) -> _Page:
    ref = None
    if data.sensitivity is not None and data.sensitivity.height and "reference" in data.sensitivity.columns:
        ref = float(data.sensitivity.get_column("reference")[0])
    note = t("sensitivity_note", lang, ref=i18n.money(ref, lang, 0) if ref is not None else "–")
    W, _H = PAGE_SIZE
    page = _page(t("sensitivity_title", lang), data, lang, note)
    ax = _axes_in(page.fig, 3.0, 0.95, W - 3.0 - _MARGIN_X - 0.3, page.top - 0.95 - 0.1)
    F.fig_sensitivity(data, lang, ax=ax)
    ax.set_title("")
    return page


def _assumption_pages(data: RunData, lang: str) -> list[_Page]:
    table = data.assumptions
    assert table is not None
    has_meaning = "meaning" in table.columns
    rows = []
    for r in table.iter_rows(named=True):
        key = str(r["key"])
        row = [key.replace(".", ".\u200b") if len(key) > 38 else key, str(r["value"]),
               i18n.unit(str(r["unit"] or ""), lang), str(r["source"] or "")]
        if has_meaning:
            row.append(str(r["meaning"] or ""))
        rows.append(row)
    columns = [Column(t("col_key", lang), 2.45), Column(t("col_value_short", lang), 1.75),
               Column(t("col_unit", lang), 1.15), Column(t("col_source", lang), 2.55)]
    if has_meaning:
        columns.append(Column(t("col_meaning_short", lang), 2.7))
    return _table_pages(data, lang, t("assumptions_title", lang), t("assumptions_note", lang), columns, rows, 7.2)


sensitivity_page, assumption_pages = _sensitivity_page, _assumption_pages
