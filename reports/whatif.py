"""Figures of ``acordo compare`` and ``acordo sweep``: curves, differences, heat maps, the compare PDF.

The functions only read result tables (``compare.parquet``, ``compare_daily.parquet``,
``sweep.parquet``); each plotting function takes ``ax=None`` (a new figure) and returns the
axes. The compare PDF (:func:`write_compare_report`) is an A4 landscape document in the policy
report's frame and style (:mod:`reports.document`), in English or Brazilian Portuguese. Output bytes are deterministic: matplotlib figures are built without pyplot, PNGs
carry no ``Software`` stamp, and the PDF's metadata is fixed (its creation date, if any,
comes from ``SOURCE_DATE_EPOCH``).
"""
from __future__ import annotations

import datetime as _dt
import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports import document as D
from reports import i18n
from reports.i18n import t
from reports.intervals import can_be_negative, floor_at_zero, floor_band

__all__ = ["plot_collection_curves", "plot_differences", "plot_sweep_line", "plot_heatmap", "sweep_figure",
           "write_compare_report", "write_sweep_figures", "pdf_metadata", "PNG_METADATA"]

#: PNG metadata: no matplotlib version stamp, so the bytes only depend on the figure.
PNG_METADATA: dict[str, Any] = {"Software": None}
_DPI = 110
#: Metrics drawn in the compare PDF's difference panel.
DIFF_METRICS: tuple[str, ...] = ("collected_npv", "net_npv", "give_away", "cost_npv")


def pdf_metadata(title: str) -> dict[str, Any]:
    """Fixed PDF metadata; the creation date is ``SOURCE_DATE_EPOCH`` when set, else absent."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    created = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch and epoch.isdigit() else None
    return {"Title": title, "Author": None, "Subject": None, "Keywords": None, "Creator": "acordo",
            "Producer": "acordo", "CreationDate": created, "ModDate": None, "Trapped": None}


def _new_axes(figsize: tuple[float, float] = (7.0, 4.2)) -> Axes:
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.subplots()


# --------------------------------------------------------------------------- compare

#: Money metrics of the compare table (the others are counts, and ``recovery_rate`` a share).
_MONEY_METRICS = frozenset({"balance", "collected", "collected_npv", "give_away", "contact_cost",
                            "agent_cost", "negativacao_cost", "agency_commission", "cost_npv", "net_npv",
                            "moral_hazard_cost", "written_off_balance"})
_SHARE_METRICS = frozenset({"recovery_rate"})
#: Scenario colours: the reference grey, then the report's blue and orange, then more.
_PALETTE = (D.F.COLORS["baseline"], D.F.COLORS["optimized"], D.F.COLORS["accent"], "#27ae60", "#8e44ad", "#c0392b",
            "#16a085", "#7f8c8d", "#b7950b", "#2c3e50")


@dataclass(frozen=True)
class _Header:
    """What the report's page frame (:func:`reports.document._page`, ``_footer``) reads of a run."""

    scenario_name: str
    manifest: dict


def _scenario_color(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]


def _names(table: pl.DataFrame) -> list[str]:
    return table.get_column("scenario").unique(maintain_order=True).to_list()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(value: float, lang: str) -> str:
    """Whole numbers from 100 up (and for whole values), one decimal below."""
    return i18n.number(value, lang, 0 if abs(value) >= 100 or value == round(value) else 1)


def _formatters(metric: str, lang: str, compact: bool) -> tuple[Any, Any]:
    """(format of a mean, format of a difference) of ``metric``: money, share (p.p. differences) or count."""
    if metric in _MONEY_METRICS:
        fmt = (lambda v: i18n.money_compact(v, lang, 3)) if compact else (lambda v: D._money_auto(v, lang))
        return fmt, lambda v: D._signed(v, fmt)
    if metric in _SHARE_METRICS:
        return (lambda v: i18n.percent(v, lang, 1)), (lambda v: D._signed_pp(v, lang))
    fmt = lambda v: _count(v, lang)  # noqa: E731
    return fmt, lambda v: D._signed(v, fmt)


def _significant(lo: float, hi: float, replications: int | None) -> bool:
    return (replications is None or replications > 1) and (lo > 0 or hi < 0)


