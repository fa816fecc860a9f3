"""The scenario schema: every parameter a finance team can edit, with unit, range and source.

A scenario is a TOML file; each top-level table maps to one frozen dataclass below. The
defaults are the reference values of ``docs/sources.md`` (published figures where they exist,
judgement where they do not, and the source says which). ``docs/scenario.md`` is
generated from these declarations (``python -m scenarios.docgen``) and a test keeps it in
sync.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from scenarios.params import param

__all__ = [
    "CHANNELS", "UF_CODES", "Calendar", "Money", "PortfolioSource", "ChannelRates",
    "Behaviour", "Condition", "Segment", "ChannelCost", "CallChannel", "Channels", "Agents",
    "Step", "OfferCatalogue", "Agreements", "Escalation", "Hours", "ContactRules",
    "OptimizerSettings", "OfferShare", "SegmentPolicy", "Policy", "Cycles", "MonteCarlo", "Scenario",
]

#: Contact channels, in the order used by every array of the simulator.
CHANNELS: tuple[str, ...] = ("sms", "email", "whatsapp", "call", "letter")

#: The 27 federative units of Brazil.
UF_CODES: tuple[str, ...] = (
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
)


@dataclass(frozen=True)
class Calendar:
    """Simulation time: horizon, start date and whose holidays apply."""

    horizon_days: int = param(180, "days", "Days simulated; write-off happens at the horizon.", lo=1, hi=1095,
                              source="judgement: a 180-day collections cycle before write-off")
    start_date: _dt.date | None = param(None, "date", "First simulated day (day 0); when not given, the next "
                                        "business day after the run date (recorded in the manifest, so a rerun "
                                        "with it reproduces). The bundled scenarios pin theirs; a file that "
                                        "extends one does not inherit the pin.", source="judgement: a forecast starts tomorrow")
    holidays: bool = param(True, "", "Apply national and state holidays (python-holidays, Brazil).",
                           source="Lei 662/1949 and state laws")
    default_state: str = param("SP", "UF", "State assumed for debtors with no state in the portfolio.",
                               choices=UF_CODES, source="judgement: the largest state")


@dataclass(frozen=True)
class Money:
    """Money: discounting, late charges and the plan's interest."""

    currency: str = param("BRL", "ISO 4217 code", "Currency of every amount, as the report shows it (BRL, USD, EUR, "
                          "...); the Brazilian rules of the scenario do not change with it.",
                          source="judgement: Brazilian books")
    annual_discount_rate: float = param(0.15, "per year", "Rate that discounts cash flows to present value (daily compounding).",
                                        lo=0.0, hi=1.0, source="Selic target 15% a.a. (Copom, 2025)")
    multa: float = param(0.02, "share of the installment", "Late fee on a late plan installment.",
                         lo=0.0, hi=0.02, source="CDC art. 52 §1 (at most 2%)")
    juros_mora_monthly: float = param(0.006, "per month", "Juros de mora on the open balance, simple, pro rata per day.",
                                      lo=0.0, hi=0.1, source="Lei 14.905/2024: Selic minus IPCA (~0.6% a.m. in 2025)")


@dataclass(frozen=True)
class PortfolioSource:
    """Where the debtors come from: a file, or the synthetic generator."""

    file: str = param("", "path", "CSV or Parquet portfolio, relative to the scenario file; empty means synthetic.",
                      source="docs/model.md, portfolio file")
    synthetic_n: int = param(20000, "debtors", "Size of the synthetic portfolio when no file is given.",
                             lo=1, hi=50_000_000, source="judgement")
    synthetic_seed: int = param(1, "", "Seed of the synthetic portfolio.", lo=0, hi=2**63 - 1, source="judgement")
    synthetic_product: str = param("mixed", "", "Product profile of the synthetic portfolio.",
                                   choices=("mixed", "crediario", "cartao", "telecom", "pessoal"), source="judgement")
    columns: dict[str, str] = param(default_factory=dict, unit="",
                                    doc="Types of the file's own columns that rules name (column = type); "
                                        "the others are inferred from their values.",
                                    choices=("text", "integer", "number", "boolean"), source="")
    chronic_threshold: int = param(3, "delinquencies", "A debtor is a chronic late payer when prior_delinquencies reaches this.",
                                   lo=1, hi=100, source="judgement: 3 prior delinquencies")
    personal_columns: tuple[str, ...] = param(
        default_factory=tuple, unit="", source="judgement",
        doc="Portfolio columns holding personal data besides debtor_id; rules over them are shown pseudonymised.")


