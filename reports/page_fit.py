"""Every text of a page inside its margins: found with the renderer's text boxes, and fixed.

:func:`text_outside` finds the texts whose boxes cross the page's margins (the report tests run it
on every page, in both languages). :func:`fit_page` is run on each page before it is saved:
axes titles are wrapped to the room left before the right margin, measured as drawn (bold,
the language's own words), and an axes whose tick or axis labels reach into a side margin is
narrowed until they do not.
"""
from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from reports.layout import _MARGIN_X, PAGE_SIZE, _wrap, visible_text_boxes

__all__ = ["PRINT_MARGIN", "text_outside", "fit_titles", "fit_axes", "fit_page"]

#: Top and bottom room (inches) a text must leave: the header and footer sit inside it.
PRINT_MARGIN: float = 0.2


def _renderer(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _area(fig: Figure) -> Bbox:
    """The page's text area in display pixels: side margins, and :data:`PRINT_MARGIN` top and bottom."""
    W, H = PAGE_SIZE
    dpi = fig.dpi
    return Bbox.from_extents(_MARGIN_X * dpi, PRINT_MARGIN * dpi, (W - _MARGIN_X) * dpi, (H - PRINT_MARGIN) * dpi)


def text_outside(fig: Figure, tolerance: float = 0.02) -> list[tuple[str, float]]:
    """Texts of ``fig`` that cross the page's margins by more than ``tolerance`` inches.

    Returns
    -------
    list of (str, float)
        Each text (its first 60 characters) and how far, in inches, it runs past the margins.
    """
    boxes = visible_text_boxes(fig)  # draws the page: every box where it is drawn
    area, dpi = _area(fig), fig.dpi
    out = []
    for text, bb in boxes:
        past = max(area.x0 - bb.x0, bb.x1 - area.x1, area.y0 - bb.y0, bb.y1 - area.y1) / dpi
        if past > tolerance:
            out.append((text.get_text()[:60], round(float(past), 3)))
    return out


def fit_titles(fig: Figure) -> None:
    """Wrap each axes title of ``fig`` that runs past the right margin to the room it has, as drawn."""
    renderer = _renderer(fig)
    area, dpi = _area(fig), fig.dpi
    for ax in fig.axes:
        for title in (ax.title, ax._left_title, ax._right_title):
            words = title.get_text()
            if not words.strip() or not title.get_visible():
                continue
            bb = title.get_window_extent(renderer)
            if bb.x1 <= area.x1 + 0.5:
                continue
            ha = title.get_horizontalalignment()
            if ha == "left":
                room = area.x1 - bb.x0
            elif ha == "right":
                room = bb.x1 - area.x0
            else:
                room = 2 * min((bb.x0 + bb.x1) / 2 - area.x0, area.x1 - (bb.x0 + bb.x1) / 2)
            flat = " ".join(words.split())
            bold = str(title.get_fontweight()) in ("bold", "heavy", "semibold", "demibold", "700", "800", "900")
            width = room / dpi
            for _attempt in range(8):  # _wrap's estimate first, then narrower until the drawn box fits
                title.set_text(_wrap(flat, float(title.get_fontsize()), width, bold=bold))
                if title.get_window_extent(renderer).x1 <= area.x1 + 0.5:
                    break
                width -= 0.1


def fit_axes(fig: Figure) -> None:
    """Narrow each axes of ``fig`` whose tick or axis labels reach into a side margin.

    Axes drawn at the same place (twins) move together.
    """
    renderer = _renderer(fig)
    area = _area(fig)
    groups: dict[tuple[float, ...], list] = {}
    for ax in fig.axes:
        if ax.get_visible():  # a hidden frame holding inset panels moves them with it
            groups.setdefault(tuple(round(v, 6) for v in ax.get_position().bounds), []).append(ax)
    fw = fig.bbox.width
    for members in groups.values():
        boxes = [ax.get_tightbbox(renderer) for ax in members]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            continue
        tight = Bbox.union(boxes)
        left, right = max(0.0, area.x0 - tight.x0), max(0.0, tight.x1 - area.x1)
        if left <= 0.5 and right <= 0.5:
            continue
        for ax in members:
            x, y, w, h = ax.get_position().bounds
            grow = (left + right + 2.0) / fw  # two pixels to spare
            if grow >= w * 0.5:
                continue  # no room to give: leave it for the tests to report
            ax.set_position((x + (left + 1.0) / fw if left > 0.5 else x, y, w - grow, h))


def fit_page(fig: Figure) -> None:
    """:func:`fit_titles` then :func:`fit_axes` on one page."""
    fit_titles(fig)
    fit_axes(fig)
