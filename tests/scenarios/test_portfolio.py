"""Portfolio loading, validation and pseudonyms."""
from __future__ import annotations

import hashlib
import hmac
import re

import polars as pl
import pytest

from scenarios.errors import InputError
from scenarios.portfolio import (
    REQUIRED_COLUMNS,
    UF_CODES,
    Portfolio,
    load_portfolio,
    validate_frame,
)
from scenarios.pseudonym import DEFAULT_KEY, KEY_ENV_VAR, pseudonym_key, pseudonymise

KEY = b"test-key"
CPF_A, CPF_B, CPF_C, CPF_D = "123.456.789-09", "987.654.321-00", "111.444.777-35", "529.982.247-25"
CPFS = (CPF_A, CPF_B, CPF_C, CPF_D)


@pytest.fixture(autouse=True)
def _test_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, KEY.decode())


def ps(raw: str) -> str:
    """The expected pseudonym of one id under the test key."""
    return "p_" + hmac.new(KEY, raw.encode(), hashlib.sha256).hexdigest()[:16]


def write(tmp_path, text: str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path, **kwargs) -> list[str]:
    """Load ``path`` expecting failure; the messages, one per problem."""
    kwargs.setdefault("file_label", "p.csv")
    with pytest.raises(InputError) as info:
        load_portfolio(path, **kwargs)
    lines = [str(p) for p in info.value.problems]
    assert str(info.value) == "\n".join(lines)
    return lines


# ------------------------------------------------------------------ valid input


def test_valid_csv_is_normalised(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due,state,score,prior_delinquencies,has_phone,has_email,has_whatsapp,segment\n"
        f"{CPF_A},100.50,30,rj,500,2,sim,NÃO,1,x\n"
        f"{CPF_B}, 20 ,0,,,,,no,Yes,y\n"
    ))
    pf = load_portfolio(path, default_state="MG")
    assert isinstance(pf, Portfolio)
    assert pf.source == str(path)
    assert pf.n == 2 and pf.total_balance == pytest.approx(120.5)
    assert pf.frame.schema == pl.Schema({
        "debtor_id": pl.String, "balance": pl.Float64, "days_past_due": pl.Int64,
        "state": pl.String, "score": pl.Float64, "prior_delinquencies": pl.Int64,
        "has_phone": pl.Boolean, "has_email": pl.Boolean, "has_whatsapp": pl.Boolean,
        "segment": pl.String,
    })
    assert pf.frame.to_dicts() == [
        {"debtor_id": CPF_A, "balance": 100.5, "days_past_due": 30, "state": "RJ", "score": 500.0,
         "prior_delinquencies": 2, "has_phone": True, "has_email": False, "has_whatsapp": True,
         "segment": "x"},
        {"debtor_id": CPF_B, "balance": 20.0, "days_past_due": 0, "state": "MG", "score": None,
         "prior_delinquencies": 0, "has_phone": True, "has_email": False, "has_whatsapp": True,
         "segment": "y"},
    ]
    text = pf.summary()
    assert "2 debtors" in text and "R$ 120.50" in text
    assert CPF_A not in text and CPF_B not in text


def test_optional_columns_get_defaults(tmp_path):
    path = write(tmp_path, f"debtor_id,balance,days_past_due\n{CPF_A},10,5\n")
    frame = load_portfolio(path, default_state="BA").frame
    assert frame.row(0, named=True) == {
        "debtor_id": CPF_A, "balance": 10.0, "days_past_due": 5, "state": "BA", "score": None,
        "prior_delinquencies": 0, "has_phone": True, "has_email": True, "has_whatsapp": True,
    }


def test_parquet_with_native_types(tmp_path):
    df = pl.DataFrame({
        "debtor_id": [11, 12], "balance": [10, 20], "days_past_due": [3.0, 4.0],
        "has_email": [1, 0], "has_phone": [True, None], "region": ["N", "S"],
    })
    df.write_parquet(tmp_path / "p.parquet")
    frame = load_portfolio(tmp_path / "p.parquet").frame
    assert frame["debtor_id"].to_list() == ["11", "12"]
    assert frame["balance"].dtype == pl.Float64
    assert frame["days_past_due"].to_list() == [3, 4]
    assert frame["has_email"].to_list() == [True, False]
    assert frame["has_phone"].to_list() == [True, True]
    assert frame["state"].to_list() == ["SP", "SP"]
    assert frame.columns[-1] == "region"


