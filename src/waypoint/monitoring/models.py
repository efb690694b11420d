"""Monitoring the performance of the support for each client (reference/000 reqs 1 to 8).

Reviews held as agreed (req 1), the client's own review of their progress (req 3), the effect on
their business (req 4), concerns raised and dealt with by whoever is responsible (reqs 5, 6),
infringements reported (req 7) and changes to the programme agreed with the client (req 8).
Settings per programme (review calendar, time limits, subsidy rate and limit, follow-ups) are in
``MonitoringSettings``.
"""

from __future__ import annotations

import decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from waypoint.clients.models import Client, Person
from waypoint.core.models import BaseModel, Organisation
from waypoint.delivery.models import (
    Action,
    ActionStatus,
    Agreement,
    Engagement,
    Goal,
    Programme,
    ReviewDepth,
)

USER = settings.AUTH_USER_MODEL
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]
# The UK's Minimal Financial Assistance threshold (Subsidy Control Act 2022, s.36): £315,000
# over the current and the two previous financial years.
MINIMAL_FINANCIAL_ASSISTANCE = decimal.Decimal("315000.00")


# Programme settings ----------------------------------------------------------------------------


class ReviewMode(models.TextChoices):
    AGREEMENT = "agreement", "As agreed with each client"
    CALENDAR = "calendar", "A fixed calendar for every client"


class MonitoringSettings(BaseModel):
    """How a programme is monitored. One per programme; created with defaults when first read."""

    Mode = ReviewMode

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="monitoring_settings"
    )
    review_mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.AGREEMENT)
    calendar_every_months = models.PositiveSmallIntegerField(
        "calendar: every (months)",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="With a fixed calendar: reviews every this many months...",
    )
    calendar_starts_on = models.DateField(
        "calendar: from", null=True, blank=True, help_text="...counted from this date."
    )
    on_time_days = models.PositiveSmallIntegerField(
        "on-time window (days either side)", default=7, validators=[MaxValueValidator(60)]
    )
    remind_days_before = models.PositiveSmallIntegerField(
        "remind this many days before a review", default=3, validators=[MaxValueValidator(30)]
    )
    acknowledge_concern_days = models.PositiveSmallIntegerField(
        "days to acknowledge a concern", default=5, validators=[MinValueValidator(1)]
    )
    resolve_concern_days = models.PositiveSmallIntegerField(
        "days to resolve a concern", default=20, validators=[MinValueValidator(1)]
    )
    adviser_hourly_rate = models.DecimalField(
        "value of an hour of support (£)",
        max_digits=8,
        decimal_places=2,
        default=decimal.Decimal("75.00"),
        validators=[MinValueValidator(0)],
        help_text="Used to value the support each client receives, for subsidy limits.",
    )
    subsidy_limit = models.DecimalField(
        "support limit per client (£)",
        max_digits=12,
        decimal_places=2,
        default=MINIMAL_FINANCIAL_ASSISTANCE,
        validators=[MinValueValidator(0)],
        help_text="Over the current and two previous UK financial years. Default: the UK "
        "Minimal Financial Assistance threshold.",
    )
    follow_up_months = models.CharField(
        "outcome follow-ups (months after closure)",
        max_length=50,
        default="6,12",
        help_text="Comma-separated, e.g. 6,12. For individuals, 3,6 gives 13 and 26 weeks.",
    )

    class Meta:
        verbose_name_plural = "monitoring settings"

    def __str__(self) -> str:
        return f"Monitoring of {self.programme}"

    @property
    def follow_ups(self) -> list[int]:
        return [int(part) for part in self.follow_up_months.split(",") if part.strip()]

    def clean(self) -> None:
        try:
            months = self.follow_ups
        except ValueError:
            raise ValidationError(
                {"follow_up_months": "Give whole months separated by commas, e.g. 6,12."}
            ) from None
        if any(m < 1 or m > 60 for m in months) or len(set(months)) != len(months):
            raise ValidationError(
                {"follow_up_months": "Each follow-up is 1 to 60 months, each given once."}
            )
        if self.review_mode == ReviewMode.CALENDAR and self.calendar_starts_on is None:
            raise ValidationError({"calendar_starts_on": "Say when the calendar starts."})