def plot_collection_curves(curves: pl.DataFrame, ax: Axes | None = None, *, column: str = "cumulative_collected",
                           lang: str = "en") -> Axes:
    """Cumulative collections by day, one line per scenario with its 95% band.

    Parameters
    ----------
    curves : polars.DataFrame
        ``compare_daily.parquet``: scenario, day, ``<column>_mean``, ``<column>_ci95_low``,
        ``<column>_ci95_high``.
    ax : Axes, optional
    column : str
        The cumulative series to draw.
    lang : {"en", "pt-BR"}
    """
    i18n.check_lang(lang)
    ax = ax if ax is not None else _new_axes()
    for i, name in enumerate(_names(curves)):
        part = curves.filter(pl.col("scenario") == name).sort("day")
        day = part.get_column("day").to_numpy()
        color = _scenario_color(i)
        low = part.get_column(f"{column}_ci95_low").to_numpy()
        if not can_be_negative(column.removeprefix("cumulative_")):  # cash collected: never below zero
            low = floor_band(low)
        ax.fill_between(day, low,
                        part.get_column(f"{column}_ci95_high").to_numpy(), color=color, alpha=0.15, linewidth=0)
        ax.plot(day, part.get_column(f"{column}_mean").to_numpy(), label=name, color=color, linewidth=1.6,
                linestyle="--" if i == 0 else "-")
    ax.set_xlabel(t("day", lang))
    ax.set_title(t("compare_curves_title", lang), fontsize=9.5)
    ax.yaxis.set_major_formatter(D.F.CompactFormatter(lang))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return ax


def plot_differences(table: pl.DataFrame, metric: str = "net_npv", ax: Axes | None = None, *,
                     lang: str = "en", replications: int | None = None) -> Axes:
    """Each scenario's paired difference against the first, with its 95% CI, for one metric.

    The reference itself (a difference of zero) is left out unless it is the only scenario.
    Bars whose interval includes zero are drawn pale.

    Parameters
    ----------
    table : polars.DataFrame
        ``compare.parquet``.
    metric : str
    ax : Axes, optional
    lang : {"en", "pt-BR"}
    replications : int, optional
        With one replication no interval can be estimated, so no bar is marked.
    """
    i18n.check_lang(lang)
    ax = ax if ax is not None else _new_axes((7.0, 3.0))
    names = _names(table)
    shown = [(i, n) for i, n in enumerate(names) if i > 0 or len(names) == 1]
    rows = {r["scenario"]: r for r in table.filter(pl.col("metric") == metric).iter_rows(named=True)}
    y = np.arange(len(shown))[::-1].astype(float)
    ends = [0.0]
    for yy, (i, n) in zip(y, shown):
        r = rows[n]
        d, lo, hi = r["diff_vs_first"], r["diff_ci95_low"], r["diff_ci95_high"]
        ends += [v for v in (d, lo, hi) if math.isfinite(v)]
        strong = _significant(lo, hi, replications)
        ax.barh(yy, d, height=0.6, color=_scenario_color(i), alpha=0.85 if strong else 0.3, linewidth=0)
        ax.errorbar([d], [yy], xerr=[[d - lo], [hi - d]], fmt="none", ecolor=D.F.COLORS["text"], capsize=3,
                    linewidth=1)
    ax.axvline(0.0, color=D.F.COLORS["text"], linewidth=0.8)
    ax.set_yticks(y, [n for _, n in shown])
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_title(_capital(i18n.metric(metric, lang)), fontsize=9)
    ax.xaxis.set_major_formatter(D.F.CompactFormatter(lang, money=metric in _MONEY_METRICS)
                                 if metric not in _SHARE_METRICS else
                                 FuncFormatter(lambda v, _p: D._signed_pp(v, lang)))
    span = (max(ends) - min(ends)) or 1.0
    ax.set_xlim(min(ends) - 0.08 * span, max(ends) + 0.08 * span)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    return ax


