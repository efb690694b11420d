"""Measures, targets, costs and the rollups behind the dashboards (000 reqs 2, 9, 10).

Two kinds of table live here:

- **Records people keep**, audited like every domain record: the measure library (``Measure``;
  standard measures ship with Waypoint and belong to no organisation), ``Cost``, ``Target``,
  ``SelfAppraisal``, ``Improvement`` (the plan-do-check-act register), ``BenchmarkFigure``
  (published results of others) and ``Evaluation``.
- **Derived tables**, rebuilt at will and never audited: ``MeasureFact`` (one row per source
  record, holding what the measures need to know about it) and ``Rollup`` with its members and
  bins (one cell per measure, scope and period). See ``waypoint.measures.rollups``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from waypoint.core.models import BaseModel, Organisation
from waypoint.core.periods import PeriodKind


class Category(models.TextChoices):
    # 000 knowledge points: economy, efficiency, effectiveness, value for money and quality
    ECONOMY = "economy", "Economy"
    EFFICIENCY = "efficiency", "Efficiency"
    EFFECTIVENESS = "effectiveness", "Effectiveness"
    VALUE_FOR_MONEY = "value_for_money", "Value for money"
    QUALITY = "quality", "Quality"
    EQUITY = "equity", "Equity"
    CLIENT_EXPERIENCE = "client_experience", "Client experience"


class Unit(models.TextChoices):
    COUNT = "count", "Number"
    HOURS = "hours", "Hours"
    DAYS = "days", "Days"
    PERCENT = "percent", "Per cent"
    SCORE = "score", "Score"
    MONEY = "money", "Pounds"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class ScopeKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    PROGRAMME = "programme", "Programme"
    TEAM = "team", "Team"
    ADVISER = "adviser", "Adviser"


# The periods rollups are kept for: months, UK financial quarters and UK financial years.
ROLLUP_PERIODS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR)


class PeriodChoice(models.TextChoices):
    MONTH = PeriodKind.MONTH.value, "Month"
    QUARTER = PeriodKind.QUARTER.value, "Quarter (financial year)"
    FINANCIAL_YEAR = PeriodKind.FINANCIAL_YEAR.value, "Financial year"


class Measure(BaseModel):
    """A measure of the service's performance, defined as data (see
    ``waypoint.measures.definitions`` for the definition's format and docs/measures.md)."""

    Category = Category
    Unit = Unit
    Direction = Direction

    organisation = models.ForeignKey(  # type: ignore[assignment]
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for a standard measure that ships with Waypoint.",
    )
    code = models.SlugField(max_length=60, help_text="Short and stable, e.g. support_hours.")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    definition = models.JSONField(help_text="How the measure is computed from records.")
    description = models.TextField(blank=True, help_text="What it counts, in words.")
    validity = models.TextField(
        "why it is valid and useful",
        blank=True,
        help_text="000 knowledge point: measures must be valid and useful.",
    )
    data_source = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="measures_code_once_per_organisation",
                violation_error_message="This organisation already has a measure with that code.",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(organisation__isnull=True),
                name="measures_standard_code_once",
                violation_error_message="A standard measure already has that code.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("measures:measure-detail", args=[self.code])

    @property
    def is_standard(self) -> bool:
        return self.organisation_id is None


