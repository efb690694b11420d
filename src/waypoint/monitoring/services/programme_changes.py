"""Writes for programme changes agreed with a client (000 req 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waypoint.core.audit import record_event
from waypoint.core.services import require_permission
from waypoint.delivery.models import Engagement
from waypoint.delivery.services.agreements import save_record
from waypoint.monitoring.models import Concern, ProgrammeChange, Review


@transaction.atomic
def programme_change_record(
    *,
    engagement: Engagement,
    what_changed: str,
    why: str,
    effective_from: dt.date,
    acting_user: Any,
    agreed_with_client: bool = True,
    review: Review | None = None,
    concern: Concern | None = None,
) -> ProgrammeChange:
    """Record a change to the client's programme of support, linked to the review or concern
    it came from (both of the same engagement)."""
    require_permission(acting_user, "change", engagement)
    errors = {}
    if not what_changed.strip():
        errors["what_changed"] = "Say what changes."
    if not why.strip():
        errors["why"] = "Say why it changes."
    if review is not None and review.engagement_id != engagement.pk:
        errors["review"] = "Choose a review of this engagement."
    if concern is not None and concern.engagement_id != engagement.pk:
        errors["concern"] = "Choose a concern about this engagement."
    if errors:
        raise ValidationError(errors)
    change = ProgrammeChange(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        what_changed=what_changed.strip(),
        why=why.strip(),
        effective_from=effective_from,
        agreed_with_client=agreed_with_client,
        review=review,
        concern=concern,
        recorded_by=acting_user,
    )
    save_record(change)
    record_event(
        verb="programme_change.recorded",
        obj=change,
        actor=acting_user,
        data={"engagement": engagement.pk},
    )
    return change