def test_windows_1252_csv_is_accepted(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(f"debtor_id,balance,days_past_due,has_email\n{CPF_A},10,3,não\n".encode("cp1252"))
    assert load_portfolio(path).frame["has_email"].to_list() == [False]


def test_validate_frame_in_memory():
    df = pl.DataFrame({"debtor_id": ["a", "b"], "balance": [1.0, 2.0], "days_past_due": [0, 9]})
    pf = validate_frame(df, "memory", "RS")
    assert pf.source == "memory" and pf.frame["state"].to_list() == ["RS", "RS"]


def test_uf_codes():
    assert len(UF_CODES) == 27 == len(set(UF_CODES))
    assert {"SP", "RJ", "MG", "DF", "TO"} <= set(UF_CODES)
    assert REQUIRED_COLUMNS == ("debtor_id", "balance", "days_past_due")


def test_bad_default_state_names_parameter(tmp_path):
    path = write(tmp_path, f"debtor_id,balance,days_past_due\n{CPF_A},10,5\n")
    with pytest.raises(ValueError, match="default_state"):
        load_portfolio(path, default_state="XX")


# ------------------------------------------------------------------ exact messages


def at(line: int, raw_id: str) -> str:
    """How a CSV row is named in a message: its line in the file and its pseudonym."""
    return f"line {line} ({ps(raw_id)})"


def test_negative_balance(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due\n"
        f"{CPF_A},-10,1\n{CPF_B},5,1\n{CPF_C},0,1\n"
    ))
    assert problems(path) == [
        f"p.csv: balance: 2 rows not positive, first {at(2, CPF_A)}, {at(4, CPF_C)} (got -10.0, 0.0, expected > 0)",
    ]


def test_duplicated_ids(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due\n"
        f"{CPF_B},1,1\n{CPF_A},1,1\n{CPF_B},1,1\n{CPF_A},1,1\n{CPF_B},1,1\n{CPF_C},1,1\n"
    ))
    assert problems(path) == [
        f"p.csv: debtor_id: 2 ids duplicated, first {ps(CPF_B)}, {ps(CPF_A)} "
        "(got 5 rows with them, expected each id once)",
    ]


def test_empty_id_is_named_by_row(tmp_path):
    path = write(tmp_path, f"debtor_id,balance,days_past_due\n{CPF_A},1,1\n  ,1,1\n")
    assert problems(path) == ["p.csv: debtor_id: 1 row empty, first line 3 (expected a non-empty id)"]


def test_missing_balance_still_reports_other_columns(tmp_path):
    path = write(tmp_path, (
        "debtor_id,days_past_due,state\n"
        f"{CPF_A},-3,SP\n{CPF_B},4,ZZ\n{CPF_A},5,RJ\n"
    ))
    assert problems(path) == [
        "p.csv: balance: required column missing "
        "(got columns debtor_id, days_past_due, state, expected balance)",
        f"p.csv: debtor_id: 1 id duplicated, first {ps(CPF_A)} (got 2 rows with them, expected each id once)",
        f"p.csv: days_past_due: 1 row negative, first {at(2, CPF_A)} (got -3, expected >= 0)",
        f"p.csv: state: 1 row unknown UF code, first {at(3, CPF_B)} "
        "(got 'ZZ', expected a two-letter UF code such as SP, RJ or MG)",
    ]


def test_missing_id_column_names_rows(tmp_path):
    path = write(tmp_path, "balance,days_past_due\n-1,1\n")
    assert problems(path) == [
        "p.csv: debtor_id: required column missing (got columns balance, days_past_due, expected debtor_id)",
        "p.csv: balance: 1 row not positive, first line 2 (got -1.0, expected > 0)",
    ]


def test_unknown_uf(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due,state\n"
        f"{CPF_A},1,1,sp\n{CPF_B},1,1,XX\n{CPF_C},1,1,São Paulo\n{CPF_D},1,1,BR\n"
    ))
    assert problems(path) == [
        f"p.csv: state: 3 rows unknown UF code, first {at(3, CPF_B)}, {at(4, CPF_C)}, {at(5, CPF_D)} "
        "(got 'XX', 'São Paulo', 'BR', expected a two-letter UF code such as SP, RJ or MG)",
    ]