class Cost(BaseModel):
    """What delivering the service cost in a period, for economy and value for money."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        PREMISES = "premises", "Premises"
        MARKETING = "marketing", "Marketing and outreach"
        DELIVERY = "delivery", "Delivery (events, materials, travel)"
        OVERHEADS = "overheads", "Overheads"
        OTHER = "other", "Other"

    programme = models.ForeignKey(
        "delivery.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(max_length=20, choices=PeriodChoice.choices)
    period_start = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STAFF)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    description = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "programme", "team", "kind"]
        indexes = [models.Index(fields=["organisation", "period_start"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("measures:cost-edit", args=[self.pk])


class Target(BaseModel):
    """A target for a measure in a scope and period, with its RAG thresholds."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="targets")
    scope_kind = models.CharField(max_length=20, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField()
    period_kind = models.CharField(max_length=20, choices=PeriodChoice.choices)
    period_start = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    amber_within = models.DecimalField(
        "amber within (%)",
        max_digits=5,
        decimal_places=2,
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Green at or better than target; amber within this share of it; red beyond.",
    )
    profile = models.JSONField(
        default=dict,
        blank=True,
        help_text="Cumulative share (%) of the target due by the end of each month, by month "
        "label (2026-04: 8.3 ...). Empty: an even profile.",
    )
    notes = models.TextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["measure", "scope_kind", "scope_id", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "scope_kind", "scope_id", "period_kind", "period_start"],
                name="measures_target_once_per_scope_and_period",
                violation_error_message="This scope already has a target for that measure and "
                "period.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.value}"


class SelfAppraisal(BaseModel):
    """An adviser's rating of their own performance in a period (000 knowledge point: the
    limits of self-appraisal), shown beside client ratings and outcomes."""

    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="self_appraisals"
    )
    period_kind = models.CharField(max_length=20, choices=PeriodChoice.choices)
    period_start = models.DateField()
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    went_well = models.TextField(blank=True)
    to_improve = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "adviser", "period_kind", "period_start"],
                name="measures_self_appraisal_once_per_period",
                violation_error_message="You have already appraised yourself for that period.",
            ),
        ]

    def __str__(self) -> str:
        from waypoint.core.periods import Period, PeriodKind

        period = Period(self.period_start, PeriodKind(self.period_kind))
        return f"{self.adviser.get_full_name() or self.adviser.username}, {period.label}"

    def get_absolute_url(self) -> str:
        return reverse("measures:appraisal-detail", args=[self.pk])


