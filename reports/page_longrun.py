"""One cycle or the long run: each segment's chosen offers valued with and without the future.

Only for a run with several delinquency cycles (``cycles.enabled``): the pipeline then
solves the LP a second time as if the future were ignored (``acordo.longrun``) and writes
``longrun.parquet`` and ``longrun_offers.parquet``, which this page only reads. One row per
segment: the offers the optimizer chose (looking ahead) and those it would choose on the
first cycle's value alone, their mean discount, and both policies valued over one cycle and
over the whole relationship, per debtor; the last column is the long-run gain of looking
ahead, with its 95% interval, said to be not significant when the interval includes zero.
"""
from __future__ import annotations

import polars as pl

from reports import i18n
from reports.i18n import t
from reports.layout import Column, _Page, _table_pages
from reports.rundata import RunData

__all__ = ["longrun_pages", "longrun_rows"]

_Z95 = 1.959963984540054
_TOL = 1e-7


def _offers(data: RunData, segment: str, column: str, lang: str) -> str:
    """The offers one policy gives ``segment``, largest share first (``40%: 20% off, lump sum``)."""
    if data.longrun_offers is None:
        return "–"
    rows = data.longrun_offers.filter((pl.col("segment") == segment) & (pl.col(column) > _TOL)).sort(
        [column, "discount", "installments"], descending=[True, False, False])
    lines = []
    for r in rows.iter_rows(named=True):
        text = i18n.offer(float(r["discount"]), int(r["installments"]), lang)
        share = float(r[column])
        lines.append(text if share >= 0.9995 else f"{i18n.percent(share, lang, 0)}: {text}")
    return "\n".join(lines) if lines else t("none", lang)


def _pair(a: str, b: str) -> str:
    return f"{a} / {b}"


def longrun_rows(data: RunData, lang: str) -> list[list[str]]:
    """The page's table: one row of text per occupied segment (scenario order)."""
    money = lambda v: i18n.money(v, lang, 2)  # noqa: E731
    pct = lambda v: i18n.percent(v, lang, 1)  # noqa: E731
    num = lambda v: i18n.number(v, lang, 2)  # noqa: E731
    rows = []
    for r in data.longrun.iter_rows(named=True):
        ahead = _offers(data, r["segment"], "longrun_share", lang)
        ignored = _offers(data, r["segment"], "myopic_share", lang)
        gain, se = float(r["long_run_gain"]), float(r["long_run_gain_se"])
        if ahead == ignored and abs(r["longrun_discount"] - r["myopic_discount"]) < 1e-9:
            verdict = t("longrun_same_policy", lang)
        else:
            lo, hi = gain - _Z95 * se, gain + _Z95 * se
            verdict = f"{'+' if gain > 0 else ''}{money(gain)}\n[{money(lo)} – {money(hi)}]"
            if lo <= 0 <= hi:
                verdict += "\n" + t("not_significant", lang)
        name = r["segment"] + (f" ({t('chronic', lang)})" if r["chronic"] else "")
        rows.append([
            name, ahead, t("longrun_same_offers", lang) if ahead == ignored else ignored,
            _pair(pct(r["longrun_discount"]), pct(r["myopic_discount"])),
            f"{money(r['longrun_one_cycle'])}\n/ {money(r['myopic_one_cycle'])}",
            f"{money(r['longrun_long_run'])} ± {num(_Z95 * r['longrun_long_run_se'])}\n"
            f"/ {money(r['myopic_long_run'])} ± {num(_Z95 * r['myopic_long_run_se'])}",
            verdict,
        ])
    return rows


def longrun_pages(data: RunData, lang: str) -> list[_Page]:
    """The long-run page(s); none for a one-cycle run (no ``longrun.parquet``)."""
    if data.longrun is None or data.longrun.height == 0:
        return []
    lr = data.longrun
    n = lr["n_debtors"].to_numpy()
    total = {k: float((n * lr[k].to_numpy()).sum()) for k in ("longrun_long_run", "myopic_long_run",
                                                            "longrun_one_cycle", "myopic_one_cycle")}
    gain_se = float(((n * lr["long_run_gain_se"].to_numpy()) ** 2).sum() ** 0.5)
    gain = total["longrun_long_run"] - total["myopic_long_run"]
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    portfolio = t("longrun_portfolio", lang, ahead=m0(total["longrun_long_run"]), ignored=m0(total["myopic_long_run"]),
                  one_ahead=m0(total["longrun_one_cycle"]), one_ignored=m0(total["myopic_one_cycle"]),
                  gain=m0(gain), lo=m0(gain - _Z95 * gain_se), hi=m0(gain + _Z95 * gain_se))
    if gain - _Z95 * gain_se <= 0 <= gain + _Z95 * gain_se:
        portfolio += " " + t("longrun_portfolio_ns", lang)
    columns = [Column(t("col_segment", lang), 1.6), Column(t("longrun_col_ahead", lang), 1.9),
               Column(t("longrun_col_ignored", lang), 1.9), Column(t("longrun_col_discount", lang), 1.2, "right"),
               Column(t("longrun_col_one_cycle", lang), 1.4, "right"), Column(t("longrun_col_long_run", lang), 2.0, "right"),
               Column(t("longrun_col_gain", lang), 2.0, "right")]
    return _table_pages(data, lang, t("longrun_title", lang), t("longrun_note", lang) + " " + portfolio, columns,
                        longrun_rows(data, lang), 8.0, footnote=t("longrun_footnote", lang))