def _differences_figure(table: pl.DataFrame, metrics: Sequence[str], lang: str, replications: int | None) -> Figure:
    names = _names(table)
    n_bars = max(1, len(names) - 1)
    fig = Figure(figsize=(7.0, 0.9 + (0.55 + 0.32 * n_bars) * len(metrics)), layout="constrained")
    for ax, m in zip(fig.subplots(len(metrics), 1, squeeze=False)[:, 0], metrics):
        plot_differences(table, m, ax=ax, lang=lang, replications=replications)
    fig.suptitle(t("compare_diff_title", lang, ref=names[0]), fontsize=10, fontweight="bold", x=0.02, ha="left")
    return fig


def _diff_metrics(table: pl.DataFrame) -> list[str]:
    present = set(table.get_column("metric").to_list())
    return [m for m in DIFF_METRICS if m in present]


def _info_rows(fig: Figure, rows: Sequence[tuple[str, str]], top: float, fontsize: float = 9.0) -> float:
    """Label/value rows in the manner of the report's cover; returns the bottom (inches)."""
    W, H = D.PAGE_SIZE
    label_w = max(D._text_width(label, fontsize) for label, _ in rows) + 0.3
    y = top
    for label, value in rows:
        text = D._wrap(value, fontsize, W - 2 * D._MARGIN_X - label_w)
        fig.text(D._MARGIN_X / W, y / H, label, fontsize=fontsize, color=D.F.COLORS["muted"], va="top")
        fig.text((D._MARGIN_X + label_w) / W, y / H, text, fontsize=fontsize, color=D.F.COLORS["text"], va="top",
                 linespacing=1.3)
        y -= (text.count("\n") + 1) * fontsize * 1.3 / 72.0 + 0.08
    return y


def _table_rows(table: pl.DataFrame, lang: str, replications: int | None, compact: bool) -> list[list[str]]:
    names = _names(table)
    lookup = {(r["scenario"], r["metric"]): r for r in table.iter_rows(named=True)}
    rows = []
    for m in table.get_column("metric").unique(maintain_order=True).to_list():
        plain, plain_signed = _formatters(m, lang, compact)
        # amounts are never split over two lines of a cell (the table wraps at plain spaces only)
        fmt = lambda v, f=plain: f(v).replace(" ", "\u00a0")  # noqa: E731
        signed = lambda v, f=plain_signed: f(v).replace(" ", "\u00a0")  # noqa: E731
        row = [_capital(i18n.metric(m, lang))]
        for i, n in enumerate(names):
            r = lookup[(n, m)]
            lo, hi = r["ci95_low"], r["ci95_high"]
            if not can_be_negative(m) and lo is not None:  # what cannot be negative: cut at zero
                lo = floor_at_zero(r["mean"], lo, hi)[1]
            row.append(f"{fmt(r['mean'])}\n{D._ci_text(lo, hi, fmt)}")
            if i > 0:
                lo, hi = r["diff_ci95_low"], r["diff_ci95_high"]
                mark = " *" if _significant(lo, hi, replications) else ""
                row.append(f"{signed(r['diff_vs_first'])}{mark}\n{D._ci_text(lo, hi, signed)}")
        rows.append(row)
    return rows


