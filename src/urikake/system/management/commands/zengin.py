"""``urikake zengin transfer PAYMENTS.csv --out FILE --date YYYY-MM-DD`` — 総合振込ファイル作成.

PAYMENTS.csv: ``bank_code,branch_code,account_type,account_number,holder_name,amount``
(+ optional ``customer_code``), UTF-8 (BOM ok) or cp932. Every bad row is reported at once
(行 + 項目 + メッセージ), exit code 1, and no file is written. The originator comes from the
options, else from settings ``ZENGIN_REQUESTER_CODE``, ``ZENGIN_REQUESTER_NAME``,
``ZENGIN_BANK_CODE``, ``ZENGIN_BRANCH_CODE``, ``ZENGIN_ACCOUNT_TYPE``,
``ZENGIN_ACCOUNT_NUMBER``.
"""

from __future__ import annotations

import csv
import io
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.bank_codes import lookup_bank, lookup_branch
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import AccountType, parse_account_type
from urikake.domain.money import yen
from urikake.domain.zengin_charset import to_zengin
from urikake.domain.zengin_transfer import (
    HOLDER_NAME_WIDTH,
    Originator,
    Transfer,
    TransferFileError,
    write_transfer_file,
)
from urikake.files import write_atomically

REQUIRED = ("bank_code", "branch_code", "account_type", "account_number", "holder_name", "amount")
_ORIGINATOR_OPTIONS = {
    "requester_code": "ZENGIN_REQUESTER_CODE",
    "requester_name": "ZENGIN_REQUESTER_NAME",
    "bank": "ZENGIN_BANK_CODE",
    "branch": "ZENGIN_BRANCH_CODE",
    "account_type": "ZENGIN_ACCOUNT_TYPE",
    "account": "ZENGIN_ACCOUNT_NUMBER",
}


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp932")
        except UnicodeDecodeError as exc:
            raise CommandError(
                "CSVの文字コードはUTF-8またはShift_JIS(cp932)にしてください"
            ) from exc


def _amount(text: str) -> int:
    try:
        amount = yen(text, field="amount")
    except DomainError:
        amount = -1
    if amount < 0:
        raise DomainError("amount.format", "振込金額は数字で入力してください", field="amount")
    return amount


