"""Page furniture of the A4 landscape reports: the page frame, text measured and wrapped, tables.

Everything is placed in inches from the bottom-left corner of the page. The policy report
(:mod:`reports.document`) and the compare report (:mod:`reports.whatif`) share these.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.rundata import RunData

__all__ = ["PAGE_SIZE", "PNG_DPI", "Column", "Page", "fit_columns"]

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
    # break a word still too long at a zero-width space (dotted keys), else after a "/" (paths),
    # else wherever it must
    final: list[str] = []
    for piece in out:
        while _text_width(piece, fontsize, bold) > width_in and len(piece) > 1:
            if "\u200b" in piece:
                parts = piece.split("\u200b")
                glue = ""
            else:
                parts = [c + "/" for c in piece.split("/")]
                parts[-1] = parts[-1][:-1]
                glue = ""
                if len(parts) == 1:
                    parts = list(piece)
            k = len(parts) - 1
            while k > 1 and _text_width(glue.join(parts[:k]), fontsize, bold) > width_in:
                k -= 1
            if k < 1 or (k == 1 and _text_width(parts[0], fontsize, bold) > width_in and len(parts[0]) > 1):
                parts = list(piece)  # one part is itself too wide: by characters
                k = len(parts) - 1
                while k > 1 and _text_width("".join(parts[:k]), fontsize, bold) > width_in:
                    k -= 1
            final.append(glue.join(parts[:k]))
            piece = glue.join(parts[k:])
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


#: A continued table carries at least this many rows on its last page (no page with one row).
MIN_LAST_ROWS = 4


def _paginate(heights: list[float], first: float, rest: float) -> list[list[int]]:
    """Split row indices into pages: ``first`` inches available on the first page, ``rest`` after.

    Rows move from the page before so that the last page holds at least
    :data:`MIN_LAST_ROWS` rows (or all of them when there are fewer).
    """
    pages: list[list[int]] = [[]]
    room = first
    for i, h in enumerate(heights):
        if pages[-1] and h > room:
            pages.append([])
            room = rest
        pages[-1].append(i)
        room -= h
    while len(pages) > 1 and len(pages[-1]) < MIN_LAST_ROWS and len(pages[-2]) > MIN_LAST_ROWS:
        pages[-1].insert(0, pages[-2].pop())
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


def fit_columns(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: float, fontsize: float,
                pad: float = 0.14, bold_last: bool = False) -> list[Column]:
    """``columns`` re-weighted so that each one that does not wrap is as wide as its widest line.

    The widths are in inches (summing to ``width``): a column that does not wrap gets at least
    its widest line, one that wraps its widest word, header included (the header, and the last
    row when ``bold_last``, measured bold), plus ``pad``. The rest is shared in proportion to
    the weights, a wrapping column never getting more than its widest line while another could
    use the room.
    """
    def widest(k: int, c: Column, split) -> float:
        pieces = [(p, bold_last and i == len(rows) - 1) for i, row in enumerate(rows) for p in split(str(row[k]))]
        pieces += [(w, True) for w in c.header.split()]
        return max((_text_width(p, fontsize, bold=b) for p, b in pieces), default=0.0) + pad
    lines = [widest(k, c, lambda cell: cell.split("\n")) for k, c in enumerate(columns)]
    need = [lines[k] if not c.wrap else widest(k, c, str.split) for k, c in enumerate(columns)]
    fixed: dict[int, float] = {}
    alloc: dict[int, float] = {}
    for _round in range(2 * len(columns)):
        free = [k for k in range(len(columns)) if k not in fixed]
        if not free:
            break
        rest = width - sum(fixed.values())
        share = sum(columns[k].width for k in free) or 1.0
        alloc = {k: columns[k].width / share * rest for k in free}
        short = [k for k in free if need[k] > alloc[k]]  # too narrow: its need
        roomy = [k for k in free if columns[k].wrap and alloc[k] > lines[k]]  # more than its widest line
        if not (short or roomy):
            break
        fixed.update({k: need[k] for k in short} if short else {k: lines[k] for k in roomy})
    widths = [fixed.get(k, alloc.get(k, 0.0)) for k in range(len(columns))]
    left = width - sum(widths)
    if left > 0 and len(fixed) == len(columns):  # everything fits on one line: the room by weight
        total = sum(c.width for c in columns) or 1.0
        widths = [w + c.width / total * left for w, c in zip(widths, columns)]
    return [Column(c.header, w, c.align, c.wrap, c.width_in) for c, w in zip(columns, widths)]


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




def _ci_text(lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    """``[lo – hi]``; ``[–]`` when there is no interval (one replication)."""
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return "[–]"
    return f"[{fmt(lo)} – {fmt(hi)}]"


def _signed(value: float, fmt: Callable[[float], str]) -> str:
    return ("+" if value > 0 else "") + fmt(value)


def _signed_pp(value: float, lang: str) -> str:
    text = i18n.number(100 * value, lang, 1)
    return ("+" if value > 0 else "") + text + " p.p."


def _money_auto(value: float, lang: str) -> str:
    """Whole reais from R$ 100 up (and for zero, or what rounds to it: never "R$ 0.00" beside "R$ 0"), cents below."""
    return i18n.money(value, lang, 0 if abs(value) >= 100 or abs(value) < 0.005 else 2)

Page = _Page


# --------------------------------------------------------------------------- checking and fixing text boxes


def _texts(fig: Figure) -> list:
    """Every non-empty text matplotlib actually draws on ``fig`` (titles, labels, ticks in view, notes, legends)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text
    drawn: list = []
    original = Text.draw

    def record(self, renderer):  # noqa: ANN001
        if self.get_visible() and self.get_text().strip() and self.figure is fig:
            drawn.append(self)
        return original(self, renderer)
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    seen: set[int] = set()
    return [t for t in drawn if not (id(t) in seen or seen.add(id(t)))]


