"""Reading histories: a good one round-trips; each bad one gets its exact message, never a raw id."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from scenarios.errors import InputError
from scenarios.history import read_history
from scenarios.pseudonym import pseudonymise

CPF1, CPF2, CPF3 = "12345678909", "98765432100", "11122233344"
P1, P2, P3 = pseudonymise([CPF1, CPF2, CPF3])

GOOD = {
    "accounts": (
        "debtor_id,entry_date,balance,days_past_due,state,score,segment_code\n"
        f"{CPF1},2025-01-10,1000.00,30,SP,550,A\n"
        f"{CPF2},2025-02-01,250.50,45,rj,,B\n"
        f"{CPF1},2025-06-01,400.00,31,SP,540,A\n"  # a re-entry: same debtor, later entry
        f"{CPF3},2025-03-15,80,10,MG,700,C\n"
    ),
    "payments": (
        "debtor_id,date,amount\n"
        f"{CPF2},2025-02-20,250.50\n"        # clears the balance outside an agreement: self-cure
        f"{CPF1},2025-02-15,300.00\n"        # inside the agreement of 2025-02-01
        f"{CPF1},2025-03-15,300.00\n"
        f"{CPF3},2025-04-01,20\n"            # partial
        f"{CPF1},2025-07-01,400\n"           # the second account's self-cure
    ),
    "contacts": (
        "debtor_id,date,channel,reached,engaged,opted_out,minutes\n"
        f"{CPF1},2025-01-20,call,true,true,false,4.5\n"
        f"{CPF1},2025-01-25,SMS,1,0,0,\n"
        f"{CPF2},2025-02-02,whatsapp,sim,não,,\n"
    ),
    "offers": (
        "debtor_id,date,discount,installments,down_payment_share,accepted\n"
        f"{CPF1},2025-02-01,0.1,3,0.1,true\n"
        f"{CPF2},2025-02-02,0.2,1,0,false\n"
    ),
    "agreements": (
        "debtor_id,date,discount,installments,status,status_date\n"
        f"{CPF1},2025-02-01,0.1,3,kept,2025-04-15\n"
    ),
    "events": (
        "debtor_id,date,kind\n"
        f"{CPF3},2025-05-01,negativação\n"
    ),
}


def write(folder, tables: dict[str, str], **replace: str):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**tables, **replace}.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text)
    return folder


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    folder = write(tmp_path_factory.mktemp("good"), GOOD)
    return folder, read_history(folder)


def test_good_history_reads(good):
    _, h = good
    assert h.as_of == dt.date(2025, 7, 1) and h.first_date == dt.date(2025, 1, 10)
    assert h.n_accounts == 4 and h.n_debtors == 3
    acc = h.accounts
    assert acc["debtor_id"].to_list() == [P1, P2, P1, P3]
    assert acc["state"].to_list() == ["SP", "RJ", "SP", "MG"]
    assert acc["segment_code"].to_list() == ["A", "B", "A", "C"]  # other columns carried
    assert h.payments["kind"].to_list() == ["self_cure", "agreement", "agreement", "partial", "self_cure"]
    assert h.payments["account"].to_list() == [1, 0, 0, 3, 2]  # the re-entry gets its own account
    assert h.contacts["channel"].to_list() == ["call", "sms", "whatsapp"]
    assert h.contacts["reached"].to_list() == [True, True, True]
    assert h.contacts["engaged"].to_list() == [True, False, False]
    assert h.events["kind"].to_list() == ["negativacao"]
    assert h.lines["payments"].tolist() == [2, 3, 4, 5, 6]
    assert h.month_level == frozenset()
    text = h.summary()
    assert CPF1 not in text and "4 accounts of 3 debtors" in text


def test_parquet_round_trip(good, tmp_path):
    """Written back as Parquet (pseudonyms as ids), the history reads to the same tables."""
    _, h = good
    for name, frame in h.tables.items():
        frame.drop("account", "kind_inferred", strict=False).write_parquet(tmp_path / f"{name}.parquet")
    again = read_history(tmp_path)
    for name, frame in h.tables.items():
        assert again.tables[name].drop("kind_inferred", strict=False).equals(
            frame.drop("kind_inferred", strict=False)), name
    assert again.as_of == h.as_of


def test_brazilian_csv_and_month_level_dates(tmp_path):
    acc = ("debtor_id;entry_date;balance;days_past_due\n"
           f"{CPF1};2025-01;1.000,00;30\n{CPF2};15/02/2025;250,50;45\n")
    pay = f"debtor_id;date;amount\n{CPF1};2025-01;1.000,00\n{CPF2};03/2025;100,5\n"
    h = read_history(write(tmp_path / "h", {"accounts": acc.encode().decode(), "payments": pay}))
    assert h.accounts["balance"].to_list() == [1000.0, 250.5]
    assert h.accounts["entry_date"].to_list() == [dt.date(2025, 1, 1), dt.date(2025, 2, 15)]
    assert h.accounts["entry_date_month"].to_list() == [True, False]
    assert h.month_level == {"accounts.entry_date", "payments.date"}
    assert h.as_of == dt.date(2025, 3, 31)  # a month-level date counts to its month's end
    assert h.options["payments"]["sep"] == ";" and h.options["payments"]["decimal"] == ","


def test_as_of_censors(good):
    folder, _ = good
    h = read_history(folder, as_of="2025-03-31")
    assert h.as_of == dt.date(2025, 3, 31)
    assert h.n_accounts == 3  # the re-entry of June is after as-of
    assert h.agreements["status"].to_list() == ["active"] and h.agreements["status_date"].null_count() == 1
    assert h.dropped["payments"] == 2


# ------------------------------------------------------------------------- bad histories


def problem_lines(tmp_path, **replace) -> list[str]:
    folder = write(tmp_path / "bad", GOOD, **replace)
    for name, text in replace.items():
        if text is None:
            (folder / f"{name}.csv").unlink(missing_ok=True)
    with pytest.raises(InputError) as err:
        read_history(folder)
    text = str(err.value)
    for raw in (CPF1, CPF2, CPF3):
        assert raw not in text
    return text.splitlines()


def test_missing_required_table(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "accounts.csv").write_text(GOOD["accounts"])
    with pytest.raises(InputError) as err:
        read_history(folder)
    assert str(err.value) == (f"{folder}: payments: required table missing (expected a file payments.csv, "
                              "payments.xlsx or payments.parquet)")


def test_unknown_table_file(tmp_path):
    folder = write(tmp_path / "h", GOOD)
    (folder / "payment.csv").write_text("x\n1\n")
    with pytest.raises(InputError) as err:
        read_history(folder)
    assert str(err.value) == (f"{folder / 'payment.csv'}: not a history table; is it 'payments', misspelt? "
                              "(got 'payment.csv', expected a file named accounts, payments, contacts, offers, "
                              "agreements, events)")


def test_missing_required_column(tmp_path):
    lines = problem_lines(tmp_path, payments=f"debtor_id,dat,amount\n{CPF1},2025-02-15,3\n")
    assert lines == [f"{tmp_path / 'bad' / 'payments.csv'}: date: required column missing; is 'dat' it, misspelt? "
                     "(got columns debtor_id, dat, amount, expected date)"]


def test_unparseable_dates(tmp_path):
    lines = problem_lines(tmp_path, payments=f"debtor_id,date,amount\n{CPF1},2025-02-15,3\n{CPF1},15-02-2025,3\n"
                                             f"{CPF1},{CPF2},3\n")
    assert lines == [f"{tmp_path / 'bad' / 'payments.csv'}: date: 2 rows not a date: lines 3, 4; debtor {P1} "
                     "(got '15-02-2025', <hidden long number>, expected a date YYYY-MM-DD (or YYYY-MM for a month))"]


def test_payments_before_entry(tmp_path):
    lines = problem_lines(tmp_path, payments=f"debtor_id,date,amount\n{CPF2},2025-01-31,10\n{CPF2},2025-02,10\n")
    assert lines == [f"{tmp_path / 'bad' / 'payments.csv'}: date: 1 row before the debtor entered collections: "
                     f"line 2; debtor {P2} (expected on or after entry_date in accounts)"]


def test_payments_for_unknown_debtors(tmp_path):
    lines = problem_lines(tmp_path, payments=f"debtor_id,date,amount\n{CPF1},2025-02-15,10\n55566677788,2025-02-15,10\n")
    unknown = pseudonymise(["55566677788"])[0]
    assert lines == [f"{tmp_path / 'bad' / 'payments.csv'}: debtor_id: 1 row for a debtor not in accounts: line 3; "
                     f"debtor {unknown} (expected a debtor_id of accounts)"]
    assert "55566677788" not in lines[0]


def test_negative_amounts(tmp_path):
    lines = problem_lines(tmp_path, payments=f"debtor_id,date,amount\n{CPF1},2025-02-15,-10\n{CPF1},2025-02-16,abc\n"
                                             f"{CPF1},2025-02-17,987.654.321-00\n")
    path = tmp_path / "bad" / "payments.csv"
    assert lines == [f"{path}: amount: 2 rows not a number: lines 3, 4; debtor {P1} "
                     "(got 'abc', <hidden long number>, expected a number >= 0)",
                     f"{path}: amount: 1 row negative: line 2; debtor {P1} (got -10.0, expected a number >= 0)"]


def test_accepted_offer_without_agreement(tmp_path):
    lines = problem_lines(tmp_path, offers=("debtor_id,date,discount,installments,down_payment_share,accepted\n"
                                            f"{CPF1},2025-02-01,0.1,3,0.1,true\n{CPF2},2025-02-02,0.2,1,0,true\n"))
    assert lines == [f"{tmp_path / 'bad' / 'offers.csv'}: accepted: 1 row accepted, but the debtor has no agreement "
                     f"from the offer's date: line 3; debtor {P2} (expected an agreement of the debtor dated within "
                     "7 days after the offer)"]


def test_accepted_offer_without_agreements_table_is_fine(tmp_path):
    folder = write(tmp_path / "h", GOOD)
    (folder / "agreements.csv").unlink()
    assert read_history(folder).agreements is None


def test_unknown_channels(tmp_path):
    lines = problem_lines(tmp_path, contacts=("debtor_id,date,channel,reached,engaged\n"
                                              f"{CPF1},2025-01-20,pigeon,true,false\n{CPF1},2025-01-21,e-mail,0,0\n"))
    assert lines == [f"{tmp_path / 'bad' / 'contacts.csv'}: channel: 1 row unknown channel: line 2; debtor {P1} "
                     "(got 'pigeon', expected one of sms, email, whatsapp, call, letter)"]


def test_duplicated_accounts(tmp_path):
    acc = GOOD["accounts"] + f"{CPF2},2025-02-01,99,45,RJ,,B\n"
    lines = problem_lines(tmp_path, accounts=acc)
    assert lines == [f"{tmp_path / 'bad' / 'accounts.csv'}: debtor_id: 2 rows duplicated (the same debtor_id and "
                     f"entry_date): lines 3, 6; debtor {P2} (expected each account once; a re-entry has a later "
                     "entry_date)"]


def test_bad_booleans_and_ranges_in_one_pass(tmp_path):
    lines = problem_lines(
        tmp_path,
        contacts=f"debtor_id,date,channel,reached,engaged\n{CPF1},2025-01-20,sms,maybe,false\n",
        offers=("debtor_id,date,discount,installments,down_payment_share,accepted\n"
                f"{CPF1},2025-02-01,15,0,0.1,true\n"))
    bad = tmp_path / "bad"
    assert lines == [
        f"{bad / 'contacts.csv'}: reached: 1 row not a boolean: line 2; debtor {P1} (got 'maybe', expected "
        "true/false, 1/0, yes/no or sim/não)",
        f"{bad / 'offers.csv'}: discount: 1 row out of range: line 2; debtor {P1} (got 15.0, expected a number "
        "from 0 to 1)",
        f"{bad / 'offers.csv'}: installments: 1 row too small: line 2; debtor {P1} (got 0, expected a whole "
        "number >= 1)",
    ]


def test_agreement_closed_without_status_date(tmp_path):
    lines = problem_lines(tmp_path, agreements=("debtor_id,date,discount,installments,status,status_date\n"
                                                f"{CPF1},2025-02-01,0.1,3,broken,\n"))
    assert lines == [f"{tmp_path / 'bad' / 'agreements.csv'}: status_date: 1 row empty for a kept or broken "
                     f"agreement: line 2; debtor {P1} (expected the date it was kept or broken)"]


def test_files_given_one_by_one_and_an_excel_table(good, tmp_path):
    folder, h = good
    pl.read_csv(folder / "payments.csv", infer_schema=False).write_excel(tmp_path / "payments.xlsx")
    again = read_history([folder / "accounts.csv", tmp_path / "payments.xlsx"])
    assert set(again.tables) == {"accounts", "payments"}
    assert again.payments.drop("kind", "kind_inferred").equals(h.payments.drop("kind", "kind_inferred"))
    assert again.lines["payments"].tolist() == [2, 3, 4, 5, 6]  # sheet rows


def test_a_file_without_header_never_shows_its_first_row(tmp_path):
    lines = problem_lines(tmp_path, payments=f"{CPF1},2025-02-15,10\n{CPF1},2025-02-16,10\n")
    path = tmp_path / "bad" / "payments.csv"
    cols = "columns <hidden long number>, 2025-02-15, 10"
    assert lines == [f"{path}: debtor_id: required column missing; does the file have a header row? (got {cols}, "
                     "expected debtor_id)",
                     f"{path}: date: required column missing; does the file have a header row? (got {cols}, "
                     "expected date)",
                     f"{path}: amount: required column missing; does the file have a header row? (got {cols}, "
                     "expected amount)"]
