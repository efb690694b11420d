"""Writes for compliance reports (000 req 7), grants (subsidy tracking) and a programme's
monitoring settings.

A compliance report records that the support infringed legislation, advisory regulation or
the organisation's guidelines: what happened, the records it concerns, who it was reported to
and when, and how it ended. A grant counts towards the client's support value; one that would
take the client over the programme's limit is refused unless the person confirms it, and then
a subsidy-control report is written with it, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Client
from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.permissions import policy_for
from waypoint.core.services import require_add, require_permission
from waypoint.delivery.models import Engagement, Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.monitoring.models import ComplianceReport, Concern, Grant, MonitoringSettings
from waypoint.monitoring.selectors_settings import settings_for
from waypoint.monitoring.selectors_subsidy import money, support_value

OVER_LIMIT = "over_subsidy_limit"
UPDATABLE = frozenset({"status", "outcome", "lessons", "reported_to", "reported_on"})
SETTINGS_FIELDS = frozenset(
    {
        "review_mode",
        "calendar_every_months",
        "calendar_starts_on",
        "on_time_days",
        "remind_days_before",
        "acknowledge_concern_days",
        "resolve_concern_days",
        "adviser_hourly_rate",
        "subsidy_limit",
        "follow_up_months",
    }
)


# Compliance reports ----------------------------------------------------------------------------


def _check_links(
    *,
    organisation: Organisation,
    acting_user: Any,
    engagement: Engagement | None,
    client: Client | None,
    concern: Concern | None,
) -> dict[str, str]:
    """The linked records must be the organisation's and seen by the reporter."""
    errors: dict[str, str] = {}
    if engagement is not None and (
        engagement.organisation_id != organisation.pk
        or not policy_for(Engagement).allows(acting_user, "view", engagement)
    ):
        errors["engagement"] = "Choose an engagement of this organisation that you can see."
    if client is not None:
        if not policy_for(Client).allows(acting_user, "view", client):
            errors["client"] = "Choose a client you can see."
        elif engagement is not None and engagement.client_id != client.pk:
            errors["client"] = "The client is not the engagement's client."
    if concern is not None:
        if concern.organisation_id != organisation.pk or not policy_for(Concern).allows(
            acting_user, "view", concern
        ):
            errors["concern"] = "Choose a concern of this organisation that you can see."
        elif engagement is not None and concern.engagement_id not in {None, engagement.pk}:
            errors["concern"] = "The concern is about another engagement."
    return errors


def _check_dates(report: ComplianceReport) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if report.occurred_on and report.occurred_on > today:
        errors["occurred_on"] = "It cannot have happened in the future."
    if report.reported_on is not None:
        if report.reported_on > today:
            errors["reported_on"] = "It cannot have been reported in the future."
        elif report.occurred_on and report.reported_on < report.occurred_on:
            errors["reported_on"] = "It cannot have been reported before it happened."
        if not report.reported_to.strip():
            errors["reported_to"] = "Say who it was reported to."
    if report.status == ComplianceReport.Status.CLOSED and not report.outcome.strip():
        errors["outcome"] = "Say how it ended before closing the report."
    return errors