def _summary_page(table: pl.DataFrame, header: _Header, lang: str, seed: int | None, replications: int | None,
                  scenarios: Sequence[tuple[str, str, str]]) -> Any:
    W, H = D.PAGE_SIZE
    page = D._page(t("compare_title", lang), header, lang)
    fig = page.fig
    names = _names(table)
    lines = []
    for i, (label, name, file) in enumerate(scenarios):
        text = label if name in ("", label) else f"{label}: {name}"
        text += f" ({Path(file).name})" if file else ""
        lines.append(text + (f" · {t('compare_reference', lang)}" if i == 0 else ""))
    info = [(t("compare_scenarios", lang), "\n".join(lines))]
    if seed is not None or replications is not None:
        info.append((t("compare_simulation", lang), t("compare_simulation_line", lang,
                                                      replications="–" if replications is None else replications,
                                                      seed="–" if seed is None else seed)))
    y = _info_rows(fig, info, page.top + 0.05)
    width = W - 2 * D._MARGIN_X
    headers = [D.Column(t("metric", lang), 2.4)]
    for i, n in enumerate(names):
        headers.append(D.Column(f"{n}\n{t('per_replication_ci', lang)}", 2.0, "right"))
        if i > 0:
            headers.append(D.Column(t("compare_diff_col", lang, name=n, ref=names[0]), 2.0, "right"))
    cols = D._sized(headers, width)
    note = D._wrap(t("compare_note", lang, replications="–" if replications is None else replications,
                     ref=names[0]) + " " + t("interval_floor_note", lang), 8, width)
    note_h = (note.count("\n") + 1) * 8 * 1.25 / 72.0 + 0.15
    top = y - 0.42
    room = top - D._CONTENT_BOTTOM - note_h
    # the largest font (and full amounts when they fit) with which the table fits above the footer
    for compact, size in [(len(names) > 3, s) for s in (9.0, 8.5, 8.0, 7.5)] + [(True, s) for s in (7.5, 7.0, 6.5)]:
        wrapped = D._layout(cols, _table_rows(table, lang, replications, compact), width, size)
        head = [D._cell_lines(c.header, D.Column(c.header, c.width, c.align, True), c.width * width - 0.12, size,
                              True) for c in cols]
        height = D._row_height(head, size) + sum(D._row_height(r, size) for r in wrapped)
        if height <= room:
            break
    fig.text(D._MARGIN_X / W, (top + 0.12) / H, t("compare_table_title", lang), fontsize=12, fontweight="bold",
             va="baseline", color=D.F.COLORS["text"])
    end = D._draw_table(fig, D._MARGIN_X, top, width, cols, wrapped, size)
    fig.text(D._MARGIN_X / W, (end - 0.1) / H, note, fontsize=8, color=D.F.COLORS["muted"], va="top",
             linespacing=1.25)
    return page


def _charts_page(table: pl.DataFrame, curves: pl.DataFrame, header: _Header, lang: str,
                 replications: int | None) -> Any:
    W, H = D.PAGE_SIZE
    names = _names(table)
    page = D._page(t("compare_charts_title", lang), header, lang, t("compare_charts_note", lang, ref=names[0]))
    fig = page.fig
    bottom = D._CONTENT_BOTTOM + 0.45
    split = 6.75  # inches: the curves left of it, the differences right
    ax = D._axes_in(fig, D._MARGIN_X + 0.75, bottom, split - D._MARGIN_X - 0.75, page.top - 0.3 - bottom)
    plot_collection_curves(curves, ax=ax, lang=lang)
    metrics = _diff_metrics(table)
    if not metrics:
        return page
    shown = names[1:] or names
    left = split + 0.55 + max(D._text_width(n, 8.0) for n in shown) + 0.1
    right = W - D._MARGIN_X - 0.2
    fig.text((split + 0.55) / W, (page.top - 0.3 + 0.1) / H,
             D._wrap(t("compare_diff_title", lang, ref=names[0]), 9.5, W - D._MARGIN_X - split - 0.55, bold=True),
             fontsize=9.5, fontweight="bold", color=D.F.COLORS["text"], va="bottom")
    gap = 0.62  # room for a panel's title above it and its tick labels below it
    height = (page.top - 0.3 - bottom - gap * (len(metrics) - 1) - 0.25) / len(metrics)
    y = page.top - 0.3 - 0.25
    for m in metrics:
        pax = D._axes_in(fig, left, y - height, right - left, height)
        plot_differences(table, m, ax=pax, lang=lang, replications=replications)
        y -= height + gap
    return page


