"""Downloads of a pool's analysis: CSV (through ``safe_csv``), Excel (openpyxl) and the
investor report per period (PDF, reportlab with the Japanese CID fonts the contracts use)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook  # type: ignore[import-untyped]
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from urikake.domain import safe_csv
from urikake.domain.money import format_rate_percent, format_yen
from urikake.domain.securitization.report import Analysis
from urikake.securitization.analysis import TRANCHE_LABELS, PeriodRow, period_rows
from urikake.securitization.models import Pool

GOTHIC = "HeiseiKakuGo-W5"
MINCHO = "HeiseiMin-W3"
for _font in (MINCHO, GOTHIC):
    if _font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_font))

BODY = ParagraphStyle("sec_body", fontName=MINCHO, fontSize=9, leading=14, wordWrap="CJK")
TITLE = ParagraphStyle("sec_title", fontName=GOTHIC, fontSize=15, leading=22)
HEAD = ParagraphStyle("sec_head", fontName=GOTHIC, fontSize=10.5, leading=16, spaceBefore=8)


def _pct(x: float, places: int = 4) -> str:
    return format_rate_percent(Decimal(repr(float(x))), places)


def tranche_rows(a: Analysis) -> list[list[str | int]]:
    rows: list[list[str | int]] = []
    for t in a.tranches:
        width = t.spec.detachment - t.spec.attachment
        rows.append(
            [
                TRANCHE_LABELS[t.spec.name],
                _pct(t.spec.attachment, 2),
                _pct(t.spec.detachment, 2),
                _pct(width, 2),
                _pct(t.expected_loss),
                _pct(t.pd),
                f"{t.wal_months:.2f}" if t.wal_months is not None else "—",
            ]
        )
    return rows


TRANCHE_HEADER = ["トランシェ", "下限", "上限", "厚さ", "期待損失率", "損失発生確率", "WAL（月）"]


def _period_header(names: list[str]) -> list[str]:
    head = ["期", "回収", "デフォルト", "希薄化", "回収（デフォルト後）", "信託報酬"]
    for n in names:
        if n != "subordinated":
            head += [f"{TRANCHE_LABELS[n]}利息", f"{TRANCHE_LABELS[n]}元本"]
    head += ["劣後への配当", "累積デフォルト率", "早期償還（ターボ）確率"]
    return head


def _period_cells(r: PeriodRow, names: list[str]) -> list[str | int]:
    cells: list[str | int] = [
        r.period,
        r.collections,
        r.defaults,
        r.dilution,
        r.recoveries,
        r.trust_fee,
    ]
    for n in names:
        if n != "subordinated":
            cells += [r.interest[n], r.principal[n]]
    cells += [
        r.principal.get("subordinated", 0),
        _pct(r.cumulative_default_ratio),
        _pct(r.turbo_probability, 2),
    ]
    return cells


def as_csv(pool: Pool, a: Analysis) -> str:
    out = io.StringIO()
    w = safe_csv.writer(out, lineterminator="\r\n")
    w.writerow(["プール", pool.name, "基準日", pool.cut_off_date.isoformat()])
    w.writerow(["残高", a.balance, "期待損失率", _pct(a.expected_loss)])
    w.writerow([])
    w.writerow(TRANCHE_HEADER)
    w.writerows(tranche_rows(a))
    w.writerow([])
    names = [t.spec.name for t in a.tranches]
    w.writerow(_period_header(names))
    for r in period_rows(a):
        w.writerow(_period_cells(r, names))
    return out.getvalue()


def as_xlsx(pool: Pool, a: Analysis) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "トランシェ"
    ws.append(["プール", pool.name])
    ws.append(["基準日", pool.cut_off_date])
    ws.append(["残高（円）", a.balance])
    ws.append(["期待損失率", a.expected_loss])
    for q, v in a.quantiles.items():
        ws.append([f"損失率 {q * 100:g}%点", v])
    ws.append([])
    ws.append(TRANCHE_HEADER)
    for t in a.tranches:
        ws.append(
            [
                TRANCHE_LABELS[t.spec.name],
                t.spec.attachment,
                t.spec.detachment,
                t.spec.detachment - t.spec.attachment,
                t.expected_loss,
                t.pd,
                t.wal_months,
            ]
        )
    cf = wb.create_sheet("キャッシュフロー")
    names = [t.spec.name for t in a.tranches]
    cf.append(_period_header(names))
    for r in period_rows(a):
        cells: list[str | int | float] = list(_period_cells(r, names))
        cells[-2] = r.cumulative_default_ratio
        cells[-1] = r.turbo_probability
        cf.append(cells)
    hist = wb.create_sheet("損失分布")
    hist.append(["損失率（区間の下限）", "確率"])
    for label, p in zip(*a.histogram(), strict=True):
        hist.append([label, p])
    items = wb.create_sheet("債権")
    items.append(
        ["債権", "売掛先", "グレード", "残高", "集中控除", "対象額", "PD", "LGD", "残存月数"]
    )
    for i in pool.items.order_by("pk"):
        items.append(
            [
                i.position_id,
                i.debtor_key,
                i.grade,
                i.residual,
                i.haircut,
                i.amount,
                i.pd,
                i.lgd,
                i.months,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
    cell = ParagraphStyle("sec_cell", parent=BODY, fontSize=7.5, leading=10)
    data = [[Paragraph(str(c), cell) for c in row] for row in rows]
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


def investor_report_pdf(pool: Pool, a: Analysis, period: int) -> bytes:
    """The investor report for one month of the structure's life (expected cash flows)."""
    rows = period_rows(a)
    r = rows[period - 1]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        title=f"投資家報告書 {pool.name} 第{period}期",
        author="Urikake",
    )
    story = [
        Paragraph(f"投資家報告書（第{period}期）", TITLE),
        Paragraph(
            f"プール: {pool.name}　基準日: {pool.cut_off_date:%Y年%m月%d日}　"
            f"方式: {pool.get_method_display()}　SPV: {pool.get_vehicle_display()}",
            BODY,
        ),
        Paragraph(
            f"対象残高 {format_yen(a.balance)}（{a.receivables}件）　"
            f"期待損失率 {_pct(a.expected_loss)}　"
            f"99.9%点 {_pct(a.quantiles[0.999])}　資産相関 {a.correlation:g}　"
            f"シナリオ数 {a.simulation.scenarios if a.simulation else 0:,}",
            BODY,
        ),
        Paragraph("当期のキャッシュフロー（シナリオ平均、円未満切捨て）", HEAD),
    ]
    flows = [
        ["項目", "金額"],
        ["回収", format_yen(r.collections)],
        ["デフォルト", format_yen(r.defaults)],
        ["希薄化", format_yen(r.dilution)],
        ["デフォルト後の回収", format_yen(r.recoveries)],
        ["信託報酬", format_yen(r.trust_fee)],
    ]
    for n in r.interest:
        if n == "subordinated":
            continue
        label = "信託配当（優先）" if n == "senior" else f"{TRANCHE_LABELS[n]}利息"
        flows.append([label, format_yen(r.interest[n])])
        flows.append([f"{TRANCHE_LABELS[n]}元本の償還", format_yen(r.principal[n])])
        flows.append([f"{TRANCHE_LABELS[n]}期末残高", format_yen(r.outstanding[n])])
    flows.append(["劣後への配当", format_yen(r.principal.get("subordinated", 0))])
    flows.append(["累積デフォルト率", _pct(r.cumulative_default_ratio)])
    flows.append(["早期償還（ターボ）に入っている確率", _pct(r.turbo_probability, 2)])
    story += [_table(flows, [90 * mm, 60 * mm]), Paragraph("トランシェ", HEAD)]
    story.append(_table([TRANCHE_HEADER, *[[str(c) for c in row] for row in tranche_rows(a)]]))
    if pool.retain_subordinated:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(
                "劣後部分は譲渡元（当社）が保有しています。証券化の方法によってはリスクの移転が"
                "限定的になる場合があります。",
                BODY,
            ),
        ]
    doc.build(story)
    return buf.getvalue()