class Improvement(BaseModel):
    """The improvement register: plan, do, check, act."""

    class Source(models.TextChoices):
        REVIEW = "review", "Client review"
        CONCERN = "concern", "Concern"
        EVALUATION = "evaluation", "Service evaluation"
        BENCHMARK = "benchmark", "Benchmarking"
        REFLECTION = "reflection", "Reflection"
        SWOT = "swot", "SWOT analysis"

    class Status(models.TextChoices):
        PLAN = "plan", "Plan"
        DO = "do", "Do"
        CHECK = "check", "Check"
        ACT = "act", "Act"
        CLOSED = "closed", "Closed"

    class Decision(models.TextChoices):
        ADOPT = "adopt", "Adopt"
        ADJUST = "adjust", "Adjust"
        ABANDON = "abandon", "Abandon"

    source = models.CharField(max_length=12, choices=Source.choices)
    title = models.CharField("what to improve", max_length=200)
    detail = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="improvements"
    )
    plan = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLAN)
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="improvements"
    )
    scope_kind = models.CharField(max_length=20, choices=ScopeKind.choices, blank=True)
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    before_period = models.CharField(max_length=12, blank=True)
    after_period = models.CharField(max_length=12, blank=True)
    due_on = models.DateField(null=True, blank=True)
    check_notes = models.TextField(blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decision_notes = models.TextField(blank=True)
    evaluation = models.ForeignKey(
        "measures.Evaluation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    # The concern it was raised from (000 req 9: what a concern teaches changes the service).
    concern = models.ForeignKey(
        "monitoring.Concern",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("measures:improvement-detail", args=[self.pk])


class BenchmarkFigure(BaseModel):
    """A published result of another organisation, shown beside ours."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="benchmarks")
    source = models.CharField(max_length=200, help_text="Who published it, e.g. a national survey.")
    period_kind = models.CharField(max_length=20, choices=PeriodChoice.choices)
    period_start = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    url = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["measure", "-period_start"]

    def __str__(self) -> str:
        return f"{self.source}: {self.value}"


class Evaluation(BaseModel):
    """A service evaluation for a scope and period (000 req 10; 001 E5.05 LO4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Final"

    title = models.CharField(max_length=200)
    scope_kind = models.CharField(max_length=20, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField()
    period_kind = models.CharField(max_length=20, choices=PeriodChoice.choices)
    period_start = models.DateField()
    limits = models.TextField("financial and time limits", blank=True)
    priorities = models.TextField("local and regional priorities", blank=True)
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    opportunities = models.TextField(blank=True)
    threats = models.TextField(blank=True)
    feedback_themes = models.TextField("client feedback themes", blank=True)
    conclusions = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "-created_at"]

    def __str__(self) -> str:
        return self.title


# Derived tables ---------------------------------------------------------------------------------


class MeasureFact(models.Model):
    """What the measures know of one source record (a contact, a review...), kept in step with
    it. Ids are plain integers: the table is derived and rebuilt, never the source of truth."""

    source = models.CharField(max_length=20)
    record_id = models.PositiveBigIntegerField()
    organisation_id = models.PositiveBigIntegerField()  # the delivering organisation
    programme_id = models.PositiveBigIntegerField(null=True)
    programme_owner_id = models.PositiveBigIntegerField(null=True)
    team_id = models.PositiveBigIntegerField(null=True)
    adviser_id = models.PositiveBigIntegerField(null=True)
    client_id = models.PositiveBigIntegerField(null=True)
    engagement_id = models.PositiveBigIntegerField(null=True)
    on = models.DateField()
    grain = models.CharField(max_length=20, default=PeriodKind.MONTH.value)
    # The start of each period holding ``on`` that the grain counts in (none for a month of a
    # quarter's cost, say): what a rebuild groups by (``rollups.rebuild``).
    month_start = models.DateField(null=True)
    quarter_start = models.DateField(null=True)
    year_start = models.DateField(null=True)
    dims = models.JSONField(default=dict)
    values = models.JSONField(default=dict)

    objects: models.Manager[MeasureFact] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id"], name="measures_fact_once")
        ]
        indexes = [
            models.Index(fields=["source", "organisation_id", "on"]),
            models.Index(fields=["source", "engagement_id"]),
            models.Index(fields=["source", "client_id"]),
            models.Index(fields=["source", "adviser_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.record_id}"


class Rollup(models.Model):
    """One measure in one scope and period: the components its value is computed from.

    ``n`` counts the records that passed the measure's filter, ``total`` adds their values,
    ``hits`` and ``misses`` count those meeting a rate's numerator (or NPS promoters and
    detractors), ``distinct`` counts the distinct entities (see ``RollupMember``) and ``median``
    is kept from ``RollupBin``.
    """

    key = models.CharField(max_length=160, unique=True)
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    scope_kind = models.CharField(max_length=20, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField()
    period_kind = models.CharField(max_length=20, choices=PeriodChoice.choices)
    period_start = models.DateField()
    n = models.BigIntegerField(default=0)
    total = models.DecimalField(max_digits=24, decimal_places=4, default=0)
    hits = models.BigIntegerField(default=0)
    misses = models.BigIntegerField(default=0)
    distinct = models.BigIntegerField(default=0)
    median = models.DecimalField(max_digits=24, decimal_places=4, null=True)

    objects: models.Manager[Rollup] = models.Manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["scope_kind", "scope_id", "period_kind", "period_start"],
                name="measures_rollup_scope_period",
            ),
            models.Index(fields=["measure", "scope_kind", "period_kind", "period_start"]),
        ]

    def __str__(self) -> str:
        return self.key


class RollupMember(models.Model):
    """An entity (a client, an engagement) counted once in a rollup's ``distinct``."""

    rollup = models.ForeignKey(Rollup, on_delete=models.CASCADE, related_name="members")
    entity_id = models.PositiveBigIntegerField()
    count = models.PositiveIntegerField(default=0)

    objects: models.Manager[RollupMember] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rollup", "entity_id"], name="measures_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.rollup_id}: {self.entity_id}"


class RollupBin(models.Model):
    """How many records in a rollup have ``value``: the distribution a median is read from."""

    rollup = models.ForeignKey(Rollup, on_delete=models.CASCADE, related_name="bins")
    value = models.DecimalField(max_digits=24, decimal_places=4)
    count = models.PositiveIntegerField(default=0)

    objects: models.Manager[RollupBin] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rollup", "value"], name="measures_bin_once")
        ]

    def __str__(self) -> str:
        return f"{self.rollup_id}: {self.value}"
