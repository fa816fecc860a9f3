"""Every word and number of the report, in English and Brazilian Portuguese.

Labels live in one table, :data:`LABELS`, with one entry per key and one text per
language; :func:`t` looks them up and fails loudly on an unknown key, so a label can
never silently fall back to English in the pt-BR report. Numbers are formatted here and
nowhere else:

============  =====================  =====================
kind          ``en``                 ``pt-BR``
============  =====================  =====================
money         ``R$ 1,234.56``        ``R$ 1.234,56``
compact       ``R$ 1.2M``, ``R$ 35k``  ``R$ 1,2 mi``, ``R$ 35 mil``
percent       ``12.5%``              ``12,5%``
date          ``24 Nov 2026``        ``24/11/2026``
============  =====================  =====================
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import math
import re
from typing import Iterator

from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_symbol

__all__ = [
    "LANGS", "LABELS", "CHANNEL_NAMES", "RULE_NAMES", "METRIC_NAMES", "PARAMETER_NAMES", "OUTCOME_NAMES",
    "UNIT_NAMES", "check_lang", "t", "money", "money_compact", "number", "number_compact", "compact_scale", "percent", "date",
    "month", "channel", "rule", "metric", "parameter", "outcome", "constraint", "unit", "offer", "status", "STATUS_NAMES", "set_by", "source", "currency", "currency_symbol",
]

#: The languages of the report.
LANGS: tuple[str, ...] = ("en", "pt-BR")


#: Contact channels (``scenarios.schema.CHANNELS``).
CHANNEL_NAMES: dict[str, dict[str, str]] = {
    "sms": {"en": "SMS", "pt-BR": "SMS"},
    "email": {"en": "e-mail", "pt-BR": "e-mail"},
    "whatsapp": {"en": "WhatsApp", "pt-BR": "WhatsApp"},
    "call": {"en": "call", "pt-BR": "ligação"},
    "letter": {"en": "letter", "pt-BR": "carta"},
}

#: Contact rules that block attempts (``simulation.replication.BLOCK_RULES``).
RULE_NAMES: dict[str, dict[str, str]] = {
    "state_hours": {"en": "state days and hours", "pt-BR": "dias e horários estaduais"},
    "opt_out": {"en": "opt-out", "pt-BR": "pedido de não contato"},
    "reg_f": {"en": "7 days after a conversation", "pt-BR": "7 dias após conversa"},
    "weekly_cap": {"en": "7 attempts in 7 days", "pt-BR": "7 tentativas em 7 dias"},
}

#: Headline metrics (``simulation.replication.TOTALS``).
METRIC_NAMES: dict[str, dict[str, str]] = {
    "debtors": {"en": "debtors", "pt-BR": "devedores"},
    "balance": {"en": "balance", "pt-BR": "saldo"},
    "collected": {"en": "cash collected", "pt-BR": "valor arrecadado"},
    "collected_npv": {"en": "recovery (NPV)", "pt-BR": "recuperação (VPL)"},
    "give_away": {"en": "give-away (discounts)", "pt-BR": "descontos concedidos"},
    "contact_cost": {"en": "contact cost", "pt-BR": "custo de contato"},
    "agent_cost": {"en": "agent cost", "pt-BR": "custo de agentes"},
    "negativacao_cost": {"en": "credit-bureau listing cost", "pt-BR": "custo de negativação"},
    "agency_commission": {"en": "agency commission", "pt-BR": "comissão da assessoria"},
    "cost_npv": {"en": "cost (NPV)", "pt-BR": "custo (VPL)"},
    "net_npv": {"en": "net recovery (NPV)", "pt-BR": "recuperação líquida (VPL)"},
    "moral_hazard_cost": {"en": "moral-hazard cost", "pt-BR": "custo de risco moral"},
    "recovery_rate": {"en": "recovery rate", "pt-BR": "taxa de recuperação"},
    "self_cured": {"en": "self-cured", "pt-BR": "autorregularizados"},
    "agreements": {"en": "agreements made", "pt-BR": "acordos fechados"},
    "kept": {"en": "agreements kept", "pt-BR": "acordos cumpridos"},
    "broken": {"en": "agreements broken", "pt-BR": "quebras de acordo"},
    "active_at_horizon": {"en": "agreements still running", "pt-BR": "acordos em andamento"},
    "agency_handovers": {"en": "handed to the agency", "pt-BR": "enviados à assessoria"},
    "agency_collected": {"en": "collected by the agency", "pt-BR": "recuperados pela assessoria"},
    "written_off": {"en": "written off", "pt-BR": "baixados como perda"},
    "written_off_balance": {"en": "balance written off", "pt-BR": "saldo baixado como perda"},
    "opt_outs": {"en": "opt-outs", "pt-BR": "pedidos de não contato"},
    "conversations": {"en": "conversations", "pt-BR": "conversas"},
    "attempts_sms": {"en": "SMS attempts", "pt-BR": "tentativas por SMS"},
    "attempts_email": {"en": "e-mail attempts", "pt-BR": "tentativas por e-mail"},
    "attempts_whatsapp": {"en": "WhatsApp attempts", "pt-BR": "tentativas por WhatsApp"},
    "attempts_call": {"en": "call attempts", "pt-BR": "tentativas de ligação"},
    "attempts_letter": {"en": "letters", "pt-BR": "cartas"},
    "agent_minutes_used": {"en": "agent minutes used", "pt-BR": "minutos de agentes usados"},
    "agent_minutes_available": {"en": "agent minutes available", "pt-BR": "minutos de agentes disponíveis"},
    "blocked_state_hours": {"en": "blocked: state days and hours", "pt-BR": "bloqueadas: dias e horários estaduais"},
    "blocked_opt_out": {"en": "blocked: opt-out", "pt-BR": "bloqueadas: não contato"},
    "blocked_reg_f": {"en": "blocked: 7 days after a conversation", "pt-BR": "bloqueadas: 7 dias após conversa"},
    "blocked_weekly_cap": {"en": "blocked: 7 attempts in 7 days", "pt-BR": "bloqueadas: 7 tentativas em 7 dias"},
    "violations": {"en": "contact-rule violations", "pt-BR": "violações de regras de contato"},
}

#: Behavioural parameters moved by the sensitivity analysis (``simulation.sensitivity``).
PARAMETER_NAMES: dict[str, dict[str, str]] = {
    "self_cure_h0": {"en": "self-cure hazard", "pt-BR": "autorregularização (taxa diária)"},
    "reach": {"en": "right-party reach", "pt-BR": "alcance do devedor certo"},
    "engage": {"en": "engagement when reached", "pt-BR": "engajamento ao ser alcançado"},
    "accept_alpha": {"en": "acceptance at zero discount", "pt-BR": "aceite sem desconto"},
    "accept_beta": {"en": "acceptance sensitivity to discount", "pt-BR": "sensibilidade do aceite ao desconto"},
    "keep_first": {"en": "first payment made", "pt-BR": "pagamento da entrada"},
    "keep": {"en": "installments paid", "pt-BR": "pagamento das parcelas"},
    "lump_capacity": {"en": "lump-sum capacity", "pt-BR": "capacidade de pagamento à vista"},
    "monthly_capacity": {"en": "monthly capacity", "pt-BR": "capacidade de pagamento mensal"},
    "agency_hazard": {"en": "agency collection rate", "pt-BR": "recuperação pela assessoria"},
}

#: Debtor outcomes (``simulation.model.OUTCOMES``).
OUTCOME_NAMES: dict[str, dict[str, str]] = {
    "written_off": {"en": "written off", "pt-BR": "baixado como perda"},
    "self_cured": {"en": "self-cured", "pt-BR": "autorregularizado"},
    "agreement_kept": {"en": "agreement kept", "pt-BR": "acordo cumprido"},
    "agency_collected": {"en": "collected by the agency", "pt-BR": "recuperado pela assessoria"},
    "agreement_active": {"en": "agreement running", "pt-BR": "acordo em andamento"},
}

#: LP constraint families (the name before ``[`` in ``solution.json``).
CONSTRAINT_NAMES: dict[str, dict[str, str]] = {
    "assign": {"en": "segment fully assigned", "pt-BR": "segmento inteiramente atribuído"},
    "budget": {"en": "give-away budget", "pt-BR": "orçamento de descontos"},
    "budget_share": {"en": "give-away budget (share of recovery)",
                     "pt-BR": "orçamento de descontos (% da recuperação)"},
    "agent_minutes": {"en": "agent minutes", "pt-BR": "minutos de agentes"},
    "liquidity": {"en": "cash in the first 30 days", "pt-BR": "caixa nos primeiros 30 dias"},
    "peer_mean": {"en": "mean discount of the non-chronic peer", "pt-BR": "desconto médio do par não crônico"},
    "peer_share": {"en": "share of the non-chronic peers at this discount or more",
                   "pt-BR": "parcela dos pares não crônicos com este desconto ou mais"},
    "chronic_cap": {"en": "discount cap for chronic late payers", "pt-BR": "teto de desconto para devedores crônicos"},
    "chronic_vs": {"en": "chronic no better than non-chronic", "pt-BR": "crônico não melhor que não crônico"},
    "min_recovery": {"en": "minimum recovery", "pt-BR": "recuperação mínima"},
    "violations": {"en": "contact-rule violations", "pt-BR": "violações de regras de contato"},
}

#: Units of the assumptions table (``scenarios.params.Spec.unit``).
UNIT_NAMES: dict[str, str] = {
    "ISO 4217 code": "código ISO 4217",
    "R$ per month": "R$ por mês",
    "log-hazard per unit of discount": "log-taxa por unidade de desconto",
    "probability per month": "probabilidade por mês",
    "share of net NPV": "fração do VPL líquido",
    "share of the first balance": "fração do saldo inicial",
    "weight": "peso",
    "R$ per R$ of discount": "R$ por R$ de desconto",
    "R$ per agent-hour": "R$ por hora de agente",
    "R$ per attempt": "R$ por tentativa",
    "R$ per debtor": "R$ por devedor",
    "agents": "agentes",
    "agreements": "acordos",
    "attempts": "tentativas",
    "date": "data",
    "day": "dia",
    "day channel": "dia canal",
    "days": "dias",
    "debtors": "devedores",
    "delinquencies": "inadimplências",
    "factor": "fator",
    "hour": "hora",
    "hours": "horas",
    "log share of balance": "log da fração do saldo",
    "log-odds": "log-chances",
    "log-odds per unit of discount": "log-chances por unidade de desconto",
    "minutes": "minutos",
    "minutes per agent": "minutos por agente",
    "path": "caminho",
    "payments": "pagamentos",
    "per month": "ao mês",
    "per year": "ao ano",
    "probability": "probabilidade",
    "probability per day": "probabilidade por dia",
    "probability per reached contact": "probabilidade por contato efetivo",
    "replications": "replicações",
    "share of balance": "fração do saldo",
    "share of collected": "fração do arrecadado",
    "share of recovered NPV": "fração do VPL recuperado",
    "share of the agreed amount": "fração do valor acordado",
    "share of the baseline": "fração do cenário atual",
    "share of the installment": "fração da parcela",
    # branch seeds: optimizer.indifference
    "share of the segment's best net per debtor": "fração do melhor líquido por devedor do segmento",
}

#: Every other label of the report: key → {language: text}. ``{name}`` fields are filled by :func:`t`.
LABELS: dict[str, dict[str, str]] = {
    # document
    "report_title": {"en": "Collections policy report", "pt-BR": "Relatório de política de cobrança"},
    "page": {"en": "page {n} of {total}", "pt-BR": "página {n} de {total}"},
    "scenario": {"en": "Scenario", "pt-BR": "Cenário"},
    "scenario_file": {"en": "Scenario file", "pt-BR": "Arquivo do cenário"},
    "portfolio": {"en": "Portfolio", "pt-BR": "Carteira"},
    "portfolio_line": {"en": "{debtors} debtors, {balance} in balance, {segments} segments",
                       "pt-BR": "{debtors} devedores, {balance} de saldo, {segments} segmentos"},
    "report_date": {"en": "Date", "pt-BR": "Data"},
    "practice_line": {"en": "every segment: {offers}; cadence of {cadence}",
                      "pt-BR": "todos os segmentos: {offers}; régua de {cadence}"},
    "portfolio_file": {"en": "Book read", "pt-BR": "Arquivo lido"},
    "portfolio_file_line": {"en": "{file}: {rows} rows, SHA-256 {sha}", "pt-BR": "{file}: {rows} linhas, SHA-256 {sha}"},
    "portfolio_synthetic_line": {"en": "synthetic book of {n} debtors (seed {seed}, profile {product})",
                                 "pt-BR": "carteira sintética de {n} devedores (semente {seed}, perfil {product})"},
    "simulation_line": {"en": "{replications} replications per policy, seed {seed}; horizon {horizon} days from {start}",
                        "pt-BR": "{replications} replicações por política, semente {seed}; horizonte de {horizon} dias a partir de {start}"},
    "headline": {"en": "Headline: current practice against the optimized policy",
                 "pt-BR": "Resumo: prática atual contra a política otimizada"},
    "one_replication_note": {
        "en": "No interval with one replication ([–], and no band): no spread can be estimated; "
              "run with --replications 2 or more.",
        "pt-BR": "Sem intervalo com uma replicação ([–], e sem faixa): não é possível estimar a dispersão; "
                 "use --replications 2 ou mais.",
    },
    "headline_note": {
        "en": "Means over {replications} out-of-sample replications (fresh random draws, shared agent pool); "
              "95% confidence intervals in brackets.",
        "pt-BR": "Médias de {replications} replicações fora da amostra (sorteios novos, mesma equipe de agentes); "
                 "intervalos de confiança de 95% entre colchetes."},
    "headline_paired_note": {
        "en": "Differences are paired by replication (both policies see the same random draws); * marks a "
              "difference whose 95% interval excludes zero.",
        "pt-BR": "As diferenças são pareadas por replicação (as duas políticas veem os mesmos sorteios); * indica "
                 "uma diferença cujo intervalo de 95% exclui o zero."},
    "metric": {"en": "Metric", "pt-BR": "Indicador"},
    "baseline": {"en": "Current practice", "pt-BR": "Prática atual"},
    "optimized": {"en": "Optimized policy", "pt-BR": "Política otimizada"},
    "difference": {"en": "Difference", "pt-BR": "Diferença"},
    "predicted": {"en": "LP prediction", "pt-BR": "Previsão do modelo (PL)"},
    "significant": {"en": "significant", "pt-BR": "significativo"},
    "not_significant": {"en": "not significant", "pt-BR": "não significativo"},
    "no_interval_verdict": {"en": "no interval with one replication, so no verdict",
                            "pt-BR": "sem intervalo com uma replicação, portanto sem conclusão"},
    "prediction_sentence": {
        "en": "The LP predicted {pred} (95% CI {lo} to {hi}); re-simulated: {sim}.",
        "pt-BR": "O modelo (PL) previu {pred} (IC 95% de {lo} a {hi}); simulado novamente: {sim}."},
    "solver_line": {"en": "LP {status}, solver {solver}", "pt-BR": "PL {status}, solver {solver}"},
    "violations_line": {"en": "Contact-rule violations: {n} (baseline {b})",
                        "pt-BR": "Violações de regras de contato: {n} (prática atual {b})"},
    "validation_title": {"en": "Net recovery (NPV): predicted and simulated",
                         "pt-BR": "Recuperação líquida (VPL): prevista e simulada"},
    # the headline sentence (reports.headline)
    "headline_significant": {
        "en": "The optimized policy adds {diff} of net recovery (95% CI {lo} to {hi}) out of sample: "
              "a significant gain (the interval excludes zero).",
        "pt-BR": "A política otimizada acrescenta {diff} de recuperação líquida (IC 95% de {lo} a {hi}) fora da "
                 "amostra: um ganho significativo (o intervalo exclui o zero)."},
    "headline_significant_loss": {
        "en": "The optimized policy loses {diff} of net recovery (95% CI {lo} to {hi}) out of sample: "
              "a significant loss.",
        "pt-BR": "A política otimizada perde {diff} de recuperação líquida (IC 95% de {lo} a {hi}) fora da "
                 "amostra: uma perda significativa."},
    "headline_not_significant": {
        "en": "No significant gain: out of sample the optimized policy changes net recovery by {diff}; "
              "its 95% CI, {lo} to {hi}, includes zero.",
        "pt-BR": "Sem ganho significativo: fora da amostra, a política otimizada altera a recuperação líquida em "
                 "{diff}; o IC 95%, de {lo} a {hi}, inclui o zero."},
    "headline_no_interval": {
        "en": "No interval, so no verdict: out of sample the optimized policy changes net recovery by {diff} on "
              "{r} replication, and one replication has no spread to measure. Run with --replications 2 or more.",
        "pt-BR": "Sem intervalo, sem veredito: fora da amostra, a política otimizada altera a recuperação líquida em "
                 "{diff} em {r} replicação, e uma só replicação não tem dispersão para medir. Use --replications 2 "
                 "ou mais."},
    "headline_needed": {
        "en": " About {n} replications (now {r}) would make it significant (80% power).",
        "pt-BR": " Com cerca de {n} replicações (hoje {r}), a diferença seria significativa (poder de 80%)."},
    "headline_hopeless": {
        "en": " No plausible number of replications would make it significant.",
        "pt-BR": " Nenhum número plausível de replicações a tornaria significativa."},
    # policy table
    "policy_title": {"en": "The policy, segment by segment", "pt-BR": "A política, segmento a segmento"},
    "policy_note": {
        "en": "Shaded rows: chronic late payers (discount capped, never better than their non-chronic peers). "
              "Expected values per the LP: segment total, per debtor below; the margin is the net recovery of the "
              "last R$ of discount. Simulated: out-of-sample means of recovery (NPV).",
        "pt-BR": "Linhas sombreadas: devedores crônicos (desconto limitado, nunca melhor que o dos não crônicos). "
                 "Valores esperados segundo o PL: total do segmento e, abaixo, por devedor; a margem é a recuperação "
                 "líquida do último R$ de desconto. Simulado: médias fora da amostra da recuperação (VPL)."},
    "col_segment": {"en": "Segment", "pt-BR": "Segmento"},
    "col_debtors": {"en": "Debtors", "pt-BR": "Devedores"},
    "col_balance": {"en": "Balance", "pt-BR": "Saldo"},
    "col_offer_mix": {"en": "Offer mix", "pt-BR": "Ofertas"},
    "col_cadence": {"en": "Cadence", "pt-BR": "Régua de cobrança"},
    "col_debtors_balance": {"en": "Debtors\nbalance", "pt-BR": "Devedores\nsaldo"},
    "col_discount_limit": {"en": "Discount limit, margin", "pt-BR": "Limite de desconto, margem"},
    "col_expected_recovery": {"en": "Expected recovery (NPV)", "pt-BR": "Recuperação esperada (VPL)"},
    "col_expected_give": {"en": "Expected give-away", "pt-BR": "Descontos esperados"},
    "col_marginal": {"en": "Net per R$ of\ndiscount (margin)", "pt-BR": "Líquido por R$\nde desconto (margem)"},
    "col_simulated": {"en": "Simulated: current → optimized", "pt-BR": "Simulado: atual → otimizada"},
    "chronic": {"en": "chronic", "pt-BR": "crônico"},
    "total": {"en": "Total", "pt-BR": "Total"},
    "continued": {"en": "(continued)", "pt-BR": "(continuação)"},
    "offer_lump": {"en": "{d} off, lump sum", "pt-BR": "{d} de desconto, à\u00a0vista"},
    "offer_plan": {"en": "{d} off, {n} installments", "pt-BR": "{d} de desconto, {n}x"},
    "offer_plan_down": {"en": "{d} off, {n} installments ({dp} down)", "pt-BR": "{d} de desconto, {n}x (entrada {dp})"},
    "cadence_summary": {"en": "{n} contacts, day {first} to {last}", "pt-BR": "{n} contatos, dias {first} a {last}"},
    "cadence_empty": {"en": "no contacts", "pt-BR": "sem contatos"},
    "per_debtor": {"en": "{v} per debtor", "pt-BR": "{v} por devedor"},
    "none": {"en": "none", "pt-BR": "nenhum"},
    # collection curves
    "curves_title": {"en": "Collection curves: share of the balance recovered",
                     "pt-BR": "Curvas de recuperação: fração do saldo recuperada"},
    "curves_note": {"en": "Cumulative cash collected ÷ balance, by day; mean and 95% band over replications.",
                    "pt-BR": "Valor arrecadado acumulado ÷ saldo, por dia; média e faixa de 95% entre replicações."},
    "all_segments": {"en": "Whole portfolio", "pt-BR": "Carteira inteira"},
    "day": {"en": "day", "pt-BR": "dia"},
    "days": {"en": "days", "pt-BR": "dias"},
    "recovered_share": {"en": "% of balance recovered", "pt-BR": "% do saldo recuperado"},
    "curves_corner": {"en": "corner: balance, final %\n(optimized, current)",
                      "pt-BR": "canto: saldo, % final\n(otimizada, atual)"},
    "more_segments": {"en": "{n} smaller segments not shown", "pt-BR": "{n} segmentos menores não exibidos"},
    # frontier
    "frontier_title": {"en": "Recovery against give-away", "pt-BR": "Recuperação contra descontos concedidos"},
    "frontier_note": {
        "en": "The frontier: the best net recovery (what the LP maximises) for each give-away budget; the star is "
              "the chosen policy. Squares: out-of-sample simulations, 95% intervals. Right: what one more R$ 1,000 "
              "of budget adds to net recovery.",
        "pt-BR": "A fronteira: a melhor recuperação líquida (o que a PL maximiza) para cada orçamento de descontos; "
                 "a estrela é a política escolhida. Quadrados: simulações fora da amostra, intervalos de 95%. À "
                 "direita: o que R$ 1.000 a mais de orçamento acrescentam à recuperação líquida."},
    "frontier": {"en": "frontier (LP)", "pt-BR": "fronteira (PL)"},
    "net_frontier": {"en": "net recovery (LP)", "pt-BR": "recuperação líquida (PL)"},
    "chosen": {"en": "chosen policy (LP)", "pt-BR": "política escolhida (PL)"},
    "optimized_sim": {"en": "optimized, simulated", "pt-BR": "otimizada, simulada"},
    "baseline_sim": {"en": "current practice, simulated", "pt-BR": "prática atual, simulada"},
    "budget_line": {"en": "give-away budget", "pt-BR": "orçamento de descontos"},
    "give_away_axis": {"en": "give-away (discounts granted)", "pt-BR": "descontos concedidos"},
    "recovery_axis": {"en": "recovery (NPV)", "pt-BR": "recuperação (VPL)"},
    "net_recovery_axis": {"en": "net recovery (NPV less costs)", "pt-BR": "recuperação líquida (VPL menos custos)"},
    "marginal_title": {"en": "What the last R$ 1,000 of discount buys", "pt-BR": "O que os últimos R$ 1.000 de desconto compram"},
    "break_even": {"en": "R$ 1,000 back: break-even", "pt-BR": "R$ 1.000 de volta: empate"},
    "marginal_axis": {"en": "net per R$ 1,000 more budget", "pt-BR": "líquido por R$ 1.000 a mais de orçamento"},
    # constraints
    "constraints_title": {"en": "What the constraints cost", "pt-BR": "Quanto custam as restrições"},
    "constraints_note": {
        "en": "Shadow prices of the LP: the change in expected net recovery when a limit moves by one unit, "
              "all else equal. A zero means the limit does not bind at the optimum.",
        "pt-BR": "Preços-sombra do PL: a variação da recuperação líquida esperada quando um limite muda em uma "
                 "unidade, todo o resto igual. Zero significa que o limite não restringe no ótimo."},
    "budget_sentence": {"en": "R$ 1,000 more discount budget → {v} more net recovery",
                        "pt-BR": "R$ 1.000 a mais de orçamento de descontos → {v} a mais de recuperação líquida"},
    "budget_unused": {"en": "the budget does not bind: {used} given of {allowed} allowed",
                      "pt-BR": "o orçamento não restringe: {used} concedidos de {allowed} permitidos"},
    "budget_used": {"en": "the budget binds: {used} given of {allowed} allowed",
                    "pt-BR": "o orçamento restringe: {used} concedidos de {allowed} permitidos"},
    "no_budget": {"en": "no give-away budget in this scenario", "pt-BR": "sem orçamento de descontos neste cenário"},
    "agent_sentence": {"en": "One more agent → {v} more net recovery",
                       "pt-BR": "Um agente a mais → {v} a mais de recuperação líquida"},
    "agent_simulated_detail": {"en": "simulated with the same draws, 95% CI {lo} to {hi} ({r} replications)",
                               "pt-BR": "simulado com os mesmos sorteios, IC 95% de {lo} a {hi} ({r} replicações)"},
    "agent_lp_detail": {"en": "the LP's shadow price, {v}, is not the value to act on: its coefficients were "
                              "simulated with the pool's queues, so they already ration the calls, and this "
                              "simulation is the measure",
                        "pt-BR": "o preço-sombra do PL, {v}, não é o valor para decidir: seus coeficientes foram "
                                 "simulados com as filas do pool, já racionam as ligações, e esta simulação é a medida"},
    "agent_hour_sentence": {"en": "One more agent-hour → {v}", "pt-BR": "Uma hora de agente a mais → {v}"},
    "agent_detail": {"en": "{agents} agents, {minutes} minutes each over the horizon; {used} of {total} minutes planned",
                     "pt-BR": "{agents} agentes, {minutes} minutos cada no horizonte; {used} de {total} minutos planejados"},
    "no_agents": {"en": "agent capacity is not a constraint in this scenario",
                  "pt-BR": "a capacidade de agentes não é restrição neste cenário"},
    "cap_sentence": {"en": "1 p.p. more discount cap for chronic late payers ({segment}) → {v}",
                     "pt-BR": "1 p.p. a mais no teto de desconto de crônicos ({segment}) → {v}"},
    "chronic_vs_sentence": {"en": "Letting {segment} get 1 p.p. more than its non-chronic peer → {v}",
                            "pt-BR": "Permitir a {segment} 1 p.p. a mais que o par não crônico → {v}"},
    "liquidity_sentence": {"en": "R$ 1,000 less cash required in the first 30 days → {v}",
                           "pt-BR": "R$ 1.000 a menos de caixa exigido nos primeiros 30 dias → {v}"},
    "min_recovery_sentence": {"en": "R$ 1,000 less minimum recovery in {segment} → {v}",
                              "pt-BR": "R$ 1.000 a menos de recuperação mínima em {segment} → {v}"},
    "binding_title": {"en": "Binding constraints", "pt-BR": "Restrições ativas"},
    "binding_none": {"en": "No constraint binds besides assigning every segment.",
                     "pt-BR": "Nenhuma restrição ativa além de atribuir todos os segmentos."},
    "col_constraint": {"en": "Constraint", "pt-BR": "Restrição"},
    "col_limit": {"en": "Limit", "pt-BR": "Limite"},
    "col_value": {"en": "Value at the optimum", "pt-BR": "Valor no ótimo"},
    "col_shadow": {"en": "Shadow price", "pt-BR": "Preço-sombra"},
    "col_meaning": {"en": "Worth of relaxing it", "pt-BR": "Valor de relaxá-la"},
    "shadow_chart_title": {"en": "Worth of relaxing each limit", "pt-BR": "Valor de relaxar cada limite"},
    "shadow_axis": {"en": "more net recovery (NPV)", "pt-BR": "recuperação líquida a mais (VPL)"},
    "shadow_budget": {"en": "+R$ 1,000 discount budget", "pt-BR": "+R$ 1.000 de orçamento"},
    "shadow_agent": {"en": "+1 agent", "pt-BR": "+1 agente"},
    "shadow_cap": {"en": "+1 p.p. chronic cap: {segment}", "pt-BR": "+1 p.p. teto crônico: {segment}"},
    "shadow_vs": {"en": "+1 p.p. over peer: {segment}", "pt-BR": "+1 p.p. sobre o par: {segment}"},
    "shadow_liquidity": {"en": "−R$ 1,000 liquidity target", "pt-BR": "−R$ 1.000 na meta de liquidez"},
    "shadow_min_recovery": {"en": "−R$ 1,000 minimum recovery: {segment}", "pt-BR": "−R$ 1.000 recuperação mínima: {segment}"},
    "budget_share_check": {"en": "give-away as a share of recovery (NPV)",
                           "pt-BR": "descontos como fração da recuperação (VPL)"},
    "validation_checks": {"en": "Limits checked in the out-of-sample simulation",
                          "pt-BR": "Limites verificados na simulação fora da amostra"},
    "col_simulated_value": {"en": "Simulated (95% CI)", "pt-BR": "Simulado (IC 95%)"},
    "col_holds": {"en": "Holds", "pt-BR": "Respeitado"},
    "held_share": {"en": "in {p} of {n} runs", "pt-BR": "em {p} de {n} rodadas"},
    "shadow_two_sided": {"en": "raise {up}\nlower {down}", "pt-BR": "subir {up}\nbaixar {down}"},
    "loosen_nothing": {"en": "relaxing it is worth nothing", "pt-BR": "relaxá-la não vale nada"},
    "win_share": {"en": "same offer in {p}", "pt-BR": "mesma oferta em {p}"},
    "yes": {"en": "yes", "pt-BR": "sim"},
    "no": {"en": "no", "pt-BR": "não"},
    # cash flow
    "cashflow_title": {"en": "Weekly cash-flow forecast", "pt-BR": "Previsão semanal de caixa"},
    "cashflow_note": {"en": "Cash collected per week, all segments; mean and 95% band over replications. Table: means "
                            "with 95% intervals in brackets; the difference is paired by replication (same random "
                            "draws).",
                      "pt-BR": "Valor arrecadado por semana, todos os segmentos; média e faixa de 95% entre replicações. "
                               "Tabela: médias com intervalos de 95% entre colchetes; a diferença é pareada por "
                               "replicação (mesmos sorteios)."},
    "week_of": {"en": "week starting", "pt-BR": "semana iniciada em"},
    "cash_week": {"en": "cash collected per week", "pt-BR": "valor arrecadado por semana"},
    "monthly_table": {"en": "Cash collected per month", "pt-BR": "Valor arrecadado por mês"},
    "col_month": {"en": "Month", "pt-BR": "Mês"},
    "cumulative": {"en": "cumulative", "pt-BR": "acumulado"},
    # agents
    "agents_title": {"en": "Agent utilization and the call queue", "pt-BR": "Ocupação dos agentes e fila de ligações"},
    "agents_note": {
        "en": "Working days only. Utilization = minutes used ÷ minutes available; queue = calls waiting at the end of the day.",
        "pt-BR": "Somente dias úteis. Ocupação = minutos usados ÷ minutos disponíveis; fila = ligações aguardando ao fim do dia."},
    "utilization": {"en": "agent utilization", "pt-BR": "ocupação dos agentes"},
    "queue": {"en": "calls waiting", "pt-BR": "ligações na fila"},
    "agents_summary": {
        "en": "Minutes used over the horizon (mean and 95% CI): {opt} optimized, {base} current practice, of "
              "{avail} available.",
        "pt-BR": "Minutos usados no horizonte (média e IC 95%): {opt} na otimizada, {base} na prática atual, de "
                 "{avail} disponíveis."},
    # compliance
    "compliance_title": {"en": "Compliance with the contact rules", "pt-BR": "Conformidade com as regras de contato"},
    "compliance_note": {
        "en": "Attempts that the rules stopped (moved to the next allowed day or dropped), per replication. "
              "Violations count attempts made against a rule and must be zero.",
        "pt-BR": "Tentativas barradas pelas regras (adiadas para o próximo dia permitido ou descartadas), por replicação. "
                 "Violações contam tentativas feitas contra uma regra e devem ser zero."},
    "rule_off": {"en": "(rule off in this scenario)", "pt-BR": "(regra desligada neste cenário)"},
    "blocked_title": {"en": "Attempts blocked, by rule", "pt-BR": "Tentativas bloqueadas, por regra"},
    "attempts_title": {"en": "Attempts made, by channel", "pt-BR": "Tentativas feitas, por canal"},
    "attempts_axis": {"en": "attempts per replication", "pt-BR": "tentativas por replicação"},
    "violations_badge": {"en": "Violations: {opt} optimized, {base} current practice",
                         "pt-BR": "Violações: {opt} na otimizada, {base} na prática atual"},
    # sensitivity
    "sensitivity_title": {"en": "Sensitivity: net recovery when a behaviour moves ±20%",
                          "pt-BR": "Sensibilidade: recuperação líquida quando um comportamento varia ±20%"},
    "sensitivity_note": {
        "en": "Optimized policy re-simulated with each parameter scaled by 0.8 and 1.2 (same random draws); "
              "change in net recovery (NPV) from {ref}, with 95% intervals. Sorted by range.",
        "pt-BR": "Política otimizada simulada novamente com cada parâmetro multiplicado por 0,8 e 1,2 (mesmos sorteios); "
                 "variação da recuperação líquida (VPL) em relação a {ref}, com intervalos de 95%. Ordenado pela amplitude."},
    "sensitivity_same_reference": {
        "en": "The reference is the headline's optimized policy, on the same {r} replications.",
        "pt-BR": "A referência é a política otimizada do resumo, nas mesmas {r} replicações."},
    "sensitivity_prefix_reference": {
        "en": "The reference uses the first {sr} of the headline's {r} replications: {ref} on those (the headline's "
              "{head} is the mean of all {r}).",
        "pt-BR": "A referência usa as {sr} primeiras das {r} replicações do resumo: {ref} nelas (os {head} do resumo "
                 "são a média das {r})."},
    "sensitivity_beats": {
        "en": "✓ at the end of a bar: the optimized policy still beats current practice with that change (same draws); "
              "✗: it does not.",
        "pt-BR": "✓ na ponta de uma barra: a política otimizada ainda supera a prática atual com essa variação "
                 "(mesmos sorteios); ✗: não supera."},
    "sensitivity_beats_noise": {
        "en": "The marks compare means only: the headline gain itself is not significant (page 1), so a ✓ is no "
              "evidence of a gain.",
        "pt-BR": "As marcas comparam apenas médias: o próprio ganho do resumo não é significativo (página 1); "
                 "um ✓ não é evidência de ganho."},
    "minus20": {"en": "parameter −20%", "pt-BR": "parâmetro −20%"},
    "plus20": {"en": "parameter +20%", "pt-BR": "parâmetro +20%"},
    "minus_pct": {"en": "parameter −{p}", "pt-BR": "parâmetro −{p}"},
    "plus_pct": {"en": "parameter +{p}", "pt-BR": "parâmetro +{p}"},
    "effect_axis": {"en": "change in net recovery (NPV)", "pt-BR": "variação da recuperação líquida (VPL)"},
    # assumptions
    "assumptions_title": {"en": "Assumptions: every parameter and its source",
                          "pt-BR": "Premissas: todos os parâmetros e suas fontes"},
    "assumptions_note": {"en": "Every value this run used, and who set it: acordo's default, a bundled scenario, "
                               "your file, the command line or a calibration. Meanings: docs/scenario.md; the "
                               "published sources: docs/sources.md.",
                         "pt-BR": "Todos os valores que esta execução usou, e quem os definiu: o padrão do acordo, um "
                                  "cenário incluído, o seu arquivo, a linha de comando ou uma calibração. Significados: "
                                  "docs/scenario.md; fontes publicadas: docs/sources.md."},
    "col_set_by": {"en": "Set by", "pt-BR": "Definido por"},
    "value_none": {"en": "none", "pt-BR": "nenhum"},
    "col_key": {"en": "Parameter", "pt-BR": "Parâmetro"},
    "col_value_short": {"en": "Value", "pt-BR": "Valor"},
    "col_unit": {"en": "Unit", "pt-BR": "Unidade"},
    "col_source": {"en": "Source", "pt-BR": "Fonte"},
    "col_meaning_short": {"en": "Meaning", "pt-BR": "Significado"},
    "not_available": {"en": "not in this run directory", "pt-BR": "não disponível neste diretório"},
    "per_replication_ci": {"en": "mean and 95% CI", "pt-BR": "média e IC 95%"},
    "week": {"en": "week", "pt-BR": "semana"},
    # acordo evaluate's evaluation.pdf (reports.evaluation)
    "eval_title": {"en": "Champion/challenger test: what it gave", "pt-BR": "Teste campeão/desafiante: o resultado"},
    "eval_chart": {"en": "Net recovery per debtor, challenger minus champion (95% intervals)",
                   "pt-BR": "Recuperação líquida por devedor, desafiante menos campeão (intervalos de 95%)"},
    "eval_measured": {"en": "measured in the test", "pt-BR": "medido no teste"},
    "eval_predicted": {"en": "predicted by the run", "pt-BR": "previsto pela execução"},
    "eval_all": {"en": "whole portfolio", "pt-BR": "carteira inteira"},
    "eval_table": {"en": "Every metric, per debtor", "pt-BR": "Todas as métricas, por devedor"},
    "eval_col_segment": {"en": "segment", "pt-BR": "segmento"},
    "eval_col_metric": {"en": "metric", "pt-BR": "métrica"},
    "eval_col_challenger": {"en": "challenger (n)", "pt-BR": "desafiante (n)"},
    "eval_col_champion": {"en": "champion (n)", "pt-BR": "campeão (n)"},
    "eval_col_diff": {"en": "difference [95% CI]", "pt-BR": "diferença [IC 95%]"},
    "eval_col_predicted": {"en": "predicted [95% CI]", "pt-BR": "previsto [IC 95%]"},
    "eval_col_agrees": {"en": "agrees", "pt-BR": "confere"},
    "eval_metric_net_recovery": {"en": "net recovery", "pt-BR": "recuperação líquida"},
    "eval_metric_collected": {"en": "collected", "pt-BR": "recebido"},
    "eval_metric_give_away": {"en": "give-away", "pt-BR": "descontos"},
    "eval_metric_kept": {"en": "agreement kept", "pt-BR": "acordo cumprido"},
    "eval_period": {"en": "Test period {start} to {end}. Two-sample (Welch) intervals; the whole portfolio is the "
                          "debtor-weighted sum of the segments.",
                    "pt-BR": "Período do teste de {start} a {end}. Intervalos de duas amostras (Welch); a carteira "
                             "inteira é a soma ponderada pelos devedores dos segmentos."},
    "eval_too_few": {"en": "–: too few debtors for an interval in {segments} (an arm needs at least {n} debtors to "
                           "measure its spread); the whole portfolio leaves such segments out.",
                     "pt-BR": "–: poucos devedores para um intervalo em {segments} (cada grupo precisa de pelo menos "
                              "{n} devedores para medir a dispersão); a carteira inteira deixa esses segmentos de fora."},
    # what-if comparison (acordo compare)
    "compare_title": {"en": "What-if comparison", "pt-BR": "Comparação de cenários"},
    "compare_scenarios": {"en": "Scenarios", "pt-BR": "Cenários"},
    "compare_reference": {"en": "reference", "pt-BR": "referência"},
    "compare_simulation": {"en": "Simulation", "pt-BR": "Simulação"},
    "compare_simulation_line": {
        "en": "{replications} replications per scenario, seed {seed}; common random numbers: replication r of "
              "every scenario sees the same random draws",
        "pt-BR": "{replications} replicações por cenário, semente {seed}; números aleatórios comuns: a replicação r "
                 "de todos os cenários usa os mesmos sorteios"},
    "compare_table_title": {"en": "Headline metrics", "pt-BR": "Indicadores principais"},
    "compare_diff_col": {"en": "{name} − {ref}\ndifference, 95% CI", "pt-BR": "{name} − {ref}\ndiferença, IC 95%"},
    "compare_note": {
        "en": "Means over {replications} replications, 95% confidence intervals in brackets. Differences are "
              "paired by replication against {ref}; * marks a difference whose 95% CI excludes zero.",
        "pt-BR": "Médias de {replications} replicações, intervalos de confiança de 95% entre colchetes. As diferenças "
                 "são pareadas por replicação contra {ref}; * indica uma diferença cujo IC 95% não inclui zero."},
    "compare_charts_title": {"en": "Collections over time, and the differences",
                             "pt-BR": "Arrecadação ao longo do tempo e as diferenças"},
    "compare_charts_note": {
        "en": "Left: cumulative cash collected by each scenario, mean and 95% band over replications. Right: each "
              "scenario's difference against {ref}, paired by replication, with its 95% CI; pale bars: the interval "
              "includes zero.",
        "pt-BR": "À esquerda: valor arrecadado acumulado de cada cenário, média e faixa de 95% entre replicações. "
                 "À direita: diferença de cada cenário em relação a {ref}, pareada por replicação, com IC 95%; "
                 "barras claras: o intervalo inclui zero."},
    "compare_curves_title": {"en": "Cumulative cash collected, mean and 95% band",
                             "pt-BR": "Valor arrecadado acumulado, média e faixa de 95%"},
    "compare_diff_title": {"en": "Difference vs {ref} (paired, 95% CI)",
                           "pt-BR": "Diferença em relação a {ref} (pareada, IC 95%)"},
    # report3: the policy table with per-segment intervals, and one replication on every page
    "policy_note_paired": {
        "en": "Shaded rows: chronic late payers (discount capped, never better than their non-chronic peers). "
              "Discount limit: the largest discount worth giving; same offer: share of resampled coefficient tables "
              "on which the LP picks the same offer; net per R$: net recovery of the last R$ of discount. Simulated "
              "out of sample: means over {replications} replications ± half the 95% interval; differences paired by "
              "replication, * when the interval excludes zero.",
        "pt-BR": "Linhas sombreadas: devedores crônicos (desconto limitado, nunca melhor que o dos não crônicos). "
                 "Limite de desconto: o maior desconto que compensa; mesma oferta: fração das tabelas de coeficientes "
                 "reamostradas em que o PL escolhe a mesma oferta; líquido por R$: recuperação líquida do último R$ "
                 "de desconto. Simulado fora da amostra: médias de {replications} replicações ± metade do intervalo "
                 "de 95%; diferenças pareadas por replicação, * quando o intervalo exclui o zero."},
    "col_limit_ci": {"en": "Discount limit [95% CI]", "pt-BR": "Limite de desconto [IC 95%]"},
    "col_same_offer": {"en": "Same offer", "pt-BR": "Mesma oferta"},
    "col_margin_short": {"en": "Net per R$ of discount", "pt-BR": "Líquido por R$ de desconto"},
    "col_give_simulated": {"en": "Give-away (optimized)", "pt-BR": "Descontos (otimizada)"},
    "col_recovery_compared": {"en": "Net recovery (NPV): current → optimized",
                              "pt-BR": "Recuperação líquida (VPL): atual → otimizada"},
    "col_difference_paired": {"en": "Difference (paired)", "pt-BR": "Diferença (pareada)"},
    "policy_note_one": {
        "en": "Shaded rows: chronic late payers (discount capped, never better than their non-chronic peers). "
              "Discount limit: the largest discount worth giving; same offer: share of resampled coefficient tables "
              "on which the LP picks the same offer; net per R$: net recovery of the last R$ of discount. Simulated "
              "out of sample on one replication.",
        "pt-BR": "Linhas sombreadas: devedores crônicos (desconto limitado, nunca melhor que o dos não crônicos). "
                 "Limite de desconto: o maior desconto que compensa; mesma oferta: fração das tabelas de coeficientes "
                 "reamostradas em que o PL escolhe a mesma oferta; líquido por R$: recuperação líquida do último R$ "
                 "de desconto. Simulado fora da amostra em uma só replicação."},
    "headline_note_one": {
        "en": "Values of one out-of-sample replication (fresh random draws, shared agent pool).",
        "pt-BR": "Valores de uma só replicação fora da amostra (sorteios novos, mesma equipe de agentes)."},
    "simulation_line_one": {
        "en": "one replication per policy, seed {seed}; horizon {horizon} days from {start}",
        "pt-BR": "uma replicação por política, semente {seed}; horizonte de {horizon} dias a partir de {start}"},
}

#: The long-run page (several cycles, :mod:`reports.page_longrun`).
LABELS.update({
    "longrun_title": {"en": "One cycle or the long run: what ignoring the future would choose",
                      "pt-BR": "Um ciclo ou o longo prazo: o que se escolheria ignorando o futuro"},
    "longrun_note": {
        "en": "With several delinquency cycles the optimizer values each offer over the whole relationship: what it "
              "collects now, less what the customer costs later (new arrears when a discount invites re-delinquency, "
              "later give-away) plus the margin of a customer kept. Each segment: the offers chosen on that long-run "
              "value, and those the optimizer would choose on the first cycle's value alone, each valued over one "
              "cycle and over the long run, per debtor. Where they differ, the policy that ignores the future buys "
              "first-cycle recovery that costs more later.",
        "pt-BR": "Com vários ciclos de inadimplência o otimizador avalia cada oferta ao longo de todo o relacionamento: "
                 "o que ela arrecada agora, menos o que o cliente custa depois (novos atrasos quando um desconto "
                 "convida à reincidência, concessões futuras), mais a margem de um cliente mantido. Para cada segmento: "
                 "as ofertas escolhidas por esse valor de longo prazo e as que o otimizador escolheria só pelo valor do "
                 "primeiro ciclo, cada uma avaliada em um ciclo e no longo prazo, por devedor. Onde diferem, a política "
                 "que ignora o futuro compra recuperação no primeiro ciclo que custa mais depois."},
    "longrun_portfolio": {
        "en": "Whole portfolio, long-run net: {ahead} looking ahead vs {ignored} ignoring the future (one cycle: "
              "{one_ahead} vs {one_ignored}); gain of looking ahead {gain} [95% CI {lo} – {hi}].",
        "pt-BR": "Carteira inteira, resultado líquido de longo prazo: {ahead} olhando adiante contra {ignored} "
                 "ignorando o futuro (um ciclo: {one_ahead} contra {one_ignored}); ganho de olhar adiante {gain} "
                 "[IC 95% {lo} – {hi}]."},
    "longrun_portfolio_ns": {"en": "The gain is not significant.", "pt-BR": "O ganho não é significativo."},
    "longrun_footnote": {
        "en": "Values per debtor from the optimizer's simulated coefficients (mean ± 95% interval from their standard "
              "errors); long run = every cycle over the horizon, with the customer margin and the new arrears. Both "
              "policies are solved under the same constraints.",
        "pt-BR": "Valores por devedor a partir dos coeficientes simulados do otimizador (média ± intervalo de 95% pelos "
                 "erros-padrão); longo prazo = todos os ciclos no horizonte, com a margem do cliente e os novos "
                 "atrasos. As duas políticas são resolvidas com as mesmas restrições."},
    "longrun_col_ahead": {"en": "Offers chosen (looking ahead)", "pt-BR": "Ofertas escolhidas (olhando adiante)"},
    "longrun_col_ignored": {"en": "If the future were ignored", "pt-BR": "Se o futuro fosse ignorado"},
    "longrun_col_discount": {"en": "Mean discount ahead / ignored", "pt-BR": "Desconto médio adiante / ignorado"},
    "longrun_col_one_cycle": {"en": "One-cycle value per debtor, ahead / ignored",
                              "pt-BR": "Valor em um ciclo por devedor, adiante / ignorado"},
    "longrun_col_long_run": {"en": "Long-run value per debtor, ahead / ignored",
                             "pt-BR": "Valor de longo prazo por devedor, adiante / ignorado"},
    "longrun_col_gain": {"en": "Long-run gain of looking ahead, per debtor",
                         "pt-BR": "Ganho de longo prazo de olhar adiante, por devedor"},
    "longrun_same_offers": {"en": "the same", "pt-BR": "as mesmas"},
    "longrun_same_policy": {"en": "same policy", "pt-BR": "mesma política"},
})

# branch weekly: capacity by week on the constraints page (reports.page_constraints)
LABELS.update({
    "agent_lp_weekly_detail": {
        "en": "the LP's weekly capacity rows value it at {v} (re-solved: {resolved}); bottleneck weeks: {weeks}; "
              "in the re-simulation the dialler made {made} of the agent minutes the LP planned",
        "pt-BR": "as restrições semanais de capacidade do PL o valem {v} (resolvendo de novo: {resolved}); semanas "
                 "gargalo: {weeks}; na re-simulação o discador fez {made} dos minutos de agente que o PL planejou"},
    "agent_lp_weekly_sentence": {"en": "One more agent → {v} by the LP's weekly capacity rows",
                                 "pt-BR": "Um agente a mais → {v} pelas restrições semanais de capacidade do PL"},
    "agent_no_bottleneck": {"en": "none", "pt-BR": "nenhuma"},
    "agent_not_resimulated": {"en": "not re-simulated", "pt-BR": "sem re-simulação"},
})

#: The calibration report's labels (``reports/calibration.py``), ``calib_`` keys of :data:`LABELS`.
_CALIBRATION_LABELS: dict[str, dict[str, str]] = {
    "calib_title": {"en": "Calibration from the team's history", "pt-BR": "Calibração pelo histórico da equipe"},
    "calib_selfcure": {"en": "Self-cure: share not yet paid, observed (Kaplan–Meier) and fitted",
                       "pt-BR": "Autocura: fração ainda não paga, observada (Kaplan–Meier) e ajustada"},
    "calib_observed": {"en": "observed", "pt-BR": "observado"},
    "calib_fitted": {"en": "fitted", "pt-BR": "ajustado"},
    "calib_predicted": {"en": "predicted (simulated mean)", "pt-BR": "previsto (média simulada)"},
    "calib_band": {"en": "95% band", "pt-BR": "faixa de 95%"},
    "calib_acceptance": {"en": "Acceptance by discount: observed and fitted (affordability x logistic curve)",
                         "pt-BR": "Aceitação por desconto: observada e ajustada (capacidade x curva logística)"},
    "calib_channels": {"en": "Reach and engagement by channel (portfolio, 95% intervals; dots: segments)",
                       "pt-BR": "Contato e engajamento por canal (carteira, intervalos de 95%; pontos: segmentos)"},
    "calib_reach": {"en": "reach", "pt-BR": "contato"},
    "calib_engage": {"en": "engagement", "pt-BR": "engajamento"},
    "calib_keeping": {"en": "Installments paid on their due date, by installment number",
                      "pt-BR": "Parcelas pagas no vencimento, por número da parcela"},
    "calib_installment": {"en": "installment", "pt-BR": "parcela"},
    "calib_backtest": {"en": "Backtest: weekly collections of the held-out accounts, observed and predicted",
                       "pt-BR": "Backtest: recebimentos semanais das contas reservadas, observados e previstos"},
    "calib_inside": {"en": "{share} of the weeks inside the simulated 95% band",
                     "pt-BR": "{share} das semanas dentro da faixa simulada de 95%"},
    "calib_parameters": {"en": "Every parameter: estimate, 95% interval, n, status",
                         "pt-BR": "Todos os parâmetros: estimativa, intervalo de 95%, n, situação"},
    "calib_segment": {"en": "segment", "pt-BR": "segmento"},
    "calib_parameter": {"en": "parameter", "pt-BR": "parâmetro"},
    "calib_estimate": {"en": "estimate", "pt-BR": "estimativa"},
    "calib_interval": {"en": "95% interval", "pt-BR": "intervalo de 95%"},
    "calib_scenario": {"en": "scenario", "pt-BR": "cenário"},
    "calib_status": {"en": "status", "pt-BR": "situação"},
    "calib_method": {"en": "method, or why not identified", "pt-BR": "método, ou por que não identificado"},
    "calib_identified": {"en": "identified", "pt-BR": "identificado"},
    "calib_weakly identified": {"en": "weakly identified", "pt-BR": "fracamente identificado"},
    "calib_not identified": {"en": "not identified", "pt-BR": "não identificado"},
    "calib_none": {"en": "nothing to draw: the history does not inform this",
                   "pt-BR": "nada a mostrar: o histórico não informa isto"},
    "calib_summary": {
        "en": "{n} accounts, {first} to {asof}; {ident} parameters identified, {weak} weakly, {not_} not identified "
              "(the scenario's value is kept). Small segments borrow strength from the others (empirical-Bayes "
              "partial pooling, stated in each method).",
        "pt-BR": "{n} contas, de {first} a {asof}; {ident} parâmetros identificados, {weak} fracamente, {not_} não "
                 "identificados (mantém-se o valor do cenário). Segmentos pequenos tomam força dos demais (agregação "
                 "parcial por Bayes empírico, indicada em cada método)."},
}
LABELS.update(_CALIBRATION_LABELS)

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


#: LP solution status names (the optimizer's enum) in words.
STATUS_NAMES: dict[str, dict[str, str]] = {
    "OPTIMAL": {"en": "optimal", "pt-BR": "ótimo"},
    "INFEASIBLE": {"en": "infeasible", "pt-BR": "inviável"},
    "UNBOUNDED": {"en": "unbounded", "pt-BR": "ilimitado"},
    "TIME_LIMIT": {"en": "stopped at the time limit", "pt-BR": "parado no limite de tempo"},
    "NOT_SOLVED": {"en": "not solved", "pt-BR": "não resolvido"},
}


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
