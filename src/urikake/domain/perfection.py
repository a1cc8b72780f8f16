"""Perfection of an assignment (対抗要件具備) — what each product requires before funding.

Seed 004 I.6: an assignment of receivables can be asserted against the debtor and third parties
only when perfected — by a notice from the assignor to the debtor, or the debtor's consent,
each bearing a 確定日付 (certified date; 民法467条2項), or by registration in the 債権譲渡登記
(動産・債権譲渡特例法4条), which perfects against third parties without telling the debtor and
is therefore what two-party factoring uses.

A product's policy (``ProductSpec.perfection`` in :mod:`urikake.domain.products`) says which
method a product uses and whether funding may precede the
perfection (some operators fund two-party deals before the registration is completed and take
the risk knowingly — the platform records that it did). This module is pure: it answers "may
this deal be funded now?" and builds the registration filing data.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape  # nosec B406 # escapes text we write; parses nothing

from urikake.domain.errors import DomainError
from urikake.domain.identifiers import company_registry_number

__all__ = [
    "FILING_REQUIRED_FIELDS",
    "STAGES_BY_METHOD",
    "FilingClaim",
    "FilingParty",
    "Method",
    "PerfectionPolicy",
    "Stage",
    "check_can_fund",
    "filing_problems",
    "registration_fee_yen",
    "registration_filing_xml",
]


class Method(enum.StrEnum):
    NOTICE = "notice"  # 債権譲渡通知 (確定日付付き)
    CONSENT = "consent"  # 債務者の承諾 (確定日付付き)
    REGISTRATION = "registration"  # 債権譲渡登記

    @property
    def label(self) -> str:
        return {
            Method.NOTICE: "確定日付のある債権譲渡通知",
            Method.CONSENT: "確定日付のある債務者の承諾",
            Method.REGISTRATION: "債権譲渡登記",
        }[self]


class Stage(enum.StrEnum):
    """Where the perfection of one deal stands."""

    PENDING = "pending"  # nothing done yet
    NOTICE_SENT = "notice_sent"  # 通知を発送 (確定日付あり), not yet delivered
    FILED = "filed"  # 登記申請済み
    PERFECTED = "perfected"  # notice delivered / consent obtained / registered
    EXTENDED = "extended"  # 登記の存続期間を延長
    CANCELLED = "cancelled"  # 抹消登記 (after collection, or the deal was unwound)

    @property
    def label(self) -> str:
        return {
            Stage.PENDING: "未了",
            Stage.NOTICE_SENT: "通知発送済み（到達待ち）",
            Stage.FILED: "登記申請中",
            Stage.PERFECTED: "具備済み",
            Stage.EXTENDED: "延長登記済み",
            Stage.CANCELLED: "抹消済み",
        }[self]

    @property
    def is_perfected(self) -> bool:
        return self in (Stage.PERFECTED, Stage.EXTENDED)


# Which stages each method passes through (a stage outside its method is refused).
STAGES_BY_METHOD: dict[Method, tuple[Stage, ...]] = {
    Method.NOTICE: (Stage.PENDING, Stage.NOTICE_SENT, Stage.PERFECTED, Stage.CANCELLED),
    Method.CONSENT: (Stage.PENDING, Stage.PERFECTED, Stage.CANCELLED),
    Method.REGISTRATION: (
        Stage.PENDING,
        Stage.FILED,
        Stage.PERFECTED,
        Stage.EXTENDED,
        Stage.CANCELLED,
    ),
}


@dataclass(frozen=True, slots=True)
class PerfectionPolicy:
    """A product's rule: the method, and whether funding may precede the perfection."""

    method: Method
    fund_before_perfection: bool = False
    #: Registration: the filing must at least be made before funding (when funding early).
    require_filing_before_funding: bool = True


