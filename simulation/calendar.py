"""The simulation calendar: day types, holidays by state, agent shifts and contact windows.

Contact windows follow DESIGN §4. A state law covers the channels listed in
:data:`STATE_LAWS`; every other (state, channel) pair uses the scenario's default windows.
E-mail may be sent any day; letters are posted on working days. Because the simulator
works in days, a window matters through whether it is open at all on a given day: an
attempt on a day whose window is empty is moved to the next day with an open window.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import holidays as _holidays
import numpy as np

from scenarios.schema import CHANNELS, UF_CODES, Scenario

__all__ = ["STATE_LAWS", "SimCalendar", "build_calendar", "WEEKDAY", "SATURDAY", "SUNDAY"]

WEEKDAY, SATURDAY, SUNDAY = 0, 1, 2

#: State contact laws (DESIGN §4): channels covered and windows (start, end) by day type;
#: ``None`` means no contact that day. Sundays and holidays: no contact in every state law.
STATE_LAWS: dict[str, tuple[tuple[str, ...], tuple[tuple[float, float] | None, ...]]] = {
    "SP": (("call",), ((8, 20), (8, 14), None)),
    "RJ": (("call",), ((9, 19), None, None)),
    "ES": (("call",), ((8, 19), None, None)),
    "AL": (("call", "sms"), ((8, 20), (8, 14), None)),
    "CE": (("call", "sms", "whatsapp"), ((8, 18), None, None)),
}


@dataclass(frozen=True)
class SimCalendar:
    """Arrays over the horizon that the simulator indexes by day, state and channel.

    Attributes
    ----------
    dates : tuple of date
        The calendar date of each simulated day.
    day_type : ndarray (H,)
        0 weekday, 1 Saturday, 2 Sunday.
    holiday : ndarray (27, H) of bool
        National or state holiday, by state (UF order of :data:`scenarios.schema.UF_CODES`).
    agent_minutes : ndarray (H,)
        Productive call minutes of one agent each day (call centre in the default state).
    window_hours : ndarray (5, H, 27)
        Hours of the contact window by channel, day and state (0 = no contact that day).
    allowed : ndarray (5, H, 27) of bool
        Whether an attempt may be made, by channel, day and state.
    """

    dates: tuple[_dt.date, ...]
    day_type: np.ndarray
    holiday: np.ndarray
    agent_minutes: np.ndarray
    window_hours: np.ndarray
    allowed: np.ndarray

    @property
    def horizon(self) -> int:
        """Number of simulated days."""
        return len(self.dates)


def _holiday_table(dates: tuple[_dt.date, ...], use: bool) -> np.ndarray:
    table = np.zeros((len(UF_CODES), len(dates)), dtype=bool)
    if not use:
        return table
    years = sorted({d.year for d in dates})
    for s, uf in enumerate(UF_CODES):
        cal = _holidays.Brazil(subdiv=uf, years=years)
        table[s] = [d in cal for d in dates]
    return table


def build_calendar(scenario: Scenario) -> SimCalendar:
    """Build the calendar of ``scenario`` (dates, holidays, shifts, contact windows)."""
    cal, rules, agents = scenario.calendar, scenario.contact_rules, scenario.agents
    dates = tuple(cal.start_date + _dt.timedelta(days=t) for t in range(cal.horizon_days))
    wd = np.array([d.weekday() for d in dates])
    day_type = np.where(wd < 5, WEEKDAY, np.where(wd == 5, SATURDAY, SUNDAY)).astype(np.int8)
    holiday = _holiday_table(dates, cal.holidays)
    centre = UF_CODES.index(cal.default_state)
    minutes = np.where(day_type == WEEKDAY, agents.weekday_minutes,
                       np.where(day_type == SATURDAY, agents.saturday_minutes, 0.0))
    minutes = np.where(holiday[centre], 0.0, minutes).astype(np.float64)
    # effective day type per state: holidays count as Sundays
    eff = np.where(holiday, SUNDAY, day_type[None, :])  # (27, H)
    default = [(h.start, h.end) for h in (rules.weekday_hours, rules.saturday_hours, rules.sunday_hours)]
    hours = np.zeros((len(CHANNELS), len(dates), len(UF_CODES)))
    for c, channel in enumerate(CHANNELS):
        for s, uf in enumerate(UF_CODES):
            if channel == "email":
                hours[c, :, s] = 24.0
                continue
            if channel == "letter":
                hours[c, :, s] = np.where(eff[s] == WEEKDAY, 24.0, 0.0)
                continue
            law = STATE_LAWS.get(uf) if rules.state_laws else None
            windows = law[1] if law and channel in law[0] else default
            per_type = np.array([max(0.0, w[1] - w[0]) if w else 0.0 for w in windows])
            hours[c, :, s] = per_type[eff[s]]
    return SimCalendar(dates, day_type, holiday, minutes, hours, hours > 0)
