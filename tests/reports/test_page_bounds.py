"""Text inside the page's margins and intervals that never go below zero for what cannot: the
mechanisms behind them, on small figures and numbers (the rendered reports are checked in
``test_pages_fit.py``, ``test_report.py`` and ``test_one_replication.py``)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from reports import figures as F
from reports.intervals import can_be_negative, floor_at_zero, interval
from reports.layout import PAGE_SIZE, _MARGIN_X, Column, _wrap, fit_columns
from reports.page_fit import fit_page, fit_titles, text_outside

NOTE = ("Tentativas barradas pelas regras (adiadas para o próximo dia permitido ou descartadas), por replicação. "
        "Violações contam tentativas feitas contra uma regra e devem ser zero. Preços-sombra do PL: a variação da "
        "recuperação líquida esperada quando um limite muda em uma unidade, todo o resto igual.")


@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_a_note_wrapped_to_the_margins_stays_inside_them_at_every_resolution(dpi):
    W, H = PAGE_SIZE
    with F.style():
        fig = Figure(figsize=PAGE_SIZE, dpi=dpi)
        fig.text(_MARGIN_X / W, 7.38 / H, _wrap(NOTE, 9.0, W - 2 * _MARGIN_X), fontsize=9.0, va="top")
        assert text_outside(fig, tolerance=0.0) == []


def test_a_title_past_the_right_margin_is_found_and_wrapped_inside_it():
    W, _H = PAGE_SIZE
    title = "O que os últimos R$ 1.000 de desconto compram"
    with F.style():
        fig = Figure(figsize=PAGE_SIZE)
        ax = fig.add_axes((8.2 / W, 0.1, 2.84 / W, 0.7))
        ax.set_title(title, loc="left", x=-0.3, fontsize=10)  # bold, as the report's titles are
        assert [text for text, _past in text_outside(fig)] == [title]
        fit_titles(fig)
        assert text_outside(fig) == [] and ax.get_title(loc="left").replace("\n", " ") == title
        assert "\n" in ax.get_title(loc="left")


def test_an_axes_whose_labels_reach_into_the_margin_is_narrowed():
    W, H = PAGE_SIZE
    with F.style():
        fig = Figure(figsize=PAGE_SIZE)
        ax = fig.add_axes((0.6 / W, 0.1, (W - 1.2) / W, 0.8))  # the y labels sit left of the margin
        ax.set_ylim(0, 250000)
        ax.set_ylabel("recuperação líquida (VPL menos custos)")
        assert text_outside(fig)
        fit_page(fig)
        assert text_outside(fig) == []
        assert ax.get_position().x1 <= (W - 1.2 + 0.6) / W + 1e-9  # moved right by narrowing, not widened


def test_columns_that_do_not_wrap_get_their_widest_line_and_the_rest_share_what_is_left():
    from reports.layout import _text_width
    cols = [Column("Segment", 3.0), Column("Cadence", 3.0), Column("Difference (paired)", 1.0, "right", False)]
    rows = [["low_early", "15 contacts, day 1 to 105", "-R$ 7,2 mil ± 35,3 mil n.s."],
            ["Total", "", "-R$ 5 mil ± 30 mil n.s."]]
    fitted = fit_columns(cols, rows, 3.0, 7.5, bold_last=True)
    assert sum(c.width for c in fitted) == pytest.approx(3.0)
    assert fitted[2].width == pytest.approx(max(_text_width(rows[0][2], 7.5), _text_width(rows[1][2], 7.5, True)) + 0.14)
    # the segment column needs less than its share: the cadence gets the room it can use
    assert fitted[0].width == pytest.approx(max(_text_width("low_early", 7.5), _text_width("Segment", 7.5, True)) + 0.14)
    assert fitted[1].width == pytest.approx(3.0 - fitted[0].width - fitted[2].width)
    assert fitted[1].width < _text_width(rows[0][1], 7.5)  # it wraps: no room is left unused
    wide = fit_columns(cols, rows, 30.0, 7.5)  # everything on one line: the room left goes by weight
    assert sum(c.width for c in wide) == pytest.approx(30.0)
    assert all(c.width >= _text_width(r, 7.5) for c, r in zip(wide, rows[0]))


def test_an_interval_of_what_cannot_be_negative_stops_at_zero_and_a_difference_keeps_its_own():
    values = np.array([0.0, 0.0, 2.0])  # three replications, one break: Student-t reaches below zero
    mean, lo, hi = interval(values, nonnegative=False)
    assert lo < 0 < hi
    assert interval(values, nonnegative=True) == (mean, 0.0, hi)
    assert interval(np.array([5.0, 6.0, 7.0]), nonnegative=True)[1] > 0  # a positive bound is left alone
    one = interval(np.array([3.0]), nonnegative=True)  # one replication: no interval, not [0, nan]
    assert one[0] == 3.0 and math.isnan(one[1]) and math.isnan(one[2])
    assert floor_at_zero(1.0, -2.0, 4.0) == (1.0, 0.0, 4.0)
    assert can_be_negative("net_npv") and can_be_negative("net") and not can_be_negative("give_away")
    assert not any(can_be_negative(m) for m in ("collected", "cost_npv", "agreements", "broken", "recovery_rate"))


def test_a_band_of_a_non_negative_series_stops_at_zero():
    weekly = np.array([[0.0, 10.0], [0.0, 12.0], [9.0, 11.0]])
    mean, lo, hi = F.band(weekly)
    assert lo[0] == 0.0 and hi[0] > 0 and lo[1] > 0
    assert F.band(weekly, nonnegative=False)[1][0] < 0


def test_an_amount_that_rounds_to_zero_is_written_as_zero():
    from reports.layout import _money_auto
    assert _money_auto(0.004, "en") == _money_auto(0.0, "en") == "R$ 0"
    assert _money_auto(56.46, "en") == "R$ 56.46" and _money_auto(-0.001, "pt-BR") == "R$ 0"


def test_a_cut_interval_is_written_by_its_bounds_not_as_plus_minus():
    # R$ 424 with a Student-t interval [-43, 891] cut at zero: "± 467" would say it reaches below zero
    from reports.page_policy import _pm
    cut = _pm(424.0, 0.0, 891.0, "pt-BR", 1.0, 0)
    assert "±" not in cut and cut.startswith("R$ 424") and cut.endswith("[0–891]"), cut
    whole = _pm(424.0, 100.0, 748.0, "en", 1.0, 0)
    assert whole == "R$ 424 ± 324", whole