@dataclass(frozen=True)
class ChannelRates:
    """One probability per contact channel."""

    sms: float = param(0.0, "probability", "SMS.", lo=0.0, hi=1.0)
    email: float = param(0.0, "probability", "E-mail.", lo=0.0, hi=1.0)
    whatsapp: float = param(0.0, "probability", "WhatsApp.", lo=0.0, hi=1.0)
    call: float = param(0.0, "probability", "Call by an agent.", lo=0.0, hi=1.0)
    letter: float = param(0.0, "probability", "Letter (formal notice).", lo=0.0, hi=1.0)

    def as_tuple(self) -> tuple[float, ...]:
        """The rates in :data:`CHANNELS` order."""
        return tuple(getattr(self, c) for c in CHANNELS)


@dataclass(frozen=True)
class Behaviour:
    """How debtors behave. Given once at the top level; each segment overrides what differs."""

    self_cure_h0: float = param(0.004, "probability per day", "Hazard of paying in full unprompted at 0 days past due.",
                                lo=0.0, hi=1.0, source="judgement, calibrated to ~30% self-cure in 180 days for early arrears")
    self_cure_tau: float = param(120.0, "days", "Decay of the self-cure hazard with days past due: h0*exp(-dpd/tau).",
                                 lo=0.0, lo_open=True, hi=10000.0, source="judgement")
    uplift_negativado: float = param(1.6, "factor", "Self-cure hazard multiplier once listed at the credit bureau.",
                                     lo=0.0, hi=20.0, source="judgement (Serasa: listing prompts payment)")
    reach: ChannelRates = param(default_factory=lambda: ChannelRates(0.60, 0.25, 0.70, 0.27, 0.80),
                                unit="probability", doc="Right-party contact per attempt, by channel.",
                                source="calls: 27% right-party contact (call-centre funnel); SMS: Cadena & Schoar 2011; others judgement")
    engage: ChannelRates = param(default_factory=lambda: ChannelRates(0.05, 0.03, 0.08, 0.59, 0.04),
                                 unit="probability", doc="A reached debtor enters a negotiation, by channel.",
                                 source="calls: 59% of conversations end in a promise (call-centre funnel; Laudenbach et al.); digital: judgement")
    fatigue: float = param(0.85, "factor", "Engagement multiplier per contact in the last 7 days.", lo=0.0, hi=1.0,
                           source="judgement")
    accept_alpha: float = param(-0.4, "log-odds", "Acceptance log-odds of an affordable offer with no discount.",
                                lo=-20.0, hi=20.0, source="judgement")
    accept_beta: float = param(4.0, "log-odds per unit of discount", "Acceptance slope in the discount.",
                               lo=0.0, hi=100.0, source="judgement; settlements average 33% off (Dobbie et al. 2020)")
    lump_mu: float = param(-0.9, "log share of balance", "Mean of log(lump-sum capacity / balance).",
                           lo=-10.0, hi=5.0, source="judgement")
    lump_sigma: float = param(1.0, "", "Std of log(lump-sum capacity / balance).", lo=0.0, hi=5.0, source="judgement")
    monthly_mu: float = param(-2.3, "log share of balance", "Mean of log(monthly capacity / balance).",
                              lo=-10.0, hi=5.0, source="judgement")
    monthly_sigma: float = param(0.8, "", "Std of log(monthly capacity / balance).", lo=0.0, hi=5.0, source="judgement")
    keep_first: float = param(0.60, "probability", "The first payment of an agreement (lump sum or down payment) is made on time.",
                              lo=0.0, hi=1.0, source="~50% of promises kept (call-centre funnel)")
    keep: float = param(0.92, "probability", "Each later installment is paid on its due date.", lo=0.0, hi=1.0,
                        source="judgement")
    late_pay_daily: float = param(0.08, "probability per day", "A late installment is paid on a day within the grace period.",
                                  lo=0.0, hi=1.0, source="judgement")
    chronic_keep_factor: float = param(0.85, "factor", "Keep probabilities multiplier for chronic late payers.",
                                       lo=0.0, hi=1.0, source="judgement")
    agency_hazard: float = param(0.0025, "probability per day", "Hazard that the agency collects the open balance in full.",
                                 lo=0.0, hi=1.0, source="judgement")
    # several delinquency cycles (used only when cycles.enabled) and the reservation discount
    redelinquency_paid: float = param(0.02, "probability per month", "Re-delinquency hazard of a customer whose last cycle ended paid in full (self-cure, agency).",
                                      lo=0.0, hi=1.0, source="judgement (cured consumer accounts: ~20% re-default within a year)")
    redelinquency_settled: float = param(0.03, "probability per month", "Re-delinquency hazard after a kept agreement with no discount.",
                                         lo=0.0, hi=1.0, source="judgement")
    redelinquency_discount_slope: float = param(0.0, "log-hazard per unit of discount", "After a kept agreement with discount d the hazard is redelinquency_settled * exp(slope * d).",
                                                lo=-20.0, hi=20.0, source="judgement; announced relief raised delinquency ~10% (Mayer et al. 2014)")
    redelinquency_broken: float = param(0.05, "probability per month", "Re-delinquency hazard when the last cycle had a broken agreement.",
                                        lo=0.0, hi=1.0, source="judgement")
    redelinquency_balance: float = param(1.0, "share of the first balance", "Balance of a new cycle, as a share of the debtor's balance in the portfolio.",
                                         lo=0.0, lo_open=True, hi=100.0, source="judgement")
    customer_margin_monthly: float = param(15.0, "R$ per month", "Margin a customer in good standing brings (lost when written off or opted out).",
                                           lo=0.0, hi=1e6, source="judgement (card/crediário customer margin)")
    expect_offered: float = param(0.0, "weight", "Reservation discount: weight of the largest discount offered to the debtor before.",
                                  lo=0.0, hi=2.0, source="judgement (0 = acceptance ignores history)")
    expect_received: float = param(0.0, "weight", "Reservation discount: weight of the largest discount received in an earlier kept agreement.",
                                   lo=0.0, hi=2.0, source="judgement")
    expect_announced: float = param(0.0, "weight", "Reservation discount: weight of the segment's announced generosity (announcement effect).",
                                    lo=0.0, hi=2.0, source="judgement; Feirão Limpa Nome effect")


