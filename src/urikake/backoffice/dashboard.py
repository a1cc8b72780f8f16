"""The back-office dashboards: each metric is one SQL aggregate (GROUP BY in the database),
turned into a :class:`Section` — a chart (:mod:`urikake.domain.charts`), the same numbers as
a table, and the CSV of that table. The arithmetic on the sums (rates, percentiles, HHI,
buckets) is :mod:`urikake.domain.portfolio_metrics` / :mod:`urikake.domain.ageing`; Python
loops here run over groups (statuses, months, debtors, due dates), never over the book's rows.

Reads only: nothing here writes.

Industry: debtors (売掛先) carry no industry field; the portfolio by industry groups by the
client's (the seller's) industry, ``Organization.industry``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, npgettext, pgettext

from urikake.applicants.models import Industry
from urikake.domain import portfolio_metrics as pm
from urikake.domain.ageing import BUCKETS, bucket_for, days_past_due
from urikake.domain.applications import ApplicationStatus
from urikake.domain.charts import Series, bar_chart, line_chart, stacked_bar_chart
from urikake.domain.products import choices as product_choices
from urikake.receivables.models import FinancingApplication
from urikake.servicing import overdue
from urikake.servicing.models import Position
from urikake.treasury.models import Payout

__all__ = ["SECTION_KEYS", "Period", "Section", "build", "build_section"]

Cell = str | int


@dataclass(frozen=True)
class Period:
    """Both days included, business dates in Asia/Tokyo."""

    start: date
    end: date

    @classmethod
    def default(cls) -> Period:
        return cls(*pm.default_period(timezone.localdate()))

    @property
    def slug(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


@dataclass
class Section:
    key: str
    title: str
    description: str
    headers: list[str]
    rows: list[list[Cell]]
    svg: str
    notes: list[str] = field(default_factory=list)

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """The rows as shown on the page: (text, is a number) per cell, yen and counts with
        thousands separators."""
        return [
            [
                (f"{c:,}", True) if isinstance(c, int) else (c, c[-1:] == "%" or c == "—")
                for c in row
            ]
            for row in self.rows
        ]


def pct(rate: Decimal | None) -> str:
    """A rate as a percentage with one decimal ("—" for no rate)."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'))}%"


def _rate_fmt(value: int | Decimal) -> str:
    return pct(Decimal(value))


