"""Scenario files: every problem reported at once, in the one format, with the right file."""
from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.docgen import render
from scenarios.errors import InputError
from scenarios.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.toml"))


def problems(path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def write(tmp_path: Path, text: str, name: str = "what_if.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.segments and scenario.cadences["default"]
    assert len(scenario.digest) == 16


def test_extends_overrides_only_what_changes(tmp_path):
    path = write(tmp_path, f'extends = "{ROOT / "scenarios" / "base.toml"}"\n[agents]\ncount = 40\n'
                           '[behaviour.reach]\ncall = 0.3\n')
    base = load_scenario(ROOT / "scenarios" / "base.toml")
    what_if = load_scenario(path)
    assert what_if.agents.count == 40 and base.agents.count == 12
    assert what_if.agents.weekday_minutes == base.agents.weekday_minutes
    # a partial nested table keeps the other channels, in the shared block and in every segment
    assert what_if.behaviour.reach.call == 0.3 and what_if.behaviour.reach.sms == base.behaviour.reach.sms
    assert all(s.behaviour.reach.call == 0.3 for s in what_if.segments)
    # segment overrides survive the parent's defaults
    assert what_if.segment("low_early").behaviour.self_cure_h0 == 0.007
    assert what_if.digest != base.digest


def test_three_problems_three_lines_naming_file_and_key(tmp_path):
    path = write(tmp_path, f'extends = "{ROOT / "scenarios" / "base.toml"}"\n'
                           '[agents]\ncunt = 10\n[behaviour.reach]\ncall = 1.3\n'
                           '[cadences]\ndefault = [{ day = 1, channel = "pigeon" }]\n')
    lines = problems(path)
    label = str(path)
    assert sorted(lines) == sorted([
        f"{label}: agents.cunt: unknown key; did you mean 'count'?",
        f"{label}: behaviour.reach.call: out of range (got 1.3, expected 0 <= x <= 1)",
        f"{label}: cadences.default[0].channel: unknown channel (got 'pigeon', expected one of sms, email, "
        "whatsapp, call, letter)",
    ])


def test_problem_in_the_parent_names_the_parent(tmp_path):
    parent = write(tmp_path, (ROOT / "scenarios" / "base.toml").read_text().replace("count = 12", "count = -3"),
                   "parent.toml")
    child = write(tmp_path, 'extends = "parent.toml"\n[money]\nmulta = 0.05\n', "child.toml")
    lines = problems(child)
    assert f"{parent}: agents.count: out of range (got -3, expected 0 <= x <= 100000)" in lines
    assert f"{child}: money.multa: out of range (got 0.05, expected 0 <= x <= 0.02)" in lines


def test_toml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, 'name = "x"\n\n[agents\ncount = 1\n')
    (line,) = problems(path)
    assert line.startswith(f"{path}: TOML syntax error:") and "line 3" in line


@pytest.mark.parametrize("body, expected", [
    ("[escalation]\nagency_day = 400\n",
     "escalation.agency_day: past the horizon (got 400, expected 0 (never) or a day < 180 (calendar.horizon_days))"),
    ("[offers]\ndiscounts = []\n",
     "offers: empty offer catalogue after the business rules (got 0 discounts <= max_discount, "
     "7 installment counts <= max_installments, expected at least one of each)"),
    ("[channels]\nsms = { cost = -1.0 }\n", "channels.sms.cost: out of range (got -1.0, expected 0 <= x <= 1000)"),
    ("[cadences]\nhigh_lat = []\n",
     "cadences.high_lat: unknown segment; did you mean 'high_late'? (got 'high_lat', expected default or one of "),
    ("[escalation]\nletter_day = 30\nnegativacao_day = 35\n",
     "escalation.negativacao_day: listing needs a written notice at least 10 days before (CDC art. 43 §2) "
     "(got 35, expected >= letter_day + 10 = 40)"),
    ("[baseline]\noffers = [{ discount = 0.1, installments = 1, share = 0.7 }]\n",
     "baseline.offers: shares do not sum to 1 (got 0.7, expected 1)"),
    ('[segments.low_early]\nrule = { score = [700, 600] }\n',
     "segments.low_early.rule.score: empty range (got [700, 600], expected [low, high) with low < high)"),
    ("[agents]\ncount = 1.5\n", "agents.count: must be a whole number (got 1.5, expected 0 <= x <= 100000)"),
    ('[calendar]\nstart_date = "tomorrow"\n', "calendar.start_date: must be a date (got 'tomorrow', expected YYYY-MM-DD)"),
])
def test_each_problem_is_caught(tmp_path, body, expected):
    path = write(tmp_path, f'extends = "{ROOT / "scenarios" / "base.toml"}"\n{body}')
    lines = problems(path)
    assert any(line.startswith(f"{path}: {expected}") for line in lines), lines


def test_circular_extends(tmp_path):
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    (line,) = problems(tmp_path / "a.toml")
    assert "circular extends" in line


def test_settings_override_like_set(tmp_path):
    scenario = load_scenario(ROOT / "scenarios" / "base.toml", settings={"agents.count": 99})
    assert scenario.agents.count == 99
    with pytest.raises(InputError) as info:
        load_scenario(ROOT / "scenarios" / "base.toml", settings={"agents.count": -1})
    assert str(info.value.problems[0]) == "--set: agents.count: out of range (got -1, expected 0 <= x <= 100000)"


def test_docs_scenario_md_is_in_sync():
    assert (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8") == render(), \
        "docs/scenario.md is stale: run `python -m scenarios.docgen > docs/scenario.md`"


def test_portfolio_file_is_relative_to_the_file_that_names_it(tmp_path):
    from acordo.cli import main
    parent, child = tmp_path / "parent", tmp_path / "child"
    parent.mkdir()
    child.mkdir()
    assert main(["portfolio", "--n", "50", "--seed", "1", "--out", str(parent / "port.parquet")]) == 0
    write(parent, f'extends = "{ROOT / "scenarios" / "base.toml"}"\n[portfolio]\nfile = "port.parquet"\n', "p.toml")
    leaf = write(child, 'extends = "../parent/p.toml"\n[agents]\ncount = 3\n', "c.toml")
    assert Path(load_scenario(leaf).portfolio.file).resolve() == (parent / "port.parquet").resolve()


# ------------------------------------------------------------------ the first hour with a team's own file


def test_three_mistakes_of_different_kinds_give_three_lines_in_one_run(tmp_path):
    path = write(tmp_path, 'extends = "base"\n[agents]\ncount = -3\n[calendar]\nhorizon_dayz = 90\n'
                           '[segments.low_early]\nrule = { scor = [600, inf], days_past_due = [0, 90], chronic = false }\n')
    with pytest.raises(InputError) as info:
        load_scenario(path, check_columns=True)
    label = str(path)
    assert sorted(str(p) for p in info.value.problems) == sorted([
        f"{label}: agents.count: out of range (got -3, expected 0 <= x <= 100000)",
        f"{label}: calendar.horizon_dayz: unknown key; did you mean 'horizon_days'?",
        f"{label}: segments.low_early.rule.scor: no such portfolio column; did you mean 'score'? (got 'scor')",
    ])


def test_extends_a_bundled_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", 'extends = "base"\n[agents]\ncount = 30\n', "mine.toml")
    write(tmp_path, 'extends = "sub/mine.toml"\n[agents]\nweekday_minutes = 300\n', "child.toml")
    child = load_scenario("child.toml")
    assert child.agents.count == 30 and child.agents.weekday_minutes == 300
    assert child.files[0].endswith("base.toml") and child.files[-1] == "child.toml"
    assert load_scenario(write(tmp_path, 'extends = "base.toml"\n', "plain.toml")).agents.count == 12


def test_extends_a_missing_file_suggests_a_bundled_name(tmp_path):
    (line,) = problems(write(tmp_path, 'extends = "bse"\n'))
    assert line.startswith(f"{tmp_path / 'what_if.toml'}: extends: file not found; did you mean 'base'? (got 'bse'")


def test_extends_chain_too_deep_says_how_deep_is_allowed(tmp_path):
    write(tmp_path, 'extends = "base"\n', "f0.toml")
    for k in range(1, 10):
        write(tmp_path, f'extends = "f{k - 1}.toml"\n', f"f{k}.toml")
    lines = problems(tmp_path / "f9.toml")
    assert len(lines) == 1 and "extends: extends chain too deep (got 9 files, expected at most 8 files in a chain)" in lines[0]


def test_toml_error_at_the_end_of_the_file_names_line_and_column(tmp_path):
    (line,) = problems(write(tmp_path, "[calendar]\nhorizon = ["))
    assert line == (f"{tmp_path / 'what_if.toml'}: TOML syntax error: Invalid value "
                    "(at line 2, column 12, the end of the file)")


def test_a_segment_without_a_cadence_and_no_default_is_a_problem(tmp_path):
    path = write(tmp_path, 'extends = "base"\nreplace = ["segments", "cadences"]\n'
                           '[segments.small]\nrule = { balance = [0, 100] }\n[segments.big]\nrule = { balance = [100, inf] }\n'
                           '[cadences]\nsmall = [{ day = 1, channel = "sms" }]\n')
    lines = problems(path)
    assert f"{path}: cadences: segments without a cadence and no default cadence (got big, expected " \
           'cadences.default = [{ day = 1, channel = "sms" }, ...] or one per segment)' in lines


def test_replace_drops_the_parents_table_even_when_the_child_gives_none(tmp_path):
    path = write(tmp_path, 'extends = "base"\nreplace = ["cadences"]\n[cadences]\ndefault = [{ day = 1, channel = "sms" }]\n')
    assert set(load_scenario(path).cadences) == {"default"}


def test_a_problem_in_a_childs_replaced_list_names_the_child(tmp_path):
    path = write(tmp_path, 'extends = "base"\n[offers]\ndiscounts = [0.0, 1.5]\n'
                           '[cadences]\ndefault = [{ day = 1, channel = "sms" }, { day = 999, channel = "sms" }]\n')
    lines = problems(path)
    assert lines and all(line.startswith(f"{path}: ") for line in lines), lines


def test_added_segments_that_overlap_the_parents_get_the_replace_hint(tmp_path):
    from scenarios.inputs import load_inputs
    path = write(tmp_path, 'extends = "base"\n[segments.everyone]\nrule = { balance = [0, inf] }\n')
    scenario = load_scenario(path)
    with pytest.raises(InputError) as info:
        load_inputs(scenario)
    (line,) = [str(p) for p in info.value.problems]
    assert "debtors in more than one segment" in line
    assert 'add replace = ["segments", "cadences"] next to extends' in line


def test_start_date_defaults_to_the_next_business_day_and_bundled_pins_are_not_inherited(tmp_path, monkeypatch):
    import datetime as dt
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 12, 24, 12, tzinfo=dt.timezone.utc).timestamp())))
    assert load_scenario(ROOT / "scenarios" / "base.toml").calendar.start_date == dt.date(2026, 1, 5)  # pinned
    mine = load_scenario(write(tmp_path, 'extends = "base"\n'))
    assert mine.calendar.start_date == dt.date(2026, 12, 28)  # 25 Dec is a holiday, then the weekend
    assert mine.origin["calendar.start_date"] == "default: the next business day after 2026-12-24"
    pinned = load_scenario(write(tmp_path, 'extends = "base"\n[calendar]\nstart_date = 2027-03-01\n', "p.toml"))
    assert pinned.calendar.start_date == dt.date(2027, 3, 1)


