"""Writes for the client's self-review (000 req 3: ask clients to review their progress against
their action plan; req 5: encourage them to identify concerns with the support).

An adviser creates a link for an open engagement that has an action plan; the link expires
after a number of days and can be revoked. The token carries only the link's id, signed with
the site's secret and its own salt: whether the link still works is decided by the link's row
(``expires_at``, ``revoked_at``), so that revoking takes effect at once.

Through the link, without an account, the client updates progress on their actions, rates the
support, says how it is going, suggests improvements and may raise a concern. The submission is
kept as a ``SelfReview``; it does not change the plan, which the adviser updates at the next
review with the client's view beside them. A client marks an action not started, in progress or
done; blocking or dropping one is re-planning, agreed with the adviser. The client's submission
is recorded in the audit trail under Waypoint's system account (``acting_as(None)``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from waypoint.core.audit import acting_as, record_event
from waypoint.core.services import require_permission
from waypoint.delivery.models import Action, ActionPlan, Engagement
from waypoint.delivery.services.agreements import save_record
from waypoint.monitoring.models import Concern, SelfReview, SelfReviewLink
from waypoint.monitoring.services.concerns import concern_raise

SALT = "waypoint.self_review"
DEFAULT_DAYS = 30
MAX_DAYS = 90
# What a client may say about an action; blocking or dropping one is re-planning (001 E5.08
# 3.2), agreed with the adviser at a review.
CLIENT_STATUSES = (
    Action.Status.NOT_STARTED,
    Action.Status.IN_PROGRESS,
    Action.Status.DONE,
)
NOTE_LIMIT = 2000
TEXT_LIMIT = 5000


class LinkInvalid(Exception):
    """The token was altered or names no link."""


# Tokens ----------------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def link_token(link: SelfReviewLink) -> str:
    """The link's token: its id, signed. It says nothing about the client."""
    return _signer().sign(str(link.pk))


def link_path(link: SelfReviewLink) -> str:
    return reverse("monitoring:self-review-signed", args=[link_token(link)])


def read_token(token: str) -> int:
    """The id of the link a token names; ``LinkInvalid`` otherwise."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        raise LinkInvalid from None
    if not value.isdigit():
        raise LinkInvalid
    return int(value)


def link_state(link: SelfReviewLink, now: dt.datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


def _base_url() -> str:
    from waypoint.monitoring.reminders import base_url

    return base_url()


# Links -----------------------------------------------------------------------------------------


@transaction.atomic
def link_create(
    *,
    engagement: Engagement,
    acting_user: Any,
    days: int = DEFAULT_DAYS,
    send_to: str = "",
    base_url: str = "",
) -> tuple[SelfReviewLink, str]:
    """A new self-review link for the engagement and its token. When ``send_to`` is given the
    link is emailed there after the commit (``base_url`` is the site's address, e.g. from the
    request; the ``WAYPOINT_BASE_URL`` setting otherwise)."""
    require_permission(acting_user, "change", engagement)
    if not engagement.is_open:
        raise ValidationError("This engagement is closed: the client cannot review it any more.")
    if not ActionPlan.objects.filter(engagement=engagement).exists():
        raise ValidationError(
            "This engagement has no action plan yet: the client reviews progress against it."
        )
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"A link lasts from 1 to {MAX_DAYS} days."})
    send_to = (send_to or "").strip()
    if send_to:
        try:
            validate_email(send_to)
        except ValidationError:
            raise ValidationError({"send_to": "Give a valid email address."}) from None
    link = SelfReviewLink(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        expires_at=timezone.now() + dt.timedelta(days=days),
        sent_to=send_to,
        created_by=acting_user,
    )
    save_record(link)
    token = link_token(link)
    record_event(
        verb="self_review_link.created",
        obj=link,
        actor=acting_user,
        data={"engagement": engagement.pk, "days": days, "emailed": bool(send_to)},
    )
    if send_to:
        url = (base_url or _base_url()).rstrip("/") + link_path(link)
        transaction.on_commit(lambda: _send_link(link, url))
    return link, token


def _send_link(link: SelfReviewLink, url: str) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    engagement = link.engagement
    context = {
        "organisation": engagement.organisation,
        "adviser": engagement.lead_adviser,
        "link": url,
        "expires_at": link.expires_at,
    }
    send_mail(
        subject=f"Review your progress with {engagement.organisation}",
        message=render_to_string("monitoring/self_review_email.txt", context),
        from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
        recipient_list=[link.sent_to],
    )


@transaction.atomic
def link_revoke(*, link: SelfReviewLink, acting_user: Any) -> SelfReviewLink:
    """Stop the link working at once; a revoked link stays on record."""
    require_permission(acting_user, "change", link)
    if link.revoked_at is not None:
        raise ValidationError("This link was already revoked.")
    link.revoked_at = timezone.now()
    save_record(link)
    record_event(
        verb="self_review_link.revoked",
        obj=link,
        actor=acting_user,
        data={"engagement": link.engagement_id},
    )
    return link


# Submitting ------------------------------------------------------------------------------------


def _check_link(link: SelfReviewLink) -> None:
    state = link_state(link)
    if state == "revoked":
        raise ValidationError("This link has been withdrawn.", code="revoked")
    if state == "expired":
        raise ValidationError("This link has expired.", code="expired")
    if not link.engagement.is_open:
        raise ValidationError("The support this link was for has ended.", code="closed")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _clean_updates(engagement: Engagement, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The client's updates, each checked; a row at fault is named (row 1 is the first)."""
    ids = [_int(row.get("action_id")) if isinstance(row, dict) else None for row in rows]
    actions = Action.objects.filter(
        goal__plan__engagement=engagement, pk__in=[i for i in ids if i is not None]
    ).in_bulk()
    cleaned: list[dict[str, Any]] = []
    seen: set[int] = set()
    for number, (row, action_id) in enumerate(zip(rows, ids, strict=True), start=1):
        where = f"Row {number}"
        action = actions.get(action_id) if action_id is not None else None
        if action is None:
            # Another client's action looks exactly like one that does not exist.
            raise ValidationError(
                {"action_updates": f"{where}: that action is not part of this plan."}
            )
        where = f"Row {number} ({action.description[:60]})"
        if action.pk in seen:
            raise ValidationError({"action_updates": f"{where}: this action is given twice."})
        seen.add(action.pk)
        if action.status == Action.Status.DROPPED:
            raise ValidationError(
                {"action_updates": f"{where}: this action was dropped from the plan."}
            )
        status = str(row.get("status") or "")
        if status and status not in CLIENT_STATUSES:
            raise ValidationError(
                {
                    "action_updates": f"{where}: the status is not started, in progress or "
                    "done (talk to your adviser about blocking or dropping an action)."
                }
            )
        progress = _int(row.get("progress"))
        if progress is None or not 0 <= progress <= 100:
            raise ValidationError(
                {"action_updates": f"{where}: progress is a whole number from 0 to 100."}
            )
        note = str(row.get("note") or "").strip()
        if len(note) > NOTE_LIMIT:
            raise ValidationError(
                {"action_updates": f"{where}: the note is at most {NOTE_LIMIT} characters."}
            )
        cleaned.append({"action": action.pk, "status": status, "progress": progress, "note": note})
    return cleaned


