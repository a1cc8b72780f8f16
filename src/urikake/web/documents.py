"""The applicant's 取引明細 (transaction statement) and 見積書 (quote) as A4 PDFs (reportlab,
the CID fonts the contracts use) and as CSV (through :mod:`urikake.domain.safe_csv`, with a
BOM so that Excel opens them as UTF-8).

The numbers are the caller's: statement rows from :func:`urikake.web.dashboard.statement_rows`,
quote lines from the application's stored offer (the amounts the contract will carry).
``invariant=1`` keeps a PDF byte-identical for the same content.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from urikake.contracts.pdf import BODY, CELL, CELL_RIGHT, RIGHT, SMALL, TITLE
from urikake.domain import safe_csv
from urikake.domain.client_reports import StatementRow, StatementTotals, apr_equivalent
from urikake.domain.money import format_rate_percent, format_yen
from urikake.treasury.policy import operator_identity

__all__ = [
    "EstimateLine",
    "QuoteLine",
    "estimate_csv",
    "estimate_pdf",
    "quote_csv",
    "quote_lines",
    "quote_pdf",
    "statement_csv",
    "statement_pdf",
]

KIND_LABELS = {"advance": "買取代金のお振込", "reserve": "留保金のご返金"}


def _d(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _p(text: str, style: Any = CELL) -> Paragraph:
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe.replace("\n", "<br/>"), style)


def _table(rows: list[list[Any]], widths: list[float], *, numeric_from: int) -> Table:
    cells = []
    for i, row in enumerate(rows):
        cells.append(
            [
                c
                if isinstance(c, Flowable)
                else _p(str(c), CELL_RIGHT if i and j >= numeric_from else CELL)
                for j, c in enumerate(row)
            ]
        )
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    return table


def _render(title: str, story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="Urikake",
        creator="Urikake",
        invariant=1,
    )
    doc.build([_p(title, TITLE), *story])
    return buffer.getvalue()


def _operator_block() -> list[Flowable]:
    me = operator_identity()
    lines = [me.name]
    if me.address:
        lines.append(me.address)
    return [_p("\n".join(lines), RIGHT)]


# --- 取引明細 ------------------------------------------------------------------------------------


def statement_pdf(
    org_name: str,
    start: date,
    end: date,
    rows: Sequence[StatementRow],
    totals: StatementTotals,
    *,
    issued_on: date,
) -> bytes:
    story: list[Flowable] = [
        _p(f"{org_name} 御中", BODY),
        _p(f"対象期間：{_d(start)} 〜 {_d(end)}　発行日：{_d(issued_on)}", BODY),
        *_operator_block(),
        Spacer(1, 4 * mm),
    ]
    header = ["日付", "お取引", "請求書番号", "売掛先", "額面", "手数料", "お振込金額"]
    body = [
        [
            r.on.isoformat(),
            KIND_LABELS[r.kind],
            r.invoice_numbers,
            r.debtor,
            format_yen(r.face) if r.face else "—",
            format_yen(r.fees) if r.fees else "—",
            format_yen(r.received),
        ]
        for r in rows
    ]
    if not body:
        body = [["—", "この期間のお取引はありません", "", "", "", "", ""]]
    total = ["合計", "", "", "", format_yen(totals.face), format_yen(totals.fees)]
    total.append(format_yen(totals.received))
    widths = [w * mm for w in (20, 28, 30, 34, 25, 20, 25)]
    story.append(_table([header, *body, total], widths, numeric_from=4))
    story += [
        Spacer(1, 4 * mm),
        _p(
            f"お振込金額の内訳：買取代金 {format_yen(totals.advances)}、"
            f"留保金のご返金 {format_yen(totals.reserves)}。",
            BODY,
        ),
        _p(
            "手数料は買取手数料と事務手数料の合計です（買取代金のお振込時に差し引き済み）。"
            "本明細は当社の送金記録から作成しています。",
            SMALL,
        ),
    ]
    return _render("取引明細書", story)


def statement_csv(rows: Sequence[StatementRow], totals: StatementTotals) -> str:
    out = io.StringIO()
    writer = safe_csv.writer(out, lineterminator="\r\n")
    writer.writerow(["日付", "お取引", "請求書番号", "売掛先", "額面", "手数料", "お振込金額"])
    for r in rows:
        writer.writerow(
            [
                r.on.isoformat(),
                KIND_LABELS[r.kind],
                r.invoice_numbers,
                r.debtor,
                r.face,
                r.fees,
                r.received,
            ]
        )
    writer.writerow(["合計", "", "", "", totals.face, totals.fees, totals.received])
    return "\ufeff" + out.getvalue()


# --- 見積書 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    invoice_number: str
    debtor: str
    due_date: date
    face: int
    fee_rate: Decimal
    fee: int
    admin_fee: int
    advance: int
    holdback: int
    net_payout: int
    days: int
    apr: Decimal | None


def quote_lines(
    offer: Mapping[str, Any], invoices: Mapping[int, tuple[str, str]]
) -> list[QuoteLine]:
    """The offer's lines (as stored at screening) with each invoice's number and debtor;
    the APR is recomputed with the dashboard's rounding (half-up to 0.1%)."""
    lines = []
    for o in offer.get("invoices", []):
        number, debtor = invoices.get(int(o.get("invoice_id") or 0), ("", ""))
        fees = int(o["fee"]) + int(o["admin_fee"])
        days = int(o["days"])
        lines.append(
            QuoteLine(
                invoice_number=number,
                debtor=debtor,
                due_date=date.fromisoformat(str(o["due_date"])),
                face=int(o["face_amount"]),
                fee_rate=Decimal(str(o["fee_rate"])),
                fee=int(o["fee"]),
                admin_fee=int(o["admin_fee"]),
                advance=int(o["advance_amount"]),
                holdback=int(o["holdback"]),
                net_payout=int(o["net_payout"]),
                days=days,
                apr=apr_equivalent(int(o["advance_amount"]), fees, days),
            )
        )
    return lines


