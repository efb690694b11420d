"""Programmes, the service directory, engagements, agreements and the contact log.

References: 001 E5.07 (agreeing roles, responsibilities and limits; maintaining contact; modes
of consulting; conditions for accepting clients; records of client contact), 004 a, d, g, k, n
(mentoring agreements, review frequency, advice versus mentoring, confidentiality, records) and
000 req 1 (agree how often progress is reviewed and in how much detail).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from waypoint.clients.models import Client, Person
from waypoint.core.models import BaseModel, Organisation
from waypoint.core.periods import Period


class ReviewUnit(models.TextChoices):
    DAYS = "days", "days"
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"


class ReviewDepth(models.TextChoices):
    # 000 req 1: agree how often to review progress *and in how much detail*.
    LIGHT = "light", "Light"
    STANDARD = "standard", "Standard"
    IN_DEPTH = "in_depth", "In-depth"


REVIEW_DEPTH_COVERS = {
    ReviewDepth.LIGHT: "A short check-in: is the plan on track, any blockers, next contact.",
    ReviewDepth.STANDARD: "Progress against each goal and action, the client's own rating, "
    "concerns, and any changes to the plan.",
    ReviewDepth.IN_DEPTH: "Everything in a standard review, plus the effect on the business "
    "(turnover, jobs, other outcomes), the support received so far, and whether the "
    "agreement still fits.",
}


def review_interval_days(every: int, unit: str) -> int:
    """The review interval in days (a month counts as 30 days for scheduling)."""
    return (
        every * {ReviewUnit.DAYS: 1, ReviewUnit.WEEKS: 7, ReviewUnit.MONTHS: 30}[ReviewUnit(unit)]
    )


class Programme(BaseModel):
    """A programme of support: owned by ``organisation`` (usually a commissioner)."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    funding_source = models.CharField(max_length=200, blank=True)
    priorities = models.TextField(
        "local or regional priorities",
        blank=True,
        help_text="The priorities the programme serves, e.g. rural businesses, green growth.",
    )
    delivering_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="delivered_programmes",
        help_text="Providers that deliver this programme.",
    )
    default_review_every = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1)]
    )
    default_review_unit = models.CharField(
        max_length=10, choices=ReviewUnit.choices, default=ReviewUnit.WEEKS
    )
    default_review_depth = models.CharField(
        max_length=10, choices=ReviewDepth.choices, default=ReviewDepth.STANDARD
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="delivery_programme_unique_name",
                violation_error_message="This organisation already has a programme with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delivery:programme-detail", args=[self.pk])

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The programme cannot end before it starts."})


class EligibilityCondition(BaseModel):
    """One condition on the programme's eligibility checklist (001 E5.07: conditions for
    accepting clients onto different business support services)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="eligibility_conditions"
    )
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class ProgrammeBudget(BaseModel):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budgets")
    period = models.CharField(
        max_length=12, help_text="e.g. 2026/27 (financial year) or 2026/27 Q3 (quarter)."
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["programme", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period"],
                name="delivery_budget_once_per_period",
                violation_error_message="This programme already has a budget for that period.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.period}"

    def clean(self) -> None:
        try:
            self.period = Period.parse(self.period).label
        except ValueError as error:
            raise ValidationError({"period": str(error)}) from None


class Service(BaseModel):
    """An entry in the service and referral directory: internal or an external specialist."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", "Internal service"
        EXTERNAL = "external", "External specialist"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    provider_name = models.CharField(
        "provided by",
        max_length=200,
        blank=True,
        help_text="The organisation or person offering it, when external.",
    )
    offer = models.TextField("what they offer")
    audience = models.CharField("for whom", max_length=300, blank=True)
    cost = models.CharField(max_length=200, blank=True, help_text="e.g. Free, £50 an hour.")
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delivery:service-detail", args=[self.pk])


