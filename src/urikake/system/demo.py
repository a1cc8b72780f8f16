"""Demo data for development and trials: created idempotently by ``urikake demo``.

Demo logins are printed by ``make run`` and listed in the README. They never exist in
production: the command refuses to run there. Everything is created through the same service
functions users go through, so demo data obeys the same rules and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from urikake.accounts.models import User
from urikake.accounts.roles import StaffRole
from urikake.applicants import services as applicants
from urikake.applicants import terms
from urikake.applicants.models import Organization
from urikake.audit import services as audit

PASSWORD = "urikake-demo-2026-password"  # noqa: S105 # nosec B105 # published demo login, development only


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str = PASSWORD
    staff_role: str = ""


DEMO_LOGINS = (
    DemoLogin(role="申込者 (法人オーナー)", email="applicant@demo.urikake.example"),
    DemoLogin(
        role="審査担当", email="reviewer@demo.urikake.example", staff_role=StaffRole.REVIEWER
    ),
    DemoLogin(
        role="送金・回収担当",
        email="treasury@demo.urikake.example",
        staff_role=StaffRole.TREASURY,
    ),
    # The second pair of eyes: payout batches are approved by a treasury user other than the
    # one who prepared them (dual control).
    DemoLogin(
        role="送金・回収担当（承認者）",
        email="treasury2@demo.urikake.example",
        staff_role=StaffRole.TREASURY,
    ),
    DemoLogin(
        role="証券化担当",
        email="structuring@demo.urikake.example",
        staff_role=StaffRole.STRUCTURING,
    ),
    DemoLogin(
        role="コンプライアンス担当",
        email="compliance@demo.urikake.example",
        staff_role=StaffRole.COMPLIANCE,
    ),
    # Connection approvals (接続許可) are proposed by one compliance officer and confirmed by
    # another (maker ≠ checker).
    DemoLogin(
        role="コンプライアンス担当（承認者）",
        email="compliance2@demo.urikake.example",
        staff_role=StaffRole.COMPLIANCE,
    ),
    DemoLogin(
        role="システム管理者", email="admin@demo.urikake.example", staff_role=StaffRole.ADMIN
    ),
)


def _create_user(login: DemoLogin) -> object:
    user_model = get_user_model()
    if login.staff_role == StaffRole.ADMIN:
        user = user_model.objects.create_superuser(email=login.email, password=login.password)
    else:
        user = user_model.objects.create_user(
            email=login.email,
            password=login.password,
            is_staff=bool(login.staff_role),
            staff_role=login.staff_role,
        )
    EmailAddress.objects.create(user=user, email=login.email, verified=True, primary=True)
    audit.record("demo.user_created", actor="system:demo", obj=user, payload={"role": login.role})
    return user


def _onboard_demo_applicant(user: object) -> None:
    versions = terms.current_versions()
    applicants.give_consent(
        acting_user=user,  # type: ignore[arg-type]
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    org = applicants.save_profile(
        None,
        applicants.ProfileData(
            kind="corporation",
            name="株式会社ウリカケデモ商事",
            name_kana="ウリカケデモシヨウジ",
            corporate_number="1180301018771",
            representative_name="売掛 太郎",
            address="東京都千代田区丸の内1-1-1",
            industry="wholesale",
            established_year=2015,
            established_month=4,
        ),
        acting_user=user,  # type: ignore[arg-type]
    )
    finish_onboarding(
        org,
        user,  # type: ignore[arg-type]
        phone="+819012345678",
        account_number="1234567",
        holder_name="カブシキガイシャウリカケデモシヨウジ",
    )


def finish_onboarding(
    org: Organization,
    user: User,
    *,
    phone: str,
    account_number: str,
    holder_name: str,
    bank_code: str = "0001",
    branch_code: str = "001",
) -> None:
    """The onboarding steps after the company profile, as the demo applicant takes them: the
    mobile number, the payout account (普通) and every notification on. The load test's
    applicants (benchmarks/load/seed.py) are onboarded the same way."""
    applicants.set_contact_phone(org, phone, acting_user=user)
    draft = applicants.draft_payout_account(
        org,
        bank_code=bank_code,
        branch_code=branch_code,
        account_type=1,
        account_number=account_number,
        holder_name=holder_name,
    )
    applicants.save_payout_account(org, draft, acting_user=user)
    applicants.save_notification_settings(
        org, dict.fromkeys(applicants.NOTIFICATION_FIELDS, True), acting_user=user
    )


def load_demo_data() -> list[str]:
    """Create whatever demo data is missing; return what was created (empty when all there)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is never loaded in production")
    created: list[str] = []
    user_model = get_user_model()
    with transaction.atomic():
        for login in DEMO_LOGINS:
            if user_model.objects.filter(email=login.email).exists():
                continue
            user = _create_user(login)
            if not login.staff_role:
                _onboard_demo_applicant(user)
            created.append(login.email)
        created.extend(_demo_debtors())
        if _fund_operating_account():
            created.append(DEMO_CAPITAL_ENTRY)
        from urikake.system.demo_plans import load_demo_plans
        from urikake.system.demo_treasury import CLIENT_EMAIL, load_treasury_demo

        admin = user_model.objects.get(email="admin@demo.urikake.example")
        created.extend(f"plan:{code}" for code in load_demo_plans(admin))
        # The local simulators walk the eight approval steps before anything calls them.
        from urikake.connections.demo import load as load_demo_connections

        created.extend(
            f"connection:{name}"
            for name in load_demo_connections(
                maker=user_model.objects.get(email="compliance@demo.urikake.example"),
                checker=user_model.objects.get(email="compliance2@demo.urikake.example"),
            )
        )

        if load_treasury_demo(PASSWORD):
            created.append(CLIENT_EMAIL)
        from urikake.system.demo_vendors import VENDOR_CLIENT_EMAIL, load_vendor_demo

        if load_vendor_demo(PASSWORD):
            created.append(VENDOR_CLIENT_EMAIL)
        # A book of open, perfected purchases for the structuring desk to pool (issue 13).
        from urikake.system.demo_book import load_book_demo

        made = load_book_demo()
        if made:
            created.append(f"book:{made}")
        # The newer products (一括ファクタリング, 保証ファクタリング, 売掛債権担保融資) in the
        # states a visitor wants to see, for the trading client (and a demo buyer).
        from urikake.system.demo_products import BUYER_EMAIL, load_products_demo

        if load_products_demo(PASSWORD) is not None:
            created.append(BUYER_EMAIL)
    return created