@dataclass(frozen=True)
class Condition:
    """One condition of a segment rule: a column within [lo, hi), in a set, or equal to a flag."""

    column: str
    lo: float | None = None
    hi: float | None = None
    values: tuple[str, ...] | None = None
    flag: bool | None = None

    def describe(self) -> str:
        """The condition in words."""
        if self.flag is not None:
            return f"{self.column} is {str(self.flag).lower()}"
        if self.values is not None:
            return f"{self.column} in {{{', '.join(self.values)}}}"
        return f"{self.lo:g} <= {self.column} < {self.hi:g}"


@dataclass(frozen=True)
class Segment:
    """A group of debtors treated alike: a rule over portfolio columns and its behaviour."""

    name: str
    rule: tuple[Condition, ...]
    behaviour: Behaviour
    description: str = ""
    risk_band: str = ""
    max_discount: float = 1.0

    @property
    def chronic(self) -> bool:
        """Whether the rule selects chronic late payers only."""
        return any(c.column == "chronic" and c.flag for c in self.rule)


@dataclass(frozen=True)
class ChannelCost:
    """Cost of one attempt on a channel."""

    cost: float = param(0.0, "R$ per attempt", "Cost of one attempt.", lo=0.0, hi=1000.0)


@dataclass(frozen=True)
class CallChannel:
    """Calls: telephony cost and how long each outcome keeps an agent busy."""

    cost: float = param(0.12, "R$ per attempt", "Telephony cost of one call attempt.", lo=0.0, hi=1000.0,
                        source="judgement (VoIP/dialler minute rates)")
    minutes_conversation: float = param(9.0, "minutes", "Agent time of a right-party conversation, wrap-up included.",
                                        lo=0.0, hi=240.0, source="with 27% RPC gives ~15 attempts per agent-hour (call-centre funnel)")
    minutes_no_answer: float = param(2.1, "minutes", "Agent time of an attempt that reaches nobody.", lo=0.0, hi=240.0,
                                     source="with 27% RPC gives ~15 attempts per agent-hour (call-centre funnel)")


