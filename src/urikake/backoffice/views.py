"""The operator's back office: one home page listing what the user's role may open."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from urikake.accounts.access import staff_member
from urikake.accounts.roles import Capability, StaffRole, capabilities_of

# Each capability's section: its label and the page that serves it (None: a later issue).
SECTIONS: list[tuple[Capability, Any, str | None]] = [
    (Capability.REVIEW_KYC, _("本人確認（eKYC）の確認"), "kyc_backoffice:list"),
    (Capability.VIEW_APPLICANTS, _("申込者の一覧"), "backoffice:applicants"),
    (Capability.VIEW_APPLICANTS, _("電子契約の一覧"), "contracts_backoffice:list"),
    (Capability.VIEW_APPLICANTS, _("経営ダッシュボード（グラフ・CSV）"), "backoffice:dashboards"),
    (Capability.REVIEW_APPLICATIONS, _("審査（要確認案件）"), "receivables_backoffice:queue"),
    (Capability.MANAGE_TREASURY, _("送金・回収・消込"), "treasury_backoffice:dashboard"),
    (
        Capability.REVIEW_APPLICATIONS,
        _("売掛債権担保融資（審査・担保）"),
        "lending_backoffice:list",
    ),
    (
        Capability.MANAGE_TREASURY,
        _("売掛債権担保融資（実行・回収・残高報告）"),
        "lending_backoffice:list",
    ),
    (
        Capability.REVIEW_APPLICATIONS,
        _("保証ファクタリング（審査・保証履行の請求）"),
        "guarantees_backoffice:list",
    ),
    (
        Capability.MANAGE_TREASURY,
        _("保証ファクタリング（保証料・回収）"),
        "guarantees_backoffice:list",
    ),
    (
        Capability.REVIEW_APPLICATIONS,
        _("一括ファクタリング（支払企業・仕入先・割引率）"),
        "bulk_backoffice:list",
    ),
    (
        Capability.MANAGE_TREASURY,
        _("一括ファクタリング（期日決済・利用料）"),
        "bulk_backoffice:list",
    ),
    (Capability.VIEW_PLANS, _("プラン・限度額"), "plans_backoffice:list"),
    (Capability.VIEW_AUDIT, _("元帳・残高試算表"), "ledger_backoffice:trial_balance"),
    (Capability.MANAGE_STRUCTURING, _("証券化"), "securitization_backoffice:list"),
    (Capability.VIEW_AUDIT, _("監査証跡"), "backoffice:audit"),
    (Capability.MANAGE_CONNECTIONS, _("接続許可"), "connections:register"),
    (Capability.MANAGE_STAFF, _("スタッフ権限の管理"), "backoffice:staff_roles"),
]


@staff_member
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.staff_role  # type: ignore[union-attr]
    granted = capabilities_of(role)
    sections = [
        {"label": label, "url": reverse(url_name) if url_name else None}
        for capability, label, url_name in SECTIONS
        if capability in granted
    ]
    return render(
        request,
        "backoffice/home.html",
        {"role_label": StaffRole(role).label if role else "", "sections": sections},
    )