def _apr(value: Decimal | None) -> str:
    return format_rate_percent(value, 1) if value is not None else "—"


def quote_pdf(
    org_name: str,
    number: str,
    lines: Sequence[QuoteLine],
    *,
    product_label: str,
    payout_date: date | None,
    expires_on: date | None,
    issued_on: date,
) -> bytes:
    net = sum(x.net_payout for x in lines)
    story: list[Flowable] = [
        _p(f"{org_name} 御中", BODY),
        _p(f"見積番号：{number}　発行日：{_d(issued_on)}", BODY),
        *_operator_block(),
        Spacer(1, 3 * mm),
        _p(f"お振込金額（合計）：{format_yen(net)}", TITLE),
        _p(
            f"商品：{product_label}"
            + (f"　お振込予定日：{_d(payout_date)}" if payout_date else "")
            + (f"　有効期限：{_d(expires_on)}" if expires_on else ""),
            BODY,
        ),
        Spacer(1, 3 * mm),
    ]
    header = [
        "請求書",
        "支払期日",
        "額面",
        "手数料率",
        "手数料",
        "留保金",
        "お振込金額",
        "年率換算",
    ]
    body = [
        [
            f"{x.invoice_number}\n{x.debtor}",
            x.due_date.isoformat(),
            format_yen(x.face),
            format_rate_percent(x.fee_rate, 1),
            format_yen(x.fee + x.admin_fee),
            format_yen(x.holdback),
            format_yen(x.net_payout),
            _apr(x.apr),
        ]
        for x in lines
    ]
    total = [
        "合計",
        "",
        format_yen(sum(x.face for x in lines)),
        "",
        format_yen(sum(x.fee + x.admin_fee for x in lines)),
        format_yen(sum(x.holdback for x in lines)),
        format_yen(net),
        "",
    ]
    widths = [w * mm for w in (38, 20, 22, 16, 20, 20, 24, 20)]
    story.append(_table([header, *body, total], widths, numeric_from=2))
    story += [
        Spacer(1, 4 * mm),
        _p(
            "お振込金額 = 額面 × 掛目（買取金額）− 手数料。"
            "留保金は売掛先からのご入金後にご返金します。"
            "年率換算は、手数料 ÷ お受け取り額 × 365 ÷ 日数（お振込予定日から入金予定日まで）で、"
            "小数点第2位を四捨五入しています。",
            SMALL,
        ),
        _p(
            "本見積書は売掛債権の買取（ファクタリング）の条件を示すもので、融資ではありません。"
            "有効期限までに承諾され、契約が締結された場合にこの条件でお振込みします。",
            SMALL,
        ),
    ]
    return _render("御見積書", story)


def quote_csv(lines: Sequence[QuoteLine]) -> str:
    out = io.StringIO()
    writer = safe_csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "請求書番号",
            "売掛先",
            "支払期日",
            "額面",
            "手数料率",
            "買取手数料",
            "事務手数料",
            "買取金額",
            "留保金",
            "お振込金額",
            "日数",
            "年率換算",
        ]
    )
    for x in lines:
        writer.writerow(
            [
                x.invoice_number,
                x.debtor,
                x.due_date.isoformat(),
                x.face,
                format_rate_percent(x.fee_rate, 1),
                x.fee,
                x.admin_fee,
                x.advance,
                x.holdback,
                x.net_payout,
                x.days,
                _apr(x.apr),
            ]
        )
    return "\ufeff" + out.getvalue()


