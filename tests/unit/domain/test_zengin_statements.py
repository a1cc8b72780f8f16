"""Tests for urikake.domain.zengin_statements (全銀 入出金取引明細 03 / 振込入金通知 01)."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urikake.domain import zengin_statements as zs
from urikake.domain.errors import DomainError
from urikake.domain.statement_columns import ReceiptColumns
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_charset import ZENGIN_ALLOWED
from urikake.domain.zengin_statements import (
    date_to_wareki,
    parse_deposit_notice_file,
    parse_receipt_file,
    parse_statement_file,
    wareki_to_date,
    write_deposit_notice_file,
    write_statement_file,
)


def kana(s: str) -> bytes:
    """Half-width kana / ASCII → the JIS X0201 bytes a bank file holds."""
    return s.encode("cp932")


def rec(*parts: bytes) -> bytes:
    out = b"".join(parts)
    assert len(out) == 200, len(out)
    return out


def c(s: str, width: int) -> bytes:
    """A C field: left-aligned, space-filled."""
    b = kana(s)
    assert len(b) <= width
    return b + b" " * (width - len(b))


def n(value: int | str, width: int) -> bytes:
    """An N field: right-aligned, zero-filled."""
    return str(value).zfill(width).encode("ascii")


# ---------------------------------------------------------------------------------------
# 和暦
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("080503", date(2026, 5, 3)),  # 令和8年 (FORMATS.md's example)
        ("010501", date(2019, 5, 1)),  # 令和元年5月1日
        ("310430", date(2019, 4, 30)),  # 平成31年4月30日
        ("310501", date(2019, 5, 1)),  # 平成31年5月 as printed just after the 改元
        ("301231", date(2048, 12, 31)),  # 令和30年
        ("081101", date(2026, 11, 1)),
    ],
)
def test_wareki_to_date(raw: str, expected: date) -> None:
    assert wareki_to_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["010430", "000101", "320101", "980101", "081301", "080230", "08051", "0805a3"]
)
def test_wareki_to_date_rejects(raw: str) -> None:
    with pytest.raises(DomainError) as exc:
        wareki_to_date(raw, field="勘定日", line=3)
    assert exc.value.code == "zengin.bad_date"
    assert exc.value.line == 3
    assert exc.value.field == "勘定日"


@given(st.dates(min_value=date(2019, 1, 1), max_value=date(2048, 12, 31)))
def test_wareki_round_trip(d: date) -> None:
    assert wareki_to_date(date_to_wareki(d)) == d


def test_date_to_wareki_eras() -> None:
    assert date_to_wareki(date(2019, 4, 30)) == "310430"
    assert date_to_wareki(date(2019, 5, 1)) == "010501"
    with pytest.raises(DomainError):
        date_to_wareki(date(2018, 12, 31))
    with pytest.raises(DomainError):
        date_to_wareki(date(2049, 1, 1))


# ---------------------------------------------------------------------------------------
# Hand-built files, record by record
# ---------------------------------------------------------------------------------------

HEADER_01 = rec(
    b"1",
    b"01",
    b"0",
    b"010507",  # 作成日 令和元年5月7日
    b"310426",  # 勘定日(自) 平成31年4月26日
    b"010507",  # 勘定日(至) 令和元年5月7日
    b"0172",
    c("ｱﾜｷﾞﾝｺｳ", 15),
    b"101",
    c("ﾎﾝﾃﾝ", 15),
    b"1",
    b"0123456",
    c("ｶ)ｳﾘｶｹ", 40),
    b" " * 93,
)
DATA_01_A = rec(
    b"2",
    b"000001",  # 照会番号
    b"310426",  # 勘定日 平成31年4月26日
    b"310426",  # 起算日
    n(150000, 10),
    n(0, 10),
    n(0, 10),
    c("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", 48),
    c("ﾐｽﾞﾎ", 15),
    c("ﾄｳｷﾖｳ", 15),
    b"0",
    c("INV-2019-041", 20),
    b" " * 52,
)
DATA_01_B = rec(
    b"2",
    b"000002",
    b"010507",  # 勘定日 令和元年5月7日
    b"010507",
    n(98765, 10),
    n(0, 10),
    n(1234567890, 10),
    c("ｶ)ﾀﾅｶｺｳｷﾞﾖｳ", 48),
    c("ﾐﾂｲｽﾐﾄﾓ", 15),
    c("ｵｵｻｶ", 15),
    b"0",
    c("", 20),
    b" " * 52,
)
TRAILER_01 = rec(b"8", n(2, 6), n(248765, 12), n(0, 6), n(0, 12), b" " * 163)
END = rec(b"9", b" " * 199)

EXPECTED_01 = Statement(
    source=SourceFormat.ZENGIN_DEPOSIT_NOTICE,
    bank_code="0172",
    branch_code="101",
    account_type=1,
    account_number="0123456",
    account_name="ｶ)ｳﾘｶｹ",
    period_start=date(2019, 4, 26),
    period_end=date(2019, 5, 7),
    lines=(
        StatementLine(
            value_date=date(2019, 4, 26),
            direction=Direction.DEPOSIT,
            amount=150000,
            counterparty="ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ",
            reference="000001",
            edi="INV-2019-041",
            line_number=2,
        ),
        StatementLine(
            value_date=date(2019, 5, 7),
            direction=Direction.DEPOSIT,
            amount=98765,
            counterparty="ｶ)ﾀﾅｶｺｳｷﾞﾖｳ",
            reference="000002",
            line_number=3,
        ),
    ),
)


@pytest.mark.parametrize(
    "sep_eof", [(b"", b""), (b"\r\n", b""), (b"\n", b""), (b"", b"\x1a"), (b"\r\n", b"\x1a")]
)
def test_hand_built_deposit_notice(sep_eof: tuple[bytes, bytes]) -> None:
    sep, eof = sep_eof
    records = [HEADER_01, DATA_01_A, DATA_01_B, TRAILER_01, END]
    data = sep.join(records) + sep + eof
    assert parse_deposit_notice_file(data) == EXPECTED_01
    assert parse_receipt_file(data) == EXPECTED_01


def test_writer_reproduces_hand_built_records() -> None:
    out = write_deposit_notice_file(
        EXPECTED_01, created=date(2019, 5, 7), bank_name="ｱﾜｷﾞﾝｺｳ", branch_name="ﾎﾝﾃﾝ", newline=False
    )
    records = [out[i : i + 200] for i in range(0, len(out), 200)]
    assert records[0] == HEADER_01
    assert records[-2] == TRAILER_01
    assert records[-1] == END
    # The writer does not keep 振込依頼人コード or 仕向銀行名 (not in Statement): compare the rest.
    assert records[1][:39] == DATA_01_A[:39]
    assert records[1][49:97] == DATA_01_A[49:97]
    assert records[1][127:] == DATA_01_A[127:]


HEADER_03 = rec(
    b"1",
    b"03",
    b"0",
    b"081201",  # 作成日 令和8年12月1日
    b"081101",
    b"081130",
    b"0005",
    c("ﾐﾂﾋﾞｼUFJ", 15),
    b"001",
    c("ﾎﾝﾃﾝ", 15),
    b"000",
    b"2",  # 当座
    b"7654321",
    c("ｶ)ｳﾘｶｹ", 40),
    b"1",  # 貸越区分 プラス
    b"1",
    n(1000000, 14),  # 取引前残高
    b" " * 74,
)


def data_03(ref: int, day: str, flag: int, amount: int, name: str, memo: str, edi: str) -> bytes:
    return rec(
        b"2",
        n(ref, 8),
        day.encode(),
        day.encode(),
        str(flag).encode(),
        b"11",
        n(amount, 12),
        n(0, 12),
        b"000000",
        b"000000",
        b"0",
        b"0000000",
        b"000",
        n(0, 10),
        c(name, 48),
        c("", 15),
        c("", 15),
        c(memo, 20),
        c(edi, 20),
        b" ",
    )


DATA_03 = [
    data_03(1, "081105", 1, 500000, "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ﾌﾘｺﾐ", "INV-001"),
    data_03(2, "081110", 2, 120000, "", "ｶｲｶﾞｲｿｳｷﾝ", ""),
    data_03(3, "081130", 1, 30000, "ｶ)ﾀﾅｶ", "ﾌﾘｺﾐ", ""),
]
TRAILER_03 = rec(
    b"8", n(2, 6), n(530000, 13), n(1, 6), n(120000, 13), b"1", n(1410000, 14), b" " * 146
)


def test_hand_built_statement() -> None:
    data = b"\r\n".join([HEADER_03, *DATA_03, TRAILER_03, END]) + b"\r\n"
    st_ = parse_statement_file(data)
    assert st_.source is SourceFormat.ZENGIN_STATEMENT
    assert (st_.bank_code, st_.branch_code, st_.account_type, st_.account_number) == (
        "0005",
        "001",
        2,
        "7654321",
    )
    assert st_.period_start == date(2026, 11, 1)
    assert st_.period_end == date(2026, 11, 30)
    assert [x.balance_after for x in st_.lines] == [1500000, 1380000, 1410000]
    assert [x.direction for x in st_.lines] == [
        Direction.DEPOSIT,
        Direction.WITHDRAWAL,
        Direction.DEPOSIT,
    ]
    assert st_.lines[0] == StatementLine(
        value_date=date(2026, 11, 5),
        direction=Direction.DEPOSIT,
        amount=500000,
        counterparty="ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ",
        description="ﾌﾘｺﾐ",
        reference="00000001",
        balance_after=1500000,
        edi="INV-001",
        line_number=2,
    )
    # Written back (取引区分 becomes 18) and parsed again: the same Statement.
    again = parse_statement_file(write_statement_file(st_, created=date(2026, 12, 1)))
    assert again == st_


def test_several_groups_same_account() -> None:
    header2 = (
        HEADER_03[:10]
        + b"081201081201"
        + HEADER_03[22:110]
        + b"1"
        + b"1"
        + n(1410000, 14)
        + HEADER_03[126:]
    )
    d = data_03(4, "081201", 2, 10000, "", "", "")
    t2 = rec(b"8", n(0, 6), n(0, 13), n(1, 6), n(10000, 13), b"1", n(1400000, 14), b" " * 146)
    data = b"".join([HEADER_03, *DATA_03, TRAILER_03, header2, d, t2, END])
    parsed = parse_statement_file(data)
    assert len(parsed.lines) == 4
    assert parsed.period_end == date(2026, 12, 1)
    assert parsed.lines[-1].line_number == 7


def test_groups_for_different_accounts_rejected() -> None:
    header2 = HEADER_03[:63] + b"1111111" + HEADER_03[70:]
    data = b"".join([HEADER_03, *DATA_03, TRAILER_03, header2, TRAILER_03, END])
    with pytest.raises(DomainError) as exc:
        parse_statement_file(data)
    assert (exc.value.code, exc.value.line) == ("zengin.account_mismatch", 6)


# ---------------------------------------------------------------------------------------
# Validation errors
# ---------------------------------------------------------------------------------------


def _err(data: bytes) -> DomainError:
    with pytest.raises(DomainError) as exc:
        parse_statement_file(data)
    return exc.value


def test_trailer_mismatch_detected() -> None:
    bad = TRAILER_03[:7] + n(530001, 13) + TRAILER_03[20:]
    e = _err(b"".join([HEADER_03, *DATA_03, bad, END]))
    assert (e.code, e.line, e.field) == ("zengin.trailer_mismatch", 5, "入金額合計")
    bad = TRAILER_03[:20] + n(2, 6) + TRAILER_03[26:]
    e = _err(b"".join([HEADER_03, *DATA_03, bad, END]))
    assert (e.code, e.field) == ("zengin.trailer_mismatch", "出金件数")
    bad = TRAILER_03[:40] + n(1410001, 14) + TRAILER_03[54:]
    e = _err(b"".join([HEADER_03, *DATA_03, bad, END]))
    assert (e.code, e.field) == ("zengin.trailer_mismatch", "取引後残高")
    bad01 = TRAILER_01[:1] + n(3, 6) + TRAILER_01[7:]
    with pytest.raises(DomainError) as exc:
        parse_deposit_notice_file(b"".join([HEADER_01, DATA_01_A, DATA_01_B, bad01, END]))
    assert (exc.value.field, exc.value.line) == ("合計件数", 4)


def test_record_errors() -> None:
    ok = [HEADER_03, *DATA_03, TRAILER_03, END]
    # unknown データ区分
    e = _err(b"".join([HEADER_03, b"7" + DATA_03[0][1:], *DATA_03[1:], TRAILER_03, END]))
    assert (e.code, e.line, e.field) == ("zengin.unknown_record", 2, "データ区分")
    # bad digits in 取引金額
    e = _err(b"".join([HEADER_03, DATA_03[0][:24] + b"00000000050A" + DATA_03[0][36:], *ok[2:]]))
    assert (e.code, e.line, e.field) == ("zengin.bad_digits", 2, "取引金額")
    # record length
    e = _err(b"\r\n".join([HEADER_03, DATA_03[0][:-1], *ok[2:]]))
    assert (e.code, e.line) == ("zengin.record_length", 2)
    e = _err(b"".join(ok)[:-1])
    assert (e.code, e.line) == ("zengin.record_length", 6)
    # order: data before header, missing end, record after end, trailer missing
    e = _err(b"".join([DATA_03[0], *ok]))
    assert (e.code, e.line) == ("zengin.record_order", 1)
    e = _err(b"".join(ok[:-1]))
    assert (e.code, e.line) == ("zengin.missing_end", 5)
    e = _err(b"".join([*ok, END]))
    assert (e.code, e.line) == ("zengin.record_order", 7)
    e = _err(b"".join([HEADER_03, *DATA_03, END]))
    assert (e.code, e.line) == ("zengin.record_order", 5)
    # 入払区分 3
    e = _err(b"".join([HEADER_03, DATA_03[0][:21] + b"3" + DATA_03[0][22:], *ok[2:]]))
    assert (e.code, e.field) == ("zengin.bad_code", "入払区分")
    # wrong kind: a 01 file given to the 03 parser
    e = _err(b"".join([HEADER_01, DATA_01_A, TRAILER_01, END]))
    assert (e.code, e.line, e.field) == ("zengin.wrong_kind", 1, "種別コード")
    # a date outside the header's period
    e = _err(b"".join([HEADER_03, data_03(1, "081201", 1, 500000, "", "", ""), *ok[2:]]))
    assert (e.code, e.line, e.field) == ("zengin.out_of_period", 2, "勘定日")
    # empty
    assert _err(b"").line == 1


def test_writer_rejects_unwritable() -> None:
    line = EXPECTED_01.lines[0]
    for bad in (
        StatementLine(line.value_date, Direction.DEPOSIT, 1, "山田", reference="000001"),
        StatementLine(line.value_date, Direction.DEPOSIT, 1, "ﾔ" * 49, reference="000001"),
        StatementLine(line.value_date, Direction.DEPOSIT, 10**10, "ﾔ", reference="000001"),
        StatementLine(line.value_date, Direction.DEPOSIT, 1, "ﾔ", reference="12"),
    ):
        s = dataclasses.replace(EXPECTED_01, lines=(bad,))
        with pytest.raises(DomainError) as exc:
            write_deposit_notice_file(s, created=date(2019, 5, 7))
        assert exc.value.line == 2


# ---------------------------------------------------------------------------------------
# Properties: round trips, fuzzing, duplicates
# ---------------------------------------------------------------------------------------

_TEXT_CHARS = sorted(ZENGIN_ALLOWED)


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(_TEXT_CHARS), max_size=max_size).map(lambda s: s.rstrip(" "))


@st.composite
def statements(draw: st.DrawFn, kind: SourceFormat) -> Statement:
    start = draw(st.dates(min_value=date(2019, 4, 1), max_value=date(2048, 11, 30)))
    end = draw(
        st.dates(
            min_value=start,
            max_value=min(date(2048, 12, 31), start.replace(day=1).replace(year=start.year + 1)),
        )
    )
    n_lines = draw(st.integers(0, 6))
    with_balance = kind is SourceFormat.ZENGIN_STATEMENT and draw(st.booleans())
    balance = draw(st.integers(-(10**12), 10**12))
    ref_len = 8 if kind is SourceFormat.ZENGIN_STATEMENT else 6
    lines = []
    for i in range(n_lines):
        direction = draw(st.sampled_from(Direction))
        amount = draw(st.integers(1, 10**9))
        if with_balance:
            balance += amount if direction is Direction.DEPOSIT else -amount
        lines.append(
            StatementLine(
                value_date=draw(st.dates(min_value=start, max_value=end)),
                direction=direction,
                amount=amount,
                counterparty=draw(_text(48)),
                description=draw(_text(20)) if kind is SourceFormat.ZENGIN_STATEMENT else "",
                reference=str(draw(st.integers(0, 10**ref_len - 1))).zfill(ref_len),
                balance_after=balance if with_balance else None,
                edi=draw(_text(20)),
                line_number=i + 2,
            )
        )
    return Statement(
        source=kind,
        bank_code=draw(st.from_regex(r"\A[0-9]{4}\Z")),
        branch_code=draw(st.from_regex(r"\A[0-9]{3}\Z")),
        account_type=draw(st.sampled_from([1, 2, 4, 9])),
        account_number=draw(st.from_regex(r"\A[0-9]{7}\Z")),
        account_name=draw(_text(40)),
        period_start=start,
        period_end=end,
        lines=tuple(lines),
    )


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(statements(SourceFormat.ZENGIN_STATEMENT), st.booleans(), st.booleans())
def test_round_trip_statement(s: Statement, newline: bool, eof: bool) -> None:
    data = write_statement_file(s, created=date(2026, 12, 1), newline=newline, eof=eof)
    assert parse_statement_file(data) == s
    assert parse_receipt_file(data).fingerprint() == s.fingerprint()


@FAST
@given(statements(SourceFormat.ZENGIN_DEPOSIT_NOTICE), st.booleans(), st.booleans())
def test_round_trip_deposit_notice(s: Statement, newline: bool, eof: bool) -> None:
    data = write_deposit_notice_file(s, created=date(2026, 12, 1), newline=newline, eof=eof)
    assert parse_deposit_notice_file(data) == s


def _parse_or_error(data: bytes) -> None:
    for parser in (parse_statement_file, parse_deposit_notice_file, parse_receipt_file):
        line: int | None = 1
        try:
            parser(data)
        except DomainError as e:
            line = e.line
        assert line is not None
        assert line >= 1


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1200))
def test_fuzz_random_bytes(data: bytes) -> None:
    _parse_or_error(data)


VALID_03 = b"\r\n".join([HEADER_03, *DATA_03, TRAILER_03, END]) + b"\r\n\x1a"
VALID_01 = b"".join([HEADER_01, DATA_01_A, DATA_01_B, TRAILER_01, END])


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([VALID_03, VALID_01]),
    st.lists(st.tuples(st.integers(0, 1300), st.integers(0, 255)), min_size=1, max_size=4),
    st.sampled_from(["replace", "delete", "insert"]),
)
def test_fuzz_mutations(base: bytes, edits: list[tuple[int, int]], how: str) -> None:
    data = bytearray(base)
    for pos, byte in edits:
        pos %= len(data) + 1
        if how == "replace" and pos < len(data):
            data[pos] = byte
        elif how == "delete" and pos < len(data):
            del data[pos]
        else:
            data.insert(pos, byte)
    _parse_or_error(bytes(data))


def test_duplicate_import_same_fingerprint() -> None:
    a = parse_statement_file(VALID_03)
    b = parse_statement_file(b"".join([HEADER_03, *DATA_03, TRAILER_03, END]))  # no CR/LF
    assert a == b
    assert a.fingerprint() == b.fingerprint()
    assert parse_statement_file(VALID_03).fingerprint() == a.fingerprint()


# ---------------------------------------------------------------------------------------
# The column-wise parser equals the per-record one; the stream reader equals both
# ---------------------------------------------------------------------------------------


def _outcome(parse: object, data: bytes) -> tuple[object, ...]:
    """The statement (with every line field, occurrence included), or the error."""
    try:
        s = parse(data)  # type: ignore[operator]
    except DomainError as e:
        return ("error", e.code, e.message, e.line, e.field)
    return (s, [dataclasses.astuple(x) for x in s.lines])


def _columns_agree(parsed: ReceiptColumns, statement: Statement) -> None:
    """The columns hold the statement's lines: all at once, one at a time, and a field at
    a time (the deposits' dates, amounts and names as a consumer of columns reads them)."""
    cols = parsed.columns.numbered()
    assert cols.lines() == list(statement.lines)
    assert [cols.line(i) for i in range(len(cols))] == list(statement.lines)
    assert cols.counterparty.tolist() == [x.counterparty for x in statement.lines]
    assert cols.counterparty.lengths().tolist() == [len(x.counterparty) for x in statement.lines]
    deposits = parsed.deposits()
    assert deposits.dates() == [x.value_date for x in statement.deposits]
    assert deposits.amount.tolist() == [x.amount for x in statement.deposits]
    assert deposits.counterparty.tolist() == [x.counterparty for x in statement.deposits]
    for name in ("source", "bank_code", "account_number", "period_start", "period_end"):
        assert getattr(parsed, name) == getattr(statement, name)


def _both(data: bytes) -> None:
    for kind in ("01", "03"):
        new = _outcome(lambda d, k=kind: zs._parse(d, k).statement(), data)
        assert new == _outcome(lambda d, k=kind: zs._parse_per_record(d, k), data)
        if new[0] != "error":
            _columns_agree(zs.parse_receipt_columns(data, kind=kind), new[0])  # type: ignore[arg-type]
        if data[:1] == b"1" and data[1:3] == kind.encode():
            stream = _outcome(
                lambda d: zs.parse_receipt_stream(io.BytesIO(d), chunk_records=2), data
            )
            if new[0] == "error":
                assert stream[0] == "error"  # a stream may meet another problem first
            elif zs._even_records(data) is None:  # a stray CR/LF: only the whole-file
                assert stream[:2] == ("error", "zengin.record_length")  # parser reads it
            else:
                assert stream == new


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        statements(SourceFormat.ZENGIN_STATEMENT), statements(SourceFormat.ZENGIN_DEPOSIT_NOTICE)
    ),
    st.booleans(),
    st.booleans(),
    st.lists(st.tuples(st.integers(0, 3000), st.sampled_from(b"0129 x\xb1\n\r\x00")), max_size=3),
    st.integers(0, 3),
)
def test_column_wise_parser_equals_the_per_record_one(
    s: Statement, newline: bool, eof: bool, edits: list[tuple[int, int]], repeats: int
) -> None:
    write = (
        write_statement_file
        if s.source is SourceFormat.ZENGIN_STATEMENT
        else write_deposit_notice_file
    )
    if s.lines and repeats:  # identical lines: occurrences numbered the same way
        s = dataclasses.replace(s, lines=s.lines + (s.lines[0],) * repeats)
        if s.lines[0].balance_after is not None:
            s = dataclasses.replace(
                s, lines=tuple(dataclasses.replace(x, balance_after=None) for x in s.lines)
            )
    try:
        data = bytearray(write(s, created=date(2026, 12, 1), newline=newline, eof=eof))
    except DomainError:
        return
    for pos, byte in edits:
        data[pos % len(data)] = byte
    _both(bytes(data))


