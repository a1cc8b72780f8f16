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


RECOVERY_DAYS = 3  # 留保金の返還: 全額回収の日から3銀行営業日以内
FORWARDING_DAYS = 2  # 甲が受け取った回収金の引渡し: 受領の日から2銀行営業日以内
LATE_INTEREST = "年14.6%"


def _rates(rates: list[Decimal]) -> str:
    return "、".join(_pct(r) for r in rates)


def _article_price(terms: DealTerms) -> str:
    advance_rates = sorted({inv.advance_rate for inv in terms.invoices})
    fee_rates = sorted({inv.fee_rate for inv in terms.invoices})
    account = terms.payout_account or "甲が乙に届け出た口座"
    return (
        f"1. 本債権の額面の合計額は{format_yen(terms.face_amount)}とし、本債権の売買代金"
        f"（以下「買取金額」という。）は、各本債権の額面に別表記載の掛目（{_rates(advance_rates)}）"
        f"を乗じて得た額（1円未満の端数は切り捨てる。）の合計額である"
        f"{format_yen(terms.advance_amount)}とする。\n"
        f"2. 甲は、乙に対し、買取手数料として、各本債権の額面に別表記載の手数料率"
        f"（{_rates(fee_rates)}）を乗じて得た額（1円未満の端数は切り捨てる。）の合計額である"
        f"{format_yen(terms.fee)}"
        + (f"及び事務手数料{format_yen(terms.admin_fee)}" if terms.admin_fee else "")
        + "を支払う。\n"
        f"3. 乙は、買取金額から前項の手数料を控除した残額{format_yen(terms.net_payout)}"
        f"（以下「お振込金額」という。）を、{_d(terms.payout_date)}までに甲の指定する口座"
        f"（{account}）に振り込む方法により支払う。前項の手数料は、この控除をもって支払われた"
        "ものとする。振込手数料は乙の負担とする。"
    )


def _article_perfection(terms: DealTerms) -> str:
    """第4条（対抗要件）: the method as a noun phrase, then what it asks of each party."""
    if terms.perfection is Method.REGISTRATION:
        return (
            "1. 本債権の譲渡の債務者以外の第三者に対する対抗要件は、動産及び債権の譲渡の対抗要件に"
            "関する民法の特例等に関する法律（以下「特例法」という。）第4条第1項に定める債権譲渡登記"
            "により具備する。\n"
            "2. 甲は、乙が債権譲渡登記を申請することを承諾し、その申請に必要な書類の交付その他の"
            "協力をする。\n"
            "3. 乙は、特例法第4条第2項に定める債務者への通知を留保する。ただし、"
            "第8条に定める事由が生じたときは、乙は、登記事項証明書を交付して債務者に通知する"
            "ことができる。"
        )
    if terms.perfection is Method.CONSENT:
        return (
            "1. 本債権の譲渡の債務者その他の第三者に対する対抗要件は、"
            f"{terms.perfection_text}により具備する。\n"
            "2. 甲は、債務者から確定日付のある証書による承諾を取得し、その承諾書を遅滞なく乙に"
            "交付する。"
        )
    return (
        "1. 本債権の譲渡の債務者その他の第三者に対する対抗要件は、"
        f"{terms.perfection_text}により具備する。\n"
        "2. 甲は、乙に対し、甲の名義による前項の通知の発送を委任し、本契約の締結と同時に、"
        "債権譲渡通知書の内容に電子的方法により同意する。\n"
        "3. 乙は、甲の代理人として、前項の債権譲渡通知書を確定日付のある証書（内容証明郵便又は"
        "電子内容証明）により債務者に送付する。"
    )


def _article_collection(terms: DealTerms) -> str:
    """第5条（回収と支払先口座）: who collects, and the operator's collection account."""
    if not spec(terms.product).client_forwards:  # the debtor pays the assignee directly
        text = (
            "1. 甲及び乙は、債務者が本債権を各支払期日に末尾記載の乙の口座（以下「乙の口座」"
            "という。）に直接支払うものとすることを確認する。\n"
            "2. 甲が債務者から本債権の弁済を受けたときは、甲は、受領した日から"
            f"{FORWARDING_DAYS}銀行営業日以内に、その全額を乙の口座に引き渡す。"
        )
    else:
        text = (
            "1. 乙は、甲に対し、本債権の回収を委託し、甲は、乙のために債務者から本債権を"
            "回収する。\n"
            f"2. 甲は、回収した金銭を受領した日から{FORWARDING_DAYS}銀行営業日以内に、その全額を"
            "末尾記載の乙の口座に引き渡す。甲は、引渡しまでの間、回収した金銭を自己の財産と分別"
            "して管理する。"
        )
    return text + f"\n乙の口座：{terms.payee_account.line()}"