def test_bad_booleans(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due,has_phone,has_email,has_whatsapp\n"
        f"{CPF_A},1,1,SIM,talvez,1\n{CPF_B},1,1,Não,y,2\n{CPF_C},1,1,nao,FALSE,0\n"
    ))
    assert problems(path) == [
        f"p.csv: has_email: 2 rows not a boolean, first {at(2, CPF_A)}, {at(3, CPF_B)} "
        "(got 'talvez', 'y', expected true/false, 1/0, yes/no or sim/não)",
        f"p.csv: has_whatsapp: 1 row not a boolean, first {at(3, CPF_B)} "
        "(got '2', expected true/false, 1/0, yes/no or sim/não)",
    ]


def test_wrong_types(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due,score,prior_delinquencies\n"
        f"{CPF_A},abc,1.5,alto,1\n{CPF_B},1e3,2.0,inf,x\n{CPF_C},\"1,5\",tres,500,\n{CPF_D},,,,\n"
    ))
    assert problems(path) == [
        f"p.csv: balance: 2 rows not a number, first {at(2, CPF_A)}, {at(4, CPF_C)} "
        "(got 'abc', '1,5', expected a finite number)",
        f"p.csv: balance: 1 row empty, first {at(5, CPF_D)} (expected a number)",
        f"p.csv: days_past_due: 2 rows not a whole number, first {at(2, CPF_A)}, {at(4, CPF_C)} "
        "(got '1.5', 'tres', expected a whole number)",
        f"p.csv: days_past_due: 1 row empty, first {at(5, CPF_D)} (expected a whole number)",
        f"p.csv: score: 2 rows not a number, first {at(2, CPF_A)}, {at(3, CPF_B)} "
        "(got 'alto', 'inf', expected a finite number)",
        f"p.csv: prior_delinquencies: 1 row not a whole number, first {at(3, CPF_B)} "
        "(got 'x', expected a whole number)",
    ]


def test_ranges(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due,score,prior_delinquencies\n"
        f"{CPF_A},1,-1,1001,-2\n{CPF_B},1,0,-0.5,0\n{CPF_C},1,720,1000,7\n"
    ))
    assert problems(path) == [
        f"p.csv: days_past_due: 1 row negative, first {at(2, CPF_A)} (got -1, expected >= 0)",
        f"p.csv: score: 2 rows outside 0..1000, first {at(2, CPF_A)}, {at(3, CPF_B)} "
        "(got 1001.0, -0.5, expected 0 <= score <= 1000)",
        f"p.csv: prior_delinquencies: 1 row negative, first {at(2, CPF_A)} (got -2, expected >= 0)",
    ]


def test_only_three_rows_are_named(tmp_path):
    rows = "".join(f"{i:011d},-{i + 1},1\n" for i in range(10))
    msg = problems(write(tmp_path, "debtor_id,balance,days_past_due\n" + rows))[0]
    assert msg.startswith("p.csv: balance: 10 rows not positive, first ")
    assert msg.endswith("(got -1.0, -2.0, -3.0, expected > 0)")
    assert len(re.findall(r"p_[0-9a-f]{16}", msg)) == 3


@pytest.mark.parametrize(("content", "expected"), [
    ("", "p.csv: file is empty (got 0 bytes, expected a header row and rows)"),
    ("debtor_id,balance,days_past_due\n", "p.csv: no rows (got 0 rows, expected one row per debtor)"),
    ("debtor_id,balance,days_past_due\n1,2,3,4\n",
     "p.csv: a line has more fields than the header (expected fields separated by ',', one record per line)"),
])
def test_file_level_problems(tmp_path, content, expected):
    assert problems(write(tmp_path, content)) == [expected]


def test_missing_file_and_bad_suffix(tmp_path):
    assert problems(tmp_path / "none.csv") == ["p.csv: file not found (expected an existing file)"]
    path = write(tmp_path, "x", name="p.docx")
    assert problems(path) == ["p.csv: unknown file type (got '.docx', expected a .csv, .xlsx or .parquet file)"]
    (tmp_path / "dir.csv").mkdir()
    assert problems(tmp_path / "dir.csv") == ["p.csv: not a file (got a directory, expected a table file)"]