def test_column_wise_parser_on_the_hand_built_files() -> None:
    for data in (VALID_03, VALID_01, VALID_03.replace(b"\r\n", b"\n"), VALID_03[:-1]):
        _both(data)


def test_stream_reads_a_chunk_at_a_time() -> None:
    lines = [
        StatementLine(date(2026, 11, 2), Direction.DEPOSIT, 1000 + i, "ｱｲｳ", reference=f"{i:08d}")
        for i in range(10)
    ]
    s = Statement(
        SourceFormat.ZENGIN_STATEMENT,
        "0001",
        "001",
        1,
        "1234567",
        "ｶ)ｳﾘｶｹ",
        date(2026, 11, 1),
        date(2026, 11, 30),
        tuple(lines),
    )
    data = write_statement_file(s, created=date(2026, 12, 1))
    chunks = list(zs.iter_receipt_lines(io.BytesIO(data), chunk_records=3))
    assert [len(c) for c in chunks] == [3, 3, 3, 1]  # the header and 3 lines, then 3 a chunk
    assert [x for c in chunks for x in c] == list(parse_statement_file(data).lines)
    with pytest.raises(DomainError) as info:
        list(zs.iter_receipt_lines(io.BytesIO(data[:-404]), chunk_records=3))
    assert info.value.code == "zengin.missing_end"