def _articles(terms: DealTerms) -> list[tuple[str, str]]:
    """The clauses (条) of the agreement, with this deal's figures."""
    return [
        (
            "第1条（債権の売買）",
            "甲は、別表記載の売掛先（以下「債務者」という。）に対して甲が有する別表記載の"
            "売掛債権（以下「本債権」という。）を乙に売り渡し、乙はこれを買い受ける。"
            "本債権の額面及び支払期日は、別表記載のとおりとする。",
        ),
        ("第2条（売買代金及び手数料）", _article_price(terms)),
        (
            "第3条（留保金）",
            f"1. 本債権の額面の合計額と買取金額との差額{format_yen(terms.holdback)}"
            "（以下「留保金」という。）は、乙が本債権の全額を回収した日から"
            f"{RECOVERY_DAYS}銀行営業日以内に、乙が甲の指定する口座に振り込む方法により"
            "甲に返還する。\n"
            "2. 本債権の一部が回収されないときは、乙は、留保金から回収されなかった額を控除した"
            "残額を返還する。",
        ),
        ("第4条（対抗要件）", _article_perfection(terms)),
        ("第5条（回収及び支払先口座）", _article_collection(terms)),
        (
            "第6条（償還請求権の不存在）",
            "本契約による売買は、償還請求権のないもの（ノンリコース）とする。債務者の倒産、"
            "支払不能その他債務者の信用に起因して本債権が回収されないときは、その損失は、"
            "第3条第2項による留保金からの控除を除き乙が負担し、乙は、甲に対し、本債権の買戻し、"
            "買取金額の返還その他の償還を請求しない。ただし、第8条に定める場合は、この限りでない。",
        ),
        (
            "第7条（表明及び保証）",
            "甲は、乙に対し、本契約の締結日において、次の各号に掲げる事項が真実かつ正確である"
            "ことを表明し、保証する。\n"
            "(1) 本債権は、甲と債務者との間の真正な取引に基づき実在し、別表記載の金額で確定して"
            "いること。\n"
            "(2) 本債権について、第三者への譲渡（二重譲渡を含む。）及び質権その他の担保権の設定が"
            "なく、甲は、本契約の締結後もこれらを行わないこと。\n"
            "(3) 本債権について、差押え、仮差押え又は滞納処分による差押えがないこと。\n"
            "(4) 本債権に譲渡を禁止し、又は制限する旨の特約がないこと、又はその存在を乙に開示した"
            "こと。\n"
            "(5) 債務者が本債権について相殺その他の抗弁を有していないこと。\n"
            "(6) 甲が乙に提出した請求書その他の資料が真正かつ正確であること。",
        ),
        (
            "第8条（表明保証違反等）",
            "甲が前条の表明及び保証に違反したとき、又は第5条に定める義務に違反したときは、甲は、"
            "乙の請求により、直ちに、買取金額から乙が本債権について回収した額を控除した額、及び"
            f"これに対する乙の請求の日の翌日から支払済みまで{LATE_INTEREST}の割合による"
            "遅延損害金を乙に支払う。",
        ),
        (
            "第9条（電子契約）",
            "本契約は、甲が、乙の提供するウェブサイトにおいて再認証を経た上で、本書（文書番号及び"
            "SHA-256ハッシュ値により特定される。）の内容に同意し、乙が本書に電子署名（PAdES）を"
            "付すことにより成立する。本契約の締結日は乙の電子署名の日とし、甲の同意の記録"
            "（同意者、日時、IPアドレス等）は、当該電子署名の属性として記録する。",
        ),
        (
            "第10条（合意管轄）",
            "本契約に関する一切の紛争については、東京地方裁判所を第一審の専属的合意管轄裁判所と"
            "する。",
        ),
    ]


def render_agreement(terms: DealTerms, document_number: str) -> bytes:
    title = "債権売買契約書"
    story: list[Flowable] = [
        _p(
            f"{terms.assignor.name}（以下「甲」という。）と{terms.assignee.name}（以下「乙」という。）"
            f"は、甲が有する売掛債権の売買（{terms.product_label}）について、次のとおり債権売買契約"
            "（以下「本契約」という。）を締結する。"
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
            "本契約の成立を証するため、甲は電子的方法により本書の内容に同意し、乙は本書に電子署名を"
            "付す。本書は、電子署名を付したPDFをもって原本とする。",
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
            f"さて、当社は、貴社に対して有する下記の売掛債権（合計"
            f"{format_yen(_debtor_total(invoices))}）を、{terms.assignee.name}"
            f"（所在地 {terms.assignee.address or '—'}、法人番号 "
            f"{terms.assignee.corporate_number or '—'}）に譲渡いたしましたので、民法第467条の規定に"
            "基づき、ここにご通知申し上げます。\n"
            "つきましては、下記債権のお支払いは、各支払期日に、当社ではなく下記の譲受人の口座へ"
            "お振込みくださいますようお願い申し上げます。\n敬具"
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
            "本通知書は、譲渡人の代理人である譲受人が、確定日付のある証書（内容証明郵便又は"
            "電子内容証明）により送付いたします。\n以上",
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
            f"売掛債権（合計{format_yen(_debtor_total(invoices))}）を、{terms.assignee.name}"
            "（以下「譲受人」という。）に譲渡することを承諾します。\n"
            "当社は、下記債権について、相殺その他譲渡人に対抗することができる事由を有していない"
            "ことを確認し、これらの事由をもって譲受人に対抗しないことを約します。\n"
            "当社は、下記債権を、各支払期日に下記の譲受人の口座に振り込む方法により支払います。"
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
        _p(
            "本承諾書には、公証役場における確定日付の付与その他の方法により確定日付を付します。",
            SMALL,
        ),
    ]
    return _render(title, document_number, story)


def render_plain(
    title: str,
    document_number: str,
    blocks: list[tuple[str, str | list[list[str]]]],
) -> bytes:
    """A document in the contracts' layout for other apps (loan contracts, balance reports):
    ``blocks`` are (heading, text) or (heading, table rows — the first row is the header);
    an empty heading adds none. Same fonts, numbered pages and byte-identical output."""
    story: list[Flowable] = []
    width = A4[0] - 36 * mm
    for heading, body in blocks:
        if heading:
            story.append(_p(heading, HEADING))
        if isinstance(body, str):
            story.append(_p(body))
        elif body:
            columns = len(body[0])
            story.append(_table(body, [width / columns] * columns))
        story.append(Spacer(1, 2 * mm))
    return _render(title, document_number, story)
