"""The names the report gives to channels, rules, metrics, parameters, outcomes, constraints, units and statuses."""
from __future__ import annotations

__all__ = ["LANGS", "CHANNEL_NAMES", "RULE_NAMES", "METRIC_NAMES", "PARAMETER_NAMES", "OUTCOME_NAMES",
           "CONSTRAINT_NAMES", "UNIT_NAMES", "STATUS_NAMES"]

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


#: LP solution status names (the optimizer's enum) in words.
STATUS_NAMES: dict[str, dict[str, str]] = {
    "OPTIMAL": {"en": "optimal", "pt-BR": "ótimo"},
    "INFEASIBLE": {"en": "infeasible", "pt-BR": "inviável"},
    "UNBOUNDED": {"en": "unbounded", "pt-BR": "ilimitado"},
    "TIME_LIMIT": {"en": "stopped at the time limit", "pt-BR": "parado no limite de tempo"},
    "NOT_SOLVED": {"en": "not solved", "pt-BR": "não resolvido"},
}
