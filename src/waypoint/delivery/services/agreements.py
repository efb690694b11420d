"""Writes for agreements: draft, change, offer, accept, and start a new version.

An agreement records what adviser and client agreed (001 E5.07 3.1: roles, responsibilities
and the limits of contractual obligations; 004 a, d: the goals, rules and length of mentoring,
how often progress is reviewed and in how much detail). Versions are kept: an accepted version
is never changed, a new version supersedes it once the client accepts that one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.services import require_permission
from waypoint.delivery.models import Agreement, Engagement, EngagementTransition

# The fields an adviser writes; everything else (version, status, acceptance) is the service's.
AGREEMENT_FIELDS = (
    "type",
    "adviser_responsibilities",
    "client_responsibilities",
    "contractual_limits",
    "confidentiality",
    "availability",
    "preferred_channels",
    "feedback_timing",
    "review_every",
    "review_unit",
    "review_depth",
    "planned_duration_weeks",
    "mentoring_goals",
    "meeting_frequency",
    "meeting_places",
    "missed_sessions",
    "involving_colleagues",
    "dealing_with_problems",
    "code_of_ethics",
)
EDITABLE_STATUSES = frozenset({Agreement.Status.DRAFT, Agreement.Status.OFFERED})
# "Who" columns that may be empty (a client accepting through the link; older rows).
WHO_FIELDS = ("created_by", "by", "recorded_by", "uploaded_by")


def save_record(obj: Any) -> Any:
    """Validate (``full_clean``) and save; a clash with a row saved at the same moment becomes
    a ValidationError, not a server error."""
    obj.full_clean(exclude=[f for f in WHO_FIELDS if hasattr(obj, f"{f}_id")])
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(
            f"This {obj._meta.verbose_name} clashes with one saved at the same moment; "
            "reload the page and check before trying again."
        ) from None
    return obj


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValueError(f"An agreement has no editable fields {sorted(unknown)}.")


def _next_version(engagement: Engagement) -> int:
    # Lock the engagement so that two drafts started at once cannot take the same number.
    Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
    latest = engagement.agreements.aggregate(latest=Max("version"))["latest"]
    return (latest or 0) + 1


@transaction.atomic
def agreement_draft(*, engagement: Engagement, acting_user: Any, **fields: Any) -> Agreement:
    """Start the next version of the engagement's agreement, as a draft.

    Review frequency and depth default to the programme's (000 req 1, 004 d).
    """
    require_permission(acting_user, "change", engagement)
    _check_fields(fields)
    if not engagement.is_open:
        raise ValidationError("The engagement is closed: it takes no new agreement.")
    _refuse_second_open_version(engagement)
    programme = engagement.programme
    fields.setdefault("review_every", programme.default_review_every)
    fields.setdefault("review_unit", programme.default_review_unit)
    fields.setdefault("review_depth", programme.default_review_depth)
    agreement = Agreement(
        engagement=engagement,
        organisation_id=engagement.organisation_id,
        version=_next_version(engagement),
        status=Agreement.Status.DRAFT,
        created_by=acting_user,
        **fields,
    )
    save_record(agreement)
    record_event(
        verb="agreement.drafted",
        obj=agreement,
        actor=acting_user,
        data={"version": agreement.version, "type": agreement.type},
    )
    return agreement


def _refuse_second_open_version(engagement: Engagement) -> None:
    """One version at a time is being agreed, so that "the current agreement" is never in doubt."""
    open_version = (
        engagement.agreements.filter(status__in=EDITABLE_STATUSES).order_by("-version").first()
    )
    if open_version is not None:
        raise ValidationError(
            f"Version {open_version.version} is not accepted yet: change that one instead."
        )


def _require_editable(agreement: Agreement) -> None:
    if agreement.status not in EDITABLE_STATUSES:
        raise ValidationError(
            f"Version {agreement.version} is {agreement.get_status_display().lower()}: "
            "it cannot be changed. Start a new version instead."
        )


@transaction.atomic
def agreement_update(*, agreement: Agreement, acting_user: Any, **changes: Any) -> Agreement:
    """Change a draft or offered agreement; an accepted or superseded one is never changed."""
    require_permission(acting_user, "change", agreement)
    _check_fields(changes)
    _require_editable(agreement)
    for field, value in changes.items():
        setattr(agreement, field, value)
    return save_record(agreement)


@transaction.atomic
def agreement_offer(*, agreement: Agreement, acting_user: Any) -> Agreement:
    """Offer the agreement to the client (it can still be changed until accepted)."""
    require_permission(acting_user, "change", agreement)
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError("Only a draft agreement can be offered to the client.")
    agreement.status = Agreement.Status.OFFERED
    save_record(agreement)
    record_event(
        verb="agreement.offered",
        obj=agreement,
        actor=acting_user,
        data={"version": agreement.version},
    )
    return agreement


@transaction.atomic
def agreement_accept(
    *, agreement: Agreement, accepted_by_name: str, via: str, acting_user: Any = None
) -> Agreement:
    """Record the client's acceptance: how, when and by whom.

    Without an ``acting_user`` only the client's signed link may accept. The version accepted
    before becomes superseded, and an engagement waiting for its agreement becomes active.
    """
    if acting_user is None:
        if via != Agreement.AcceptedVia.LINK:
            raise PermissionDenied("Only the client's link accepts without a signed-in adviser.")
    else:
        require_permission(acting_user, "change", agreement)
    if via not in Agreement.AcceptedVia.values:
        raise ValidationError({"accepted_via": f"{via!r} is not a way of accepting."})
    name = accepted_by_name.strip()
    if not name:
        raise ValidationError({"accepted_by_name": "Give the name of the person who accepted."})
    # Lock the row: a client and an adviser accepting at the same moment record it once.
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in EDITABLE_STATUSES:
        raise ValidationError(
            f"Version {agreement.version} is {agreement.get_status_display().lower()}: "
            "it cannot be accepted again."
        )
    newer = agreement.engagement.agreements.filter(version__gt=agreement.version)
    if newer.filter(status=Agreement.Status.ACCEPTED).exists():
        raise ValidationError("A later version has already been accepted.")
    for previous in agreement.engagement.agreements.filter(
        status=Agreement.Status.ACCEPTED
    ).exclude(pk=agreement.pk):
        previous.status = Agreement.Status.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
    agreement.status = Agreement.Status.ACCEPTED
    agreement.accepted_at = timezone.now()
    agreement.accepted_by_name = name
    agreement.accepted_via = via
    save_record(agreement)
    record_event(
        verb="agreement.accepted",
        obj=agreement,
        actor=acting_user,
        data={"version": agreement.version, "accepted_by_name": name, "via": via},
    )
    _activate_engagement(agreement, acting_user)
    return agreement


def _activate_engagement(agreement: Agreement, acting_user: Any) -> None:
    """An engagement waiting for its agreement starts when the client accepts it."""
    engagement = Engagement.objects.select_for_update().get(pk=agreement.engagement_id)
    if engagement.status != Engagement.Status.AGREEMENT_PENDING:
        return
    engagement.status = Engagement.Status.ACTIVE
    save_record(engagement)
    save_record(
        EngagementTransition(
            engagement=engagement,
            organisation_id=engagement.organisation_id,
            from_status=Engagement.Status.AGREEMENT_PENDING,
            to_status=Engagement.Status.ACTIVE,
            reason=f"Agreement v{agreement.version} accepted",
            occurred_at=timezone.now(),
            by=acting_user,
        )
    )
    record_event(
        verb="engagement.activated",
        obj=engagement,
        actor=acting_user,
        data={"reason": f"Agreement v{agreement.version} accepted"},
    )


@transaction.atomic
def agreement_new_version(*, agreement: Agreement, acting_user: Any) -> Agreement:
    """A new draft copying this version's terms, to change what was agreed."""
    require_permission(acting_user, "change", agreement)
    _refuse_second_open_version(agreement.engagement)
    fields = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS}
    return agreement_draft(engagement=agreement.engagement, acting_user=acting_user, **fields)