def _deposits_from_lines(data: bytes) -> list[tuple[str, date, int, str]]:
    """The reconciliation's deposits as it read them from the Statement's objects."""
    lines = parse_receipt_file(data).deposits
    refs = [ln.reference.strip() for ln in lines]
    use_refs = all(r.strip("0") for r in refs) and len(set(refs)) == len(refs)
    return [
        (
            ref if use_refs else f"R{ln.line_number:06d}",
            ln.value_date,
            ln.amount,
            ln.counterparty.strip(),
        )
        for ln, ref in zip(lines, refs, strict=True)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        statements(SourceFormat.ZENGIN_STATEMENT), statements(SourceFormat.ZENGIN_DEPOSIT_NOTICE)
    ),
    st.booleans(),
)
def test_deposit_reader_reads_the_columns_as_the_lines(s: Statement, same_refs: bool) -> None:
    from urikake.domain.reconciliation.csvio import read_deposits

    if same_refs:  # repeated references: the reader numbers the deposits by line instead
        s = dataclasses.replace(
            s, lines=tuple(dataclasses.replace(x, reference="") for x in s.lines)
        )
    write = (
        write_statement_file
        if s.source is SourceFormat.ZENGIN_STATEMENT
        else write_deposit_notice_file
    )
    try:
        data = write(s, created=date(2026, 12, 1))
    except DomainError:
        return
    got = [(d.id, d.value_date, d.amount, d.payer_kana) for d in read_deposits(data)]
    assert got == _deposits_from_lines(data)
