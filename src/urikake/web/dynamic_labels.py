"""Japanese labels computed outside gettext and shown through ``gettext(value)``.

The domain core has no gettext: its labels (statuses, ageing buckets, price lines, the
product registry...) reach the pages as plain Japanese and are translated where they are
shown (``{{ value|translated }}``, ``gettext(bucket.label)``), and the audit trail names an
object by its model's ``verbose_name``. ``makemessages`` cannot see a message id that only
exists as a value, so it would drop their English from the catalogs as obsolete. Each is
marked here once, so that it stays in the web app's catalog (``web/locale/en``).
``tests/unit/test_catalogs_match_code.py`` checks this list against the domain and the
models: a new status or model without its mark here fails there.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, pgettext_lazy

LABELS: tuple[str, ...] = (
    # Application statuses (``domain.applications.ApplicationStatus.label``)
    gettext_noop("下書き"),
    gettext_noop("申込み済み"),
    gettext_noop("審査中"),
    gettext_noop("条件提示"),
    gettext_noop("お見送り"),
    gettext_noop("担当者確認中"),
    gettext_noop("条件承諾"),
    gettext_noop("契約締結"),
    gettext_noop("入金済み"),
    gettext_noop("完了"),
    gettext_noop("取消"),
    gettext_noop("期限切れ"),
    gettext_noop("回収不能"),
    # The funnel's stages (``domain.portfolio_metrics.FUNNEL_STAGES``)
    gettext_noop("申込み"),
    gettext_noop("資金化（送金）"),
    # Ageing buckets (``domain.ageing.Bucket.label``)
    gettext_noop("期日未到来"),
    gettext_noop("30日以内"),
    gettext_noop("31〜60日"),
    gettext_noop("61〜90日"),
    gettext_noop("90日超"),
    # Position statuses (``domain.positions.PositionStatus.label``)
    gettext_noop("回収待ち"),
    gettext_noop("回収済み"),
    gettext_noop("延滞・債務不履行"),
    gettext_noop("償却済み"),
    # Guarantee and loan schemes, premium bases, loan documents (``domain.guarantees``,
    # ``domain.lending``)
    gettext_noop("個別保証"),
    gettext_noop("根保証"),
    gettext_noop("保証極度額に対して"),
    gettext_noop("保証対象の債権額に対して"),
    gettext_noop("売掛債権担保融資保証制度"),
    gettext_noop("流動資産担保融資保証制度"),
    gettext_noop("商業登記簿謄本（履歴事項全部証明書）"),
    gettext_noop("決算書"),
    gettext_noop("債権譲渡担保対象売掛先明細書"),
    gettext_noop("取引基本契約書（締結している場合）"),
    gettext_noop("発注書・請求書・支払通知書など"),
    gettext_noop("振込みを受けている預金通帳"),
    # Bank account types (``domain.identifiers.AccountType.label``)
    gettext_noop("普通"),
    gettext_noop("当座"),
    gettext_noop("貯蓄"),
    gettext_noop("その他"),
    # Perfection methods (``domain.perfection.Method.label``)
    gettext_noop("確定日付のある債権譲渡通知"),
    gettext_noop("確定日付のある債務者の承諾"),
    gettext_noop("債権譲渡登記"),
    # The price lines of an offer (``domain.screening.pricing``: ``FeeLine`` labels and notes)
    gettext_noop("請求書額面"),
    gettext_noop("買取金額（掛目）"),
    gettext_noop("買取手数料"),
    gettext_noop("事務手数料"),
    gettext_noop("お振込金額"),
    gettext_noop("留保金"),
    gettext_noop("年率換算"),
    gettext_noop("額面 × %(rate)s（円未満切捨て）"),
    gettext_noop("%(payout_date)s お振込"),
    gettext_noop("%(apr)s（手数料計 %(fees)s、%(days)s日間、実日数/365）"),
    gettext_noop("売掛先からの入金後にお返しします"),
    # Financing options compared (``domain.securitization.costs``)
    gettext_noop("証券化"),
    gettext_noop("ファクタリング（買取）"),
    gettext_noop("売掛債権担保融資"),
    # The product registry (``domain.products``: ``label_ja``, ``description_ja``)
    gettext_noop("2社間ファクタリング"),
    gettext_noop("売掛先に知らせずに債権を売却。売掛先からの入金はお客様が当社へ転送します。"),
    gettext_noop("3社間ファクタリング"),
    gettext_noop("売掛先に通知し、売掛先から当社へ直接お支払いいただきます。"),
    gettext_noop("売掛債権を担保に、信用保証協会の保証付きで融資を受けられます。"),
    gettext_noop("保証ファクタリング"),
    gettext_noop(
        "売掛先が倒産などで支払えなくなったとき、保証金額の範囲でお支払いします。売掛債権はお客様が保有したまま回収します。"
    ),
    gettext_noop("一括ファクタリング"),
    gettext_noop(
        "支払企業への売掛金を、支払期日より前に受け取れます（割引料は支払企業の信用で決まります）。"
    ),
    # Model names (``Meta.verbose_name``: the audit trail names an object by its model)
    gettext_noop("ユーザー"),
    gettext_noop("ログイン試行制限"),
    gettext_noop("ログイン済み端末"),
    gettext_noop("パスワード長の記録"),
    gettext_noop("申込者"),
    gettext_noop("外部照会への同意"),
    gettext_noop("本人確認"),
    gettext_noop("eKYC 通知"),
    gettext_noop("プラン"),
    gettext_noop("プランの版"),
    gettext_noop("限度額"),
    gettext_noop("限度額の変更履歴"),
    gettext_noop("売掛先（プラットフォーム共通）"),
    gettext_noop("売掛先"),
    gettext_noop("入出金明細の取込"),
    gettext_noop("入出金明細"),
    gettext_noop("請求書"),
    gettext_noop("譲渡禁止・制限特約"),
    gettext_noop("資金化の申込み"),
    gettext_noop("審査担当者の判断"),
    gettext_noop("確認待ちの請求書"),
    gettext_noop("外部照会の記録"),
    gettext_noop("仕訳"),
    gettext_noop("仕訳明細"),
    gettext_noop("契約書類"),
    gettext_noop("契約への同意（電子署名）"),
    gettext_noop("対抗要件"),
    gettext_noop("総合振込ファイル"),
    gettext_noop("送金"),
    gettext_noop("回収口座の明細"),
    gettext_noop("回収口座の入出金"),
    gettext_noop("入金"),
    gettext_noop("明細の取り込み"),
    gettext_noop("買取債権"),
    gettext_noop("判断の理由"),
    gettext_noop("証券化の前提条件"),
    gettext_noop("証券化プール"),
    gettext_noop("譲渡済み債権の信用事象"),
    gettext_noop("掛け目表"),
    gettext_noop("融資"),
    gettext_noop("融資の提出書類"),
    gettext_noop("売掛先の与信上限"),
    gettext_noop("保証契約"),
    gettext_noop("保証対象の債権"),
    gettext_noop("保証履行の請求"),
    gettext_noop("求償債権の回収"),
    gettext_noop("一括ファクタリング（支払企業）"),
    gettext_noop("組織のメンバー"),
    gettext_noop("通知設定"),
    gettext_noop("振込先口座"),
    gettext_noop("登録確認リンク"),
    gettext_noop("メンバーの招待"),
    gettext_noop("同意の記録"),
    gettext_noop("請求書の重複検知キー"),
    gettext_noop("接続"),
    gettext_noop("承認待ちの接続要求"),
    gettext_noop("接続の経過記録"),
    gettext_noop("接続の証跡"),
    gettext_noop("接続の呼出し記録"),
    gettext_noop("接続期限の通知"),
    gettext_noop("入金の充当"),
    gettext_noop("振込名義と売掛先の紐付け"),
    gettext_noop("プールの構成債権"),
    gettext_noop("担保債権"),
    gettext_noop("融資の実行"),
    gettext_noop("融資の返済"),
    gettext_noop("利息の計上"),
    gettext_noop("担保債権の残高報告"),
    gettext_noop("担保不足の通知"),
    gettext_noop("支払先（納入企業）"),
    gettext_noop("支払予定データの取込み"),
    gettext_noop("支払期日の決済"),
    gettext_noop("支払予定の債務"),
    gettext_noop("手数料の請求書"),
    gettext_noop("二重送信防止の記録"),
    gettext_noop("送信メール"),
    gettext_noop("お知らせ"),
    gettext_noop("お知らせの配信"),
    gettext_noop("電話番号の確認"),
    gettext_noop("ワーカーの稼働記録"),
    gettext_noop("監査記録"),
)

# Credit grades (``domain.lending.CreditGrade.label_ja``): 普通 is also a bank account type,
# so a grade takes a context (``lending.models.GRADE_CHOICES``).
CREDIT_GRADES = (
    pgettext_lazy("credit grade", "低い"),
    pgettext_lazy("credit grade", "普通"),
    pgettext_lazy("credit grade", "高い"),
)
