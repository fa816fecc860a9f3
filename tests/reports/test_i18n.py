"""Labels and number formats of the report, in English and Brazilian Portuguese."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from reports import i18n
from reports.i18n import LANGS


def test_unsupported_language_names_lang():
    with pytest.raises(ValueError, match=r"^lang: .*'fr'.*en, pt-BR"):
        i18n.check_lang("fr")
    for fn in (lambda: i18n.t("page", "pt"), lambda: i18n.money(1.0, "EN"), lambda: i18n.date("2026-01-01", "")):
        with pytest.raises(ValueError, match="lang"):
            fn()


def test_every_label_has_both_languages_and_the_same_fields():
    field = re.compile(r"{(\w+)}")
    for key, texts in i18n.LABELS.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key
        assert set(field.findall(texts["en"])) == set(field.findall(texts["pt-BR"])), key
    for table in (i18n.CHANNEL_NAMES, i18n.RULE_NAMES, i18n.METRIC_NAMES, i18n.PARAMETER_NAMES, i18n.OUTCOME_NAMES,
                  i18n.CONSTRAINT_NAMES):
        for name, texts in table.items():
            assert set(texts) == set(LANGS) and all(texts.values()), name


def test_labels_are_translated():
    same = [k for k, v in i18n.LABELS.items() if v["en"] == v["pt-BR"] and not re.fullmatch(r"[\W\d{}a-z_]*", v["en"])]
    assert set(same) <= {"total"}, same
    assert i18n.t("report_title", "pt-BR") == "Relatório de política de cobrança"
    assert i18n.t("page", "pt-BR", n=2, total=9) == "página 2 de 9"


def test_unknown_label_is_an_error_not_a_fallback():
    with pytest.raises(KeyError):
        i18n.t("no_such_label", "en")


@pytest.mark.parametrize("value, en, pt", [
    (1234.56, "R$ 1,234.56", "R$ 1.234,56"),
    (0.0, "R$ 0.00", "R$ 0,00"),
    (95203180.4, "R$ 95,203,180.40", "R$ 95.203.180,40"),
    (-1605851.7, "-R$ 1,605,851.70", "-R$ 1.605.851,70"),
    (999.995, "R$ 1,000.00", "R$ 1.000,00"),
])
def test_money(value, en, pt):
    assert i18n.money(value, "en") == en
    assert i18n.money(value, "pt-BR") == pt


def test_money_whole_reais_and_missing_values():
    assert i18n.money(24075151.88, "pt-BR", 0) == "R$ 24.075.152"
    assert i18n.money(-0.001, "en") == "R$ 0.00"
    assert i18n.money(float("nan"), "en") == "–"


@pytest.mark.parametrize("value, en, pt", [
    (1_234_567, "R$ 1.2M", "R$ 1,2 mi"),
    (35_000, "R$ 35k", "R$ 35 mil"),
    (2_500_000_000, "R$ 2.5B", "R$ 2,5 bi"),
    (999_999, "R$ 1M", "R$ 1 mi"),
    (-640_000, "-R$ 640k", "-R$ 640 mil"),
    (0, "R$ 0", "R$ 0"),
    (217, "R$ 217", "R$ 217"),
])
def test_money_compact(value, en, pt):
    assert i18n.money_compact(value, "en") == en
    assert i18n.money_compact(value, "pt-BR") == pt


def test_compact_on_a_shared_scale():
    assert i18n.money_compact(800_000, "en", scale=1e6, decimals=1) == "R$ 0.8M"
    assert i18n.money_compact(25_500_000, "pt-BR", scale=1e6, decimals=1) == "R$ 25,5 mi"
    assert i18n.number_compact(12_500, "pt-BR") == "12 mil"


def test_percent_and_number():
    assert i18n.percent(0.125, "en") == "12.5%"
    assert i18n.percent(0.125, "pt-BR") == "12,5%"
    assert i18n.percent(0.2, "pt-BR", 0) == "20%"
    assert i18n.number(20000, "en") == "20,000"
    assert i18n.number(20000, "pt-BR") == "20.000"
    assert i18n.number(0.5, "pt-BR", 2) == "0,50"


def test_dates():
    day = dt.date(2026, 11, 24)
    assert i18n.date(day, "pt-BR") == "24/11/2026"
    assert i18n.date("2026-01-05", "pt-BR") == "05/01/2026"
    assert i18n.date(day, "en") == "24 Nov 2026"
    assert i18n.month(dt.date(2026, 2, 1), "pt-BR") == "fev/2026"
    assert i18n.month(dt.date(2026, 2, 1), "en") == "Feb 2026"


def test_names_of_channels_rules_metrics_parameters_constraints():
    assert i18n.channel("call", "pt-BR") == "ligação"
    assert i18n.channel("letter", "en") == "letter"
    assert i18n.rule("state_hours", "pt-BR") == "dias e horários estaduais"
    assert i18n.metric("net_npv", "pt-BR") == "recuperação líquida (VPL)"
    assert i18n.parameter("self_cure_h0", "pt-BR") == "autorregularização (taxa diária)"
    assert i18n.outcome("agreement_kept", "pt-BR") == "acordo cumprido"
    assert i18n.constraint("chronic_cap[high_late_chronic]", "pt-BR") == \
        "teto de desconto para devedores crônicos: high_late_chronic"
    assert i18n.constraint("agent_minutes", "en") == "agent minutes"
    assert i18n.constraint("something_new[x]", "en") == "something new: x"
    assert i18n.unit("probability per day", "pt-BR") == "probabilidade por dia"
    assert i18n.unit("R$", "pt-BR") == "R$"


def test_offers():
    assert i18n.offer(0.45, 6, "en") == "45% off, 6 installments"
    assert i18n.offer(0.45, 6, "pt-BR") == "45% de desconto, 6x"
    assert i18n.offer(0.1, 1, "en") == "10% off, lump sum"
    assert i18n.offer(0.1, 1, "pt-BR").replace("\u00a0", " ") == "10% de desconto, à vista"


def test_every_metric_and_parameter_of_the_simulator_is_named():
    from simulation.model import OUTCOMES
    from simulation.replication import BLOCK_RULES, TOTALS
    from simulation.sensitivity import SENSITIVITY_PARAMETERS
    from scenarios.schema import CHANNELS
    assert set(TOTALS) <= set(i18n.METRIC_NAMES)
    assert set(SENSITIVITY_PARAMETERS) <= set(i18n.PARAMETER_NAMES)
    assert set(OUTCOMES) <= set(i18n.OUTCOME_NAMES)
    assert set(BLOCK_RULES) <= set(i18n.RULE_NAMES)
    assert set(CHANNELS) <= set(i18n.CHANNEL_NAMES)


def test_money_follows_the_run_currency_with_babel_symbols():
    from reports.i18n import currency, money, money_compact
    assert money(1234.5, "pt-BR") == "R$ 1.234,50" and money(-1234.5, "en") == "-R$ 1,234.50"
    with currency("USD"):
        assert money(1234.5, "pt-BR") == "US$ 1.234,50"
        assert money(1234.5, "en") == "$1,234.50"
        assert money_compact(2.5e6, "pt-BR") == "US$ 2,5 mi"
    with currency("EUR"):
        assert money(-3.0, "pt-BR", 0) == "-€ 3"
    assert money(1.0, "en", 0) == "R$ 1"


def _schema_specs():
    """Every Spec of the scenario schema, nested tables included (the sources of acordo's defaults)."""
    import dataclasses

    from scenarios.params import Spec, fields_of
    from scenarios.schema import Scenario
    seen, specs = set(), []

    def walk(cls):
        if cls in seen:
            return
        seen.add(cls)
        for f, tp in fields_of(cls):
            specs.append(f.metadata.get("spec", Spec()))
            if dataclasses.is_dataclass(tp):
                walk(tp)
    walk(Scenario)
    return specs


def test_every_source_and_unit_acordo_writes_is_said_in_portuguese():
    specs = _schema_specs()
    sources = {s.source for s in specs if s.source}
    assert len(sources) > 40  # the walk reaches the nested tables
    untranslated = sorted(s for s in sources if i18n.source(s, "pt-BR") == s and s not in {
        "12 CFR 1006.14(b)(2)", "docs/optimizer.md"})  # a citation alone is the same in both languages
    assert untranslated == []
    assert i18n.source("judgement: the largest state", "pt-BR") == "avaliação própria: o maior estado"
    assert i18n.source("judgement: the largest state", "en") == "judgement: the largest state"
    units = {s.unit for s in specs if s.unit} - {"R$", "UF"}
    assert sorted(u for u in units if i18n.unit(u, "pt-BR") == u) == []


def test_a_source_the_user_wrote_is_shown_as_written():
    mine = "our 2025 collections review (internal)"
    assert i18n.source(mine, "pt-BR") == mine
    assert i18n.source("calibrated from hist (2025-01-02–2025-06-30)", "pt-BR") == \
        "calibrado a partir de hist (2025-01-02–2025-06-30)"
