"""The policy pages: offers and cadence per segment, collection curves, the recovery frontier."""
from __future__ import annotations

import math

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.layout import (PAGE_SIZE, _CONTENT_BOTTOM, _MARGIN_X, Column, _Page, _axes_in, _page, _table_pages,
                            _wrap, fit_columns)
from reports.rundata import RunData
from reports.segment_notes import empty_segment_note, with_one_replication_note

__all__ = ["policy_pages", "curves_page", "frontier_page"]


def _offer_mix(offers: list[dict], lang: str) -> str:
    lines = []
    for o in sorted(offers, key=lambda o: (-float(o.get("share", 0)), float(o["discount"]), int(o["installments"]))):
        text = i18n.offer(float(o["discount"]), int(o["installments"]), lang)
        share = float(o.get("share", 1.0))
        if share >= 0.9995:
            lines.append(text)
        else:  # a share under half a percent is not "0%"
            lines.append(f"{'<1%' if share < 0.005 else i18n.percent(share, lang, 0)}: {text}")
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
    """``R$ 4.64M`` over ``→ R$ 4.70M``: two amounts on one scale with three significant digits
    (an older run directory, without ``segment_differences.json``: no intervals to show)."""
    scale = i18n.compact_scale(max(abs(a), abs(b)))
    digits = len(str(int(max(abs(a), abs(b)) / scale)))
    decimals = max(0, 3 - digits) if scale > 1 else 0
    return (f"{i18n.money_compact(a, lang, scale=scale, decimals=decimals)}\n→ "
            f"{i18n.money_compact(b, lang, scale=scale, decimals=decimals)}")


def _scale(*values: float) -> tuple[float, int]:
    """A compact scale for ``values`` and the decimals that give the largest three significant digits."""
    top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    scale = i18n.compact_scale(top)
    digits = len(str(int(top / scale)))
    return scale, (max(0, 3 - digits) if scale > 1 else 0)


def _pm(mean: float, lo: float, hi: float, lang: str, scale: float, decimals: int, signed: bool = False) -> str:
    """``R$ 197k ± 6.5k``: a mean and the half-width of its (symmetric, Student-t) 95% interval.

    With one replication there is no interval: ``[–]``, explained by the page's note.
    """
    text = ("+" if signed and mean > 0 else "") + i18n.money_compact(mean, lang, scale=scale, decimals=decimals)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return text + " [–]"
    half = (hi - lo) / 2
    # two significant digits of the half-width, on the mean's scale
    extra = 0 if half <= 0 else max(0, 1 - int(math.floor(math.log10(half / scale))))
    places = min(2, max(decimals, extra))
    if abs((mean - lo) - (hi - mean)) > 1e-6 * max(1.0, abs(hi), abs(lo)):
        # not symmetric: the interval of a non-negative total cut at zero (reports.intervals), which
        # "± half" would misstate as reaching below zero; its bounds instead
        return (f"{text} [{i18n.number_compact(lo, lang, scale=scale, decimals=places)}"
                f"–{i18n.number_compact(hi, lang, scale=scale, decimals=places)}]")
    return f"{text} ± {i18n.number_compact(half, lang, scale=scale, decimals=places)}"


def _compared_cells(c: dict[str, tuple[float, float, float]], give: tuple[float, float, float] | None,
                    lang: str) -> list[str]:
    """Give-away (optimized), recovery current → optimized, and the paired difference, each ± its interval."""
    b, o, d = c["baseline"], c["optimized"], c["difference"]
    scale, dec = _scale(b[0], o[0])
    recovery = f"{_pm(*b, lang, scale, dec)}\n→ {_pm(*o, lang, scale, dec)}"
    # one line: the difference ± half its interval and a mark, "*" significant or "n.s." not, which the
    # legend under the table spells out once (no mark with one replication: no interval, no verdict)
    diff = _pm(*d, lang, scale, dec, signed=True)
    if math.isfinite(d[1]) and math.isfinite(d[2]):
        diff += " *" if d[1] > 0 or d[2] < 0 else " " + t("not_significant_mark", lang)
    if give is None:
        return ["–", recovery, diff]
    gscale, gdec = _scale(give[0])
    return [_pm(*give, lang, gscale, gdec).replace(" ± ", "\n± ", 1).replace(" [", "\n[", 1), recovery, diff]


def _limit_cells(d: dict, lang: str) -> list[str]:
    """Discount limit over its 95% interval; the share of coefficient tables choosing the same offer; the margin."""
    limit = d.get("discount_limit")
    interval = d.get("discount_limit_interval") or [None, None]
    text = i18n.percent(float(limit), lang, 0) if limit is not None else "–"
    if limit is not None and interval[0] is not None and interval[1] is not None:
        text += f"\n[{i18n.percent(float(interval[0]), lang, 0)}–{i18n.percent(float(interval[1]), lang, 0)}]"
    win = d.get("chosen_offer_win_share")
    margin = d.get("marginal_net_per_give")
    return [text, i18n.percent(float(win), lang, 0) if win is not None else "–",
            i18n.money(float(margin), lang, 2) if margin is not None else "–"]