def visible_text_boxes(fig: Figure) -> list[tuple]:
    """``(text, box)`` of every text drawn on ``fig`` (:func:`_texts`) with a box on the page, in pixels."""
    texts = _texts(fig)  # draws the page: every box where it is drawn
    renderer = fig.canvas.get_renderer()
    out = []
    for text in texts:
        try:
            bb = text.get_window_extent(renderer)
        except (RuntimeError, ValueError):
            continue
        if bb.width <= 0 or bb.height <= 0:
            continue
        clip = text.get_clip_box() if text.get_clip_on() else None
        if clip is not None and not bb.overlaps(clip):
            continue  # clipped away: not on the page
        out.append((text, bb))
    return out


def text_overlaps(fig: Figure, tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of visible texts of ``fig`` whose boxes overlap by more than ``tolerance`` pixels each way.

    A legend's own texts are compared with everything else but not with each other's frame.
    """
    boxes = [(text, bb.expanded(1.0, 1.0)) for text, bb in visible_text_boxes(fig)]
    pairs = []
    for i in range(len(boxes)):
        ti, bi = boxes[i]
        for j in range(i + 1, len(boxes)):
            tj, bj = boxes[j]
            w = min(bi.x1, bj.x1) - max(bi.x0, bj.x0)
            h = min(bi.y1, bj.y1) - max(bi.y0, bj.y0)
            if w > tolerance and h > tolerance:
                pairs.append((ti.get_text(), tj.get_text()))
    return pairs


def _renderer(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def declutter_ticks(fig: Figure) -> None:
    """On every axis of ``fig``: fewer ticks while their labels overlap or repeat (``1%, 1%, 1%``).

    Axes with a :class:`~matplotlib.ticker.MaxNLocator` (or the default locator) get fewer
    bins; axes with fixed ticks keep every other tick.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.ticker import AutoLocator, FixedLocator, MaxNLocator
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()  # tick labels are measured without drawing the page
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for _attempt in range(10):
                labels = [t.label1 for t in axis._update_ticks()
                          if t.label1.get_visible() and t.label1.get_text().strip()]
                texts = [t.get_text() for t in labels]
                boxes = [t.get_window_extent(renderer) for t in labels]
                crowded = any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
                repeated = len(set(texts)) < len(texts)
                if not (crowded or repeated) or len(labels) <= 2:
                    break
                locator = axis.get_major_locator()
                if isinstance(locator, FixedLocator):
                    locs = list(locator.locs)
                    axis.set_major_locator(FixedLocator(locs[::2]))
                    old = [t.get_text() for t in axis.get_ticklabels()]
                    if len(old) == len(locs):
                        axis.set_ticklabels(old[::2])
                elif isinstance(locator, (MaxNLocator, AutoLocator)):
                    axis.set_major_locator(MaxNLocator(max(1, len(labels) - 2)))
                else:
                    break
                axis.get_major_ticks(len(axis.get_majorticklocs()))  # new labels, placed without a full draw