def _check_text(field: str, value: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise ValidationError({field: f"{label} is at most {TEXT_LIMIT} characters."})
    return value


@transaction.atomic
def self_review_submit(
    *,
    link: SelfReviewLink,
    action_updates: list[dict[str, Any]] | None = None,
    support_rating: int | None = None,
    progress_comment: str = "",
    improvements: str = "",
    concern_summary: str = "",
    submitted_by_name: str = "",
) -> SelfReview:
    """Keep the client's self-review (000 req 3) and raise their concern, if any, as a concern
    owned by the lead adviser (000 req 5). No user: the link is the permission. The plan is not
    changed. ``action_updates``: ``[{action_id, status, progress, note}]``; an empty status
    means the client did not say."""
    link = SelfReviewLink.objects.select_for_update().select_related("engagement").get(pk=link.pk)
    _check_link(link)
    engagement = link.engagement
    updates = _clean_updates(engagement, list(action_updates or []))
    if support_rating is not None and (
        isinstance(support_rating, bool)
        or not isinstance(support_rating, int)
        or not 1 <= support_rating <= 5
    ):
        raise ValidationError({"support_rating": "Rate the support from 1 to 5."})
    concern_summary = _check_text("concern_summary", concern_summary, "A concern")
    progress_comment = _check_text("progress_comment", progress_comment, "How it is going")
    improvements = _check_text("improvements", improvements, "Suggested improvements")
    name = (submitted_by_name or "").strip()
    if len(name) > 200:
        raise ValidationError({"submitted_by_name": "Your name is at most 200 characters."})
    now = timezone.now()
    with acting_as(None):
        self_review = SelfReview(
            organisation_id=engagement.organisation_id,
            engagement=engagement,
            link=link,
            submitted_at=now,
            action_updates=updates,
            support_rating=support_rating,
            progress_comment=progress_comment,
            improvements=improvements,
            submitted_by_name=name,
        )
        save_record(self_review)
        link.last_used_at = now
        save_record(link)
        concern = None
        if concern_summary:
            concern = concern_raise(
                summary=concern_summary,
                source=Concern.Source.CLIENT,
                about=Concern.About.SERVICE,
                severity=Concern.Severity.MEDIUM,
                acting_user=None,
                engagement=engagement,
                raised_by_name=name,
                self_review=self_review,
            )
        record_event(
            verb="self_review.submitted",
            obj=self_review,
            actor=None,
            data={
                "engagement": engagement.pk,
                "link": link.pk,
                "actions": len(updates),
                "concern": concern.pk if concern is not None else None,
            },
        )
    return self_review