@transaction.atomic
def compliance_report(
    *,
    organisation: Organisation,
    category: str,
    what_happened: str,
    occurred_on: dt.date,
    acting_user: Any,
    engagement: Engagement | None = None,
    client: Client | None = None,
    concern: Concern | None = None,
    reported_to: str = "",
    reported_on: dt.date | None = None,
) -> ComplianceReport:
    """Report an infringement (000 req 7). Any adviser, mentor or manager of the organisation
    may report one; the linked client defaults to the engagement's."""
    require_add(acting_user, ComplianceReport, organisation)
    errors = _check_links(
        organisation=organisation,
        acting_user=acting_user,
        engagement=engagement,
        client=client,
        concern=concern,
    )
    if not what_happened.strip():
        errors["what_happened"] = "Say what happened."
    if client is None and engagement is not None and "engagement" not in errors:
        client = engagement.client
    report = ComplianceReport(
        organisation=organisation,
        category=category,
        what_happened=what_happened.strip(),
        occurred_on=occurred_on,
        engagement=engagement,
        client=client,
        concern=concern,
        reported_to=reported_to.strip(),
        reported_on=reported_on,
        reported_by=acting_user,
    )
    errors.update({k: v for k, v in _check_dates(report).items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    save_record(report)
    record_event(
        verb="compliance_report.made",
        obj=report,
        actor=acting_user,
        data={
            "category": report.category,
            "engagement": engagement.pk if engagement else None,
            "client": client.pk if client else None,
        },
    )
    return report


@transaction.atomic
def compliance_update(
    *, report: ComplianceReport, acting_user: Any, **fields: Any
) -> ComplianceReport:
    """Change a report's status, outcome, lessons, or who it was reported to and when (the
    organisation's managers, or the person who reported it)."""
    require_permission(acting_user, "change", report)
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValidationError(
            dict.fromkeys(sorted(unknown), "This cannot be changed once reported.")
        )
    before = report.status
    for name, value in fields.items():
        if value is None and name != "reported_on":
            value = ""
        setattr(report, name, value.strip() if isinstance(value, str) else value)
    try:
        if errors := _check_dates(report):
            raise ValidationError(errors)
        save_record(report)
    except ValidationError:
        report.refresh_from_db()  # the caller's object is left as it was saved
        raise
    if report.status != before:
        record_event(
            verb="compliance_report.status_changed",
            obj=report,
            actor=acting_user,
            data={"from": before, "to": report.status},
        )
    return report


# Grants ----------------------------------------------------------------------------------------


@transaction.atomic
def grant_record(
    *,
    engagement: Engagement,
    amount: Decimal,
    awarded_on: dt.date,
    description: str,
    acting_user: Any,
    confirm_over_limit: bool = False,
) -> Grant:
    """Record a grant to the engagement's client.

    A grant that would take the client's support over the limit (the strictest of their
    programmes, over the current and two previous financial years) is refused with the figures,
    unless ``confirm_over_limit``: then a subsidy-control compliance report is made with it.
    """
    require_permission(acting_user, "change", engagement)
    grant = Grant(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        amount=amount,
        awarded_on=awarded_on,
        description=description.strip(),
        recorded_by=acting_user,
    )
    grant.full_clean(exclude=["recorded_by"])
    value = support_value(engagement.client, on=awarded_on)
    after = value.total + grant.amount
    over = value.would_exceed(grant.amount)
    message = (
        f"This grant would take {engagement.client}'s support to {money(after)} over "
        f"{value.window} ({money(value.total)} so far), over the programme's "
        f"{money(value.limit)} limit."
    )
    if over and not confirm_over_limit:
        raise ValidationError(
            {"amount": ValidationError(message + " Confirm to record it anyway.", code=OVER_LIMIT)}
        )
    save_record(grant)
    record_event(
        verb="grant.recorded",
        obj=grant,
        actor=acting_user,
        data={
            "engagement": engagement.pk,
            "amount": str(grant.amount),
            "support_after": str(after),
            "limit": str(value.limit),
            "over_limit": over,
        },
    )
    if over:
        compliance_report(
            organisation=engagement.organisation,
            category=ComplianceReport.Category.SUBSIDY_CONTROL,
            what_happened=(
                f"A grant of {money(grant.amount)} ({grant.description}) was recorded on "
                f"{grant.awarded_on:%d %b %Y}. {message}"
            ),
            occurred_on=min(grant.awarded_on, timezone.localdate()),
            engagement=engagement,
            client=engagement.client,
            acting_user=acting_user,
        )
    return grant


# Programme settings ----------------------------------------------------------------------------


@transaction.atomic
def monitoring_settings_update(
    *, programme: Programme, acting_user: Any, **fields: Any
) -> MonitoringSettings:
    """Change how a programme is monitored (its owner's administrators, service managers and
    contract managers). The settings are saved the first time they are changed."""
    require_permission(acting_user, "change", programme)
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise ValueError(f"monitoring_settings_update cannot change {sorted(unknown)}")
    settings = settings_for(programme)
    changed = {
        name: str(value) for name, value in fields.items() if getattr(settings, name) != value
    }
    for name, value in fields.items():
        setattr(settings, name, value)
    if settings.pk is not None and not changed:
        return settings
    save_record(settings)
    record_event(
        verb="monitoring_settings.changed",
        obj=settings,
        actor=acting_user,
        data={"programme": programme.pk, "changed": changed},
    )
    return settings
