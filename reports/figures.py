"""The report's figures, one function per figure, each ``fig_x(data, lang, ax=None) -> Axes``.

Every function reads a :class:`~reports.rundata.RunData` and draws on ``ax``, or on a new
:class:`matplotlib.figure.Figure` (no pyplot, no global state) when ``ax`` is None, and
returns the axes it drew on. Figures made of several panels (the collection curves) draw
them as insets of ``ax``, whose own frame is hidden. Labels and numbers come from
:mod:`reports.i18n`. Means and 95% bands are taken over replications (Student t).

:data:`FIGURES` lists them in report order with the name of their PNG file.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import math
from typing import Callable, Iterator

import matplotlib
import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter, MaxNLocator
from scipy import stats

from reports import i18n
from reports.intervals import floor_band
from reports.rundata import RunData

__all__ = [
    "FIGURES", "STYLE", "COLORS", "FIGSIZE", "CompactFormatter", "style", "band", "cube", "month_ticks",
    "collection_curves", "weekly_cash", "monthly_cash", "shadow_prices",
    "fig_headline", "fig_collection_curves", "fig_frontier", "fig_frontier_marginal", "fig_shadow_prices",
    "fig_cashflow", "fig_agents", "fig_attempts", "fig_compliance", "fig_sensitivity",
]

#: Colours of the report: current practice grey, optimized blue, accents orange.
COLORS: dict[str, str] = {
    "baseline": "#6b6b6b",
    "optimized": "#1f5aa6",
    "accent": "#d35400",
    "accent_light": "#f0b27a",
    "minus": "#c0392b",
    "plus": "#2471a3",
    "grid": "#dddddd",
    "text": "#222222",
    "muted": "#666666",
    "chronic": "#fcebd9",
}

#: Matplotlib settings used while drawing and saving (applied with ``rc_context`` only).
STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.0,
    "axes.labelcolor": COLORS["text"],
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.6,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "pdf.fonttype": 42,
    "svg.hashsalt": "acordo",
    "path.simplify": True,
    "text.parse_math": False,
    # text laid out at the font's own advances at every resolution: hinting widens a line by up to
    # 4% at 100 dpi (1-2% at the PNGs' 150), so text wrapped to the margins (reports.layout._wrap,
    # which sums those advances) would cross them on screen and in the PNGs but not in the PDF
    "text.hinting": "no_hinting",
}

#: Size (inches) of a figure made by a ``fig_x`` function called without ``ax``.
FIGSIZE: tuple[float, float] = (10.0, 6.0)


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply :data:`STYLE` for the duration of a ``with`` block, restoring the settings after."""
    with matplotlib.rc_context(STYLE):
        yield


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


# --------------------------------------------------------------------------- numbers


def band(values: np.ndarray, axis: int = 0, nonnegative: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and Student-t 95% confidence band of the mean over ``axis`` (the replications).

    With a single replication the band collapses to the mean. The series the report draws as
    bands (cash, shares of the balance, occupation, queues) cannot be negative: the lower edge
    is cut at zero unless ``nonnegative`` is false (:mod:`reports.intervals`).
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        return mean, mean.copy(), mean.copy()
    half = stats.t.ppf(0.975, n - 1) * values.std(axis=axis, ddof=1) / math.sqrt(n)
    return mean, floor_band(mean - half) if nonnegative else mean - half, mean + half


def cube(frame: pl.DataFrame, column: str, segments: list[str]) -> np.ndarray:
    """``column`` of a daily table as an array (replication, day, segment); missing cells are 0."""
    reps = sorted(set(frame.get_column("replication").to_list()))
    days = int(frame.get_column("day").max()) + 1 if frame.height else 0
    out = np.zeros((max(len(reps), 1), days, len(segments)))
    if not frame.height:
        return out
    r_index = {r: i for i, r in enumerate(reps)}
    s_index = {s: i for i, s in enumerate(segments)}
    seg = frame.get_column("segment").to_list()
    keep = np.array([s in s_index for s in seg])
    r = np.array([r_index[v] for v in frame.get_column("replication").to_list()])[keep]
    d = frame.get_column("day").to_numpy()[keep]
    s = np.array([s_index[v] for v, k in zip(seg, keep) if k], dtype=np.int64)
    np.add.at(out, (r, d, s), frame.get_column(column).to_numpy()[keep])
    return out


def _start_date(data: RunData) -> _dt.date | None:
    if "date" in data.daily.columns and data.daily.height:
        first = data.daily.filter(pl.col("day") == pl.col("day").min()).get_column("date")[0]
        if isinstance(first, _dt.datetime):
            return first.date()
        if isinstance(first, _dt.date):
            return first
    return None


def month_ticks(start: _dt.date | None, days: int, lang: str) -> tuple[list[float], list[str]]:
    """Positions (day numbers) and labels of the first day of each month within ``days``.

    Without a start date, ticks every 30 days labelled with the day number.
    """
    if start is None:
        pos = list(range(0, days + 1, 30))
        return [float(p) for p in pos], [str(p) for p in pos]
    positions, labels = [], []
    for d in range(days + 1):
        day = start + _dt.timedelta(days=d)
        if day.day == 1 or d == 0:
            positions.append(float(d))
            labels.append(i18n.month(day, lang, short=not (d == 0 or day.month == 1)))
    if len(positions) > 1 and positions[1] - positions[0] < 12:
        positions.pop(1)
        labels.pop(1)
    return positions, labels


class CompactFormatter(Formatter):
    """Tick labels in compact form (``R$ 1.5M`` / ``R$ 1,5 mi``) sharing one scale and just enough decimals."""

    def __init__(self, lang: str, money: bool = True):
        self.lang = i18n.check_lang(lang)
        self.money = money
        self.scale = 1.0
        self.decimals = 0

    def set_locs(self, locs) -> None:  # noqa: D102 - matplotlib API
        super().set_locs(locs)
        values = [float(v) for v in locs if math.isfinite(v)]
        top = max((abs(v) for v in values), default=0.0)
        self.scale = i18n.compact_scale(top)
        self.decimals = 3
        for d in range(4):
            if all(abs(round(v / self.scale, d) - v / self.scale) < 1e-6 for v in values):
                self.decimals = d
                break

    def __call__(self, x: float, pos: int | None = None) -> str:
        fmt = i18n.money_compact if self.money else i18n.number_compact
        if abs(x) < 1e-9 * max(1.0, self.scale):
            return fmt(0.0, self.lang)
        return fmt(x, self.lang, scale=self.scale, decimals=self.decimals)


def _money_axis(axis, lang: str, money: bool = True) -> None:
    axis.set_major_formatter(CompactFormatter(lang, money))


def _percent_axis(axis, lang: str, decimals: int = 0) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _p: i18n.percent(v, lang, decimals)))