def _month_of(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def _month_label(month: date) -> str:
    return gettext("%(month)s月") % {"month": month.month}


def _count(v: int | Decimal) -> str:
    # A plural message with a context: the lists' 「%(n)s件」 is a plural message
    # ({% blocktranslate count %}), and a plain gettext() of the same id finds no English
    # in a catalog that holds it as plural (the chart showed 「3件」 on English pages).
    return npgettext("number of applications", "%(n)s件", "%(n)s件", int(v)) % {"n": f"{v:,}"}


def _yen(v: int | Decimal) -> str:
    return gettext("%(n)s円") % {"n": f"{v:,}"}


def _applications(period: Period) -> QuerySet[FinancingApplication]:
    return FinancingApplication.objects.exclude(status=ApplicationStatus.DRAFT).filter(
        submitted_at__date__gte=period.start, submitted_at__date__lte=period.end
    )


def _status_label(value: str) -> str:
    try:
        return gettext(ApplicationStatus(value).label)
    except ValueError:
        return value


# --- the sections ------------------------------------------------------------------------


def pipeline(period: Period) -> Section:
    counts = dict(_applications(period).values_list("status").annotate(n=Count("id")).order_by())
    stages = pm.funnel(counts)
    statuses = [s for s in ApplicationStatus if s != ApplicationStatus.DRAFT]
    rows: list[list[Cell]] = [[gettext("段階"), gettext(label), n] for label, n in stages]
    rows += [[gettext("状態"), gettext(s.label), counts.get(s.value, 0)] for s in statuses]
    svg = bar_chart(
        "chart-pipeline",
        gettext("申込みの段階別件数（ファネル）"),
        gettext("期間内に申し込まれた案件が、条件提示・承諾・契約・送金の各段階に到達した件数。"),
        [gettext(label) for label, _ in stages],
        [n for _, n in stages],
        fmt=_count,
    )
    return Section(
        "pipeline",
        gettext("申込みファネル"),
        gettext("期間内（申込日）の申込みが到達した段階と、現在の状態ごとの件数です。"),
        [gettext("区分"), gettext("段階・状態"), gettext("件数")],
        rows,
        svg,
        [
            gettext(
                "取消・期限切れの案件は、どの段階で止まったかが状態から分からないため「申込み」にのみ数えます。"
            )
        ],
    )


def approval_rate(period: Period) -> Section:
    grouped = (
        _applications(period)
        .annotate(month=TruncMonth("submitted_at"))
        .values_list("month", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_month: dict[date, dict[str, int]] = defaultdict(dict)
    for month, status, n in grouped:
        bucket = per_month[_month_of(month)]
        bucket[status] = bucket.get(status, 0) + n
    months = pm.months(period.start, period.end)
    rows: list[list[Cell]] = []
    rates: list[Decimal | None] = []
    all_counts: dict[str, int] = defaultdict(int)
    for month in months:
        counts = per_month.get(month, {})
        for status, n in counts.items():
            all_counts[status] += n
        approved, decided, rate = pm.approval(counts)
        rates.append(rate)
        rows.append([f"{month:%Y-%m}", approved, decided, pct(rate)])
    approved, decided, rate = pm.approval(all_counts)
    rows.append([gettext("期間合計"), approved, decided, pct(rate)])
    svg = line_chart(
        "chart-approval",
        gettext("承認率の推移（月別）"),
        gettext(
            "申込月ごとの承認率。期間合計は %(rate)s（%(approved)s件 / 判断済み %(decided)s件）。"
        )
        % {"rate": pct(rate), "approved": f"{approved:,}", "decided": f"{decided:,}"},
        [_month_label(m) for m in months],
        [Series(gettext("承認率"), tuple(rates))],
        fmt=_rate_fmt,
    )
    return Section(
        "approval",
        gettext("承認率"),
        gettext("条件提示に至った件数 ÷（条件提示に至った件数 ＋ お見送り）。申込月で集計します。"),
        [
            gettext("申込月"),
            pgettext("approvals count", "承認"),
            gettext("判断済み"),
            gettext("承認率"),
        ],
        rows,
        svg,
        [gettext("取消・期限切れは、判断前か後かが状態から分からないため分母に含めません。")],
    )


# Marked with gettext_noop so that makemessages keeps them: they are translated where shown.
_CASH_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    (gettext_noop("当日"), 0, 0),
    (gettext_noop("1日"), 1, 1),
    (gettext_noop("2日"), 2, 2),
    (gettext_noop("3〜5日"), 3, 5),
    (gettext_noop("6〜10日"), 6, 10),
    (gettext_noop("11日以上"), 11, None),
)


def time_to_cash(period: Period) -> Section:
    grouped = (
        Payout.objects.filter(
            kind=Payout.Kind.ADVANCE,
            status=Payout.Status.SENT,
            batch__sent_at__date__gte=period.start,
            batch__sent_at__date__lte=period.end,
        )
        .annotate(
            submitted=TruncDate("application__submitted_at"), sent=TruncDate("batch__sent_at")
        )
        .values_list("submitted", "sent")
        .annotate(n=Count("id"))
        .order_by()
    )
    histogram: dict[int, int] = defaultdict(int)
    for submitted, sent, n in grouped:
        if submitted is not None and sent is not None:
            histogram[(sent - submitted).days] += n
    median, p90 = pm.percentile(histogram, 50), pm.percentile(histogram, 90)
    counts = [
        sum(n for d, n in histogram.items() if lo <= d and (hi is None or d <= hi))
        for _, lo, hi in _CASH_BUCKETS
    ]
    total = sum(histogram.values())
    days = (
        "—"
        if median is None
        else gettext("中央値 %(median)s日・90パーセンタイル %(p90)s日")
        % {"median": median, "p90": p90}
    )
    svg = bar_chart(
        "chart-time-to-cash",
        gettext("資金化までの日数の分布"),
        gettext("申込日から買取代金の送金日までの日数（東京時間の暦日）。%(days)s（%(total)s件）。")
        % {"days": days, "total": f"{total:,}"},
        [gettext(label) for label, _, _ in _CASH_BUCKETS],
        counts,
        fmt=_count,
    )
    rows: list[list[Cell]] = [
        [gettext(label), n] for (label, _, _), n in zip(_CASH_BUCKETS, counts, strict=True)
    ]
    rows += [
        [gettext("件数"), total],
        [gettext("中央値（日）"), "—" if median is None else median],
        [gettext("90パーセンタイル（日）"), "—" if p90 is None else p90],
    ]
    return Section(
        "time_to_cash",
        gettext("資金化までの日数"),
        gettext(
            "申込日から買取代金の送金（総合振込ファイル送信）日までの暦日数。送金日で期間を絞ります。"
        ),
        [gettext("日数"), gettext("件数")],
        rows,
        svg,
    )


def _residual() -> Any:
    return F("face_amount") - F("collected_amount") - F("fee_deducted") - F("shortfall_written_off")


def _outstanding() -> QuerySet[Position]:
    return (
        Position.objects.filter(status__in=(Position.Status.OPEN, Position.Status.DEFAULTED))
        .annotate(open_amount=_residual())
        .filter(open_amount__gt=0)
    )


def by_debtor(period: Period, *, top: int = 10) -> Section:
    grouped = list(
        _outstanding()
        .values_list("debtor__identity_id", "debtor__identity__display_name")
        .annotate(amount=Sum("open_amount"), n=Count("id"))
        .order_by("-amount", "debtor__identity_id")
    )
    conc = pm.concentration([amount for _, _, amount, _ in grouped], top_n=5)
    rows: list[list[Cell]] = [
        [f"DI{key}", name, amount, n, pct(pm.ratio(amount, conc.total))]
        for key, name, amount, n in grouped
    ]
    shown = grouped[:top]
    hhi = conc.hhi if conc.hhi is not None else "—"
    svg = bar_chart(
        "chart-debtor",
        gettext("売掛先別の未回収残高（上位%(top)s社）") % {"top": top},
        gettext("未回収残高の合計 %(total)s円。上位5社の占率 %(share)s、HHI %(hhi)s。")
        % {"total": f"{conc.total:,}", "share": pct(conc.top_share), "hhi": hhi},
        [name for _, name, _, _ in shown],
        [amount for _, _, amount, _ in shown],
        fmt=_yen,
    )
    return Section(
        "debtor",
        gettext("売掛先別ポートフォリオと集中度"),
        gettext(
            "現在の未回収残高（額面 − 回収済み − 差引手数料 − 償却）を売掛先ごとに集計します。"
        ),
        [
            gettext("コード"),
            gettext("売掛先"),
            gettext("未回収残高(円)"),
            gettext("件数"),
            gettext("占率"),
        ],
        rows,
        svg,
        [
            gettext("上位5社の占率: %(share)s（%(amount)s円）")
            % {"share": pct(conc.top_share), "amount": f"{conc.top_total:,}"},
            gettext("HHI（ハーフィンダール・ハーシュマン指数、0〜10,000）: %(hhi)s") % {"hhi": hhi},
        ],
    )


def by_industry(period: Period) -> Section:
    labels = dict(Industry.choices)
    grouped = list(
        _outstanding()
        .values_list("organization__industry")
        .annotate(amount=Sum("open_amount"), n=Count("id"))
        .order_by("-amount", "organization__industry")
    )
    total = sum(amount for _, amount, _ in grouped)
    missing = gettext("未登録")
    names = [str(labels.get(code, missing)) if code else missing for code, _, _ in grouped]
    svg = bar_chart(
        "chart-industry",
        gettext("業種別の未回収残高"),
        gettext("お客さま（売主）の業種ごとの未回収残高。合計 %(total)s円。")
        % {"total": f"{total:,}"},
        names,
        [amount for _, amount, _ in grouped],
        fmt=_yen,
    )
    rows: list[list[Cell]] = [
        [name, amount, n, pct(pm.ratio(amount, total))]
        for name, (_, amount, n) in zip(names, grouped, strict=True)
    ]
    return Section(
        "industry",
        gettext("業種別ポートフォリオ"),
        gettext("売掛先には業種の項目がないため、お客さま（売主）の業種で集計します。"),
        [gettext("業種"), gettext("未回収残高(円)"), gettext("件数"), gettext("占率")],
        rows,
        svg,
    )


def ageing(period: Period, *, as_of: date | None = None) -> Section:
    as_of = as_of or timezone.localdate()
    grouped = (
        _outstanding()
        .values_list("product", "expected_on", "forward_due_on")
        .annotate(amount=Sum("open_amount"), n=Count("id"))
        .order_by()
    )
    products = {p: gettext(label) for p, label in product_choices()}
    amounts: dict[str, list[int]] = {p: [0] * len(BUCKETS) for p in products}
    counts = [0] * len(BUCKETS)
    for product, expected_on, forward_due_on, amount, n in grouped:
        deadline = overdue.deadline_from(product, expected_on, forward_due_on)
        i = BUCKETS.index(bucket_for(days_past_due(deadline, as_of)))
        amounts.setdefault(product, [0] * len(BUCKETS))[i] += amount
        counts[i] += n
    used = [p for p in amounts if any(amounts[p])]
    series = [Series(products.get(p, p), tuple(amounts[p])) for p in used]
    svg = stacked_bar_chart(
        "chart-ageing",
        gettext("延滞期間別の未回収残高（エイジング）"),
        gettext("%(date)s時点。回収期限からの経過日数ごとの残高を商品別に積み上げています。")
        % {"date": as_of.strftime("%Y-%m-%d")},
        [gettext(b.label) for b in BUCKETS],
        series,
        fmt=_yen,
    )
    rows: list[list[Cell]] = []
    for i, bucket in enumerate(BUCKETS):
        row: list[Cell] = [gettext(bucket.label)]
        row += [amounts[p][i] for p in used]
        rows.append([*row, sum(amounts[p][i] for p in used), counts[i]])
    return Section(
        "ageing",
        gettext("エイジング（延滞期間別）"),
        gettext(
            "回収期限（3社間は回収予定日、2社間は転送期限）からの経過日数で区分します。基準日は本日です。"
        ),
        [
            gettext("区分"),
            *[products.get(p, p) + gettext("(円)") for p in used],
            gettext("合計(円)"),
            gettext("件数"),
        ],
        rows,
        svg,
    )


def losses(period: Period) -> Section:
    grouped = (
        Position.objects.filter(
            created_at__date__gte=period.start, created_at__date__lte=period.end
        )
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "status")
        .annotate(
            face=Sum("face_amount"),
            deducted=Sum("fee_deducted"),
            written_off=Sum("shortfall_written_off"),
        )
        .order_by()
    )
    bad = {Position.Status.DEFAULTED.value, Position.Status.WRITTEN_OFF.value}
    acc: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for month, status, face, deducted, written_off in grouped:
        m = acc[_month_of(month)]
        m[0] += face
        m[1] += face if status in bad else 0
        m[2] += deducted
        m[3] += written_off
    months = pm.months(period.start, period.end)
    rows: list[list[Cell]] = []
    default_rates: list[Decimal | None] = []
    dilution_rates: list[Decimal | None] = []
    for month in months:
        face, defaulted, deducted, written_off = acc.get(month, [0, 0, 0, 0])
        d, dil = pm.ratio(defaulted, face), pm.ratio(deducted, face)
        default_rates.append(d)
        dilution_rates.append(dil)
        rows.append([f"{month:%Y-%m}", face, defaulted, written_off, deducted, pct(d), pct(dil)])
    totals = [sum(v[i] for v in acc.values()) for i in range(4)]
    rows.append(
        [
            gettext("期間合計"),
            totals[0],
            totals[1],
            totals[3],
            totals[2],
            pct(pm.ratio(totals[1], totals[0])),
            pct(pm.ratio(totals[2], totals[0])),
        ]
    )
    svg = line_chart(
        "chart-losses",
        gettext("デフォルト率・希薄化率の推移（買取月別）"),
        gettext("期間合計のデフォルト率 %(default)s、希薄化率 %(dilution)s。")
        % {
            "default": pct(pm.ratio(totals[1], totals[0])),
            "dilution": pct(pm.ratio(totals[2], totals[0])),
        },
        [_month_label(m) for m in months],
        [
            Series(gettext("デフォルト率"), tuple(default_rates)),
            Series(gettext("希薄化率"), tuple(dilution_rates)),
        ],
        fmt=_rate_fmt,
    )
    return Section(
        "losses",
        gettext("デフォルト率・希薄化率"),
        gettext(
            "買取月ごとに、デフォルト（債務不履行・償却）になった債権の額面 ÷ 買取額面、"
            "希薄化（売掛先が差し引いた手数料等）÷ 買取額面。"
        ),
        [
            gettext("買取月"),
            gettext("買取額面(円)"),
            gettext("デフォルト額面(円)"),
            gettext("償却額(円)"),
            gettext("差引額(円)"),
            gettext("デフォルト率"),
            gettext("希薄化率"),
        ],
        rows,
        svg,
        [
            gettext(
                "希薄化は、売掛先が支払時に差し引いた額（先方負担手数料）で測ります。値引き・返品の記録はまだありません。"
            )
        ],
    )


BUILDERS: dict[str, Callable[[Period], Section]] = {
    "pipeline": pipeline,
    "approval": approval_rate,
    "time_to_cash": time_to_cash,
    "debtor": by_debtor,
    "industry": by_industry,
    "ageing": ageing,
    "losses": losses,
}
SECTION_KEYS = tuple(BUILDERS)


def build_section(key: str, period: Period) -> Section:
    return BUILDERS[key](period)


def build(period: Period, keys: Iterable[str] = SECTION_KEYS) -> list[Section]:
    return [build_section(key, period) for key in keys]
