"""Writes for concerns and problems (000 reqs 5, 6): raised by a client, adviser, partner or
manager, owned, acknowledged, investigated within the owner's responsibility or referred beyond
it, resolved, and the client told.

A concern moves through its statuses in one order only (``TRANSITIONS``): raised →
acknowledged → investigating → referred or resolved → closed; a simple one may be resolved or
referred straight after it is acknowledged. The steps are taken by the concern's owner and the
delivering organisation's managers ("handlers"); when it has been referred to another
organisation in Waypoint (the programme's commissioner), that organisation's managers and
contract managers may record their response and the resolution (000 req 6: refer the problem to
the relevant people where it lies outside the limits of your responsibility).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.periods import local_date
from waypoint.core.roles import MANAGING_ROLES, has_role
from waypoint.core.services import require_permission
from waypoint.delivery.models import Engagement, Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.monitoring.models import Concern, ConcernAction, Review, SelfReview

Status = Concern.Status

# The statuses a concern may move to from each status (000 req 6).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RAISED: frozenset({Status.ACKNOWLEDGED}),
    Status.ACKNOWLEDGED: frozenset({Status.INVESTIGATING, Status.REFERRED, Status.RESOLVED}),
    Status.INVESTIGATING: frozenset({Status.INVESTIGATING, Status.REFERRED, Status.RESOLVED}),
    Status.REFERRED: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def can_move(concern: Concern, status: str) -> bool:
    return status in TRANSITIONS.get(concern.status, frozenset())


def _check_move(concern: Concern, status: str) -> None:
    """Refuse a move out of order, with a message saying what may come next."""
    if can_move(concern, status):
        return
    if concern.status == Status.CLOSED:
        raise ValidationError({"status": "This concern is closed: it cannot change any more."})
    current = concern.get_status_display().lower()
    allowed = [Status(s).label.lower() for s in Status.values if s in TRANSITIONS[concern.status]]
    raise ValidationError(
        {
            "status": f"A concern that is {current} cannot move to "
            f"“{Status(status).label.lower()}”; next it can be {' or '.join(allowed)}."
        }
    )


def is_handler(user: Any, concern: Concern) -> bool:
    """The concern's owner, a manager of the delivering organisation, or a superuser."""
    return bool(
        user.is_superuser
        or (concern.owner_id is not None and concern.owner_id == user.pk)
        or has_role(user, concern.organisation_id, MANAGING_ROLES)
    )


def _require_handler(user: Any, concern: Concern) -> None:
    """The owner or the delivering organisation's managers (and the policy must agree)."""
    require_permission(user, "change", concern)
    if not is_handler(user, concern):
        raise PermissionDenied(
            "Only the concern's owner or the delivering organisation's managers take this step."
        )


def _require_responder(user: Any, concern: Concern) -> None:
    """A handler, or (on a referred concern) the receiving organisation's people the policy
    lets change it."""
    require_permission(user, "change", concern)


def is_open(concern: Concern) -> bool:
    """Whether anything more may be recorded on the concern: everything but a closed one."""
    return concern.status != Status.CLOSED


def _require_open(concern: Concern) -> None:
    if not is_open(concern):
        raise ValidationError("This concern is closed: nothing more is recorded on it.")


def _check_date(field: str, value: dt.date, concern: Concern, what: str) -> None:
    if value > _today():
        raise ValidationError({field: f"{what} cannot be in the future."})
    if value < concern.raised_on:
        raise ValidationError({field: f"{what} cannot be before the concern was raised."})


def _event(verb: str, concern: Concern, actor: Any, **data: Any) -> None:
    record_event(verb=f"concern.{verb}", obj=concern, actor=actor, data=data)


# Raising ---------------------------------------------------------------------------------------


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
    """Record a concern (000 req 5). ``acting_user`` is None only when the client raises it
    through their self-review link (the link itself is the permission). The owner defaults to
    the engagement's lead adviser; the delivering organisation owns the record."""
    if engagement is None and programme is None:
        raise ValidationError({"programme": "Say which engagement or programme it is about."})
    if engagement is not None:
        organisation_id = engagement.organisation_id
        if acting_user is not None:
            require_permission(acting_user, "change", engagement)
        if programme is not None and programme.pk != engagement.programme_id:
            raise ValidationError({"programme": "The engagement is on another programme."})
    elif acting_user is None:
        raise ValidationError({"engagement": "A client raises a concern about their support."})
    else:
        organisation_id = _home_organisation(acting_user, programme)  # managers only
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
    if concern.raised_on > _today():
        raise ValidationError({"raised_on": "A concern cannot be raised in the future."})
    if owner is not None:
        _check_owner(owner, organisation_id)
    save_record(concern)
    _event(
        "raised",
        concern,
        acting_user,
        source=source,
        severity=severity,
        engagement=concern.engagement_id,
    )
    return concern


def _today() -> dt.date:
    return local_date(timezone.now(), timezone.get_current_timezone())


