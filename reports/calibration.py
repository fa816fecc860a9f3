"""The calibration report: ``calibration.pdf`` and ``figures/*.png``, in English or pt-BR.

Only reads a :class:`calibration.calibrate.CalibrationResult` (and the backtest). Figures,
each ``fig_x(result, lang, ax=None) -> Axes``: self-cure survival per segment (observed
Kaplan–Meier against the fitted hazard), acceptance by discount bin with the fitted curve
and its band, reach and engagement by channel, on-time payment by installment number,
and the backtest's weekly collections. Then the table of every parameter.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from calibration.estimates import PORTFOLIO
from reports import i18n
from reports.figures import COLORS, FIGSIZE, style

__all__ = ["LABELS", "fig_selfcure", "fig_acceptance", "fig_channels", "fig_keeping", "fig_backtest",
           "write_calibration_report", "CALIBRATION_FIGURES"]

#: The calibration report's words (the policy report's are in :mod:`reports.i18n`).
LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Calibration from the team's history", "pt-BR": "Calibração pelo histórico da equipe"},
    "selfcure": {"en": "Self-cure: share not yet paid, observed (Kaplan–Meier) and fitted",
                 "pt-BR": "Autocura: fração ainda não paga, observada (Kaplan–Meier) e ajustada"},
    "days": {"en": "days since entry", "pt-BR": "dias desde a entrada"},
    "observed": {"en": "observed", "pt-BR": "observado"},
    "fitted": {"en": "fitted", "pt-BR": "ajustado"},
    "predicted": {"en": "predicted (simulated mean)", "pt-BR": "previsto (média simulada)"},
    "band": {"en": "95% band", "pt-BR": "faixa de 95%"},
    "acceptance": {"en": "Acceptance by discount: observed and fitted (affordability x logistic curve)",
                   "pt-BR": "Aceitação por desconto: observada e ajustada (capacidade x curva logística)"},
    "discount": {"en": "discount", "pt-BR": "desconto"},
    "accepted": {"en": "offers accepted", "pt-BR": "ofertas aceitas"},
    "channels": {"en": "Reach and engagement by channel (portfolio, 95% intervals; dots: segments)",
                 "pt-BR": "Contato e engajamento por canal (carteira, intervalos de 95%; pontos: segmentos)"},
    "reach": {"en": "reach", "pt-BR": "contato"},
    "engage": {"en": "engagement", "pt-BR": "engajamento"},
    "keeping": {"en": "Installments paid on their due date, by installment number",
                "pt-BR": "Parcelas pagas no vencimento, por número da parcela"},
    "installment": {"en": "installment", "pt-BR": "parcela"},
    "backtest": {"en": "Backtest: weekly collections of the held-out accounts, observed and predicted",
                 "pt-BR": "Backtest: recebimentos semanais das contas reservadas, observados e previstos"},
    "inside": {"en": "{share} of the weeks inside the simulated 95% band",
               "pt-BR": "{share} das semanas dentro da faixa simulada de 95%"},
    "parameters": {"en": "Every parameter: estimate, 95% interval, n, status",
                   "pt-BR": "Todos os parâmetros: estimativa, intervalo de 95%, n, situação"},
    "segment": {"en": "segment", "pt-BR": "segmento"},
    "parameter": {"en": "parameter", "pt-BR": "parâmetro"},
    "estimate": {"en": "estimate", "pt-BR": "estimativa"},
    "interval": {"en": "95% interval", "pt-BR": "intervalo de 95%"},
    "scenario": {"en": "scenario", "pt-BR": "cenário"},
    "status": {"en": "status", "pt-BR": "situação"},
    "identified": {"en": "identified", "pt-BR": "identificado"},
    "weakly identified": {"en": "weakly identified", "pt-BR": "fracamente identificado"},
    "not identified": {"en": "not identified", "pt-BR": "não identificado"},
    "none": {"en": "nothing to draw: the history does not inform this", "pt-BR": "nada a mostrar: o histórico não informa isto"},
    "summary": {"en": "{n} accounts, {first} to {asof}; {ident} parameters identified, {weak} weakly, {not_} not "
                      "identified (the scenario's value is kept). Small segments borrow strength from the others "
                      "(empirical-Bayes partial pooling, stated in each method).",
                "pt-BR": "{n} contas, de {first} a {asof}; {ident} parâmetros identificados, {weak} fracamente, "
                         "{not_} não identificados (mantém-se o valor do cenário). Segmentos pequenos tomam força dos "
                         "demais (agregação parcial por Bayes empírico, indicada em cada método)."},
}


def _t(key: str, lang: str, **fields) -> str:
    text = LABELS[key][i18n.check_lang(lang)]
    return text.format(**fields) if fields else text


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=FIGSIZE, layout="constrained").add_subplot()


def _grid(ax: Axes, n: int) -> list[Axes]:
    ax.set_axis_off()
    cols = min(4, max(1, n))
    rows = max(1, math.ceil(n / cols))
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        w, h = 1.0 / cols, 1.0 / rows
        out.append(ax.inset_axes([c * w + 0.06 * w, 1 - (r + 1) * h + 0.16 * h, 0.86 * w, 0.70 * h]))
    return out


def _empty(ax: Axes, lang: str) -> Axes:
    ax.text(0.5, 0.5, _t("none", lang), ha="center", va="center", transform=ax.transAxes, color=COLORS["muted"])
    ax.set_axis_off()
    return ax


def fig_selfcure(result, lang: str, ax: Axes | None = None) -> Axes:
    """Per segment: Kaplan–Meier share not self-cured against the fitted hazard's."""
    ax = _axes(ax)
    ax.set_title(_t("selfcure", lang))
    curves = result.curves
    if curves is None or curves.height == 0:
        return _empty(ax, lang)
    names = [s for s in list(result.counts) + [PORTFOLIO] if s in set(curves.get_column("segment").to_list())]
    for sub_ax, name in zip(_grid(ax, len(names)), names):
        c = curves.filter(pl.col("segment") == name)
        sub_ax.step(c.get_column("day"), c.get_column("observed"), where="post", color=COLORS["baseline"],
                    label=_t("observed", lang))
        sub_ax.plot(c.get_column("day"), c.get_column("fitted"), color=COLORS["optimized"], label=_t("fitted", lang))
        sub_ax.set_title(name, fontsize=7.5)
        sub_ax.tick_params(labelsize=6.5)
        sub_ax.yaxis.set_major_formatter(lambda v, _: i18n.percent(v, lang, 0))
    sub_ax.legend(fontsize=6.5, loc="lower left")
    return ax


