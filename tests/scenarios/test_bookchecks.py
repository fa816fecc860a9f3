"""Each warning about a book fires on a book made to trigger it, and not on a plain one."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scenarios.bookchecks import BookWarning, book_warnings
from scenarios.inputs import load_inputs
from scenarios.loader import load_scenario
from scenarios.portfolio import validate_frame
from scenarios.synthetic import generate_portfolio

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "base.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASE)


def _book(n: int = 20000, **changes) -> pl.DataFrame:
    frame = validate_frame(generate_portfolio(n, np.random.default_rng(4)), "book", "SP").frame
    return frame.with_columns(**{k: pl.lit(v) if not isinstance(v, pl.Series) else v for k, v in changes.items()})


def _keys(scenario, frame, **settings) -> dict[str, str]:
    sc = scenario
    if settings:
        sc = load_scenario(BASE, settings=settings)
    from scenarios.segmentation import assign_segments
    index = assign_segments(sc, frame)
    return {w.key: str(w) for w in book_warnings(sc, frame, index, "book.csv")}


def test_a_plain_book_gets_no_warning(scenario):
    assert _keys(scenario, _book()) == {}


def test_most_debtors_at_zero_days_past_due(scenario):
    keys = _keys(scenario, _book(days_past_due=0))
    assert keys["days_past_due"] == ("book.csv: days_past_due: most debtors are not overdue (got 100% at 0 days, "
                                     "expected a book in collection (was the whole portfolio exported, or dated wrong?))")


def test_an_agent_pool_out_of_scale(scenario):
    keys = _keys(scenario, _book(171))
    assert keys["agents.count"].startswith(f"{scenario.source}: agents.count: agent pool far larger than the book "
                                           "needs (got 12 agents; the cadences' calls would use at most ")
    assert "for 171 debtors" in keys["agents.count"]
    assert "agent pool far smaller" in _keys(scenario, _book(), **{"agents.count": 1, "agents.weekday_minutes": 5})[
        "agents.count"]


def test_segments_under_the_minimum_size(scenario):
    keys = _keys(scenario, _book(400), **{"agents.count": 30})
    assert "segments under 30 debtors: their estimates are mostly noise" in keys["segments"]


def test_states_that_look_like_another_countrys_codes(scenario):
    states = pl.Series(["PA", "MA", "AL", "SC"] * 5000)
    keys = _keys(scenario, _book(state=states))
    assert keys["state"] == ("book.csv: state: every state is a code the US uses too, none a large Brazilian state "
                             "(got AL, MA, PA, SC, expected UF codes of Brazil (was a US address_state column exported?))")


def test_load_inputs_returns_and_issues_the_warnings(scenario, tmp_path):
    path = tmp_path / "small.csv"
    _book(171).write_csv(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inputs = load_inputs(scenario, path)
    issued = [w.message for w in caught if isinstance(w.message, BookWarning)]
    assert issued and list(inputs.warnings) == issued
    assert {w.key for w in inputs.warnings} >= {"agents.count", "segments"}


def test_the_cli_prints_warnings_on_stderr(tmp_path, capsys):
    from acordo.cli import main
    path = tmp_path / "small.csv"
    _book(171).write_csv(path)
    assert main(["validate", str(BASE), "--portfolio", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "agents.count: agent pool far larger than the book needs" in err


def test_us_state_codes_in_the_state_column_get_a_hint(tmp_path):
    from scenarios.errors import InputError
    from scenarios.portfolio import load_portfolio
    path = tmp_path / "lc.csv"
    path.write_text("debtor_id,balance,days_past_due,state\na,1,1,CA\nb,1,1,TX\nc,1,1,NY\nd,1,1,SP\n")
    with pytest.raises(InputError) as info:
        load_portfolio(path)
    (line,) = [str(p) for p in info.value.problems]
    assert "state: 3 rows unknown UF code; these look like US state codes, first line 2 (p_" in line
    assert line.endswith("(got 'CA', 'TX', 'NY', expected a two-letter UF code such as SP, RJ or MG "
                         "(drop the column, or map it to UF codes))")


def test_a_share_near_its_bound_is_not_rounded_onto_it():
    from scenarios.bookchecks import AGENT_USE_LOW, _pct
    assert _pct(AGENT_USE_LOW * 0.992) != _pct(AGENT_USE_LOW)
    assert _pct(0.0496) == "4.96%" and _pct(0.25) == "25%" and _pct(0.004) == "0.4%"


def test_one_agent_is_never_too_many(scenario):
    keys = _keys(scenario, _book(171), **{"agents.count": 1})
    assert "agents.count" not in keys
