"""Pages for reviews (000 req 1): an engagement's reviews, recording one (progress on each goal
and action with the client's own self-review beside it, concerns and programme changes), a
review's page, correcting a review (its narrative, ratings and dates, with a reason), and the
due and overdue lists for advisers and managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views import View

from waypoint.clients.models import Person
from waypoint.core.models import RoleAssignment, User
from waypoint.core.periods import local_date
from waypoint.core.permissions import policy_for
from waypoint.core.selectors import domain_events_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Action, Engagement, Goal
from waypoint.delivery.selectors import caseload_scopes
from waypoint.delivery.services.interactions import current_agreement
from waypoint.delivery.views.agreements import engagement_url
from waypoint.monitoring import selectors_reviews as selectors
from waypoint.monitoring.models import Concern, Review
from waypoint.monitoring.selectors_self_reviews import latest_unconsidered, updates_with_actions
from waypoint.monitoring.selectors_settings import settings_for
from waypoint.monitoring.services.reviews import (
    CORRECTABLE_FIELDS,
    CORRECTION_CLOSED,
    review_correct,
    review_record,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
ROWS = 3  # blank concern and programme-change rows offered on the form
RATING = [("", "Not given"), *[(n, str(n)) for n in range(1, 6)]]
RECOMMEND = [("", "Not given"), *[(n, str(n)) for n in range(11)]]
SCOPE_LABELS = {"mine": "Mine", "team": "My team's", "organisation": "My organisation's"}
CLOSED = "This engagement is closed: no more reviews are recorded on it."
WITHIN_CHOICES = [(7, "7 days"), (14, "14 days"), (28, "28 days"), (60, "60 days")]


# Forms -----------------------------------------------------------------------------------------


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


class ReviewForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=DATE_INPUT)
    depth = forms.ChoiceField(label="Depth", choices=Review.Depth.choices, widget=forms.RadioSelect)
    staff = forms.ModelMultipleChoiceField(
        label="Staff who took part",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    client_people = forms.ModelMultipleChoiceField(
        label="The client's people present",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others_present = forms.CharField(label="Others present", max_length=300, required=False)
    client_rating = forms.TypedChoiceField(
        label="The client's rating of progress (1 to 5)",
        choices=RATING,
        coerce=int,
        empty_value=None,
        required=False,
    )
    adviser_rating = forms.TypedChoiceField(
        label="Your rating of progress (1 to 5)",
        choices=RATING,
        coerce=int,
        empty_value=None,
        required=False,
    )
    went_well = forms.CharField(label="What went well", widget=TEXTAREA, required=False)
    went_badly = forms.CharField(label="What did not go well", widget=TEXTAREA, required=False)
    learnt = forms.CharField(label="What was learnt", widget=TEXTAREA, required=False)
    satisfaction = forms.TypedChoiceField(
        label="The client's satisfaction with the support (1 to 5)",
        choices=RATING,
        coerce=int,
        empty_value=None,
        required=False,
    )
    recommend = forms.TypedChoiceField(
        label="How likely the client is to recommend the service (0 to 10)",
        choices=RECOMMEND,
        coerce=int,
        empty_value=None,
        required=False,
    )
    next_review_on = forms.DateField(
        label="Next review agreed for",
        widget=DATE_INPUT,
        required=False,
        help_text="Leave empty to follow the agreed frequency.",
    )
    consider_self_review = forms.BooleanField(
        label="The client's self-review was considered at this review",
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff_ids = RoleAssignment.objects.filter(
            organisation_id=engagement.organisation_id
        ).values("user_id")
        staff = self.fields["staff"]
        people = self.fields["client_people"]
        assert isinstance(staff, forms.ModelMultipleChoiceField)
        assert isinstance(people, forms.ModelMultipleChoiceField)
        staff.queryset = User.objects.filter(pk__in=staff_ids, is_active=True).order_by(
            "first_name", "last_name"
        )
        people.queryset = Person.objects.filter(client_id=engagement.client_id)


class ReviewCorrectForm(ReviewForm):
    """The review's own fields, prefilled, and why they are corrected. Progress on goals and
    actions, concerns and programme changes are not here: they have their own records."""

    reason = forms.CharField(
        label="Why it is corrected",
        widget=TEXTAREA,
        help_text="Kept with the review's history, e.g. “The wrong rating was chosen.”",
        error_messages={"required": "Say why the review is corrected."},
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, engagement=review.engagement, **kwargs)
        del self.fields["consider_self_review"]
        self.fields["adviser_rating"].label = "The adviser's rating of progress (1 to 5)"
        self.fields["next_review_on"].help_text = "Empty: it follows the agreed frequency."
        # Whoever took part stays a choice, even if they have since left the organisation.
        staff = self.fields["staff"]
        assert isinstance(staff, forms.ModelMultipleChoiceField)
        members = RoleAssignment.objects.filter(organisation_id=review.organisation_id)
        staff.queryset = (
            User.objects.filter(pk__in=members.values("user_id"), is_active=True)
            | User.objects.filter(pk__in=review.staff.values("pk"))
        ).order_by("first_name", "last_name")

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CORRECTABLE_FIELDS}


class GoalRowForm(forms.Form):
    measured_value = forms.DecimalField(
        label="Measured value now", max_digits=14, decimal_places=2, required=False
    )
    note = forms.CharField(label="Note", max_length=2000, required=False)


class ActionRowForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)
    progress = forms.IntegerField(label="Progress (%)", min_value=0, max_value=100)
    note = forms.CharField(
        label="Note",
        max_length=2000,
        required=False,
        help_text="Needed when the action is now blocked or dropped: say why.",
    )


class ConcernRowForm(forms.Form):
    summary = forms.CharField(
        label="The concern", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    about = forms.ChoiceField(
        label="About", choices=[("", "Choose"), *Concern.About.choices], required=False
    )
    severity = forms.ChoiceField(
        label="Severity", choices=Concern.Severity.choices, initial="medium", required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("summary", "").strip() and not data.get("about"):
            self.add_error("about", "Say what the concern is about.")
        return data

    @property
    def filled(self) -> bool:
        return bool(self.cleaned_data.get("summary", "").strip())


class ChangeRowForm(forms.Form):
    what_changed = forms.CharField(
        label="What changes", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    why = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    effective_from = forms.DateField(label="From", widget=DATE_INPUT, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("what_changed", "").strip() and not data.get("why", "").strip():
            self.add_error("why", "Say why it changes.")
        return data

    @property
    def filled(self) -> bool:
        return bool(self.cleaned_data.get("what_changed", "").strip())


class ReviewPage:
    """The record-a-review form: the main form plus a row form per goal, per action, and
    blank concern and programme-change rows."""

    def __init__(self, engagement: Engagement, data: Any = None, initial: Any = None) -> None:
        self.engagement = engagement
        self.form = ReviewForm(data, engagement=engagement, initial=initial)
        goals = list(
            Goal.objects.filter(plan__engagement=engagement)
            .prefetch_related("actions")
            .order_by("position", "pk")
        )
        self.goals = []
        for number, goal in enumerate(goals, start=1):
            goal_form = GoalRowForm(data, prefix=f"goal-{goal.pk}")
            actions = [
                (
                    action,
                    ActionRowForm(
                        data,
                        prefix=f"action-{action.pk}",
                        initial={"status": action.status, "progress": action.progress},
                    ),
                )
                for action in goal.actions.all()
            ]
            self.goals.append(
                {"number": number, "goal": goal, "form": goal_form, "actions": actions}
            )
        self.concerns = [ConcernRowForm(data, prefix=f"concern-{n}") for n in range(1, ROWS + 1)]
        self.changes = [ChangeRowForm(data, prefix=f"change-{n}") for n in range(1, ROWS + 1)]

    def all_forms(self) -> list[forms.Form]:
        rows: list[forms.Form] = [self.form]
        for entry in self.goals:
            rows.append(entry["form"])
            rows.extend(form for _, form in entry["actions"])
        return [*rows, *self.concerns, *self.changes]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.all_forms()]  # every row, for every error
        return all(results)

    def errors(self) -> list[Any]:
        """Every error, naming its field and row, for the summary at the top of the form."""
        found = [
            f"{self.form.fields[name].label}: {error}" if name != "__all__" else error
            for name, errors in self.form.errors.items()
            for error in errors
        ]
        for entry in self.goals:
            found += self._row_errors(entry["form"], f"Goal {entry['number']}")
            for action, form in entry["actions"]:
                found += self._row_errors(form, f"Action “{action.description[:40]}”")
        for number, form in enumerate(self.concerns, start=1):
            found += self._row_errors(form, f"Concern {number}")
        for number, form in enumerate(self.changes, start=1):
            found += self._row_errors(form, f"Programme change {number}")
        return found

    @staticmethod
    def _row_errors(form: Any, row: str) -> list[str]:
        return [
            f"{row}, {form.fields[name].label.lower() if name in form.fields else ''}: {error}"
            for name, errors in form.errors.items()
            for error in errors
        ]

    def service_arguments(self, self_review: Any) -> dict[str, Any]:
        data = dict(self.form.cleaned_data)
        consider = data.pop("consider_self_review")
        goal_progress = []
        action_progress = []
        for entry in self.goals:
            row = entry["form"].cleaned_data
            if row["measured_value"] is not None or row["note"].strip():
                goal_progress.append({"goal": entry["goal"], **row})
            for action, form in entry["actions"]:
                action_progress.append({"action": action, **form.cleaned_data})
        return {
            **data,
            "goal_progress": goal_progress,
            "action_progress": action_progress,
            "concerns": [form.cleaned_data for form in self.concerns if form.filled],
            "programme_changes": [form.cleaned_data for form in self.changes if form.filled],
            "self_review": self_review if consider else None,
        }


# Pages -----------------------------------------------------------------------------------------


class ReviewViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _engagement(request: HttpRequest, pk: int, action: str = "view") -> Engagement:
    engagement: Engagement = get_object_for(request.user, Engagement, action, pk=pk)
    return engagement


class EngagementReviewsView(ReviewViewMixin, View):
    """The engagement's reviews, newest first, with when each was due and whether it was on
    time, and the schedule as it stands."""

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk)
        settings = settings_for(engagement.programme)
        reviews = list(selectors.reviews_for(user=request.user).filter(engagement=engagement))
        rows = [
            (review, selectors.review_timeliness(review, settings=settings)) for review in reviews
        ]
        page = Paginator(rows, 25).get_page(request.GET.get("page"))
        return render(
            request,
            "monitoring/review_list.html",
            {
                "engagement": engagement,
                "engagement_url": engagement_url(engagement),
                "schedule": selectors.review_schedule(engagement),
                "page": page,
                "can_record": engagement.is_open
                and policy_for(Engagement).allows(request.user, "change", engagement),
            },
        )


class ReviewCreateView(ReviewViewMixin, View):
    """Record a review: the form shows each goal with its baseline and target, each action
    prefilled from the plan, and the client's latest self-review beside it (000 reqs 1, 3)."""

    def _render(
        self, request: HttpRequest, engagement: Engagement, page: ReviewPage, self_review: Any
    ) -> HttpResponse:
        agreement = current_agreement(engagement)
        return render(
            request,
            "monitoring/review_form.html",
            {
                "engagement": engagement,
                "page": page,
                "form": page.form,
                "errors": page.errors() if page.form.is_bound else [],
                "self_review": self_review,
                "self_review_updates": updates_with_actions(self_review) if self_review else [],
                "agreement": agreement,
                "schedule": selectors.review_schedule(engagement),
                "cancel_url": engagement_url(engagement),
            },
        )

    def _setup(self, request: HttpRequest, engagement_pk: int) -> tuple[Engagement, Any]:
        engagement = _engagement(request, engagement_pk, "change")
        return engagement, latest_unconsidered(engagement)

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement, self_review = self._setup(request, engagement_pk)
        if not engagement.is_open:
            messages.error(request, CLOSED)
            return redirect(engagement_url(engagement))
        agreement = current_agreement(engagement)
        initial = {
            "held_on": local_date(timezone.now(), engagement.organisation.time_zone),
            "staff": [request.user.pk],
            "depth": agreement.review_depth if agreement else Review.Depth.STANDARD,
        }
        return self._render(
            request, engagement, ReviewPage(engagement, initial=initial), self_review
        )

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement, self_review = self._setup(request, engagement_pk)
        if not engagement.is_open:
            messages.error(request, CLOSED)
            return redirect(engagement_url(engagement))
        page = ReviewPage(engagement, data=request.POST)
        if page.is_valid():
            try:
                review = review_record(
                    engagement=engagement,
                    acting_user=request.user,
                    **page.service_arguments(self_review),
                )
            except ValidationError as error:
                apply_validation_error(page.form, error)
            else:
                messages.success(request, f"{review} recorded.")
                return redirect(review)
        return self._render(request, engagement, page, self_review)