def _demo_debtors() -> list[str]:
    """The demo applicant's two debtors, the ones its sample files name
    (``urikake.system.sample_files``): the invoice page matches an uploaded sample to them."""
    from urikake.applicants.models import Organization
    from urikake.receivables import services as receivables
    from urikake.system.sample_files import DEBTORS

    user = get_user_model().objects.get(email=DEMO_LOGINS[0].email)
    org = Organization.objects.filter(memberships__user=user).first()
    if org is None:
        return []
    created = []
    for debtor in DEBTORS:
        if org.debtors.filter(name=debtor.name).exists():
            continue
        receivables.register_debtor(
            org,
            acting_user=user,
            name=debtor.name,
            name_kana=debtor.name_kana,
            corporate_number=debtor.corporate_number,
            address=debtor.address,
        )
        created.append(f"debtor:{debtor.name}")
    return created


DEMO_CAPITAL_ENTRY = "equity:capital:demo"
DEMO_CAPITAL_YEN = 100_000_000


def _fund_operating_account() -> bool:
    """The operator's paid-in capital on its operating account, booked at the end of last
    month (before any demo payout), so the cash balance never starts below zero."""
    from urikake.domain.ledger import EquityFunding
    from urikake.ledger import services as ledger
    from urikake.ledger.models import LedgerEntry

    if LedgerEntry.objects.filter(entry_id=DEMO_CAPITAL_ENTRY).exists():
        return False
    ledger.fund_operating_account(
        kind=EquityFunding.CAPITAL,
        amount=DEMO_CAPITAL_YEN,
        on=timezone.localdate().replace(day=1) - timedelta(days=1),
        description="資本金の払込（デモ）",
        entry_id=DEMO_CAPITAL_ENTRY,
        acting_user="system:demo",
    )
    return True
