"""Writes for referrals: suggest or make one, move it on, record its outcome.

An adviser directs a client to other services when these meet their needs more closely (001
E5.07 2.2; 004 j). A referral that passes on the client's details is made only while the client
consents to sharing data with referral partners (the latest consent of that kind, granted and
not withdrawn); a closed engagement takes no new referral.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Client, Consent
from waypoint.core.audit import record_event
from waypoint.core.services import require_permission
from waypoint.delivery.models import Engagement, Referral, Service
from waypoint.delivery.services.agreements import save_record

NO_CONSENT = (
    "{client} has not consented to sharing their data with referral partners. Record their "
    "consent on the client's page first, or make a referral that does not pass on their details."
)


def has_sharing_consent(client: Client) -> bool:
    """Whether the client currently consents to sharing data with referral partners."""
    latest = (
        Consent.objects.filter(client=client, kind=Consent.Kind.SHARE_WITH_PARTNERS)
        .order_by("-granted_on", "-pk")
        .first()
    )
    today = timezone.localdate()
    return (
        latest is not None
        and latest.granted_on <= today
        and (latest.withdrawn_on is None or latest.withdrawn_on > today)
    )


def _check_consent(referral: Referral) -> None:
    if referral.needs_data_sharing and not has_sharing_consent(referral.engagement.client):
        raise ValidationError(
            {"needs_data_sharing": NO_CONSENT.format(client=referral.engagement.client)}
        )


def _check_service(engagement: Engagement, service: Service | None) -> None:
    if service is None:
        return
    if service.organisation_id != engagement.organisation_id or not service.is_active:
        raise ValidationError(
            {"service": "Choose an active service from the delivering organisation's directory."}
        )


@transaction.atomic
def _create(
    *,
    engagement: Engagement,
    acting_user: Any,
    status: str,
    reason: str,
    service: Service | None = None,
    specialist_name: str = "",
    specialist_contact: str = "",
    needs_data_sharing: bool = True,
    made_on: dt.date | None = None,
    follow_up_on: dt.date | None = None,
) -> Referral:
    require_permission(acting_user, "change", engagement)
    if not engagement.is_open:
        raise ValidationError("This engagement is closed: it takes no new referral.")
    _check_service(engagement, service)
    referral = Referral(
        engagement=engagement,
        organisation_id=engagement.organisation_id,
        service=service,
        specialist_name=specialist_name.strip(),
        specialist_contact=specialist_contact.strip(),
        reason=reason,
        needs_data_sharing=needs_data_sharing,
        status=status,
        made_on=(made_on or timezone.localdate()) if status == Referral.Status.MADE else None,
        follow_up_on=follow_up_on,
        created_by=acting_user,
    )
    if status == Referral.Status.MADE:
        _check_consent(referral)
    save_record(referral)
    record_event(
        verb=f"referral.{status}",
        obj=referral,
        actor=acting_user,
        data={"engagement": engagement.pk, "referred_to": referral.referred_to},
    )
    return referral


def referral_suggest(*, engagement: Engagement, acting_user: Any, **fields: Any) -> Referral:
    """Suggest a referral to the client (nothing is passed on yet)."""
    fields.pop("made_on", None)
    return _create(
        engagement=engagement,
        acting_user=acting_user,
        status=Referral.Status.SUGGESTED,
        **fields,
    )


def referral_make(*, engagement: Engagement, acting_user: Any, **fields: Any) -> Referral:
    """Make a referral (made today unless said otherwise); needs consent to share data."""
    return _create(
        engagement=engagement, acting_user=acting_user, status=Referral.Status.MADE, **fields
    )


@transaction.atomic
def referral_update_status(
    *,
    referral: Referral,
    status: str,
    outcome: str = "",
    follow_up_on: dt.date | None = None,
    acting_user: Any,
) -> Referral:
    """Move a referral on: suggested → made or declined; made → accepted, declined or no
    response; accepted → attended, declined or no response."""
    require_permission(acting_user, "change", referral)
    if status not in Referral.Status.values:
        raise ValidationError({"status": f"{status!r} is not a referral status."})
    if not referral.can_move_to(status):
        raise ValidationError(
            {
                "status": f"A referral that is {referral.get_status_display().lower()} cannot "
                f"move to {Referral.Status(status).label.lower()}."
            }
        )
    previous = referral.status
    if status == Referral.Status.MADE:
        if not referral.engagement.is_open:
            raise ValidationError("This engagement is closed: the referral cannot be made now.")
        _check_consent(referral)
        referral.made_on = referral.made_on or timezone.localdate()
    referral.status = status
    if outcome:
        referral.outcome = outcome
    if follow_up_on is not None:
        referral.follow_up_on = follow_up_on
    save_record(referral)
    record_event(
        verb="referral.status_changed",
        obj=referral,
        actor=acting_user,
        data={"from": previous, "to": status},
    )
    return referral


@transaction.atomic
def referral_record_outcome(
    *,
    referral: Referral,
    acting_user: Any,
    outcome: str,
    usefulness_client: str = "",
    usefulness_adviser: str = "",
    follow_up_on: dt.date | None = None,
) -> Referral:
    """Record what came of the referral and how useful it was, by both accounts."""
    require_permission(acting_user, "change", referral)
    referral.outcome = outcome
    referral.usefulness_client = usefulness_client
    referral.usefulness_adviser = usefulness_adviser
    if follow_up_on is not None:
        referral.follow_up_on = follow_up_on
    return save_record(referral)
