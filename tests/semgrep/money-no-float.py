# Samples for .semgrep/money-no-float.yml (semgrep --test): each `ruleid` line must be flagged.
from decimal import Decimal

from django.db import models


def advance(invoice, rate):
    # ruleid: money-no-float
    face = float(invoice.amount_yen)
    # ruleid: money-no-float
    fee = float(invoice.fee)
    # ok: money-no-float
    ratio = float(invoice.pages)
    # ok: money-no-float
    total = invoice.total_amount * Decimal(rate)
    return face, fee, ratio, total


class Deal(models.Model):
    # ruleid: money-no-float
    advance_amount = models.FloatField()
    # ok: money-no-float
    advance_amount_yen = models.BigIntegerField()