# Reviews ---------------------------------------------------------------------------------------


class Review(BaseModel):
    """A review of the client's progress, held as agreed (000 req 1; 004 d, h, i)."""

    Depth = ReviewDepth

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    due_on = models.DateField("was due on", null=True, blank=True)
    held_on = models.DateField()
    depth = models.CharField(max_length=10, choices=Depth.choices)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviews_taken_part"
    )
    client_people = models.ManyToManyField(Person, blank=True, related_name="reviews")
    others_present = models.CharField(max_length=300, blank=True)
    client_rating = models.PositiveSmallIntegerField(
        "the client's rating of progress", null=True, blank=True, validators=ONE_TO_FIVE
    )
    adviser_rating = models.PositiveSmallIntegerField(
        "the adviser's rating of progress", null=True, blank=True, validators=ONE_TO_FIVE
    )
    went_well = models.TextField("what went well", blank=True)
    went_badly = models.TextField("what did not go well", blank=True)
    learnt = models.TextField("what was learnt", blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "satisfaction (1 to 5)", null=True, blank=True, validators=ONE_TO_FIVE
    )
    recommend = models.PositiveSmallIntegerField(
        "likely to recommend (0 to 10)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    next_review_on = models.DateField("next review", null=True, blank=True)
    self_review = models.ForeignKey(
        "SelfReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
        help_text="The client's own review considered at this review.",
    )
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["engagement", "held_on"])]

    def __str__(self) -> str:
        return f"Review on {self.held_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:review-detail", args=[self.pk])

    def clean(self) -> None:
        if self.next_review_on is not None and self.next_review_on <= self.held_on:
            raise ValidationError({"next_review_on": "The next review comes after this one."})


class GoalProgress(BaseModel):
    """Where a goal stood at a review: the measured value against baseline and target."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="goal_progress")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress_at_reviews")
    measured_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "goal__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="monitoring_goal_once_a_review")
        ]

    def __str__(self) -> str:
        return f"{self.goal} at {self.review}"


class ActionProgress(BaseModel):
    """Where an action stood at a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="action_progress")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress_at_reviews")
    status = models.CharField(max_length=12, choices=ActionStatus.choices)
    progress = models.PositiveSmallIntegerField(default=0, validators=PERCENT)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "action__goal__position", "action__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "action"], name="monitoring_action_once_a_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.review}"


# The client's self-review ----------------------------------------------------------------------


class SelfReviewLink(BaseModel):
    """A signed link for the client to review their own progress (000 req 3). It expires and
    can be revoked; the token carries only this row's id."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="self_review_links"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True, help_text="Where the link was emailed, if it was.")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Self-review link for {self.engagement.client}"


class SelfReview(BaseModel):
    """What the client said through the link: progress on their actions, their rating of the
    support, concerns and suggested improvements (000 reqs 3, 5)."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="self_reviews"
    )
    link = models.ForeignKey(
        SelfReviewLink, null=True, on_delete=models.SET_NULL, related_name="self_reviews"
    )
    submitted_at = models.DateTimeField()
    action_updates = models.JSONField(
        default=list, blank=True, help_text="[{action, status, progress, note}] as submitted."
    )
    support_rating = models.PositiveSmallIntegerField(
        "rating of the support (1 to 5)", null=True, blank=True, validators=ONE_TO_FIVE
    )
    progress_comment = models.TextField("how it is going, in the client's words", blank=True)
    improvements = models.TextField("suggested improvements", blank=True)
    submitted_by_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"Self-review of {self.submitted_at:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:self-review-detail", args=[self.pk])


# Outcomes and impact ---------------------------------------------------------------------------


class MeasureKind(models.TextChoices):
    NUMBER = "number", "A number"
    MONEY = "money", "An amount of money (£)"
    YES_NO = "yes_no", "Yes or no"