def write_compare_report(directory: str | Path, table: pl.DataFrame, curves: pl.DataFrame, *, lang: str = "en",
                         seed: int | None = None, replications: int | None = None,
                         scenarios: Sequence[tuple[str, str, str]] | None = None) -> list[Path]:
    """Write ``compare.pdf`` (A4 landscape, in the report's style) and ``figures/*.png`` into ``directory``.

    Page 1: the scenarios, seed and replications, and the headline metrics: each scenario's
    mean with its 95% CI and, after the first, the paired difference against the first with
    its 95% CI. Page 2: the collection curves and the differences chart.

    Parameters
    ----------
    directory : path
    table, curves : polars.DataFrame
        ``compare.parquet`` and ``compare_daily.parquet``.
    lang : {"en", "pt-BR"}
    seed, replications : int, optional
        Shown on the first page.
    scenarios : sequence of (label, name, file), optional
        The scenarios in table order (default: the table's labels).

    Returns
    -------
    list of Path
        The files written.
    """
    from matplotlib.backends.backend_pdf import PdfPages
    i18n.check_lang(lang)
    directory = Path(directory)
    figures = directory / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    names = _names(table)
    scenarios = list(scenarios) if scenarios is not None else [(n, n, "") for n in names]
    files = [Path(f).name for _, _, f in scenarios if f]
    header = _Header(" · ".join(names) if len(names) <= 4 else f"{names[0]} · … · {names[-1]}",
                     {"scenario": {"file": ", ".join(dict.fromkeys(files))}})
    written = []
    with D.F.style():
        curve_ax = plot_collection_curves(curves, ax=_new_axes((9.0, 5.0)), lang=lang)
        path = figures / "collection_curves.png"
        curve_ax.figure.savefig(path, dpi=D.PNG_DPI, metadata=PNG_METADATA, facecolor="white")
        written.append(path)
        metrics = _diff_metrics(table)
        if metrics:
            path = figures / "differences.png"
            _differences_figure(table, metrics, lang, replications).savefig(path, dpi=D.PNG_DPI,
                                                                            metadata=PNG_METADATA, facecolor="white")
            written.append(path)
        pages = [_summary_page(table, header, lang, seed, replications, scenarios),
                 _charts_page(table, curves, header, lang, replications)]
        for n, page in enumerate(pages, start=1):
            D._footer(page, n, len(pages), header, lang, title_key="compare_title")
        pdf = directory / "compare.pdf"
        with PdfPages(pdf, metadata=pdf_metadata(t("compare_title", lang))) as doc:
            for page in pages:
                doc.savefig(page.fig)
    written.append(pdf)
    return written


# --------------------------------------------------------------------------- sweep


def _labels(values: Sequence[Any]) -> list[str]:
    out = []
    for v in values:
        if isinstance(v, float):
            out.append(f"{v:g}")
        else:
            out.append(str(v))
    return out


def _numeric(series: pl.Series) -> bool:
    return series.dtype.is_numeric() and series.dtype != pl.Boolean


def plot_sweep_line(table: pl.DataFrame, key: str, metric: str, ax: Axes | None = None) -> Axes:
    """One-key sweep: the metric's mean and 95% CI against the key (a line for numbers, bars otherwise)."""
    ax = ax if ax is not None else _new_axes()
    part = table.sort(key)
    x = part.get_column(key)
    mean = part.get_column(f"{metric}_mean").to_numpy()
    lo = part.get_column(f"{metric}_ci95_low").to_numpy()
    hi = part.get_column(f"{metric}_ci95_high").to_numpy()
    err = np.vstack([mean - lo, hi - mean])
    if _numeric(x):
        xs = x.cast(pl.Float64).to_numpy()
        ax.errorbar(xs, mean, yerr=err, marker="o", capsize=3, linewidth=1.4)
    else:
        pos = np.arange(len(mean))
        ax.bar(pos, mean, yerr=err, capsize=3, alpha=0.8)
        ax.set_xticks(pos, _labels(x.to_list()), fontsize=8)
    ax.set_xlabel(key)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric}: {_mean_over(table)}, 95% CI", fontsize=9)
    ax.yaxis.set_major_formatter(lambda v, _: _cell_text(v))
    ax.grid(True, alpha=0.3)
    return ax