# --- 概算見積書 (a draft, before screening) -----------------------------------------------------


@dataclass(frozen=True)
class EstimateLine:
    """One invoice of a draft, priced at the best and the worst grade of the plan's band (the
    screening decides where in between); ``refusal`` says why it cannot be priced."""

    invoice_number: str
    debtor: str
    due_date: date
    face: int
    best: QuoteLine | None
    worst: QuoteLine | None
    refusal: str = ""


def _range(low: str, high: str) -> str:
    return low if low == high else f"{low}〜{high}"


def estimate_pdf(
    org_name: str,
    number: str,
    lines: Sequence[EstimateLine],
    *,
    product_label: str,
    issued_on: date,
) -> bytes:
    priced = [x for x in lines if x.best and x.worst]
    net_low = sum(x.worst.net_payout for x in priced if x.worst)
    net_high = sum(x.best.net_payout for x in priced if x.best)
    story: list[Flowable] = [
        _p(f"{org_name} 御中", BODY),
        _p(f"見積番号：{number}　発行日：{_d(issued_on)}", BODY),
        *_operator_block(),
        Spacer(1, 3 * mm),
        _p(f"お振込金額（概算）：{_range(format_yen(net_low), format_yen(net_high))}", TITLE),
        _p(f"商品：{product_label}（お申込み前の概算です）", BODY),
        Spacer(1, 3 * mm),
    ]
    header = ["請求書", "支払期日", "額面", "手数料率", "手数料", "お振込金額", "年率換算"]
    body: list[list[Any]] = []
    for x in lines:
        if x.best is None or x.worst is None:
            body.append(
                [
                    f"{x.invoice_number}\n{x.debtor}",
                    x.due_date.isoformat(),
                    format_yen(x.face),
                    x.refusal or "対象外",
                    "",
                    "",
                    "",
                ]
            )
            continue
        body.append(
            [
                f"{x.invoice_number}\n{x.debtor}",
                x.due_date.isoformat(),
                format_yen(x.face),
                _range(
                    format_rate_percent(x.best.fee_rate, 1),
                    format_rate_percent(x.worst.fee_rate, 1),
                ),
                _range(
                    format_yen(x.best.fee + x.best.admin_fee),
                    format_yen(x.worst.fee + x.worst.admin_fee),
                ),
                _range(format_yen(x.worst.net_payout), format_yen(x.best.net_payout)),
                _range(_apr(x.best.apr), _apr(x.worst.apr)),
            ]
        )
    widths = [w * mm for w in (40, 20, 22, 22, 26, 30, 20)]
    story.append(_table([header, *body], widths, numeric_from=2))
    story += [
        Spacer(1, 4 * mm),
        _p(
            "手数料率は審査の結果（評価）により、表の範囲内で決まります。"
            "お振込日はお申込みの時刻により変わり、日数と年率換算もそれに応じて変わります。",
            SMALL,
        ),
        _p(
            "本書は売掛債権の買取（ファクタリング）の概算で、融資ではありません。"
            "確定した条件は審査後にご提示します。",
            SMALL,
        ),
    ]
    return _render("概算御見積書", story)


def estimate_csv(lines: Sequence[EstimateLine]) -> str:
    out = io.StringIO()
    writer = safe_csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "請求書番号",
            "売掛先",
            "支払期日",
            "額面",
            "手数料率（最小）",
            "手数料率（最大）",
            "手数料（最小）",
            "手数料（最大）",
            "お振込金額（最小）",
            "お振込金額（最大）",
            "備考",
        ]
    )
    for x in lines:
        if x.best is None or x.worst is None:
            writer.writerow(
                [x.invoice_number, x.debtor, x.due_date.isoformat(), x.face]
                + [""] * 6
                + [x.refusal or "対象外"]
            )
            continue
        writer.writerow(
            [
                x.invoice_number,
                x.debtor,
                x.due_date.isoformat(),
                x.face,
                format_rate_percent(x.best.fee_rate, 1),
                format_rate_percent(x.worst.fee_rate, 1),
                x.best.fee + x.best.admin_fee,
                x.worst.fee + x.worst.admin_fee,
                x.worst.net_payout,
                x.best.net_payout,
                "",
            ]
        )
    return "\ufeff" + out.getvalue()