def check_can_fund(policy: PerfectionPolicy, stage: Stage) -> bool:
    """Raise unless a deal at ``stage`` may be funded; return True when funding *precedes*
    the perfection (the caller records that it did so under the policy)."""
    if stage.is_perfected:
        return False
    if stage is Stage.CANCELLED:
        raise DomainError("perfection.cancelled", "対抗要件が抹消されているため送金できません。")
    if policy.fund_before_perfection:
        if (
            policy.method is Method.REGISTRATION
            and policy.require_filing_before_funding
            and stage is not Stage.FILED
        ):
            raise DomainError(
                "perfection.not_filed",
                "債権譲渡登記の申請前のため送金できません(商品方針: 申請後の送金を許可)。",
            )
        return True
    raise DomainError(
        "perfection.required",
        f"対抗要件({policy.method.label})の具備が完了していないため送金できません。",
    )


def registration_fee_yen(claims: int) -> int:
    """登録免許税: ¥7,500 for up to 5,000 claims, ¥15,000 above (one filing, ≤ 100,000)."""
    if claims <= 0:
        raise DomainError("perfection.no_claims", "登記する債権がありません。")
    if claims > 100_000:
        raise DomainError(
            "perfection.too_many_claims", "1件の登記申請に含められる債権は100,000件までです。"
        )
    return 7_500 if claims <= 5_000 else 15_000


@dataclass(frozen=True, slots=True)
class FilingParty:
    """A party of a filing as the platform knows it: ``corporate_number`` is the 13-digit
    法人番号; the filing carries the 12-digit 会社法人等番号 derived from it."""

    name: str
    address: str
    corporate_number: str = ""


@dataclass(frozen=True, slots=True)
class FilingClaim:
    """One claim (債権個別事項) of a filing."""

    number: int
    debtor: FilingParty
    invoice_number: str
    issue_date: date
    due_date: date
    amount: int  # 債権額 (yen)


#: What the registry needs in a 債権譲渡登記 filing (動産・債権譲渡特例法 第8条第2項,
#: 動産・債権譲渡登記規則, 法務省「債権譲渡登記の申請データ仕様」): each entry is the element,
#: its Japanese name in refusals, and whether it may be left out. The 会社法人等番号 of the
#: assignor is required because only a 法人 can register an assignment (特例法 第4条第1項);
#: the assignee here is the operator, a registered company too. A debtor is identified by name
#: and 本店 (所在地); its 会社法人等番号 is given when known.
FILING_REQUIRED_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("譲渡人/商号", "譲渡人の商号", True),
    ("譲渡人/本店", "譲渡人の本店", True),
    ("譲渡人/会社法人等番号", "譲渡人の会社法人等番号（12桁）", True),
    ("譲受人/商号", "譲受人の商号", True),
    ("譲受人/本店", "譲受人の本店", True),
    ("譲受人/会社法人等番号", "譲受人の会社法人等番号（12桁）", True),
    ("登記原因/日付", "登記原因日付", True),
    ("登記原因/原因", "登記原因", True),
    ("存続期間", "存続期間", True),
    ("債権個別事項/債権/債務者", "債務者の商号", True),
    ("債権個別事項/債権/債務者本店", "債務者の本店（所在地）", True),
    ("債権個別事項/債権/債務者会社法人等番号", "債務者の会社法人等番号", False),
    ("債権個別事項/債権/債権の種類", "債権の種類", True),
    ("債権個別事項/債権/発生日", "債権の発生年月日", True),
    ("債権個別事項/債権/弁済期", "弁済期", True),
    ("債権個別事項/債権/債権額", "債権額", True),
)


def _registry_number(corporate_number: str) -> str | None:
    """The 会社法人等番号 of a valid 法人番号, else ``None``."""
    try:
        return company_registry_number(corporate_number)
    except DomainError:
        return None


