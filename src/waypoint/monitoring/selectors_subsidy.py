"""Reads for subsidy tracking: the value of the support each client has received (000 req 7).

Support is valued as adviser time (the minutes of every contact, at the hourly rate its
programme sets in ``MonitoringSettings``) plus grants, over the current and the two previous UK
financial years (the window of the Minimal Financial Assistance threshold, Subsidy Control Act
2022 s.36). The limit that applies is the strictest of the programmes the client is on.

The figure counts every engagement of the client, whoever delivers it: the limit is a fact
about the client, and only the totals are shown, never another provider's records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from waypoint.clients.models import Client
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.delivery.models import Engagement, Interaction, Programme
from waypoint.monitoring.models import Grant, MonitoringSettings
from waypoint.monitoring.selectors_settings import settings_for_programmes

PENNY = Decimal("0.01")
NEAR_LIMIT_PERCENT = 80
YEARS = 3  # the current financial year and the two before it
MONEY: Any = DecimalField(max_digits=20, decimal_places=2)
DEFAULT_RATE: Decimal = MonitoringSettings._meta.get_field("adviser_hourly_rate").default
DEFAULT_LIMIT: Decimal = MonitoringSettings._meta.get_field("subsidy_limit").default


def money(amount: Decimal) -> str:
    """``£316,200`` or ``£112.50``: pence only when there are some."""
    amount = amount.quantize(PENNY, decimal.ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def time_value(minutes: int, rate: Decimal) -> Decimal:
    """The value of ``minutes`` of adviser time at ``rate`` pounds an hour, to the penny."""
    return (Decimal(minutes) * rate / 60).quantize(PENNY, decimal.ROUND_HALF_UP)


@dataclass(frozen=True)
class YearValue:
    period: Period
    minutes: int
    adviser_time: Decimal
    grants: Decimal

    @property
    def total(self) -> Decimal:
        return self.adviser_time + self.grants

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(PENNY, decimal.ROUND_HALF_UP)


@dataclass(frozen=True)
class SupportValue:
    """A client's support over the three financial years ending with the one holding ``on``."""

    client: Client
    on: dt.date
    years: list[YearValue]  # oldest first
    limit: Decimal
    limit_programme: Programme | None

    @property
    def minutes(self) -> int:
        return sum(year.minutes for year in self.years)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(PENNY, decimal.ROUND_HALF_UP)

    @property
    def adviser_time(self) -> Decimal:
        return sum((year.adviser_time for year in self.years), Decimal("0.00"))

    @property
    def grants(self) -> Decimal:
        return sum((year.grants for year in self.years), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.adviser_time + self.grants

    @property
    def remaining(self) -> Decimal:
        return max(self.limit - self.total, Decimal("0.00"))

    @property
    def percent(self) -> int:
        if self.limit <= 0:
            return 100 if self.total > 0 else 0
        return int(self.total * 100 / self.limit)

    @property
    def near_limit(self) -> bool:
        return self.total * 100 >= self.limit * NEAR_LIMIT_PERCENT

    @property
    def over_limit(self) -> bool:
        return self.total > self.limit

    @property
    def window(self) -> str:
        return f"{self.years[0].period.label} to {self.years[-1].period.label}"

    def would_exceed(self, extra: Decimal) -> bool:
        return self.total + extra > self.limit


def _zone(client: Client) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(client.organisation.time_zone)


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The start of ``day`` in ``zone``: contacts are stored in UTC, years begin locally."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def financial_years(on: dt.date) -> list[Period]:
    """The current UK financial year of ``on`` and the two before it, oldest first."""
    current = period_of(on, PeriodKind.FINANCIAL_YEAR)
    years = [current]
    for _ in range(YEARS - 1):
        years.insert(0, years[0].previous())
    return years


def _limit(programmes: Iterable[Programme]) -> tuple[Decimal, Programme | None]:
    """The strictest (lowest) limit among ``programmes``; the default with none."""
    found = settings_for_programmes(programmes)
    if not found:
        return DEFAULT_LIMIT, None
    settings = min(found.values(), key=lambda s: (s.subsidy_limit, s.programme_id))
    return settings.subsidy_limit, settings.programme


def support_value(client: Client, on: dt.date | None = None) -> SupportValue:
    """The value of ``client``'s support in the three financial years ending with the one
    holding ``on`` (today in the client's organisation when not given), year by year. Whole
    years count: support recorded later in the current year is support in that year too.

    Three queries, whatever the history: contact minutes summed per programme and year, grants
    summed per year, and the programmes' settings. Money is then worked in exact decimals over
    those few sums (one row per programme).
    """
    zone = _zone(client)
    on = on or timezone.localdate(timezone=zone)
    years = financial_years(on)
    when = {
        f"m{i}": Sum(
            "duration_minutes",
            filter=Q(
                occurred_at__gte=_midnight(year.start, zone),
                occurred_at__lt=_midnight(year.end, zone),
            ),
        )
        for i, year in enumerate(years)
    }
    minutes_by_programme = list(
        Interaction.objects.filter(
            engagement__client=client,
            occurred_at__gte=_midnight(years[0].start, zone),
            occurred_at__lt=_midnight(years[-1].end, zone),
        )
        .values("engagement__programme")
        .order_by("engagement__programme")
        .annotate(**when)
    )
    grants = Grant.objects.filter(
        engagement__client=client,
        awarded_on__gte=years[0].start,
        awarded_on__lt=years[-1].end,
    ).aggregate(
        **{
            f"g{i}": Sum("amount", filter=Q(awarded_on__gte=year.start, awarded_on__lt=year.end))
            for i, year in enumerate(years)
        }
    )
    programmes = list(Programme.objects.filter(engagements__client=client).distinct())
    settings = settings_for_programmes(programmes)
    rows = []
    for i, year in enumerate(years):
        minutes = 0
        value = Decimal("0")
        for row in minutes_by_programme:
            spent = row[f"m{i}"] or 0
            minutes += spent
            rate = settings[row["engagement__programme"]].adviser_hourly_rate
            value += Decimal(spent) * rate
        rows.append(
            YearValue(
                period=year,
                minutes=minutes,
                adviser_time=(value / 60).quantize(PENNY, decimal.ROUND_HALF_UP),
                grants=(grants[f"g{i}"] or Decimal("0")).quantize(PENNY),
            )
        )
    limit, limit_programme = _limit(programmes)
    return SupportValue(
        client=client, on=on, years=rows, limit=limit, limit_programme=limit_programme
    )


def hourly_rate(programme: Programme) -> Decimal:
    return settings_for_programmes([programme])[programme.pk].adviser_hourly_rate


# Many clients at once ---------------------------------------------------------------------------


def _settings_value(field: str, default: Decimal, programme_path: str) -> Any:
    saved = MonitoringSettings.objects.filter(programme=OuterRef(programme_path)).values(field)[:1]
    return Coalesce(Subquery(saved), Value(default), output_field=MONEY)


def with_support_totals(clients: QuerySet[Client], on: dt.date | None = None) -> QuerySet[Client]:
    """``clients`` annotated with ``support_total`` and ``support_limit`` (the three financial
    years ending with the one holding ``on``; boundaries in Waypoint's default time zone), in
    SQL: one correlated subquery each for contacts, grants and the limit."""
    zone = timezone.get_default_timezone()
    on = on or timezone.localdate(timezone=zone)
    years = financial_years(on)
    start, end = years[0].start, years[-1].end
    contacts = (
        Interaction.objects.filter(
            engagement__client=OuterRef("pk"),
            occurred_at__gte=_midnight(start, zone),
            occurred_at__lt=_midnight(end, zone),
        )
        .annotate(
            pounds_minutes=ExpressionWrapper(
                F("duration_minutes")
                * _settings_value("adviser_hourly_rate", DEFAULT_RATE, "engagement__programme"),
                output_field=MONEY,
            )
        )
        .values("engagement__client")
        .annotate(total=Sum("pounds_minutes"))
        .values("total")
    )
    grants = (
        Grant.objects.filter(
            engagement__client=OuterRef("pk"), awarded_on__gte=start, awarded_on__lt=end
        )
        .values("engagement__client")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    limits = (
        Engagement.objects.filter(client=OuterRef("pk"))
        .annotate(limit=_settings_value("subsidy_limit", DEFAULT_LIMIT, "programme"))
        .order_by("limit")
        .values("limit")[:1]
    )
    zero = Value(Decimal("0"), output_field=MONEY)
    return clients.annotate(
        support_time=ExpressionWrapper(
            Coalesce(Subquery(contacts, output_field=MONEY), zero) / Value(60),
            output_field=MONEY,
        ),
        support_grants=Coalesce(Subquery(grants, output_field=MONEY), zero),
        support_limit=Coalesce(
            Subquery(limits, output_field=MONEY), Value(DEFAULT_LIMIT, output_field=MONEY)
        ),
    ).annotate(
        support_total=ExpressionWrapper(
            F("support_time") + F("support_grants"), output_field=MONEY
        ),
    )


def clients_near_limit(user: Any, on: dt.date | None = None) -> QuerySet[Client]:
    """Clients ``user`` may see whose support has reached 80% of their limit (or gone over),
    fullest first."""
    clients: Any = with_support_totals(Client.objects.restrict(user, "view"), on)
    return clients.filter(
        support_total__gt=0,
        support_total__gte=ExpressionWrapper(
            F("support_limit") * Value(Decimal(NEAR_LIMIT_PERCENT) / 100), output_field=MONEY
        ),
    ).order_by("-support_total", "name")
