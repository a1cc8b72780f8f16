"""全銀協規定形式の受取明細: 入出金取引明細 (種別コード 03) and 振込入金通知 (種別コード 01).

Parsers turn a bank file (bytes) into a :class:`~urikake.domain.statements.Statement`, or —
without one object per line — into columns (:func:`parse_receipt_columns`, a
:class:`~urikake.domain.statement_columns.ReceiptColumns` whose ``statement()`` makes the
Statement on demand); writers
produce the same formats from a Statement (for tests, the bank simulator and demo data), and
``parse(write(s)) == s`` for every Statement a writer accepts.

Layout sources (public bank manuals restating the 全銀協 layout; offsets below are 0-based):

* 振込入金通知 (01): 阿波銀行「振込入金通知(全銀協制定フォーマット)」
  http://www.awabank.co.jp/houjin/service/fb/zengin/tsuchi/
* 入出金取引明細 (03): きらぼし銀行「入出金明細(全銀)明細ファイル・フォーマット
  (全銀協規定形式・改行なし)」(2018-05-01 版; header layout), as republished on
  https://123deta.com (search that title), and 京都銀行「京銀インターネットEBサービス
  ご利用マニュアル」ファイルフォーマット「入出金明細ファイル(全銀協規定形式)」. The data-record
  offsets agree with an independent public implementation of the format; the trailer layout
  is the 全銀協 one banks restate (入金件数 N6, 入金額合計 N13, 出金件数 N6, 出金額合計 N13,
  貸越区分, 取引後残高 N14) — check it against your bank's manual. 取引区分 codes: 10 現金,
  11 振込, 12 他店券入金, 13 交換, 14 振替, 15 継続, 18 その他, 19 訂正.

Common: 200-byte records, JIS X0201 (1 byte per character; half-width kana 0xA1–0xDF).
N = digits, right-aligned, zero-filled; C = text, left-aligned, space-filled. Records may be
separated by CR/LF or LF or nothing; a trailing EOF byte 0x1A is accepted. A file is one or
more (header 1, data 2…, trailer 8) groups followed by one end record 9.

01 header  データ区分 N1 @0 · 種別コード N2 @1 · コード区分 N1 @3 · 作成日 N6 @4 ·
           勘定日(自) N6 @10 · 勘定日(至) N6 @16 · 銀行コード N4 @22 · 銀行名 C15 @26 ·
           支店コード N3 @41 · 支店名 C15 @44 · 預金種目 N1 @59 · 口座番号 N7 @60 ·
           口座名 C40 @67 · ダミー C93 @107
01 data    データ区分 N1 @0 · 照会番号 N6 @1 · 勘定日 N6 @7 · 起算日 N6 @13 · 金額 N10 @19 ·
           うち他店券金額 N10 @29 · 振込依頼人コード N10 @39 · 振込依頼人名 C48 @49 ·
           仕向銀行名 C15 @97 · 仕向支店名 C15 @112 · 取消区分 N1 @127 · EDI情報 C20 @128 ·
           ダミー C52 @148
01 trailer データ区分 N1 · 合計件数 N6 @1 · 合計金額 N12 @7 · 取消件数 N6 @19 ·
           取消金額 N12 @25 · ダミー C163 @37
03 header  データ区分 N1 @0 · 種別コード N2 @1 · コード区分 N1 @3 · 作成日 N6 @4 ·
           勘定日(自) N6 @10 · 勘定日(至) N6 @16 · 銀行コード N4 @22 · 銀行名 C15 @26 ·
           支店コード N3 @41 · 支店名 C15 @44 · ダミー N3 @59 · 預金種目 N1 @62 ·
           口座番号 N7 @63 · 口座名 C40 @70 · 貸越区分 N1 @110 · 通帳・証書区分 N1 @111 ·
           取引前残高 N14 @112 · ダミー C74 @126
03 data    データ区分 N1 @0 · 照会番号 N8 @1 · 勘定日 N6 @9 · 預入・払出日(起算日) N6 @15 ·
           入払区分 N1 @21 (1 入金, 2 出金) · 取引区分 N2 @22 · 取引金額 N12 @24 ·
           うち他店券金額 N12 @36 · 交換呈示日 N6 @48 · 不渡返還日 N6 @54 ·
           手形・小切手区分 N1 @60 · 手形・小切手番号 N7 @61 · 僚店番号 N3 @68 ·
           振込依頼人コード N10 @71 · 振込依頼人名 C48 @81 · 仕向銀行名 C15 @129 ·
           仕向店名 C15 @144 · 摘要内容 C20 @159 · EDI情報 C20 @179 · ダミー C1 @199
03 trailer データ区分 N1 · 入金件数 N6 @1 · 入金額合計 N13 @7 · 出金件数 N6 @20 ·
           出金額合計 N13 @26 · 貸越区分 N1 @39 · 取引後残高 N14 @40 · ダミー C146 @54
end        データ区分 N1 = 9 · ダミー C199

Decisions
---------
* Dates are 和暦 YYMMDD without an era digit (the layouts' own example reads 280503 as
  平成28年5月3日; FORMATS.md reads 080503 as 令和8年). :func:`wareki_to_date` reads YY = 31 as
  平成31年 = 2019 (also for May–December: files written just after the 改元 kept 平成) and
  01 ≤ YY ≤ 30 as 令和 (令和元年 from 2019-05-01, up to 令和30年 = 2048). Anything else (平成
  before 2019, 令和元年 before 05-01, YY 00 or ≥ 32) raises. Writers write 平成31 before
  2019-05-01 and 令和 from then on.
* An empty ``reference`` is written as zeros (and read back as ``"000000"``).
* StatementLine mapping: value_date = 勘定日, amount = 金額/取引金額, counterparty = 振込依頼人名,
  reference = 照会番号 (the digits as written), edi = EDI情報, description = 摘要内容 (03) / ""
  (01). 起算日, 取引区分, 振込依頼人コード and the 仕向銀行/支店名 are validated but not carried
  (the Statement type has no place for them); bank/branch names likewise.
* 01 取消区分 1 (a cancelled notice) becomes a WITHDRAWAL line (the reversal of the deposit);
  合計件数/金額 count every data record, 取消件数/金額 the cancellations.
* 03 balances: when the header's 取引前残高 is filled, each line's ``balance_after`` is the
  running balance and the trailer's 取引後残高 must agree; when it is blank (spaces) lines
  have no balance.
* Several groups are allowed when they are for the same account (lines are concatenated,
  the period is the union); groups for different accounts raise ``zengin.account_mismatch``.
* Parsing is all-or-nothing; every failure is a :class:`DomainError` with ``line`` (record
  number, from 1) and, where there is one, ``field``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from urikake.domain.errors import DomainError
from urikake.domain.statement_columns import FixedText, ReceiptColumns, StatementColumns
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine

__all__ = [
    "CHUNK_RECORDS",
    "RECORD_LENGTH",
    "date_to_wareki",
    "iter_receipt_columns",
    "iter_receipt_lines",
    "parse_deposit_notice_file",
    "parse_receipt_columns",
    "parse_receipt_file",
    "parse_receipt_stream",
    "parse_receipt_stream_columns",
    "parse_statement_file",
    "wareki_to_date",
    "write_deposit_notice_file",
    "write_statement_file",
]

RECORD_LENGTH = 200
_EOF = 0x1A
_REIWA_START = date(2019, 5, 1)
_HEISEI_OFFSET = 1988
_REIWA_OFFSET = 2018


# ---------------------------------------------------------------------------------------
# 和暦
# ---------------------------------------------------------------------------------------


def wareki_to_date(yymmdd: str, *, field: str | None = None, line: int | None = None) -> date:
    """A 全銀 和暦 date ``YYMMDD`` (no era digit) → :class:`date`.

    YY ≥ 31 → 平成 (only 平成31年 = 2019 exists), YY ≤ 30 → 令和 (令和元年 starts 2019-05-01).
    平成31年5月以降 is accepted as 2019 (files written just after the 改元 kept 平成).
    """

    def bad(why: str) -> DomainError:
        return DomainError(
            "zengin.bad_date", f"日付「{yymmdd}」が不正です({why})", field=field, line=line
        )

    if len(yymmdd) != 6 or not (yymmdd.isascii() and yymmdd.isdigit()):
        raise bad("和暦YYMMDDの数字6桁ではありません")
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if yy >= 31:
        if yy != 31:
            raise bad("平成は31年までです")
        year = _HEISEI_OFFSET + yy
    else:
        if yy == 0:
            raise bad("令和0年はありません")
        year = _REIWA_OFFSET + yy
    try:
        result = date(year, mm, dd)
    except ValueError:
        raise bad("存在しない日付です") from None
    if yy < 31 and result < _REIWA_START:
        raise bad("令和は2019年5月1日からです")
    return result


def date_to_wareki(d: date, *, field: str | None = None, line: int | None = None) -> str:
    """:class:`date` → 全銀 和暦 ``YYMMDD`` (平成31 before 2019-05-01, 令和 from then on)."""
    if d >= _REIWA_START:
        yy = d.year - _REIWA_OFFSET
        if yy > 30:
            raise DomainError(
                "zengin.date_out_of_range",
                f"{d.isoformat()}は全銀の和暦(令和30年まで)で表せません",
                field=field,
                line=line,
            )
    elif d.year == 2019:
        yy = 31
    else:
        raise DomainError(
            "zengin.date_out_of_range",
            f"{d.isoformat()}は全銀の和暦(2019年以降)で表せません",
            field=field,
            line=line,
        )
    return f"{yy:02d}{d.month:02d}{d.day:02d}"


# ---------------------------------------------------------------------------------------
# Bytes ↔ JIS X0201 text
# ---------------------------------------------------------------------------------------


def _decode_byte(b: int) -> str | None:
    if 0x20 <= b <= 0x7E:
        return chr(b)
    if 0xA1 <= b <= 0xDF:  # half-width katakana: cp932 / JIS X0201 → U+FF61…U+FF9F
        return chr(0xFF61 + b - 0xA1)
    return None


def _encode_char(c: str) -> int | None:
    o = ord(c)
    if 0x20 <= o <= 0x7E:
        return o
    if 0xFF61 <= o <= 0xFF9F:
        return 0xA1 + o - 0xFF61
    return None


# The bytes _decode_byte accepts, and its mapping for the kana ones (after a latin-1 decode).
_TEXT_BYTES = bytes([*range(0x20, 0x7F), *range(0xA1, 0xE0)])
_HALF_WIDTH_KANA = {b: 0xFF61 + b - 0xA1 for b in range(0xA1, 0xE0)}


class _Record:
    """One 200-byte record with typed field readers that raise DomainError(line=, field=)."""

    __slots__ = ("data", "line")

    def __init__(self, data: bytes, line: int) -> None:
        self.data = data
        self.line = line

    def error(self, code: str, message: str, field: str | None = None) -> DomainError:
        return DomainError(code, message, field=field, line=self.line)

    def digits(self, name: str, offset: int, length: int) -> str:
        raw = self.data[offset : offset + length]
        if raw.isdigit():  # bytes.isdigit: ASCII 0-9 only, checked in C
            return raw.decode("ascii")
        if not all(0x30 <= b <= 0x39 for b in raw):
            shown = raw.decode("latin-1").replace("\x00", "\\0")
            raise self.error(
                "zengin.bad_digits", f"数字項目に数字以外が含まれています: {shown!r}", name
            )
        return raw.decode("ascii")

    def number(self, name: str, offset: int, length: int) -> int:
        return int(self.digits(name, offset, length))

    def blank(self, offset: int, length: int) -> bool:
        return self.data[offset : offset + length] == b" " * length

    def optional_number(self, name: str, offset: int, length: int) -> int | None:
        return None if self.blank(offset, length) else self.number(name, offset, length)

    def text(self, name: str, offset: int, length: int) -> str:
        raw = self.data[offset : offset + length]
        if not raw.translate(None, _TEXT_BYTES):  # every byte is JIS X0201 text (in C)
            return raw.decode("latin-1").translate(_HALF_WIDTH_KANA).rstrip(" ")
        out: list[str] = []
        for i, b in enumerate(self.data[offset : offset + length]):
            c = _decode_byte(b)
            if c is None:
                raise self.error(
                    "zengin.bad_char",
                    f"{i + 1}文字目に使えない文字コード(0x{b:02X})があります",
                    name,
                )
            out.append(c)
        return "".join(out).rstrip(" ")

    def date(self, name: str, offset: int) -> date:
        return wareki_to_date(self.digits(name, offset, 6), field=name, line=self.line)


def _split_records(data: bytes) -> list[_Record]:
    if data.endswith(bytes([_EOF])):
        data = data[:-1]
    if b"\n" in data or b"\r" in data:
        chunks = data.replace(b"\r\n", b"\n").split(b"\n")
        if chunks and chunks[-1] == b"":
            chunks.pop()
    else:
        chunks = [data[i : i + RECORD_LENGTH] for i in range(0, len(data), RECORD_LENGTH)]
    records = []
    for i, chunk in enumerate(chunks, start=1):
        if len(chunk) != RECORD_LENGTH:
            raise DomainError(
                "zengin.record_length",
                f"レコード長が{len(chunk)}バイトです({RECORD_LENGTH}バイトのはずです)",
                field="レコード長",
                line=i,
            )
        records.append(_Record(chunk, i))
    if not records:
        raise DomainError("zengin.empty", "ファイルが空です", line=1)
    return records


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    bank_code: str
    branch_code: str
    account_type: int
    account_number: str
    account_name: str
    start: date
    end: date
    opening_balance: int | None  # 03 only


_Kind = str  # "01" or "03"


def _parse_header(rec: _Record, kind: _Kind) -> _Header:
    code = rec.digits("種別コード", 1, 2)
    if code != kind:
        raise rec.error(
            "zengin.wrong_kind", f"種別コードが{code}です({kind}のはずです)", "種別コード"
        )
    rec.digits("コード区分", 3, 1)
    rec.date("作成日", 4)
    start = rec.date("勘定日(自)", 10)
    end = rec.date("勘定日(至)", 16)
    if start > end:
        raise rec.error("zengin.bad_period", "勘定日(自)が勘定日(至)より後です", "勘定日(自)")
    bank_code = rec.digits("銀行コード", 22, 4)
    rec.text("銀行名", 26, 15)
    branch_code = rec.digits("支店コード", 41, 3)
    rec.text("支店名", 44, 15)
    opening: int | None = None
    if kind == "01":
        type_off, acct_off, name_off = 59, 60, 67
    else:
        rec.digits("ダミー", 59, 3)
        type_off, acct_off, name_off = 62, 63, 70
        opening = _balance(rec, 110, 112, "取引前残高")
        if not rec.blank(111, 1):
            rec.digits("通帳・証書区分", 111, 1)
    account_type = rec.number("預金種目", type_off, 1)
    account_number = rec.digits("口座番号", acct_off, 7)
    account_name = rec.text("口座名", name_off, 40)
    return _Header(
        bank_code, branch_code, account_type, account_number, account_name, start, end, opening
    )


def _balance(rec: _Record, sign_off: int, amount_off: int, name: str) -> int | None:
    """貸越区分 (1 プラス / 2 マイナス) + N14 残高; all blank → None."""
    if rec.blank(sign_off, 1) and rec.blank(amount_off, 14):
        return None
    sign = rec.number("貸越区分", sign_off, 1)
    if sign not in (1, 2):
        raise rec.error("zengin.bad_code", f"貸越区分{sign}は不正です(1か2)", "貸越区分")
    amount = rec.number(name, amount_off, 14)
    return -amount if sign == 2 else amount


def _check_in_period(rec: _Record, d: date, header: _Header) -> None:
    if not header.start <= d <= header.end:
        raise rec.error("zengin.out_of_period", "勘定日がヘッダーの勘定日の期間外です", "勘定日")


def _parse_data_01(rec: _Record, header: _Header) -> StatementLine:
    reference = rec.digits("照会番号", 1, 6)
    value_date = rec.date("勘定日", 7)
    _check_in_period(rec, value_date, header)
    rec.date("起算日", 13)
    amount = rec.number("金額", 19, 10)
    rec.digits("うち他店券金額", 29, 10)
    rec.digits("振込依頼人コード", 39, 10)
    counterparty = rec.text("振込依頼人名", 49, 48)
    rec.text("仕向銀行名", 97, 15)
    rec.text("仕向支店名", 112, 15)
    cancel = 0 if rec.blank(127, 1) else rec.number("取消区分", 127, 1)
    if cancel not in (0, 1):
        raise rec.error("zengin.bad_code", f"取消区分{cancel}は不正です(0か1)", "取消区分")
    edi = rec.text("EDI情報", 128, 20)
    if amount <= 0:
        raise rec.error("zengin.zero_amount", "金額が0円です", "金額")
    return StatementLine(
        value_date=value_date,
        direction=Direction.WITHDRAWAL if cancel == 1 else Direction.DEPOSIT,
        amount=amount,
        counterparty=counterparty,
        reference=reference,
        edi=edi,
        line_number=rec.line,
    )


def _parse_data_03(rec: _Record, header: _Header, balance: int | None) -> StatementLine:
    reference = rec.digits("照会番号", 1, 8)
    value_date = rec.date("勘定日", 9)
    _check_in_period(rec, value_date, header)
    rec.date("預入・払出日", 15)
    flag = rec.number("入払区分", 21, 1)
    if flag not in (1, 2):
        raise rec.error("zengin.bad_code", f"入払区分{flag}は不正です(1 入金か2 出金)", "入払区分")
    rec.digits("取引区分", 22, 2)
    amount = rec.number("取引金額", 24, 12)
    if amount <= 0:
        raise rec.error("zengin.zero_amount", "取引金額が0円です", "取引金額")
    rec.digits("うち他店券金額", 36, 12)
    for name, off, length in (
        ("交換呈示日", 48, 6),
        ("不渡返還日", 54, 6),
        ("手形・小切手区分", 60, 1),
        ("手形・小切手番号", 61, 7),
        ("僚店番号", 68, 3),
        ("振込依頼人コード", 71, 10),
    ):
        rec.digits(name, off, length)
    counterparty = rec.text("振込依頼人名", 81, 48)
    rec.text("仕向銀行名", 129, 15)
    rec.text("仕向店名", 144, 15)
    description = rec.text("摘要内容", 159, 20)
    edi = rec.text("EDI情報", 179, 20)
    rec.text("ダミー", 199, 1)
    direction = Direction.DEPOSIT if flag == 1 else Direction.WITHDRAWAL
    if balance is not None:
        balance += amount if direction is Direction.DEPOSIT else -amount
    return StatementLine(
        value_date=value_date,
        direction=direction,
        amount=amount,
        counterparty=counterparty,
        description=description,
        reference=reference,
        balance_after=balance,
        edi=edi,
        line_number=rec.line,
    )


def _check_trailer_01(rec: _Record, lines: list[StatementLine]) -> None:
    cancelled = [x for x in lines if x.direction is Direction.WITHDRAWAL]
    _expect(rec, "合計件数", rec.number("合計件数", 1, 6), len(lines))
    _expect(rec, "合計金額", rec.number("合計金額", 7, 12), sum(x.amount for x in lines))
    _expect(rec, "取消件数", rec.number("取消件数", 19, 6), len(cancelled))
    _expect(rec, "取消金額", rec.number("取消金額", 25, 12), sum(x.amount for x in cancelled))


def _check_trailer_03(
    rec: _Record, lines: list[StatementLine], opening: int | None, closing: int | None
) -> None:
    dep = [x.amount for x in lines if x.direction is Direction.DEPOSIT]
    wd = [x.amount for x in lines if x.direction is Direction.WITHDRAWAL]
    _expect(rec, "入金件数", rec.number("入金件数", 1, 6), len(dep))
    _expect(rec, "入金額合計", rec.number("入金額合計", 7, 13), sum(dep))
    _expect(rec, "出金件数", rec.number("出金件数", 20, 6), len(wd))
    _expect(rec, "出金額合計", rec.number("出金額合計", 26, 13), sum(wd))
    after = _balance(rec, 39, 40, "取引後残高")
    if opening is None:
        if after is not None:
            raise rec.error(
                "zengin.trailer_mismatch",
                "ヘッダーに取引前残高がないのに取引後残高があります",
                "取引後残高",
            )
    else:
        _expect(rec, "取引後残高", after, closing)


def _expect(rec: _Record, name: str, found: int | None, expected: int | None) -> None:
    if found != expected:
        raise rec.error(
            "zengin.trailer_mismatch",
            f"{name}が{found}ですが、データ・レコードからは{expected}になります",
            name,
        )


def _parse_per_record(data: bytes, kind: _Kind) -> Statement:
    """The parser record by record (the implementation before the column-wise one): still
    the path for files whose records are not evenly laid out, and the reference that a
    property test compares :func:`_parse` with (lines and errors)."""
    records = _split_records(data)
    headers: list[_Header] = []
    lines: list[StatementLine] = []
    state = "start"  # start → header → (data…) → trailer → header… | end
    header: _Header | None = None
    group: list[StatementLine] = []
    balance: int | None = None
    for rec in records:
        kubun = rec.data[:1]
        if state == "end":
            raise rec.error(
                "zengin.record_order", "エンド・レコードの後にレコードがあります", "データ区分"
            )
        if kubun == b"1":
            if state not in ("start", "trailer"):
                raise rec.error(
                    "zengin.record_order",
                    "トレーラー・レコードの前にヘッダーがあります",
                    "データ区分",
                )
            header = _parse_header(rec, kind)
            if headers and (header.bank_code, header.branch_code, header.account_number) != (
                headers[0].bank_code,
                headers[0].branch_code,
                headers[0].account_number,
            ):
                raise rec.error(
                    "zengin.account_mismatch",
                    "ひとつのファイルに別の口座の明細があります",
                    "口座番号",
                )
            headers.append(header)
            group, balance, state = [], header.opening_balance, "header"
        elif kubun == b"2":
            if header is None or state not in ("header", "data"):
                raise rec.error(
                    "zengin.record_order", "ヘッダーの前にデータ・レコードがあります", "データ区分"
                )
            if kind == "01":
                line = _parse_data_01(rec, header)
            else:
                line = _parse_data_03(rec, header, balance)
                balance = line.balance_after
            group.append(line)
            state = "data"
        elif kubun == b"8":
            if header is None or state not in ("header", "data"):
                raise rec.error(
                    "zengin.record_order",
                    "ヘッダーの前にトレーラー・レコードがあります",
                    "データ区分",
                )
            if kind == "01":
                _check_trailer_01(rec, group)
            else:
                _check_trailer_03(rec, group, header.opening_balance, balance)
            lines.extend(group)
            state = "trailer"
        elif kubun == b"9":
            if state != "trailer":
                raise rec.error(
                    "zengin.record_order",
                    "トレーラー・レコードの前にエンド・レコードがあります",
                    "データ区分",
                )
            state = "end"
        else:
            shown = kubun.decode("latin-1")
            raise rec.error(
                "zengin.unknown_record", f"データ区分「{shown}」は不明です", "データ区分"
            )
    if state != "end":
        raise DomainError(
            "zengin.missing_end",
            "エンド・レコードがありません(ファイルが途中で切れています)",
            field="データ区分",
            line=len(records),
        )
    return Statement(**_account_fields(kind, headers), lines=tuple(lines))


# ---------------------------------------------------------------------------------------
# Column-wise parsing, from bytes or from a stream
# ---------------------------------------------------------------------------------------

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
_POW10 = 10 ** np.arange(11, -1, -1, dtype=np.int64)  # place values of up to 12 digits
_SAFE = 2**62  # int64 sums below this cannot overflow
CHUNK_RECORDS = 65_536
# Widths in the file of a line's reference, counterparty, description and EDI texts.
_WIDTHS = {"03": (8, 48, 20, 20), "01": (6, 48, 0, 20)}
_NO_DAY = np.iinfo(np.int64).min


def _number(digits: npt.NDArray[np.uint8], start: int, stop: int) -> npt.NDArray[np.int64]:
    """The number in record bytes [start, stop) (1 ≤ start; ``digits`` holds the record's
    bytes from 1 on, minus ``0``)."""
    width = stop - start
    return digits[:, start - 1 : stop - 1].astype(np.int64) @ _POW10[12 - width :]


def _exact_sum(values: npt.NDArray[np.int64]) -> int:
    """Σ values as a Python int without int64 overflow (values < 10¹²: split at 10⁶)."""
    high, low = np.divmod(values, 1_000_000)
    return int(high.sum()) * 1_000_000 + int(low.sum())


def _days(yymmdd: list[npt.NDArray[np.int64]], ok: Bools, header: _Header) -> Ints:
    """Days since 1970-01-01 of the first YYMMDD column; ``ok`` cleared where any column's
    date is not valid by :func:`wareki_to_date` or the first is outside the header's period.

    Each distinct YYMMDD is checked once, by that function. A date's slot is
    YY·372 + (MM−1)·31 + (DD−1); a month or day out of 1–12 / 1–31 is simply bad."""
    slots = []
    for v in yymmdd:
        mm, dd = v // 100 % 100, v % 100
        ok &= (mm >= 1) & (mm <= 12) & (dd >= 1) & (dd <= 31)
        slots.append(np.where(ok, v // 10000 * 372 + (mm - 1) * 31 + (dd - 1), 0))
    seen = np.zeros(100 * 372, dtype=np.bool_)
    for s in slots:
        seen[s[ok]] = True
    day = np.full(100 * 372, _NO_DAY, dtype=np.int64)
    in_period = np.zeros(100 * 372, dtype=np.bool_)
    epoch = date(1970, 1, 1).toordinal()
    for slot in np.flatnonzero(seen).tolist():
        yy, rest = divmod(slot, 372)
        try:
            d = wareki_to_date(f"{yy:02d}{rest // 31 + 1:02d}{rest % 31 + 1:02d}")
        except DomainError:
            continue
        day[slot] = d.toordinal() - epoch
        in_period[slot] = header.start <= d <= header.end
    for s in slots:
        ok &= day[s] != _NO_DAY
    ok &= in_period[slots[0]]
    result: Ints = day[slots[0]]
    return result


def _text_ok(cols: npt.NDArray[np.uint8]) -> Bools:
    """Rows whose bytes are all JIS X0201 text (0x20–0x7E, 0xA1–0xDF): two wrapping
    subtractions and compares, twice as fast as a table look-up per byte."""
    ascii_ = (cols - np.uint8(0x20)) < 0x5F
    kana = (cols - np.uint8(0xA1)) < 0x3F
    result: Bools = np.asarray((ascii_ | kana).all(axis=1))
    return result


def _line_ends(cols: npt.NDArray[np.uint8]) -> Bools:
    """Rows holding a CR or LF byte."""
    result: Bools = ((cols == 0x0A) | (cols == 0x0D)).any(axis=1)
    return result


def _only_text(data: bytes, records: npt.NDArray[np.uint8]) -> bool:
    """Whether the records of an evenly laid out file hold nothing but JIS X0201 text: what
    remains of the file without its text bytes is exactly the record separators (and the
    EOF byte). One pass in C over the file, instead of checking every text field."""
    rest = data.translate(None, _TEXT_BYTES)
    if not rest:
        return True
    n, stride = records.shape[0], records.strides[0]
    sep = b"\r\n"[2 - (stride - RECORD_LENGTH) :] if stride > RECORD_LENGTH else b""
    expected = sep * n
    return rest in (expected, expected + bytes([_EOF]))


class _Uneven(Exception):
    """A CR or LF inside a record: the file is not evenly laid out after all."""


def _leading(ok: Bools) -> int:
    """How many leading rows are ok."""
    return len(ok) if ok.all() else int(np.argmin(ok))


class _Parser:
    """The record-order state machine of a receipt file. Records are fed one at a time
    through the checks of :func:`_parse_per_record` (same order, same errors), or — for a
    run of data records — checked and converted column-wise, where any record that is not
    plainly valid goes through the per-record checks (which report its first problem or
    accept it). Lines are collected as blocks of columns (a stream takes them chunk by
    chunk: they are only confirmed when the file's end is reached)."""

    def __init__(self, kind: _Kind, *, strict_line_ends: bool = False) -> None:
        self.kind = kind
        # A whole file read as evenly laid out: a record (beyond the bytes the column-wise
        # checks read) that holds a CR or LF raises _Uneven (the per-record parser reads it).
        self.strict_line_ends = strict_line_ends
        # Every byte of every record is known to be JIS X0201 text (and no CR or LF): the
        # column-wise checks then only need to look at the digits.
        self.clean = False
        self.widths = _WIDTHS[kind]
        self.state = "start"
        self.header: _Header | None = None
        self.headers: list[_Header] = []
        self.balance: int | None = None
        # Per group: 03 入金件数, 入金額, 出金件数, 出金額; 01 件数, 金額, 取消件数, 取消金額.
        self.counts = [0, 0, 0, 0]
        self.out: list[StatementColumns] = []
        self.pending: list[StatementLine] = []  # lines read record by record, in order

    # -- one record ---------------------------------------------------------------------
    def record(self, rec: _Record) -> None:
        if self.strict_line_ends and not self.clean and (b"\n" in rec.data or b"\r" in rec.data):
            raise _Uneven
        kubun = rec.data[:1]
        if self.state == "end":
            raise rec.error(
                "zengin.record_order", "エンド・レコードの後にレコードがあります", "データ区分"
            )
        if kubun == b"1":
            if self.state not in ("start", "trailer"):
                raise rec.error(
                    "zengin.record_order",
                    "トレーラー・レコードの前にヘッダーがあります",
                    "データ区分",
                )
            header = _parse_header(rec, self.kind)
            first = self.headers[0] if self.headers else None
            if first and (header.bank_code, header.branch_code, header.account_number) != (
                first.bank_code,
                first.branch_code,
                first.account_number,
            ):
                raise rec.error(
                    "zengin.account_mismatch",
                    "ひとつのファイルに別の口座の明細があります",
                    "口座番号",
                )
            self.headers.append(header)
            self.header, self.balance, self.state = header, header.opening_balance, "header"
            self.counts = [0, 0, 0, 0]
        elif kubun == b"2":
            if self.header is None or self.state not in ("header", "data"):
                raise rec.error(
                    "zengin.record_order", "ヘッダーの前にデータ・レコードがあります", "データ区分"
                )
            if self.kind == "01":
                line = _parse_data_01(rec, self.header)
                cancelled = line.direction is Direction.WITHDRAWAL
                self._count(0, 1, line.amount, 2 if cancelled else None)
            else:
                line = _parse_data_03(rec, self.header, self.balance)
                self.balance = line.balance_after
                self._count(0 if line.direction is Direction.DEPOSIT else 2, 1, line.amount)
            self.pending.append(line)
            self.state = "data"
        elif kubun == b"8":
            if self.header is None or self.state not in ("header", "data"):
                raise rec.error(
                    "zengin.record_order",
                    "ヘッダーの前にトレーラー・レコードがあります",
                    "データ区分",
                )
            c = self.counts
            if self.kind == "01":
                for name, off, length, value in (
                    ("合計件数", 1, 6, c[0]),
                    ("合計金額", 7, 12, c[1]),
                    ("取消件数", 19, 6, c[2]),
                    ("取消金額", 25, 12, c[3]),
                ):
                    _expect(rec, name, rec.number(name, off, length), value)
            else:
                _check_trailer_03_counts(rec, c, self.header.opening_balance, self.balance)
            self.state = "trailer"
        elif kubun == b"9":
            if self.state != "trailer":
                raise rec.error(
                    "zengin.record_order",
                    "トレーラー・レコードの前にエンド・レコードがあります",
                    "データ区分",
                )
            self.state = "end"
        else:
            shown = kubun.decode("latin-1")
            raise rec.error(
                "zengin.unknown_record", f"データ区分「{shown}」は不明です", "データ区分"
            )

    def _count(self, slot: int, n: int, amount: int, also: int | None = None) -> None:
        self.counts[slot] += n
        self.counts[slot + 1] += amount
        if also is not None:
            self.counts[also] += n
            self.counts[also + 1] += amount

    # -- many records -------------------------------------------------------------------
    def feed(self, records: npt.NDArray[np.uint8], first_line: int) -> None:
        """Records (an (n, 200) byte array) whose first is record number ``first_line``."""
        special = np.flatnonzero(records[:, 0] != ord("2")).tolist()
        start = 0
        for i in [*special, len(records)]:
            if i > start:
                self._data_run(records[start:i], first_line + start)
            if i < len(records):
                self.record(_Record(records[i].tobytes(), first_line + i))
            start = i + 1

    def _data_run(self, records: npt.NDArray[np.uint8], first_line: int) -> None:
        bulk = self._bulk_03 if self.kind == "03" else self._bulk_01
        start = 0
        while start < len(records):
            if self.header is None or self.state not in ("header", "data"):
                taken = 0
            else:
                taken = bulk(records[start:], first_line + start)
            if start + taken < len(records):  # the record the columns did not take
                i = start + taken
                self.record(_Record(records[i].tobytes(), first_line + i))
            start += taken + 1

    def _add(self, block: StatementColumns) -> None:
        self._flush()
        self.out.append(block)
        self.state = "data"

    def _flush(self) -> None:
        if self.pending:
            self.out.append(StatementColumns.of_lines(self.pending, self.widths))
            self.pending = []

    def _bulk_03(self, rows: npt.NDArray[np.uint8], first_line: int) -> int:
        """Take the leading plainly valid 03 data records of ``rows`` column-wise; return
        how many were taken (the next one, if any, needs the per-record checks)."""
        header = self.header
        assert header is not None
        digits = rows[:, 1:81] - np.uint8(0x30)  # a non-digit wraps to ≥ 10
        ok: Bools = np.asarray((digits <= 9).all(axis=1))
        if not self.clean:
            ok &= _text_ok(rows[:, 81:200])
        flag = digits[:, 20].astype(np.int64)
        amount = _number(digits, 24, 36)
        days = _days([_number(digits, 9, 15), _number(digits, 15, 21)], ok, header)
        ok &= ((flag == 1) | (flag == 2)) & (amount > 0)
        taken = _leading(ok)
        if not taken:
            return 0
        rows, amount = rows[:taken], amount[:taken]
        deposit = flag[:taken] == 1
        if self.balance is not None:
            if abs(self.balance) + _exact_sum(amount) >= _SAFE:
                return 0  # a running balance beyond int64: the per-record path adds it up
            running = self.balance + np.cumsum(np.where(deposit, amount, -amount))
            self.balance = int(running[-1])
            has_balance = np.ones(taken, dtype=np.bool_)
        else:
            running = np.zeros(taken, dtype=np.int64)
            has_balance = np.zeros(taken, dtype=np.bool_)
        dep_amounts, wd_amounts = amount[deposit], amount[~deposit]
        self.counts[0] += len(dep_amounts)
        self.counts[1] += _exact_sum(dep_amounts)
        self.counts[2] += len(wd_amounts)
        self.counts[3] += _exact_sum(wd_amounts)
        self._add(
            StatementColumns(
                value_date=days[:taken].astype("datetime64[D]"),
                deposit=deposit,
                amount=amount,
                balance_after=running,
                has_balance=has_balance,
                reference=FixedText(rows[:, 1:9]),  # views of the records: no copy
                counterparty=FixedText(rows[:, 81:129]),
                description=FixedText(rows[:, 159:179]),
                edi=FixedText(rows[:, 179:199]),
                line_number=np.arange(first_line, first_line + taken, dtype=np.int64),
            )
        )
        return taken

    def _bulk_01(self, rows: npt.NDArray[np.uint8], first_line: int) -> int:
        """:meth:`_bulk_03` for 振込入金通知 (01) data records."""
        header = self.header
        assert header is not None
        digits = rows[:, 1:49] - np.uint8(0x30)
        ok: Bools = np.asarray((digits <= 9).all(axis=1))
        if not self.clean:
            ok &= _text_ok(rows[:, 49:127]) & _text_ok(rows[:, 128:148])
        if (
            self.strict_line_ends and not self.clean
        ):  # ダミー is not read, but a line end there is uneven
            ok &= ~_line_ends(rows[:, 148:200])
        cancel = rows[:, 127]
        ok &= (cancel == 0x20) | (cancel == 0x30) | (cancel == 0x31)  # blank, 0 or 1
        amount = _number(digits, 19, 29)
        days = _days([_number(digits, 7, 13), _number(digits, 13, 19)], ok, header)
        ok &= amount > 0
        taken = _leading(ok)
        if not taken:
            return 0
        rows, amount = rows[:taken], amount[:taken]
        cancelled = cancel[:taken] == 0x31  # 取消: the reversal of the deposit
        self.counts[0] += taken
        self.counts[1] += _exact_sum(amount)
        self.counts[2] += int(np.count_nonzero(cancelled))
        self.counts[3] += _exact_sum(amount[cancelled])
        self._add(
            StatementColumns(
                value_date=days[:taken].astype("datetime64[D]"),
                deposit=~cancelled,
                amount=amount,
                balance_after=np.zeros(taken, dtype=np.int64),
                has_balance=np.zeros(taken, dtype=np.bool_),
                reference=FixedText(rows[:, 1:7]),
                counterparty=FixedText(rows[:, 49:97]),
                description=FixedText(np.zeros((taken, 0), dtype=np.uint8)),
                edi=FixedText(rows[:, 128:148]),
                line_number=np.arange(first_line, first_line + taken, dtype=np.int64),
            )
        )
        return taken

    def take(self) -> StatementColumns:
        """The lines parsed since the last call, as columns."""
        self._flush()
        out, self.out = self.out, []
        return StatementColumns.concat(out, self.widths)

    def finish(self, last_line: int) -> None:
        if self.state != "end":
            raise DomainError(
                "zengin.missing_end",
                "エンド・レコードがありません(ファイルが途中で切れています)",
                field="データ区分",
                line=last_line,
            )

    def receipt(self, columns: StatementColumns) -> ReceiptColumns:
        return _receipt(self.kind, self.headers, columns)


def _account_fields(kind: _Kind, headers: list[_Header]) -> dict[str, Any]:
    """The account and period of a file (its first header; the period over every header),
    shared by the parse to objects and the parse to columns."""
    first = headers[0]
    return {
        "source": SourceFormat.ZENGIN_DEPOSIT_NOTICE
        if kind == "01"
        else SourceFormat.ZENGIN_STATEMENT,
        "bank_code": first.bank_code,
        "branch_code": first.branch_code,
        "account_type": first.account_type,
        "account_number": first.account_number,
        "account_name": first.account_name,
        "period_start": min(h.start for h in headers),
        "period_end": max(h.end for h in headers),
    }


def _receipt(kind: _Kind, headers: list[_Header], columns: StatementColumns) -> ReceiptColumns:
    return ReceiptColumns(**_account_fields(kind, headers), columns=columns)


def _check_trailer_03_counts(
    rec: _Record, c: list[int], opening: int | None, closing: int | None
) -> None:
    _expect(rec, "入金件数", rec.number("入金件数", 1, 6), c[0])
    _expect(rec, "入金額合計", rec.number("入金額合計", 7, 13), c[1])
    _expect(rec, "出金件数", rec.number("出金件数", 20, 6), c[2])
    _expect(rec, "出金額合計", rec.number("出金額合計", 26, 13), c[3])
    after = _balance(rec, 39, 40, "取引後残高")
    if opening is None:
        if after is not None:
            raise rec.error(
                "zengin.trailer_mismatch",
                "ヘッダーに取引前残高がないのに取引後残高があります",
                "取引後残高",
            )
    else:
        _expect(rec, "取引後残高", after, closing)


def _even_records(data: bytes, *, count_line_ends: bool = True) -> npt.NDArray[np.uint8] | None:
    """The records of a file laid out evenly — 200 bytes each, all followed by CR LF, all
    by LF, or none by anything, with no other CR or LF anywhere — as an (n, 200) array
    (a view of ``data``); None for anything else (the per-record path reads it).

    ``count_line_ends=False`` leaves out the check for a CR or LF inside a record (two
    passes over the file): the caller then finds any such record itself."""
    if data.endswith(bytes([_EOF])):
        data = data[:-1]
    if data[RECORD_LENGTH : RECORD_LENGTH + 2] == b"\r\n":
        stride, sep = RECORD_LENGTH + 2, b"\r\n"
    elif data[RECORD_LENGTH : RECORD_LENGTH + 1] == b"\n":
        stride, sep = RECORD_LENGTH + 1, b"\n"
    elif len(data) % RECORD_LENGTH == 0 and not data.endswith((b"\r", b"\n")):
        stride, sep = RECORD_LENGTH, b""
    else:
        return None
    n, rest = divmod(len(data), stride)
    if not n or rest:
        return None
    if count_line_ends:
        crs, lfs = data.count(b"\r"), data.count(b"\n")
        if lfs != (n if sep else 0) or crs != (n if sep == b"\r\n" else 0):
            return None
    records = np.frombuffer(data, dtype=np.uint8).reshape(n, stride)
    if sep and not (records[:, RECORD_LENGTH:] == np.frombuffer(sep, dtype=np.uint8)).all():
        return None
    return records[:, :RECORD_LENGTH]


def _parse(data: bytes, kind: _Kind) -> ReceiptColumns:
    records = _even_records(data, count_line_ends=False)
    if records is not None:
        try:
            parser = _Parser(kind, strict_line_ends=True)
            parser.clean = _only_text(data, records)
            parser.feed(records, 1)
            parser.finish(len(records))
            return parser.receipt(parser.take())
        except _Uneven:
            pass
        except DomainError:
            # A problem found before a stray CR or LF further on: the per-record parser
            # reports that one first (the file's record lengths are checked before all else).
            if _even_records(data) is not None:
                raise
    # Read record by record; its Statement's lines become columns.
    statement = _parse_per_record(data, kind)
    columns = StatementColumns.of_lines(statement.lines, _WIDTHS[kind])
    occurrence = np.array([x.occurrence for x in statement.lines], dtype=np.int64)
    return ReceiptColumns(
        **{f: getattr(statement, f) for f in _HEADER_FIELDS},
        columns=replace(columns, occurrence=occurrence),
    )


_HEADER_FIELDS = (
    "source",
    "bank_code",
    "branch_code",
    "account_type",
    "account_number",
    "account_name",
    "period_start",
    "period_end",
)


def _kind_of(first: bytes) -> _Kind:
    kind = first[1:3]
    if first[:1] == b"1" and kind in (b"01", b"03"):
        return kind.decode("ascii")
    raise DomainError(
        "zengin.wrong_kind",
        "入出金取引明細(03)・振込入金通知(01)のファイルではありません",
        field="種別コード",
        line=1,
    )


def iter_receipt_columns(
    stream: BinaryIO, *, kind: str | None = None, chunk_records: int = CHUNK_RECORDS
) -> Iterator[StatementColumns]:
    """The lines of a 01/03 file read from ``stream`` ``chunk_records`` records at a time,
    as columns: memory in proportion to a chunk, not to the file.

    Yields each chunk's lines (``occurrence`` not numbered: that is :class:`Statement`'s
    job, over the whole file). The file must keep one record separator throughout (CR LF,
    LF or none; a final EOF byte 0x1A is accepted). Every problem raises
    :class:`DomainError` as :func:`parse_receipt_file` does — but only when the reader gets
    there, after earlier chunks were yielded: treat what you received as provisional until
    the iterator is exhausted (all-or-nothing is then the caller's, e.g. one transaction).
    ``kind`` "01" or "03" (None: from the first header, as :func:`parse_receipt_file`).
    """
    return _read_stream(stream, kind, chunk_records, [])


def iter_receipt_lines(
    stream: BinaryIO, *, kind: str | None = None, chunk_records: int = CHUNK_RECORDS
) -> Iterator[list[StatementLine]]:
    """:func:`iter_receipt_columns` as :class:`StatementLine` objects, chunk by chunk."""
    for columns in iter_receipt_columns(stream, kind=kind, chunk_records=chunk_records):
        yield columns.lines()


def parse_receipt_stream_columns(
    stream: BinaryIO, *, chunk_records: int = CHUNK_RECORDS
) -> ReceiptColumns:
    """:func:`parse_receipt_columns` reading ``stream`` a chunk at a time (the file's bytes
    are never all in memory at once; its lines are, as columns)."""
    holder: list[_Parser] = []
    chunks = list(_read_stream(stream, None, chunk_records, holder))
    parser = holder[0]
    return parser.receipt(StatementColumns.concat(chunks, parser.widths))


def parse_receipt_stream(stream: BinaryIO, *, chunk_records: int = CHUNK_RECORDS) -> Statement:
    """:func:`parse_receipt_file` reading ``stream`` a chunk at a time (the file's bytes
    are never all in memory at once; its lines are, in the Statement)."""
    return parse_receipt_stream_columns(stream, chunk_records=chunk_records).statement()


def _read_stream(
    stream: BinaryIO,
    kind: str | None,
    chunk_records: int,
    holder: list[_Parser],
) -> Iterator[StatementColumns]:
    first = stream.read(RECORD_LENGTH + 2)
    if not first or first == bytes([_EOF]):
        raise DomainError("zengin.empty", "ファイルが空です", line=1)
    parser = _Parser(_kind_of(first) if kind is None else kind)
    holder.append(parser)
    if first[RECORD_LENGTH : RECORD_LENGTH + 2] == b"\r\n":
        sep = b"\r\n"
    elif first[RECORD_LENGTH : RECORD_LENGTH + 1] == b"\n":
        sep = b"\n"
    else:
        sep = b""
    stride = RECORD_LENGTH + len(sep)
    pending = bytearray(first)
    line = 1
    done = False
    while not done:
        more = stream.read(max(1, chunk_records) * stride)
        pending += more
        done = not more
        if done and pending.endswith(bytes([_EOF])):
            del pending[-1]
        if done and sep and len(pending) % stride == RECORD_LENGTH:
            pending += sep  # the last record without a line end
        n = len(pending) // stride
        chunk = bytes(pending[: n * stride])
        del pending[: n * stride]
        records = np.frombuffer(chunk, dtype=np.uint8).reshape(-1, stride)
        bad = _uneven(records, chunk, sep)
        if bad is not None or (done and pending):
            at = len(records) if bad is None else bad
            parser.feed(records[:at, :RECORD_LENGTH], line)  # problems before it come first
            raise DomainError(
                "zengin.record_length",
                f"レコード長が{RECORD_LENGTH}バイトではありません"
                "(ファイル全体で同じ改行か、改行なしにしてください)",
                field="レコード長",
                line=line + at,
            )
        parser.feed(records[:, :RECORD_LENGTH], line)
        line += len(records)
        columns = parser.take()
        if len(columns):
            yield columns
    parser.finish(line - 1)


def _uneven(records: npt.NDArray[np.uint8], chunk: bytes, sep: bytes) -> int | None:
    """Index of the first record whose line end is missing or misplaced, or None."""
    expected_lf = len(records) if sep else 0
    expected_cr = len(records) if sep == b"\r\n" else 0
    ends = np.frombuffer(sep, dtype=np.uint8)
    counts_right = chunk.count(b"\n") == expected_lf and chunk.count(b"\r") == expected_cr
    if counts_right and (not sep or (records[:, RECORD_LENGTH:] == ends).all()):
        return None
    body = records[:, :RECORD_LENGTH]
    wrong = ((body == 0x0A) | (body == 0x0D)).any(axis=1)
    if sep:
        wrong |= ~(records[:, RECORD_LENGTH:] == ends).all(axis=1)
    return int(np.argmax(wrong))


def parse_statement_file(data: bytes) -> Statement:
    """Parse a 入出金取引明細 (種別コード 03) file; raise :class:`DomainError` if invalid."""
    return _parse(data, "03").statement()


def parse_deposit_notice_file(data: bytes) -> Statement:
    """Parse a 振込入金通知 (種別コード 01) file; raise :class:`DomainError` if invalid."""
    return _parse(data, "01").statement()


def parse_receipt_file(data: bytes) -> Statement:
    """Parse either format, chosen by the first header's 種別コード (01 or 03)."""
    return parse_receipt_columns(data).statement()


def parse_receipt_columns(data: bytes, *, kind: str | None = None) -> ReceiptColumns:
    """:func:`parse_receipt_file` without the objects: the header's account and period and
    the lines as columns (same checks, same errors). ``kind`` "01" or "03" (None: from the
    first header's 種別コード)."""
    return _parse(data, _kind_of(data[:3]) if kind is None else kind)


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


class _Writer:
    """Builds one 200-byte record; every field is checked (DomainError names line and field)."""

    def __init__(self, line: int) -> None:
        self.buf = bytearray(b" " * RECORD_LENGTH)
        self.line = line

    def error(self, code: str, message: str, field: str) -> DomainError:
        return DomainError(code, message, field=field, line=self.line)

    def num(self, name: str, offset: int, length: int, value: int | str) -> None:
        s = str(value)
        if not (s.isascii() and s.isdigit()) or len(s) > length:
            raise self.error("zengin.bad_value", f"{length}桁の数字で表せません: {s!r}", name)
        self.buf[offset : offset + length] = s.zfill(length).encode("ascii")

    def text(self, name: str, offset: int, length: int, value: str) -> None:
        encoded = bytearray()
        for i, c in enumerate(value):
            b = _encode_char(c)
            if b is None:
                raise self.error("zengin.bad_char", f"{i + 1}文字目『{c}』は書けません", name)
            encoded.append(b)
        if len(encoded) > length:
            raise self.error("zengin.too_long", f"{length}文字を超えています", name)
        if value != value.rstrip(" "):
            raise self.error("zengin.bad_value", "末尾の空白は書けません", name)
        self.buf[offset : offset + len(encoded)] = encoded

    def date(self, name: str, offset: int, d: date) -> None:
        self.num(name, offset, 6, date_to_wareki(d, field=name, line=self.line))

    def balance(self, sign_off: int, amount_off: int, name: str, value: int | None) -> None:
        if value is not None:
            self.num("貸越区分", sign_off, 1, 2 if value < 0 else 1)
            self.num(name, amount_off, 14, abs(value))

    def bytes(self) -> bytes:
        return bytes(self.buf)


def _header_common(
    w: _Writer, s: Statement, kind: str, created: date, bank: str, branch: str
) -> None:
    start, end = _period(s)
    w.num("データ区分", 0, 1, 1)
    w.num("種別コード", 1, 2, kind)
    w.num("コード区分", 3, 1, 0)
    w.date("作成日", 4, created)
    w.date("勘定日(自)", 10, start)
    w.date("勘定日(至)", 16, end)
    if len(s.bank_code) != 4:
        raise w.error("zengin.bad_value", "銀行コードは4桁です", "銀行コード")
    if len(s.branch_code) != 3:
        raise w.error("zengin.bad_value", "支店コードは3桁です", "支店コード")
    if len(s.account_number) != 7:
        raise w.error("zengin.bad_value", "口座番号は7桁です", "口座番号")
    w.num("銀行コード", 22, 4, s.bank_code)
    w.text("銀行名", 26, 15, bank)
    w.num("支店コード", 41, 3, s.branch_code)
    w.text("支店名", 44, 15, branch)
    if s.account_type is None:
        raise w.error("zengin.bad_value", "預金種目がありません", "預金種目")


def _period(s: Statement) -> tuple[date, date]:
    dates = [x.value_date for x in s.lines]
    start = s.period_start or (min(dates) if dates else None)
    end = s.period_end or (max(dates) if dates else None)
    if start is None or end is None:
        raise DomainError("zengin.bad_value", "明細の期間がありません", field="勘定日(自)", line=1)
    return start, end


def _end_record(line: int) -> bytes:
    w = _Writer(line)
    w.num("データ区分", 0, 1, 9)
    return w.bytes()


def _join(records: list[bytes], newline: bool, eof: bool) -> bytes:
    out = (b"\r\n" if newline else b"").join(records) + (b"\r\n" if newline else b"")
    return out + (bytes([_EOF]) if eof else b"")


def _common_line_checks(w: _Writer, x: StatementLine, ref_len: int) -> None:
    if x.amount <= 0:
        raise w.error("zengin.bad_value", "金額は1円以上です", "金額")
    if len(x.reference) not in (0, ref_len):
        raise w.error("zengin.bad_value", f"照会番号は{ref_len}桁の数字です", "照会番号")


def write_deposit_notice_file(
    statement: Statement,
    *,
    created: date,
    bank_name: str = "",
    branch_name: str = "",
    newline: bool = True,
    eof: bool = False,
) -> bytes:
    """Write a 振込入金通知 (01) file: one group + end. WITHDRAWAL lines become 取消区分 1."""
    w = _Writer(1)
    _header_common(w, statement, "01", created, bank_name, branch_name)
    w.num("預金種目", 59, 1, statement.account_type or 0)
    w.num("口座番号", 60, 7, statement.account_number)
    w.text("口座名", 67, 40, statement.account_name)
    records = [w.bytes()]
    for x in statement.lines:
        w = _Writer(len(records) + 1)
        _common_line_checks(w, x, 6)
        if x.description or x.balance_after is not None:
            raise w.error("zengin.bad_value", "振込入金通知には摘要・残高を書けません", "摘要")
        w.num("データ区分", 0, 1, 2)
        w.num("照会番号", 1, 6, x.reference or "0")
        w.date("勘定日", 7, x.value_date)
        w.date("起算日", 13, x.value_date)
        w.num("金額", 19, 10, x.amount)
        w.num("うち他店券金額", 29, 10, 0)
        w.num("振込依頼人コード", 39, 10, 0)
        w.text("振込依頼人名", 49, 48, x.counterparty)
        w.num("取消区分", 127, 1, 1 if x.direction is Direction.WITHDRAWAL else 0)
        w.text("EDI情報", 128, 20, x.edi)
        records.append(w.bytes())
    cancelled = [x.amount for x in statement.lines if x.direction is Direction.WITHDRAWAL]
    w = _Writer(len(records) + 1)
    w.num("データ区分", 0, 1, 8)
    w.num("合計件数", 1, 6, len(statement.lines))
    w.num("合計金額", 7, 12, sum(x.amount for x in statement.lines))
    w.num("取消件数", 19, 6, len(cancelled))
    w.num("取消金額", 25, 12, sum(cancelled))
    records.append(w.bytes())
    records.append(_end_record(len(records) + 1))
    return _join(records, newline, eof)


def write_statement_file(
    statement: Statement,
    *,
    created: date,
    bank_name: str = "",
    branch_name: str = "",
    newline: bool = True,
    eof: bool = False,
) -> bytes:
    """Write a 入出金取引明細 (03) file: one group + end.

    Balances: either every line has ``balance_after`` (consistent running balances; the
    header's 取引前残高 is derived from the first line) or none has (balance fields blank).
    """
    lines = statement.lines
    with_balance = [x.balance_after is not None for x in lines]
    if any(with_balance) and not all(with_balance):
        raise DomainError(
            "zengin.bad_value", "残高のある明細とない明細が混在しています", field="残高", line=1
        )

    def signed(x: StatementLine) -> int:
        return x.amount if x.direction is Direction.DEPOSIT else -x.amount

    opening: int | None = None
    if lines and all(with_balance):
        assert lines[0].balance_after is not None
        opening = lines[0].balance_after - signed(lines[0])
        running = opening
        for i, x in enumerate(lines, start=2):
            running += signed(x)
            if x.balance_after != running:
                raise DomainError(
                    "zengin.bad_value", "残高が入出金と合いません", field="残高", line=i
                )
    w = _Writer(1)
    _header_common(w, statement, "03", created, bank_name, branch_name)
    w.num("ダミー", 59, 3, 0)
    w.num("預金種目", 62, 1, statement.account_type or 0)
    w.num("口座番号", 63, 7, statement.account_number)
    w.text("口座名", 70, 40, statement.account_name)
    w.balance(110, 112, "取引前残高", opening)
    if opening is not None:
        w.num("通帳・証書区分", 111, 1, 1)
    records = [w.bytes()]
    for x in lines:
        w = _Writer(len(records) + 1)
        _common_line_checks(w, x, 8)
        w.num("データ区分", 0, 1, 2)
        w.num("照会番号", 1, 8, x.reference or "0")
        w.date("勘定日", 9, x.value_date)
        w.date("預入・払出日", 15, x.value_date)
        w.num("入払区分", 21, 1, 1 if x.direction is Direction.DEPOSIT else 2)
        w.num("取引区分", 22, 2, 18)  # 18 その他: the Statement does not keep 取引区分
        w.num("取引金額", 24, 12, x.amount)
        for name, off, length in (
            ("うち他店券金額", 36, 12),
            ("交換呈示日", 48, 6),
            ("不渡返還日", 54, 6),
            ("手形・小切手区分", 60, 1),
            ("手形・小切手番号", 61, 7),
            ("僚店番号", 68, 3),
            ("振込依頼人コード", 71, 10),
        ):
            w.num(name, off, length, 0)
        w.text("振込依頼人名", 81, 48, x.counterparty)
        w.text("摘要内容", 159, 20, x.description)
        w.text("EDI情報", 179, 20, x.edi)
        records.append(w.bytes())
    dep = [x.amount for x in lines if x.direction is Direction.DEPOSIT]
    wd = [x.amount for x in lines if x.direction is Direction.WITHDRAWAL]
    w = _Writer(len(records) + 1)
    w.num("データ区分", 0, 1, 8)
    w.num("入金件数", 1, 6, len(dep))
    w.num("入金額合計", 7, 13, sum(dep))
    w.num("出金件数", 20, 6, len(wd))
    w.num("出金額合計", 26, 13, sum(wd))
    w.balance(39, 40, "取引後残高", None if opening is None else opening + sum(dep) - sum(wd))
    records.append(w.bytes())
    records.append(_end_record(len(records) + 1))
    return _join(records, newline, eof)