def _month_axis(ax: Axes, data: RunData, days: int, lang: str) -> None:
    pos, labels = month_ticks(_start_date(data), days, lang)
    ax.xaxis.set_major_locator(FixedLocator(pos))
    ax.set_xticklabels(labels)
    ax.set_xlim(0, days)


# --------------------------------------------------------------------------- tables behind the figures


def collection_curves(data: RunData, baseline: bool = False) -> dict[str, np.ndarray]:
    """Cumulative share of the balance recovered, per replication and day (R, H).

    Keys: ``"__total__"`` for the whole portfolio and each segment's name.
    """
    names = data.segment_names
    frame = data.baseline_daily if baseline else data.daily
    cash = cube(frame, "collected", names)
    balance = data.segments.get_column("balance").to_numpy().astype(np.float64)
    out = {"__total__": np.cumsum(cash.sum(axis=2), axis=1) / max(float(balance.sum()), 1e-12)}
    for i, name in enumerate(names):
        out[name] = np.cumsum(cash[:, :, i], axis=1) / max(float(balance[i]), 1e-12)
    return out


def weekly_cash(data: RunData, baseline: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Week start days and cash collected per replication and week (R, W), all segments."""
    cash = cube(data.baseline_daily if baseline else data.daily, "collected", data.segment_names).sum(axis=2)
    days = cash.shape[1]
    weeks = (days + 6) // 7
    out = np.zeros((cash.shape[0], weeks))
    for w in range(weeks):
        out[:, w] = cash[:, 7 * w: 7 * w + 7].sum(axis=1)
    return np.arange(weeks) * 7.0, out


def monthly_cash(data: RunData, baseline: bool = False) -> tuple[list[_dt.date], np.ndarray]:
    """First days of the calendar months of the horizon and cash per replication and month (R, M)."""
    cash = cube(data.baseline_daily if baseline else data.daily, "collected", data.segment_names).sum(axis=2)
    start = _start_date(data)
    days = cash.shape[1]
    if start is None:
        keys = [d // 30 for d in range(days)]
        firsts = sorted(set(keys))
        labels = [_dt.date(2000, 1, 1) + _dt.timedelta(days=30 * k) for k in firsts]
    else:
        keys = [((start + _dt.timedelta(days=d)).year, (start + _dt.timedelta(days=d)).month) for d in range(days)]
        firsts = sorted(set(keys))
        labels = [_dt.date(y, m, 1) for y, m in firsts]
    index = {k: i for i, k in enumerate(firsts)}
    out = np.zeros((cash.shape[0], len(firsts)))
    for d, k in enumerate(keys):
        out[:, index[k]] += cash[:, d]
    return labels, out


def _agents_per_count(data: RunData) -> tuple[float | None, float | None]:
    """(agent count, LP agent minutes over the horizon) when known."""
    count = data.assumption("agents.count")
    try:
        agents = float(count) if count is not None else None
    except ValueError:
        agents = None
    given = data.solution.get("constraints_given", {}) or {}
    minutes = given.get("agent_minutes")
    if given.get("agent_minutes_by_week"):
        minutes = float(sum(given["agent_minutes_by_week"]))
    if minutes is None:
        for c in data.solution.get("constraints", []):
            if c.get("name") == "agent_minutes":
                minutes = c.get("rhs")
    return agents, (float(minutes) if minutes is not None else None)


def shadow_top(rows: list[dict[str, object]], top: int | None) -> list[dict[str, object]]:
    """``rows`` cut to ``top``: the budget, agent and liquidity rows, then the largest values (order kept)."""
    if top is None or len(rows) <= top:
        return rows
    fixed = [i for i, r in enumerate(rows) if r["kind"] in ("budget", "agent", "liquidity")]
    rest = sorted((i for i in range(len(rows)) if i not in fixed), key=lambda i: -abs(float(rows[i]["value"])))
    keep = set(fixed) | set(rest[:max(0, top - len(fixed))])
    return [r for i, r in enumerate(rows) if i in keep]


def shadow_prices(data: RunData, lang: str) -> list[dict[str, object]]:
    """The worth of relaxing each limit of the LP by a natural unit, in R$ of expected net recovery.

    Returns one dict per limit with ``kind`` (budget, agent, chronic_cap, chronic_vs,
    liquidity, min_recovery), ``name`` (the constraint), ``label`` (short, translated),
    ``value`` (R$), ``unit_value`` (the raw dual), ``binding`` and ``segment``.
    Chronic caps and peer limits are listed only when they bind.
    """
    rows: list[dict[str, object]] = []
    agents, minutes = _agents_per_count(data)
    weekly = []  # one more agent adds its share of every week's minutes: sum_w dual_w x rhs_w / agents
    for c in data.solution.get("constraints", []):
        name = str(c.get("name", ""))
        family, _, rest = name.partition("[")
        # the value of loosening: rhs up for a <= row, rhs down for a >= row (two-sided duals)
        side = c.get("dual_up") if c.get("sense") == "<=" else c.get("dual_down")
        dual = float(side if side is not None else (c.get("dual") or 0.0))
        segment = rest.rstrip("]") if rest else ""
        binding = bool(c.get("binding"))
        entry: dict[str, object] | None = None
        if family == "agent_minutes" and rest:
            weekly.append((dual, float(c.get("rhs") or 0.0), binding))
            continue
        if family in ("budget", "budget_share"):
            entry = {"kind": "budget", "label": i18n.t("shadow_budget", lang), "value": 1000.0 * dual}
        elif family == "agent_minutes":
            per_agent = (minutes / agents) if (minutes and agents) else None
            entry = {"kind": "agent", "label": i18n.t("shadow_agent", lang),
                     "value": dual * per_agent if per_agent else 60.0 * dual, "per_agent_minutes": per_agent}
        elif family == "chronic_cap" and binding:
            entry = {"kind": "chronic_cap", "label": i18n.t("shadow_cap", lang, segment=segment), "value": 0.01 * dual}
        elif family == "chronic_vs" and binding:
            entry = {"kind": "chronic_vs", "label": i18n.t("shadow_vs", lang, segment=segment), "value": 0.01 * dual}
        elif family == "liquidity":
            entry = {"kind": "liquidity", "label": i18n.t("shadow_liquidity", lang), "value": -1000.0 * dual}
        elif family == "min_recovery" and binding:
            entry = {"kind": "min_recovery", "label": i18n.t("shadow_min_recovery", lang, segment=segment),
                     "value": -1000.0 * dual}
        if entry is not None:
            entry.update({"name": name, "unit_value": dual, "binding": binding, "segment": segment,
                          "constraint": c})
            rows.append(entry)
    if weekly and agents:
        value = sum(d * rhs / agents for d, rhs, _ in weekly)
        rows.append({"kind": "agent", "label": i18n.t("shadow_agent", lang), "value": value, "name": "agent_minutes",
                     "unit_value": math.nan, "binding": any(b for *_, b in weekly), "segment": "",
                     "constraint": {}, "per_agent_minutes": (minutes / agents) if minutes else None})
    order = {"budget": 0, "agent": 1, "liquidity": 2, "min_recovery": 3, "chronic_cap": 4, "chronic_vs": 5}
    rows.sort(key=lambda r: (order[str(r["kind"])], str(r["name"])))
    return rows


# --------------------------------------------------------------------------- figures


def fig_headline(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Net recovery (NPV): current practice and optimized (simulated out of sample) and the LP's prediction, with 95% CIs."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax, (8.0, 3.6))
        validation = data.solution.get("validation") or {}
        rows = [(i18n.t("baseline", lang), data.metric("net_npv", baseline=True), COLORS["baseline"])]
        pred = validation.get("predicted")
        if pred:
            rows.append((i18n.t("predicted", lang), (float(pred["mean"]), *map(float, pred["ci95"])),
                         COLORS["accent"]))
        rows.append((i18n.t("optimized", lang), data.metric("net_npv"), COLORS["optimized"]))
        y = np.arange(len(rows))[::-1].astype(float)
        lows = [r[1][1] if np.isfinite(r[1][1]) else r[1][0] for r in rows]  # no interval (one replication)
        highs = [r[1][2] if np.isfinite(r[1][2]) else r[1][0] for r in rows]
        span = max(highs) - min(lows)
        pad = max(span * 0.35, 0.02 * max(abs(h) for h in highs))
        for yi, (label, (mean, lo, hi), color) in zip(y, rows):
            ax.errorbar([mean], [yi], xerr=[[mean - lo], [hi - mean]], fmt="o", color=color, ms=7, capsize=5,
                        elinewidth=2)
            ax.annotate(i18n.money_compact(mean, lang, 3), (hi if np.isfinite(hi) else mean, yi), xytext=(6, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=8.5, color=color)
        ax.set_yticks(y)
        ax.set_yticklabels([r[0] for r in rows])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlim(min(lows) - pad * 0.4, max(highs) + pad)
        _money_axis(ax.xaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(axis="y", visible=False)
        ax.set_title(i18n.t("validation_title", lang))
    return ax


def _panel_grid(ax: Axes, n: int, ncols: int, *, left: float, right: float, bottom: float, top: float,
                wspace: float, hspace: float) -> list[Axes]:
    """``n`` inset axes in a grid inside ``ax``; margins and gaps in inches."""
    fig = ax.figure
    bbox = ax.get_position()
    width_in = bbox.width * fig.get_figwidth()
    height_in = bbox.height * fig.get_figheight()
    nrows = math.ceil(n / ncols)
    cell_w = (width_in - left - right - wspace * (ncols - 1)) / ncols
    cell_h = (height_in - bottom - top - hspace * (nrows - 1)) / nrows
    panels = []
    for k in range(n):
        r, c = divmod(k, ncols)
        x0 = left + c * (cell_w + wspace)
        y0 = height_in - top - (r + 1) * cell_h - r * hspace
        panels.append(ax.inset_axes([x0 / width_in, y0 / height_in, cell_w / width_in, cell_h / height_in]))
    return panels


def fig_collection_curves(data: RunData, lang: str, ax: Axes | None = None, max_panels: int = 16) -> Axes:
    """Cumulative % of the balance recovered by day: the whole portfolio and each segment (largest first
    when there are more than ``max_panels - 1``), current practice dashed, optimized solid, 95% bands."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax, (13.0, 7.5))
        if ax.figure.get_layout_engine() is not None:
            ax.figure.set_layout_engine("none")
            ax.set_position([0.01, 0.01, 0.98, 0.98])
        ax.set_axis_off()
        opt = collection_curves(data)
        base = collection_curves(data, baseline=True)
        names = data.segment_names
        balance = dict(zip(names, data.segments.get_column("balance").to_list()))
        chronic = dict(zip(names, data.segments.get_column("chronic").to_list()))
        shown = names
        hidden = 0
        if len(names) > max_panels - 1:
            shown = sorted(names, key=lambda s: (-balance[s], s))[: max_panels - 1]
            shown = [s for s in names if s in shown]
            hidden = len(names) - len(shown)
        keys = ["__total__", *shown]
        n = len(keys) + 1
        ncols = max(2, min(5, math.ceil(math.sqrt(n * 1.7))))
        panels = _panel_grid(ax, n, ncols, left=0.55, right=0.05, bottom=0.35, top=0.3, wspace=0.55, hspace=0.55)
        days = next(iter(opt.values())).shape[1]
        total_balance = float(sum(balance.values()))
        for key, pax in zip(keys, panels):
            for curves, color, dash in ((base, COLORS["baseline"], "--"), (opt, COLORS["optimized"], "-")):
                mean, lo, hi = band(curves[key])
                x = np.arange(1, days + 1)
                pax.fill_between(x, lo, hi, color=color, alpha=0.18, linewidth=0)
                pax.plot(x, mean, color=color, linestyle=dash, linewidth=1.5 if key == "__total__" else 1.2)
            top = max(float(band(opt[key])[2].max()), float(band(base[key])[2].max()), 0.01)
            pax.set_ylim(0, top * 1.15)
            pax.set_xlim(0, days)
            pax.yaxis.set_major_locator(MaxNLocator(4))
            _percent_axis(pax.yaxis, lang)
            pax.xaxis.set_major_locator(FixedLocator([float(d) for d in range(0, days + 1, 60)]))
            pax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v)}"))
            pax.tick_params(labelsize=7, length=2, pad=1.5)
            title = i18n.t("all_segments", lang) if key == "__total__" else key
            share = total_balance if key == "__total__" else balance[key]
            pax.set_title(title, fontsize=8, loc="left", pad=3,
                          color=COLORS["accent"] if key != "__total__" and chronic[key] else COLORS["text"])
            final_o = float(band(opt[key])[0][-1])
            final_b = float(band(base[key])[0][-1])
            pax.text(0.04, 0.95, i18n.money_compact(share, lang), transform=pax.transAxes, ha="left", va="top",
                     fontsize=6.5, color=COLORS["muted"])
            pax.text(0.04, 0.83, i18n.percent(final_o, lang, 1), transform=pax.transAxes, ha="left", va="top",
                     fontsize=7, color=COLORS["optimized"], fontweight="bold")
            pax.text(0.04, 0.71, i18n.percent(final_b, lang, 1), transform=pax.transAxes, ha="left", va="top",
                     fontsize=7, color=COLORS["baseline"])
        legend_ax = panels[len(keys)]
        legend_ax.set_axis_off()
        handles = [Line2D([], [], color=COLORS["optimized"], lw=1.6, label=i18n.t("optimized", lang)),
                   Line2D([], [], color=COLORS["baseline"], lw=1.6, ls="--", label=i18n.t("baseline", lang)),
                   Patch(color=COLORS["optimized"], alpha=0.18, label=i18n.t("per_replication_ci", lang))]
        legend_ax.legend(handles=handles, loc="center left", fontsize=8, title=f"x: {i18n.t('day', lang)}\n"
                         f"y: {i18n.t('recovered_share', lang)}\n{i18n.t('curves_corner', lang)}",
                         title_fontsize=7.5, alignment="left")
        if hidden:
            legend_ax.text(0.0, 0.05, i18n.t("more_segments", lang, n=hidden), transform=legend_ax.transAxes,
                           fontsize=7, color=COLORS["muted"])
    return ax