@dataclass(frozen=True)
class Channels:
    """The contact channels and their unit costs."""

    sms: ChannelCost = param(default_factory=lambda: ChannelCost(0.08), unit="R$", doc="SMS (bulk A2P rate).",
                             source="judgement: Brazilian A2P SMS ~R$ 0.05-0.10")
    email: ChannelCost = param(default_factory=lambda: ChannelCost(0.01), unit="R$", doc="E-mail.",
                               source="judgement")
    whatsapp: ChannelCost = param(default_factory=lambda: ChannelCost(0.35), unit="R$", doc="WhatsApp Business template message.",
                                  source="Meta utility-template pricing for Brazil, ~US$ 0.06")
    call: CallChannel = param(default_factory=CallChannel, unit="", doc="Calls by agents.")
    letter: ChannelCost = param(default_factory=lambda: ChannelCost(3.50), unit="R$", doc="Letter (formal notice).",
                                source="Correios carta simples plus printing")


@dataclass(frozen=True)
class Agents:
    """The shared pool of collection agents."""

    count: int = param(20, "agents", "Agents working calls.", lo=0, hi=100000, source="judgement")
    weekday_minutes: float = param(330.0, "minutes per agent", "Productive call minutes per agent on a weekday.",
                                   lo=0.0, hi=1440.0, source="NR-17 Anexo II: 6h20 shifts for teleoperators, less breaks")
    saturday_minutes: float = param(0.0, "minutes per agent", "Productive call minutes per agent on a Saturday.",
                                    lo=0.0, hi=1440.0, source="judgement")
    cost_per_hour: float = param(32.0, "R$ per agent-hour", "Loaded cost of an agent hour.", lo=0.0, hi=10000.0,
                                 source="judgement: operator salary with charges / 130 productive hours")


@dataclass(frozen=True)
class Step:
    """One step of a cadence: a contact attempt on a day since the start."""

    day: int = param(unit="day", doc="Day of the attempt since the start (moved to the next allowed day).", lo=0, hi=1094)
    channel: str = param(unit="", doc="Contact channel.", choices=CHANNELS)


@dataclass(frozen=True)
class OfferCatalogue:
    """The offers the optimizer may choose from, and the business rules that filter them."""

    discounts: tuple[float, ...] = param(
        default_factory=lambda: tuple(round(0.05 * i, 2) for i in range(13)), unit="share of balance",
        doc="Discounts on the open balance.", lo=0.0, hi=0.99, source="judgement: 0..60% in steps of 5%")
    installments: tuple[int, ...] = param(default_factory=lambda: (1, 3, 6, 10, 12, 18, 24), unit="payments",
                                          doc="Numbers of installments (1 = lump sum, à vista).", lo=1, hi=120,
                                          source="judgement; Desenrola Brasil went up to 60")
    down_payment_share: float = param(0.10, "share of the agreed amount", "Down payment of a plan (n > 1).",
                                      lo=0.0, hi=0.9, source="judgement (entrada de 10%)")
    plan_interest_monthly: float = param(0.0199, "per month", "Interest of installment plans (Price table).",
                                         lo=0.0, hi=0.2, source="Desenrola: at most 1.99% a.m.")
    first_due_days: int = param(3, "days", "Days from acceptance to the first payment (boleto/Pix due date).",
                                lo=0, hi=60, source="judgement")
    min_installment: float = param(50.0, "R$", "Smallest installment allowed.", lo=0.0, hi=1e6,
                                   source="Desenrola: R$ 50 minimum installment")
    max_installments: int = param(24, "payments", "Largest number of installments allowed.", lo=1, hi=120,
                                  source="judgement (Desenrola allowed up to 60)")
    max_discount: float = param(0.60, "share of balance", "Largest discount allowed to any segment.", lo=0.0, hi=0.99,
                                source="judgement; Desenrola averaged 83%, Feirão Limpa Nome up to 99%")


