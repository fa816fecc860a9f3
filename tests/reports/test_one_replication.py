"""A run with one replication: the whole report renders in both languages, and every page that
would show an interval says there is none with one replication, instead of a number or a crash."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from reports import figures as F
from reports.document import build_pages
from reports.i18n import t
from reports.layout import text_overlaps
from reports.page_fit import text_outside
from reports.rundata import load_run


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    """``acordo run --replications 1 --lang pt-BR`` of a 120-debtor CSV book in three segments (tiny)."""
    from acordo.cli import main
    from scenarios.portfolio import validate_frame
    from scenarios.synthetic import generate_portfolio
    root = tmp_path_factory.mktemp("one")
    frame = validate_frame(generate_portfolio(120, np.random.default_rng(3)), "g", "SP").frame
    frame = frame.with_columns(months_late=(pl.col("days_past_due") // 30 + 1).cast(pl.Int64))
    frame.drop("product").write_csv(root / "book.csv")
    (root / "one.toml").write_text(
        'name = "One replication"\nextends = "base"\nreplace = ["segments", "cadences"]\n'
        '[portfolio]\nfile = "book.csv"\n[optimizer]\nsample_per_segment = 50\n'
        '[segments.recent]\nrule = { months_late = [1, 4] }\n[segments.middle]\nrule = { months_late = [4, 7] }\n'
        '[segments.old]\nrule = { months_late = [7, inf] }\n'
        '[cadences]\ndefault = [{ day = 1, channel = "sms" }, { day = 3, channel = "call" }, '
        '{ day = 20, channel = "whatsapp" }]\n', encoding="utf-8")
    out = root / "run"
    # the run renders its own (pt-BR) report: it must not crash on absent intervals
    assert main(["run", str(root / "one.toml"), "--out", str(out), "--lang", "pt-BR", "--replications", "1",
                 "--quiet", "--seed", "11"]) == 0
    return out


def test_the_run_data_have_no_interval_and_no_verdict(one_run):
    seg = json.loads((one_run / "segment_differences.json").read_text())
    assert seg["replications"] == 1 and set(seg["segments"]) == {"recent", "middle", "old"}
    for entry in [*seg["segments"].values(), seg["total"]]:
        for side in ("baseline", "optimized", "difference"):
            assert entry["net_npv"][side]["ci95"] == [None, None]
        assert entry["net_npv"]["difference"]["significant"] is None
    assert (one_run / "report.pdf").stat().st_size > 0


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_every_page_with_intervals_says_there_is_none_with_one_replication(one_run, lang):
    data = load_run(one_run)
    words = t("one_replication_note", lang)
    with F.style():
        pages = build_pages(data, lang)
        texts = {n: re.sub(r"\s+", " ", " ".join(a.get_text() for a in fig.findobj(lambda a: hasattr(a, "get_text"))
                                                  if a.get_text())) for n, fig in enumerate(pages, start=1)}
        overlaps = {n: p for n, fig in enumerate(pages, start=1) if (p := text_overlaps(fig))}
        outside = {n: p for n, fig in enumerate(pages, start=1) if (p := text_outside(fig))}
    assert overlaps == {} and outside == {}
    blank = {n: x for n, x in texts.items() if re.search(r"\b(nan|inf)\b", x, re.IGNORECASE)}
    assert blank == {}  # an absent bound is never printed as a number
    # where an interval would be: "[–]" in a table, or "95%" in a note or legend (bands, whiskers)
    with_interval = [n for n, x in texts.items() if "[–]" in x.replace(words, "") or "95%" in x.replace(words, "")]
    # cover, policy, curves, frontier, constraints, cash flow, agents and sensitivity at least
    assert len(with_interval) >= 8
    assert [n for n in with_interval if words not in texts[n]] == []
    cover, policy = texts[1], texts[2]
    assert t("headline_no_interval", lang, diff="", r="1").split(":")[0] in cover
    assert t("policy_title", lang) in policy and t("not_significant", lang) not in policy