def plot_heatmap(table: pl.DataFrame, row_key: str, col_key: str, metric: str, ax: Axes | None = None, *,
                 vmin: float | None = None, vmax: float | None = None, title: str | None = None,
                 colorbar: bool = True) -> Axes:
    """Two-key sweep: the metric's mean over a ``row_key`` × ``col_key`` grid, values written in.

    Rows of ``table`` other than one per (row value, column value) are not expected: facet
    a 3+ key sweep first (:func:`sweep_figure`).
    """
    ax = ax if ax is not None else _new_axes((6.4, 4.8))
    rows = table.get_column(row_key).unique(maintain_order=False).sort().to_list()
    cols = table.get_column(col_key).unique(maintain_order=False).sort().to_list()
    grid = np.full((len(rows), len(cols)), np.nan)
    ri = {v: i for i, v in enumerate(rows)}
    ci = {v: i for i, v in enumerate(cols)}
    for r, c, m in zip(table.get_column(row_key).to_list(), table.get_column(col_key).to_list(),
                       table.get_column(f"{metric}_mean").to_list()):
        grid[ri[r], ci[c]] = np.nan if m is None else m
    finite = grid[np.isfinite(grid)]
    lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + (abs(lo) * 1e-9 or 1.0)
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=lo, vmax=hi)
    ax.set_xticks(np.arange(len(cols)), _labels(cols), fontsize=8)
    ax.set_yticks(np.arange(len(rows)), _labels(rows), fontsize=8)
    ax.set_xlabel(col_key)
    ax.set_ylabel(row_key)
    mid = (lo + hi) / 2
    for (i, j), v in np.ndenumerate(grid):
        if math.isfinite(v):
            ax.text(j, i, _cell_text(v), ha="center", va="center", fontsize=7, color="black" if v > mid else "white")
    ax.set_title(title if title is not None else f"{metric}: {_mean_over(table)}", fontsize=9)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, shrink=0.85)
        bar.ax.yaxis.set_major_formatter(lambda v, _: _cell_text(v))
    return ax


def _cell_text(v: float) -> str:
    """A value written in full enough to tell neighbouring cells apart."""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _mean_over(table: pl.DataFrame) -> str:
    if "replications" in table.columns:
        reps = table.get_column("replications").unique().to_list()
        if len(reps) == 1:
            return f"mean over {reps[0]} replications"
    return "mean over replications"


def sweep_figure(table: pl.DataFrame, keys: Sequence[str], metric: str) -> Figure:
    """The figure of one metric: a line or bar chart for one key, a heat map for two, and
    for three or more, heat maps of the first two keys faceted by the others."""
    if len(keys) == 0:
        raise ValueError("keys: a sweep has at least one key")
    if len(keys) == 1:
        return plot_sweep_line(table, keys[0], metric).figure
    if len(keys) == 2:
        return plot_heatmap(table, keys[0], keys[1], metric).figure
    rest = list(keys[2:])
    levels = [table.get_column(k).unique().sort().to_list() for k in rest]
    combos = list(itertools.product(*levels))
    n = len(combos)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(4.2 * ncols, 3.4 * nrows + 0.4), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    values = table.get_column(f"{metric}_mean").drop_nulls().to_numpy()
    vmin, vmax = (float(values.min()), float(values.max())) if values.size else (None, None)
    for ax, combo in zip(axes.ravel(), combos):
        part = table
        for k, v in zip(rest, combo):
            part = part.filter(pl.col(k) == v)
        label = ", ".join(f"{k}={lab}" for k, lab in zip(rest, _labels(list(combo))))
        plot_heatmap(part, keys[0], keys[1], metric, ax=ax, vmin=vmin, vmax=vmax, title=label, colorbar=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle(f"{metric}: {_mean_over(table)}", fontsize=10)
    fig.colorbar(axes.ravel()[0].images[0], ax=list(axes.ravel()[:n]), shrink=0.85).ax.yaxis.set_major_formatter(
        lambda v, _: _cell_text(v))
    return fig


def write_sweep_figures(directory: str | Path, table: pl.DataFrame, keys: Sequence[str],
                        metrics: Sequence[str]) -> list[Path]:
    """Write ``figures/heatmap_<metric>.png`` for each metric (``figures/line_<metric>.png``,
    a line or bar chart, for a one-key sweep).

    Returns
    -------
    list of Path
    """
    figures = Path(directory) / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    written = []
    for metric in metrics:
        fig = sweep_figure(table, keys, metric)
        path = figures / f"{'line' if len(keys) == 1 else 'heatmap'}_{metric}.png"
        fig.savefig(path, dpi=_DPI, metadata=PNG_METADATA)
        written.append(path)
    return written