@dataclass(frozen=True)
class Agreements:
    """Life of an agreement after acceptance."""

    grace_days: int = param(10, "days", "A late installment breaks the agreement after this many days.", lo=0, hi=29,
                            source="judgement")
    renegotiation_cooldown_days: int = param(30, "days", "After a break, no new agreement for this many days.",
                                             lo=0, hi=1095, source="judgement")
    max_agreements: int = param(2, "agreements", "Most agreements one debtor may make over the horizon.", lo=1, hi=20,
                                source="judgement")


@dataclass(frozen=True)
class Escalation:
    """Fixed escalation steps, in days since the start (0 disables a step)."""

    letter_day: int = param(20, "day", "Formal notice by letter to every open debtor (0 = never).", lo=0, hi=1095,
                            source="CDC art. 43 §2: written notice before listing")
    negativacao_day: int = param(35, "day", "Listing at the credit bureau (Serasa/SPC) (0 = never).", lo=0, hi=1095,
                                 source="Serasa practice: listing 10 days after the notice")
    negativacao_cost: float = param(6.0, "R$ per debtor", "Cost of one listing.", lo=0.0, hi=1000.0,
                                    source="judgement (bureau inclusion fee)")
    agency_day: int = param(120, "day", "Open debtors are handed to a collection agency (0 = never).", lo=0, hi=1095,
                            source="judgement")
    agency_commission: float = param(0.25, "share of collected", "The agency keeps this share of what it collects.",
                                     lo=0.0, hi=1.0, source="collection agencies keep 20-35% (agency commission)")


@dataclass(frozen=True)
class Hours:
    """A window of contact hours [start, end)."""

    start: float = param(8.0, "hour", "First hour.", lo=0.0, hi=24.0)
    end: float = param(20.0, "hour", "End hour (exclusive); equal to start means no contact.", lo=0.0, hi=24.0)


@dataclass(frozen=True)
class ContactRules:
    """Guardrails no policy may break (state laws on collection calls, CDC arts. 42 and 71, Reg F)."""

    max_contacts_per_7_days: int = param(7, "attempts", "Attempts per debtor in any rolling 7 days (letters excepted).",
                                         lo=0, hi=100, source="US Reg F 7-in-7 (12 CFR 1006.14)")
    reg_f_mode: bool = param(False, "", "No call within 7 days after a conversation.", source="12 CFR 1006.14(b)(2)")
    opt_out_probability: float = param(0.002, "probability per reached contact",
                                       "A reached debtor opts out of all non-letter contact.", lo=0.0, hi=1.0,
                                       source="judgement")
    state_laws: bool = param(True, "", "Apply the state contact laws (SP, RJ, ES, AL, CE) to their debtors.",
                             source="state laws on collection calls (SP, RJ, ES, AL, CE)")
    weekday_hours: Hours = param(default_factory=Hours, unit="hours", doc="Default contact window on weekdays.",
                                 source="SP state law: weekdays 8-20h")
    saturday_hours: Hours = param(default_factory=lambda: Hours(8.0, 14.0), unit="hours",
                                  doc="Default contact window on Saturdays.", source="SP state law: Saturdays 8-14h")
    sunday_hours: Hours = param(default_factory=lambda: Hours(0.0, 0.0), unit="hours",
                                doc="Default contact window on Sundays and holidays.", source="SP state law: no contact on Sundays and holidays")


