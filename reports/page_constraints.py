"""What the constraints cost: shadow prices in words and as a chart, binding constraints, checks."""
from __future__ import annotations

import numpy as np

from matplotlib.ticker import MaxNLocator

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.intervals import floor_at_zero
from reports.layout import (PAGE_SIZE, _CONTENT_BOTTOM, _MARGIN_X, Column, _Page, _axes_in, _ci_text, _draw_table,
                            _layout, _money_auto, _page, _row_height, _signed_pp, _sized, _wrap)
from reports.rundata import RunData, as_float
from reports.segment_notes import with_one_replication_note

__all__ = ["constraint_pages"]


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


def _weekly_detail(sol: dict, lang: str) -> tuple[str, str] | None:
    """With weekly capacity rows: (headline, detail) of what one more agent is worth by the LP."""
    cap = sol.get("capacity_by_week") or {}
    agent = cap.get("one_more_agent")
    if not agent:
        return None
    mv = lambda v: _money_auto(v, lang)  # noqa: E731
    held = cap.get("held") or []
    planned = sum(float(w["planned"]) for w in held)
    made = (i18n.percent(sum(float(w["used"]) for w in held) / planned, lang, 0) if planned > 0
            else t("agent_not_resimulated", lang))
    weeks = ", ".join(str(int(w) + 1) for w in agent.get("bottleneck_weeks", [])[:8]) or t("agent_no_bottleneck", lang)
    resolved = agent.get("resolved")
    detail = t("agent_lp_weekly_detail", lang, v=mv(float(agent["by_duals"])),
               resolved=mv(float(resolved)) if resolved is not None else "–", weeks=weeks, made=made)
    return t("agent_lp_weekly_sentence", lang, v=mv(float(agent["by_duals"]))), detail


def _group_of(name: str) -> tuple[str, str]:
    """``chronic_vs[low_early_chronic >= 5%]`` → (``chronic_vs[low_early_chronic]``, ``>= 5%``)."""
    family, _, rest = name.partition("[")
    arg = rest.rstrip("]")
    segment, _, level = arg.partition(" ")
    return (f"{family}[{segment}]" if rest else family), level.strip()


def _level(text: str) -> float | None:
    """``>= 5%`` → 5.0 (None for a row without a level)."""
    try:
        return float(text.strip(">= %"))
    except ValueError:
        return None


def _step(groups: list[list[tuple[str, float]]]) -> float:
    """The catalogue's step between levels: the smallest gap between two levels of one group."""
    gaps = []
    for levels in groups:
        pts = sorted({v for v in (_level(lv) for lv, _ in levels) if v is not None})
        gaps += [b - a for a, b in zip(pts, pts[1:])]
    return min(gaps, default=0.0)


def _levels_text(levels: list[tuple[str, float]], lang: str, step: float) -> str:
    """The levels of a group's idle rows, consecutive ones (``step`` apart) as a range:
    ``≥ 5–15%, 45–60% (7 rows)``."""
    count = t("rows_count", lang, n=i18n.number(len(levels), lang)) if len(levels) > 1 else t("row_one", lang)
    pts = sorted({v for v in (_level(lv) for lv, _ in levels) if v is not None})
    if not pts:
        return count
    runs: list[list[float]] = [[pts[0]]]
    for v in pts[1:]:
        if abs(v - runs[-1][-1] - step) < 1e-9:
            runs[-1].append(v)
        else:
            runs.append([v])
    num = lambda v: i18n.number(v, lang, 0 if float(v).is_integer() else 1)  # noqa: E731
    span = ", ".join(num(r[0]) if len(r) == 1 else f"{num(r[0])}–{num(r[-1])}" for r in runs)
    return f"≥ {span}% ({count})"


#: Bars of the page's chart: more do not fit its height (their labels would overlap).
_CHART_BARS = 8


