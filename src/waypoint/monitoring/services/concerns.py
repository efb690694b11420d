"""Writes for concerns and problems (000 reqs 5, 6): raised by a client, adviser, partner or
manager, owned, acknowledged, investigated within the owner's responsibility or referred beyond
it, resolved, and the client told."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.periods import local_date
from waypoint.core.services import require_permission
from waypoint.delivery.models import Engagement, Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.monitoring.models import Concern, Review, SelfReview


@transaction.atomic
def concern_raise(
    *,
    summary: str,
    source: str,
    about: str,
    acting_user: Any | None,
    engagement: Engagement | None = None,
    programme: Programme | None = None,
    severity: str = Concern.Severity.MEDIUM,
    raised_by_name: str = "",
    raised_on: dt.date | None = None,
    owner: Any = None,
    review: Review | None = None,
    self_review: SelfReview | None = None,
) -> Concern:
    """Record a concern. ``acting_user`` is None only when the client raises it through their
    self-review link (the link itself is the permission). The owner defaults to the
    engagement's lead adviser; the delivering organisation owns the record."""
    if engagement is None and programme is None:
        raise ValidationError({"programme": "Say which engagement or programme it is about."})
    if engagement is not None:
        organisation_id = engagement.organisation_id
        if acting_user is not None:
            require_permission(acting_user, "change", engagement)
    elif acting_user is None:
        raise ValidationError({"engagement": "A client raises a concern about their support."})
    else:
        organisation_id = _home_organisation(acting_user)  # managers only
    concern = Concern(
        organisation_id=organisation_id,
        engagement=engagement,
        programme=programme or (engagement.programme if engagement is not None else None),
        source=source,
        raised_by=acting_user,
        raised_by_name=raised_by_name.strip(),
        raised_on=raised_on or _today(),
        about=about,
        severity=severity,
        summary=summary.strip(),
        owner=owner or (engagement.lead_adviser if engagement is not None else acting_user),
        review=review,
        self_review=self_review,
    )
    if not concern.summary:
        raise ValidationError({"summary": "Say what the concern is."})
    save_record(concern)
    record_event(
        verb="concern.raised",
        obj=concern,
        actor=acting_user,
        data={"source": source, "severity": severity, "engagement": concern.engagement_id},
    )
    return concern


def _today() -> dt.date:
    return local_date(timezone.now(), timezone.get_current_timezone())


def _home_organisation(user: Any) -> int:
    from waypoint.core.roles import MANAGING_ROLES, organisations_with_role

    organisations = sorted(organisations_with_role(user, MANAGING_ROLES))
    if not organisations:
        raise PermissionDenied("Only a manager raises a concern about a programme as a whole.")
    return organisations[0]
