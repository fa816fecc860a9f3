"""The sources acordo itself gives its defaults (``scenarios.params.Spec.source``), in Brazilian Portuguese.

The assumptions appendix prints, for every value a run used, where the value comes from.
What acordo wrote (the schema's citations of its defaults, "judgement", a calibration's
"calibrated from ...") is said in the report's language; what a user wrote in a scenario's
``[sources]`` table is shown as written. :func:`source_pt` looks a source up whole, so a
citation is translated only when it is one of acordo's own; ``tests/reports/test_i18n.py``
checks that every source of the schema has its translation here.

Names of laws, programmes and papers (CDC, Lei 14.905/2024, Desenrola, Cadena & Schoar
2011, 12 CFR 1006.14) are kept as cited.
"""
from __future__ import annotations

__all__ = ["SOURCES_PT", "source_pt"]

#: acordo's own sources of its defaults: English (as in ``scenarios/schema.py``) → pt-BR.
SOURCES_PT: dict[str, str] = {
    "judgement": "avaliação própria",
    "judgement: a 1-in-20 miss": "avaliação própria: uma falha em cada 20",
    "12 CFR 1006.14(b)(2)": "12 CFR 1006.14(b)(2)",
    "CDC art. 43 §2: written notice before listing": "CDC art. 43 §2: aviso por escrito antes da negativação",
    "CDC art. 52 §1 (at most 2%)": "CDC art. 52 §1 (no máximo 2%)",
    "Correios carta simples plus printing": "carta simples dos Correios mais impressão",
    "Desenrola: R$ 50 minimum installment": "Desenrola: parcela mínima de R$ 50",
    "Desenrola: at most 1.99% a.m.": "Desenrola: no máximo 1,99% a.m.",
    "Lei 14.905/2024: Selic minus IPCA (~0.6% a.m. in 2025)": "Lei 14.905/2024: Selic menos IPCA (~0,6% a.m. em 2025)",
    "Lei 662/1949 and state laws": "Lei 662/1949 e leis estaduais",
    "Mayer et al. 2014 (moral hazard)": "Mayer et al. 2014 (risco moral)",
    "Meta utility-template pricing for Brazil, ~US$ 0.06":
        "preço da Meta para modelos de utilidade no Brasil, ~US$ 0,06",
    "NR-17 Anexo II: 6h20 shifts for teleoperators, less breaks":
        "NR-17 Anexo II: jornada de 6h20 para teleoperadores, menos pausas",
    "SP state law: Saturdays 8-14h": "lei estadual de SP: sábados das 8h às 14h",
    "SP state law: no contact on Sundays and holidays": "lei estadual de SP: sem contato em domingos e feriados",
    "SP state law: weekdays 8-20h": "lei estadual de SP: dias úteis das 8h às 20h",
    "Selic target 15% a.a. (Copom, 2025)": "meta Selic de 15% a.a. (Copom, 2025)",
    "Serasa practice: listing 10 days after the notice": "prática da Serasa: negativação 10 dias após o aviso",
    "US Reg F 7-in-7 (12 CFR 1006.14)": "Reg F dos EUA, 7 em 7 dias (12 CFR 1006.14)",
    "announced relief raised delinquency ~10% (Mayer et al. 2014); judgement":
        "alívio anunciado elevou a inadimplência em ~10% (Mayer et al. 2014); avaliação própria",
    "calls: 27% right-party contact (call-centre funnel); SMS: Cadena & Schoar 2011; others judgement":
        "ligações: 27% de contato com o devedor certo (funil de call center); SMS: Cadena & Schoar 2011; "
        "demais: avaliação própria",
    "calls: 59% of conversations end in a promise (call-centre funnel; Laudenbach et al.); digital: judgement":
        "ligações: 59% das conversas terminam em promessa (funil de call center; Laudenbach et al.); "
        "digitais: avaliação própria",
    "collection agencies keep 20-35% (agency commission)": "assessorias de cobrança ficam com 20-35% (comissão)",
    "docs/model.md, portfolio file": "docs/model.md, arquivo da carteira",
    "docs/optimizer.md": "docs/optimizer.md",
    "judgement (0 = acceptance ignores history)": "avaliação própria (0 = o aceite ignora o histórico)",
    "judgement (Desenrola allowed up to 60)": "avaliação própria (o Desenrola permitia até 60)",
    "judgement (Serasa: listing prompts payment)": "avaliação própria (Serasa: a negativação estimula o pagamento)",
    "judgement (VoIP/dialler minute rates)": "avaliação própria (tarifas por minuto de VoIP/discador)",
    "judgement (bureau inclusion fee)": "avaliação própria (tarifa de inclusão no birô)",
    "judgement (card/crediário customer margin)": "avaliação própria (margem do cliente de cartão/crediário)",
    "judgement (cured consumer accounts: ~20% re-default within a year)":
        "avaliação própria (contas regularizadas: ~20% voltam a atrasar em um ano)",
    "judgement (entrada de 10%)": "avaliação própria (entrada de 10%)",
    "judgement, calibrated to ~30% self-cure in 180 days for early arrears":
        "avaliação própria, ajustada a ~30% de autorregularização em 180 dias nos atrasos recentes",
    "judgement, see docs/sensitivity.md": "avaliação própria, ver docs/sensitivity.md",
    "judgement: 0..60% in steps of 5%": "avaliação própria: 0 a 60% em passos de 5%",
    "judgement: 3 prior delinquencies": "avaliação própria: 3 inadimplências anteriores",
    "judgement: Brazilian A2P SMS ~R$ 0.05-0.10": "avaliação própria: SMS A2P no Brasil ~R$ 0,05-0,10",
    "judgement: Brazilian books": "avaliação própria: carteiras brasileiras",
    "judgement: a 180-day collections cycle before write-off":
        "avaliação própria: ciclo de cobrança de 180 dias antes da baixa",
    "judgement: a forecast starts tomorrow": "avaliação própria: uma previsão começa amanhã",
    "judgement: a typical in-house practice": "avaliação própria: uma prática interna típica",
    "judgement: accounts go to collections at ~30 days past due":
        "avaliação própria: as contas entram em cobrança com ~30 dias de atraso",
    "judgement: limit the Feirão Limpa Nome effect": "avaliação própria: limitar o efeito do Feirão Limpa Nome",
    "judgement: operator salary with charges / 130 productive hours":
        "avaliação própria: salário do operador com encargos / 130 horas produtivas",
    "judgement: standard errors below 2% of the mean": "avaliação própria: erros-padrão abaixo de 2% da média",
    "judgement: the largest state": "avaliação própria: o maior estado",
    "judgement: the one-cycle horizon of 180 days": "avaliação própria: o horizonte de um ciclo, 180 dias",
    "judgement; Desenrola Brasil went up to 60": "avaliação própria; o Desenrola Brasil chegou a 60",
    "judgement; Desenrola averaged 83%, Feirão Limpa Nome up to 99%":
        "avaliação própria; o Desenrola teve média de 83%, o Feirão Limpa Nome até 99%",
    "judgement; Feirão Limpa Nome effect": "avaliação própria; efeito do Feirão Limpa Nome",
    "judgement; announced relief raised delinquency ~10% (Mayer et al. 2014)":
        "avaliação própria; alívio anunciado elevou a inadimplência em ~10% (Mayer et al. 2014)",
    "judgement; settlements average 33% off (Dobbie et al. 2020)":
        "avaliação própria; acordos dão em média 33% de desconto (Dobbie et al. 2020)",
    "measured, see docs/optimizer.md": "medido, ver docs/optimizer.md",
    "settlement write-downs average 33% (Dobbie et al. 2020)":
        "abatimentos em acordos têm média de 33% (Dobbie et al. 2020)",
    "state laws on collection calls (SP, RJ, ES, AL, CE)": "leis estaduais sobre ligações de cobrança (SP, RJ, ES, AL, CE)",
    "with 27% RPC gives ~15 attempts per agent-hour (call-centre funnel)":
        "com 27% de contato certo, ~15 tentativas por hora de agente (funil de call center)",
    "~50% of promises kept (call-centre funnel)": "~50% das promessas cumpridas (funil de call center)",
    # branch seeds: the tie-break's indifference zone
    "judgement: 1% of a segment's net is below what a strategy lead tells apart; measured, docs/optimizer.md":
        "avaliação própria: 1% do líquido de um segmento está abaixo do que um gestor de estratégia distingue; "
        "medido, docs/optimizer.md",
}

_CALIBRATED = ("calibrated from ", "calibrado a partir de ")


def source_pt(text: str) -> str:
    """``text`` in pt-BR when it is one of acordo's own sources (or a calibration's), else as written."""
    if text in SOURCES_PT:
        return SOURCES_PT[text]
    if text.startswith(_CALIBRATED[0]):  # acordo calibrate: "calibrated from HISTORY (first–as-of)"
        return _CALIBRATED[1] + text[len(_CALIBRATED[0]):]
    return text