def filing_problems(
    *, assignor: FilingParty, assignee: FilingParty, claims: Sequence[FilingClaim]
) -> list[str]:
    """Every required item of :data:`FILING_REQUIRED_FIELDS` that these parties and claims
    leave empty or invalid, in Japanese (empty: the filing can be made)."""
    problems: list[str] = []
    for role, p in (("譲渡人", assignor), ("譲受人", assignee)):
        if not p.name.strip():
            problems.append(f"{role}の商号がありません")
        if not p.address.strip():
            problems.append(f"{role}の本店がありません")
        if not p.corporate_number.strip():
            problems.append(f"{role}の法人番号（会社法人等番号の元）がありません")
        elif _registry_number(p.corporate_number) is None:
            problems.append(f"{role}の法人番号 {p.corporate_number} が正しくありません")
    for c in claims:
        if not c.debtor.name.strip():
            problems.append(f"債権{c.number}: 債務者の商号がありません")
        if not c.debtor.address.strip():
            problems.append(
                f"債権{c.number}: 債務者（{c.debtor.name}）の本店（所在地）がありません"
            )
        if c.debtor.corporate_number and _registry_number(c.debtor.corporate_number) is None:
            problems.append(f"債権{c.number}: 債務者の法人番号が正しくありません")
        if c.amount <= 0:
            problems.append(f"債権{c.number}: 債権額が正しくありません")
    return problems


def registration_filing_xml(
    *,
    assignor: FilingParty,
    assignee: FilingParty,
    claims: Sequence[FilingClaim],
    cause_date: date,
    duration_years: int,
) -> bytes:
    """The data of a 債権譲渡登記 filing as UTF-8 XML: parties, cause (登記原因 = 売買) and
    each claim. The element names follow the content the 法務局 asks for (譲渡人, 譲受人,
    登記原因, 存続期間, 債権個別事項); the official submission schema is applied by the filing
    software the operator uses, which imports this data. ``domain/data/registration_filing.xsd``
    describes this XML; :data:`FILING_REQUIRED_FIELDS` lists what the registry requires, and
    a filing that misses any of it is refused (``perfection.filing_incomplete``) rather than
    handed out. Companies are identified by their 12-digit 会社法人等番号. Deterministic for the
    same input."""
    fee = registration_fee_yen(len(claims))
    limit = 50 if all(c.debtor.name for c in claims) else 10
    if not 1 <= duration_years <= limit:
        raise DomainError(
            "perfection.invalid_duration",
            f"存続期間は1年以上{limit}年以下で指定してください。",
            field="duration_years",
        )
    problems = filing_problems(assignor=assignor, assignee=assignee, claims=claims)
    if problems:
        raise DomainError(
            "perfection.filing_incomplete",
            "債権譲渡登記の申請データに必要な項目が足りません: " + " / ".join(problems),
        )

    def party(tag: str, p: FilingParty) -> str:
        return (
            f"  <{tag}><商号>{escape(p.name)}</商号><本店>{escape(p.address)}</本店>"
            f"<会社法人等番号>{_registry_number(p.corporate_number)}</会社法人等番号></{tag}>\n"
        )

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        "<債権譲渡登記申請データ>\n",
        party("譲渡人", assignor),
        party("譲受人", assignee),
        f"  <登記原因><日付>{cause_date.isoformat()}</日付><原因>売買</原因></登記原因>\n",
        f"  <存続期間>{duration_years}年</存続期間>\n",
        f"  <債権の総額>{sum(c.amount for c in claims)}</債権の総額>\n",
        f"  <債権数>{len(claims)}</債権数>\n",
        f"  <登録免許税>{fee}</登録免許税>\n",
        "  <債権個別事項>\n",
    ]
    for c in claims:
        registry = _registry_number(c.debtor.corporate_number) if c.debtor.corporate_number else ""
        number = f"<債務者会社法人等番号>{registry}</債務者会社法人等番号>" if registry else ""
        lines.append(
            f'    <債権 番号="{c.number}"><債務者>{escape(c.debtor.name)}</債務者>'
            f"<債務者本店>{escape(c.debtor.address)}</債務者本店>{number}"
            f"<債権の種類>売掛債権</債権の種類><請求書番号>{escape(c.invoice_number)}</請求書番号>"
            f"<発生日>{c.issue_date.isoformat()}</発生日><弁済期>{c.due_date.isoformat()}</弁済期>"
            f"<債権額>{c.amount}</債権額></債権>\n"
        )
    lines.append("  </債権個別事項>\n</債権譲渡登記申請データ>\n")
    return "".join(lines).encode("utf-8")