def _home_organisation(user: Any, programme: Programme | None = None) -> int:
    """The organisation that owns a programme-wide concern: the manager's own organisation,
    preferring one that delivers (or owns) the programme."""
    from waypoint.core.roles import organisations_with_role

    organisations = sorted(organisations_with_role(user, MANAGING_ROLES))
    if not organisations:
        if user.is_superuser and programme is not None:
            return int(programme.organisation_id)
        raise PermissionDenied("Only a manager raises a concern about a programme as a whole.")
    if programme is not None:
        involved = {programme.organisation_id} | set(
            programme.delivering_organisations.values_list("pk", flat=True)
        )
        for organisation in organisations:
            if organisation in involved:
                return organisation
        raise PermissionDenied("Your organisation neither delivers nor owns this programme.")
    return organisations[0]


def _check_owner(owner: Any, organisation_id: int | None, field: str = "owner") -> None:
    if not has_role(owner, organisation_id):
        raise ValidationError(
            {field: f"{owner} holds no role in the organisation that handles this concern."}
        )


# Handling --------------------------------------------------------------------------------------


@transaction.atomic
def concern_acknowledge(
    *, concern: Concern, acting_user: Any, acknowledged_on: dt.date | None = None
) -> Concern:
    """Tell the person who raised it that the concern has been received (within the
    programme's time limit to acknowledge)."""
    _require_handler(acting_user, concern)
    _check_move(concern, Status.ACKNOWLEDGED)
    on = acknowledged_on or _today()
    _check_date("acknowledged_on", on, concern, "The acknowledgement")
    concern.status = Status.ACKNOWLEDGED
    concern.acknowledged_on = on
    save_record(concern)
    _event("acknowledged", concern, acting_user, on=concern.acknowledged_on.isoformat())
    return concern


@transaction.atomic
def concern_assign(*, concern: Concern, owner: Any, acting_user: Any) -> Concern:
    """Give the concern an owner, who must hold a role in the delivering organisation."""
    _require_handler(acting_user, concern)
    _require_open(concern)
    _check_owner(owner, concern.organisation_id)
    previous = concern.owner
    concern.owner = owner
    save_record(concern)
    _event(
        "assigned",
        concern,
        acting_user,
        owner=owner.pk,
        owner_name=str(owner),
        previous=str(previous) if previous else "",
    )
    return concern


@transaction.atomic
def concern_investigate(
    *, concern: Concern, acting_user: Any, investigation: str = "", cause: str = ""
) -> Concern:
    """Record what the investigation found and the cause; the problem is being dealt with
    within the owner's responsibility (000 req 6)."""
    _require_handler(acting_user, concern)
    _check_move(concern, Status.INVESTIGATING)
    if not investigation.strip() and not cause.strip():
        raise ValidationError({"investigation": "Say what the investigation found, or the cause."})
    concern.status = Status.INVESTIGATING
    if investigation.strip():
        concern.investigation = investigation.strip()
    if cause.strip():
        concern.cause = cause.strip()
    if concern.within_responsibility is None:
        concern.within_responsibility = True
    save_record(concern)
    _event("investigated", concern, acting_user, cause=bool(concern.cause))
    return concern


@transaction.atomic
def concern_refer(
    *,
    concern: Concern,
    acting_user: Any,
    referred_to: str,
    reason: str,
    referred_to_organisation: Organisation | None = None,
    referred_on: dt.date | None = None,
) -> Concern:
    """Refer the concern beyond the owner's responsibility to a named person, role or
    organisation (000 req 6). Referred to the programme's commissioning organisation, its
    managers and contract managers see it and may record their response."""
    _require_handler(acting_user, concern)
    _check_move(concern, Status.REFERRED)
    errors = {}
    if not referred_to.strip():
        errors["referred_to"] = "Name the person, role or organisation it is referred to."
    if not reason.strip():
        errors["reason"] = "Say why it is beyond the owner's responsibility."
    if referred_to_organisation is not None:
        programme = concern.programme
        if programme is None or referred_to_organisation.pk != programme.organisation_id:
            errors["referred_to_organisation"] = (
                "A concern is referred in Waypoint only to the programme's commissioning "
                "organisation; name anyone else in “referred to”."
            )
        elif referred_to_organisation.pk == concern.organisation_id:
            errors["referred_to_organisation"] = "It is already this organisation's concern."
    if errors:
        raise ValidationError(errors)
    on = referred_on or _today()
    _check_date("referred_on", on, concern, "The referral")
    concern.status = Status.REFERRED
    concern.within_responsibility = False
    concern.referred_to = referred_to.strip()
    concern.referral_reason = reason.strip()
    concern.referred_to_organisation = referred_to_organisation
    concern.referred_on = on
    save_record(concern)
    _event(
        "referred",
        concern,
        acting_user,
        referred_to=concern.referred_to,
        organisation=referred_to_organisation.pk if referred_to_organisation else None,
    )
    return concern


