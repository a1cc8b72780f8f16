"""How an actor of the audit trail reads on a page: a person's e-mail address or the name of
the automatic process — never ``user:7`` or ``system:screening`` (issue 10 item 1).

The trail stores only ``user:<pk>`` (no personal data, see ``audit.services.actor_label``);
staff pages turn it into the user's address when they show it. Applicants' pages never show
staff identities at all.
"""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from urikake.accounts.models import User

SYSTEM_ACTORS = {
    "demo": _("デモデータの作成"),
    "ekyc": _("本人確認サービスとの連携"),
    "ekyc-webhook": _("本人確認サービスからの結果通知"),
    "kyc-expiry": _("本人確認の期限管理"),
    "login-throttle": _("ログイン試行の制限"),
    "reconciliation": pgettext_lazy("automatic process", "自動消込"),
    "screening": _("自動審査"),
    "treasury_remind": _("回収の督促"),
}


def actor_name(label: str, users: dict[int, User] | None = None) -> str:
    """The reader's name for an actor label of the audit trail."""
    kind, _sep, rest = (label or "").partition(":")
    if kind == "user" and rest.isdigit():
        pk = int(rest)
        user = (users or {}).get(pk) or User.objects.filter(pk=pk).first()
        if user is None:
            return gettext("退会した利用者")
        return user.email
    if kind == "system":
        name = SYSTEM_ACTORS.get(rest)
        return gettext("システム（%(name)s）") % {"name": name or gettext("自動処理")}
    if kind == "cli":
        return gettext("運用コマンド")
    return gettext("ログインしていない利用者")


def user_name(user: User | None) -> str:
    """A user as staff pages name them (their e-mail address)."""
    return user.email if user is not None else "—"