@dataclass(frozen=True)
class OptimizerSettings:
    """Constraints and costs of the offer-policy LP (docs/optimizer.md)."""

    budget: float = param(-1.0, "R$", "Give-away budget over the horizon (-1 = none; see budget_share).",
                          lo=-1.0, hi=1e13, source="judgement")
    budget_share: float = param(0.33, "share of recovered NPV", "Give-away at most this share of what is recovered (-1 = none).",
                                lo=-1.0, hi=10.0, source="settlement write-downs average 33% (Dobbie et al. 2020)")
    agent_capacity: bool = param(True, "", "Limit agent minutes to the pool's minutes over the horizon.", source="docs/optimizer.md")
    capacity_by_week: bool = param(False, "", "With agent_capacity: one capacity row per week, on coefficients at demanded minutes with not-called offers (the LP allocates the calls).", source="docs/optimizer.md")
    liquidity_target: float = param(0.0, "R$", "Cash to collect in the first 30 days (0 = none).", lo=0.0, hi=1e13,
                                    source="judgement")
    chronic_max_discount: float = param(0.20, "share of balance", "Mean discount cap of chronic segments.", lo=0.0, hi=0.99,
                                        source="judgement: limit the Feirão Limpa Nome effect")
    chronic_not_better: bool = param(True, "", "A chronic segment never gets a better mean discount than its risk band's non-chronic segment.",
                                     source="Mayer et al. 2014 (moral hazard)")
    moral_hazard_cost: float = param(0.25, "R$ per R$ of discount", "Expected future loss per R$ of discount given to chronic payers.",
                                     lo=0.0, hi=10.0, source="announced relief raised delinquency ~10% (Mayer et al. 2014); judgement")
    min_recovery_share: float = param(0.0, "share of the baseline", "Each segment recovers at least this share of its baseline net NPV (0 = none).",
                                      lo=0.0, hi=1.0, source="judgement")
    confidence: float = param(0.95, "probability", "Budget, budget-share and liquidity rows hold with this probability in a run of the book (0.5 = on average).",
                              lo=0.5, hi=0.999, source="judgement: a 1-in-20 miss")
    indifference: float = param(0.01, "share of the segment's best net per debtor",
                                "Offers within this share of a segment's best estimate are treated as equal; the smallest discount, then the fewest installments, among them is chosen (0 = ties within the standard errors only).",
                                lo=0.0, hi=0.5, source="judgement: 1% of a segment's net is below what a strategy lead tells apart; measured, docs/optimizer.md")
    sample_per_segment: int = param(5000, "debtors", "Debtors sampled per segment to estimate the LP coefficients.",
                                    lo=50, hi=1_000_000, source="judgement: standard errors below 2% of the mean")
    copies: str = param("balance", "", "How a round's simulated copies are spread over a segment's debtors: balance (systematic sampling with probability proportional to 0.2 x the segment's mean balance + 0.8 x the debtor's balance, each copy's values weighted by the inverse; the larger debtors, where the offers' differences lie, get more copies) or uniform (a simple random sample, or every debtor once).",
                        choices=("uniform", "balance"), source="measured, see docs/optimizer.md")
    solver: str = param("highs", "", "LP solver.", choices=("highs", "cbc"), source="measured, see docs/optimizer.md")


@dataclass(frozen=True)
class OfferShare:
    """An offer of a policy and the share of the segment that receives it."""

    discount: float = param(unit="share of balance", doc="Discount on the open balance.", lo=0.0, hi=0.99)
    installments: int = param(1, "payments", "Number of installments (1 = lump sum).", lo=1, hi=120)
    share: float = param(1.0, "share of segment", "Share of the segment given this offer.", lo=0.0, hi=1.0)
    down_payment_share: float = param(-1.0, "share", "Down payment (-1 = the catalogue's).", lo=-1.0, hi=0.9)
    escalate_days: tuple[int, ...] = param(default_factory=tuple, unit="days in collection",
                                           doc="Days of the cycle from which the discount escalates (increasing).", lo=1, hi=1094)
    escalate_discounts: tuple[float, ...] = param(default_factory=tuple, unit="share of balance",
                                                  doc="The discount from each of escalate_days on.", lo=0.0, hi=0.99)
    calls: bool = param(True, "", "Whether the dialler calls this share (false: digital channels and letters only).")


