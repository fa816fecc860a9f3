"""Labels of the report's first pages: document, headline, policy, curves, frontier, constraints."""
from __future__ import annotations

__all__ = ["REPORT_LABELS"]

#: key → {language: text}; ``{name}`` fields are filled by :func:`reports.i18n.t`.
REPORT_LABELS: dict[str, dict[str, str]] = {
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
    "interval_floor_note": {
        "en": "Intervals of what cannot be negative (amounts, counts) are cut at zero.",
        "pt-BR": "Intervalos do que não pode ser negativo (valores, contagens) são cortados no zero."},
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
              "all else equal. A zero means the limit does not bind at the optimum. Which limits bind and "
              "their prices are those of the LP optimum; the values are those of the published policy, "
              "which the tie-break may have moved to smaller discounts (the optimum's value beside it then).",
        "pt-BR": "Preços-sombra do PL: a variação da recuperação líquida esperada quando um limite muda em uma "
                 "unidade, todo o resto igual. Zero significa que o limite não restringe no ótimo. Quais limites "
                 "restringem e seus preços são os do ótimo do PL; os valores são os da política publicada, que o "
                 "desempate pode ter levado a descontos menores (então o valor no ótimo aparece ao lado)."},
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
    "col_value": {"en": "Value in the policy", "pt-BR": "Valor na política"},
    "at_optimum": {"en": "(LP optimum: {v})", "pt-BR": "(ótimo do LP: {v})"},
    "idle_title": {"en": "Held with equality, worth nothing to relax (one-sided prices: only tightening costs)",
                   "pt-BR": "Ativas sem valor de relaxar (preço de um lado só: só apertar custa)"},
    "col_rows": {"en": "Rows", "pt-BR": "Linhas"},
    "col_tighten": {"en": "Tightening one unit costs", "pt-BR": "Apertar uma unidade custa"},
    "tighten_up_to": {"en": "up to {v}", "pt-BR": "até {v}"},
    "rows_count": {"en": "{n} rows", "pt-BR": "{n} linhas"},
    "row_one": {"en": "1 row", "pt-BR": "1 linha"},
    "chance_unmet": {"en": "The limits cannot all be met with {p} confidence: the policy meets them on average only",
                     "pt-BR": "Os limites não podem ser todos cumpridos com {p} de confiança: a política os cumpre só na média"},
    "chance_unmet_detail": {"en": "no policy in the catalogue leaves the safety margins; the table below shows how "
                                  "often each held in the out-of-sample runs",
                            "pt-BR": "nenhuma política do catálogo cabe com as margens de segurança; a tabela abaixo "
                                     "mostra quantas vezes cada limite foi respeitado fora da amostra"},
    "anchored_note": {"en": "(segment levels anchored to a re-simulation before publishing)",
                      "pt-BR": "(níveis dos segmentos ancorados numa re-simulação antes de publicar)"},
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
}
