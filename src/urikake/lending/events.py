"""What borrowers are told about their loan, through :mod:`urikake.notifications`.

Every lending event goes through ``notifications.notify`` (texts in
``notifications/events.py``, Japanese with English translations), so the organisation's
notification settings, SMS for important notices and the in-app centre apply — and one
notice per event and subject, so a retried step tells nobody twice. Amounts only; never
account numbers (mail and SMS are not safe channels). Called inside the transaction of the
change.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from urikake.notifications import services as notifications

if TYPE_CHECKING:
    from urikake.lending.models import BalanceReport, LoanFacility, Repayment, ShortfallNotice


def _url(facility: LoanFacility) -> str:
    return f"/my/loans/{facility.pk}/"


def _tell(
    event: str, facility: LoanFacility, subject: str, context: dict[str, Any] | None = None
) -> None:
    notifications.notify(
        event,
        organization=facility.organization,
        subject=subject,
        context={"loan": facility.code, **(context or {})},
        url=_url(facility),
    )


def decided(facility: LoanFacility) -> None:
    if facility.status == facility.Status.DECLINED:
        _tell("loan_declined", facility, f"loan:{facility.pk}:decision")
    else:
        _tell(
            "loan_decided",
            facility,
            f"loan:{facility.pk}:decision",
            {"amount_yen": int(facility.amount or 0)},
        )


def contract_ready(facility: LoanFacility) -> None:
    _tell("loan_contract_ready", facility, f"loan:{facility.pk}:contract")


def signed(facility: LoanFacility) -> None:
    _tell("loan_signed", facility, f"loan:{facility.pk}:signed")


def drawn(facility: LoanFacility, *, number: int, amount: int, fee: int, drawn_on: date) -> None:
    _tell(
        "loan_drawn",
        facility,
        f"loan:{facility.pk}:draw:{number}",
        {
            "amount_yen": amount,
            "fee_yen": fee,
            "net_yen": amount - fee,
            "drawn_on_date": drawn_on.isoformat(),
        },
    )


def repayment_received(facility: LoanFacility, repayment: Repayment, outstanding: int) -> None:
    subject = f"loan:{facility.pk}:repayment:{repayment.reference}"
    _tell(
        "loan_repayment_received",
        facility,
        subject,
        {
            "amount_yen": repayment.amount,
            "interest_yen": repayment.interest,
            "principal_yen": repayment.principal,
            "outstanding_yen": outstanding,
        },
    )
    if repayment.surplus:
        _tell(
            "loan_surplus_returned",
            facility,
            f"{subject}:surplus",
            {"surplus_yen": repayment.surplus},
        )


def shortfall(facility: LoanFacility, notice: ShortfallNotice) -> None:
    _tell(
        "loan_shortfall",
        facility,
        f"loan_shortfall:{notice.pk}",
        {
            "outstanding_yen": notice.outstanding,
            "collateral_value_yen": notice.collateral_value,
            "shortfall_yen": notice.shortfall,
        },
    )


def report_reminder(report: BalanceReport, *, on: str) -> None:
    _tell(
        "loan_report_reminder",
        report.facility,
        f"loan_report:{report.pk}:reminder:{on}",
        {
            "period_end_date": report.period_end.isoformat(),
            "deadline_date": report.deadline.isoformat(),
        },
    )


def report_overdue(report: BalanceReport) -> None:
    _tell(
        "loan_report_overdue",
        report.facility,
        f"loan_report:{report.pk}:overdue",
        {
            "period_end_date": report.period_end.isoformat(),
            "deadline_date": report.deadline.isoformat(),
        },
    )


def defaulted(facility: LoanFacility) -> None:
    _tell("loan_defaulted", facility, f"loan:{facility.pk}:default")
