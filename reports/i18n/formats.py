"""Looking labels up, and formatting money, numbers, percentages and dates in each language (Babel)."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import math
import re
from typing import Iterator

from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_symbol

from reports.i18n.labels import LABELS
from reports.i18n.names import (CHANNEL_NAMES, CONSTRAINT_NAMES, LANGS, METRIC_NAMES, OUTCOME_NAMES,
                                PARAMETER_NAMES, RULE_NAMES, STATUS_NAMES, UNIT_NAMES)

__all__ = ["check_lang", "t", "money", "money_compact", "number", "number_compact", "compact_scale", "percent",
           "date", "month", "channel", "rule", "metric", "parameter", "outcome", "constraint", "unit", "offer",
           "status", "set_by", "source", "currency", "currency_symbol"]


_TOKEN = re.compile(r"^([a-z_]+)(?:\[(.*)\])?$")


def check_lang(lang: str) -> str:
    """Return ``lang`` if the report speaks it.

    Raises
    ------
    ValueError
        Naming ``lang``, the value received and the languages available.
    """
    if lang not in LANGS:
        raise ValueError(f"lang: unsupported language (got {lang!r}, expected one of {', '.join(LANGS)})")
    return lang


def t(key: str, lang: str, **fields: object) -> str:
    """The label ``key`` in ``lang``, with ``{name}`` fields filled from ``fields``.

    Raises
    ------
    KeyError
        For an unknown key (labels never fall back to another language).
    ValueError
        For an unsupported ``lang``.
    """
    check_lang(lang)
    text = LABELS[key][lang]
    return text.format(**fields) if fields else text


_LOCALES = {"en": "en_US", "pt-BR": "pt_BR"}
#: The currency amounts are shown in (``money.currency`` of the run); see :func:`currency`.
_CURRENCY: contextvars.ContextVar[str] = contextvars.ContextVar("acordo_currency", default="BRL")


@contextlib.contextmanager
def currency(code: str) -> Iterator[None]:
    """Show money in ``code`` (an ISO 4217 code such as ``BRL``, ``USD``) inside the ``with`` block."""
    token = _CURRENCY.set(code)
    try:
        yield
    finally:
        _CURRENCY.reset(token)


def currency_symbol(lang: str, code: str | None = None) -> str:
    """The symbol of the current currency in ``lang``: ``R$``; ``US$`` (pt-BR) or ``$`` (en)."""
    check_lang(lang)
    return get_currency_symbol(code or _CURRENCY.get(), locale=_LOCALES[lang])


def _with_symbol(text: str, lang: str) -> str:
    """``R$ 1.234`` / ``-R$ 1.234``: the currency symbol before an already formatted number."""
    if text == "–":
        return text
    symbol = currency_symbol(lang)
    gap = " " if any(c.isalpha() for c in symbol) or lang == "pt-BR" else ""
    if text.startswith("-"):
        return f"-{symbol}{gap}{text[1:]}"
    return f"{symbol}{gap}{text}"


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``1,234.5`` (en) or ``1.234,5`` (pt-BR), by Babel; ``-`` for a negative value, ``–`` for NaN."""
    check_lang(lang)
    if value is None or not math.isfinite(value):
        return "–"
    rounded = round(float(value), decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    body = format_decimal(abs(rounded), format=pattern, locale=_LOCALES[lang])
    negative = rounded < 0 and body.strip("0.,") != ""
    return ("-" if negative else "") + body


def money(value: float, lang: str, decimals: int = 2) -> str:
    """``R$ 1,234.56`` (en) or ``R$ 1.234,56`` (pt-BR); negatives as ``-R$ 1.234,56``; the run's currency."""
    return _with_symbol(number(value, lang, decimals), lang)


_SCALES: tuple[tuple[float, str, str], ...] = ((1e9, "B", " bi"), (1e6, "M", " mi"), (1e3, "k", " mil"))


def compact_scale(value: float) -> float:
    """The scale (1e9, 1e6, 1e3 or 1) of the compact form of ``value``."""
    size = abs(value) if value is not None and math.isfinite(value) else 0.0
    for scale, _en, _pt in _SCALES:
        if size >= scale * 0.9995:
            return scale
    return 1.0


def number_compact(value: float, lang: str, digits: int = 2, *, scale: float | None = None,
                   decimals: int | None = None) -> str:
    """A short number for axes and tight labels: ``1.2M``/``35k`` (en), ``1,2 mi``/``35 mil`` (pt-BR).

    Parameters
    ----------
    value : float
    lang : str
    digits : int
        Significant digits kept (trailing zeros dropped) when ``decimals`` is not given.
    scale : float, optional
        Force the scale (1e9, 1e6, 1e3 or 1), e.g. so that every tick of an axis shares one.
    decimals : int, optional
        Force the number of decimals (trailing zeros kept).
    """
    check_lang(lang)
    if value is None or not math.isfinite(value):
        return "–"
    scale = compact_scale(value) if scale is None else scale
    suffix = ""
    for s, en, pt in _SCALES:
        if s == scale:
            suffix = en if lang == "en" else pt
    scaled = value / scale
    if decimals is not None:
        text = number(scaled, lang, decimals)
    elif scale > 1:
        places = max(0, digits - len(str(int(abs(round(scaled, 6))))))
        text = number(scaled, lang, places)
        if places:
            text = text.rstrip("0").rstrip(".,")
    else:
        size = abs(value)
        text = number(value, lang, 0 if size >= 10 or size == 0 else 1 if size >= 1 else 2)
        if "." in text or "," in text:
            text = text.rstrip("0").rstrip(".,")
    if text in ("-0", "0") and value == 0:
        text = "0"
    return text + (suffix if text != "0" else "")


def money_compact(value: float, lang: str, digits: int = 2, *, scale: float | None = None,
                  decimals: int | None = None) -> str:
    """``R$ 1.2M`` (en) or ``R$ 1,2 mi`` (pt-BR): money for axes and tight labels (see :func:`number_compact`)."""
    return _with_symbol(number_compact(value, lang, digits, scale=scale, decimals=decimals), lang)


def percent(value: float, lang: str, decimals: int = 1) -> str:
    """A share as a percentage: ``0.125`` → ``12.5%`` (en) or ``12,5%`` (pt-BR)."""
    text = number(None if value is None else 100.0 * value, lang, decimals)
    return text if text == "–" else text + "%"


def date(value: _dt.date | str, lang: str) -> str:
    """``24 Nov 2026`` (en) or ``24/11/2026`` (pt-BR); accepts a date or an ISO string."""
    check_lang(lang)
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return format_date(value, "dd/MM/y" if lang == "pt-BR" else "d MMM y", locale=_LOCALES[lang])


def month(value: _dt.date, lang: str, short: bool = False) -> str:
    """``Jan 2026`` (en) or ``jan/2026`` (pt-BR); ``short`` drops the year."""
    check_lang(lang)
    name = format_date(value, "LLL", locale=_LOCALES[lang]).rstrip(".")  # Babel: "Jan", "jan."
    if short:
        return name
    return f"{name} {value.year}" if lang == "en" else f"{name}/{value.year}"


def _lookup(table: dict[str, dict[str, str]], name: str, lang: str) -> str:
    check_lang(lang)
    entry = table.get(name)
    return entry[lang] if entry else name.replace("_", " ")


def channel(name: str, lang: str) -> str:
    """A contact channel's name (unknown names are shown as given)."""
    return _lookup(CHANNEL_NAMES, name, lang)


def rule(name: str, lang: str) -> str:
    """A contact rule's name (unknown names are shown as given)."""
    return _lookup(RULE_NAMES, name, lang)


def metric(name: str, lang: str) -> str:
    """A headline metric's name (unknown names are shown as given)."""
    return _lookup(METRIC_NAMES, name, lang)


def parameter(name: str, lang: str) -> str:
    """A behavioural parameter's name (unknown names are shown as given)."""
    return _lookup(PARAMETER_NAMES, name, lang)


def outcome(name: str, lang: str) -> str:
    """A debtor outcome's name (unknown names are shown as given)."""
    return _lookup(OUTCOME_NAMES, name, lang)




_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def set_by(text: str, lang: str) -> str:
    """Who set a value (``default``, ``bundled scenario (base.toml)``, ``your file (x.toml)``, ...) in ``lang``."""
    check_lang(lang)
    if lang == "en":
        return text
    for en, pt in (("default: the next business day after", "padrão: o dia útil seguinte a"),
                   ("default", "padrão"), ("bundled scenario", "cenário incluído"), ("your file", "seu arquivo"),
                   ("command line", "linha de comando"), ("calibrated", "calibrado")):
        if text.startswith(en):
            return _ISO_DAY.sub(lambda m: date(m.group(0), lang), pt + text[len(en):])
    return text


def source(text: str, lang: str) -> str:
    """A parameter's source in ``lang`` when acordo wrote it (:mod:`reports.sources_pt`); a user's as written."""
    check_lang(lang)
    if lang == "pt-BR":
        from reports.sources_pt import source_pt
        return source_pt(text)
    return text


def status(name: str, lang: str) -> str:
    """An LP status (``OPTIMAL``) in words (``optimal`` / ``ótimo``); unknown ones lower-cased."""
    check_lang(lang)
    return STATUS_NAMES.get(name.upper(), {}).get(lang, name.lower().replace("_", " "))


def constraint(name: str, lang: str) -> str:
    """An LP constraint's name: ``chronic_cap[high_late_chronic]`` → ``discount cap ...: high_late_chronic``."""
    check_lang(lang)
    match = _TOKEN.match(name)
    if not match:
        return name
    family, arg = match.groups()
    label = _lookup(CONSTRAINT_NAMES, family, lang)
    return f"{label}: {arg}" if arg else label


def unit(name: str, lang: str) -> str:
    """A unit of the assumptions table (``R$``, ``UF`` and unknown units unchanged)."""
    check_lang(lang)
    if lang == "en":
        return name
    return UNIT_NAMES.get(name, name)


def offer(discount: float, installments: int, lang: str, down_payment_share: float | None = None) -> str:
    """``45% off, 6 installments`` (en) or ``45% de desconto, 6x`` (pt-BR); ``lump sum`` / ``à vista`` for 1."""
    d = percent(discount, lang, 0)
    if installments <= 1:
        return t("offer_lump", lang, d=d)
    return t("offer_plan", lang, d=d, n=installments)
