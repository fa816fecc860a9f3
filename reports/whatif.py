"""Figures of ``acordo compare`` and ``acordo sweep``: curves, differences, heat maps, a short PDF.

The functions only read result tables (``compare.parquet``, ``compare_daily.parquet``,
``sweep.parquet``); each plotting function takes ``ax=None`` (a new figure) and returns the
axes. Output bytes are deterministic: matplotlib figures are built without pyplot, PNGs
carry no ``Software`` stamp, and the PDF's metadata is fixed (its creation date, if any,
comes from ``SOURCE_DATE_EPOCH``).
"""
from __future__ import annotations

import datetime as _dt
import itertools
import math
import os
import textwrap
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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


def _money(x: float) -> str:
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.2f}B"
    if a >= 1e6:
        return f"{x / 1e6:.2f}M"
    if a >= 1e4:
        return f"{x / 1e3:.1f}k"
    if a >= 100 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + _money(x)


# --------------------------------------------------------------------------- compare


def plot_collection_curves(curves: pl.DataFrame, ax: Axes | None = None, *, column: str = "cumulative_collected") -> Axes:
    """Cumulative collections by day, one line per scenario with its 95% band.

    Parameters
    ----------
    curves : polars.DataFrame
        ``compare_daily.parquet``: scenario, day, ``<column>_mean``, ``<column>_ci95_low``,
        ``<column>_ci95_high``.
    ax : Axes, optional
    column : str
        The cumulative series to draw.
    """
    ax = ax if ax is not None else _new_axes()
    for name in curves.get_column("scenario").unique(maintain_order=True).to_list():
        part = curves.filter(pl.col("scenario") == name).sort("day")
        day = part.get_column("day").to_numpy()
        mean = part.get_column(f"{column}_mean").to_numpy()
        line, = ax.plot(day, mean, label=name, linewidth=1.6)
        ax.fill_between(day, part.get_column(f"{column}_ci95_low").to_numpy(),
                        part.get_column(f"{column}_ci95_high").to_numpy(), color=line.get_color(), alpha=0.18,
                        linewidth=0)
    ax.set_xlabel("day")
    ax.set_ylabel("R$ (cumulative)")
    ax.set_title("Cumulative collections, mean and 95% CI")
    ax.yaxis.set_major_formatter(lambda v, _: _money(v))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_differences(table: pl.DataFrame, metric: str = "net_npv", ax: Axes | None = None) -> Axes:
    """Each scenario's paired difference against the first, with its 95% CI, for one metric.

    Parameters
    ----------
    table : polars.DataFrame
        ``compare.parquet``.
    metric : str
    ax : Axes, optional
    """
    ax = ax if ax is not None else _new_axes((7.0, 3.0))
    rows = table.filter(pl.col("metric") == metric)
    names = rows.get_column("scenario").to_list()
    diff = rows.get_column("diff_vs_first").to_numpy()
    lo = rows.get_column("diff_ci95_low").to_numpy()
    hi = rows.get_column("diff_ci95_high").to_numpy()
    y = np.arange(len(names))[::-1]
    ax.barh(y, diff, color="#4a7ab0", alpha=0.8)
    ax.errorbar(diff, y, xerr=np.vstack([diff - lo, hi - diff]), fmt="none", ecolor="black", capsize=3, linewidth=1)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_title(f"{metric}: difference vs {names[0] if names else 'the first'} (paired, 95% CI)", fontsize=9)
    ax.xaxis.set_major_formatter(lambda v, _: _money(v))
    ax.grid(True, axis="x", alpha=0.3)
    return ax


def _table_page(table: pl.DataFrame, title: str, subtitle: str) -> Figure:
    fig = Figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.96, title, fontsize=15, weight="bold", va="top")
    fig.text(0.06, 0.935, "\n".join(textwrap.wrap(subtitle, 115)), fontsize=8, va="top", color="#444")
    names = table.get_column("scenario").unique(maintain_order=True).to_list()
    metrics = table.get_column("metric").unique(maintain_order=True).to_list()
    lookup = {(r["scenario"], r["metric"]): r for r in table.iter_rows(named=True)}
    header = ["metric"] + [n if i == 0 else f"{n}\n(diff vs first)" for i, n in enumerate(names)]
    cells = []
    for m in metrics:
        row = [m]
        for i, n in enumerate(names):
            r = lookup[(n, m)]
            if i == 0:
                row.append(_money(r["mean"]))
            else:
                row.append(f"{_money(r['mean'])}\n{_signed(r['diff_vs_first'])} [{_money(r['diff_ci95_low'])}, "
                           f"{_money(r['diff_ci95_high'])}]")
        cells.append(row)
    ax = fig.add_axes((0.04, 0.04, 0.92, 0.86))
    ax.axis("off")
    tab = ax.table(cellText=cells, colLabels=header, loc="upper center", cellLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(7 if len(names) <= 3 else 6)
    tab.scale(1.0, 2.2)
    return fig


def write_compare_report(directory: str | Path, table: pl.DataFrame, curves: pl.DataFrame, *,
                         title: str = "What-if comparison", subtitle: str = "") -> list[Path]:
    """Write ``compare.pdf`` and ``figures/*.png`` into ``directory``.

    Returns
    -------
    list of Path
        The files written.
    """
    from matplotlib.backends.backend_pdf import PdfPages
    directory = Path(directory)
    figures = directory / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    written = []
    curve_ax = plot_collection_curves(curves)
    path = figures / "collection_curves.png"
    curve_ax.figure.savefig(path, dpi=_DPI, metadata=PNG_METADATA)
    written.append(path)
    metrics = [m for m in DIFF_METRICS if m in set(table.get_column("metric").to_list())]
    n_sc = table.get_column("scenario").n_unique()
    diff_fig = Figure(figsize=(7.5, 1.2 + 0.45 * max(2, n_sc) * len(metrics)), layout="constrained")
    for ax, m in zip(diff_fig.subplots(len(metrics), 1, squeeze=False)[:, 0], metrics):
        plot_differences(table, m, ax=ax)
    path = figures / "differences.png"
    diff_fig.savefig(path, dpi=_DPI, metadata=PNG_METADATA)
    written.append(path)
    pdf = directory / "compare.pdf"
    with PdfPages(pdf, metadata=pdf_metadata(title)) as doc:
        doc.savefig(_table_page(table, title, subtitle))
        doc.savefig(curve_ax.figure)
        doc.savefig(diff_fig)
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