class Engagement(BaseModel):
    """A client on a programme, delivered by ``organisation`` with a lead adviser."""

    class Status(models.TextChoices):
        ENQUIRY = "enquiry", "Enquiry"
        ELIGIBLE = "eligible", "Eligible"
        AGREEMENT_PENDING = "agreement_pending", "Agreement pending"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class EndReason(models.TextChoices):
        COMPLETED = "completed", "Completed"
        WITHDREW = "withdrew", "Client withdrew"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        REFERRED_ON = "referred_on", "Referred on"
        LOST_CONTACT = "lost_contact", "Lost contact"

    # The lifecycle: from each status, where it may go next.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.ENQUIRY: frozenset({Status.ELIGIBLE, Status.CLOSED}),
        Status.ELIGIBLE: frozenset({Status.AGREEMENT_PENDING, Status.CLOSED}),
        Status.AGREEMENT_PENDING: frozenset({Status.ACTIVE, Status.CLOSED}),
        Status.ACTIVE: frozenset({Status.PAUSED, Status.CLOSED}),
        Status.PAUSED: frozenset({Status.ACTIVE, Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="engagements")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="engagements")
    lead_adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_engagements"
    )
    advisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_engagements",
        help_text="Others working with the client besides the lead adviser.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ENQUIRY)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    enquiry_date = models.DateField()
    eligibility_checked_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField(
        "next review", null=True, blank=True, help_text="The next review agreed at the last review."
    )

    class Meta:
        ordering = ["-enquiry_date", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["lead_adviser", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.client} on {self.programme}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:engagement-detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.status == self.Status.CLOSED and not self.end_reason:
            errors["end_reason"] = "Say why the engagement closed."
        if self.status != self.Status.CLOSED and self.end_reason:
            errors["end_reason"] = "Only a closed engagement has an end reason."
        if self.closed_on and self.closed_on < self.enquiry_date:
            errors["closed_on"] = "An engagement cannot close before the enquiry."
        if errors:
            raise ValidationError(errors)

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def mentoring_session_count(self) -> int:
        return MentoringSession.objects.filter(interaction__engagement=self).count()


class EngagementTransition(BaseModel):
    """Each move through the lifecycle, with its reason: the engagement's history."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Engagement.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Engagement.Status.choices)
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["engagement", "occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class EligibilityCheck(BaseModel):
    """The answer for one condition when eligibility was checked."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="eligibility_checks"
    )
    condition = models.ForeignKey(EligibilityCondition, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "condition"], name="delivery_eligibility_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.condition}: {'met' if self.met else 'not met'}"


