"""Every event the platform tells people about, defined once.

An :class:`Event` says what the person reads (title and body, Japanese msgids translated in
the reader's language), which notification setting of the organisation governs its mail
(``NotificationSettings``), whether it is important enough for SMS, and who hears of it.

Texts take named values from the notification's context. Values whose name ends in ``_yen``
are shown as amounts, ``_date`` as dates; ``reasons`` is a list of sentences already written
for the applicant (never codes or scores).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from urikake.domain.money import format_yen


@dataclass(frozen=True)
class Event:
    key: str
    title: Promise
    body: Promise
    # The NotificationSettings field that lets the organisation turn its mail off; None: the
    # mail always goes (staff notices).
    mail_setting: str | None
    sms: bool  # sent by SMS too when the organisation wants important notices by SMS
    audience: str = "applicant"  # or "staff"


EVENTS: dict[str, Event] = {
    e.key: e
    for e in (
        Event(
            "application_received",
            _("お申込みを受け付けました（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s、申込金額 %(amount_yen)s）を受け付けました。"
                "審査の結果はあらためてお知らせします。"
            ),
            "email_screening",
            sms=True,
        ),
        Event(
            "application_referred",
            _("お申込みを担当者が確認しています（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s）は、担当者が内容を確認しています。"
                "確認が終わりましたら、結果をお知らせします。"
            ),
            "email_screening",
            sms=False,
        ),
        Event(
            "offer_made",
            _("買取条件をご提示しました（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s）の審査が終わり、買取条件をご提示しました。"
                "お振込み予定額は %(net_payout_yen)s です。"
                "ご提示の条件は %(expires_date)s まで有効です。内容をご確認のうえ、"
                "お手続きください。"
            ),
            "email_screening",
            sms=True,
        ),
        Event(
            "application_declined",
            _("審査結果のお知らせ（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s）について慎重に審査いたしましたが、"
                "今回は買取を見送らせていただくことになりました。"
            ),
            "email_screening",
            sms=True,
        ),
        Event(
            "contract_ready",
            _("契約書のご署名をお願いします（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s）の契約書をご用意しました。"
                "内容をご確認のうえ、電子署名をお願いします。"
            ),
            "email_contract",
            sms=True,
        ),
        Event(
            "contract_signed",
            _("契約の締結が完了しました（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s）の契約書へのご署名を確認しました。"
                "締結済みの契約書はいつでもダウンロードできます。"
            ),
            "email_contract",
            sms=True,
        ),
        Event(
            "perfection_done",
            _("債権譲渡の手続きが完了しました（申込み #%(application)s）"),
            _(
                "お申込み（申込み #%(application)s）で買い取った債権について、"
                "債権譲渡の対抗要件の手続きが完了しました。"
            ),
            "email_contract",
            sms=True,
        ),
        Event(
            "payout_sent",
            _("お振込みのお知らせ（%(value_date)s）"),
            _(
                "%(value_date)s付で、ご登録の振込先口座へ %(amount_yen)s のお振込み手続きを"
                "しました。ご入金の反映時刻は金融機関によって異なります。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "payout_returned",
            _("お振込みができませんでした（振込先口座のご確認のお願い）"),
            _(
                "%(amount_yen)s のお振込みが、振込先の金融機関から返却されました。"
                "振込先口座の登録内容をご確認のうえ、必要であれば変更してください。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "collection_due",
            _("回収金のお振込み期日が近づいています（%(deadline_date)s）"),
            _(
                "当社が買い取りました債権（請求書番号 %(invoice_number)s）の回収金 "
                "%(amount_yen)s は、%(deadline_date)s までに当社口座へお振込みください。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "collection_overdue",
            _("お支払いが確認できません（請求書番号 %(invoice_number)s）"),
            _(
                "当社が買い取りました債権（請求書番号 %(invoice_number)s）について、"
                "%(deadline_date)s 期限の %(amount_yen)s のお支払いがまだ確認できておりません。"
                "詳細をご確認ください。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "kyc_verified",
            _("本人確認が完了しました"),
            _("本人確認（eKYC）が完了しました。買取のお申込みができるようになりました。"),
            "email_screening",
            sms=True,
        ),
        Event(
            "kyc_rejected",
            _("本人確認を完了できませんでした"),
            _(
                "本人確認（eKYC）を完了できませんでした。お手数ですが、"
                "本人確認書類をご確認のうえ、もう一度お手続きください。"
            ),
            "email_screening",
            sms=True,
        ),
        # Receivables-backed loans (urikake.lending): these pages say 融資, never 買取.
        Event(
            "loan_decided",
            _("融資の審査結果のお知らせ（担保融資 %(loan)s）"),
            _(
                "担保融資のお申込み（%(loan)s）の審査が終わり、借入額（根保証は借入極度額）"
                "%(amount_yen)s でご融資できることになりました。契約書の準備ができましたら"
                "あらためてお知らせします。"
            ),
            "email_screening",
            sms=True,
        ),
        Event(
            "loan_declined",
            _("融資の審査結果のお知らせ（担保融資 %(loan)s）"),
            _(
                "担保融資のお申込み（%(loan)s）について慎重に審査いたしましたが、"
                "今回はご融資を見送らせていただくことになりました。"
            ),
            "email_screening",
            sms=True,
        ),
        Event(
            "loan_contract_ready",
            _("金銭消費貸借契約書をご確認ください（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）の金銭消費貸借契約書（売掛債権担保）をご用意しました。"
                "内容をご確認のうえ、同意してお手続きください。"
            ),
            "email_contract",
            sms=True,
        ),
        Event(
            "loan_signed",
            _("金銭消費貸借契約を締結しました（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）の契約書に電子署名しました。署名済みの契約書は融資の画面から"
                "ダウンロードできます。"
            ),
            "email_contract",
            sms=False,
        ),
        Event(
            "loan_drawn",
            _("融資を実行しました（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）を %(amount_yen)s 実行しました"
                "（融資実行日 %(drawn_on_date)s）。信用保証料 %(fee_yen)s を差し引いた "
                "%(net_yen)s を、%(drawn_on_date)s 付で登録口座へお振込みします。"
                "利息は融資実行日から計算します。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "loan_repayment_received",
            _("ご返済を確認しました（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）へのご入金 %(amount_yen)s を確認し、利息 %(interest_yen)s、"
                "元本 %(principal_yen)s に充当しました。借入残高は %(outstanding_yen)s です。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "loan_surplus_returned",
            _("ご返済の超過額をご返金します（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）へのご入金のうち、お借入れへの充当を超えた %(surplus_yen)s を"
                "登録口座へご返金します。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "loan_shortfall",
            _("担保価値が借入残高を下回っています（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）の借入残高 %(outstanding_yen)s が担保価値 "
                "%(collateral_value_yen)s を %(shortfall_yen)s 上回っています。担保の追加"
                "またはご返済をお願いします。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "loan_report_reminder",
            _("残高報告の提出期限が近づいています（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）の %(period_end_date)s 時点の残高報告の提出期限は "
                "%(deadline_date)s です。融資の画面で内容をご確認のうえ、ご提出ください。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "loan_report_overdue",
            _("残高報告の提出期限を過ぎています（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）の %(period_end_date)s 時点の残高報告は、提出期限 "
                "%(deadline_date)s を過ぎています。至急ご提出ください。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "loan_defaulted",
            _("期限の利益の喪失について（担保融資 %(loan)s）"),
            _(
                "担保融資（%(loan)s）は期限の利益を喪失しました。借入残高の全額をお支払い"
                "いただく必要があります。担当者からご連絡します。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "guarantee_received",
            _("保証のお申込みを受け付けました（保証 %(guarantee)s）"),
            _(
                "保証のお申込み（保証 %(guarantee)s、希望保証額 %(amount_yen)s）を"
                "受け付けました。審査の結果はあらためてお知らせします。"
            ),
            "email_screening",
            sms=False,
        ),
        Event(
            "guarantee_approved",
            _("保証の審査が終わりました（保証 %(guarantee)s）"),
            _(
                "保証（保証 %(guarantee)s）の審査が終わりました。保証契約書の内容をご確認のうえ、"
                "ご同意ください。ご同意いただいた日から保証が始まります。"
            ),
            "email_contract",
            sms=True,
        ),
        Event(
            "guarantee_declined",
            _("保証の審査結果のお知らせ（保証 %(guarantee)s）"),
            _(
                "保証のお申込み（保証 %(guarantee)s）について慎重に審査いたしましたが、"
                "今回はお引き受けを見送らせていただくことになりました。"
            ),
            "email_screening",
            sms=False,
        ),
        Event(
            "guarantee_issued",
            _("保証を開始しました（保証 %(guarantee)s）"),
            _(
                "保証（保証 %(guarantee)s）を開始しました。保証料 %(premium_yen)s の"
                "お支払いをお願いします（保証対象の債権を報告するたびにお支払いいただく契約では、"
                "報告のつどご請求します）。"
            ),
            "email_contract",
            sms=False,
        ),
        Event(
            "guarantee_premium_received",
            _("保証料の入金を確認しました（保証 %(guarantee)s）"),
            _("保証（保証 %(guarantee)s）の保証料 %(amount_yen)s の入金を確認しました。"),
            "email_payment",
            sms=False,
        ),
        Event(
            "guarantee_claim_received",
            _("保証履行のご請求を受け付けました（保証 %(guarantee)s）"),
            _(
                "保証（保証 %(guarantee)s）の保証履行のご請求を受け付けました。"
                "待機期間の後、%(payable_from_date)s 以降にお支払いします。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "guarantee_claim_paid",
            _("保証履行のお支払いを決定しました（保証 %(guarantee)s）"),
            _(
                "保証（保証 %(guarantee)s）の保証履行として %(amount_yen)s のお支払いを決定し、"
                "送金の手続きに入りました。対象の売掛債権は当社へ譲渡されました。"
            ),
            "email_payment",
            sms=True,
        ),
        Event(
            "guarantee_claim_rejected",
            _("保証履行のご請求について（保証 %(guarantee)s）"),
            _(
                "保証（保証 %(guarantee)s）の保証履行のご請求について確認しましたが、"
                "お支払いできませんでした。詳しくは保証の画面をご確認ください。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "guarantee_waiting",
            _("審査待ちの保証のお申込みがあります（保証 %(guarantee)s）"),
            _(
                "%(organization_name)s 様の保証のお申込み（保証 %(guarantee)s、"
                "希望保証額 %(amount_yen)s）が審査を待っています。"
            ),
            None,
            sms=False,
            audience="staff",
        ),
        Event(
            "guarantee_claim_waiting",
            _("保証履行の請求があります（保証 %(guarantee)s）"),
            _(
                "%(organization_name)s 様から保証（保証 %(guarantee)s）の保証履行の請求"
                "（未回収額 %(amount_yen)s）がありました。証拠書類を確認してください。"
            ),
            None,
            sms=False,
            audience="staff",
        ),
        # Bulk factoring (urikake.bulk, docs/bulk.md).
        Event(
            "bulk_buyer_enrolled",
            _("一括ファクタリングのご利用を開始しました"),
            _(
                "支払企業として一括ファクタリングをご利用いただけます。"
                "お支払予定（買掛金）をCSVで登録してください。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "bulk_supplier_invited",
            _("%(buyer)s 様の一括ファクタリングに登録されました"),
            _(
                "%(buyer)s 様が、貴社を一括ファクタリングの仕入先として登録しました。"
                "三者間の契約にご同意いただくと、%(buyer)s 様への売掛金を支払期日より前に"
                "受け取れます。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "bulk_receivables_added",
            _("%(buyer)s 様からのお支払予定が登録されました"),
            _(
                "%(buyer)s 様から、貴社へのお支払予定 %(count)s件（合計 %(amount_yen)s）が"
                "登録されました。支払期日より前の受取り（早期支払）もお申し込みいただけます。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "bulk_early_requested",
            _("早期支払のお申込みを受け付けました（請求書番号 %(invoice)s）"),
            _(
                "請求書番号 %(invoice)s の早期支払を受け付けました。割引料 %(discount_yen)s を"
                "差し引いた %(amount_yen)s をお振込みします。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "bulk_paid_at_maturity",
            _("%(buyer)s 様の支払期日のお振込みを手配しました"),
            _(
                "%(buyer)s 様からのご入金を確認しました。貴社へ %(amount_yen)s を "
                "%(value_date)s にお振込みします。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "bulk_fee_invoiced",
            _("一括ファクタリングの利用料のご請求（%(amount_yen)s）"),
            _(
                "一括ファクタリングの利用料 %(amount_yen)s の請求書を発行しました。"
                "%(due_date)s までにお支払いください。"
            ),
            "email_payment",
            sms=False,
        ),
        Event(
            "referral_waiting",
            _("審査待ちの申込みがあります（申込み #%(application)s）"),
            _(
                "%(organization_name)s 様のお申込み（申込み #%(application)s、"
                "申込金額 %(amount_yen)s）が担当者の確認を待っています。"
            ),
            None,
            sms=False,
            audience="staff",
        ),
    )
}


def _format(name: str, value: Any) -> Any:
    english = (translation.get_language() or "ja").startswith("en")
    if name.endswith("_yen") and isinstance(value, int) and not isinstance(value, bool):
        return format_yen(value)
    if name.endswith("_date") and isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return day.strftime("%d %b %Y") if english else f"{day.year}年{day.month}月{day.day}日"
    return value


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def values(context: Mapping[str, Any]) -> dict[str, Any]:
    return _Values({k: _format(k, v) for k, v in context.items() if not isinstance(v, list | dict)})


def _fill(text: str, context: Mapping[str, Any]) -> str:
    return text % values(context) if "%(" in text else text


def title_of(event_key: str, context: Mapping[str, Any]) -> str:
    """The title in the active language."""
    event = EVENTS.get(event_key)
    return _fill(str(event.title), context) if event else gettext("お知らせ")


def body_of(event_key: str, context: Mapping[str, Any]) -> str:
    """The body in the active language."""
    event = EVENTS.get(event_key)
    return _fill(str(event.body), context) if event else ""
