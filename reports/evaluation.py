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

__all__ = ["fig_test_differences", "write_evaluation_pdf"]

_TEXT = {
    "title": {"en": "Champion/challenger test: what it gave", "pt-BR": "Teste campeão/desafiante: o resultado"},
    "chart": {"en": "Net recovery per debtor, challenger minus champion (95% intervals)",
              "pt-BR": "Recuperação líquida por devedor, desafiante menos campeão (intervalos de 95%)"},
    "measured": {"en": "measured in the test", "pt-BR": "medido no teste"},
    "predicted": {"en": "predicted by the run", "pt-BR": "previsto pela execução"},
    "all": {"en": "whole portfolio", "pt-BR": "carteira inteira"},
    "table": {"en": "Every metric, per debtor", "pt-BR": "Todas as métricas, por devedor"},
    "cols": {"en": ("segment", "metric", "challenger (n)", "champion (n)", "difference [95% CI]",
                    "predicted [95% CI]", "agrees"),
             "pt-BR": ("segmento", "métrica", "desafiante (n)", "campeão (n)", "diferença [IC 95%]",
                       "previsto [IC 95%]", "confere")},
    "metrics": {"en": {"net_recovery": "net recovery", "collected": "collected", "give_away": "give-away",
                       "kept": "agreement kept"},
                "pt-BR": {"net_recovery": "recuperação líquida", "collected": "recebido", "give_away": "descontos",
                          "kept": "acordo cumprido"}},
    "period": {"en": "Test period {start} to {end}. Two-sample (Welch) intervals; the whole portfolio is the "
                     "debtor-weighted sum of the segments.",
               "pt-BR": "Período do teste de {start} a {end}. Intervalos de duas amostras (Welch); a carteira "
                        "inteira é a soma ponderada pelos devedores dos segmentos."},
}


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
    ax.plot([], [], "o", color="#1f5fa8", label=_TEXT["measured"][lang])
    ax.plot([], [], "D", color="#d35f00", label=_TEXT["predicted"][lang])
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([_TEXT["all"][lang] if r["segment"] == "ALL" else r["segment"] for r in rows], fontsize=8)
    ax.set_xlabel(r"R\$")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(_TEXT["chart"][lang], fontsize=10, loc="left")
    return ax


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
    meta = {"Title": _TEXT["title"][lang], "Creator": "acordo", "CreationDate": None}
    if epoch.isdigit():
        import datetime as _dt
        meta["CreationDate"] = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    with PdfPages(path, metadata=meta) as pdf:
        fig = Figure(figsize=(11.69, 8.27))
        fig.text(0.05, 0.94, _TEXT["title"][lang], fontsize=16, fontweight="bold")
        fig.text(0.05, 0.905, _TEXT["period"][lang].format(start=result.start, end=result.end), fontsize=9,
                 color="#555555")
        ax = fig.add_axes((0.2, 0.1, 0.75, 0.75))
        fig_test_differences(result.table, lang, ax=ax)
        pdf.savefig(fig)
        fig = Figure(figsize=(11.69, 8.27))
        fig.text(0.05, 0.94, _TEXT["table"][lang], fontsize=16, fontweight="bold")
        names = _TEXT["metrics"][lang]
        cells = []
        for r in result.table.iter_rows(named=True):
            m = r["metric"]
            pred = "–" if r["predicted"] is None else \
                f"{_fmt(r['predicted'], lang, m)} [{_fmt(r['predicted_low'], lang, m)}; {_fmt(r['predicted_high'], lang, m)}]"
            cells.append([_TEXT["all"][lang] if r["segment"] == "ALL" else r["segment"], names[m],
                          f"{_fmt(r['challenger'], lang, m)} ({r['n_challenger']})",
                          f"{_fmt(r['champion'], lang, m)} ({r['n_champion']})",
                          f"{_fmt(r['diff'], lang, m)} [{_fmt(r['ci95_low'], lang, m)}; {_fmt(r['ci95_high'], lang, m)}]",
                          pred, {True: "✓", False: "✗", None: ""}[r["agrees"]]])
        per_page = 44
        for start in range(0, max(len(cells), 1), per_page):
            if start:
                pdf.savefig(fig)
                fig = Figure(figsize=(11.69, 8.27))
            ax = fig.add_axes((0.03, 0.04, 0.94, 0.86))
            ax.set_axis_off()
            chunk = cells[start:start + per_page] or [[""] * 7]
            tab = ax.table(cellText=chunk, colLabels=list(_TEXT["cols"][lang]), loc="upper center", cellLoc="left",
                           colWidths=[0.17, 0.13, 0.14, 0.14, 0.2, 0.17, 0.05])
            tab.auto_set_font_size(False)
            tab.set_fontsize(6.5)
            tab.scale(1, 0.95)
        pdf.savefig(fig)
    return path
