"""A run on a team's own CSV book: provenance on the cover and in the appendix, and pages whose
text boxes never overlap, in both languages (matplotlib gives the boxes)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from reports import figures as F
from reports import i18n
from reports.document import build_pages
from reports.layout import _paginate, text_overlaps
from reports.rundata import load_run

ROOT = Path(__file__).resolve().parents[2]
POPPLER = shutil.which("pdftotext") is not None


@pytest.fixture(scope="module")
def own_run(tmp_path_factory) -> Path:
    """``acordo run`` (pt-BR) of a 171-debtor CSV segmented by a numeric column of its own (``own_book.py``)."""
    from tests.reports.own_book import run_own_book
    return run_own_book(tmp_path_factory.mktemp("own"), "pt-BR", replications=3, seed=11)


def test_the_manifest_names_the_book(own_run):
    m = json.loads((own_run / "manifest.json").read_text())
    pf = m["portfolio"]
    assert pf["file"].endswith("book171.csv") and pf["rows"] == 171 and len(pf["sha256"]) == 16
    assert pf["set_by"].startswith("your file (") and m["calendar"]["start_date_set_by"].startswith("default: ")


def test_the_assumptions_table_names_the_portfolio_file(own_run):
    table = pl.read_parquet(own_run / "assumptions.parquet")
    rows = {r["key"]: r for r in table.iter_rows(named=True)}
    assert rows["portfolio.file"]["value"].endswith("book171.csv")
    assert rows["portfolio.rows"]["value"] == "171"
    assert not [k for k in rows if k.startswith("portfolio.synthetic_")]
    assert rows["agents.count"]["set_by"] == "bundled scenario (base.toml)"
    assert rows["optimizer.sample_per_segment"]["set_by"].startswith("your file (")
    assert rows["money.multa"]["set_by"] in ("bundled scenario (base.toml)", "default")
    assert rows["segments.recente.rule"]["value"] == "1 <= months_late < 4"
    # a file that sets one key of [optimizer] set no other: base.toml's or acordo's default
    assert rows["optimizer.confidence"]["set_by"] == "default"
    assert rows["optimizer.budget"]["set_by"] == "bundled scenario (base.toml)"
    # what the command line gave is what the run used, and says so
    assert rows["monte_carlo.replications"]["value"] == "3"
    assert rows["monte_carlo.replications"]["set_by"] == "command line (--replications)"
    assert rows["monte_carlo.seed"]["value"] == "11"


def test_the_appendix_says_none_and_dates_in_portuguese():
    from reports import i18n
    from reports.page_appendix import _value
    meaning = "Give-away budget over the horizon (-1 = none; see budget_share)."
    assert _value("optimizer.budget", "-1.0", "pt-BR", meaning) == "nenhum"
    assert _value("optimizer.budget", "600000.0", "en", meaning) == "600000.0"
    assert i18n.set_by("default: the next business day after 2026-12-01", "pt-BR") == \
        "padrão: o dia útil seguinte a 01/12/2026"


def test_differences_are_paired_by_replication_and_hand_overs_are_counted(own_run):
    d = json.loads((own_run / "differences.json").read_text())["metrics"]
    opt = json.loads((own_run / "summary.json").read_text())["metrics"]
    base = json.loads((own_run / "baseline_summary.json").read_text())["metrics"]
    for m in ("net_npv", "give_away", "agreements", "agency_handovers", "written_off"):
        assert d[m]["mean"] == pytest.approx(opt[m]["mean"] - base[m]["mean"])
    # the paired interval of net recovery is the out-of-sample check's own
    check = json.loads((own_run / "solution.json").read_text())["validation"]["difference"]
    assert d["net_npv"]["ci95"] == pytest.approx(check["ci95"])
    for summary in (opt, base):  # whoever the agency collected from was handed over to it first
        assert summary["agency_handovers"]["mean"] >= summary["agency_collected"]["mean"] > 0


def test_segment_differences_add_up_to_the_headline_and_are_paired(own_run):
    seg = json.loads((own_run / "segment_differences.json").read_text())
    d = json.loads((own_run / "differences.json").read_text())["metrics"]
    opt = json.loads((own_run / "summary.json").read_text())["metrics"]
    base = json.loads((own_run / "baseline_summary.json").read_text())["metrics"]
    assert seg["replications"] == 3 and set(seg["segments"]) == {"recente", "media", "antiga"}
    for m in ("net_npv", "collected_npv", "collected", "give_away", "cost_npv", "agreements", "broken"):
        for side, summary in (("optimized", opt), ("baseline", base)):  # the segments add up to the headline
            assert sum(s[m][side]["mean"] for s in seg["segments"].values()) == pytest.approx(summary[m]["mean"])
            assert seg["total"][m][side]["ci95"] == pytest.approx(summary[m]["ci95"])
        # the whole portfolio's paired difference is the headline's own, interval included
        assert seg["total"][m]["difference"]["mean"] == pytest.approx(d[m]["mean"])
        assert seg["total"][m]["difference"]["ci95"] == pytest.approx(d[m]["ci95"])
        for s in seg["segments"].values():
            diff = s[m]["difference"]
            assert diff["mean"] == pytest.approx(s[m]["optimized"]["mean"] - s[m]["baseline"]["mean"])
            lo, hi = diff["ci95"]
            assert lo <= diff["mean"] <= hi and diff["significant"] == (lo > 0 or hi < 0)


def test_the_policy_page_gives_each_segment_its_paired_difference(own_run):
    from reports.page_policy import _compared_cells
    data = load_run(own_run)
    with F.style():
        pages = build_pages(data, "pt-BR")
    policy = [fig for fig in pages if fig.texts and fig.texts[0].get_text() == "A política, segmento a segmento"]
    drawn = [x.get_text() for x in policy[0].texts]
    lines = {line for x in drawn for line in x.split("\n")}
    for name in ("recente", "media", "antiga", None):  # None: the total row
        compared = data.segment_compared(name, "net_npv")
        give = data.segment_compared(name, "give_away")["optimized"]
        cells = _compared_cells(compared, give, "pt-BR")
        # current → optimized and the difference, each with the half-width of its 95% interval; the
        # give-away's interval, cut at zero when it would reach below, by its bounds instead
        assert all(" ± " in c or "\n± " in c for c in cells[1:])
        cut = abs((give[0] - give[1]) - (give[2] - give[0])) > 1e-6 * max(1.0, give[2])
        assert ("\n[" in cells[0]) == cut and ("\n± " in cells[0]) == (not cut), cells[0]
        assert {line for c in cells for line in c.split("\n")} <= lines
        # the difference on one line, drawn as one line: its mark says whether it is significant
        assert "\n" not in cells[2] and cells[2] in drawn
        lo, hi = compared["difference"][1:]
        assert cells[2].endswith(" n.s." if lo <= 0 <= hi else " *")
    # "not significant" is spelt out once, in the legend under the table, not in every cell
    assert sum(x.count("não significativo") for x in drawn) == 1


@pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
def test_cover_names_file_rows_and_hash_and_nothing_is_left_in_english(own_run):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(own_run / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    cover = text.split("\f")[0]
    sha = json.loads((own_run / "manifest.json").read_text())["portfolio"]["sha256"]
    assert "book171.csv" in cover and "171 linhas" in cover and sha in cover
    assert "Acordos fechados" in cover and "Quebras de acordo" in cover
    assert "Enviados à assessoria" in cover and "Baixados como perda" in cover
    assert "\\$" not in text  # the report draws text as written: "R$" never shows an escape
    # acordo's own words are in Portuguese, down to the sources and units of the appendix
    for english in ("OPTIMAL", "judgement", "DESIGN", "call-centre funnel", "the largest state", "probability per",
                    "share of the", "True", "False"):
        assert english not in text, english


@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_no_text_box_overlaps_another_or_crosses_the_margins_on_any_page(own_run, lang):
    from reports.page_fit import text_outside
    data = load_run(own_run)
    with F.style():
        pages = build_pages(data, lang)
        found = {n: text_overlaps(fig) for n, fig in enumerate(pages, start=1)}
        # notes, titles, tables and axis labels inside the page's margins (matplotlib's text boxes)
        outside = {n: text_outside(fig) for n, fig in enumerate(pages, start=1)}
    assert {n: pairs for n, pairs in found.items() if pairs} == {}
    assert {n: texts for n, texts in outside.items() if texts} == {}


def test_no_interval_of_what_cannot_be_negative_goes_below_zero(own_run):
    """Three replications of 171 debtors: give-away, counts and monthly cash have Student-t intervals
    below zero as computed; every page states them cut at zero, and differences as they are."""
    import re

    from reports.intervals import can_be_negative
    from reports.page_operations import _cell
    data = load_run(own_run)
    raw = {side: json.loads((own_run / f).read_text())["metrics"]
           for side, f in (("optimized", "summary.json"), ("baseline", "baseline_summary.json"))}
    assert raw["baseline"]["give_away"]["ci95"][0] < 0  # the case this test is about
    for side, metrics in raw.items():
        for name, entry in metrics.items():
            mean, lo, hi = data.metric(name, baseline=side == "baseline")
            if can_be_negative(name):
                assert (lo, hi) == tuple(entry["ci95"])
            else:
                assert lo == max(entry["ci95"][0], 0.0) and hi == entry["ci95"][1]
    assert data.difference("give_away")[1] == json.loads((own_run / "differences.json").read_text())[
        "metrics"]["give_away"]["ci95"][0]  # a difference keeps its interval
    for name in (*data.segment_names, None):
        for metric in ("give_away", "collected", "agreements", "broken"):
            compared = data.segment_compared(name, metric)
            assert compared["baseline"][1] >= 0 and compared["optimized"][1] >= 0
    money = lambda v: i18n.money(v, "pt-BR", 0)  # noqa: E731
    assert "   [R$ 0 – " in _cell(np.array([0.0, 0.0, 1.0]), money)
    assert "[-R$" in _cell(np.array([0.0, 0.0, 1.0]), money, signed=True)
    with F.style():
        pages = build_pages(data, "pt-BR")
        texts = [[x.get_text() for x in fig.findobj(lambda a: hasattr(a, "get_text")) if x.get_text()]
                 for fig in pages]
        frontier = next(fig for fig in pages if fig.texts[0].get_text() == "Recuperação contra descontos concedidos")
        ax = frontier.axes[0]
        ticks = [t.label1.get_text() for t in ax.xaxis._update_ticks() if t.label1.get_text()]  # those in view
    # a mean that is not negative stated with a negative bound: "R$ 1.021   [-R$ 2.576 – ..." (the cover,
    # the constraint checks, the monthly cash table); a difference is signed ("+R$ …", "-R$ …")
    below = [x for page in texts for x in page if re.match(r"^R\$ [\d.,]+ +\[-", x)]
    assert below == []
    assert ticks and not [x for x in ticks if x.startswith(("-", "\u2212"))]  # give-away axis from zero
    said = [re.sub(r"\s+", " ", " ".join(page)).count(i18n.t("interval_floor_note", "pt-BR")) for page in texts]
    assert sum(said) == 1 and said[0] == 1  # once, on the cover


def test_overlaps_are_found_when_there_are_some():
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4, 3))
    fig.text(0.1, 0.5, "one label over")
    fig.text(0.15, 0.5, "another label")
    assert text_overlaps(fig) == [("one label over", "another label")]


def test_a_continued_table_never_ends_with_one_row():
    pages = _paginate([1.0] * 11, 5.0, 5.0)
    assert [len(p) for p in pages] == [5, 4, 2]
    assert sum(pages, []) == list(range(11))
    assert _paginate([1.0] * 3, 5.0, 5.0) == [[0, 1, 2]]


def test_declutter_thins_crowded_and_repeated_ticks():
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from reports import i18n
    from reports.layout import declutter_ticks
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0.1, 0.2, 0.35, 0.7))
    ax.set_xlim(0, 1600)
    ax.xaxis.set_major_locator(MaxNLocator(9))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: i18n.money_compact(v, "pt-BR")))
    ax.set_ylim(0, 0.012)
    ax.yaxis.set_major_locator(MaxNLocator(12))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: i18n.percent(v, "pt-BR", 0)))  # 0%, 0%, 1%, 1% ...
    assert text_overlaps(fig)
    declutter_ticks(fig)
    assert text_overlaps(fig) == []
    shown = [t.label1.get_text() for t in ax.yaxis._update_ticks()]
    assert len(shown) == len(set(shown))


def test_appendix_values_are_written_as_a_reader_of_the_language_reads_them():
    from reports.page_appendix import _value
    assert _value("money.multa", "0.02", "pt-BR") == "0,02" and _value("money.multa", "0.02", "en") == "0.02"
    assert _value("offers.installments", "[1, 3, 6, ...]", "pt-BR") == "[1; 3; 6; ...]"
    assert _value("calendar.start_date", "2026-12-02", "pt-BR") == "02/12/2026"
    assert _value("portfolio.rows", "9,545", "pt-BR") == "9.545"
    assert _value("calendar.holidays", "True", "pt-BR") == "sim" and _value("calendar.holidays", "True", "en") == "true"
    assert _value("money.currency", "'BRL'", "pt-BR") == "BRL"
    assert _value("cadences.default", "d1 sms, d3 call", "pt-BR") == "d1 SMS, d3 ligação"
    assert _value("segments.antiga.rule", "7 <= months_late < inf", "pt-BR") == "7 <= months_late"
    assert _value("portfolio.sha256", "bc220c1db5d3779a", "pt-BR") == "bc220c1db5d3779a"


def test_an_offer_share_under_half_a_percent_is_not_shown_as_zero():
    from reports.page_policy import _offer_mix
    text = _offer_mix([{"discount": 0.0, "installments": 12, "share": 0.997},
                       {"discount": 0.0, "installments": 1, "share": 0.003}], "pt-BR")
    assert text.splitlines() == ["100%: 0% de desconto, 12x", "<1%: 0% de desconto, à\u00a0vista"]
