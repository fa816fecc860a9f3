"""``--set KEY=V1,V2`` parsing, grid expansion and up-front validation of every cell."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scenarios
from scenarios.errors import InputError
from scenarios.grid import Cell, build_grid, expand, parse_set, parse_sets, parse_value, split_values, toml_literal

BASE = Path(scenarios.__file__).parent / "base.toml"


def problems(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize("text, parts", [
    ("1", ["1"]),
    ("10, 20 ,40", ["10", "20", "40"]),
    ('[1, 3], [6, 12]', ["[1, 3]", "[6, 12]"]),
    ('{ start = 8.0, end = 20.0 },{ start = 9.0, end = 19.0 }',
     ["{ start = 8.0, end = 20.0 }", "{ start = 9.0, end = 19.0 }"]),
    ('"a,b", \'c,d\', "e\\",f"', ['"a,b"', "'c,d'", '"e\\",f"']),
    ("[[1, 2], [3]], 4", ["[[1, 2], [3]]", "4"]),
    ("", [""]),
])
def test_split_values_outside_brackets_and_quotes(text, parts):
    assert split_values(text) == parts


@pytest.mark.parametrize("text", ["[1, 2", "1]", "{a = 1", '"open', "[1, 2}"])
def test_split_values_rejects_unbalanced(text):
    with pytest.raises(ValueError):
        split_values(text)


@pytest.mark.parametrize("text, value", [
    ("10", 10), ("-3", -3), ("1_000", 1000), ("0.5", 0.5), ("1e-3", 0.001), ("true", True), ("false", False),
    ('"RJ"', "RJ"), ("'SP'", "SP"), ("[1, 3, 6]", [1, 3, 6]), ("2026-02-02", dt.date(2026, 2, 2)),
    ("{ start = 8.0, end = 20.0 }", {"start": 8.0, "end": 20.0}), ("inf", math.inf),
])
def test_parse_value_reads_toml_literals(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)


@pytest.mark.parametrize("text", ["ten", "RJ", "1,2", "", "x = 1", "1\nb = 2", "01"])
def test_parse_value_rejects_non_literals(text):
    with pytest.raises(ValueError):
        parse_value(text)


scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False),
                    st.text(max_size=12), st.dates())


@given(st.one_of(scalars, st.lists(scalars, max_size=4),
                 st.dictionaries(st.from_regex(r"[a-z_]{1,6}", fullmatch=True), scalars, max_size=3)))
def test_toml_literal_round_trips(value):
    assert parse_value(toml_literal(value)) == value


def test_parse_set():
    opt = parse_set("offers.max_discount=0.3, 0.5,1")
    assert opt.key == "offers.max_discount" and opt.texts == ("0.3", "0.5", "1") and opt.values == (0.3, 0.5, 1)
    assert parse_set('calendar.default_state="SP","RJ"').values == ("SP", "RJ")
    assert parse_set("offers.installments=[1, 3],[1, 6, 12]").values == ([1, 3], [1, 6, 12])


@pytest.mark.parametrize("text, line", [
    ("agents.count", "--set: agents.count: not KEY=V1,V2 (got no '=', expected KEY=V1,V2,... with a dotted key and "
                     "TOML values, e.g. agents.count=10,20)"),
    ("=1,2", "--set: =1,2: not KEY=V1,V2 (got key '', expected a dotted key such as agents.count)"),
    ("agents..count=1", "--set: agents..count=1: not KEY=V1,V2 (got key 'agents..count', expected a dotted key "
                        "such as agents.count)"),
    ("agents.count=ten", "--set: agents.count=ten: not KEY=V1,V2 (got 'ten', expected TOML values: 10, 0.5, true, "
                         "\"text\", [1, 2])"),
    ("agents.count=", "--set: agents.count=: not KEY=V1,V2 (got an empty value, expected TOML values: 10, 0.5, "
                      "true, \"text\", [1, 2] separated by commas)"),
    ("agents.count=[1,2", "--set: agents.count=[1,2: not KEY=V1,V2 (got unclosed '[', expected TOML values: 10, "
                          "0.5, true, \"text\", [1, 2] separated by commas)"),
    ("agents.count=10,20,10", "--set: agents.count: value repeated (got 10, expected each value once)"),
])
def test_malformed_set(text, line):
    with pytest.raises(InputError) as exc:
        parse_set(text)
    assert problems(exc) == [line]


def test_values_of_different_toml_types_are_distinct():
    assert parse_set("offers.max_discount=1,1.0").values == (1, 1.0)
    assert parse_set("x.y=1,true").values == (1, True)


def test_parse_sets_collects_every_problem():
    with pytest.raises(InputError) as exc:
        parse_sets(["agents.count=1", "agents", "agents.count=2", "agents=3", "offers.max_discount=x"])
    assert problems(exc) == [
        "--set: agents: not KEY=V1,V2 (got no '=', expected KEY=V1,V2,... with a dotted key and TOML values, "
        "e.g. agents.count=10,20)",
        "--set: offers.max_discount=x: not KEY=V1,V2 (got 'x', expected TOML values: 10, 0.5, true, \"text\", [1, 2])",
        "--set: agents.count: set more than once (got 2 --set options, expected one per key)",
        "--set: agents.count: inside another --set key (got agents, expected keys that do not contain one another)",
    ]


def test_expand_is_the_cartesian_product_in_the_order_given():
    cells = expand(parse_sets(["agents.count=10,20,40", "offers.max_discount=0.3,0.5"]))
    assert [c.label() for c in cells] == [
        "agents.count=10, offers.max_discount=0.3", "agents.count=10, offers.max_discount=0.5",
        "agents.count=20, offers.max_discount=0.3", "agents.count=20, offers.max_discount=0.5",
        "agents.count=40, offers.max_discount=0.3", "agents.count=40, offers.max_discount=0.5",
    ]
    assert cells[3].settings == {"agents.count": 20, "offers.max_discount": 0.5}
    assert expand(()) == [Cell()]
    assert hash(cells[0]) == hash(Cell((("agents.count", "10"), ("offers.max_discount", "0.3"))))
    assert Cell.from_settings({"a.b": [1, 2], "c": "x"}).items == (("a.b", "[1, 2]"), ("c", '"x"'))


def test_build_grid_validates_every_cell():
    grid = build_grid(BASE, ["agents.count=10,20", "behaviour.reach.call=0.2,0.3,0.4"])
    assert len(grid) == 6 and grid.keys == ("agents.count", "behaviour.reach.call")
    assert [s.agents.count for s in grid.scenarios] == [10, 10, 10, 20, 20, 20]
    assert [s.behaviour.reach.call for s in grid.scenarios[:3]] == [0.2, 0.3, 0.4]
    assert len({s.digest for s in grid.scenarios}) == 6


def test_unknown_key_and_out_of_range_name_the_set_option():
    with pytest.raises(InputError) as exc:
        build_grid(BASE, ["agents.cunt=10,20"])
    assert problems(exc) == ["--set: agents.cunt: unknown key; did you mean 'count'?"]
    with pytest.raises(InputError) as exc:
        build_grid(BASE, ["agents.count=-1,10"])
    assert problems(exc) == ["--set: agents.count: out of range (got -1, expected 0 <= x <= 100000)"]


def test_identical_problems_of_different_cells_are_reported_once():
    with pytest.raises(InputError) as exc:
        build_grid(BASE, ["agents.cunt=1,2,3", "behaviour.fatigue=0.5,2.0", "offers.max_discount=0.3,0.4"])
    assert problems(exc) == [
        "--set: agents.cunt: unknown key; did you mean 'count'?",
        "--set: behaviour.fatigue: out of range (got 2.0, expected 0 <= x <= 1)",
    ]


def test_a_table_only_a_set_created_is_attributed_to_the_set():
    with pytest.raises(InputError) as exc:
        build_grid(BASE, ["agentz.count=1"])
    assert problems(exc)[0].startswith("--set: agentz: unknown key; did you mean 'agents'?")


def test_cross_checks_see_the_cell_values():
    with pytest.raises(InputError) as exc:
        build_grid(BASE, ["escalation.agency_day=100,200"])
    assert len(exc.value.problems) == 1
    assert "agency_day: past the horizon (got 200" in problems(exc)[0]


def test_no_set_is_a_problem():
    with pytest.raises(InputError, match="at least one --set"):
        build_grid(BASE, [])