def read_payments(text: str) -> tuple[list[Transfer], list[DomainError]]:
    """Rows → transfers; problems carry the CSV line number (header = line 1)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise CommandError(f"CSVに必要な列がありません: {', '.join(missing)}")
    transfers: list[Transfer] = []
    problems: list[DomainError] = []
    for line, row in enumerate(reader, start=2):
        row_problems: list[DomainError] = []
        account_type = AccountType.ORDINARY
        amount = 1  # placeholder when unparseable: the error is already recorded
        try:
            account_type = parse_account_type(row["account_type"] or "")
        except DomainError as e:
            row_problems.append(e)
        try:
            amount = _amount(row["amount"] or "")
        except DomainError as e:
            row_problems.append(e)
        row_problems.extend(_unknown_codes(row["bank_code"] or "", row["branch_code"] or ""))
        for p in row_problems:
            p.line = line
        problems.extend(row_problems)
        transfers.append(
            Transfer(
                bank_code=row["bank_code"] or "",
                branch_code=row["branch_code"] or "",
                account_type=account_type,
                account_number=row["account_number"] or "",
                holder_name=row["holder_name"] or "",
                amount=amount,
                customer_code=(row.get("customer_code") or "").strip() or None,
            )
        )
    return transfers, problems


def _unknown_codes(bank_code: str, branch_code: str) -> list[DomainError]:
    """A bank or branch that is not in the 全銀協 code data: a transfer to it would come back.

    Malformed codes are left to the writer, which reports the format once.
    """
    bank, branch = bank_code.strip(), branch_code.strip()
    if not (len(bank) == 4 and bank.isdigit() and len(branch) == 3 and branch.isdigit()):
        return []
    try:
        lookup_bank(bank)
        lookup_branch(bank, branch)
    except DomainError as e:
        return [e]
    return []


def shortened_names(transfers: list[Transfer]) -> list[str]:
    """One warning per holder name longer than the file's 30 characters.

    Banks cut over-long names at the width (see ``truncate_zengin``) and the file does the
    same, but the operator must know: the payee sees the cut name. Lines: header = 1.
    """
    warnings = []
    for line, t in enumerate(transfers, start=2):
        try:
            converted = to_zengin(t.holder_name, abbreviate_legal_form=True, field="holder_name")
        except DomainError:
            continue  # the writer reports it as an error
        if len(converted) > HOLDER_NAME_WIDTH:
            warnings.append(
                f"[{line}行目 holder_name] 受取人名が{len(converted)}文字あり、全銀ファイルの"
                f"{HOLDER_NAME_WIDTH}文字に短縮されます: "
                f"「{converted[:HOLDER_NAME_WIDTH]}」"
            )
    return warnings


class Command(BaseCommand):
    help = "全銀協規定形式の総合振込ファイルを作成します (write a Zengin bulk-transfer file)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        t = sub.add_parser("transfer", help="総合振込ファイル (種別コード21)")
        t.add_argument("payments", help="PAYMENTS.csv")
        t.add_argument("--out", required=True)
        t.add_argument("--date", required=True, help="振込指定日 YYYY-MM-DD (銀行営業日)")
        t.add_argument("--requester-code", dest="requester_code")
        t.add_argument("--requester-name", dest="requester_name")
        t.add_argument("--bank")
        t.add_argument("--branch")
        t.add_argument("--account-type", dest="account_type")
        t.add_argument("--account")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            transfer_date = date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError("--date は YYYY-MM-DD で指定してください") from exc
        if not is_bank_business_day(transfer_date):
            suggestion = next_bank_business_day(transfer_date)
            raise CommandError(
                f"振込指定日 {transfer_date.isoformat()} は銀行営業日ではありません。"
                f"翌営業日は {suggestion.isoformat()} です"
            )
        values: dict[str, str] = {}
        for opt, setting in _ORIGINATOR_OPTIONS.items():
            value = options.get(opt) or getattr(settings, setting, None)
            if value is None or str(value).strip() == "":
                raise CommandError(
                    f"依頼人情報がありません: --{opt.replace('_', '-')} か {setting}"
                )
            values[opt] = str(value).strip()
        try:
            originator = Originator(
                requester_code=values["requester_code"],
                requester_name=values["requester_name"],
                bank_code=values["bank"],
                branch_code=values["branch"],
                account_type=parse_account_type(values["account_type"]),
                account_number=values["account"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        try:
            raw = Path(options["payments"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"CSVを読めません: {exc}") from exc
        transfers, problems = read_payments(_decode(raw))
        try:
            data = write_transfer_file(originator, transfers, transfer_date=transfer_date)
        except TransferFileError as exc:
            problems.extend(_csv_lines(exc.problems))
        if problems:
            problems.sort(key=lambda p: (p.line or 0, p.field or ""))
            for p in problems:
                self.stderr.write(str(p))
            raise CommandError(f"{len(problems)}件の誤りがあります。ファイルは作成していません")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(
                f"出力先のフォルダ {out.parent} がありません。ファイルは作成していません"
            )
        for warning in shortened_names(transfers):
            self.stderr.write(f"注意: {warning}")
        try:
            write_atomically(out, data)
        except OSError as exc:
            raise CommandError(
                f"{out} に書き込めません ({exc.strerror})。ファイルは作成していません"
            ) from exc
        total = sum(t.amount for t in transfers)
        self.stdout.write(f"{len(transfers)}件 合計 {total:,}円 → {out}")


def _csv_lines(problems: list[DomainError]) -> list[DomainError]:
    # The writer numbers file records (header 1, first transfer 2); the CSV has its column
    # header on line 1 and the first payment on line 2, so the numbers coincide — except the
    # header-record problems (line 1), which concern the originator, not a CSV row.
    for p in problems:
        if p.line == 1:
            p.line = None
            p.field = f"依頼人 {p.field or ''}".strip()
    return problems
