"""The cover page: scenario, portfolio, the headline sentence, chart and table."""
from __future__ import annotations

from pathlib import Path

from reports import figures as F
from reports import i18n
from reports.headline import headline
from reports.i18n import t
from reports.layout import (PAGE_SIZE, _CONTENT_BOTTOM, _MARGIN_X, Column, _Page, _axes_in, _ci_text, _draw_table,
                            _layout, _page, _row_height, _signed, _signed_pp, _sized, _wrap)
from reports.rundata import RunData, as_float

__all__ = ["cover_page", "one_practice", "OUTCOMES"]

#: Outcome counts in the headline table (per run, means over replications), in story order.
OUTCOMES = ("agreements", "kept", "broken", "self_cured", "agency_handovers", "written_off")


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
        (t("scenario_file", lang), Path(str(m.get("scenario", {}).get("file", ""))).name),
        (t("portfolio", lang), t("portfolio_line", lang, debtors=i18n.number(pf.get("debtors", 0), lang),
                                 balance=i18n.money(float(pf.get("balance", 0.0)), lang, 2),
                                 segments=len(data.segment_names))),
        (t("portfolio_file", lang), _book_line(pf, lang)),
    ]
    practice = one_practice(data, lang)
    if practice is not None:  # one offer mix for every segment: said here, instead of a page of one row
        info.append((t("baseline", lang), practice))
    elif m.get("report_date"):  # the date is in the page header as well
        info.append((t("report_date", lang), i18n.date(str(m["report_date"]), lang)))
    horizon = data.assumption("calendar.horizon_days") or str(int(data.daily.get_column("day").max()) + 1)
    start = F._start_date(data)
    sim_line = t("simulation_line" if data.replications > 1 else "simulation_line_one", lang, replications=data.summary.get("replications", ""),
                 seed=data.summary.get("seed", m.get("seeds", {}).get("seed", "")), horizon=horizon,
                 start=i18n.date(start, lang) if start else "–")
    y = 6.62
    for label, value in info:
        fig.text(x, y / H, label, fontsize=9.5, color=F.COLORS["muted"], va="top")
        text = _wrap(value, 9.5, left_w - 1.35)
        fig.text((_MARGIN_X + 1.35) / W, y / H, text, fontsize=9.5, va="top", color=F.COLORS["text"])
        y -= 0.26 + text.count("\n") * 9.5 * 1.2 / 72
    fig.text((_MARGIN_X + 1.35) / W, y / H, _wrap(sim_line, 8, left_w - 1.35), fontsize=8, va="top",
             color=F.COLORS["muted"])
    y -= 0.45
    validation = data.solution.get("validation") or {}
    money0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    head = headline(validation, lang)
    if head is not None:  # bold only when the gain is significant: the cover says a noisy gain in words
        size = 12 if head.significant else 10
        sentence = _wrap(head.text, size, left_w - 0.2, bold=head.significant)
        # the report draws with text.parse_math off (reports.figures.STYLE): "R$" is written as it is
        fig.text(x, y / H, sentence, fontsize=size, fontweight="bold" if head.significant else "normal",
                 color=F.COLORS["optimized"] if head.significant else F.COLORS["text"], va="top", linespacing=1.3)
        y -= (sentence.count("\n") + 1) * size * 1.3 / 72 + 0.12
    pred = validation.get("predicted")
    if pred:
        sentence = _wrap(t("prediction_sentence", lang, pred=money0(float(pred["mean"])),
                           lo=money0(as_float(pred["ci95"][0])), hi=money0(as_float(pred["ci95"][1])),
                           sim=money0(data.metric("net_npv")[0])), 9, left_w)
        fig.text(x, y / H, sentence, fontsize=9, color=F.COLORS["text"], va="top",
                 linespacing=1.3)
        y -= (sentence.count("\n") + 1) * 9 * 1.3 / 72 + 0.08
    status = t("violations_line", lang, n=i18n.number(data.metric("violations")[0], lang),
               b=i18n.number(data.metric("violations", baseline=True)[0], lang)) + "  ·  " + \
        t("solver_line", lang, status=i18n.status(str(data.solution.get("status", "?")), lang),
          solver=data.solution.get("solver", data.manifest.get("solver", "?")))
    status = _wrap(status, 8.5, left_w)
    fig.text(x, y / H, status, fontsize=8.5, color=F.COLORS["muted"], va="top")
    y -= (status.count("\n") + 1) * 8.5 * 1.2 / 72
    # the chart, top right
    ax = _axes_in(fig, _MARGIN_X + left_w + 1.8, 4.05, W - 2 * _MARGIN_X - left_w - 1.9, 2.55)
    F.fig_headline(data, lang, ax=ax)
    ax.set_yticklabels([_wrap(label.get_text(), 8.5, 1.25) for label in ax.get_yticklabels()], fontsize=8.5)
    ax.set_title(_wrap(t("validation_title", lang), 9.5, W - 2 * _MARGIN_X - left_w - 0.5), fontsize=9.5, x=-0.55,
                 loc="left")
    # the headline table, full width
    pct = lambda v: i18n.percent(v, lang, 1)  # noqa: E731
    count = lambda v: i18n.number(v, lang, 0 if abs(v) >= 100 else 1)  # noqa: E731
    metrics = [("net_npv", money0), ("collected_npv", money0), ("collected", money0), ("give_away", money0),
               ("cost_npv", money0), ("recovery_rate", pct)]
    metrics += [(name, count) for name in OUTCOMES if name in data.summary["metrics"]
                and name in data.baseline_summary["metrics"]]
    rows = []
    for name, fmt in metrics:
        b, blo, bhi = data.metric(name, baseline=True)
        o, olo, ohi = data.metric(name)
        paired = data.difference(name)  # optimized minus current practice, paired by replication
        if name == "net_npv" and validation.get("difference"):
            d = validation["difference"]
            paired = float(d["mean"]), as_float(d["ci95"][0]), as_float(d["ci95"][1])
        if name == "recovery_rate":
            sign = lambda v: _signed_pp(v, lang)  # noqa: E731
            plain = lambda v: _signed_pp(v, lang).lstrip("+")  # noqa: E731
        else:
            sign = lambda v: _signed(v, fmt)  # noqa: E731
            plain = fmt
        if paired is None:  # an older run directory, without differences.json
            diff = sign(o - b)
        else:
            star = "*" if paired[1] > 0 or paired[2] < 0 else ""  # NaN bounds (one replication): no star
            diff = f"{sign(paired[0])}{star}   {_ci_text(paired[1], paired[2], plain)}"
        label = i18n.metric(name, lang)
        rows.append([label[:1].upper() + label[1:], f"{fmt(b)}   {_ci_text(blo, bhi, fmt)}",
                     f"{fmt(o)}   {_ci_text(olo, ohi, fmt)}", diff])
    table_w = W - 2 * _MARGIN_X
    cols = _sized([Column(t("metric", lang), 2.3), Column(t("baseline", lang), 3.0, "right", False),
                   Column(t("optimized", lang), 3.0, "right", False),
                   Column(t("difference", lang), 3.1, "right", False)], table_w)
    top = min(3.55, y - 0.4)
    fig.text(x, (top + 0.12) / H, t("headline", lang), fontsize=12, fontweight="bold", va="baseline",
             color=F.COLORS["text"])
    one = data.replications < 2
    note = t("headline_note_one" if one else "headline_note", lang, replications=data.summary.get("replications", ""))
    if not one:  # said once, for every page: the intervals of non-negative totals stop at zero
        note += " " + t("interval_floor_note", lang)
    if data.differences is not None:
        note += " " + t("headline_paired_note", lang)
    if one:
        note += " " + t("one_replication_note", lang)
    note = _wrap(note, 8, table_w)
    size = 8.5  # smaller when the lines above pushed the table down: the note must stay above the footer
    room = top - _CONTENT_BOTTOM - 0.15 - (note.count("\n") + 1) * 8 * 1.25 / 72
    while size > 6.5 and (_row_height([[c.header] for c in cols], size)
                          + sum(_row_height(r, size) for r in _layout(cols, rows, table_w, size))) > room:
        size -= 0.25
    end = _draw_table(fig, _MARGIN_X, top, table_w, cols, _layout(cols, rows, table_w, size), size)
    fig.text(x, (end - 0.1) / H, note, fontsize=8, color=F.COLORS["muted"], va="top")
    return page


def one_practice(data: RunData, lang: str) -> str | None:
    """Current practice in one line when every segment has the same offers and cadence, else None.

    Then the cover states it and the report has no current-practice page (it would carry one row).
    """
    from reports.page_practice import practice_groups
    from reports.page_policy import _cadence, _offer_mix
    if data.baseline_policy is None:
        return None
    groups = practice_groups(data)
    if len(groups) != 1:
        return None
    cadence = _cadence(groups[0]["cadence"], lang).split("\n")[0]
    return t("practice_line", lang, offers=_offer_mix(groups[0]["offers"], lang).replace("\n", "; "),
             cadence=cadence)


def _book_line(pf: dict, lang: str) -> str:
    """The book the run read: its file, rows and hash, or the synthetic generator."""
    if pf.get("file"):
        return t("portfolio_file_line", lang, file=Path(str(pf["file"])).name, rows=i18n.number(int(pf.get("rows", 0)), lang),
                 sha=pf.get("sha256", "–"))
    syn = pf.get("synthetic") or {}
    return t("portfolio_synthetic_line", lang, n=i18n.number(int(syn.get("n", pf.get("debtors", 0))), lang),
             seed=syn.get("seed", "–"), product=syn.get("product", "–"))


cover_page = _cover
