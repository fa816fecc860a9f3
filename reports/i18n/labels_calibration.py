"""Labels of the calibration report (``reports/calibration.py``): the ``calib_`` keys."""
from __future__ import annotations

__all__ = ["CALIBRATION_LABELS"]

#: The calibration report's labels (``reports/calibration.py``), ``calib_`` keys of :data:`LABELS`.
CALIBRATION_LABELS: dict[str, dict[str, str]] = {
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