def test_unreadable_parquet(tmp_path):
    path = write(tmp_path, f"{CPF_A} is not parquet", name="p.parquet")
    (msg,) = problems(path)
    assert re.fullmatch(r"p\.csv: could not be read as Parquet \(got \w+, expected a readable Parquet file\)", msg)


def test_default_label_is_the_path(tmp_path):
    path = write(tmp_path, "debtor_id,balance,days_past_due\na,-1,1\n")
    with pytest.raises(InputError) as info:
        load_portfolio(path)
    assert str(info.value).startswith(f"{path}: balance: ")


def test_no_raw_id_in_any_message(tmp_path):
    header = "debtor_id,balance,days_past_due,state,score,prior_delinquencies,has_phone,note\n"
    rows = [
        f"{CPF_A},-1,-1,XX,2000,-1,talvez,{CPF_A}",
        f"{CPF_A},abc,x,,y,z,2,n",
        f"{CPF_B},{CPF_C},{CPF_D},{CPF_B},{CPF_C},{CPF_D},{CPF_A},n",
        f"{CPF_C},0,1.5,BR,,,,n",
        f"{CPF_D},1,1,SP,1,1,1,n",
    ]
    path = write(tmp_path, header + "\n".join(rows) + "\n")
    text = "\n".join(problems(path))
    for column in ("debtor_id", "balance", "days_past_due", "state", "score",
                   "prior_delinquencies", "has_phone"):
        assert f"p.csv: {column}: " in text
    for cpf in CPFS:
        assert cpf not in text
        assert cpf.replace(".", "").replace("-", "") not in text
    assert "<a debtor id>" in text


def test_cpf_like_values_in_other_columns_are_hidden(tmp_path):
    path = write(tmp_path, (
        "debtor_id,balance,days_past_due,score,state\n"
        f"a1,{CPF_A},1,12345678909,{CPF_B}\n"
    ))
    assert problems(path) == [
        f"p.csv: balance: 1 row not a number, first {at(2, 'a1')} (got <hidden long number>, expected a finite number)",
        f"p.csv: state: 1 row unknown UF code, first {at(2, 'a1')} "
        "(got <hidden long number>, expected a two-letter UF code such as SP, RJ or MG)",
        f"p.csv: score: 1 row outside 0..1000, first {at(2, 'a1')} "
        "(got <hidden long number>, expected 0 <= score <= 1000)",
    ]


# ------------------------------------------------------------------ pseudonyms


def test_pseudonym_is_stable_keyed_and_shaped():
    ids = [CPF_A, CPF_B, CPF_A]
    first = pseudonymise(ids, key=b"k1")
    assert first == pseudonymise(ids, key=b"k1")
    assert first[0] == first[2] != first[1]
    assert all(re.fullmatch(r"p_[0-9a-f]{16}", p) for p in first)
    assert pseudonymise(ids, key=b"k2") != first
    assert first[0] == "p_" + hmac.new(b"k1", CPF_A.encode(), hashlib.sha256).hexdigest()[:16]
    long_key = b"x" * 100  # longer than the SHA-256 block
    assert pseudonymise([CPF_A], key=long_key)[0] == \
        "p_" + hmac.new(long_key, CPF_A.encode(), hashlib.sha256).hexdigest()[:16]


def test_pseudonym_key_from_environment(monkeypatch):
    assert pseudonym_key() == KEY
    assert pseudonymise([CPF_A]) == [ps(CPF_A)]
    monkeypatch.delenv(KEY_ENV_VAR)
    assert pseudonym_key() == DEFAULT_KEY
    assert pseudonymise([CPF_A]) != [ps(CPF_A)]


def test_pseudonymise_series_keeps_name_and_nulls():
    out = pseudonymise(pl.Series("debtor_id", [CPF_A, None]))
    assert out.name == "debtor_id" and out.dtype == pl.String
    assert out.to_list() == [ps(CPF_A), None]
    assert pseudonymise(pl.Series([123])).to_list() == pseudonymise(["123"]) == [ps("123")]
    with pytest.raises(TypeError, match="key"):
        pseudonymise([CPF_A], key="text")  # type: ignore[arg-type]


def test_misspelt_required_column_gets_a_hint(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("debtor_id,balanse,days_past_due\nA,10.0,2\n")
    with pytest.raises(InputError) as info:
        load_portfolio(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: balance: required column missing; is 'balanse' it, misspelt? "
        "(got columns debtor_id, balanse, days_past_due, expected balance)"]
