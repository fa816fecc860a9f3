"""Labels of the later pages: cash flow, agents, compliance, sensitivity, assumptions, evaluation,
what-if comparison, the per-segment intervals, the long-run page and weekly capacity."""
from __future__ import annotations

__all__ = ["PAGE_LABELS"]

#: key → {language: text}; ``{name}`` fields are filled by :func:`reports.i18n.t`.
PAGE_LABELS: dict[str, dict[str, str]] = {
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
              "replication.",
        "pt-BR": "Linhas sombreadas: devedores crônicos (desconto limitado, nunca melhor que o dos não crônicos). "
                 "Limite de desconto: o maior desconto que compensa; mesma oferta: fração das tabelas de coeficientes "
                 "reamostradas em que o PL escolhe a mesma oferta; líquido por R$: recuperação líquida do último R$ "
                 "de desconto. Simulado fora da amostra: médias de {replications} replicações ± metade do intervalo "
                 "de 95%; diferenças pareadas por replicação."},
    "not_significant_mark": {"en": "n.s.", "pt-BR": "n.s."},
    "policy_significance_legend": {
        "en": "Difference (paired): * its 95% interval excludes zero (significant); n.s.: not significant, the "
              "interval includes zero.",
        "pt-BR": "Diferença (pareada): * o intervalo de 95% exclui o zero (significativa); n.s.: não significativo, "
                 "o intervalo inclui o zero."},
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
PAGE_LABELS.update({
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
PAGE_LABELS.update({
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
