"""The generic table reader: CSV dialects, encodings, Excel, Parquet, line numbers, refusals."""
from __future__ import annotations

import polars as pl
import pytest

from scenarios.errors import InputError
from scenarios.tables import detect_decimal, parse_numbers, read_table

PLAIN = (
    "debtor_id,balance,days_past_due,state,limit_bal,months_late,flag,nome\n"
    "00123,1234.56,30,SP,200000,1,true,José\n"
    "98765432100,10.5,12,RJ,1000,2,false,Conceição\n"
    "\n"
    "A-7,3,4,MG,5,3,sim,Ana\n"
)
BRAZIL = (
    "debtor_id;balance;days_past_due;state;limit_bal;months_late;flag;nome\n"
    "00123;1.234,56;30;SP;200000;1;true;José\n"
    "98765432100;10,5;12;RJ;1000;2;false;Conceição\n"
    "\n"
    "A-7;3;4;MG;5;3;sim;Ana\n"
)
SCHEMA = {"debtor_id": "text"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("tables")
    (d / "plain.csv").write_text(PLAIN, encoding="utf-8")
    (d / "brazil.csv").write_bytes(BRAZIL.encode("latin-1"))
    (d / "windows.csv").write_bytes(BRAZIL.replace("Ana", "Ana €").encode("cp1252"))
    return d


@pytest.fixture(scope="module")
def plain(files):
    return read_table(files / "plain.csv", schema=SCHEMA)


def test_plain_csv_types_and_lines(plain):
    f = plain.frame
    assert f.schema == {"debtor_id": pl.String, "balance": pl.Float64, "days_past_due": pl.Int64,
                        "state": pl.String, "limit_bal": pl.Int64, "months_late": pl.Int64,
                        "flag": pl.Boolean, "nome": pl.String}
    assert f["debtor_id"].to_list() == ["00123", "98765432100", "A-7"]  # ids kept as text
    assert plain.lines.tolist() == [2, 3, 5]  # the blank line 4 is skipped, not renumbered
    assert plain.where(f["balance"] < 100) == "lines 3, 5"
    assert (plain.sep, plain.decimal, plain.encoding) == (",", ".", "utf-8")


def test_latin1_semicolon_decimal_comma_is_the_same_frame(files, plain):
    t = read_table(files / "brazil.csv", schema=SCHEMA)
    assert (t.sep, t.decimal, t.encoding) == (";", ",", "cp1252")
    assert t.frame.equals(plain.frame)
    assert t.lines.tolist() == [2, 3, 5]


def test_windows_1252_euro_sign(files):
    t = read_table(files / "windows.csv", schema=SCHEMA)
    assert t.frame["nome"][-1] == "Ana €"


def test_xlsx_is_the_same_frame(files, plain, tmp_path):
    path = tmp_path / "carteira.xlsx"
    pl.read_csv(files / "plain.csv", infer_schema=False).write_excel(path, worksheet="carteira")
    t = read_table(path, schema=SCHEMA)
    assert t.frame.equals(plain.frame)
    assert t.sheet == "carteira" and t.line_word == "row"
    assert t.lines.tolist() == [2, 3, 5]
    assert read_table(path, schema=SCHEMA, sheet="1").frame.equals(plain.frame)
    with pytest.raises(InputError) as err:
        read_table(path, sheet="dados")
    assert str(err.value) == (f"{path}: --sheet: no such sheet (got 'dados', expected one of 'carteira' "
                              "or a number from 1)")


def test_parquet_rows_counted_from_one(plain, tmp_path):
    path = tmp_path / "p.parquet"
    plain.frame.write_parquet(path)
    t = read_table(path)
    assert t.frame.equals(plain.frame) and t.lines.tolist() == [1, 2, 3]


def test_forced_options(files):
    t = read_table(files / "brazil.csv", sep=";", decimal=",", encoding="latin-1", schema=SCHEMA)
    assert t.frame["balance"].to_list() == [1234.56, 10.5, 3.0]
    assert t.encoding == "latin-1"


def test_quoted_line_breaks_keep_line_numbers(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,note,x\n1,"two\nlines",5\n2,"a ""quote""",6\n3,plain,7\n')
    t = read_table(path)
    assert t.lines.tolist() == [2, 4, 5]
    assert t.frame["note"].to_list() == ["two\nlines", 'a "quote"', "plain"]


def test_declared_columns_report_invalid_cells(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,amount\n1,10\n2,abc\n3,\n4,7.5\n")
    t = read_table(path, schema={"id": "text", "amount": "number"})
    assert t.frame["amount"].to_list() == [10.0, None, None, 7.5]
    assert t.where(t.invalid["amount"]) == "line 3"
    assert t.raw["amount"][1] == "abc"


def test_inference_keeps_mixed_and_leading_zero_columns_as_text(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("cep,mixed,ratio\n01310,1,0.5\n20000,x,1.5\n")
    f = read_table(path).frame
    assert f.schema == {"cep": pl.String, "mixed": pl.String, "ratio": pl.Float64}


def test_decimal_detection_and_parsing():
    df = pl.DataFrame({"a": ["1.234,56", "3"], "b": ["x", None]})
    assert detect_decimal(df) == ","
    assert detect_decimal(pl.DataFrame({"a": ["1.234", "2"]}), default=",") == ","  # undecided
    assert detect_decimal(pl.DataFrame({"a": ["2.50"]}), default=",") == "."
    s = pl.Series("v", ["1.234,56", "R$ 10,00", "-3", "1,2,3", "abc"])
    assert parse_numbers(s, ",").to_list() == [1234.56, 10.0, -3.0, None, None]
    assert parse_numbers(pl.Series("v", ["1,234.5", "1e3", ".5"]), ".").to_list() == [1234.5, 1000.0, 0.5]


@pytest.mark.parametrize("content, message", [
    ("a,b\n1,2\n".encode("utf-16"), "not a text file we can read: UTF-16 text (expected CSV text in UTF-8, "
                                     "Latin-1 or Windows-1252)"),
    (b"a,b\n\x00\x01\x02\x03,1\n", "not a text file we can read: binary or UTF-16 content (NUL bytes) "
                                   "(expected CSV text in UTF-8, Latin-1 or Windows-1252)"),
    (b"a,b\n\x01\x02,12345678901\n", "not a text file: it contains control characters (expected CSV text in "
                                     "UTF-8, Latin-1 or Windows-1252)"),
    (b"PK\x03\x04rest", "not a CSV file: it is a zip archive or an Excel workbook (expected CSV text, or name "
                        "it .xlsx)"),
    (b"PAR1\x15\x04rest", "not a CSV file: it is a Parquet file (expected CSV text in UTF-8, Latin-1 or "
                          "Windows-1252)"),
    (b"%PDF-1.4\n", "not a CSV file: it is a PDF document (expected CSV text in UTF-8, Latin-1 or Windows-1252)"),
    (b"", "file is empty (got 0 bytes, expected a header row and rows)"),
    (b"id,x,id\n12345678901,1,2\n", "duplicated column names in the header (got 'id', expected each column once)"),
    (b"id,,x\n1,2,3\n", "header has a column without a name (got column 2, expected a name for every column)"),
    (b"id,x\n12345678901,1,2\n", "a line has more fields than the header (expected fields separated by ',', "
                                 "one record per line)"),
])
def test_refusals_name_the_problem_never_the_values(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_table(path)
    assert str(err.value) == f"{path}: {message}"
    assert "12345678901" not in str(err.value)


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "x.json")
    assert str(err.value) == f"{tmp_path / 'x.json'}: unknown file type (got '.json', expected a .csv, .xlsx " \
                             "or .parquet file)"
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "x.csv", label="x.csv")
    assert str(err.value) == "x.csv: file not found (expected an existing file)"


def test_one_detector_for_csv_and_scenario_files():
    """The CSV reader and the scenario/policy check read the same bytes the same way (scenarios.textfiles)."""
    from scenarios.textfiles import binary_kind, sniff
    for head, code in [(b"PK\x03\x04x", "zip"), ("a,b".encode("utf-16"), "utf16"), (b"a\x00b\x00c\x00d\x00", "utf16_nul"),
                       (b"a,b\n\x00\x01\x02\x03,1\n", "nul"), (b"PAR1xx", "parquet")]:
        assert sniff(head) == sniff(head, strict=True) == code
        assert binary_kind(head) is not None
    # a stray control character: the CSV reader refuses it, a scenario is left to its TOML parser
    assert sniff(b"a,b\n\x01\x02,1\n", strict=True) == "control" and sniff(b"a,b\n\x01\x02,1\n") is None
    assert sniff(b"name = 'x'\n\tk = 1\r\n", strict=True) is None
