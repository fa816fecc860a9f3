"""``evaluation.pdf``: the champion/challenger test's measured differences against the prediction.

Two pages, A4 landscape: (1) per segment and for the whole portfolio, the measured
difference in net recovery per debtor (challenger minus champion) with its two-sample 95%
interval and the run's prediction with its interval, as a chart; (2) the table of every
metric (net recovery, collected, give-away, agreements kept) by segment and arm. No ids.
The bytes are deterministic (no creation date unless ``SOURCE_DATE_EPOCH`` is set).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from reports import i18n
from reports.i18n import t

__all__ = ["fig_test_differences", "too_few_note", "write_evaluation_pdf"]

_COLUMNS = ("eval_col_segment", "eval_col_metric", "eval_col_challenger", "eval_col_champion", "eval_col_diff",
            "eval_col_predicted", "eval_col_agrees")


def fig_test_differences(table: pl.DataFrame, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Measured and predicted differences in net recovery per debtor, by segment, with 95% intervals."""
    i18n.check_lang(lang)
    if ax is None:
        ax = Figure(figsize=(9, 5)).add_subplot()
    rows = table.filter(pl.col("metric") == "net_recovery").to_dicts()
    y = np.arange(len(rows))[::-1].astype(float)
    for yi, r in zip(y, rows):
        if _finite(r["ci95_low"]) and _finite(r["diff"]):
            ax.errorbar([r["diff"]], [yi + 0.12], xerr=[[r["diff"] - r["ci95_low"]], [r["ci95_high"] - r["diff"]]],
                        fmt="o", color="#1f5fa8", capsize=3, ms=5)
        if _finite(r["predicted"]):
            ax.errorbar([r["predicted"]], [yi - 0.12], xerr=[[r["predicted"] - r["predicted_low"]],
                                                             [r["predicted_high"] - r["predicted"]]],
                        fmt="D", color="#d35f00", capsize=3, ms=4)
    ax.plot([], [], "o", color="#1f5fa8", label=t("eval_measured", lang))
    ax.plot([], [], "D", color="#d35f00", label=t("eval_predicted", lang))
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([t("eval_all", lang) if r["segment"] == "ALL" else r["segment"] for r in rows], fontsize=8)
    ax.set_xlabel(r"R\$")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(t("eval_chart", lang), fontsize=10, loc="left")
    return ax


def too_few_note(table: pl.DataFrame, lang: str = "en", min_arm: int = 2) -> str:
    """Why some segments have no measured interval of net recovery (an arm under ``min_arm`` debtors), or ``""``."""
    rows = table.filter(pl.col("metric") == "net_recovery").iter_rows(named=True)
    segments = [r["segment"] for r in rows
                if not (_finite(r["diff"]) and _finite(r["ci95_low"]) and _finite(r["ci95_high"]))]
    return t("eval_too_few", lang, segments=", ".join(segments), n=min_arm) if segments else ""


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _fmt(v: float | None, lang: str, metric: str) -> str:
    if not _finite(v):
        return "–"
    text = i18n.percent(v, lang, 1) if metric == "kept" else i18n.money(v, lang, 2)
    return text.replace("$", r"\$")  # no mathtext between two amounts


def write_evaluation_pdf(result, path: Path, lang: str = "en") -> Path:
    """Write ``evaluation.pdf`` for an :class:`acordo.evaluate.Evaluation`."""
    i18n.check_lang(lang)
    import os
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    meta = {"Title": t("eval_title", lang), "Creator": "acordo", "CreationDate": None}
    if epoch.isdigit():
        import datetime as _dt
        meta["CreationDate"] = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    with PdfPages(path, metadata=meta) as pdf:
        fig = Figure(figsize=(11.69, 8.27))
        fig.text(0.05, 0.94, t("eval_title", lang), fontsize=16, fontweight="bold")
        fig.text(0.05, 0.905, t("eval_period", lang, start=result.start, end=result.end), fontsize=9,
                 color="#555555")
        ax = fig.add_axes((0.2, 0.1, 0.75, 0.75))
        fig_test_differences(result.table, lang, ax=ax)
        note = too_few_note(result.table, lang, getattr(result, "min_arm", 2))
        if note:
            fig.text(0.05, 0.03, note, fontsize=8, color="#555555")
        pdf.savefig(fig)
        fig = Figure(figsize=(11.69, 8.27))
        fig.text(0.05, 0.94, t("eval_table", lang), fontsize=16, fontweight="bold")
        cells = []
        for r in result.table.iter_rows(named=True):
            m = r["metric"]
            pred = "–" if r["predicted"] is None else \
                f"{_fmt(r['predicted'], lang, m)} [{_fmt(r['predicted_low'], lang, m)}; {_fmt(r['predicted_high'], lang, m)}]"
            measured = "–"
            if _finite(r["diff"]) and _finite(r["ci95_low"]) and _finite(r["ci95_high"]):
                measured = f"{_fmt(r['diff'], lang, m)} [{_fmt(r['ci95_low'], lang, m)}; {_fmt(r['ci95_high'], lang, m)}]"
            cells.append([t("eval_all", lang) if r["segment"] == "ALL" else r["segment"], t(f"eval_metric_{m}", lang),
                          f"{_fmt(r['challenger'], lang, m)} ({r['n_challenger']})",
                          f"{_fmt(r['champion'], lang, m)} ({r['n_champion']})", measured,
                          pred, {True: "✓", False: "✗", None: ""}[r["agrees"]]])
        per_page = 44
        for start in range(0, max(len(cells), 1), per_page):
            if start:
                pdf.savefig(fig)
                fig = Figure(figsize=(11.69, 8.27))
            ax = fig.add_axes((0.03, 0.04, 0.94, 0.86))
            ax.set_axis_off()
            chunk = cells[start:start + per_page] or [[""] * 7]
            tab = ax.table(cellText=chunk, colLabels=[t(c, lang) for c in _COLUMNS], loc="upper center", cellLoc="left",
                           colWidths=[0.17, 0.13, 0.14, 0.14, 0.2, 0.17, 0.05])
            tab.auto_set_font_size(False)
            tab.set_fontsize(6.5)
            tab.scale(1, 0.95)
        if note:
            fig.text(0.03, 0.02, note, fontsize=7, color="#555555")
        pdf.savefig(fig)
    return path
