"""The policy report: an A4 landscape PDF and every figure as PNG, from a run directory.

:func:`write_report` only reads the run directory (:func:`reports.rundata.load_run`) and
writes ``report.pdf`` and ``figures/*.png`` into it. Pages, in order:

1. cover: scenario, portfolio, date, the headline with confidence intervals;
2. the policy per segment (continued on more pages when it does not fit);
3. collection curves; 4. recovery against give-away; 5. what the constraints cost;
6. weekly cash flow; 7. agents and the call queue; 8. compliance; 9. sensitivity;
10. assumptions (as many pages as it takes).

Pages whose optional input is missing (sensitivity, assumptions) are left out.

The output is deterministic: the same run directory gives the same bytes. Matplotlib runs
on :class:`~matplotlib.figure.Figure` objects (Agg for PNG, the PDF backend for the
document) inside ``rc_context``, so no global state is changed; the PDF carries no
creation date unless ``SOURCE_DATE_EPOCH`` is set, PNGs carry no software tag, and
everything is iterated in a fixed order.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import MaxNLocator

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.rundata import RunData, load_run

__all__ = ["PAGE_SIZE", "PNG_DPI", "Column", "write_report", "build_pages", "save_figures", "pdf_metadata"]

#: A4 landscape, inches.
PAGE_SIZE: tuple[float, float] = (11.69, 8.27)
#: Resolution of the PNG figures.
PNG_DPI: int = 150

_MARGIN_X = 0.55          # inches, left and right
_CONTENT_TOP = 7.25       # inches from the bottom: where the content starts below the header
_CONTENT_BOTTOM = 0.55    # inches: above the footer


# --------------------------------------------------------------------------- page furniture


@dataclass
class _Page:
    fig: Figure
    title: str
    top: float  # inches from the bottom of the page: where the content may start


def _page(title: str, data: RunData, lang: str, note: str | None = None) -> _Page:
    fig = Figure(figsize=PAGE_SIZE)
    W, H = PAGE_SIZE
    sub = data.scenario_name
    if data.manifest.get("report_date"):
        sub += "  ·  " + i18n.date(str(data.manifest["report_date"]), lang)
    room = W - 2 * _MARGIN_X - _text_width(sub, 8.5) - 0.3
    size = 16.0
    while size > 11 and _text_width(title, size, bold=True) > room:
        size -= 0.5
    fig.text(_MARGIN_X / W, 7.72 / H, title, fontsize=size, fontweight="bold", color=F.COLORS["text"], va="baseline")
    fig.text(1 - _MARGIN_X / W, 7.72 / H, sub, fontsize=8.5, color=F.COLORS["muted"], ha="right", va="baseline")
    fig.add_artist(_hline_at(fig, _MARGIN_X, W - _MARGIN_X, 7.55, "#bbbbbb", 0.8))
    top = _CONTENT_TOP
    if note:
        text = _wrap(note, 9.0, W - 2 * _MARGIN_X)
        fig.text(_MARGIN_X / W, 7.38 / H, text, fontsize=9.0, color=F.COLORS["muted"], va="top", linespacing=1.3)
        top = 7.38 - (text.count("\n") + 1) * 9.0 * 1.3 / 72.0 - 0.2
    return _Page(fig, title, top)


def _footer(page: _Page, n: int, total: int, data: RunData, lang: str, title_key: str = "report_title") -> None:
    W, H = PAGE_SIZE
    fig = page.fig
    sc = data.manifest.get("scenario", {})
    left = f"acordo · {t(title_key, lang)} · {sc.get('file', '')}"
    if sc.get("hash"):
        left += f" ({sc['hash']})"
    fig.text(_MARGIN_X / W, 0.28 / H, left, fontsize=7, color=F.COLORS["muted"], va="baseline")
    fig.text(1 - _MARGIN_X / W, 0.28 / H, t("page", lang, n=n, total=total), fontsize=7, color=F.COLORS["muted"],
             ha="right", va="baseline")


@functools.lru_cache(maxsize=4096)
def _char_width(char: str, bold: bool) -> float:
    """Advance width of ``char`` in DejaVu Sans at 10 pt, in points."""
    prop = FontProperties(family=str(F.STYLE["font.family"]), size=10, weight="bold" if bold else "normal")
    if char.isspace():
        return text_to_path.get_text_width_height_descent("a a", prop, ismath=False)[0] - \
            text_to_path.get_text_width_height_descent("aa", prop, ismath=False)[0]
    return text_to_path.get_text_width_height_descent(char, prop, ismath=False)[0]


def _text_width(text: str, fontsize: float, bold: bool = False) -> float:
    """Width of one line of ``text`` in inches (sum of the characters' advances, no kerning: a little wide)."""
    return sum(_char_width(c, bold) for c in text) * fontsize / 10.0 / 72.0


def _wrap_line(line: str, fontsize: float, width_in: float, bold: bool) -> list[str]:
    words = line.split(" ")
    out: list[str] = []
    current = ""
    for word in words:
        trial = word if not current else f"{current} {word}"
        if not current or _text_width(trial, fontsize, bold) <= width_in:
            current = trial
            continue
        out.append(current)
        current = word
    out.append(current)
    # break a word still too long at a zero-width space (dotted keys) when there is one
    final: list[str] = []
    for piece in out:
        while _text_width(piece, fontsize, bold) > width_in and "\u200b" in piece:
            parts = piece.split("\u200b")
            k = len(parts) - 1
            while k > 1 and _text_width("".join(parts[:k]), fontsize, bold) > width_in:
                k -= 1
            final.append("".join(parts[:k]))
            piece = "".join(parts[k:])
        final.append(piece)
    return final


def _wrap(text: str, fontsize: float, width_in: float, bold: bool = False) -> str:
    """``text`` wrapped to ``width_in`` inches at ``fontsize`` points; paragraphs kept, amounts never split."""
    text = text.replace("R$ ", "R$\u00a0").replace(" p.p.", "\u00a0p.p.")
    text = re.sub(r"\b(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\b", "\\1\u00a0\\2\u00a0\\3", text)  # 5 Jan 2026
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += _wrap_line(paragraph, fontsize, width_in, bold) if paragraph else [""]
    return "\n".join(lines).replace("\u00a0", " ").replace("\u200b", "")


def _axes_in(fig: Figure, left: float, bottom: float, width: float, height: float) -> Axes:
    """Axes placed in inches from the bottom-left corner of the page."""
    W, H = PAGE_SIZE
    return fig.add_axes((left / W, bottom / H, width / W, height / H))


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """One column of a drawn table: header, width (share of the table width), alignment, wrapping."""

    header: str
    width: float
    align: str = "left"
    wrap: bool = True
    width_in: float = 0.0


def _cell_lines(text: str, column: Column, width_in: float, fontsize: float, bold: bool = False) -> list[str]:
    if not column.wrap:
        return text.split("\n")
    return _wrap(text, fontsize, width_in, bold).split("\n")


def _layout(columns: Sequence[Column], rows: Sequence[Sequence[str]], width_in: float,
            fontsize: float) -> list[list[list[str]]]:
    pad = 2 * 0.06
    return [[_cell_lines(str(cell), col, col.width * width_in - pad, fontsize) for cell, col in zip(row, columns)]
            for row in rows]


def _row_height(cells: list[list[str]], fontsize: float) -> float:
    lines = max((len(c) for c in cells), default=1)
    return (lines * 1.22 * fontsize + 0.7 * fontsize) / 72.0


def _paginate(heights: list[float], first: float, rest: float) -> list[list[int]]:
    """Split row indices into pages: ``first`` inches available on the first page, ``rest`` after."""
    pages: list[list[int]] = [[]]
    room = first
    for i, h in enumerate(heights):
        if pages[-1] and h > room:
            pages.append([])
            room = rest
        pages[-1].append(i)
        room -= h
    return pages


def _draw_table(fig: Figure, left: float, top: float, width: float, columns: Sequence[Column],
                wrapped: Sequence[list[list[str]]], fontsize: float, *, shade: Sequence[bool] | None = None,
                bold_last: bool = False, header_size: float | None = None) -> float:
    """Draw a table with its top-left corner at (``left``, ``top``) inches; returns the bottom (inches)."""
    W, H = PAGE_SIZE
    header_size = header_size or fontsize
    head = [_cell_lines(c.header, Column(c.header, c.width, c.align, True), c.width * width - 0.12, header_size, True)
            for c in columns]
    y = top
    hh = _row_height(head, header_size)
    fig.add_artist(_rect(fig, left, y - hh, width, hh, "#e9eef5"))
    x = left
    for col, lines in zip(columns, head):
        _cell_text(fig, x, y, col, lines, header_size, bold=True)
        x += col.width * width
    y -= hh
    for k, cells in enumerate(wrapped):
        h = _row_height(cells, fontsize)
        if shade is not None and shade[k]:
            fig.add_artist(_rect(fig, left, y - h, width, h, F.COLORS["chronic"]))
        x = left
        bold = bold_last and k == len(wrapped) - 1
        for col, lines in zip(columns, cells):
            _cell_text(fig, x, y, col, lines, fontsize, bold=bold)
            x += col.width * width
        fig.add_artist(_hline_at(fig, left, left + width, y - h, "#d5d5d5", 0.5))
        y -= h
    fig.add_artist(_hline_at(fig, left, left + width, top, "#888888", 0.8))
    fig.add_artist(_hline_at(fig, left, left + width, y, "#888888", 0.8))
    return y


def _cell_text(fig: Figure, x: float, y: float, col: Column, lines: list[str], fontsize: float, bold: bool) -> None:
    W, H = PAGE_SIZE
    pad = 0.06
    if col.align == "right":
        xx, ha = x + col.width_in - pad, "right"
    elif col.align == "center":
        xx, ha = x + col.width_in / 2, "center"
    else:
        xx, ha = x + pad, "left"
    fig.text(xx / W, (y - 0.35 * fontsize / 72.0) / H, "\n".join(lines), fontsize=fontsize, ha=ha, va="top",
             fontweight="bold" if bold else "normal", color=F.COLORS["text"], linespacing=1.22,
             multialignment=ha)


def _rect(fig: Figure, left: float, bottom: float, width: float, height: float, color: str):
    from matplotlib.patches import Rectangle
    W, H = PAGE_SIZE
    return Rectangle((left / W, bottom / H), width / W, height / H, transform=fig.transFigure, facecolor=color,
                     edgecolor="none", zorder=-1)


def _hline_at(fig: Figure, x0: float, x1: float, y: float, color: str, lw: float):
    from matplotlib.lines import Line2D
    W, H = PAGE_SIZE
    return Line2D([x0 / W, x1 / W], [y / H, y / H], transform=fig.transFigure, color=color, lw=lw)


def _sized(columns: Sequence[Column], width: float) -> list[Column]:
    """Columns with their width in inches attached (for right and centre alignment)."""
    total = sum(c.width for c in columns)
    out = []
    for c in columns:
        out.append(Column(c.header, c.width / total, c.align, c.wrap, c.width / total * width))
    return out


def _table_pages(data: RunData, lang: str, title: str, note: str | None, columns: Sequence[Column],
                 rows: Sequence[Sequence[str]], fontsize: float, *, shade: Sequence[bool] | None = None,
                 bold_last: bool = False, footnote: str | None = None) -> list[_Page]:
    """A table over as many pages as it needs, with the header repeated on each."""
    W, H = PAGE_SIZE
    width = W - 2 * _MARGIN_X
    cols = _sized(columns, width)
    wrapped = _layout(cols, rows, width, fontsize)
    heights = [_row_height(c, fontsize) for c in wrapped]
    head = _row_height([_cell_lines(c.header, Column(c.header, c.width, c.align, True), c.width * width - 0.12,
                                    fontsize, True) for c in cols], fontsize)
    bottom = _CONTENT_BOTTOM + (0.4 if footnote else 0.05)
    first = _page(title, data, lang, note)
    groups = _paginate(heights, first.top - bottom - head, _CONTENT_TOP - bottom - head)
    pages = []
    for k, idx in enumerate(groups):
        page = first if k == 0 else _page(f"{title} {t('continued', lang)}", data, lang)
        end = _draw_table(page.fig, _MARGIN_X, page.top, width, cols, [wrapped[i] for i in idx], fontsize,
                          shade=[shade[i] for i in idx] if shade is not None else None,
                          bold_last=bold_last and idx[-1] == len(rows) - 1)
        if footnote and k == len(groups) - 1:
            page.fig.text(_MARGIN_X / W, (end - 0.1) / H, _wrap(footnote, 8, width), fontsize=8,
                          color=F.COLORS["muted"], va="top")
        pages.append(page)
    return pages


# --------------------------------------------------------------------------- pages


def _ci_text(lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    return f"[{fmt(lo)} – {fmt(hi)}]"


def _signed(value: float, fmt: Callable[[float], str]) -> str:
    return ("+" if value > 0 else "") + fmt(value)


def _signed_pp(value: float, lang: str) -> str:
    text = i18n.number(100 * value, lang, 1)
    return ("+" if value > 0 else "") + text + " p.p."


def _money_auto(value: float, lang: str) -> str:
    """Whole reais from R$ 100 up (and for zero), cents below."""
    return i18n.money(value, lang, 0 if abs(value) >= 100 or value == 0 else 2)


def _cover(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("report_title", lang), data, lang)
    fig = page.fig
    m = data.manifest
    pf = m.get("portfolio", {})
    x = _MARGIN_X / W
    left_w = 5.55
    fig.text(x, 7.2 / H, _wrap(data.scenario_name, 20, left_w), fontsize=20, fontweight="bold",
             color=F.COLORS["optimized"], va="top")
    info = [
        (t("scenario_file", lang), str(m.get("scenario", {}).get("file", ""))),
        (t("portfolio", lang), t("portfolio_line", lang, debtors=i18n.number(pf.get("debtors", 0), lang),
                                 balance=i18n.money(float(pf.get("balance", 0.0)), lang, 2),
                                 segments=len(data.segment_names))),
    ]
    if m.get("report_date"):
        info.append((t("report_date", lang), i18n.date(str(m["report_date"]), lang)))
    horizon = data.assumption("calendar.horizon_days") or str(int(data.daily.get_column("day").max()) + 1)
    start = F._start_date(data)
    sim_line = t("simulation_line", lang, replications=data.summary.get("replications", ""),
                 seed=data.summary.get("seed", m.get("seeds", {}).get("seed", "")), horizon=horizon,
                 start=i18n.date(start, lang) if start else "–")
    y = 6.62
    for label, value in info:
        fig.text(x, y / H, label, fontsize=9.5, color=F.COLORS["muted"], va="top")
        fig.text((_MARGIN_X + 1.35) / W, y / H, _wrap(value, 9.5, left_w - 1.35), fontsize=9.5, va="top",
                 color=F.COLORS["text"])
        y -= 0.26
    fig.text((_MARGIN_X + 1.35) / W, y / H, _wrap(sim_line, 8, left_w - 1.35), fontsize=8, va="top",
             color=F.COLORS["muted"])
    y -= 0.45
    validation = data.solution.get("validation") or {}
    money0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    if validation.get("difference"):
        d = validation["difference"]
        key = "gain_sentence" if float(d["mean"]) >= 0 else "loss_sentence"
        sentence = _wrap(t(key, lang, diff=money0(float(d["mean"])), lo=money0(float(d["ci95"][0])),
                           hi=money0(float(d["ci95"][1]))), 12, left_w)
        fig.text(x, y / H, sentence, fontsize=12, fontweight="bold", color=F.COLORS["optimized"], va="top",
                 linespacing=1.3)
        y -= (sentence.count("\n") + 1) * 12 * 1.3 / 72 + 0.12
    pred = validation.get("predicted")
    if pred:
        sentence = _wrap(t("prediction_sentence", lang, pred=money0(float(pred["mean"])),
                           lo=money0(float(pred["ci95"][0])), hi=money0(float(pred["ci95"][1])),
                           sim=money0(data.metric("net_npv")[0])), 9, left_w)
        fig.text(x, y / H, sentence, fontsize=9, color=F.COLORS["text"], va="top", linespacing=1.3)
        y -= (sentence.count("\n") + 1) * 9 * 1.3 / 72 + 0.08
    status = t("violations_line", lang, n=i18n.number(data.metric("violations")[0], lang),
               b=i18n.number(data.metric("violations", baseline=True)[0], lang)) + "  ·  " + \
        t("solver_line", lang, status=data.solution.get("status", "?"),
          solver=data.solution.get("solver", data.manifest.get("solver", "?")))
    fig.text(x, y / H, _wrap(status, 8.5, left_w), fontsize=8.5, color=F.COLORS["muted"], va="top")
    # the chart, top right
    ax = _axes_in(fig, _MARGIN_X + left_w + 1.8, 4.05, W - 2 * _MARGIN_X - left_w - 1.9, 2.55)
    F.fig_headline(data, lang, ax=ax)
    ax.set_title(_wrap(t("validation_title", lang), 9.5, W - 2 * _MARGIN_X - left_w - 0.5), fontsize=9.5, x=-0.55,
                 loc="left")
    # the headline table, full width
    pct = lambda v: i18n.percent(v, lang, 1)  # noqa: E731
    metrics = [("net_npv", money0), ("collected_npv", money0), ("collected", money0), ("give_away", money0),
               ("cost_npv", money0), ("recovery_rate", pct)]
    rows = []
    for name, fmt in metrics:
        b, blo, bhi = data.metric(name, baseline=True)
        o, olo, ohi = data.metric(name)
        if name == "net_npv" and validation.get("difference"):
            d = validation["difference"]
            diff = f"{_signed(float(d['mean']), fmt)}\n{_ci_text(float(d['ci95'][0]), float(d['ci95'][1]), fmt)}"
        elif name == "recovery_rate":
            diff = _signed_pp(o - b, lang)
        else:
            diff = _signed(o - b, fmt)
        label = i18n.metric(name, lang)
        rows.append([label[:1].upper() + label[1:], f"{fmt(b)}\n{_ci_text(blo, bhi, fmt)}",
                     f"{fmt(o)}\n{_ci_text(olo, ohi, fmt)}", diff])
    table_w = W - 2 * _MARGIN_X
    cols = _sized([Column(t("metric", lang), 2.3), Column(t("baseline", lang), 3.0, "right", False),
                   Column(t("optimized", lang), 3.0, "right", False),
                   Column(t("difference", lang), 2.9, "right", False)], table_w)
    top = 3.42
    fig.text(x, (top + 0.12) / H, t("headline", lang), fontsize=12, fontweight="bold", va="baseline",
             color=F.COLORS["text"])
    end = _draw_table(fig, _MARGIN_X, top, table_w, cols, _layout(cols, rows, table_w, 9.0), 9.0)
    fig.text(x, (end - 0.1) / H, _wrap(t("headline_note", lang, replications=data.summary.get("replications", "")),
                                       8, table_w), fontsize=8, color=F.COLORS["muted"], va="top")
    return page


def _offer_mix(offers: list[dict], lang: str) -> str:
    lines = []
    for o in sorted(offers, key=lambda o: (-float(o.get("share", 0)), float(o["discount"]), int(o["installments"]))):
        text = i18n.offer(float(o["discount"]), int(o["installments"]), lang)
        share = float(o.get("share", 1.0))
        lines.append(text if share >= 0.9995 else f"{i18n.percent(share, lang, 0)}: {text}")
    return "\n".join(lines) if lines else t("none", lang)


def _cadence(steps: list[dict], lang: str) -> str:
    if not steps:
        return t("cadence_empty", lang)
    days = [int(s["day"]) for s in steps]
    counts: dict[str, int] = {}
    for s in steps:
        counts[s["channel"]] = counts.get(s["channel"], 0) + 1
    known = list(i18n.CHANNEL_NAMES)
    order = sorted(counts, key=lambda c: (-counts[c], known.index(c) if c in known else len(known), c))
    first = t("cadence_summary", lang, n=len(steps), first=min(days), last=max(days))
    return first + "\n" + ", ".join(f"{i18n.channel(c, lang)} {counts[c]}" for c in order)


def _segment_npv(data: RunData, baseline: bool) -> dict[str, float]:
    cube = F.cube(data.baseline_daily if baseline else data.daily, "npv", data.segment_names)
    mean = cube.sum(axis=1).mean(axis=0)
    return dict(zip(data.segment_names, (float(v) for v in mean)))


def _pair(a: float, b: float, lang: str) -> str:
    """``R$ 4.64M`` over ``→ R$ 4.70M``: two amounts on one scale with three significant digits."""
    scale = i18n.compact_scale(max(abs(a), abs(b)))
    digits = len(str(int(max(abs(a), abs(b)) / scale)))
    decimals = max(0, 3 - digits) if scale > 1 else 0
    return (f"{i18n.money_compact(a, lang, scale=scale, decimals=decimals)}\n→ "
            f"{i18n.money_compact(b, lang, scale=scale, decimals=decimals)}")


def _policy_pages(data: RunData, lang: str) -> list[_Page]:
    detail = data.policy.get("segments", {})
    policy = data.policy.get("policy") or {}
    offers = policy.get("segments", {})
    default = policy.get("offers", [])
    base_npv = _segment_npv(data, True)
    opt_npv = _segment_npv(data, False)
    seg = data.segments
    desc = seg.get_column("description").to_list() if "description" in seg.columns else [""] * seg.height
    rows, shade = [], []
    tot = {"debtors": 0, "balance": 0.0, "npv": 0.0, "give": 0.0, "base": 0.0, "opt": 0.0}
    m2 = lambda v: i18n.money(v, lang, 2)  # noqa: E731
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    for name, debtors, balance, chronic, description in zip(seg.get_column("segment").to_list(),
                                                            seg.get_column("debtors").to_list(),
                                                            seg.get_column("balance").to_list(),
                                                            seg.get_column("chronic").to_list(), desc):
        d = detail.get(name, {})
        n = int(d.get("debtors", debtors) or 0)
        npv = d.get("expected_npv_per_debtor")
        give = d.get("expected_give_per_debtor")
        limit = d.get("discount_limit")
        margin = d.get("marginal_net_per_give")
        limit_text = i18n.percent(float(limit), lang, 0) if limit is not None else "–"
        interval = d.get("discount_limit_interval") or [None, None]
        if limit is not None and interval[0] is not None and interval[1] is not None:
            limit_text += f"\n[{i18n.percent(float(interval[0]), lang, 0)}–{i18n.percent(float(interval[1]), lang, 0)}]"
        if d.get("chosen_offer_win_share") is not None:
            limit_text += "\n" + t("win_share", lang, p=i18n.percent(float(d["chosen_offer_win_share"]), lang, 0))
        if margin is not None:
            limit_text += f"\n{m2(float(margin))}"
        rows.append([
            name + ("\n" + description if description else ""),
            t("chronic", lang) if chronic else "",
            f"{i18n.number(n, lang)}\n{m0(float(balance))}",
            _offer_mix((offers.get(name) or {}).get("offers", default), lang),
            _cadence(d.get("cadence", []), lang),
            limit_text,
            f"{m0(npv * n)}\n{m2(npv)}" if npv is not None else "–",
            f"{m0(give * n)}\n{m2(give)}" if give is not None else "–",
            _pair(base_npv[name], opt_npv[name], lang),
        ])
        shade.append(bool(chronic))
        tot["debtors"] += n
        tot["balance"] += float(balance)
        tot["npv"] += (npv or 0.0) * n
        tot["give"] += (give or 0.0) * n
        tot["base"] += base_npv[name]
        tot["opt"] += opt_npv[name]
    rows.append([t("total", lang), "", f"{i18n.number(tot['debtors'], lang)}\n{m0(tot['balance'])}", "", "", "",
                 m0(tot["npv"]), m0(tot["give"]), _pair(tot["base"], tot["opt"], lang)])
    shade.append(False)
    columns = [Column(t("col_segment", lang), 2.2), Column(t("chronic", lang).capitalize(), 0.5, "center"),
               Column(t("col_debtors_balance", lang), 0.85, "right", False), Column(t("col_offer_mix", lang), 1.2),
               Column(t("col_cadence", lang), 2.05), Column(t("col_discount_limit", lang), 0.75, "right"),
               Column(t("col_expected_recovery", lang), 0.95, "right"),
               Column(t("col_expected_give", lang), 0.9, "right"),
               Column(t("col_simulated", lang), 1.15, "right")]
    return _table_pages(data, lang, t("policy_title", lang), t("policy_note", lang), columns, rows, 7.5,
                        shade=shade, bold_last=True)


def _curves_page(data: RunData, lang: str) -> _Page:
    page = _page(t("curves_title", lang), data, lang, t("curves_note", lang))
    W, _H = PAGE_SIZE
    ax = _axes_in(page.fig, _MARGIN_X - 0.1, _CONTENT_BOTTOM + 0.05, W - 2 * _MARGIN_X + 0.1,
                  page.top - _CONTENT_BOTTOM - 0.05)
    F.fig_collection_curves(data, lang, ax=ax)
    return page


def _frontier_page(data: RunData, lang: str) -> _Page:
    W, _H = PAGE_SIZE
    page = _page(t("frontier_title", lang), data, lang, t("frontier_note", lang))
    top = page.top - 0.45
    ax = _axes_in(page.fig, 1.3, 0.95, 5.9, top - 0.95)
    F.fig_frontier(data, lang, ax=ax)
    ax.set_title("")
    ax2 = _axes_in(page.fig, 8.2, 0.95, W - 8.2 - _MARGIN_X - 0.1, top - 0.95)
    F.fig_frontier_marginal(data, lang, ax=ax2)
    ax2.set_title(_wrap(t("marginal_title", lang), 10, W - 7.5 - _MARGIN_X), loc="left", x=-0.3, fontsize=10)
    return page


def _limit_text(name: str, c: dict, lang: str, key: str = "rhs") -> str:
    value = float(c.get(key) or 0.0)
    family = name.split("[", 1)[0]
    sense = {"<=": "≤ ", ">=": "≥ ", "=": "= "}.get(str(c.get("sense")), "") if key == "rhs" else ""
    if family in ("chronic_cap", "peer_mean"):
        return sense + i18n.percent(value, lang, 1)
    if family == "chronic_vs":
        return sense + (_signed_pp(value, lang) if value else "0 p.p.")
    if family in ("agent_minutes",):
        return sense + i18n.number(value, lang, 0)
    if family in ("assign",):
        return sense + i18n.number(value, lang, 2)
    return sense + i18n.money(value, lang, 0)


def _constraint_pages(data: RunData, lang: str) -> list[_Page]:
    W, H = PAGE_SIZE
    page = _page(t("constraints_title", lang), data, lang, t("constraints_note", lang))
    fig = page.fig
    sol = data.solution
    cons = {c["name"]: c for c in sol.get("constraints", [])}
    prices = F.shadow_prices(data, lang)
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    mv = lambda v: _money_auto(v, lang)  # noqa: E731
    width = 5.6
    bullets: list[tuple[str, str]] = []
    budget = next((p for p in prices if p["kind"] == "budget"), None)
    if budget is not None:
        c = budget["constraint"]
        used = float(sol.get("give_away") or 0.0)
        allowed = used + float(c.get("slack") or 0.0) if c["name"] == "budget_share" else float(c.get("rhs") or 0.0)
        bullets.append((t("budget_sentence", lang, v=mv(float(budget["value"]))),
                        t("budget_used" if c.get("binding") else "budget_unused", lang, used=m0(used),
                          allowed=m0(allowed))))
    else:
        bullets.append((t("no_budget", lang), ""))
    agent = next((p for p in prices if p["kind"] == "agent"), None)
    agents, minutes = F._agents_per_count(data)
    simulated = (data.marginal or {}).get("one_more_agent")
    if simulated is not None:
        lo, hi = simulated["ci95"]
        detail = t("agent_simulated_detail", lang, lo=mv(float(lo)), hi=mv(float(hi)),
                   r=i18n.number(int(simulated["replications"]), lang))
        if agent is not None:
            detail += "; " + t("agent_lp_detail", lang, v=mv(float(agent["value"])))
        bullets.append((t("agent_sentence", lang, v=mv(float(simulated["mean"]))), detail))
    elif agent is not None:
        c = agent["constraint"]
        detail = t("agent_hour_sentence", lang, v=mv(60.0 * float(agent["unit_value"])))
        if agents and minutes:
            detail += "; " + t("agent_detail", lang, agents=i18n.number(agents, lang),
                               minutes=i18n.number(minutes / agents, lang),
                               used=i18n.number(float(c["activity"]), lang), total=i18n.number(minutes, lang))
        bullets.append((t("agent_sentence", lang, v=mv(float(agent["value"]))), detail))
    else:
        bullets.append((t("no_agents", lang), ""))
    for p in prices:
        value = float(p["value"])
        if p["kind"] == "liquidity":
            bullets.append((t("liquidity_sentence", lang, v=mv(value)), ""))
        elif p["kind"] == "chronic_cap" and abs(value) >= 0.005:
            bullets.append((t("cap_sentence", lang, segment=p["segment"], v=mv(value)), ""))
        elif p["kind"] == "chronic_vs" and abs(value) >= 0.005:
            bullets.append((t("chronic_vs_sentence", lang, segment=p["segment"], v=mv(value)), ""))
        elif p["kind"] == "min_recovery" and abs(value) >= 0.005:
            bullets.append((t("min_recovery_sentence", lang, segment=p["segment"], v=mv(value)), ""))
    y = page.top - 0.05
    x = _MARGIN_X
    for head, detail in bullets[:6]:
        text = _wrap(head, 10.5, width - 0.25)
        fig.text((x + 0.25) / W, y / H, text, fontsize=10.5, fontweight="bold", va="top", color=F.COLORS["text"],
                 linespacing=1.25)
        fig.text(x / W, y / H, "→", fontsize=10.5, va="top", color=F.COLORS["optimized"], fontweight="bold")
        y -= (text.count("\n") + 1) * 10.5 * 1.25 / 72 + 0.04
        if detail:
            dt = _wrap(detail, 8.5, width - 0.25)
            fig.text((x + 0.25) / W, y / H, dt, fontsize=8.5, va="top", color=F.COLORS["muted"], linespacing=1.25)
            y -= (dt.count("\n") + 1) * 8.5 * 1.25 / 72
        y -= 0.14
    # the chart on the right, as tall as the bullets
    chart_left = x + width + 2.65
    chart_h = max(1.3, min(2.1, 0.18 * max(1, len(prices)) + 0.45))
    ax = _axes_in(fig, chart_left, page.top - 0.3 - chart_h, W - _MARGIN_X - chart_left - 0.5, chart_h)
    F.fig_shadow_prices(data, lang, ax=ax)
    ax.set_title(t("shadow_chart_title", lang), fontsize=9, loc="left", x=-0.5)
    ax.tick_params(axis="y", labelsize=7.5)
    ax.xaxis.label.set_fontsize(8)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    y = min(y, page.top - 0.3 - chart_h - 0.5)
    # binding constraints, then the out-of-sample checks
    table_w = W - 2 * _MARGIN_X
    binding = [name for name in sol.get("binding", []) if name in cons]
    rows = []
    for name in binding:
        c = cons[name]
        worth = next((p for p in prices if p["name"] == name), None)
        up = c.get("dual_up", c.get("dual"))
        down = c.get("dual_down", c.get("dual"))
        shadow = i18n.number(float(c.get("dual") or 0.0), lang, 2)
        if up is not None and down is not None and abs(float(up) - float(down)) > 1e-9 * max(1.0, abs(float(up))):
            shadow = t("shadow_two_sided", lang, up=i18n.number(float(up), lang, 2), down=i18n.number(float(down), lang, 2))
        if c.get("note"):
            shadow += "\n" + t("loosen_nothing", lang)
        rows.append([i18n.constraint(name, lang), _limit_text(name, c, lang), _limit_text(name, c, lang, "activity"),
                     shadow, mv(float(worth["value"])) if worth is not None else "–"])
    cols = _sized([Column(t("col_constraint", lang), 3.4), Column(t("col_limit", lang), 1.2, "right", False),
                   Column(t("col_value", lang), 1.4, "right", False), Column(t("col_shadow", lang), 1.3, "right", False),
                   Column(t("col_meaning", lang), 1.6, "right", False)], table_w)
    checks = (sol.get("validation") or {}).get("constraints") or []
    crow = []
    for c in checks:
        lo, hi = c.get("ci95", [c["simulated"], c["simulated"]])
        unit = c.get("unit", "R$")
        fmt = {"R$": m0, "share": lambda v: i18n.percent(v, lang, 1)}.get(unit, lambda v: i18n.number(v, lang, 0))
        label = t("budget_share_check", lang) if unit == "share" else i18n.constraint(c["name"], lang)
        sense = {"<=": "≤ ", ">=": "≥ "}.get(str(c.get("sense")), "")
        held = t("yes" if c.get("holds") else "no", lang)
        if c.get("held_share") is not None:
            held = t("held_share", lang, p=i18n.percent(float(c["held_share"]), lang, 0), n=c.get("replications", ""))
        crow.append([label, sense + fmt(float(c["limit"])),
                     f"{fmt(float(c['simulated']))}   {_ci_text(float(lo), float(hi), fmt)}", held])
    ccols = _sized([Column(t("col_constraint", lang), 3.4), Column(t("col_limit", lang), 1.6, "right", False),
                    Column(t("col_simulated_value", lang), 3.0, "right", False),
                    Column(t("col_holds", lang), 1.6, "center", False)], table_w)
    size = 8.0
    sections = [(t("binding_title", lang), cols, rows, t("binding_none", lang)),
                (t("validation_checks", lang), ccols, crow, None)]
    pages = [page]
    current = page
    for heading, columns, body, empty in sections:
        if not body and empty is None:
            continue
        wrapped = _layout(columns, body, table_w, size)
        header_h = _row_height([[c.header] for c in columns], size)
        k = 0
        first = True
        while first or k < len(wrapped):
            room = y - 0.28 - header_h - _CONTENT_BOTTOM
            take = 0
            acc = 0.0
            while k + take < len(wrapped) and acc + _row_height(wrapped[k + take], size) <= room:
                acc += _row_height(wrapped[k + take], size)
                take += 1
            if first and 0 < take < len(wrapped) <= 8 and current is page:
                take = 0  # keep a short table together on the next page
            if wrapped and take == 0:
                current = _page(f"{t('constraints_title', lang)} {t('continued', lang)}", data, lang)
                pages.append(current)
                y = current.top
                continue
            label = heading if first else f"{heading} {t('continued', lang)}"
            current.fig.text(_MARGIN_X / W, y / H, label, fontsize=10, fontweight="bold", va="top")
            if not wrapped:
                current.fig.text(_MARGIN_X / W, (y - 0.3) / H, empty, fontsize=9, va="top")
                y -= 0.65
            else:
                y = _draw_table(current.fig, _MARGIN_X, y - 0.28, table_w, columns, wrapped[k:k + take], size) - 0.28
            k += take
            first = False
    return pages


def _cashflow_page(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("cashflow_title", lang), data, lang, t("cashflow_note", lang))
    months, opt = F.monthly_cash(data)
    _months, base = F.monthly_cash(data, baseline=True)
    om, olo, ohi = F.band(opt)
    bm, blo, bhi = F.band(base)
    dm = om - bm
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    rows = []
    cum = 0.0
    for k, month in enumerate(months):
        cum += float(om[k])
        rows.append([i18n.month(month, lang), f"{m0(float(bm[k]))}   {_ci_text(float(blo[k]), float(bhi[k]), m0)}",
                     f"{m0(float(om[k]))}   {_ci_text(float(olo[k]), float(ohi[k]), m0)}",
                     _signed(float(dm[k]), m0), m0(cum)])
    rows.append([t("total", lang), m0(float(bm.sum())), m0(float(om.sum())), _signed(float(dm.sum()), m0),
                 m0(float(om.sum()))])
    table_w = W - 2 * _MARGIN_X
    cols = _sized([Column(t("col_month", lang), 1.0), Column(t("baseline", lang), 2.6, "right", False),
                   Column(t("optimized", lang), 2.6, "right", False), Column(t("difference", lang), 1.3, "right", False),
                   Column(f"{t('optimized', lang)}, {t('cumulative', lang)}", 1.7, "right", False)], table_w)
    size = 8.0 if len(rows) <= 9 else 7.0
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


def _agents_page(data: RunData, lang: str) -> _Page:
    W, H = PAGE_SIZE
    page = _page(t("agents_title", lang), data, lang, t("agents_note", lang))
    ax = _axes_in(page.fig, 1.25, 1.3, W - 1.25 - _MARGIN_X - 0.8, page.top - 1.3 - 0.1)
    F.fig_agents(data, lang, ax=ax)
    ax.set_title("")
    metrics = data.summary["metrics"]
    bmetrics = data.baseline_summary["metrics"]
    used_o = data.metric("agent_minutes_used")[0] if "agent_minutes_used" in metrics else float("nan")
    used_b = data.metric("agent_minutes_used", True)[0] if "agent_minutes_used" in bmetrics else float("nan")
    avail = data.metric("agent_minutes_available")[0] if "agent_minutes_available" in metrics else float("nan")
    page.fig.text(_MARGIN_X / W, 0.62 / H, t("agents_summary", lang, opt=i18n.number(used_o, lang),
                                                base=i18n.number(used_b, lang), avail=i18n.number(avail, lang)),
                  fontsize=9, color=F.COLORS["text"], va="baseline")
    return page


def _compliance_page(data: RunData, lang: str) -> _Page:
    W, _H = PAGE_SIZE
    page = _page(t("compliance_title", lang), data, lang, t("compliance_note", lang))
    top = page.top - 0.65
    gap = 2.0
    half = (W - 2 * _MARGIN_X - 1.0 - gap) / 2
    ax1 = _axes_in(page.fig, _MARGIN_X + 1.0, 0.95, half, top - 0.95)
    F.fig_attempts(data, lang, ax=ax1)
    ax2 = _axes_in(page.fig, _MARGIN_X + 1.0 + half + gap, 0.95, half, top - 0.95)
    F.fig_compliance(data, lang, ax=ax2)
    return page


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


def build_pages(data: RunData, lang: str) -> list[Figure]:
    """The report's pages as figures, footers included, in order."""
    i18n.check_lang(lang)
    pages: list[_Page] = [_cover(data, lang)]
    pages += _policy_pages(data, lang)
    pages.append(_curves_page(data, lang))
    if data.frontier is not None:
        pages.append(_frontier_page(data, lang))
    pages += _constraint_pages(data, lang)
    pages.append(_cashflow_page(data, lang))
    pages.append(_agents_page(data, lang))
    pages.append(_compliance_page(data, lang))
    if data.sensitivity is not None and data.sensitivity.height:
        pages.append(_sensitivity_page(data, lang))
    if data.assumptions is not None and data.assumptions.height:
        pages += _assumption_pages(data, lang)
    for n, page in enumerate(pages, start=1):
        _footer(page, n, len(pages), data, lang)
    return [p.fig for p in pages]


def pdf_metadata(data: RunData, lang: str) -> dict[str, object]:
    """Fixed PDF metadata: title, subject and creator; a creation date only from ``SOURCE_DATE_EPOCH``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    created = None
    if epoch.isdigit():
        created = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    version = str(data.manifest.get("versions", {}).get("acordo", ""))
    return {
        "Title": f"{t('report_title', lang)}: {data.scenario_name}",
        "Subject": str(data.manifest.get("scenario", {}).get("file", "")),
        "Author": None,
        "Creator": f"acordo {version}".strip(),
        "Keywords": None,
        "CreationDate": created,
        "ModDate": None,
    }


def save_figures(data: RunData, lang: str, directory: Path) -> list[Path]:
    """Every figure of :data:`reports.figures.FIGURES` as ``directory/NAME.png`` (fixed DPI, no metadata)."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, draw in F.FIGURES.items():
        with F.style():
            ax = draw(data, lang)
            path = directory / f"{name}.png"
            ax.figure.savefig(path, dpi=PNG_DPI, metadata={"Software": None}, facecolor="white")
        out.append(path)
    return out


def write_report(run_dir: str | Path, lang: str = "en") -> Path:
    """Write ``report.pdf`` and ``figures/*.png`` into the run directory ``run_dir``.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by ``acordo run``; only read (see :func:`reports.rundata.load_run`).
    lang : {"en", "pt-BR"}

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    ValueError
        For an unsupported ``lang``.
    scenarios.errors.InputError
        When a file the report needs is missing or malformed.
    """
    i18n.check_lang(lang)
    root = Path(run_dir)
    data = load_run(root)
    pdf = root / "report.pdf"
    tmp_pdf = root / ".report.pdf.tmp"
    tmp_dir = root / ".figures.tmp"
    old_dir = root / ".figures.old"
    for leftover in (tmp_dir, old_dir):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        with F.style():
            pages = build_pages(data, lang)
            with PdfPages(tmp_pdf, metadata=pdf_metadata(data, lang)) as out:
                for fig in pages:
                    out.savefig(fig)
        save_figures(data, lang, tmp_dir)
        figures_dir = root / "figures"
        if figures_dir.exists():
            figures_dir.rename(old_dir)
        tmp_dir.rename(figures_dir)
        os.replace(tmp_pdf, pdf)
    finally:
        if tmp_pdf.exists():
            tmp_pdf.unlink()
        for leftover in (tmp_dir, old_dir):
            if leftover.exists():
                shutil.rmtree(leftover)
    return pdf
