"""Writes for engagements: opening one, assigning advisers, the eligibility check and each move
through the lifecycle (Engagement.TRANSITIONS). Every one records a domain event.

001 E5.07: conditions for accepting clients onto business support services (the eligibility
check against the programme's checklist).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Client
from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.periods import local_date
from waypoint.core.roles import has_role
from waypoint.core.services import _save, require_add, require_permission
from waypoint.delivery.models import (
    Agreement,
    EligibilityCheck,
    Engagement,
    EngagementTransition,
    Programme,
)
from waypoint.delivery.selectors import ADVISING_ROLES
from waypoint.delivery.signals import engagement_closed

# Moves that must say why.
REASON_REQUIRED = frozenset({Engagement.Status.PAUSED, Engagement.Status.CLOSED})

Status = Engagement.Status


def _today(organisation: Organisation) -> dt.date:
    return local_date(timezone.now(), organisation.time_zone)


def _status_label(status: str) -> str:
    return str(Status(status).label)


def allowed_moves(engagement: Engagement) -> list[str]:
    """Where the engagement may go next, in lifecycle order."""
    allowed = Engagement.TRANSITIONS[Status(engagement.status)]
    return [s for s in Status.values if s in allowed]


def move_refusal(engagement: Engagement, to_status: str) -> str:
    """Why the lifecycle does not allow this move from where the engagement is ("" if it does)."""
    if not engagement.can_move_to(to_status):
        allowed = ", ".join(_status_label(s) for s in allowed_moves(engagement)) or "nowhere"
        return (
            f"An engagement at {_status_label(engagement.status)} cannot move "
            f"to {_status_label(to_status)}; from here it can move to: {allowed}."
        )
    if (
        engagement.status == Status.ENQUIRY
        and to_status == Status.ELIGIBLE
        and engagement.programme.eligibility_conditions.exists()
    ):
        return "Record the eligibility check against the programme's conditions."
    if (
        engagement.status == Status.AGREEMENT_PENDING
        and to_status == Status.ACTIVE
        and not engagement.agreements.filter(status=Agreement.Status.ACCEPTED).exists()
    ):
        # 001 E5.07: support starts once roles, responsibilities and limits are agreed.
        return (
            "The client has not accepted an agreement yet; the engagement becomes active "
            "when they do."
        )
    return ""


def _check_adviser(user: Any, organisation: Organisation, field: str) -> None:
    if not (user.is_active and has_role(user, organisation.pk, ADVISING_ROLES)):
        raise ValidationError(
            {field: f"{user} is not an adviser, mentor or service manager at {organisation}."}
        )


def _transition(
    engagement: Engagement, *, from_status: str, reason: str, acting_user: Any
) -> EngagementTransition:
    return _save(
        EngagementTransition(
            engagement=engagement,
            organisation_id=engagement.organisation_id,
            from_status=from_status,
            to_status=engagement.status,
            reason=reason,
            occurred_at=timezone.now(),
            by=acting_user if getattr(acting_user, "pk", None) else None,
        )
    )


@transaction.atomic
def engagement_open(
    *,
    client: Client,
    programme: Programme,
    organisation: Organisation,
    lead_adviser: Any,
    enquiry_date: dt.date,
    acting_user: Any,
) -> Engagement:
    """Open an engagement at the enquiry stage.

    The organisation must deliver the programme, hold the client's record, and the lead adviser
    must advise (or manage the service) there.
    """
    require_add(acting_user, Engagement, organisation)
    errors: dict[str, str] = {}
    if client.organisation_id != organisation.pk:
        errors["client"] = f"{client} is a client of another organisation, not {organisation}."
    elif client.merged_into_id is not None:
        errors["client"] = f"{client} was merged into another record; open it there."
    if not programme.delivering_organisations.filter(pk=organisation.pk).exists():
        errors["programme"] = f"{organisation} does not deliver {programme}."
    elif not programme.is_active:
        errors["programme"] = f"{programme} is no longer taking clients."
    elif (
        Engagement.objects.filter(client=client, programme=programme)
        .exclude(status=Status.CLOSED)
        .exists()
    ):
        errors["programme"] = f"{client} already has an open engagement on {programme}."
    if enquiry_date > _today(organisation):
        errors["enquiry_date"] = "The enquiry date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    _check_adviser(lead_adviser, organisation, "lead_adviser")
    engagement = _save(
        Engagement(
            organisation=organisation,
            client=client,
            programme=programme,
            lead_adviser=lead_adviser,
            status=Status.ENQUIRY,
            enquiry_date=enquiry_date,
        )
    )
    _transition(engagement, from_status="", reason="Enquiry received.", acting_user=acting_user)
    record_event(
        verb="engagement.opened",
        obj=engagement,
        actor=acting_user,
        data={"programme": programme.pk, "lead_adviser": lead_adviser.pk},
    )
    return engagement


@transaction.atomic
def engagement_assign_advisers(
    *, engagement: Engagement, advisers: Iterable[Any], acting_user: Any
) -> Engagement:
    """Set who works with the client besides the lead adviser."""
    require_permission(acting_user, "change", engagement)
    organisation = engagement.organisation
    wanted = {a.pk: a for a in advisers if a.pk != engagement.lead_adviser_id}
    for adviser in wanted.values():
        _check_adviser(adviser, organisation, "advisers")
    before = sorted(engagement.advisers.values_list("pk", flat=True))
    engagement.advisers.set(list(wanted.values()))
    after = sorted(wanted)
    if before != after:
        record_event(
            verb="engagement.advisers_assigned",
            obj=engagement,
            actor=acting_user,
            data={"before": before, "after": after},
        )
    return engagement


@transaction.atomic
def engagement_change_lead(*, engagement: Engagement, lead_adviser: Any, acting_user: Any) -> Any:
    require_permission(acting_user, "change", engagement)
    _check_adviser(lead_adviser, engagement.organisation, "lead_adviser")
    previous = engagement.lead_adviser_id
    if previous != lead_adviser.pk:
        engagement.lead_adviser = lead_adviser
        _save(engagement)
        engagement.advisers.remove(lead_adviser)
        record_event(
            verb="engagement.lead_changed",
            obj=engagement,
            actor=acting_user,
            data={"before": previous, "after": lead_adviser.pk},
        )
    return engagement


def _move(
    engagement: Engagement,
    *,
    to_status: str,
    reason: str,
    end_reason: str | None,
    acting_user: Any,
) -> Engagement:
    from_status = engagement.status
    engagement.status = to_status
    engagement.end_reason = end_reason or ""
    if to_status == Status.CLOSED:
        engagement.closed_on = _today(engagement.organisation)
    if from_status == Status.ENQUIRY and to_status == Status.ELIGIBLE:
        # A programme without conditions: eligibility was checked when the adviser moved it.
        engagement.eligibility_checked_on = engagement.eligibility_checked_on or _today(
            engagement.organisation
        )
    _save(engagement)
    _transition(engagement, from_status=from_status, reason=reason, acting_user=acting_user)
    record_event(
        verb="engagement.moved",
        obj=engagement,
        actor=acting_user,
        data={
            "from": from_status,
            "to": to_status,
            "reason": reason,
            "end_reason": end_reason or "",
        },
    )
    if to_status == Status.CLOSED:
        transaction.on_commit(
            lambda: engagement_closed.send(
                sender=Engagement, engagement=engagement, acting_user=acting_user
            )
        )
    return engagement


@transaction.atomic
def engagement_move(
    *,
    engagement: Engagement,
    to_status: str,
    reason: str,
    end_reason: str | None = None,
    acting_user: Any,
) -> Engagement:
    """Move the engagement to ``to_status`` if the lifecycle allows it from where it is.

    Pausing and closing need a reason; closing needs an end reason. An enquiry on a programme
    with eligibility conditions becomes eligible only through ``eligibility_check``; an
    engagement becomes active only once the client has accepted an agreement.
    """
    require_permission(acting_user, "change", engagement)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    reason = (reason or "").strip()
    if to_status not in Status.values:
        raise ValidationError({"to_status": f"{to_status!r} is not an engagement status."})
    if refusal := move_refusal(engagement, to_status):
        raise ValidationError({"to_status": refusal})
    errors: dict[str, str] = {}
    if to_status in REASON_REQUIRED and not reason:
        errors["reason"] = f"Say why the engagement is {_status_label(to_status).lower()}."
    if to_status == Status.CLOSED:
        if not end_reason:
            errors["end_reason"] = "Choose the end reason."
        elif end_reason not in Engagement.EndReason.values:
            errors["end_reason"] = f"{end_reason!r} is not an end reason."
    elif end_reason:
        errors["end_reason"] = "Only a closed engagement has an end reason."
    if errors:
        raise ValidationError(errors)
    return _move(
        engagement,
        to_status=to_status,
        reason=reason,
        end_reason=end_reason,
        acting_user=acting_user,
    )


@transaction.atomic
def eligibility_check(
    *,
    engagement: Engagement,
    answers: Mapping[int, tuple[bool, str]],
    acting_user: Any,
) -> Engagement:
    """Record the answer to every condition of the programme's checklist.

    All met: the engagement becomes eligible. Any not met: it closes, not eligible.
    """
    require_permission(acting_user, "change", engagement)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Status.ENQUIRY:
        raise ValidationError(
            "Eligibility is checked at the enquiry stage; this engagement is "
            f"{_status_label(engagement.status).lower()}."
        )
    conditions = list(engagement.programme.eligibility_conditions.all())
    expected = {c.pk for c in conditions}
    given = set(answers)
    if missing := [c for c in conditions if c.pk not in given]:
        raise ValidationError(
            {"answers": "Answer every condition; not answered: " + "; ".join(map(str, missing))}
        )
    if unknown := given - expected:
        raise ValidationError(
            {"answers": f"Not conditions of {engagement.programme}: {sorted(unknown)}"}
        )
    unmet: list[str] = []
    for condition in conditions:
        met, note = answers[condition.pk]
        _save(
            EligibilityCheck(
                engagement=engagement,
                organisation_id=engagement.organisation_id,
                condition=condition,
                met=bool(met),
                note=(note or "").strip(),
            )
        )
        if not met:
            unmet.append(condition.text)
    engagement.eligibility_checked_on = _today(engagement.organisation)
    record_event(
        verb="engagement.eligibility_checked",
        obj=engagement,
        actor=acting_user,
        data={"eligible": not unmet, "not_met": unmet},
    )
    if unmet:
        return _move(
            engagement,
            to_status=Status.CLOSED,
            reason="Not eligible: " + "; ".join(unmet),
            end_reason=Engagement.EndReason.NOT_ELIGIBLE,
            acting_user=acting_user,
        )
    return _move(
        engagement,
        to_status=Status.ELIGIBLE,
        reason="Meets every eligibility condition.",
        end_reason=None,
        acting_user=acting_user,
    )