def fig_frontier(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Net recovery (NPV collected less costs, what the LP maximises) against give-away: the LP
    frontier over budgets with the chosen policy on it, and the out-of-sample simulations of
    the optimized policy and current practice with 95% intervals."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax)
        front = data.frontier
        if front is not None:
            f = front.filter(pl.col("status").is_in(["OPTIMAL"])) if "status" in front.columns else front
            f = f.sort("give_away")
            ax.plot(f.get_column("give_away").to_numpy(), f.get_column("net").to_numpy(), "-o",
                    color=COLORS["optimized"], ms=3.5, lw=1.5, alpha=0.85, label=i18n.t("frontier", lang))
        sol = data.solution
        if sol.get("give_away") is not None and sol.get("net") is not None:
            ax.plot([sol["give_away"]], [sol["net"]], marker="*", ms=15, color=COLORS["accent"], ls="none",
                    label=i18n.t("chosen", lang), zorder=5)
        for baseline, color, key in ((False, COLORS["optimized"], "optimized_sim"),
                                     (True, COLORS["baseline"], "baseline_sim")):
            gx, glo, ghi = data.metric("give_away", baseline)
            ry, rlo, rhi = data.metric("net_npv", baseline)
            ax.errorbar([gx], [ry], xerr=[[gx - glo], [ghi - gx]], yerr=[[ry - rlo], [rhi - ry]], fmt="s",
                        color=color, ms=6, capsize=4, elinewidth=1.4, label=i18n.t(key, lang), zorder=4,
                        mfc="white" if baseline else color)
        given = sol.get("constraints_given") or {}
        if given.get("budget") is not None:
            ax.axvline(float(given["budget"]), color=COLORS["muted"], ls=":", lw=1.2,
                       label=i18n.t("budget_line", lang))
        _money_axis(ax.xaxis, lang)
        _money_axis(ax.yaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.yaxis.set_major_locator(MaxNLocator(6))
        ax.set_xlabel(i18n.t("give_away_axis", lang))
        ax.set_ylabel(i18n.t("net_recovery_axis", lang))
        ax.legend(loc="lower right")
        ax.set_title(i18n.t("frontier_title", lang))
    return ax


def fig_frontier_marginal(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Net recovery bought by R$ 1,000 more give-away budget, along the frontier (the budget's shadow price)."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax, (6.0, 5.0))
        front = data.frontier
        if front is not None and "budget_dual" in front.columns:
            f = front.sort("give_away")
            x = f.get_column("give_away").to_numpy()
            y = 1000.0 * f.get_column("budget_dual").fill_null(0.0).to_numpy()
            ax.step(x, y, where="post", color=COLORS["optimized"], lw=1.6)
            ax.fill_between(x, 0, y, step="post", color=COLORS["optimized"], alpha=0.12, linewidth=0)
            ax.set_ylim(bottom=0)
        sol = data.solution
        if sol.get("give_away") is not None:
            ax.axvline(float(sol["give_away"]), color=COLORS["accent"], lw=1.2, ls="--",
                       label=i18n.t("chosen", lang))
            ax.legend(loc="upper right")
        _money_axis(ax.xaxis, lang)
        _money_axis(ax.yaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_xlabel(i18n.t("give_away_axis", lang))
        ax.set_ylabel(i18n.t("marginal_axis", lang))
        ax.set_title(i18n.t("marginal_title", lang))
    return ax


def fig_shadow_prices(data: RunData, lang: str, ax: Axes | None = None, top: int | None = None) -> Axes:
    """Horizontal bars: R$ of expected net recovery from relaxing each limit by one natural unit.

    ``top``: at most that many bars, the budget and agent pool always, then the limits worth the
    most (the page's table lists them all).
    """
    i18n.check_lang(lang)
    with style():
        rows = shadow_top(shadow_prices(data, lang), top)
        ax = _axes(ax, (8.0, max(2.5, 0.45 * len(rows) + 1.2)))
        if not rows:
            ax.set_axis_off()
            ax.text(0.5, 0.5, i18n.t("binding_none", lang), ha="center", va="center", transform=ax.transAxes)
            return ax
        y = np.arange(len(rows))[::-1].astype(float)
        values = np.array([float(r["value"]) for r in rows])
        colors = [COLORS["optimized"] if r["kind"] in ("budget", "agent", "liquidity") else COLORS["accent"]
                  for r in rows]
        ax.barh(y, values, color=colors, height=0.6)
        top = float(np.max(np.abs(values))) if values.size else 0.0
        top = top if top > 0 else 1000.0
        for yi, v in zip(y, values):
            ax.annotate(i18n.money(v, lang, 0), (v, yi), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                        ha="left" if v >= 0 else "right", va="center", fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels([str(r["label"]) for r in rows])
        lo = min(0.0, float(values.min())) * 1.35
        ax.set_xlim(lo, top * 1.35)
        ax.axvline(0, color="#444444", lw=0.8)
        _money_axis(ax.xaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(i18n.t("shadow_axis", lang))
        ax.set_title(i18n.t("shadow_chart_title", lang))
    return ax


def fig_cashflow(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Cash collected per week, all segments: mean and 95% band over replications, both policies."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax)
        days = int(data.daily.get_column("day").max()) + 1
        for baseline, color, dash, key in ((True, COLORS["baseline"], "--", "baseline"),
                                           (False, COLORS["optimized"], "-", "optimized")):
            starts, weekly = weekly_cash(data, baseline)
            mean, lo, hi = band(weekly)
            x = starts + np.minimum(3.5, (days - starts) / 2.0)
            ax.fill_between(x, lo, hi, color=color, alpha=0.2, linewidth=0)
            ax.plot(x, mean, dash, color=color, marker="o", ms=3, label=i18n.t(key, lang))
        ax.set_ylim(bottom=0)
        _money_axis(ax.yaxis, lang)
        _month_axis(ax, data, days, lang)
        ax.set_ylabel(i18n.t("cash_week", lang))
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color=COLORS["optimized"], alpha=0.2))
        labels.append(i18n.t("per_replication_ci", lang))
        ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
        order = [1, 0, 2]
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper center", ncols=3)
        ax.set_title(i18n.t("cashflow_title", lang))
    return ax


def _agent_series(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    reps = sorted(set(frame.get_column("replication").to_list()))
    days = int(frame.get_column("day").max()) + 1
    avail = np.zeros((len(reps), days))
    used = np.zeros((len(reps), days))
    queue = np.zeros((len(reps), days))
    index = {r: i for i, r in enumerate(reps)}
    r = np.array([index[v] for v in frame.get_column("replication").to_list()])
    d = frame.get_column("day").to_numpy()
    avail[r, d] = frame.get_column("minutes_available").to_numpy()
    used[r, d] = frame.get_column("minutes_used").to_numpy()
    queue[r, d] = frame.get_column("calls_waiting").to_numpy()
    return avail, used, queue


def fig_agents(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Agent utilization by working day (left axis) and calls waiting at the end of the day (right
    axis, shaded), optimized solid and current practice dashed, means with 95% bands."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax)
        twin = ax.twinx()
        twin.grid(False)
        twin.spines["right"].set_visible(True)
        days = 0
        for frame, dash, key in ((data.baseline_agents, "--", "baseline"), (data.agents, "-", "optimized")):
            avail, used, queue = _agent_series(frame)
            days = max(days, avail.shape[1])
            working = np.flatnonzero(avail.max(axis=0) > 0)
            util = np.divide(used[:, working], avail[:, working], out=np.zeros((avail.shape[0], working.size)),
                             where=avail[:, working] > 0)
            mean, lo, hi = band(util)
            color = COLORS["optimized"] if key == "optimized" else COLORS["baseline"]
            ax.fill_between(working, lo, hi, color=color, alpha=0.15, linewidth=0)
            ax.plot(working, mean, dash, color=color, lw=1.3,
                    label=f"{i18n.t('utilization', lang)} · {i18n.t(key, lang)}")
            qmean, qlo, qhi = band(queue[:, working])
            qcolor = COLORS["accent"] if key == "optimized" else COLORS["accent_light"]
            twin.fill_between(working, 0, qmean, color=qcolor, alpha=0.16 if key == "optimized" else 0.10,
                              linewidth=0)
            twin.plot(working, qmean, dash, color=qcolor, lw=1.1,
                      label=f"{i18n.t('queue', lang)} · {i18n.t(key, lang)}")
        ax.set_ylim(0, 1.08)
        _percent_axis(ax.yaxis, lang)
        ax.set_ylabel(i18n.t("utilization", lang), color=COLORS["optimized"])
        twin.set_ylim(bottom=0, top=max(twin.get_ylim()[1], 1.0) * 1.6)
        _money_axis(twin.yaxis, lang, money=False)
        twin.set_ylabel(i18n.t("queue", lang), color=COLORS["accent"])
        twin.tick_params(axis="y", labelsize=8, colors="#444444")
        _month_axis(ax, data, days, lang)
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        labels = ax.get_legend_handles_labels()[1] + twin.get_legend_handles_labels()[1]
        order = [1, 0, 3, 2]
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="center right", fontsize=7.5,
                  framealpha=0.9, frameon=True, edgecolor="none")
        ax.set_title(i18n.t("agents_title", lang))
    return ax


def _paired_bars(ax: Axes, data: RunData, lang: str, metrics: list[str], labels: list[str],
                 room: float = 1.5) -> None:
    y = np.arange(len(metrics))[::-1].astype(float)
    height = 0.38
    top = 0.0
    for offset, baseline, color, key in ((height / 2, True, COLORS["baseline"], "baseline"),
                                         (-height / 2, False, COLORS["optimized"], "optimized")):
        stats_ = [data.metric(m, baseline) if m in (data.baseline_summary if baseline else data.summary)["metrics"]
                  else (0.0, 0.0, 0.0) for m in metrics]
        mean = np.array([s[0] for s in stats_])
        lo = np.array([s[1] for s in stats_])
        hi = np.array([s[2] for s in stats_])
        ax.barh(y + offset, mean, height=height, color=color, label=i18n.t(key, lang),
                xerr=[mean - lo, hi - mean], error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#333333"})
        for yi, m, h in zip(y + offset, mean, hi):
            ax.annotate(i18n.number(m, lang, 0), (h, yi), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=7.5, color=COLORS["text"])
        top = max(top, float(hi.max()) if hi.size else 0.0)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlim(0, (top if top > 0 else 1.0) * room)
    _money_axis(ax.xaxis, lang, money=False)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(i18n.t("attempts_axis", lang))


def fig_attempts(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Contact attempts made per replication, by channel, both policies, with 95% intervals."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax, (7.0, 4.5))
        channels = [k[len("attempts_"):] for k in data.summary["metrics"] if k.startswith("attempts_")]
        channels = [c for c in i18n.CHANNEL_NAMES if c in channels] + sorted(
            c for c in channels if c not in i18n.CHANNEL_NAMES)
        _paired_bars(ax, data, lang, [f"attempts_{c}" for c in channels], [i18n.channel(c, lang) for c in channels],
                     room=1.65)
        ax.legend(loc="upper right")
        ax.set_title(i18n.t("attempts_title", lang), pad=24)
    return ax


def fig_compliance(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Attempts blocked by each contact rule, per replication, both policies, with 95% intervals, and the
    number of violations (which must be zero)."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax, (7.0, 4.5))
        rules = [k[len("blocked_"):] for k in data.summary["metrics"] if k.startswith("blocked_")]
        rules = [r for r in i18n.RULE_NAMES if r in rules] + sorted(r for r in rules if r not in i18n.RULE_NAMES)
        labels = []
        for r in rules:
            label = i18n.rule(r, lang)
            if r == "reg_f" and str(data.assumption("contact_rules.reg_f_mode", "")).lower() == "false":
                label += "\n" + i18n.t("rule_off", lang)
            labels.append(label)
        _paired_bars(ax, data, lang, [f"blocked_{r}" for r in rules], labels, room=2.1)
        vo = data.metric("violations")[0]
        vb = data.metric("violations", baseline=True)[0]
        ok = vo == 0 and vb == 0
        ax.text(0.0, 1.015, i18n.t("violations_badge", lang, opt=i18n.number(vo, lang), base=i18n.number(vb, lang)),
                transform=ax.transAxes, ha="left", va="bottom", fontsize=8.5, fontweight="bold",
                color="#1e7d32" if ok else "#b71c1c",
                bbox={"boxstyle": "round,pad=0.3", "fc": "#e8f5e9" if ok else "#ffebee", "ec": "none"})
        ax.legend(loc="upper right")
        ax.set_title(i18n.t("blocked_title", lang), pad=24)
    return ax


def fig_sensitivity(data: RunData, lang: str, ax: Axes | None = None) -> Axes:
    """Tornado: change in net recovery (NPV) when each behavioural parameter moves down and up
    (±20%), sorted by range, with 95% intervals of the paired effect."""
    i18n.check_lang(lang)
    with style():
        ax = _axes(ax)
        sens = data.sensitivity
        if sens is None or sens.height == 0:
            ax.set_axis_off()
            ax.text(0.5, 0.5, i18n.t("not_available", lang), ha="center", va="center", transform=ax.transAxes)
            return ax
        params = list(dict.fromkeys(sens.get_column("parameter").to_list()))
        rows = {}
        beats: dict[str, tuple] = {}
        for p in params:
            part = sens.filter(pl.col("parameter") == p).sort("change")
            down = part.filter(pl.col("change") < 0)
            up = part.filter(pl.col("change") > 0)
            get = (lambda f: (float(f["effect"][0]), float(f["effect_ci95_low"][0]), float(f["effect_ci95_high"][0]))
                   if f.height else (0.0, 0.0, 0.0))
            rows[p] = (get(down), get(up))
            if "gain" in sens.columns:
                beats[p] = tuple(bool(f["gain"][0] > 0) if f.height else None for f in (down, up))
        order = sorted(params, key=lambda p: (-(max(rows[p][0][0], rows[p][1][0], 0.0)
                                                 - min(rows[p][0][0], rows[p][1][0], 0.0)), p))
        y = np.arange(len(order))[::-1].astype(float)
        height = 0.38
        changes = sorted(set(abs(float(c)) for c in sens.get_column("change").to_list()))
        pct = i18n.percent(changes[-1], lang, 0) if changes else "20%"
        extent = 0.0
        for side, offset, color, key in ((0, height / 2, COLORS["minus"], "minus_pct"),
                                         (1, -height / 2, COLORS["plus"], "plus_pct")):
            eff = np.array([rows[p][side][0] for p in order])
            lo = np.array([rows[p][side][1] for p in order])
            hi = np.array([rows[p][side][2] for p in order])
            ax.barh(y + offset, eff, height=height, color=color, alpha=0.85, label=i18n.t(key, lang, p=pct))
            ax.errorbar(eff, y + offset, xerr=[eff - lo, hi - eff], fmt="none", ecolor="#222222", elinewidth=1,
                        capsize=2.5)
            for p, yi, e, l_, h in zip(order, y + offset, eff, lo, hi):
                x = h if e >= 0 else l_
                mark = {True: "  ✓", False: "  ✗"}.get(beats.get(p, (None, None))[side], "")
                text = i18n.money_compact(e, lang)
                text = (text + mark) if e >= 0 else (mark.strip() + "  " + text if mark else text)
                ax.annotate(text, (x, yi), xytext=(4 if e >= 0 else -4, 0),
                            textcoords="offset points", ha="left" if e >= 0 else "right", va="center", fontsize=7.5)
            extent = max(extent, float(np.max(np.abs(np.concatenate([lo, hi])))) if lo.size else 0.0)
        extent = extent if extent > 0 else 1.0
        ax.set_xlim(-extent * 1.3, extent * 1.3)
        ax.axvline(0, color="#333333", lw=0.9)
        ax.set_yticks(y)
        ax.set_yticklabels([i18n.parameter(p, lang) for p in order])
        ax.set_ylim(-0.7, len(order) - 0.3)
        _money_axis(ax.xaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(7, symmetric=True))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(i18n.t("effect_axis", lang))
        ax.legend(loc="lower right")
        ax.set_title(i18n.t("sensitivity_title", lang))
    return ax


#: Figures in report order: PNG name (under ``figures/``) → function.
FIGURES: dict[str, Callable[..., Axes]] = {
    "headline": fig_headline,
    "collection_curves": fig_collection_curves,
    "frontier": fig_frontier,
    "frontier_marginal": fig_frontier_marginal,
    "shadow_prices": fig_shadow_prices,
    "cashflow": fig_cashflow,
    "agents": fig_agents,
    "attempts": fig_attempts,
    "compliance": fig_compliance,
    "sensitivity": fig_sensitivity,
}