def fig_acceptance(result, lang: str, ax: Axes | None = None) -> Axes:
    """Per segment: acceptance rate by discount bin (dots sized by offers), fitted mean and its 95% band."""
    ax = _axes(ax)
    ax.set_title(_t("acceptance", lang))
    acc = result.acceptance
    if acc is None or acc.height == 0:
        return _empty(ax, lang)
    names = list(dict.fromkeys(acc.get_column("segment").to_list()))
    for sub_ax, name in zip(_grid(ax, len(names)), names):
        a = acc.filter(pl.col("segment") == name).sort("discount")
        x = a.get_column("discount").to_numpy()
        sub_ax.fill_between(x, a.get_column("lo"), a.get_column("hi"), color=COLORS["optimized"], alpha=0.18,
                            label=_t("band", lang))
        sub_ax.plot(x, a.get_column("fitted"), color=COLORS["optimized"], label=_t("fitted", lang))
        size = 8 + 40 * a.get_column("offers").to_numpy() / max(1, a.get_column("offers").max())
        sub_ax.scatter(x, a.get_column("observed"), s=size, color=COLORS["accent"], label=_t("observed", lang), zorder=3)
        sub_ax.set_title(name, fontsize=7.5)
        sub_ax.tick_params(labelsize=6.5)
        sub_ax.xaxis.set_major_formatter(lambda v, _: i18n.percent(v, lang, 0))
        sub_ax.yaxis.set_major_formatter(lambda v, _: i18n.percent(v, lang, 0))
    sub_ax.legend(fontsize=6.5)
    return ax


