"""Tests for urikake.domain.statement_csv (net-banking CSV with a column mapping)."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain import statement_csv
from urikake.domain.errors import DomainError
from urikake.domain.statement_csv import (
    PRESETS,
    CsvMapping,
    SignConvention,
    parse_amount,
    parse_csv,
    parse_jp_date,
)
from urikake.domain.statements import Direction, SourceFormat, Statement


@pytest.mark.parametrize(
    "text",
    [
        "2026/11/01",
        "2026-11-01",
        "2026.11.1",
        "20261101",
        "2026年11月1日",
        "R8.11.1",
        "R08/11/01",
        "r8.11.01",
        "令和8年11月1日",
        "令和８年１１月１日",
        " 2026/11/1 ",
    ],
)
def test_dates(text: str) -> None:
    assert parse_jp_date(text) == date(2026, 11, 1)


def test_era_dates() -> None:
    assert parse_jp_date("令和元年5月1日") == date(2019, 5, 1)
    assert parse_jp_date("H31.4.30") == date(2019, 4, 30)
    assert parse_jp_date("平成31年4月30日") == date(2019, 4, 30)
    for bad in ("平成31年5月1日", "R1.4.30", "2026/13/01", "11/01", "昨日", ""):
        with pytest.raises(DomainError) as exc:
            parse_jp_date(bad, field="日付", line=4)
        assert (exc.value.code, exc.value.line, exc.value.field) == ("csv.bad_date", 4, "日付")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234),
        ("1,234", 1234),
        ("￥1,234", 1234),
        ("¥1,234円", 1234),
        ("１，２３４", 1234),
        ("+1,234", 1234),
        ("-1,234", -1234),
        ("△1,234", -1234),
        ("▲500", -500),
        ("", None),
        ("  ", None),
    ],
)
def test_amounts(text: str, value: int | None) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["12a", "1.5", "--1", "¥", "1 2 3x"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(DomainError):
        parse_amount(text)


GENERIC_JP = (
    "日付,摘要,お支払金額,お預り金額,差引残高\r\n"
    '2026/11/02,ﾌﾘｺﾐ ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ,,"150,000","1,150,000"\r\n'
    '2026/11/05,ﾃｽｳﾘﾖｳ,440,,"1,149,560"\r\n'
    "\r\n"
    'R8.11.10,ｶ)ﾀﾅｶ,0,￥98765,"1,248,325"\r\n'
).encode("cp932")


def test_generic_jp_bank_preset() -> None:
    s = parse_csv(
        GENERIC_JP, PRESETS["generic_jp_bank"], bank_code="0005", account_number="1234567"
    )
    assert s.source is SourceFormat.CSV
    assert s.bank_code == "0005"
    assert s.period_start == date(2026, 11, 2)
    assert s.period_end == date(2026, 11, 10)
    assert [(x.direction, x.amount, x.balance_after, x.line_number) for x in s.lines] == [
        (Direction.DEPOSIT, 150000, 1150000, 2),
        (Direction.WITHDRAWAL, 440, 1149560, 3),
        (Direction.DEPOSIT, 98765, 1248325, 5),
    ]
    assert s.lines[0].counterparty == "ﾌﾘｺﾐ ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ"


def test_generic_signed_preset() -> None:
    data = (
        '\ufeff取引日,内容,金額,残高\n2026-11-01,ｶ)ﾔﾏﾀﾞ,"+1,000",5000\n2026-11-02,ﾃｽｳﾘﾖｳ,-220,4780\n'
    )
    s = parse_csv(data.encode("utf-8"), PRESETS["generic_signed"])
    assert [(x.direction, x.amount) for x in s.lines] == [
        (Direction.DEPOSIT, 1000),
        (Direction.WITHDRAWAL, 220),
    ]
    flipped = CsvMapping(
        name="x",
        date_column=0,
        amount_column=2,
        sign=SignConvention.POSITIVE_IS_WITHDRAWAL,
    )
    s2 = parse_csv(data.encode("utf-8"), flipped)
    assert [x.direction for x in s2.lines] == [Direction.WITHDRAWAL, Direction.DEPOSIT]


def test_urikake_simple_preset() -> None:
    data = (
        "value_date,amount,payer_kana,direction\n"
        "2026-11-01,1000,ﾔﾏﾀﾞ,deposit\n"
        "2026-11-02,50,,withdrawal\n"
    ).encode()
    s = parse_csv(data, PRESETS["urikake_simple"])
    assert [(x.direction, x.amount, x.counterparty) for x in s.lines] == [
        (Direction.DEPOSIT, 1000, "ﾔﾏﾀﾞ"),
        (Direction.WITHDRAWAL, 50, ""),
    ]


def test_header_rows_and_tabs_and_index_columns() -> None:
    data = "口座 0005-001-1234567\n日付\t金額\n2026/11/01\t100\n".encode()
    m = CsvMapping(
        name="t", date_column="日付", amount_column="金額", header_rows=2, delimiter="\t"
    )
    assert parse_csv(data, m).lines[0].amount == 100
    m0 = CsvMapping(name="t", date_column=0, amount_column=1, header_rows=0, delimiter="\t")
    with pytest.raises(DomainError) as exc:
        parse_csv(data, m0)
    assert exc.value.line == 1  # "口座 …" is not a date


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        ("2026/11/33,x,,100,1", "csv.bad_date", "日付"),
        (",x,,100,1", "csv.missing_date", "日付"),
        ("2026/11/03,x,100,100,1", "csv.bad_amount", "お預り金額"),
        ("2026/11/03,x,,,1", "csv.bad_amount", "お預り金額"),
        ("2026/11/03,x,,12a,1", "csv.bad_amount", "お預り金額"),
        ("2026/11/03,x,-5,,1", "csv.bad_amount", "お支払金額"),
        ("2026/11/03,x,,100,abc", "csv.bad_amount", "差引残高"),
    ],
)
def test_row_errors_name_line_and_column(row: str, code: str, field: str) -> None:
    data = ("日付,摘要,お支払金額,お預り金額,差引残高\n2026/11/01,ok,,1,1\n" + row + "\n").encode(
        "cp932"
    )
    with pytest.raises(DomainError) as exc:
        parse_csv(data, PRESETS["generic_jp_bank"])
    assert (exc.value.code, exc.value.line, exc.value.field) == (code, 3, field)


def test_missing_column_and_encoding() -> None:
    with pytest.raises(DomainError) as exc:
        parse_csv("日付,摘要\n".encode("cp932"), PRESETS["generic_jp_bank"])
    assert (exc.value.code, exc.value.line) == ("csv.missing_column", 1)
    with pytest.raises(DomainError) as exc:
        parse_csv(
            b"value_date,amount,payer_kana,direction\n\xff\xfe,1,,in\n", PRESETS["urikake_simple"]
        )
    assert (exc.value.code, exc.value.line) == ("csv.bad_encoding", 2)


def test_bad_mapping() -> None:
    with pytest.raises(DomainError):
        CsvMapping(name="x", date_column=0)
    with pytest.raises(DomainError):
        CsvMapping(name="x", date_column=0, amount_column=1, deposit_column=2)
    with pytest.raises(DomainError):
        CsvMapping(name="x", date_column=0, amount_column=1, encoding="no-such-codec")


def test_empty_file() -> None:
    s = parse_csv(b"", PRESETS["urikake_simple"])
    assert s.lines == ()
    assert s.period_start is None


def test_duplicate_import_same_fingerprint() -> None:
    a = parse_csv(GENERIC_JP, PRESETS["generic_jp_bank"], account_number="1234567")
    b = parse_csv(
        GENERIC_JP.replace(b"\r\n", b"\n"), PRESETS["generic_jp_bank"], account_number="1234567"
    )
    assert a.fingerprint() == b.fingerprint()
    assert (
        a.fingerprint()
        == parse_csv(GENERIC_JP, PRESETS["generic_jp_bank"], account_number="1234567").fingerprint()
    )


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

_rows = st.lists(
    st.tuples(
        st.dates(min_value=date(2019, 5, 1), max_value=date(2048, 12, 31)),
        st.integers(1, 10**11),
        st.booleans(),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(
            str.strip
        ),
        st.sampled_from(["iso", "slash", "wareki", "kanji"]),
    ),
    max_size=15,
)


def _fmt(d: date, style: str) -> str:
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "wareki":
        return f"R{d.year - 2018}.{d.month}.{d.day}"
    return f"令和{d.year - 2018}年{d.month}月{d.day}日"


@settings(max_examples=80, deadline=None)
@given(_rows, st.sampled_from(["utf-8-sig", "cp932"]))
def test_round_trip_generated_csv(
    rows: list[tuple[date, int, bool, str, str]], encoding: str
) -> None:
    rows = [r for r in rows if _encodable(r[3], encoding)]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["日付", "摘要", "お支払金額", "お預り金額", "差引残高"])
    for d, amount, deposit, memo, style in rows:
        money = f"{amount:,}"
        w.writerow([_fmt(d, style), memo, "" if deposit else money, money if deposit else "", ""])
    mapping = CsvMapping(
        name="t",
        encoding=encoding,
        date_column="日付",
        counterparty_column="摘要",
        withdrawal_column="お支払金額",
        deposit_column="お預り金額",
        balance_column="差引残高",
    )
    s = parse_csv(out.getvalue().encode(encoding), mapping)
    assert [
        (x.value_date, x.amount, x.direction, x.counterparty, x.balance_after) for x in s.lines
    ] == [
        (d, a, Direction.DEPOSIT if dep else Direction.WITHDRAWAL, memo, None)
        for d, a, dep, memo, _ in rows
    ]


def _encodable(text: str, encoding: str) -> bool:
    # Only text that survives the encoding unchanged: cp932 maps some characters one way
    # (¢ U+00A2 is written as 0x8191, which reads back as ￠ U+FFE0).
    try:
        if text.encode(encoding).decode(encoding) != text:
            return False
    except UnicodeEncodeError:
        return False
    return "\r" not in text and "\n" not in text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(sorted(PRESETS)))
def test_fuzz_random_bytes(data: bytes, preset: str) -> None:
    line: int | None = 1
    try:
        result = parse_csv(data, PRESETS[preset])
    except DomainError as e:
        line = e.line
    else:
        assert isinstance(result, Statement)
    assert line is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=6))
def test_fuzz_random_cells(rows: list[list[str]]) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["value_date", "amount", "payer_kana", "direction"])
    w.writerows(rows)
    line: int | None = 1
    try:
        parse_csv(out.getvalue().encode("utf-8", "surrogatepass"), PRESETS["urikake_simple"])
    except DomainError as e:
        line = e.line
    assert line is not None


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from("/-."), st.sampled_from("/-."))
def test_plain_dates_read_as_the_general_path_reads_them(d: date, a: str, b: str) -> None:
    text = f"{d.year:04d}{a}{d.month:02d}{b}{d.day:02d}"
    assert parse_jp_date(text) == parse_jp_date(f" {text} ") == d  # spaces: the general path


@pytest.mark.parametrize("text", ["2026-02-30", "2026/13/01", "0000-01-01"])
def test_impossible_plain_dates_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as info:
        parse_jp_date(text, field="日付", line=3)
    assert (info.value.code, info.value.line) == ("csv.bad_date", 3)


@given(st.integers(0, 10**16))
def test_plain_digit_amounts_read_as_yen_reads_them(n: int) -> None:
    for text in (str(n), str(n).zfill(18)):
        try:
            expected: object = parse_amount(f" {text} ")  # not plain: the general path
        except DomainError as e:
            expected = e.code
        try:
            got: object = parse_amount(text)
        except DomainError as e:
            got = e.code
        assert got == expected


# ---------------------------------------------------------------------------------------
# The column-wise reader against the row-by-row one
# ---------------------------------------------------------------------------------------


def _by_rows(data: bytes, mapping: CsvMapping) -> object:
    """What the row-by-row reader makes of ``data``: the Statement, or the error."""
    try:
        text = statement_csv._decode(data, mapping.encoding)
        lines = statement_csv._parse_rows(text, mapping)
    except DomainError as e:
        return (e.code, e.field, e.line, e.message)
    dates = [x.value_date for x in lines]
    return Statement(
        source=SourceFormat.CSV,
        bank_code="0001",
        branch_code="",
        account_type=None,
        account_number="",
        account_name="",
        period_start=min(dates) if dates else None,
        period_end=max(dates) if dates else None,
        lines=tuple(lines),
    )


def _by_columns(data: bytes, mapping: CsvMapping) -> object:
    try:
        return parse_csv(data, mapping, bank_code="0001")
    except DomainError as e:
        return (e.code, e.field, e.line, e.message)


_dates = st.one_of(
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(lambda d: d.strftime("%Y/%m/%d")),
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "2026.1.5", " 2026-11-01", ""]),
    st.sampled_from(["R8.11.1", "令和8年11月1日", "20261101", "2026-11-0x", "２０２６-11-01"]),
)
_amounts = st.one_of(
    st.integers(1, 10**15).map(str),
    st.integers(-(10**15), -1).map(str),
    st.sampled_from(["0", "-0", "", "1,234", "￥500", "△12", "0012", "-0012", "--5", "-", " 7"]),
    st.sampled_from(["1e3", "１２", "+5", "9" * 16, "9" * 17]),
)
_words = st.sampled_from(
    [
        *("入金", "出金", "deposit", " OUT ", "ｎｙｕ", "1", "2", "+", "", "入金　"),
        *("in", "In", "out", " 1", "１", "＋", "－", "2 ", "入", "𠮷"),
    ]
)
_texts = st.sampled_from(
    ["ﾔﾏﾀﾞ", " ｶ)ﾃｽﾄ ", "株式会社テスト", "", "a b", "\t", "𠮷野家", "\u3000ﾔﾏﾀﾞ\u3000", "x\u3000"]
)
_ends = st.sampled_from(["\n", "\r\n"])


@st.composite
def _signed_files(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.tuples(_dates, _texts, _amounts, _amounts), max_size=12))
    end = draw(_ends)
    lines = ["取引日,内容,金額,残高", *(",".join(r) for r in rows)]
    if draw(st.booleans()) and rows:
        lines.insert(draw(st.integers(1, len(lines))), draw(st.sampled_from(["", ",,,", "a,b"])))
    if draw(st.booleans()) and rows:
        lines.append('"2026-11-01",x,1,2')
    return (end.join(lines) + draw(st.sampled_from(["", end]))).encode("utf-8")


_one_side = st.one_of(
    st.integers(1, 10**9).map(lambda a: (str(a), "")),
    st.integers(1, 10**9).map(lambda a: ("", str(a))),
    st.integers(1, 10**9).map(lambda a: ("0", str(a))),
    st.tuples(_amounts, _amounts),
)


@st.composite
def _split_files(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.tuples(_dates, _texts, _one_side, _amounts), max_size=12))
    lines = ["日付,摘要,お支払金額,お預り金額,差引残高"]
    lines += [",".join((d, t, *sides, b)) for d, t, sides, b in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp932", "replace")


@st.composite
def _direction_files(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.tuples(_dates, _amounts, _texts, _words), max_size=12))
    lines = ["value_date,amount,payer_kana,direction", *(",".join(r) for r in rows)]
    return ("\n".join(lines) + draw(st.sampled_from(["\n", ""]))).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(_signed_files())
def test_columns_equal_rows_signed(data: bytes) -> None:
    mapping = PRESETS["generic_signed"]
    assert _by_columns(data, mapping) == _by_rows(data, mapping)


@settings(max_examples=200, deadline=None)
@given(_split_files())
def test_columns_equal_rows_split(data: bytes) -> None:
    mapping = PRESETS["generic_jp_bank"]
    assert _by_columns(data, mapping) == _by_rows(data, mapping)


@settings(max_examples=200, deadline=None)
@given(_direction_files(), st.integers(0, 2))
def test_columns_equal_rows_direction(data: bytes, header_rows: int) -> None:
    mapping = dataclasses.replace(
        PRESETS["urikake_simple"],
        header_rows=header_rows,
        **(
            {"date_column": 0, "amount_column": 1, "counterparty_column": 2, "direction_column": 3}
            if header_rows == 0
            else {}
        ),
    )
    assert _by_columns(data, mapping) == _by_rows(data, mapping)


def test_plain_file_is_read_by_columns() -> None:
    rows = ["2026-11-01,1000,ﾔﾏﾀﾞ,入金", "2026/11/02,20, ｽｽﾞｷ ,出金", "2026-11-03,5,x,入金"]
    text = "value_date,amount,payer_kana,direction\r\n" + "\r\n".join(rows) + "\r\n"
    columns = statement_csv._plain_columns(text, PRESETS["urikake_simple"])
    assert columns is not None
    assert columns.amount.tolist() == [1000, 20, 5]
    assert columns.deposit.tolist() == [True, False, True]
    assert columns.counterparty == ["ﾔﾏﾀﾞ", "ｽｽﾞｷ", "x"]
    assert columns.line_number.tolist() == [2, 3, 4]
    assert columns.lines() == list(parse_csv(text.encode(), PRESETS["urikake_simple"]).lines)


def test_plain_files_read_by_columns_at_their_edges() -> None:
    """Cells the column-wise reader handles itself, equal to the row-by-row reading: a
    character beyond the BMP, full-width spaces around a text, more distinct direction
    words than are told apart by their first units (20 spellings), an amount as the file's
    very first cell (no header) and a direction word as its very last (no line end)."""
    words = ["入金", "出金", "in", "In", "IN", "out", "Out", "OUT", "1", "2", " 1", "2 "]
    words += ["+", "-", "１", "２", "＋", "－", "deposit", "Withdrawal"]
    rows = [
        f"{(k * 37) % 9000 + 1},2026-11-{k % 28 + 1:02d},{t},{w}"
        for k, (t, w) in enumerate(
            zip(["𠮷野家", "\u3000ﾔﾏﾀﾞ\u3000", "ｽｽﾞｷ", " x "] * 5, words, strict=True)
        )
    ]
    text = "\n".join(rows)
    mapping = CsvMapping(
        name="edges",
        header_rows=0,
        amount_column=0,
        date_column=1,
        counterparty_column=2,
        direction_column=3,
    )
    columns = statement_csv._plain_columns(text, mapping)
    assert columns is not None
    assert columns.counterparty[:2] == ["𠮷野家", "ﾔﾏﾀﾞ"]
    assert _by_columns(text.encode(), mapping) == _by_rows(text.encode(), mapping)
    short = "\n".join(rows[:12])  # 12 words of at most 4 units: told apart by their units
    assert statement_csv._plain_columns(short, mapping) is not None
    assert _by_columns(short.encode(), mapping) == _by_rows(short.encode(), mapping)