def _constraint_pages(data: RunData, lang: str) -> list[_Page]:
    W, H = PAGE_SIZE
    page = _page(t("constraints_title", lang), data, lang,
                 with_one_replication_note(t("constraints_note", lang), data, lang))
    fig = page.fig
    sol = data.solution
    cons = {c["name"]: c for c in sol.get("constraints", [])}
    prices = F.shadow_prices(data, lang)
    m0 = lambda v: i18n.money(v, lang, 0)  # noqa: E731
    mv = lambda v: _money_auto(v, lang)  # noqa: E731
    width = 4.7  # the bold headings run wider than _wrap estimates: room for the chart's labels
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
    weekly = _weekly_detail(sol, lang)
    if simulated is not None:
        lo, hi = simulated["ci95"]
        detail = t("agent_simulated_detail", lang, lo=mv(as_float(lo)), hi=mv(as_float(hi)),
                   r=i18n.number(int(simulated["replications"]), lang))
        lo, hi = as_float(lo), as_float(hi)
        verdict = ("no_interval_verdict" if not (np.isfinite(lo) and np.isfinite(hi))
                   else "significant" if lo > 0 or hi < 0 else "not_significant")
        detail += ", " + t(verdict, lang)
        if weekly is not None:
            detail += "; " + weekly[1]
        elif agent is not None:
            detail += "; " + t("agent_lp_detail", lang, v=mv(float(agent["value"])))
        bullets.append((t("agent_sentence", lang, v=mv(float(simulated["mean"]))), detail))
    elif weekly is not None:
        bullets.append(weekly)
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
    if (sol.get("tie_break") or {}).get("chance"):  # the chance rows could not all be met at the confidence asked
        conf = float((sol.get("constraints_given") or {}).get("confidence") or 0.95)
        bullets.insert(0, (t("chance_unmet", lang, p=i18n.percent(conf, lang, 0)), t("chance_unmet_detail", lang)))
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
    chart_left = x + 8.25
    shown = min(len(prices), _CHART_BARS)  # the table below lists every binding limit
    chart_h = max(1.3, min(2.1, 0.18 * max(1, shown) + 0.45))
    ax = _axes_in(fig, chart_left, page.top - 0.3 - chart_h, W - _MARGIN_X - chart_left - 0.5, chart_h)
    F.fig_shadow_prices(data, lang, ax=ax, top=_CHART_BARS)
    ax.set_title(t("shadow_chart_title", lang), fontsize=9, loc="left", x=-0.5)
    ax.tick_params(axis="y", labelsize=7.5)
    ax.xaxis.label.set_fontsize(8)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    y = min(y, page.top - 0.3 - chart_h - 0.5)
    # binding constraints, then the out-of-sample checks
    table_w = W - 2 * _MARGIN_X
    binding = [name for name in sol.get("binding", []) if name in cons]
    rows = []
    idle: dict[str, list[tuple[str, float]]] = {}  # binding rows worth nothing to loosen, by constraint
    for name in binding:
        c = cons[name]
        worth = next((p for p in prices if p["name"] == name), None)
        up = c.get("dual_up", c.get("dual"))
        down = c.get("dual_down", c.get("dual"))
        if c.get("note") and (worth is None or abs(float(worth["value"])) < 0.005):
            # held with equality at the optimum, but loosening it is worth nothing: one line per
            # constraint and segment below the table, not a row each (base has ~60 of them)
            group, level = _group_of(name)
            tighten = down if c.get("sense") == "<=" else up
            idle.setdefault(group, []).append((level, abs(float(tighten or 0.0))))
            continue
        shadow = i18n.number(float(c.get("dual") or 0.0), lang, 2)
        if up is not None and down is not None and abs(float(up) - float(down)) > 1e-9 * max(1.0, abs(float(up))):
            shadow = t("shadow_two_sided", lang, up=i18n.number(float(up), lang, 2), down=i18n.number(float(down), lang, 2))
        if c.get("note"):
            shadow += "\n" + t("loosen_nothing", lang)
        value = _limit_text(name, c, lang, "activity")
        at_opt = c.get("activity_optimum")
        if at_opt is not None and abs(float(at_opt) - float(c.get("activity") or 0.0)) > 1e-6 * max(
                1.0, abs(float(at_opt)), abs(float(c.get("rhs") or 0.0))):
            value += "\n" + t("at_optimum", lang, v=_limit_text(name, c, lang, "activity_optimum"))
        rows.append([i18n.constraint(name, lang), _limit_text(name, c, lang), value,
                     shadow, mv(float(worth["value"])) if worth is not None else "–"])
    step = _step(list(idle.values()))
    irows = [[i18n.constraint(group, lang), _levels_text(levels, lang, step),
              t("tighten_up_to", lang, v=i18n.number(max(v for _, v in levels), lang, 2))]
             for group, levels in idle.items()]
    icols = _sized([Column(t("col_constraint", lang), 3.4), Column(t("col_rows", lang), 2.6, "left", False),
                    Column(t("col_tighten", lang), 2.4, "right", False)], table_w)
    cols = _sized([Column(t("col_constraint", lang), 3.4), Column(t("col_limit", lang), 1.2, "right", False),
                   Column(t("col_value", lang), 1.4, "right", False), Column(t("col_shadow", lang), 1.3, "right", False),
                   Column(t("col_meaning", lang), 1.6, "right", False)], table_w)
    checks = (sol.get("validation") or {}).get("constraints") or []
    recal = (sol.get("validation") or {}).get("recalibration") or {}
    anchored = set(recal.get("rows", [])) if "kept" not in recal else set()
    crow = []
    for c in checks:
        lo, hi = c.get("ci95", [c["simulated"], c["simulated"]])
        unit = c.get("unit", "R$")
        fmt = {"R$": m0, "share": lambda v: i18n.percent(v, lang, 1)}.get(unit, lambda v: i18n.number(v, lang, 0))
        label = t("budget_share_check", lang) if unit == "share" else i18n.constraint(c["name"], lang)
        if c["name"] in anchored:
            label += "\n" + t("anchored_note", lang)
        sense = {"<=": "≤ ", ">=": "≥ "}.get(str(c.get("sense")), "")
        held = t("yes" if c.get("holds") else "no", lang)
        if c.get("held_share") is not None:
            held = t("held_share", lang, p=i18n.percent(float(c["held_share"]), lang, 0), n=c.get("replications", ""))
        # give-away, its share, minutes, cash and violations cannot be negative: the interval is cut at zero
        _mean, lo, hi = floor_at_zero(float(c["simulated"]), as_float(lo), as_float(hi))
        crow.append([label, sense + fmt(float(c["limit"])),
                     f"{fmt(float(c['simulated']))}   {_ci_text(lo, hi, fmt)}", held])
    ccols = _sized([Column(t("col_constraint", lang), 3.4), Column(t("col_limit", lang), 1.6, "right", False),
                    Column(t("col_simulated_value", lang), 3.0, "right", False),
                    Column(t("col_holds", lang), 1.6, "center", False)], table_w)
    size = 8.0
    sections = [(t("binding_title", lang), cols, rows, t("binding_none", lang)),
                (t("idle_title", lang), icols, irows, None),
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


constraint_pages = _constraint_pages