def fig_channels(result, lang: str, ax: Axes | None = None) -> Axes:
    """Reach and engagement per channel: portfolio estimate with its interval, segments as dots."""
    ax = _axes(ax)
    ax.set_title(_t("channels", lang))
    t = result.table()
    channels = ("sms", "email", "whatsapp", "call", "letter")
    drew = False
    for k, (what, color) in enumerate((("reach", COLORS["optimized"]), ("engage", COLORS["accent"]))):
        for j, c in enumerate(channels):
            x = j + (k - 0.5) * 0.36
            row = t.filter((pl.col("segment") == PORTFOLIO) & (pl.col("key") == f"{what}.{c}"))
            if row.height and row["status"][0] != "not identified":
                v, lo, hi = row["value"][0], row["lo"][0], row["hi"][0]
                ax.bar(x, v, width=0.34, color=color, alpha=0.85, label=_t(what, lang) if j == 0 else None)
                ax.errorbar(x, v, yerr=[[v - lo], [hi - v]], color="black", capsize=2, lw=0.8)
                drew = True
            segs = t.filter((pl.col("segment") != PORTFOLIO) & (pl.col("key") == f"{what}.{c}")
                            & (pl.col("status") != "not identified"))
            ax.scatter(np.full(segs.height, x), segs.get_column("value"), s=6, color="black", zorder=3)
    if not drew:
        return _empty(ax, lang)
    ax.set_xticks(range(len(channels)), [i18n.channel(c, lang) for c in channels])
    ax.yaxis.set_major_formatter(lambda v, _: i18n.percent(v, lang, 0))
    ax.legend()
    return ax


def fig_keeping(result, lang: str, ax: Axes | None = None) -> Axes:
    """Share of installments paid on the due date by installment number (portfolio), observed and fitted."""
    ax = _axes(ax)
    ax.set_title(_t("keeping", lang))
    kp = result.keeping
    if kp is None or kp.height == 0:
        return _empty(ax, lang)
    p = kp.filter(pl.col("segment") == PORTFOLIO).sort("installment")
    ax.bar(p.get_column("installment"), p.get_column("observed"), color=COLORS["baseline"], alpha=0.7,
           label=_t("observed", lang))
    ax.plot(p.get_column("installment"), p.get_column("fitted"), "o-", color=COLORS["optimized"],
            label=_t("fitted", lang))
    ax.set_xlabel(_t("installment", lang))
    ax.yaxis.set_major_formatter(lambda v, _: i18n.percent(v, lang, 0))
    ax.legend()
    return ax