@dataclass(frozen=True)
class SegmentPolicy:
    """What one segment is offered."""

    offers: tuple[OfferShare, ...] = param(default_factory=tuple, unit="", doc="Offer mix; shares sum to 1.")


@dataclass(frozen=True)
class Policy:
    """An offer policy: a default mix and per-segment mixes (cadences come from the scenario)."""

    offers: tuple[OfferShare, ...] = param(default_factory=lambda: (OfferShare(0.10, 1, 0.5), OfferShare(0.0, 6, 0.5)),
                                           unit="", doc="Default offer mix of every segment.",
                                           source="judgement: a typical in-house practice")
    segments: dict[str, SegmentPolicy] = param(default_factory=dict, unit="", doc="Per-segment offer mixes.")

    def offers_for(self, segment: str) -> tuple[OfferShare, ...]:
        """The offer mix of ``segment``."""
        own = self.segments.get(segment)
        return own.offers if own is not None and own.offers else self.offers


@dataclass(frozen=True)
class Cycles:
    """Several delinquency cycles: the customer relationship over 12-36 months (off by default)."""

    enabled: bool = param(False, "", "Simulate several cycles: settled and self-cured debtors stay customers and may become delinquent again; calendar.horizon_days is then the relationship's horizon (365-1095).",
                          source="judgement")
    collection_days: int = param(180, "days", "Days a cycle stays in collection; then open and agency debtors are written off and lost.",
                                 lo=1, hi=1095, source="judgement: the one-cycle horizon of 180 days")
    entry_days_past_due: int = param(30, "days", "Days past due of a customer entering a new cycle.", lo=0, hi=360,
                                     source="judgement: accounts go to collections at ~30 days past due")


@dataclass(frozen=True)
class MonteCarlo:
    """Replications and the seed every stream is spawned from."""

    replications: int = param(10, "replications", "Independent replications per simulation.", lo=1, hi=100000,
                              source="judgement")
    seed: int = param(20261124, "", "Root seed (numpy SeedSequence).", lo=0, hi=2**63 - 1, source="judgement")
    sensitivity_precision: float = param(
        0.01, "share of net NPV",
        "Half-width of the 95% CI asked of each sensitivity bar, as a share of the net NPV; the debtors sampled "
        "for the sensitivity follow from it (0 = simulate the whole book).",
        lo=0.0, hi=0.5, source="judgement, see docs/sensitivity.md")


@dataclass(frozen=True)
class Scenario:
    """A whole, validated scenario."""

    name: str
    description: str
    source: str
    calendar: Calendar
    money: Money
    portfolio: PortfolioSource
    behaviour: Behaviour
    segments: tuple[Segment, ...]
    channels: Channels
    agents: Agents
    cadences: dict[str, tuple[Step, ...]]
    offers: OfferCatalogue
    agreements: Agreements
    escalation: Escalation
    contact_rules: ContactRules
    optimizer: OptimizerSettings
    baseline: Policy
    monte_carlo: MonteCarlo
    cycles: Cycles = field(default_factory=lambda: Cycles())
    digest: str = field(default="", compare=False)
    #: Where a parameter's value comes from when the file says so (``[sources]``, e.g. written by
    #: ``acordo calibrate``): dotted key -> source text; it replaces the schema's source.
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    #: Segments that come from a parent file only (``extends``), not from the file itself.
    inherited_segments: tuple[str, ...] = field(default=(), compare=False)
    #: For every dotted key set by a file, the file (or ``--set``) that set it last.
    origin: dict[str, str] = field(default_factory=dict, compare=False)
    #: The files of the ``extends`` chain, the root ancestor first.
    files: tuple[str, ...] = field(default=(), compare=False)

    @property
    def segment_names(self) -> tuple[str, ...]:
        """Segment names in file order."""
        return tuple(s.name for s in self.segments)

    def segment(self, name: str) -> Segment:
        """The segment called ``name``."""
        for s in self.segments:
            if s.name == name:
                return s
        raise KeyError(name)

    def cadence_for(self, segment: str) -> tuple[Step, ...]:
        """The cadence of ``segment`` (its own, else ``default``)."""
        return self.cadences.get(segment, self.cadences.get("default", ()))