def _policy_pages(data: RunData, lang: str) -> list[_Page]:
    detail = data.policy.get("segments", {})
    policy = data.policy.get("policy") or {}
    offers = policy.get("segments", {})
    default = policy.get("offers", [])
    paired = data.segment_differences is not None
    if not paired:  # an older run directory: the simulated means without intervals
        base_npv, opt_npv = _segment_npv(data, True), _segment_npv(data, False)
    seg = data.segments
    desc = seg.get_column("description").to_list() if "description" in seg.columns else [""] * seg.height
    rows, shade = [], []
    tot = {"debtors": 0, "balance": 0.0, "base": 0.0, "opt": 0.0}
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    for name, debtors, balance, chronic, description in zip(seg.get_column("segment").to_list(),
                                                            seg.get_column("debtors").to_list(),
                                                            seg.get_column("balance").to_list(),
                                                            seg.get_column("chronic").to_list(), desc):
        d = detail.get(name, {})
        n = int(d.get("debtors", debtors) or 0)
        compared = data.segment_compared(name, "net_npv") if paired else None
        if compared is not None:
            give = data.segment_compared(name, "give_away")
            sim = _compared_cells(compared, give["optimized"] if give else None, lang)
        else:
            sim = ["–", _pair(base_npv[name], opt_npv[name], lang) if not paired else "–", "–"]
            if not paired:
                tot["base"] += base_npv[name]
                tot["opt"] += opt_npv[name]
        rows.append([
            name + ("\n" + description if description else ""),
            t("chronic", lang) if chronic else "",
            f"{i18n.number(n, lang)}\n{m0(float(balance))}",
            _offer_mix((offers.get(name) or {}).get("offers", default), lang),
            _cadence(d.get("cadence", []), lang),
            *_limit_cells(d, lang),
            *sim,
        ])
        shade.append(bool(chronic))
        tot["debtors"] += n
        tot["balance"] += float(balance)
    total = data.segment_compared(None, "net_npv") if paired else None
    if total is not None:
        give = data.segment_compared(None, "give_away")
        sim = _compared_cells(total, give["optimized"] if give else None, lang)
    else:
        sim = ["–", _pair(tot["base"], tot["opt"], lang) if not paired else "–", "–"]
    rows.append([t("total", lang), "", f"{i18n.number(tot['debtors'], lang)}\n{m0(tot['balance'])}", "", "",
                 "", "", "", *sim])
    shade.append(False)
    any_chronic = any(shade)
    columns = [Column(t("col_segment", lang), 1.45), Column(t("chronic", lang).capitalize(), 0.68, "center"),
               Column(t("col_debtors_balance", lang), 0.8, "right", False),
               Column(t("col_offer_mix", lang), 1.05 if any_chronic else 1.35),
               Column(t("col_cadence", lang), 1.7 if any_chronic else 2.08), Column(t("col_limit_ci", lang), 0.75, "right"),
               Column(t("col_same_offer", lang), 0.6, "right"), Column(t("col_margin_short", lang), 0.75, "right"),
               Column(t("col_give_simulated", lang), 0.85, "right", False),
               Column(t("col_recovery_compared", lang), 1.55, "right", False),
               Column(t("col_difference_paired", lang), 1.0, "right", False)]
    if not any_chronic:  # no chronic segment: no empty column
        columns.pop(1)
        rows = [r[:1] + r[2:] for r in rows]
    note = with_one_replication_note(t("policy_note_paired" if data.replications > 1 else "policy_note_one", lang,
                                       replications=i18n.number(data.replications, lang)), data, lang)
    note = " ".join(x for x in (note, empty_segment_note(data, lang)) if x)
    legend = t("policy_significance_legend", lang) if data.replications > 1 and paired else None
    # the cells that do not wrap (the simulated values, one line of difference each) get the width they need
    columns = fit_columns(columns, rows, PAGE_SIZE[0] - 2 * _MARGIN_X, 7.5, bold_last=True)
    return _table_pages(data, lang, t("policy_title", lang), note, columns, rows, 7.5,
                        shade=shade, bold_last=True, footnote=legend)


def _curves_page(data: RunData, lang: str) -> _Page:
    page = _page(t("curves_title", lang), data, lang, with_one_replication_note(t("curves_note", lang), data, lang))
    W, _H = PAGE_SIZE
    ax = _axes_in(page.fig, _MARGIN_X - 0.1, _CONTENT_BOTTOM + 0.05, W - 2 * _MARGIN_X + 0.1,
                  page.top - _CONTENT_BOTTOM - 0.05)
    F.fig_collection_curves(data, lang, ax=ax)
    return page


def _frontier_page(data: RunData, lang: str) -> _Page:
    W, _H = PAGE_SIZE
    page = _page(t("frontier_title", lang), data, lang, with_one_replication_note(t("frontier_note", lang), data, lang))
    top = page.top - 0.45
    ax = _axes_in(page.fig, 1.3, 0.95, 5.9, top - 0.95)
    F.fig_frontier(data, lang, ax=ax)
    ax.set_title("")
    ax2 = _axes_in(page.fig, 8.2, 0.95, W - 8.2 - _MARGIN_X - 0.1, top - 0.95)
    F.fig_frontier_marginal(data, lang, ax=ax2)
    ax2.set_title(_wrap(t("marginal_title", lang), 10, W - 7.5 - _MARGIN_X), loc="left", x=-0.3, fontsize=10)
    return page


policy_pages, curves_page, frontier_page = _policy_pages, _curves_page, _frontier_page
