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
from typing import Callable

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from calibration.estimates import PORTFOLIO
from reports import i18n
from reports.figures import COLORS, FIGSIZE, style

__all__ = ["fig_selfcure", "fig_acceptance", "fig_channels", "fig_keeping", "fig_backtest",
           "write_calibration_report", "CALIBRATION_FIGURES"]

def _t(key: str, lang: str, **fields) -> str:
    """A label of the calibration report (``calib_`` keys of :data:`reports.i18n.LABELS`)."""
    return i18n.t(f"calib_{key}", lang, **fields)


def _axes(ax: Axes | None, grid: bool = False) -> Axes:
    """``ax``, or a new figure's axes; a grid of panels gets fixed margins (no layout engine to run)."""
    if ax is not None:
        return ax
    if grid:
        return Figure(figsize=FIGSIZE).add_axes((0.02, 0.02, 0.96, 0.91))
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


def _percent_axis(axis, lo: float, hi: float, lang: str) -> None:
    """Percent ticks, with a decimal when the range is narrow (so that ticks never read alike)."""
    digits = 1 if hi - lo < 0.06 else 0
    axis.set_major_formatter(lambda v, _: i18n.percent(v, lang, digits))


def _panels(ax: Axes, frame: pl.DataFrame, names: list[str], draw: Callable[[Axes, pl.DataFrame], None],
            lang: str, legend: dict | None = None) -> Axes:
    """One small panel per segment of ``frame`` (``draw(panel, rows)``), titled, percent y ticks, one legend."""
    panel = None
    for panel, name in zip(_grid(ax, len(names)), names):
        rows = frame.filter(pl.col("segment") == name)
        draw(panel, rows)
        panel.set_title(name, fontsize=7.5)
        panel.tick_params(labelsize=6.5)
        lo, hi = panel.get_ylim()
        _percent_axis(panel.yaxis, lo, hi, lang)
    if panel is not None:
        panel.legend(fontsize=6.5, **(legend or {}))
    return ax


def fig_selfcure(result, lang: str, ax: Axes | None = None) -> Axes:
    """Per segment: Kaplan–Meier share not self-cured against the fitted hazard's."""
    ax = _axes(ax, grid=True)
    ax.set_title(_t("selfcure", lang))
    curves = result.curves
    if curves is None or curves.height == 0:
        return _empty(ax, lang)

    def draw(panel: Axes, c: pl.DataFrame) -> None:
        panel.step(c.get_column("day"), c.get_column("observed"), where="post", color=COLORS["baseline"],
                   label=_t("observed", lang))
        panel.plot(c.get_column("day"), c.get_column("fitted"), color=COLORS["optimized"], label=_t("fitted", lang))

    present = set(curves.get_column("segment").to_list())
    names = [s for s in list(result.counts) + [PORTFOLIO] if s in present]
    return _panels(ax, curves, names, draw, lang, {"loc": "lower left"})


def fig_acceptance(result, lang: str, ax: Axes | None = None) -> Axes:
    """Per segment: acceptance rate by discount bin (dots sized by offers), fitted mean and its 95% band."""
    ax = _axes(ax, grid=True)
    ax.set_title(_t("acceptance", lang))
    acc = result.acceptance
    if acc is None or acc.height == 0:
        return _empty(ax, lang)

    def draw(panel: Axes, a: pl.DataFrame) -> None:
        a = a.sort("discount")
        x = a.get_column("discount").to_numpy()
        panel.fill_between(x, a.get_column("lo"), a.get_column("hi"), color=COLORS["optimized"], alpha=0.18,
                           label=_t("band", lang))
        panel.plot(x, a.get_column("fitted"), color=COLORS["optimized"], label=_t("fitted", lang))
        size = 8 + 40 * a.get_column("offers").to_numpy() / max(1, a.get_column("offers").max())
        panel.scatter(x, a.get_column("observed"), s=size, color=COLORS["accent"], label=_t("observed", lang),
                      zorder=3)
        panel.xaxis.set_major_formatter(lambda v, _: i18n.percent(v, lang, 0))

    return _panels(ax, acc, list(dict.fromkeys(acc.get_column("segment").to_list())), draw, lang)


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


def _short(text: str, width: int = 62) -> str:
    """A method's first clause (the full text is in ``calibration.json``), or a reason, on one line."""
    first = text.split("; ")[0]
    return first if len(first) <= width else first[: width - 1] + "…"


def _table_pages(result, lang: str, per_page: int = 34) -> list[Figure]:
    t = result.table()
    rows = [(r["segment"], r["key"], _num(r["value"]),
             f"{_num(r['lo'])} – {_num(r['hi'])}" if r["status"] != "not identified" else "",
             str(r["n"]), _t(r["status"], lang), _num(r["prior"]),
             _short(r["reason"] or r["method"])) for r in t.iter_rows(named=True)]
    head = (_t("segment", lang), _t("parameter", lang), _t("estimate", lang), _t("interval", lang), "n",
            _t("status", lang), _t("scenario", lang), _t("method", lang))
    xs = (0.01, 0.14, 0.28, 0.36, 0.48, 0.54, 0.67, 0.73)
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
    pdf = root / "calibration.pdf"
    with style():
        pages = [_cover(result, bt, lang)]
        drawn = [(name, draw(result, lang)) for name, draw in CALIBRATION_FIGURES.items()]
        if bt is not None:
            drawn.append(("calibration_backtest", fig_backtest(bt, lang)))
        for name, ax in drawn:
            ax.figure.savefig(figs / f"{name}.png", dpi=150, metadata={"Software": None}, facecolor="white")
            pages.append(ax.figure)
        pages += _table_pages(result, lang)
        with PdfPages(pdf, metadata={"Title": _t("title", lang), "Creator": "acordo", "CreationDate": None}) as out:
            for fig in pages:
                out.savefig(fig)
    return pdf