@transaction.atomic
def concern_record_response(*, concern: Concern, acting_user: Any, response: str) -> Concern:
    """Record the response of whoever the concern was referred to."""
    _require_responder(acting_user, concern)
    _require_open(concern)
    if concern.referred_on is None:
        raise ValidationError(
            {"referral_response": "Only a concern that was referred on has their response."}
        )
    if not response.strip():
        raise ValidationError({"referral_response": "Write their response."})
    concern.referral_response = response.strip()
    save_record(concern)
    _event("response_recorded", concern, acting_user)
    return concern


@transaction.atomic
def concern_action_add(
    *,
    concern: Concern,
    acting_user: Any,
    description: str,
    due_on: dt.date,
    owner: Any = None,
    owner_name: str = "",
) -> ConcernAction:
    """An action to solve the problem, with its owner (a person in Waypoint or named) and
    due date."""
    _require_handler(acting_user, concern)
    _require_open(concern)
    errors = {}
    if not description.strip():
        errors["description"] = "Say what is to be done."
    if owner is None and not owner_name.strip():
        errors["owner"] = "Say who will do it: choose a person or write their name."
    if errors:
        raise ValidationError(errors)
    if owner is not None and not (
        has_role(owner, concern.organisation_id)
        or has_role(owner, concern.referred_to_organisation_id)
    ):
        raise ValidationError(
            {"owner": f"{owner} holds no role in an organisation handling this concern."}
        )
    action = ConcernAction(
        organisation_id=concern.organisation_id,
        concern=concern,
        description=description.strip(),
        owner=owner,
        owner_name=owner_name.strip(),
        due_on=due_on,
    )
    save_record(action)
    _event(
        "action_added",
        concern,
        acting_user,
        action=action.pk,
        due_on=due_on.isoformat(),
        owner=str(owner) if owner else owner_name.strip(),
    )
    return action


@transaction.atomic
def concern_action_done(
    *, action: ConcernAction, acting_user: Any, done_on: dt.date | None = None
) -> ConcernAction:
    """Mark an action done (today unless said otherwise)."""
    concern = action.concern
    _require_handler(acting_user, concern)
    _require_open(concern)
    if action.done_on is not None:
        raise ValidationError({"done_on": "This action is already done."})
    on = done_on or _today()
    if on > _today():
        raise ValidationError({"done_on": "An action cannot be done in the future."})
    action.done_on = on
    save_record(action)
    _event("action_done", concern, acting_user, action=action.pk, on=action.done_on.isoformat())
    return action


@transaction.atomic
def concern_resolve(
    *, concern: Concern, acting_user: Any, resolution: str, resolved_on: dt.date | None = None
) -> Concern:
    """Record how the problem was solved. On a referred concern, the receiving organisation
    may record it too."""
    if concern.status == Status.REFERRED:
        _require_responder(acting_user, concern)
    else:
        _require_handler(acting_user, concern)
    _check_move(concern, Status.RESOLVED)
    if not resolution.strip():
        raise ValidationError({"resolution": "Say how the concern was resolved."})
    on = resolved_on or _today()
    _check_date("resolved_on", on, concern, "The resolution")
    concern.status = Status.RESOLVED
    concern.resolution = resolution.strip()
    concern.resolved_on = on
    if concern.within_responsibility is None:
        concern.within_responsibility = True
    save_record(concern)
    _event("resolved", concern, acting_user, on=concern.resolved_on.isoformat())
    return concern


@transaction.atomic
def concern_tell_client(
    *,
    concern: Concern,
    acting_user: Any,
    told_on: dt.date,
    how: str,
    satisfaction: int | None = None,
) -> Concern:
    """Record when and how the client was told of the outcome, and how satisfied they are
    with the way their concern was handled (1 to 5)."""
    _require_handler(acting_user, concern)
    if concern.status != Status.RESOLVED:
        raise ValidationError(
            {"client_told_on": "Resolve the concern first, then record telling the client."}
        )
    errors = {}
    if not how.strip():
        errors["client_told_how"] = "Say how the client was told (e.g. by phone, by letter)."
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        errors["client_satisfaction"] = "Give the client's satisfaction from 1 to 5."
    if errors:
        raise ValidationError(errors)
    _check_date("client_told_on", told_on, concern, "Telling the client")
    concern.client_told_on = told_on
    concern.client_told_how = how.strip()
    concern.client_satisfaction = satisfaction
    save_record(concern)
    _event("client_told", concern, acting_user, on=told_on.isoformat(), satisfaction=satisfaction)
    return concern


@transaction.atomic
def concern_close(*, concern: Concern, acting_user: Any) -> Concern:
    """Close a resolved concern. A client's concern (one on an engagement) is closed only once
    the client has been told of the outcome."""
    _require_handler(acting_user, concern)
    _check_move(concern, Status.CLOSED)
    if concern.engagement_id is not None and concern.client_told_on is None:
        raise ValidationError(
            {"client_told_on": "Record when and how the client was told before closing it."}
        )
    concern.status = Status.CLOSED
    save_record(concern)
    _event("closed", concern, acting_user)
    return concern