def fig_backtest(bt, lang: str, ax: Axes | None = None) -> Axes:
    """Weekly collections of the held-out accounts: observed against the simulated mean and 95% band."""
    ax = _axes(ax)
    ax.set_title(_t("backtest", lang))
    if bt is None or bt.weeks.height == 0:
        return _empty(ax, lang)
    w = bt.weeks
    x = np.arange(w.height)
    ax.fill_between(x, w.get_column("lo"), w.get_column("hi"), color=COLORS["optimized"], alpha=0.2,
                    label=_t("band", lang))
    ax.plot(x, w.get_column("predicted"), color=COLORS["optimized"], label=_t("predicted", lang))
    ax.plot(x, w.get_column("observed"), "o", ms=3, color=COLORS["accent"], label=_t("observed", lang))
    step = max(1, w.height // 8)
    ax.set_xticks(x[::step], [i18n.date(d, lang) for d in w.get_column("week").to_list()[::step]], fontsize=7)
    ax.yaxis.set_major_formatter(lambda v, _: i18n.money_compact(v, lang))
    ax.text(0.99, 0.97, _t("inside", lang, share=i18n.percent(bt.share_inside, lang, 0)), transform=ax.transAxes,
            ha="right", va="top")
    ax.legend(loc="upper left")
    return ax


CALIBRATION_FIGURES = {"calibration_selfcure": fig_selfcure, "calibration_acceptance": fig_acceptance,
                       "calibration_channels": fig_channels, "calibration_keeping": fig_keeping}


def _num(x: float) -> str:
    return "" if x is None or not math.isfinite(x) else f"{x:.4g}"


def _table_pages(result, lang: str, per_page: int = 34) -> list[Figure]:
    t = result.table()
    rows = [(r["segment"], r["key"], _num(r["value"]),
             f"{_num(r['lo'])} – {_num(r['hi'])}" if r["status"] != "not identified" else "",
             str(r["n"]), _t(r["status"], lang), _num(r["prior"]),
             (r["reason"] or r["method"])[:95]) for r in t.iter_rows(named=True)]
    head = (_t("segment", lang), _t("parameter", lang), _t("estimate", lang), _t("interval", lang), "n",
            _t("status", lang), _t("scenario", lang), "")
    xs = (0.01, 0.15, 0.30, 0.38, 0.50, 0.56, 0.66, 0.72)
    pages = []
    for i in range(0, len(rows), per_page):
        fig = Figure(figsize=(11.69, 8.27))
        fig.text(0.03, 0.95, _t("parameters", lang), fontsize=12, weight="bold")
        chunk = rows[i:i + per_page]
        for j, h in enumerate(head):
            x = 0.03 + xs[j] * 0.94
            fig.text(x, 0.91, h, fontsize=7.5, weight="bold")
            # one text block per column (rows are single lines): fast to draw, aligned by line spacing
            fig.text(x, 0.895, "\n".join(r[j] for r in chunk), fontsize=7.0, va="top", linespacing=1.55,
                     color=COLORS["muted"] if j == 7 else COLORS["text"])
        pages.append(fig)
    return pages


def _cover(result, bt, lang: str) -> Figure:
    fig = Figure(figsize=(11.69, 8.27))
    fig.text(0.05, 0.88, _t("title", lang), fontsize=18, weight="bold")
    t = result.table().filter(pl.col("segment") != PORTFOLIO)
    counts = {s: t.filter(pl.col("status") == s).height for s in ("identified", "weakly identified", "not identified")}
    text = _t("summary", lang, n=i18n.number(sum(result.counts.values()), lang), first=i18n.date(result.first_date, lang),
              asof=i18n.date(result.as_of, lang), ident=counts["identified"], weak=counts["weakly identified"],
              not_=counts["not identified"])
    import textwrap
    fig.text(0.05, 0.80, "\n".join(textwrap.wrap(text, 130)), fontsize=10, va="top")
    y = 0.66
    for note in result.notes + ([bt.summary()] if bt is not None else []):
        fig.text(0.05, y, "\n".join(textwrap.wrap("• " + note, 140)), fontsize=9, va="top", color=COLORS["muted"])
        y -= 0.06
    return fig


def write_calibration_report(directory: str | Path, result, bt=None, lang: str = "en") -> Path:
    """Write ``figures/*.png`` and ``calibration.pdf`` into ``directory``; returns the PDF."""
    i18n.check_lang(lang)
    root = Path(directory)
    figs = root / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    draws = dict(CALIBRATION_FIGURES)
    pdf = root / "calibration.pdf"
    with style():
        pages = [_cover(result, bt, lang)]
        for name, draw in draws.items():
            ax = draw(result, lang)
            ax.figure.savefig(figs / f"{name}.png", dpi=150, metadata={"Software": None}, facecolor="white")
            pages.append(ax.figure)
        if bt is not None:
            ax = fig_backtest(bt, lang)
            ax.figure.savefig(figs / "calibration_backtest.png", dpi=150, metadata={"Software": None},
                              facecolor="white")
            pages.append(ax.figure)
        pages += _table_pages(result, lang)
        with PdfPages(pdf, metadata={"Title": _t("title", lang), "Creator": "acordo", "CreationDate": None}) as out:
            for fig in pages:
                out.savefig(fig)
    return pdf