# What each audit action means, for the people who read the trail (the code stays
# available to filter by).
ACTIONS = {
    "account.created": _("アカウントの作成"),
    # Loan servicing (urikake.lending)
    "lending.recovered": _("融資: 代位弁済後の回収金の充当"),
    "lending.guarantee_fee_remitted": _("融資: 信用保証料の送金登録"),
    "lending.write_off_proposed": _("融資: 貸倒償却の起票"),
    "lending.written_off": _("融資: 貸倒償却の承認"),
    "application.accepted": _("申込み: 提示条件の承諾"),
    "application.cancelled": _("申込み: 取消し"),
    "application.contracted": _("申込み: 契約締結"),
    "application.created": _("申込み: 作成"),
    "application.defaulted": _("申込み: 回収不能"),
    "application.expired": _("申込み: 提示期限切れ"),
    "application.funded": _("申込み: 資金化（送金）"),
    "application.reviewed": _("申込み: 審査担当の判断"),
    "application.settled": _("申込み: 回収完了"),
    "application.submitted": _("申込み: 送信"),
    "application.screening": _("申込み: 自動審査中"),
    "application.offered": _("申込み: 条件の提示"),
    "application.declined": _("申込み: お見送り"),
    "application.referred": _("申込み: 審査担当へ回付"),
    "audit.checkpoint_signed": _("監査証跡: チェックポイントの署名"),
    "consent.given": pgettext_lazy("audit action", "規約への同意"),
    "consent.withdrawn": _("規約への同意の撤回"),
    "contract.prepared": _("契約書類の作成"),
    "contract.signed": _("契約書類への署名"),
    "debtor.registered": _("売掛先の登録"),
    "demo.book_loaded": _("デモ: 証券化向けの買取債権の作成"),
    "demo.kyc_recorded": _("デモ: 本人確認結果の登録"),
    "demo.products_loaded": _("デモ: 一括・保証ファクタリングと売掛債権担保融資の作成"),
    "demo.user_created": _("デモ: 利用者の作成"),
    "invitation.accepted": _("招待の受諾"),
    "invitation.revoked": _("招待の取消し"),
    "invitation.sent": _("招待の送信"),
    "invoice.assignment_clause_recorded": _("請求書: 譲渡制限特約の記録"),
    "invoice.assignment_clause_released": _("請求書: 譲渡制限特約の解除"),
    "invoice.registered": _("請求書の登録"),
    "invoice_draft.created": _("請求書の読取り（下書き）"),
    "kyc.document_keys_rotated": _("本人確認: 書類の暗号鍵の更新"),
    "kyc.document_viewed": _("本人確認: 書類の閲覧"),
    "kyc.expired": _("本人確認: 有効期限切れ"),
    "kyc.resent": _("本人確認: 再送信"),
    "kyc.sent_to_vendor": _("本人確認: 確認サービスへ送信"),
    "kyc.started": _("本人確認: 開始"),
    "kyc.vendor_failed": _("本人確認: 確認サービスの障害"),
    "kyc.verified": _("本人確認: 完了"),
    "kyc.rejected": _("本人確認: 不成立"),
    "ledger.equity_funded": _("仕訳: 資本金・開始残高"),
    "ledger.posted": _("仕訳の記帳"),
    "member.removed": pgettext_lazy("audit action", "メンバーの削除"),
    "notification_settings.changed": _("通知設定の変更"),
    "organization.created": _("申込者情報の作成"),
    "organization.phone_updated": _("電話番号の変更"),
    "organization.profile_updated": _("申込者情報の変更"),
    "payout_account.saved": _("振込先口座の登録"),
    "perfection.cancelled": _("対抗要件: 手続きの取消し"),
    "perfection.consented": _("対抗要件: 債務者の承諾"),
    "perfection.extended": _("対抗要件: 登記の延長"),
    "perfection.filed": _("対抗要件: 登記の申請"),
    "perfection.notice_delivered": _("対抗要件: 通知の到達"),
    "perfection.notice_sent": _("対抗要件: 通知の発送"),
    "perfection.registered": _("対抗要件: 登記の完了"),
    "plan.created": _("プランの作成"),
    "plan.revised": _("プランの改定"),
    "purchase.collection_reported": _("買取債権: 回収の報告"),
    "purchase.defaulted": _("買取債権: 回収不能"),
    "purchase.escalated": _("買取債権: 督促の強化"),
    "purchase.reminded": _("買取債権: 督促"),
    "purchase.write_off_requested": _("買取債権: 償却の申請"),
    "purchase.written_off": _("買取債権: 償却"),
    "securitization.assumptions_set": _("証券化: 前提条件の新しい版"),
    "securitization.credit_event": _("証券化: 譲渡済み債権の信用事象"),
    "securitization.trigger_breached": _("証券化: トリガー抵触"),
    "securitization.pool_built": _("証券化: プールの作成"),
    "securitization.structured": _("証券化: ストラクチャーの保存"),
    "securitization.sold": _("証券化: SPVへの譲渡"),
    "securitization.remitted": _("証券化: 回収金のSPVへの引渡し"),
    "securitization.price_received": _("証券化: 譲渡代金の入金"),
    "security.keys_rotated": _("暗号鍵の更新"),
    "signup.already_registered": _("新規登録: 登録済みのアドレス"),
    "signup.started": _("新規登録の開始"),
    "staff.role_granted": _("スタッフ権限の付与"),
    "staff.role_revoked": _("スタッフ権限の取消し"),
    "user.language_changed": _("表示言語の変更"),
    "statement.imported": pgettext_lazy("audit action", "入出金明細の取込み"),
    "treasury.batch_approved": _("送金: 総合振込データの承認"),
    "treasury.batch_generated": _("送金: 総合振込データの作成"),
    "treasury.batch_sent": _("送金: 総合振込データの送信"),
    "treasury.deposit_dismissed": _("入金: 対象外として処理"),
    "treasury.deposit_matched": _("入金: 消込"),
    "treasury.deposit_suggested": _("入金: 消込候補あり"),
    "treasury.deposit_unmatched": _("入金: 未消込"),
    "treasury.funding_queued": _("送金: 送金待ちに追加"),
    "treasury.payer_linked": _("入金: 振込依頼人と売掛先の紐付け"),
    "treasury.payout_retried": _("送金: 再送金"),
    "treasury.payout_returned": _("送金: 組戻し・返金"),
    "treasury.purchase_collected": _("回収金の受領"),
    "treasury.reserve_released": _("留保金の返還"),
    "treasury.statement_imported": _("入出金明細の取込み（当社口座）"),
    "system.task_requeued": _("バックグラウンド処理: 停止したワーカーの処理を再実行待ちに戻す"),
    "system.task_abandoned": _("バックグラウンド処理: 繰り返し停止したため中止"),
    "credit_line.adjusted": _("与信枠の変更"),
    "auth.login": _("ログイン"),
    "auth.new_device": _("新しい端末からのログイン"),
    "auth.logout": _("ログアウト"),
    "auth.account_locked": _("アカウントのロック"),
    "lending.applied": _("融資: 申込み"),
    "lending.approved": _("融資: 承認"),
    "lending.declined": _("融資: 見送り"),
    "lending.collateral_added": _("融資: 担保債権の追加"),
    "lending.collateral_assessed": _("融資: 担保債権の評価"),
    "lending.collateral_released": _("融資: 担保債権の解除"),
    "lending.collateral_substituted": _("融資: 担保債権の差替え"),
    "lending.contracted": _("融資: 契約締結"),
    "lending.defaulted": _("融資: 期限の利益の喪失"),
    "lending.document_checked": _("融資: 提出書類の確認"),
    "lending.document_uploaded": _("融資: 書類の提出"),
    "lending.drawn": _("融資: 実行"),
    "lending.guarantor_paid": _("融資: 代位弁済の受領"),
    "lending.interest_accrued": _("融資: 利息の計上"),
    "lending.matrix_set": _("融資: 掛け目表の設定"),
    "lending.perfected": _("融資: 対抗要件の具備"),
    "lending.repaid": _("融資: 返済"),
    "lending.report_generated": _("融資: 残高報告の作成"),
    "lending.report_reminded": _("融資: 残高報告の督促"),
    "lending.report_submitted": _("融資: 残高報告の提出"),
    "lending.shortfall": _("融資: 担保不足の通知"),
    "lending.shortfall_resolved": _("融資: 担保不足の解消"),
    "guarantee.applied": _("保証: 申込み"),
    "guarantee.approved": _("保証: 承認"),
    "guarantee.declined": _("保証: 見送り"),
    "guarantee.contracted": _("保証: 契約締結"),
    "guarantee.issued": _("保証: 保証開始"),
    "guarantee.ended": _("保証: 保証終了"),
    "guarantee.debtor_limit_set": _("保証: 売掛先の与信上限の設定"),
    "guarantee.receivable_reported": _("保証: 保証対象債権の報告"),
    "guarantee.receivable_settled": _("保証: 保証対象債権の入金"),
    "guarantee.premium_paid": _("保証: 保証料の入金"),
    "guarantee.claim_filed": _("保証: 保証履行の請求"),
    "guarantee.claim_paid": _("保証: 保証履行"),
    "guarantee.claim_rejected": _("保証: 保証履行の請求の却下"),
    "guarantee.receivable_assigned": _("保証: 債権の譲受け"),
    "guarantee.recovered": _("保証: 求償債権の回収"),
    "guarantee.written_off": _("保証: 求償債権の償却"),
    "auth.login_failed": _("ログインの失敗"),
    "auth.login_throttled": _("ログイン試行の制限"),
    "auth.rate_limited": _("操作回数の制限"),
    "auth.reauthenticated": pgettext_lazy("audit action", "再認証"),
    "auth.mfa_added": _("二段階認証の追加"),
    "auth.mfa_removed": _("二段階認証の削除"),
    "auth.mfa_reset": _("二段階認証のリセット"),
    "auth.mfa_failed": _("二段階認証の失敗"),
    "auth.password_changed": _("パスワードの変更"),
    "auth.password_set": pgettext_lazy("audit action", "パスワードの設定"),
    "auth.password_reset": _("パスワードの再設定"),
    "auth.email_added": _("メールアドレスの追加"),
    "auth.email_removed": _("メールアドレスの削除"),
    "auth.email_changed": _("メールアドレスの変更"),
    "auth.email_confirmed": _("メールアドレスの確認"),
    "auth.session_revoked": _("セッションの終了"),
    "bulk.buyer_enrolled": _("一括ファクタリング: 支払企業の登録"),
    "bulk.terms_changed": _("一括ファクタリング: 割引率・利用料の変更"),
    "bulk.supplier_added": _("一括ファクタリング: 仕入先の登録"),
    "bulk.agreement_signed": _("一括ファクタリング: 三者間契約への同意"),
    "bulk.payables_uploaded": _("一括ファクタリング: 支払予定の取込み"),
    "bulk.early_paid": _("一括ファクタリング: 早期支払"),
    "bulk.settled": _("一括ファクタリング: 期日決済"),
    "bulk.fee_invoiced": _("一括ファクタリング: 利用料の請求"),
    "bulk.fee_paid": _("一括ファクタリング: 利用料の入金"),
}
NOUNS = {
    "account": _("アカウント"),
    "application": _("申込み"),
    "auth": _("ログイン・認証"),
    "bulk": _("一括ファクタリング"),
    "contract": _("契約書類"),
    "guarantee": _("保証"),
    "invoice": _("請求書"),
    "kyc": _("本人確認"),
    "lending": _("融資"),
    "ledger": _("仕訳"),
    "perfection": _("対抗要件"),
    "purchase": _("買取債権"),
    "securitization": _("証券化"),
    "treasury": _("資金管理"),
}


def action_name(action: str) -> str:
    """The reader's name for an audit action (``application.submitted`` → 申込み: 送信)."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    noun = NOUNS.get(action.partition(".")[0])
    if noun is None:
        return gettext("その他の操作")
    return gettext("%(noun)s: その他の操作") % {"noun": noun}


def object_type_name(object_type: str) -> str:
    """The model's name for ``app_label.model`` (the trail's object type)."""
    from django.apps import apps

    try:
        return gettext(str(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        return gettext("その他")
