"""The team's own portfolio columns: typed from CSV, declared by the scenario, rules that fit."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from scenarios.errors import InputError
from scenarios.inputs import load_inputs
from scenarios.loader import load_scenario
from scenarios.portfolio import load_portfolio

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "base.toml"
ROWS = [("a1", 100.0, 30, 1, 200000, "A"), ("a2", 200.0, 60, 2, 50000, "B"), ("a3", 300.0, 90, 4, 10000, "A"),
        ("a4", 400.0, 10, 1, 900000, "B"), ("a5", 500.0, 5, 3, 0, "C")]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "book.csv"
    lines = ["debtor_id,balance,days_past_due,months_late,limit_bal,product_code"]
    lines += [",".join(str(v) for v in row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _scenario(tmp_path: Path, rules: dict[str, str], extra: str = "") -> Path:
    text = f'extends = "{BASE}"\nreplace = ["segments", "cadences"]\n{extra}\n'
    for name, rule in rules.items():
        text += f"[segments.{name}]\nrule = {{ {rule} }}\n"
    text += '[cadences]\ndefault = [{ day = 1, channel = "sms" }]\n'
    path = tmp_path / "own.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_numeric_own_columns_are_typed_from_csv(tmp_path):
    frame = load_portfolio(_csv(tmp_path)).frame
    assert frame.schema["months_late"] == pl.Int64
    assert frame.schema["limit_bal"] == pl.Int64
    assert frame.schema["product_code"] == pl.String


def test_csv_with_numeric_own_columns_segments_correctly(tmp_path):
    scenario = load_scenario(_scenario(tmp_path, {"early": "months_late = [0, 2]", "late": "months_late = [2, inf]"}))
    inputs = load_inputs(scenario, _csv(tmp_path))
    assert inputs.segment_counts(scenario) == {"early": 2, "late": 3}
    # the same rules on the same book saved as Parquet give the same segments
    parquet = tmp_path / "book.parquet"
    load_portfolio(_csv(tmp_path)).frame.write_parquet(parquet)
    assert load_inputs(scenario, parquet).segment_index.tolist() == inputs.segment_index.tolist()


def test_a_scenario_declares_a_column_type(tmp_path):
    declared = '[portfolio]\ncolumns = { limit_bal = "number", months_late = "text" }'
    scenario = load_scenario(_scenario(tmp_path, {"one": 'months_late = ["1"]', "rest": 'months_late = ["2", "3", "4"]'},
                                       declared))
    inputs = load_inputs(scenario, _csv(tmp_path))
    assert inputs.portfolio.frame.schema["limit_bal"] == pl.Float64
    assert inputs.segment_counts(scenario) == {"one": 2, "rest": 3}


def test_a_rule_that_does_not_fit_its_column_is_a_problem_with_a_hint(tmp_path):
    scenario = load_scenario(_scenario(tmp_path, {"low": 'months_late = ["1", "2"]', "high": "product_code = [0, 5]"}))
    with pytest.raises(InputError) as info:
        load_inputs(scenario, _csv(tmp_path))
    lines = [str(p) for p in info.value.problems]
    label = scenario.source
    assert lines == [
        f"{label}: segments.low.rule.months_late: a list of texts on a integer column (got ['1', '2'], expected a "
        "range such as [1, 3] (from 1, below 3), or declare its type: [portfolio] columns = { months_late = \"text\" })",
        f"{label}: segments.high.rule.product_code: a numeric range on a text column (got [0.0, 5.0], expected a list "
        "of texts, or declare its type: [portfolio] columns = { product_code = \"number\" } when it holds numbers)",
    ]


def test_a_declared_type_that_does_not_fit_names_the_lines(tmp_path):
    with pytest.raises(InputError) as info:
        load_portfolio(_csv(tmp_path), column_types={"product_code": "integer"})
    (line,) = [str(p) for p in info.value.problems]
    assert line.startswith(f"{tmp_path / 'book.csv'}: product_code: 5 rows not an integer, first line 2 (p_")
    assert "line 3 (p_" in line and "line 4 (p_" in line


def _frames_equal(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.schema == b.schema
    assert a.equals(b), (a, b)


def test_brazilian_csv_and_xlsx_load_to_the_same_frame_as_the_plain_csv(tmp_path):
    import xlsxwriter
    plain = load_portfolio(_csv(tmp_path)).frame
    rows = [("a1", "100,00", "30", "1", "200.000", "A", "São Paulo"), ("a2", "200,00", "60", "2", "50.000", "B", "Maceió"),
            ("a3", "300,00", "90", "4", "10.000", "A", "Goiânia"), ("a4", "400,00", "10", "1", "900.000", "B", "Belém"),
            ("a5", "500,00", "5", "3", "0", "C", "Cuiabá")]
    header = "debtor_id;balance;days_past_due;months_late;limit_bal;product_code;city"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(("\r\n".join([header] + [";".join(r) for r in rows]) + "\r\n").encode("cp1252"))
    brazil = load_portfolio(latin).frame
    _frames_equal(brazil.drop("city"), plain)
    assert brazil["city"].to_list()[0] == "São Paulo"
    book = tmp_path / "book.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        ws = wb.add_worksheet("carteira")
        ws.write_row(0, 0, header.split(";")[:-1])
        for i, row in enumerate(ROWS, start=1):
            ws.write_row(i, 0, row)
    _frames_equal(load_portfolio(book).frame, plain)
    _frames_equal(load_portfolio(book, sheet="carteira").frame, plain)


def test_bad_rows_of_a_workbook_are_named_by_sheet_row(tmp_path):
    import xlsxwriter
    book = tmp_path / "bad.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["debtor_id", "balance", "days_past_due"])
        ws.write_row(1, 0, ["a1", 10, 1])
        ws.write_row(2, 0, ["a2", -5, 1])
    with pytest.raises(InputError) as info:
        load_portfolio(book)
    (line,) = [str(p) for p in info.value.problems]
    assert "balance: 1 row not positive, first row 3 (p_" in line