class OutcomeMeasure(BaseModel):
    """What a programme measures of its clients' results (000 req 4)."""

    Kind = MeasureKind

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="outcome_measures"
    )
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    unit = models.CharField(max_length=30, blank=True, help_text='e.g. "FTE", "£", "hours a week".')
    audience = models.CharField(
        max_length=12, choices=[("business", "Businesses"), ("individual", "Individuals")]
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["programme", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "key"],
                name="monitoring_measure_key_once_per_programme",
                violation_error_message="This programme already has a measure with that key.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OutcomeFollowUp(BaseModel):
    """A scheduled look at the client's results after the engagement closed."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="outcome_follow_ups"
    )
    months_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["engagement", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "months_after"], name="monitoring_follow_up_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.months_after}-month follow-up"


class Evidence(models.TextChoices):
    SELF_DECLARED = "self_declared", "Self-declared by the client"
    DOCUMENT = "document", "Document seen (accounts, payroll, contract)"
    THIRD_PARTY = "third_party", "Third-party data"


class OutcomeValue(BaseModel):
    """A figure for one measure: the baseline (no follow-up) or at a follow-up, with its
    evidence and the shares that turn a gross change into net additional impact."""

    Evidence = Evidence

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="outcome_values"
    )
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="values")
    follow_up = models.ForeignKey(
        OutcomeFollowUp,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="values",
        help_text="Empty for the baseline, taken at the agreement.",
    )
    value = models.DecimalField(max_digits=14, decimal_places=2)
    recorded_on = models.DateField()
    evidence = models.CharField(max_length=14, choices=Evidence.choices)
    attribution = models.PositiveSmallIntegerField(
        "attribution (%)",
        default=100,
        validators=PERCENT,
        help_text="The share of the change the client puts down to the support.",
    )
    deadweight = models.PositiveSmallIntegerField(
        "deadweight (%)",
        default=0,
        validators=PERCENT,
        help_text="The share that would have happened anyway.",
    )
    displacement = models.PositiveSmallIntegerField(
        "displacement (%)",
        default=0,
        validators=PERCENT,
        help_text="The share taken from other local businesses.",
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["engagement", "measure__position", "follow_up__due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "measure", "follow_up"],
                name="monitoring_value_once_per_point",
            ),
            models.UniqueConstraint(
                fields=["engagement", "measure"],
                condition=models.Q(follow_up__isnull=True),
                name="monitoring_one_baseline_per_measure",
                violation_error_message="This measure already has a baseline.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.value}"


# Concerns --------------------------------------------------------------------------------------


class ConcernSource(models.TextChoices):
    CLIENT = "client", "The client"
    ADVISER = "adviser", "An adviser or mentor"
    PARTNER = "partner", "A partner organisation"
    MANAGER = "manager", "A manager"


class ConcernAbout(models.TextChoices):
    SERVICE = "service", "The service"
    ADVISER = "adviser", "An adviser or mentor"
    REFERRAL_PARTNER = "referral_partner", "A referral partner"
    DELAY = "delay", "A delay"
    DATA = "data", "Data or records"
    OTHER = "other", "Something else"


class ConcernSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    SERIOUS = "serious", "Serious"


class ConcernStatus(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Being investigated"
    REFERRED = "referred", "Referred on"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Concern(BaseModel):
    """A concern or problem with the support (000 reqs 5, 6): raised, owned, investigated
    within the owner's responsibility or referred beyond it, resolved and the client told."""

    Source = ConcernSource
    About = ConcernAbout
    Severity = ConcernSeverity
    Status = ConcernStatus

    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="concerns"
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    source = models.CharField("raised by", max_length=10, choices=Source.choices)
    raised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by_name = models.CharField(max_length=200, blank=True)
    raised_on = models.DateField()
    about = models.CharField(max_length=20, choices=About.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    summary = models.TextField("the concern")
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_concerns"
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.RAISED)
    acknowledged_on = models.DateField(null=True, blank=True)
    within_responsibility = models.BooleanField(
        "within the owner's responsibility", null=True, blank=True
    )
    referred_to = models.CharField(
        max_length=200, blank=True, help_text="The named person, role or organisation."
    )
    referred_to_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="When referred to an organisation in Waypoint (e.g. the commissioner).",
    )
    referred_on = models.DateField(null=True, blank=True)
    referral_reason = models.TextField("why it was referred", blank=True)
    referral_response = models.TextField("their response", blank=True)
    investigation = models.TextField(blank=True)
    cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    client_told_on = models.DateField("client told on", null=True, blank=True)
    client_told_how = models.CharField("how the client was told", max_length=200, blank=True)
    client_satisfaction = models.PositiveSmallIntegerField(
        "client's satisfaction with the handling (1 to 5)",
        null=True,
        blank=True,
        validators=ONE_TO_FIVE,
    )
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns"
    )
    self_review = models.ForeignKey(
        SelfReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns"
    )

    class Meta:
        ordering = ["-raised_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"Concern of {self.raised_on:%d %b %Y}: {self.summary[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:concern-detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.engagement_id is None and self.programme_id is None:
            errors["programme"] = "Say which engagement or programme the concern is about."
        if self.status == ConcernStatus.REFERRED and not self.referred_to.strip():
            errors["referred_to"] = "Name the person, role or organisation it is referred to."
        if self.resolved_on and self.resolved_on < self.raised_on:
            errors["resolved_on"] = "A concern cannot be resolved before it was raised."
        if errors:
            raise ValidationError(errors)


class ConcernAction(BaseModel):
    """An action taken on a concern, with its owner and due date."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_name = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["concern", "due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:80]


# Compliance and subsidy ------------------------------------------------------------------------


class ComplianceCategory(models.TextChoices):
    DATA_PROTECTION = "data_protection", "Legislation: data protection"
    EQUALITY = "equality", "Legislation: equality"
    OTHER_LEGISLATION = "other_legislation", "Legislation: other"
    ADVISORY_REGULATION = "advisory_regulation", "Advisory regulation (e.g. regulated advice)"
    SUBSIDY_CONTROL = "subsidy_control", "Subsidy control"
    GUIDELINES = "guidelines", "Organisational guidelines"
    CODE_OF_ETHICS = "code_of_ethics", "Code of ethics"


class ComplianceStatus(models.TextChoices):
    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"


class ComplianceReport(BaseModel):
    """An infringement of legislation, advisory regulation or guidelines, reported (000 req 7)."""

    Category = ComplianceCategory
    Status = ComplianceStatus

    category = models.CharField(max_length=20, choices=Category.choices)
    what_happened = models.TextField()
    occurred_on = models.DateField()
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_to = models.CharField(max_length=200, blank=True)
    reported_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True)
    lessons = models.TextField("lessons learnt", blank=True)
    reported_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-occurred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} on {self.occurred_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:compliance-detail", args=[self.pk])


class Grant(BaseModel):
    """Money given to a client under a programme: it counts towards their support value."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="grants")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    awarded_on = models.DateField()
    description = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-awarded_on", "-pk"]

    def __str__(self) -> str:
        return f"£{self.amount:,.2f} on {self.awarded_on:%d %b %Y}"


# Programme changes -----------------------------------------------------------------------------


class ProgrammeChange(BaseModel):
    """A change to a client's programme of support, agreed with them (000 req 8)."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="programme_changes"
    )
    what_changed = models.TextField()
    why = models.TextField()
    effective_from = models.DateField()
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="programme_changes"
    )
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.SET_NULL, related_name="programme_changes"
    )
    agreed_with_client = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-effective_from", "-pk"]

    def __str__(self) -> str:
        return f"Change from {self.effective_from:%d %b %Y}"


class ReminderSent(BaseModel):
    """A reminder already sent, so that the scheduled job sends each one once."""

    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=100)
    sent_at = models.DateTimeField()
    to = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "to"], name="monitoring_remind_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} to {self.to}"