class Agreement(BaseModel):
    """What the adviser and client agreed, versioned per engagement (001 E5.07 3.1; 004 a, d).

    A new version supersedes the one before; an accepted version is never changed.
    """

    class Type(models.TextChoices):
        ADVICE = "advice", "Advice"
        MENTORING = "mentoring", "Mentoring"
        COACHING = "coaching", "Coaching"
        EMPLOYMENT_SUPPORT = "employment_support", "Employment support"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OFFERED = "offered", "Offered to the client"
        ACCEPTED = "accepted", "Accepted"
        SUPERSEDED = "superseded", "Superseded"

    class AcceptedVia(models.TextChoices):
        IN_PERSON = "in_person", "Signed in person"
        LINK = "link", "Accepted through the client link"
        EMAIL = "email", "By email"
        PHONE = "phone", "By phone (recorded by the adviser)"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    type = models.CharField(max_length=20, choices=Type.choices)
    adviser_responsibilities = models.TextField("the adviser's role and responsibilities")
    client_responsibilities = models.TextField("the client's role and responsibilities")
    contractual_limits = models.TextField(
        "limits of contractual obligations",
        blank=True,
        help_text="What the support does not cover, and what it cannot promise (001 E5.07 3.1).",
    )
    confidentiality = models.TextField(blank=True)
    availability = models.CharField(
        "availability",
        max_length=300,
        blank=True,
        help_text="When the adviser is available, and how quickly they reply.",
    )
    preferred_channels = models.CharField(max_length=200, blank=True)
    feedback_timing = models.CharField(
        "when feedback is given",
        max_length=300,
        blank=True,
        help_text="e.g. at the end of each session, in writing within a week.",
    )
    review_every = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    review_unit = models.CharField(max_length=10, choices=ReviewUnit.choices)
    review_depth = models.CharField(max_length=10, choices=ReviewDepth.choices)
    planned_duration_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # Mentoring (004 a, d, k; knowledge 5): goals, rules and the code of ethics.
    mentoring_goals = models.TextField(blank=True)
    meeting_frequency = models.CharField(max_length=200, blank=True)
    meeting_places = models.CharField("where to meet", max_length=200, blank=True)
    missed_sessions = models.TextField("if a session is missed", blank=True)
    involving_colleagues = models.TextField(blank=True)
    dealing_with_problems = models.TextField(blank=True)
    code_of_ethics = models.TextField("code of ethics", blank=True)
    # Acceptance
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by_name = models.CharField(max_length=200, blank=True)
    accepted_via = models.CharField(max_length=12, choices=AcceptedVia.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["engagement", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "version"], name="delivery_agreement_version_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Agreement v{self.version} for {self.engagement}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:agreement-detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.type == self.Type.MENTORING:
            for field in ("mentoring_goals", "meeting_frequency", "code_of_ethics"):
                if not getattr(self, field):
                    label = Agreement._meta.get_field(field).verbose_name  # type: ignore[union-attr]
                    errors[field] = f"A mentoring agreement records the {label} (004 a, k)."
        if self.status == self.Status.ACCEPTED and not (self.accepted_at and self.accepted_via):
            errors["accepted_via"] = "Record how and when the client accepted."
        if errors:
            raise ValidationError(errors)

    @property
    def review_interval_days(self) -> int:
        return review_interval_days(self.review_every, self.review_unit)

    @property
    def review_frequency_text(self) -> str:
        unit = self.get_review_unit_display()
        if self.review_every == 1:
            unit = unit.rstrip("s")
        every = "" if self.review_every == 1 else f"{self.review_every} "
        return f"every {every}{unit}"

    @property
    def review_depth_covers(self) -> str:
        return REVIEW_DEPTH_COVERS[ReviewDepth(self.review_depth)]


class Interaction(BaseModel):
    """One contact with the client: the contact log (001 E5.07 1.2, 2.1; 004 g, n)."""

    class Mode(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video call"
        EMAIL = "email", "Email"
        MESSAGE = "message", "Message"
        WORKSHOP = "workshop", "Workshop or event"

    class Place(models.TextChoices):
        OUR_PREMISES = "our_premises", "Our premises"
        CLIENT_PREMISES = "client_premises", "Client's premises"
        ONLINE = "online", "Online"
        OTHER = "other", "Other"

    class ConsultingMode(models.TextChoices):
        # 001 E5.07 indicative content: modes of consulting
        ACCEPTANT = "acceptant", "Acceptant"
        CATALYTIC = "catalytic", "Catalytic"
        CONFRONTATIONAL = "confrontational", "Confrontational"
        PRESCRIPTIVE = "prescriptive", "Prescriptive"

    class SupportType(models.TextChoices):
        ADVICE = "advice", "Advice"
        MENTORING = "mentoring", "Mentoring"

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="interactions"
    )
    occurred_at = models.DateTimeField()
    mode = models.CharField(max_length=20, choices=Mode.choices)
    place = models.CharField(max_length=20, choices=Place.choices)
    place_detail = models.CharField(max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="How long the contact lasted, in minutes."
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text="Staff who took part."
    )
    client_people = models.ManyToManyField(
        Person, blank=True, related_name="interactions", help_text="The client's people present."
    )
    others_present = models.CharField(max_length=300, blank=True)
    consulting_mode = models.CharField(max_length=20, choices=ConsultingMode.choices, blank=True)
    support_type = models.CharField(max_length=10, choices=SupportType.choices)
    advice_in_mentoring = models.BooleanField(
        default=False,
        editable=False,
        help_text="Advice logged on a mentoring engagement (004 g): worth a second look.",
    )
    summary = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["engagement", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} on {self.occurred_at:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:interaction-detail", args=[self.pk])


class FollowUp(BaseModel):
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="follow_ups"
    )
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.done_on is None and self.due_on < timezone.localdate()


def attachment_path(instance: Attachment, filename: str) -> str:
    today = dt.date.today()
    return f"attachments/{instance.organisation_id}/{today:%Y/%m}/{filename}"


class Attachment(BaseModel):
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.name


class ConfidentialNote(BaseModel):
    """A note only its author, and the roles it is shared with, can open; opening it is
    audited (DESIGN.md; 004 k). A commissioner never sees it."""

    interaction = models.OneToOneField(
        Interaction, on_delete=models.CASCADE, related_name="confidential_note"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    # Stored as ",role,role," so that "shared with role X" is a portable LIKE query
    # (SQLite cannot query inside JSON lists). Use ``shared_roles`` to read and write it.
    shared_with = models.CharField(max_length=300, blank=True, default="")

    def __str__(self) -> str:
        return f"Confidential note on {self.interaction}"

    @property
    def shared_roles(self) -> list[str]:
        return [role for role in self.shared_with.split(",") if role]

    @shared_roles.setter
    def shared_roles(self, roles: list[str]) -> None:
        self.shared_with = f",{','.join(sorted(set(roles)))}," if roles else ""


class ReferralStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    MADE = "made", "Made"
    ACCEPTED = "accepted", "Accepted"
    ATTENDED = "attended", "Attended"
    DECLINED = "declined", "Declined"
    NO_RESPONSE = "no_response", "No response"


class ReferralUsefulness(models.TextChoices):
    VERY_USEFUL = "very_useful", "Very useful"
    USEFUL = "useful", "Useful"
    NOT_USEFUL = "not_useful", "Not useful"
    TOO_EARLY = "too_early", "Too early to say"


class Referral(BaseModel):
    """A referral to a service in the directory or a named specialist (001 E5.07 2.2: direct
    clients to other services when these meet their needs more closely; 004 j)."""

    Status = ReferralStatus
    Usefulness = ReferralUsefulness

    # From each status, where it may go next.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.SUGGESTED: frozenset({Status.MADE, Status.DECLINED}),
        Status.MADE: frozenset({Status.ACCEPTED, Status.DECLINED, Status.NO_RESPONSE}),
        Status.ACCEPTED: frozenset({Status.ATTENDED, Status.DECLINED, Status.NO_RESPONSE}),
        Status.ATTENDED: frozenset(),
        Status.DECLINED: frozenset(),
        Status.NO_RESPONSE: frozenset(),
    }

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="referrals")
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text="A service in the directory, or name a specialist instead.",
    )
    specialist_name = models.CharField(max_length=200, blank=True)
    specialist_contact = models.CharField(
        max_length=300, blank=True, help_text="How to reach them: email, phone or website."
    )
    reason = models.TextField(help_text="Why this service meets the client's needs more closely.")
    needs_data_sharing = models.BooleanField(
        "passes on the client's details",
        default=True,
        help_text="The referral shares the client's details with the service: this needs the "
        "client's consent to sharing data with referral partners.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUGGESTED)
    made_on = models.DateField(null=True, blank=True)
    follow_up_on = models.DateField("follow up on", null=True, blank=True)
    outcome = models.TextField(blank=True)
    usefulness_client = models.CharField(
        "how useful, by the client's account",
        max_length=12,
        choices=Usefulness.choices,
        blank=True,
    )
    usefulness_adviser = models.CharField(
        "how useful, by the adviser's account",
        max_length=12,
        choices=Usefulness.choices,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "follow_up_on"])]

    def __str__(self) -> str:
        return f"Referral to {self.referred_to}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:referral-detail", args=[self.pk])

    @property
    def referred_to(self) -> str:
        return str(self.service) if self.service_id else self.specialist_name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.service_id and (self.specialist_name or self.specialist_contact):
            errors["service"] = "Choose a service in the directory or name a specialist, not both."
        elif not self.service_id and not self.specialist_name.strip():
            errors["specialist_name"] = (
                "Choose a service in the directory or name the specialist you refer to."
            )
        if self.made_on and self.follow_up_on and self.follow_up_on < self.made_on:
            errors["follow_up_on"] = "The follow-up cannot be before the referral was made."
        if errors:
            raise ValidationError(errors)

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def is_follow_up_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.status in {self.Status.MADE, self.Status.ACCEPTED}
            and self.follow_up_on is not None
            and self.follow_up_on < timezone.localdate()
        )


