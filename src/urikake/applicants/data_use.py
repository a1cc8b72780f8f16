"""External data uses an applicant consents to before we ask anyone about them (同意・利用目的).

Seed 000: customer data is used for an outside connection only with the customer's consent,
with the purpose stated and the consent logged. Screening asks two outside parties about the
applicant: a 反社チェック vendor and a credit bureau (信用情報機関). Each is a :class:`Use` with a
purpose text and its version; the applicant agrees on the application form, and
``urikake.applicants.services.give_data_use_consent`` records who, when, from where and which
version (:class:`urikake.applicants.models.DataUseConsent`). A new purpose text means a new
version here: earlier consents then no longer count, and the form asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_noop


class Use(models.TextChoices):
    # Plain Japanese labels (the API and the records keep them), translated where shown
    # (``_(use.label)``); gettext_noop keeps their English in the catalog.
    ANTISOCIAL_CHECK = "antisocial_check", gettext_noop("反社会的勢力に該当しないことの確認")
    CREDIT_BUREAU = "credit_bureau", gettext_noop("信用情報機関への照会")


@dataclass(frozen=True)
class Purpose:
    use: Use
    version: str  # "YYYY-MM-DD", the day the text takes effect
    text: str  # shown next to the checkbox, verbatim

    @property
    def title(self) -> str:
        return str(self.use.label)


CURRENT: dict[Use, Purpose] = {
    Use.ANTISOCIAL_CHECK: Purpose(
        Use.ANTISOCIAL_CHECK,
        "2026-12-01",
        "当社は、お申込みの審査のため、貴社の商号・法人番号・所在地、代表者の氏名・フリガナ、"
        "および売掛先の商号・法人番号・所在地を、反社会的勢力の確認を行う外部の調査会社に提供し、"
        "反社会的勢力に該当しないことを確認します。結果は審査と取引の管理にのみ利用し、"
        "法令に基づく場合を除き第三者に提供しません。",
    ),
    Use.CREDIT_BUREAU: Purpose(
        Use.CREDIT_BUREAU,
        "2026-12-01",
        "当社は、お申込みの審査のため、当社が加盟する信用情報機関に貴社・代表者および売掛先の"
        "信用情報（延滞・代位弁済・破産等の異動情報、借入残高、照会記録）を照会し、"
        "その結果を支払能力・返済能力の判断にのみ利用します。照会した事実は信用情報機関に"
        "一定期間登録されます。",
    ),
}


def current(use: Use) -> Purpose:
    return CURRENT[use]
