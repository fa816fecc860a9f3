"""The closing pages: sensitivity of the net recovery, and the assumptions appendix."""
from __future__ import annotations

import re

from reports import figures as F
from reports import i18n
from reports.headline import headline
from reports.i18n import t
from reports.layout import PAGE_SIZE, _MARGIN_X, Column, _Page, _axes_in, _page, _table_pages
from reports.rundata import RunData
from reports.segment_notes import with_one_replication_note

__all__ = ["sensitivity_page", "assumption_pages"]


def _sensitivity_page(data: RunData, lang: str) -> _Page:
    ref = None
    if data.sensitivity is not None and data.sensitivity.height and "reference" in data.sensitivity.columns:
        ref = float(data.sensitivity.get_column("reference")[0])
    note = t("sensitivity_note", lang, ref=i18n.money(ref, lang, 0) if ref is not None else "–")
    sens = data.sensitivity
    if sens is not None and "headline_replications" in sens.columns and sens.height:
        sr, hr = int(sens.get_column("replications")[0]), int(sens.get_column("headline_replications")[0])
        head = float(sens.get_column("headline_reference")[0])
        if sr == hr or ref == head:  # a sampled tornado's level is the headline itself (docs/sensitivity.md)
            note += " " + t("sensitivity_same_reference", lang, r=hr)
        else:
            note += " " + t("sensitivity_prefix_reference", lang, sr=sr, r=hr, ref=i18n.money(ref, lang, 0),
                            head=i18n.money(head, lang, 0))
    if sens is not None and "gain" in sens.columns:
        note += " " + t("sensitivity_beats", lang)
        head = headline(data.solution.get("validation") or {}, lang)
        if head is not None and not head.significant:
            note += " " + t("sensitivity_beats_noise", lang)
    W, _H = PAGE_SIZE
    page = _page(t("sensitivity_title", lang), data, lang, with_one_replication_note(note, data, lang))
    ax = _axes_in(page.fig, 3.0, 0.95, W - 3.0 - _MARGIN_X - 0.3, page.top - 0.95 - 0.1)
    F.fig_sensitivity(data, lang, ax=ax)
    ax.set_title("")
    return page


def _assumption_pages(data: RunData, lang: str) -> list[_Page]:
    """The compact appendix: each value the run used, its unit, who set it and its source."""
    table = data.assumptions
    assert table is not None
    has_set_by = "set_by" in table.columns
    rows = []
    for r in table.iter_rows(named=True):
        key = str(r["key"])
        row = [key.replace(".", ".\u200b") if len(key) > 38 else key,
               _value(key, str(r["value"]), lang, str(r.get("meaning") or "")),
               i18n.unit(str(r["unit"] or ""), lang)]
        if has_set_by:
            row.append(i18n.set_by(str(r["set_by"] or ""), lang))
        row.append(i18n.source(str(r["source"] or ""), lang))
        rows.append(row)
    columns = [Column(t("col_key", lang), 2.5), Column(t("col_value_short", lang), 2.2),
               Column(t("col_unit", lang), 1.3)]
    if has_set_by:
        columns.append(Column(t("col_set_by", lang), 1.9))
    columns.append(Column(t("col_source", lang), 3.2))
    return _table_pages(data, lang, t("assumptions_title", lang), t("assumptions_note", lang), columns, rows, 6.6)


_CADENCE_STEP = re.compile(r"\bd(\d+) ([a-z]+)\b")
_NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
_NUMBERS = re.compile(rf"^\[?{_NUMBER}(?:, {_NUMBER})*(?:, \.\.\.)?\]?$")  # 0.15, [1, 3, 6, ...]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


#: A value the schema's meaning names as "off": ``(-1 = none; ...)``, ``(0 = none)``.
_NONE_VALUE = re.compile(r"\((-?\d+(?:\.\d+)?) = none\b")


def _value(key: str, text: str, lang: str, meaning: str = "") -> str:
    """A value as a reader says it: ``sim``/``não`` (``true``/``false``), text without quotes, no ``< inf``,
    a cadence's channels in ``lang``, and "none" for the value the meaning says turns it off (``-1 = none``)."""
    off = _NONE_VALUE.search(meaning)
    if off is not None:
        try:
            if float(text) == float(off.group(1)):
                return t("value_none", lang)
        except ValueError:
            pass
    if text in ("True", "False"):
        return {"en": {"True": "true", "False": "false"}, "pt-BR": {"True": "sim", "False": "não"}}[lang][text]
    if len(text) >= 2 and text[0] == text[-1] == "'" and "'" not in text[1:-1]:
        return text[1:-1]
    if key.startswith("segments.") and key.endswith(".rule"):
        return text.replace(" < inf", "")
    if key.startswith("cadences."):
        return _CADENCE_STEP.sub(lambda m: f"d{m.group(1)} {i18n.channel(m.group(2), lang)}", text)
    if lang == "pt-BR" and re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):  # 9,545 rows: 9.545
        return text.replace(",", ".")
    if lang == "pt-BR" and _ISO_DATE.match(text):
        return i18n.date(text, lang)
    if lang == "pt-BR" and _NUMBERS.match(text):  # decimal comma; list items then split by "; "
        return text.replace(", ", "; ").replace(".", ",").replace(",,,", "...")
    return text


sensitivity_page, assumption_pages = _sensitivity_page, _assumption_pages