class ActionPlan(BaseModel):
    """The engagement's action plan (001 E5.08 3.1: devise and evaluate an action plan;
    3.2: implement and monitor it, deal with contingencies and re-planning)."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="action_plan"
    )
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("delivery:plan-detail", args=[self.pk])

    @property
    def goal_count(self) -> int:
        return self.goals.count()

    @property
    def action_total(self) -> int:
        return Action.objects.filter(goal__plan=self).count()

    @property
    def action_done(self) -> int:
        return Action.objects.filter(goal__plan=self, status=ActionStatus.DONE).count()


class GoalPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class GoalHorizon(models.TextChoices):
    SHORT = "short", "Short term"
    MEDIUM = "medium", "Medium term"
    LONG = "long", "Long term"


class GoalStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "Dropped"


class Goal(BaseModel):
    """A SMART goal: specific, measurable (measure, baseline, target and unit), achievable and
    realistic (why), time-bound (deadline)."""

    Priority = GoalPriority
    Horizon = GoalHorizon
    Status = GoalStatus

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="goals")
    statement = models.TextField()
    measure = models.CharField(
        "what is measured", max_length=200, blank=True, help_text="e.g. monthly turnover."
    )
    baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True, help_text='e.g. "£", "jobs", "%".')
    deadline = models.DateField(null=True, blank=True)
    realistic_because = models.TextField("why it is realistic", blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    horizon = models.CharField(max_length=10, choices=Horizon.choices, default=Horizon.SHORT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.statement[:80]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.measure.strip():
            errors["measure"] = "A SMART goal needs a measure: say what is measured."
        if self.target_value is None:
            errors["target_value"] = "A SMART goal needs a target value."
        if not self.unit.strip():
            errors["unit"] = 'A SMART goal needs a unit for its target, e.g. "£" or "jobs".'
        if self.deadline is None:
            errors["deadline"] = "A SMART goal needs a deadline."
        if errors:
            raise ValidationError(errors)


class ActionOwnerKind(models.TextChoices):
    CLIENT = "client", "The client"
    ADVISER = "adviser", "The adviser"
    OTHER = "other", "Someone else (named)"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    BLOCKED = "blocked", "Blocked"
    DROPPED = "dropped", "Dropped"


class Action(BaseModel):
    """A step towards a goal, with its owner, resources, risks and contingency."""

    OwnerKind = ActionOwnerKind
    Status = ActionStatus

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_kind = models.CharField(
        "owner", max_length=10, choices=OwnerKind.choices, default=OwnerKind.CLIENT
    )
    owner_name = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    resources = models.TextField(
        "resources needed", blank=True, help_text="What is needed, and where it comes from."
    )
    risks = models.TextField(blank=True)
    contingency = models.TextField(blank=True, help_text="What to do if the risks happen.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["goal", "position", "pk"]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner_display(self) -> str:
        if self.owner_kind == self.OwnerKind.OTHER:
            return self.owner_name
        return str(self.OwnerKind(self.owner_kind).label)

    def clean(self) -> None:
        if self.owner_kind == self.OwnerKind.OTHER and not self.owner_name.strip():
            raise ValidationError({"owner_name": "Name the person who owns this action."})


class PlanChange(BaseModel):
    """One change to a plan, with its reason and the whole plan as it stood after it
    (001 E5.08 3.2: re-planning; the plan can be seen as it stood on any date)."""

    class Kind(models.TextChoices):
        STARTED = "started", "Plan started"
        GOAL_ADDED = "goal_added", "Goal added"
        GOAL_CHANGED = "goal_changed", "Goal changed"
        ACTION_ADDED = "action_added", "Action added"
        ACTION_CHANGED = "action_changed", "Action changed"
        REPLANNED = "replanned", "Re-planned"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="changes")
    occurred_at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target_type = models.CharField(max_length=20, blank=True)
    target_id = models.PositiveIntegerField(null=True, blank=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["plan", "-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%d %b %Y}"


# Diagnostics -----------------------------------------------------------------------------------
# 001 E5.08 1.1: work with clients to analyse their business (SWOT, PEST, five forces, financial
# appraisal, readiness for change); 2.2: prioritise changes. The questions live in versioned
# templates (data, see docs/diagnostic-templates.md); a diagnostic keeps the answers.


class DiagnosticKind(models.TextChoices):
    HEALTH_CHECK = "health_check", "Business health check"
    SWOT = "swot", "SWOT"
    PESTLE = "pestle", "PEST(LE)"
    FIVE_FORCES = "five_forces", "Five forces"
    FINANCIAL_RATIOS = "financial_ratios", "Financial ratios"
    READINESS = "readiness", "Readiness for change"
    BARRIERS = "barriers", "Barriers to employment"
    LEARNING = "learning", "Learning preferences"
    OTHER = "other", "Other"


class DiagnosticAudience(models.TextChoices):
    ANY = "any", "Any client"
    BUSINESS = "business", "Businesses"
    INDIVIDUAL = "individual", "Individuals"


class DiagnosticTemplate(BaseModel):
    """One version of a diagnostic's questions. Standard templates ship with Waypoint as files
    (``organisation`` empty, seen by everyone); an organisation's administrators add their own.
    A version is never changed once saved: a change is a new version with the same key."""

    Kind = DiagnosticKind
    Audience = DiagnosticAudience

    organisation = models.ForeignKey(  # type: ignore[assignment]
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for a standard template that ships with Waypoint.",
    )
    key = models.SlugField(max_length=60)
    version = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.ANY)
    description = models.TextField(blank=True)
    definition = models.JSONField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the definition.")
    source = models.CharField(
        max_length=200, blank=True, help_text="The file a standard template was loaded from."
    )
    is_active = models.BooleanField(
        default=True, help_text="Retired templates stay for the diagnostics that used them."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "version"],
                name="delivery_template_version_once_per_organisation",
                violation_error_message="That version of this template already exists.",
            ),
            models.UniqueConstraint(
                fields=["key", "version"],
                condition=models.Q(organisation__isnull=True),
                name="delivery_standard_template_version_once",
                violation_error_message="That version of this standard template already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    def get_absolute_url(self) -> str:
        return reverse("delivery:diagnostic-template-detail", args=[self.pk])

    @property
    def is_standard(self) -> bool:
        return self.organisation_id is None


class DiagnosticStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETED = "completed", "Completed"


class Diagnostic(BaseModel):
    """A diagnostic carried out with a client: dated and attributed once completed."""

    Status = DiagnosticStatus

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="diagnostics")
    template = models.ForeignKey(
        DiagnosticTemplate, on_delete=models.PROTECT, related_name="diagnostics"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    results = models.JSONField(
        default=dict, blank=True, help_text="Computed from the answers: scores, ratios."
    )
    summary = models.TextField(
        blank=True, help_text="What the client and adviser concluded, in a few sentences."
    )
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on", "-pk"]
        indexes = [models.Index(fields=["engagement", "status"])]

    def __str__(self) -> str:
        when = f" on {self.completed_on:%d %b %Y}" if self.completed_on else " (draft)"
        return f"{self.template.name}{when}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:diagnostic-detail", args=[self.pk])

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class Finding(BaseModel):
    """Something a diagnostic found that the client wants to change, in priority order
    (001 E5.08 2.2: evaluate and prioritise changes). It can become a goal of the plan."""

    Priority = GoalPriority

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField()
    item_key = models.CharField(
        "area", max_length=60, blank=True, help_text="The template item it came from."
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["diagnostic", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


# Mentoring -------------------------------------------------------------------------------------
# 004: sessions with the client's reflections and next steps (b, h, i), the mentee's own goals
# and how far the client leads the goal-setting (m), advice given in mentoring seen by a manager
# (g), and ending the relationship well (13).


class ClientLead(models.IntegerChoices):
    """How much of the goal-setting the client led in a session (004 m)."""

    MENTOR = 1, "The mentor set the goals"
    MOSTLY_MENTOR = 2, "Mostly the mentor"
    TOGETHER = 3, "Together"
    MOSTLY_CLIENT = 4, "Mostly the client"
    CLIENT = 5, "The client set their own goals"


class MentoringSession(BaseModel):
    """The mentoring side of a contact: what was talked about, what the client made of it and
    what they will do next."""

    ClientLead = ClientLead

    interaction = models.OneToOneField(
        Interaction, on_delete=models.CASCADE, related_name="mentoring_session"
    )
    topics = models.CharField(max_length=300)
    reflections = models.TextField(
        "the client's reflections",
        blank=True,
        help_text="What the client made of things, including what did not go as expected.",
    )
    next_steps = models.TextField("what the client will do next", blank=True)
    client_lead = models.PositiveSmallIntegerField(
        "who led the goal-setting", choices=ClientLead.choices, default=ClientLead.TOGETHER
    )

    class Meta:
        ordering = ["-interaction__occurred_at", "-pk"]

    def __str__(self) -> str:
        return self.topics[:80]


class MenteeGoalSetBy(models.TextChoices):
    CLIENT = "client", "The client"
    TOGETHER = "together", "Together"
    MENTOR = "mentor", "The mentor"


class MenteeGoalStatus(models.TextChoices):
    OPEN = "open", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    CHANGED = "changed", "Changed for another goal"
    LET_GO = "let_go", "Let go"


class MenteeGoal(BaseModel):
    """A goal in the mentee's own words (004 29: specific problems or broader personal and
    business targets), with who set it."""

    SetBy = MenteeGoalSetBy
    Status = MenteeGoalStatus

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="mentee_goals"
    )
    statement = models.TextField(help_text="In the client's own words.")
    set_by = models.CharField(max_length=10, choices=SetBy.choices, default=SetBy.CLIENT)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(blank=True)
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["engagement", "status", "pk"]

    def __str__(self) -> str:
        return self.statement[:80]

    def clean(self) -> None:
        if self.status == self.Status.ACHIEVED and self.achieved_on is None:
            raise ValidationError({"achieved_on": "Say when the goal was achieved."})
        if self.status != self.Status.ACHIEVED and self.achieved_on is not None:
            raise ValidationError({"achieved_on": "Only an achieved goal has a date achieved."})


class MentoringEndReason(models.TextChoices):
    GOALS_MET = "goals_met", "The client met their goals"
    NATURAL_END = "natural_end", "The relationship reached a natural end"
    AGREED_TERM = "agreed_term", "The agreed term ended"
    CLIENT_CHOICE = "client_choice", "The client chose to end it"
    MENTOR_CHOICE = "mentor_choice", "The mentor ended it"
    REFERRED = "referred", "The client needs other support"


class MentoringRelationship(BaseModel):
    """The mentoring relationship of an engagement: its planned end and how it ended (004 13:
    identify when the relationship has reached a natural end and end it successfully)."""

    EndReason = MentoringEndReason

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="mentoring"
    )
    planned_end_on = models.DateField("planned end", null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    relationship_review = models.TextField(
        "review of the relationship",
        blank=True,
        help_text="What worked, what did not, and what both of you learned.",
    )
    closing_summary = models.TextField(blank=True)
    invited_back = models.BooleanField("invited to come back", default=False)
    invitation = models.TextField(
        "how to come back", blank=True, help_text="When and how the client can return."
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Mentoring: {self.engagement}"

    @property
    def has_ended(self) -> bool:
        return self.ended_on is not None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.ended_on is not None:
            if not self.end_reason:
                errors["end_reason"] = "Say why the relationship ended."
            if not self.relationship_review.strip():
                errors["relationship_review"] = "Review the relationship with the client."
            if not self.closing_summary.strip():
                errors["closing_summary"] = "Write a closing summary."
            if self.invited_back and not self.invitation.strip():
                errors["invitation"] = "Say when and how the client can come back."
        if errors:
            raise ValidationError(errors)


class AdviceReviewOutcome(models.TextChoices):
    FINE = "fine", "Right call: advice was what the client needed"
    DISCUSS = "discuss", "To talk over with the mentor"
    CHANGE_AGREEMENT = "change_agreement", "The agreement should change to advice"


class AdviceReview(BaseModel):
    """A manager's look at a contact where advice was given on a mentoring engagement (004 g:
    recognise when you are giving business advice and no longer mentoring, and act)."""

    Outcome = AdviceReviewOutcome

    interaction = models.OneToOneField(
        Interaction, on_delete=models.CASCADE, related_name="advice_review"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Review of advice in mentoring ({self.get_outcome_display()})"
