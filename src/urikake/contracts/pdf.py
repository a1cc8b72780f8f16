"""Render the contract documents as A4 PDFs in Japanese (reportlab, built-in CID fonts).

The CID fonts (HeiseiMin-W3 / HeiseiKakuGo-W5) need no font file and are read back by any
PDF reader and by pypdf. ``invariant=1`` fixes the creation date and document id that
reportlab would otherwise vary, so the same terms always give byte-identical PDFs (the
SHA-256 the applicant agrees to is reproducible).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from urikake.contracts.terms import DealTerms, InvoiceTerms, Party
from urikake.domain.money import format_rate_percent, format_yen
from urikake.domain.perfection import Method
from urikake.domain.products import spec

MINCHO = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"
for _font in (MINCHO, GOTHIC):
    if _font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_font))

BODY = ParagraphStyle("body", fontName=MINCHO, fontSize=9.5, leading=15, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=12)
TITLE = ParagraphStyle(
    "title", fontName=GOTHIC, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=4 * mm
)
HEADING = ParagraphStyle(
    "heading", fontName=GOTHIC, fontSize=10.5, leading=16, spaceBefore=3 * mm, wordWrap="CJK"
)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=12)
CELL_RIGHT = ParagraphStyle("cell_right", parent=CELL, alignment=TA_RIGHT)


def _d(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _pct(rate: Decimal) -> str:
    return format_rate_percent(rate, 2)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    # Paragraph takes a little markup: escape what could be read as a tag.
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe.replace("\n", "<br/>"), style)


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    cells = [[c if isinstance(c, Flowable) else _p(str(c), CELL) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


def _party_rows(label: str, party: Party) -> list[list[Any]]:
    rows = [[label, party.name], ["所在地", party.address or "—"]]
    rows.append(["法人番号", party.corporate_number or "—（法人番号なし）"])
    if party.representative:
        rows.append(["代表者", party.representative])
    return rows


def _numbered_canvas(document_number: str) -> type[rl_canvas.Canvas]:
    """A canvas that writes 'n / N' and the document number on every page (two passes:
    the page count is known only after the last page)."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(MINCHO, 8)
                self.drawString(18 * mm, 10 * mm, f"文書番号 {document_number}")
                self.drawRightString(
                    A4[0] - 18 * mm, 10 * mm, f"{self._pageNumber} / {total} ページ"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def _render(title: str, document_number: str, story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{title}（{document_number}）",
        author="Urikake",
        subject=document_number,
        creator="Urikake",
        invariant=1,
    )
    head = [_p(f"文書番号 {document_number}", RIGHT), _p(title, TITLE)]
    doc.build(head + story, canvasmaker=_numbered_canvas(document_number))
    return buffer.getvalue()


def _invoice_table(invoices: tuple[InvoiceTerms, ...], *, with_terms: bool) -> Table:
    if with_terms:
        rows: list[list[Any]] = [
            [
                "請求書番号",
                "売掛先（債務者）",
                "額面",
                "支払期日",
                "掛目・買取金額",
                "手数料率・手数料",
            ]
        ]
        for inv in invoices:
            rows.append(
                [
                    inv.invoice_number,
                    inv.debtor.name,
                    _p(format_yen(inv.face_amount), CELL_RIGHT),
                    _d(inv.due_date),
                    _p(f"{_pct(inv.advance_rate)}\n{format_yen(inv.advance_amount)}", CELL_RIGHT),
                    _p(f"{_pct(inv.fee_rate)}\n{format_yen(inv.fee)}", CELL_RIGHT),
                ]
            )
        return _table(rows, [28 * mm, 42 * mm, 24 * mm, 25 * mm, 27 * mm, 28 * mm])
    rows = [["請求書番号", "請求日", "債権額（税込）", "支払期日"]]
    for inv in invoices:
        rows.append(
            [
                inv.invoice_number,
                _d(inv.issue_date),
                _p(format_yen(inv.face_amount), CELL_RIGHT),
                _d(inv.due_date),
            ]
        )
    return _table(rows, [50 * mm, 38 * mm, 40 * mm, 46 * mm])


def _account_table(terms: DealTerms) -> Table:
    a = terms.payee_account
    rows = [
        ["金融機関", f"{a.bank_name}（{a.bank_code}）"],
        ["支店", f"{a.branch_name}（{a.branch_code}）"],
        ["預金種目・口座番号", f"{a.account_type} {a.account_number}"],
        ["口座名義", a.holder],
    ]
    return _table(rows, [45 * mm, 129 * mm], header=False)


def _articles(terms: DealTerms) -> list[tuple[str, str]]:
    """The clauses (条) of the agreement, with this deal's figures."""
    three = not spec(terms.product).client_forwards  # the debtor pays the assignee
    recovery_days = 3
    advance_rates = sorted({inv.advance_rate for inv in terms.invoices})
    fee_rates = sorted({inv.fee_rate for inv in terms.invoices})
    articles = [
        (
            "第1条（債権の売買）",
            "甲は、甲が別表記載の売掛先（以下「債務者」という。）に対して有する別表記載の"
            "売掛債権（以下「本債権」という。）を乙に売り渡し、乙はこれを買い受ける。"
            "本債権の支払期日は別表記載のとおりとする。",
        ),
        (
            "第2条（売買代金）",
            f"1. 本債権の額面合計は {format_yen(terms.face_amount)} とし、売買代金（買取金額）は、"
            f"額面に掛目（{'、'.join(_pct(r) for r in advance_rates)}）を乗じた額（円未満切捨て）の"
            f"合計 {format_yen(terms.advance_amount)} とする。\n"
            f"2. 甲は乙に、買取手数料として額面に手数料率（"
            f"{'、'.join(_pct(r) for r in fee_rates)}）を乗じた額（円未満切捨て）の合計 "
            f"{format_yen(terms.fee)}、及び事務手数料 {format_yen(terms.admin_fee)} を支払う。\n"
            f"3. 乙は、売買代金から前項の手数料を差し引いた {format_yen(terms.net_payout)}"
            f"（お振込金額）を、{_d(terms.payout_date)}に甲の指定口座"
            f"（{terms.payout_account or '甲が乙に届け出た口座'}）に振り込んで支払う。"
            "振込手数料は乙の負担とする。",
        ),
        (
            "第3条（留保金）",
            f"額面合計と売買代金の差額 {format_yen(terms.holdback)}（留保金）は、乙が本債権の"
            f"全額を回収した日から{recovery_days}銀行営業日以内に、乙が甲の指定口座に振り込んで"
            "返還する。本債権の一部が回収されないときは、回収されなかった額を差し引いて返還する。",
        ),
        (
            "第4条（対抗要件）",
            f"本契約の商品は{terms.product_label}とし、本債権の譲渡の対抗要件は{terms.perfection_text}"
            "により具備する。"
            + (
                "甲は、本契約の締結と同時に、債務者への債権譲渡通知書に電子署名により同意し、"
                "乙が甲に代わって確定日付のある証書により債務者に送付することを承諾する。"
                if terms.perfection is Method.NOTICE
                else "甲は、債務者から確定日付のある承諾書を取得し、乙に交付する。"
                if terms.perfection is Method.CONSENT
                else "甲は、乙が債権譲渡登記を申請することを承諾し、必要な協力をする。"
                "乙は、甲に第8条の事由が生じたときに限り、債務者に譲渡を通知することができる。"
            ),
        ),
        (
            "第5条（回収と支払先口座）",
            (
                "債務者は、本債権を支払期日に次の乙の口座へ直接支払う。"
                "甲が債務者から本債権の弁済を受けたときは、受領した日から2銀行営業日以内に"
                "その全額を次の乙の口座に引き渡す。"
                if three
                else "甲は、乙の代理人として債務者から本債権を回収し、受領した日から"
                "2銀行営業日以内にその全額を次の乙の口座に引き渡す。甲は回収金を自己の財産と"
                "区別して管理する。"
            )
            + f"\n乙の口座：{terms.payee_account.line()}",
        ),
        (
            "第6条（償還請求権の不存在）",
            "本契約による売買は償還請求権なし（ノンリコース）とする。債務者の倒産・支払不能その他"
            "債務者の信用に起因して本債権が回収できないときは、その損失は乙が負担し、乙は甲に対し"
            "本債権の買戻し、売買代金の返還その他の償還を請求しない。ただし、第8条の場合はこの限りで"
            "ない。",
        ),
        (
            "第7条（表明及び保証）",
            "甲は、本契約締結日において、乙に対し次の事項を表明し保証する。\n"
            "(1) 本債権は、甲と債務者との間の真正な取引に基づき実在し、別表記載の金額で確定している"
            "こと。\n"
            "(2) 本債権について、第三者への譲渡（二重譲渡を含む。）、質権その他の担保の設定、"
            "差押え・仮差押えがなく、本契約後も行わないこと。\n"
            "(3) 本債権に譲渡を禁止し又は制限する特約がないこと、又はその存在を乙に開示したこと。\n"
            "(4) 債務者が本債権について相殺その他の抗弁を有していないこと。\n"
            "(5) 甲が乙に提出した請求書その他の資料が真正かつ正確であること。",
        ),
        (
            "第8条（表明保証違反）",
            "前条の表明保証に違反があったとき、又は甲が第5条に違反したときは、甲は乙の請求により、"
            "直ちに売買代金相当額から乙が回収した額を差し引いた額及びこれに対する遅延損害金"
            "（年14.6%）を乙に支払う。",
        ),
        (
            "第9条（電子契約）",
            "本契約は、甲が乙の提供するウェブサイト上で再認証の上で本書の内容（文書番号及び"
            "SHA-256ハッシュ値）に同意し、乙が本書に電子署名（PAdES）をすることにより成立する。"
            "契約締結日は乙の電子署名の日とし、甲の同意の記録（同意者・日時・IPアドレス等）は"
            "電子署名の属性に記録する。",
        ),
        (
            "第10条（合意管轄）",
            "本契約に関する紛争については、東京地方裁判所を第一審の専属的合意管轄裁判所とする。",
        ),
    ]
    return articles


def render_agreement(terms: DealTerms, document_number: str) -> bytes:
    title = "債権売買契約書"
    story: list[Flowable] = [
        _p(
            f"{terms.assignor.name}（以下「甲」という。）と{terms.assignee.name}（以下「乙」という。）"
            f"は、甲が有する売掛債権の売買（{terms.product_label}）について、次のとおり契約を締結する。"
        ),
        Spacer(0, 3 * mm),
        _table(
            _party_rows("甲（譲渡人）", terms.assignor)
            + _party_rows("乙（譲受人）", terms.assignee),
            [45 * mm, 129 * mm],
            header=False,
        ),
        Spacer(0, 2 * mm),
        _p("取引条件の要約", HEADING),
        _table(
            [
                ["商品", terms.product_label],
                ["対抗要件", terms.perfection_text],
                ["債権額面合計", format_yen(terms.face_amount)],
                ["買取金額（売買代金）", format_yen(terms.advance_amount)],
                ["買取手数料", format_yen(terms.fee)],
                ["事務手数料", format_yen(terms.admin_fee)],
                ["お振込金額", f"{format_yen(terms.net_payout)}（{_d(terms.payout_date)}お振込）"],
                [
                    "留保金",
                    f"{format_yen(terms.holdback)}（本債権の全額回収後3銀行営業日以内に返還）",
                ],
                ["償還請求権", "なし（ノンリコース）"],
            ],
            [45 * mm, 129 * mm],
            header=False,
        ),
    ]
    for heading, text in _articles(terms):
        story.append(KeepTogether([_p(heading, HEADING), _p(text)]))
    story += [
        _p("別表（譲渡債権の明細）", HEADING),
        _invoice_table(terms.invoices, with_terms=True),
        Spacer(0, 2 * mm),
        _p("別表（債務者）", HEADING),
        _table(
            [["債務者", "所在地", "法人番号"]]
            + [
                [party.name, party.address or "—", party.corporate_number or "—"]
                for _, party, _ in terms.debtors()
            ],
            [60 * mm, 80 * mm, 34 * mm],
        ),
        Spacer(0, 4 * mm),
        _p(
            "本契約の成立を証するため、甲は電子的方法により本書に同意し、乙は本書に電子署名を"
            "付す。本書の原本は電子署名済みのPDFとする。",
            SMALL,
        ),
    ]
    return _render(title, document_number, story)


def _debtor_total(invoices: tuple[InvoiceTerms, ...]) -> int:
    return sum(inv.face_amount for inv in invoices)


def render_notice(
    terms: DealTerms, document_number: str, debtor: Party, invoices: tuple[InvoiceTerms, ...]
) -> bytes:
    """債権譲渡通知書: from the assignor to one debtor, naming the platform's account."""
    title = "債権譲渡通知書"
    story: list[Flowable] = [
        _p(f"{debtor.name} 御中"),
        _p(f"（所在地 {debtor.address or '—'}／法人番号 {debtor.corporate_number or '—'}）", SMALL),
        Spacer(0, 4 * mm),
        _p(
            f"通知日：本書への電子署名の日\n通知人（譲渡人）：{terms.assignor.name}\n"
            f"所在地：{terms.assignor.address or '—'}\n"
            f"法人番号：{terms.assignor.corporate_number or '—'}\n"
            f"代表者：{terms.assignor.representative or '—'}",
            RIGHT,
        ),
        Spacer(0, 4 * mm),
        _p(
            f"拝啓　貴社ますますご清栄のこととお喜び申し上げます。\n"
            f"さて、当社は、当社が貴社に対して有する下記の売掛債権（合計 "
            f"{format_yen(_debtor_total(invoices))}）を、{terms.assignee.name}"
            f"（所在地 {terms.assignee.address or '—'}、法人番号 "
            f"{terms.assignee.corporate_number or '—'}）に譲渡いたしましたので、民法第467条に基づき"
            "ご通知申し上げます。\n"
            "つきましては、下記債権のお支払いは、各支払期日に、当社ではなく下記の譲受人の口座へ"
            "お振込みくださいますようお願い申し上げます。　敬具"
        ),
        _p("記", ParagraphStyle("center", parent=BODY, alignment=TA_CENTER)),
        _p("1. 譲渡債権", HEADING),
        _invoice_table(invoices, with_terms=False),
        _p("2. お支払先（譲受人の口座）", HEADING),
        _account_table(terms),
        _p("3. 譲受人", HEADING),
        _table(_party_rows("譲受人", terms.assignee), [45 * mm, 129 * mm], header=False),
        Spacer(0, 4 * mm),
        _p(
            "本通知書は、譲受人が確定日付のある証書（内容証明郵便又は電子内容証明）により"
            "送付します。以上",
            SMALL,
        ),
    ]
    return _render(title, document_number, story)


def render_consent(
    terms: DealTerms, document_number: str, debtor: Party, invoices: tuple[InvoiceTerms, ...]
) -> bytes:
    """債権譲渡承諾書: a template the debtor dates, names and seals (記名押印)."""
    title = "債権譲渡承諾書"
    blank = "　" * 14
    story: list[Flowable] = [
        _p(f"{terms.assignor.name} 御中\n{terms.assignee.name} 御中"),
        Spacer(0, 4 * mm),
        _p(
            f"当社は、{terms.assignor.name}（以下「譲渡人」という。）が当社に対して有する下記の"
            f"売掛債権（合計 {format_yen(_debtor_total(invoices))}）を、{terms.assignee.name}"
            "（以下「譲受人」という。）に譲渡することを承諾します。\n"
            "当社は、下記債権について相殺その他の抗弁を有していないことを確認し、下記債権を"
            "各支払期日に下記の譲受人の口座へ支払います。"
        ),
        _p("記", ParagraphStyle("center", parent=BODY, alignment=TA_CENTER)),
        _p("1. 譲渡債権", HEADING),
        _invoice_table(invoices, with_terms=False),
        _p("2. お支払先（譲受人の口座）", HEADING),
        _account_table(terms),
        Spacer(0, 8 * mm),
        _p(
            f"承諾日：{blank}年　　月　　日\n\n"
            f"承諾者（債務者）：{debtor.name}\n"
            f"所在地：{debtor.address or blank}\n"
            f"法人番号：{debtor.corporate_number or blank}\n"
            f"代表者：{blank}　　印",
            RIGHT,
        ),
        Spacer(0, 4 * mm),
        _p("本承諾書には確定日付を付します（公証役場又は内容証明郵便による）。", SMALL),
    ]
    return _render(title, document_number, story)
