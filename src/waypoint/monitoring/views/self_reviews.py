"""Pages for the client's self-review (000 reqs 3, 5).

For advisers: the engagement's self-review page (its links with their state, a new link to copy
or email, revoking one, the self-reviews submitted) and each self-review's page. For the client,
without an account: the signed link's page with their plan and the self-review form, and a
thank-you page. A bad token answers 404, an expired or revoked link 410, too many requests 429;
none of these pages says anything about the client, and the client's pages link nowhere else.

Two limits apply per hour: requests on one link (views and submissions), and bad or unknown
tokens from one client address (``WAYPOINT_SELF_REVIEW_BAD_TOKENS_PER_HOUR``, the address read
through the trusted proxies as everywhere in Waypoint). The second counts and blocks only bad
tokens: past it, a bad token answers 429 instead of 404, but a valid token from the same address
still works, so that a client is never locked out by someone else behind the same shared
address (an office or mobile network). The tokens are signed, so that a guesser learns nothing
practical from the difference; the limit keeps scanning noisy and cheap to refuse.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.permissions import policy_for
from waypoint.core.request_context import client_address
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Action, ActionPlan, Engagement
from waypoint.delivery.views.agreements import engagement_url
from waypoint.monitoring import selectors_self_reviews as selectors
from waypoint.monitoring.models import Concern, SelfReview, SelfReviewLink
from waypoint.monitoring.services import self_reviews as services

TEXTAREA = forms.Textarea(attrs={"rows": 3})
VIEWS_PER_HOUR = 60
SUBMISSIONS_PER_HOUR = 10
BAD_TOKENS_PER_HOUR = 20
RATINGS = [
    (1, "1: very poor"),
    (2, "2: poor"),
    (3, "3: fair"),
    (4, "4: good"),
    (5, "5: very good"),
]
STATE_LABELS = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}


# Forms -----------------------------------------------------------------------------------------


class LinkForm(forms.Form):
    days = forms.IntegerField(
        label="The link works for (days)",
        min_value=1,
        max_value=services.MAX_DAYS,
        initial=services.DEFAULT_DAYS,
        help_text=f"From 1 to {services.MAX_DAYS} days.",
    )
    send_to = forms.EmailField(
        label="Email it to (optional)",
        required=False,
        help_text="Leave empty to copy the link and send it yourself.",
    )


class SelfReviewForm(forms.Form):
    """The client's form: a status, progress and note for each action of their plan, then the
    questions about the support."""

    progress_comment = forms.CharField(
        label="How is it going?",
        widget=TEXTAREA,
        required=False,
        max_length=services.TEXT_LIMIT,
        help_text="In your own words: what has gone well, what has been hard.",
    )
    support_rating = forms.TypedChoiceField(
        label="How would you rate the support you are getting?",
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    concern = forms.CharField(
        label="Raise a concern (optional)",
        widget=TEXTAREA,
        required=False,
        max_length=services.TEXT_LIMIT,
        help_text="Anything about the support that worries you. It goes to the service, "
        "which will look into it and tell you what it did.",
    )
    improvements = forms.CharField(
        label="How could the support be better? (optional)",
        widget=TEXTAREA,
        required=False,
        max_length=services.TEXT_LIMIT,
    )
    submitted_by_name = forms.CharField(label="Your name", max_length=200, required=False)

    def __init__(self, *args: Any, actions: list[Action], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actions = actions
        statuses = [("", "No change to say")] + [
            (status.value, status.label) for status in services.CLIENT_STATUSES
        ]
        own_fields = dict(self.fields)
        self.fields = {}
        for number, action in enumerate(actions, start=1):
            self.fields[f"status_{action.pk}"] = forms.ChoiceField(
                label=f"Status of action {number}",
                choices=statuses,
                required=False,
                initial=action.status if action.status in services.CLIENT_STATUSES else "",
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"progress_{action.pk}"] = forms.IntegerField(
                label=f"Progress on action {number} (%)",
                min_value=0,
                max_value=100,
                initial=action.progress,
                help_text="From 0 to 100.",
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control",
                        "aria-describedby": f"id_progress_{action.pk}_help",
                    }
                ),
            )
            self.fields[f"note_{action.pk}"] = forms.CharField(
                label=f"Note on action {number} (optional)",
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                required=False,
                max_length=services.NOTE_LIMIT,
            )
        self.fields.update(own_fields)

    def full_clean(self) -> None:
        super().full_clean()
        # Mark the per-action fields at fault (they are laid out by hand, not by crispy).
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "class" in widget.attrs:
                widget.attrs["class"] += " is-invalid"

    def action_updates(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "action_id": action.pk,
                "status": data.get(f"status_{action.pk}", ""),
                "progress": data.get(f"progress_{action.pk}"),
                "note": data.get(f"note_{action.pk}", ""),
            }
            for action in self.actions
        ]


# The adviser's pages ---------------------------------------------------------------------------


class SelfReviewViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _links(engagement: Engagement, user: Any, can_change: bool, request: HttpRequest) -> list:
    now = timezone.now()
    rows = []
    for link in selectors.links_for(engagement, user):
        state = services.link_state(link, now)
        url = ""
        if can_change and state == "active":
            url = request.build_absolute_uri(services.link_path(link))
        rows.append({"link": link, "state": state, "state_label": STATE_LABELS[state], "url": url})
    return rows


class EngagementSelfReviewsView(SelfReviewViewMixin, View):
    """The engagement's self-review section: links and submissions; POST makes a new link."""

    def _render(
        self, request: HttpRequest, engagement: Engagement, form: LinkForm, status: int = 200
    ) -> HttpResponse:
        can_change = policy_for(Engagement).allows(request.user, "change", engagement)
        submitted = selectors.self_reviews_for(user=request.user).filter(engagement=engagement)
        page = Paginator(submitted, 25).get_page(request.GET.get("page"))
        return render(
            request,
            "monitoring/self_review_links.html",
            {
                "engagement": engagement,
                "engagement_url": engagement_url(engagement),
                "can_change": can_change,
                "has_plan": ActionPlan.objects.filter(engagement=engagement).exists(),
                "links": _links(engagement, request.user, can_change, request),
                "form": form,
                "page_obj": page,
                "latest": selectors.latest_unconsidered(engagement),
            },
            status=status,
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement: Engagement = get_object_for(request.user, Engagement, "view", pk=engagement_pk)
        return self._render(request, engagement, LinkForm())

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        form = LinkForm(request.POST)
        if form.is_valid():
            try:
                link, _ = services.link_create(
                    engagement=engagement,
                    acting_user=request.user,
                    days=form.cleaned_data["days"],
                    send_to=form.cleaned_data["send_to"],
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                sent = f" and emailed to {link.sent_to}" if link.sent_to else ""
                until = timezone.localtime(link.expires_at)
                messages.success(request, f"Link made{sent}. It works until {until:%d %b %Y}.")
                return redirect("monitoring:engagement-self-reviews", engagement.pk)
        return self._render(request, engagement, form)


class LinkRevokeView(SelfReviewViewMixin, View):
    def _link(self, request: HttpRequest, pk: int) -> SelfReviewLink:
        link: SelfReviewLink = get_object_for(request.user, SelfReviewLink, "change", pk=pk)
        return link

    def _render(self, request: HttpRequest, link: SelfReviewLink, error: str = "") -> HttpResponse:
        return render(
            request,
            "core/confirm_delete.html",
            {
                "title": "Revoke the client's self-review link",
                "consequences": [
                    f"The link made on {timezone.localtime(link.created_at):%d %b %Y} for "
                    f"{link.engagement.client} stops working at once.",
                    "Self-reviews already submitted through it are kept.",
                ],
                "confirm_label": "Revoke the link",
                "cancel_url": reverse(
                    "monitoring:engagement-self-reviews", args=[link.engagement_id]
                ),
                "error": error,
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, self._link(request, pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        link = self._link(request, pk)
        try:
            services.link_revoke(link=link, acting_user=request.user)
        except ValidationError as error:
            return self._render(request, link, " ".join(error.messages))
        messages.success(request, "Link revoked: it no longer works.")
        return redirect("monitoring:engagement-self-reviews", link.engagement_id)


class SelfReviewDetailView(SelfReviewViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self_review: SelfReview = get_object_for(request.user, SelfReview, "view", pk=pk)
        engagement = self_review.engagement
        return render(
            request,
            "monitoring/self_review_detail.html",
            {
                "self_review": self_review,
                "engagement": engagement,
                "engagement_url": engagement_url(engagement),
                "updates": selectors.updates_with_actions(self_review),
                "concerns": Concern.objects.restrict(request.user, "view").filter(
                    self_review=self_review
                ),
                "reviews": self_review.reviews.order_by("-held_on"),
                "can_audit": policy_for(SelfReview).allows(request.user, "audit", self_review),
            },
        )


# The client's pages (no sign-in) ---------------------------------------------------------------


def _refuse(request: HttpRequest, status: int, heading: str, message: str) -> HttpResponse:
    return render(
        request,
        "monitoring/self_review_unavailable.html",
        {"heading": heading, "message": message},
        status=status,
    )


BAD_LINK = (
    "This link does not work",
    "Check that you copied the whole link, or ask your adviser to send it again.",
)


TOO_MANY = (
    "Please try again later",
    "This link has been used many times in the last hour. Please wait an hour and try again, "
    "or contact your adviser.",
)
TOO_MANY_BAD = (
    "Please try again later",
    "Too many links that do not work have been tried from your connection in the last hour. "
    "Check that you copied the whole link, wait an hour and try again, or contact your adviser.",
)


def _count(key: str) -> int:
    """Count one more request under ``key`` this hour, and return the count so far."""
    key = f"{key}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        return 1


def _over_limit(link: SelfReviewLink, kind: str, limit: int) -> bool:
    """Count one more request of ``kind`` on the link this hour; True when past ``limit``."""
    # The link's creation time is in the key too, so that a counter never outlives its link.
    made = int(link.created_at.timestamp()) if link.created_at else 0
    return _count(f"waypoint:self-review:{kind}:{link.pk}:{made}") > limit


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "WAYPOINT_SELF_REVIEW_VIEWS_PER_HOUR", VIEWS_PER_HOUR)),
        int(getattr(settings, "WAYPOINT_SELF_REVIEW_SUBMISSIONS_PER_HOUR", SUBMISSIONS_PER_HOUR)),
    )


def _bad_token_limit() -> int:
    return int(getattr(settings, "WAYPOINT_SELF_REVIEW_BAD_TOKENS_PER_HOUR", BAD_TOKENS_PER_HOUR))


def _bad_token(request: HttpRequest) -> HttpResponse:
    """Refuse a bad or unknown token: 404, or 429 once the client's address has sent too many
    this hour. Only bad tokens are counted, and only they are blocked (see the module's
    docstring)."""
    address = client_address(request) or "unknown"
    if _count(f"waypoint:self-review:bad-token:{address}") > _bad_token_limit():
        return _refuse(request, 429, *TOO_MANY_BAD)
    return _refuse(request, 404, *BAD_LINK)


def _find_link(request: HttpRequest, token: str) -> SelfReviewLink | HttpResponse:
    """The link a token names, or the refusal for a bad or unknown token."""
    try:
        link_id = services.read_token(token)
    except services.LinkInvalid:
        return _bad_token(request)
    link = (
        SelfReviewLink.objects.select_related("engagement__organisation").filter(pk=link_id).first()
    )
    if link is None:
        return _bad_token(request)
    return link


class SelfReviewSignedView(View):
    """The client's self-review through the signed link."""

    def _link(self, request: HttpRequest, token: str, kind: str) -> SelfReviewLink | HttpResponse:
        link = _find_link(request, token)
        if isinstance(link, HttpResponse):
            return link
        views, submissions = _limits()
        if _over_limit(link, kind, submissions if kind == "submit" else views):
            return _refuse(request, 429, *TOO_MANY)
        state = services.link_state(link)
        if state == "revoked":
            return _refuse(
                request,
                410,
                "This link has been withdrawn",
                "Your adviser has withdrawn this link. Ask them for a new one if you want "
                "to review your progress.",
            )
        if state == "expired":
            return _refuse(
                request,
                410,
                "This link has expired",
                "Links to review your progress last a limited time. Ask your adviser to "
                "send a new one.",
            )
        if not link.engagement.is_open:
            return _refuse(
                request,
                410,
                "This link is no longer in use",
                "The support this link was for has ended. Contact the service if you need "
                "anything.",
            )
        return link

    def _actions(self, link: SelfReviewLink) -> tuple[ActionPlan | None, list[Any], list[Action]]:
        plan = ActionPlan.objects.filter(engagement=link.engagement).first()
        if plan is None:
            return None, [], []
        goals = list(plan.goals.order_by("position", "pk").prefetch_related("actions"))
        actions = [
            action
            for goal in goals
            for action in sorted(goal.actions.all(), key=lambda a: (a.position, a.pk))
            if action.status != Action.Status.DROPPED
        ]
        return plan, goals, actions

    def _render(
        self, request: HttpRequest, link: SelfReviewLink, plan: Any, goals: list, form: Any
    ) -> HttpResponse:
        numbers = {action.pk: n for n, action in enumerate(form.actions, start=1)}
        sections = []
        for goal in goals:
            rows = [
                {
                    "action": action,
                    "number": numbers[action.pk],
                    "status": form[f"status_{action.pk}"],
                    "progress": form[f"progress_{action.pk}"],
                    "note": form[f"note_{action.pk}"],
                }
                for action in sorted(goal.actions.all(), key=lambda a: (a.position, a.pk))
                if action.pk in numbers
            ]
            sections.append({"goal": goal, "rows": rows})
        return render(
            request,
            "monitoring/self_review_signed.html",
            {
                "link": link,
                "organisation": link.engagement.organisation,
                "plan": plan,
                "sections": sections,
                "form": form,
            },
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._link(request, token, "view")
        if isinstance(found, HttpResponse):
            return found
        plan, goals, actions = self._actions(found)
        return self._render(request, found, plan, goals, SelfReviewForm(actions=actions))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._link(request, token, "submit")
        if isinstance(found, HttpResponse):
            return found
        plan, goals, actions = self._actions(found)
        form = SelfReviewForm(request.POST, actions=actions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.self_review_submit(
                    link=found,
                    action_updates=form.action_updates(),
                    support_rating=data["support_rating"],
                    progress_comment=data["progress_comment"],
                    improvements=data["improvements"],
                    concern_summary=data["concern"],
                    submitted_by_name=data["submitted_by_name"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect("monitoring:self-review-thanks", token)
        return self._render(request, found, plan, goals, form)


class SelfReviewThanksView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        link = _find_link(request, token)
        if isinstance(link, HttpResponse):
            return link
        return render(
            request,
            "monitoring/self_review_thanks.html",
            {"organisation": link.engagement.organisation},
        )


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/self-review/",
        EngagementSelfReviewsView.as_view(),
        name="engagement-self-reviews",
    ),
    path(
        "self-review-links/<int:pk>/revoke/",
        LinkRevokeView.as_view(),
        name="self-review-link-revoke",
    ),
    path("self-reviews/<int:pk>/", SelfReviewDetailView.as_view(), name="self-review-detail"),
    path("review/<str:token>/", SelfReviewSignedView.as_view(), name="self-review-signed"),
    path("review/<str:token>/thanks/", SelfReviewThanksView.as_view(), name="self-review-thanks"),
]