def _corrections(review: Review) -> list[dict[str, Any]]:
    """The review's corrections, newest first: when, by whom, which fields and why."""
    return [
        {
            "on": event.occurred_at,
            "by": event.actor_name,
            "fields": list(event.data.get("fields", [])),
            "reason": str(event.data.get("reason", "")),
        }
        for event in domain_events_for(obj=review).filter(verb="review.corrected")
    ]


class ReviewDetailView(ReviewViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_for(request.user, Review, "view", pk=pk)  # 404 out of scope
        review = selectors.review_with_progress(user=request.user, pk=pk)
        assert review is not None
        policy = policy_for(Review)
        return render(
            request,
            "monitoring/review_detail.html",
            {
                "review": review,
                "engagement": review.engagement,
                "engagement_url": engagement_url(review.engagement),
                "timeliness": selectors.review_timeliness(review),
                "can_audit": policy.allows(request.user, "audit", review),
                "can_correct": review.engagement.is_open
                and policy.allows(request.user, "change", review),
                "corrections": _corrections(review),
            },
        )


class ReviewCorrectView(ReviewViewMixin, View):
    """Correct a review's narrative, ratings and dates, saying why: the recorder or a manager,
    while the engagement is open."""

    def _review(self, request: HttpRequest, pk: int) -> Review:
        # 404 out of scope; 403 for someone who sees it but may not correct it.
        review: Review = get_object_for(request.user, Review, "change", pk=pk)
        return review

    def _render(
        self, request: HttpRequest, review: Review, form: ReviewCorrectForm
    ) -> HttpResponse:
        return render(
            request,
            "monitoring/review_correct.html",
            {
                "review": review,
                "engagement": review.engagement,
                "engagement_url": engagement_url(review.engagement),
                "form": form,
                "cancel_url": review.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = self._review(request, pk)
        if not review.engagement.is_open:
            messages.error(request, CORRECTION_CLOSED)
            return redirect(review)
        initial: dict[str, Any] = {name: getattr(review, name) for name in CORRECTABLE_FIELDS}
        initial["staff"] = list(review.staff.values_list("pk", flat=True))
        initial["client_people"] = list(review.client_people.values_list("pk", flat=True))
        return self._render(request, review, ReviewCorrectForm(initial=initial, review=review))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = self._review(request, pk)
        if not review.engagement.is_open:
            messages.error(request, CORRECTION_CLOSED)
            return redirect(review)
        form = ReviewCorrectForm(request.POST, review=review)
        if form.is_valid():
            try:
                corrected = review_correct(
                    review=review,
                    acting_user=request.user,
                    reason=form.cleaned_data["reason"],
                    **form.changes(),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{corrected} corrected.")
                return redirect(corrected)
        return self._render(request, review, form)


class ScheduleTable(tables.Table):
    client = tables.Column(
        accessor="engagement__client",
        linkify=lambda record: engagement_url(record.engagement),
        orderable=False,
    )
    programme = tables.Column(accessor="engagement__programme", orderable=False)
    adviser = tables.Column(
        accessor="engagement__lead_adviser", verbose_name="Lead adviser", orderable=False
    )
    next_due = tables.DateColumn(verbose_name="Due on", format="j M Y", orderable=False)
    state = tables.Column(accessor="state_text", verbose_name="Where it stands", orderable=False)
    last_review = tables.Column(
        accessor="last_review__held_on",
        verbose_name="Last review",
        orderable=False,
        default="None yet",
    )

    class Meta:
        empty_text = "No reviews match."

    def render_last_review(self, value: dt.date) -> str:
        return selectors.day_text(value)


class DueFilterForm(forms.Form):
    view = forms.ChoiceField(label="Whose caseload", required=False)
    state = forms.ChoiceField(
        label="Where it stands",
        required=False,
        choices=[("", "Overdue, due or upcoming")]
        + [(state, selectors.STATE_LABELS[state]) for state in selectors.STATES],
    )
    within = forms.TypedChoiceField(
        label="Upcoming within",
        choices=WITHIN_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, scopes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["view"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(scope, SCOPE_LABELS[scope]) for scope in scopes]


class ReviewsDueView(ReviewViewMixin, View):
    """Reviews overdue, due now and coming up: the adviser's own; a manager chooses their
    team's or organisation's."""

    def get(self, request: HttpRequest) -> HttpResponse:
        scopes = caseload_scopes(user=request.user)
        form = DueFilterForm(request.GET or None, scopes=scopes)
        scope, state, within = "mine", "", 14
        if form.is_bound and form.is_valid():
            scope = form.cleaned_data["view"] or "mine"
            state = form.cleaned_data["state"]
            within = form.cleaned_data["within"] or 14
        schedules = selectors.reviews_due(request.user, within_days=within, scope=scope)
        counts = {key: sum(1 for s in schedules if s.state == key) for key in selectors.STATES}
        if state:
            schedules = [s for s in schedules if s.state == state]
        table = ScheduleTable(schedules)
        tables.RequestConfig(request, paginate={"per_page": 25}).configure(table)
        return render(
            request,
            "monitoring/review_due.html",
            {
                "form": form,
                "table": table,
                "scope": scope,
                "show_scopes": len(scopes) > 1,
                "counts": counts,
            },
        )


urlpatterns = [
    path("reviews/due/", ReviewsDueView.as_view(), name="reviews-due"),
    path("reviews/<int:pk>/", ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<int:pk>/correct/", ReviewCorrectView.as_view(), name="review-correct"),
    path(
        "engagements/<int:engagement_pk>/reviews/",
        EngagementReviewsView.as_view(),
        name="engagement-reviews",
    ),
    path(
        "engagements/<int:engagement_pk>/reviews/new/",
        ReviewCreateView.as_view(),
        name="review-create",
    ),
]