def test_money_currency_takes_iso_codes(tmp_path):
    assert load_scenario(write(tmp_path, 'extends = "base"\n[money]\ncurrency = "USD"\n')).money.currency == "USD"
    (line,) = problems(write(tmp_path, 'extends = "base"\n[money]\ncurrency = "usd"\n', "bad.toml"))
    assert line.endswith("money.currency: unknown currency; did you mean 'USD'? (got 'usd', expected an ISO 4217 "
                         "code such as BRL, USD or EUR)")


def test_a_key_missing_in_a_childs_shorter_list_is_blamed_on_the_child(tmp_path):
    path = write(tmp_path, 'extends = "base"\n[cadences]\ndefault = [{ day = 1, channel = "sms" }, { channel = "sms" }]\n')
    lines = problems(path)
    assert lines == [f"{path}: cadences.default[1].day: required key missing (expected whole number)"]


def test_the_resolved_start_date_is_part_of_the_digest(tmp_path, monkeypatch):
    import datetime as dt
    path = write(tmp_path, 'extends = "base"\n')
    digests = set()
    for day in (1, 2):
        stamp = dt.datetime(2026, 12, day, 12, tzinfo=dt.timezone.utc).timestamp()
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(stamp)))
        digests.add(load_scenario(path).digest)
    assert len(digests) == 2  # a coefficient cache keyed by the digest cannot serve another start date
