"""総合振込 file writer/parser: byte-exact layout, round trip, all errors at once."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain import zengin_transfer
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import AccountType
from urikake.domain.zengin_transfer import (
    Originator,
    Transfer,
    TransferColumns,
    TransferFileError,
    _parse_transfer_records,
    parse_transfer_columns,
    parse_transfer_file,
    write_transfer_columns,
    write_transfer_file,
    write_transfer_file_per_record,
)

ORIG = Originator("123", "株式会社ウリカケ", "0001", "001", AccountType.ORDINARY, "1234567")
DAY = date(2026, 12, 1)


def _t(**kw: object) -> Transfer:
    base: dict[str, object] = {
        "bank_code": "0005",
        "branch_code": "001",
        "account_type": AccountType.CURRENT,
        "account_number": "7654321",
        "holder_name": "やまだ　たろう",
        "amount": 1000,
    }
    base.update(kw)
    return Transfer(**base)  # type: ignore[arg-type]


def _records(data: bytes) -> list[bytes]:
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    return lines[:-1]


def test_every_record_is_120_bytes_with_crlf() -> None:
    recs = _records(write_transfer_file(ORIG, [_t(), _t()], transfer_date=DAY))
    assert [r[:1] for r in recs] == [b"1", b"2", b"2", b"8", b"9"]
    assert all(len(r) == 120 for r in recs)


def test_header_layout() -> None:
    h = _records(write_transfer_file(ORIG, [_t()], transfer_date=DAY))[0].decode("cp932")
    assert h[0:1] == "1"
    assert h[1:3] == "21"
    assert h[3:4] == "0"
    assert h[4:14] == "0000000123"
    assert h[14:54] == "ｶ)ｳﾘｶｹ".ljust(40)
    assert h[54:58] == "1201"
    assert h[58:62] == "0001"
    assert h[62:77] == "ﾐｽﾞﾎ".ljust(15)
    assert h[77:80] == "001"
    assert h[80:95] == "ﾄｳｷﾖｳ".ljust(15)
    assert h[95:96] == "1"
    assert h[96:103] == "1234567"
    assert h[103:120] == " " * 17


def test_data_layout() -> None:
    t = _t(customer_code="42", amount=1_234_567)
    d = _records(write_transfer_file(ORIG, [t], transfer_date=DAY))[1].decode("cp932")
    assert d[0] == "2"
    assert d[1:5] == "0005"
    assert d[5:20] == "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ  "  # 三菱UFJ, cut to 15
    assert d[20:23] == "001"
    assert d[23:38] == "ﾎﾝﾃﾝ".ljust(15)
    assert d[38:42] == "0000"
    assert d[42] == "2"
    assert d[43:50] == "7654321"
    assert d[50:80] == "ﾔﾏﾀﾞ ﾀﾛｳ".ljust(30)
    assert d[80:90] == "0001234567"
    assert d[90] == "0"
    assert d[91:101] == "0000000042"
    assert d[101:111] == "0" * 10
    assert d[111] == "7"
    assert d[112] == " "
    assert d[113:120] == " " * 7


def test_edi_layout() -> None:
    d = _records(write_transfer_file(ORIG, [_t(edi="INV-001")], transfer_date=DAY))[1]
    assert d[91:111] == b"INV-001".ljust(20)
    assert d[112:113] == b"Y"


def test_trailer_and_end_layout() -> None:
    recs = _records(write_transfer_file(ORIG, [_t(amount=5), _t(amount=7)], transfer_date=DAY))
    assert recs[3] == b"8" + b"000002" + b"000000000012" + b" " * 101
    assert recs[4] == b"9" + b" " * 119


def test_legal_form_abbreviated_and_long_names_cut() -> None:
    t = _t(holder_name="株式会社" + "ア" * 40)
    d = _records(write_transfer_file(ORIG, [t], transfer_date=DAY))[1].decode("cp932")
    assert d[50:80] == "ｶ)" + "ｱ" * 28


def test_bytes_are_identical_for_same_input() -> None:
    ts = [_t(amount=i + 1) for i in range(5)]
    assert write_transfer_file(ORIG, ts, transfer_date=DAY) == write_transfer_file(
        ORIG, ts, transfer_date=DAY
    )


def test_lf_newline() -> None:
    data = write_transfer_file(ORIG, [_t()], transfer_date=DAY, newline=b"\n")
    assert b"\r" not in data
    assert len(data) == 4 * 121


def test_all_problems_reported_at_once() -> None:
    bad = [
        _t(),
        _t(bank_code="12", amount=0),
        _t(),
        _t(holder_name="漢字", account_number="abc"),
        _t(customer_code="x"),
    ]
    with pytest.raises(TransferFileError) as info:
        write_transfer_file(ORIG, bad, transfer_date=DAY)
    found = {(p.line, p.field) for p in info.value.problems}
    assert found == {
        (3, "bank_code"),
        (3, "amount"),
        (5, "holder_name"),
        (5, "account_number"),
        (6, "customer_code"),
    }
    assert all(p.message for p in info.value.problems)


def test_empty_file_is_refused() -> None:
    with pytest.raises(TransferFileError):
        write_transfer_file(ORIG, [], transfer_date=DAY)


_kana = st.text(alphabet="ｱｲｳｴｵｶｷｸｹｺﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎABC0123", min_size=1, max_size=30)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(AccountType)),
            st.integers(1, 9_999_999),
            _kana,
            st.integers(1, 9_999_999_999),
            st.none() | st.integers(1, 9_999_999_999).map(str),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_round_trip(rows: list[tuple[AccountType, int, str, int, str | None]]) -> None:
    ts = [
        _t(account_type=a, account_number=str(n).zfill(7), holder_name=h, amount=m, customer_code=c)
        for a, n, h, m, c in rows
    ]
    orig, mmdd, back = parse_transfer_file(write_transfer_file(ORIG, ts, transfer_date=DAY))
    assert mmdd == "1201"
    assert orig.requester_name == "ｶ)ｳﾘｶｹ"
    assert [(t.account_type, t.account_number, t.amount) for t in back] == [
        (t.account_type, t.account_number, t.amount) for t in ts
    ]
    assert [t.holder_name for t in back] == [t.holder_name.rstrip() for t in ts]
    assert [t.customer_code for t in back] == [
        c.zfill(10) if c else None for c in (t.customer_code for t in ts)
    ]


# ---- the column-wise writer equals the per-record one (issue 14: files at speed) ---------


def _varied_transfers(n: int, seed: int) -> list[Transfer]:
    import random

    from urikake.domain.identifiers import AccountType

    rng = random.Random(seed)
    kana = "アイウエオカキクケコサシスセソガギグゲゴパピプペポッャ"
    forms = ["株式会社", "有限会社", "", "カブシキガイシャ", "(株)"]
    out = []
    for i in range(n):
        name = rng.choice(forms) + "".join(rng.choices(kana, k=rng.randint(2, 40)))
        out.append(
            Transfer(
                bank_code=rng.choice(["0001", "0005", "0009", "0010"]),
                branch_code=rng.choice(["001", "100"]),
                account_type=rng.choice(list(AccountType)),
                account_number=rng.choice([str(rng.randint(1, 9_999_999)), "１２３４", "12-34"]),
                holder_name=name,
                amount=9_999_999_999 if i % 997 == 0 else rng.randint(1, 99_999_999),
                customer_code=rng.choice([None, "", str(i), "0" * 10]),
                edi=rng.choice([None, None, "INV-" + str(i)]),
            )
        )
    return out


def _outcome(write: object, transfers: list[Transfer]) -> object:
    """The bytes, or every problem (code, field, line, message) of a TransferFileError."""
    try:
        return write(ORIG, transfers, transfer_date=DAY)  # type: ignore[operator]
    except TransferFileError as e:
        return [(p.code, p.field, p.line, p.message) for p in e.problems]


def test_column_wise_writer_equals_the_per_record_one_on_varied_transfers() -> None:
    transfers = _varied_transfers(3_000, seed=14)
    assert _outcome(write_transfer_file, transfers) == _outcome(
        write_transfer_file_per_record, transfers
    )
    good = [t for t in transfers if t.account_number.isdigit() and t.account_number.strip("0")]
    data = write_transfer_file(ORIG, good, transfer_date=DAY)
    assert data == write_transfer_file_per_record(ORIG, good, transfer_date=DAY)
    assert data == write_transfer_file(ORIG, good, transfer_date=DAY)  # again: same bytes


# Names that need conversion (hiragana, full-width, legal forms in kanji and kana, spaces,
# marks, small kana), that cannot be converted (kanji, ＆), and long ones (cut at 30).
_name_parts = st.sampled_from(
    [
        "やまだ",
        "ヤマダ",
        "ｶﾞｽ",
        "ガス",
        "ッャー",
        "株式会社",
        "（株）",
        "(株)",
        "㈱",
        "カブシキガイシャ",
        "ｶﾌﾞｼｷｶﾞｲｼﾔ",
        "一般社団法人",
        "社団法人",
        "ジムショ",
        "ＡＢＣ",
        "abc",
        "１２３",
        "　",
        " ",
        "・",
        "ヴ",
        "\u200b",
        "漢",
        "＆",
        "ア" * 31,
    ]
)
_names = st.lists(_name_parts, max_size=6).map("".join)


_transfer_lists = st.lists(
    st.builds(
        Transfer,
        bank_code=st.sampled_from(["0001", "0005", "0009", "12", "９９９９", "0001 "]),
        branch_code=st.sampled_from(["001", "100", "1", "999"]),
        account_type=st.sampled_from(list(AccountType)),
        account_number=st.one_of(
            st.integers(0, 9_999_999).map(str),
            st.integers(0, 9_999_999).map(lambda n: str(n).zfill(7)),
            st.sampled_from(["", "12345678", "１２３４", "12-34", "0000000", "9999999"]),
        ),
        holder_name=_names,
        amount=st.one_of(
            st.integers(1, 9_999_999_999),
            st.sampled_from([0, -1, 9_999_999_999, 10_000_000_000, 10**30, True]),
        ),
        customer_code=st.one_of(
            st.none(),
            st.sampled_from(["", "0", "9999999999", "12345678901", "x1"]),
            st.integers(0, 9_999_999_999).map(str),
        ),
        edi=st.one_of(st.none(), st.just(""), st.sampled_from(["INV-1", "ｱｲｳ", "請求"])),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(_transfer_lists, st.sampled_from([b"\r\n", b"\n", b""]))
def test_column_wise_writer_equals_the_per_record_one(
    transfers: list[Transfer], newline: bytes
) -> None:
    def run(write: object) -> object:
        try:
            return write(ORIG, transfers, transfer_date=DAY, newline=newline)  # type: ignore[operator]
        except TransferFileError as e:
            return [(p.code, p.field, p.line, p.message) for p in e.problems]

    assert run(write_transfer_file) == run(write_transfer_file_per_record)


def _as_database_columns(transfers: list[Transfer]) -> TransferColumns:
    """The columns as a database query gives them: 預金種目 and amounts as int64 arrays
    where they fit (bools and huge amounts stay a list: an array would change them), no
    customer-code or EDI column when no row has one."""
    cols = TransferColumns.of(transfers)
    amounts = cols.amount
    if all(type(a) is int and -(2**63) <= a < 2**63 for a in amounts):
        amounts = np.array(amounts, dtype=np.int64)
    return dataclasses.replace(
        cols,
        account_type=np.array([int(k) for k in cols.account_type], dtype=np.int64),
        amount=amounts,
        customer_code=None if not any(t.customer_code for t in transfers) else cols.customer_code,
        edi=None if all(t.edi is None for t in transfers) else cols.edi,
    )


@settings(max_examples=150, deadline=None)
@given(_transfer_lists, st.integers(1, 4), st.sampled_from([b"\r\n", b""]))
def test_columns_equal_objects_and_the_per_record_writer(
    transfers: list[Transfer], copies: int, newline: bytes
) -> None:
    """TransferColumns (lists, or arrays as from a query) give the bytes and the errors —
    code, field, row number, message — of the Transfer objects; repeated payees (copies)
    take the path that converts each distinct name once."""
    transfers = transfers * copies

    def run(write: object, given: object) -> object:
        try:
            return write(ORIG, given, transfer_date=DAY, newline=newline)  # type: ignore[operator]
        except TransferFileError as e:
            return [(p.code, p.field, p.line, p.message) for p in e.problems]

    expected = run(write_transfer_file_per_record, transfers)
    assert run(write_transfer_columns, TransferColumns.of(transfers)) == expected
    assert run(write_transfer_columns, _as_database_columns(transfers)) == expected
    assert run(write_transfer_file, transfers) == expected


def test_transfer_columns_rows_are_transfers() -> None:
    ts = _varied_transfers(50, seed=5)
    cols = _as_database_columns(ts)
    assert [cols.transfer(i) for i in range(len(cols))] == [
        dataclasses.replace(t, account_type=int(t.account_type)) for t in ts
    ]
    assert all(type(cols.transfer(i).amount) is int for i in range(len(cols)))
    with pytest.raises(ValueError, match="different lengths"):
        dataclasses.replace(cols, holder_name=["ｱ"])


def test_cached_payee_still_checked() -> None:
    good = _varied_transfers(1, seed=3)[0]
    write_transfer_file(ORIG, [good], transfer_date=date(2026, 12, 1))
    for bad in (
        dataclasses.replace(good, amount=0),
        dataclasses.replace(good, amount=10_000_000_000),
        dataclasses.replace(good, account_number="0000000"),
        dataclasses.replace(good, account_number="12345678"),
        dataclasses.replace(good, customer_code="12345678901"),
    ):
        with pytest.raises(TransferFileError):
            write_transfer_file(ORIG, [bad], transfer_date=date(2026, 12, 1))


def _read(parse: object, data: bytes) -> object:
    """What a reader returns, or its error (DomainError code, or the exception type)."""
    try:
        return parse(data)  # type: ignore[operator]
    except DomainError as e:
        return ("error", e.code)
    except (ValueError, UnicodeDecodeError) as e:
        return ("error", type(e).__name__)


@settings(max_examples=150, deadline=None)
@given(
    _transfer_lists,
    st.sampled_from([b"\r\n", b"\n", b""]),
    st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(b"019Y8 \n\r\xb1\x81")), max_size=3),
)
def test_column_wise_reader_equals_the_record_by_record_one(
    transfers: list[Transfer], newline: bytes, edits: list[tuple[int, int]]
) -> None:
    """parse_transfer_columns (and parse_transfer_file over it) read what the record-by-
    record reader reads, on written files and on files with a few bytes changed."""
    try:
        data = bytearray(write_transfer_file(ORIG, transfers, transfer_date=DAY, newline=newline))
    except TransferFileError:
        data = bytearray(write_transfer_file(ORIG, [_t()], transfer_date=DAY, newline=newline))
    for pos, byte in edits:
        data[pos % len(data)] = byte
    expected = _read(_parse_transfer_records, bytes(data))
    assert _read(parse_transfer_file, bytes(data)) == expected
    columns = _read(parse_transfer_columns, bytes(data))
    if expected[0] != "error":  # type: ignore[index]
        originator, mmdd, cols = columns  # type: ignore[misc]
        assert (originator, mmdd) == expected[:2]  # type: ignore[index]
        assert [cols.transfer(i) for i in range(len(cols))] == expected[2]  # type: ignore[index]
    else:
        assert columns == expected


def test_writing_by_chunks_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large files are formatted a chunk of rows at a time: the same bytes and problems
    (line numbers of the whole file) as the per-record writer."""
    monkeypatch.setattr(zengin_transfer, "_CHUNK", 7)
    transfers = _varied_transfers(300, seed=21)
    assert _outcome(write_transfer_file, transfers) == _outcome(
        write_transfer_file_per_record, transfers
    )
    good = [t for t in transfers if t.account_number.isdigit() and t.account_number.strip("0")]
    assert write_transfer_file(ORIG, good, transfer_date=DAY) == write_transfer_file_per_record(
        ORIG, good, transfer_date=DAY
    )


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b""])
def test_a_chunk_buffer_reused_after_edi_and_customer_code_rows(
    monkeypatch: pytest.MonkeyPatch, newline: bytes
) -> None:
    """The chunks are formatted in one reused buffer: a plain row written where the chunk
    before had an EDI row (written record by record, flag Y) or a customer code, and a last
    chunk shorter than the row that was odd before it, leave nothing of the earlier rows."""
    monkeypatch.setattr(zengin_transfer, "_CHUNK", 4)
    odd = _t(edi="ｼﾞｹﾞﾝ12345")
    coded = _t(customer_code="987654")
    transfers = [odd, coded, _t(), odd, _t(), _t(), _t(), _t(), coded, _t()]
    assert write_transfer_file(
        ORIG, transfers, transfer_date=DAY, newline=newline
    ) == write_transfer_file_per_record(ORIG, transfers, transfer_date=DAY, newline=newline)
