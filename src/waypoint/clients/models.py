"""Clients (businesses and individuals), the people linked to them, consent and equality data."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from waypoint.clients.reference import (
    Barrier,
    EmploymentStatus,
    LegalForm,
    Region,
    SizeBand,
    TradingStatus,
    normalise_postcode,
    sic_section_for,
    validate_sic_division,
)
from waypoint.core.models import BaseModel


class Client(BaseModel):
    """A business (or a business to be) or an individual receiving support.

    ``organisation`` is the organisation holding the record. A client merged into another keeps
    its row (``merged_into``) so that nothing recorded against it is lost.
    """

    class Kind(models.TextChoices):
        BUSINESS = "business", "Business"
        INDIVIDUAL = "individual", "Individual"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(
        max_length=200, help_text="The business's registered or trading name, or the person's name."
    )
    trading_name = models.CharField(max_length=200, blank=True)
    registered_number = models.CharField(
        "company or charity number", max_length=20, blank=True, db_index=True
    )
    legal_form = models.CharField(max_length=20, choices=LegalForm.choices, blank=True)
    sic_division = models.CharField(
        "SIC 2007 division",
        max_length=2,
        blank=True,
        validators=[validate_sic_division],
        help_text="Two digits, e.g. 62 for computer programming and consultancy.",
    )
    sic_section = models.CharField("SIC 2007 section", max_length=1, blank=True, editable=False)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    trading_status = models.CharField(max_length=20, choices=TradingStatus.choices, blank=True)
    start_date = models.DateField("trading start date", null=True, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    region = models.CharField("region (ITL1)", max_length=3, choices=Region.choices, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    employment_status = models.CharField(
        max_length=20,
        choices=EmploymentStatus.choices,
        blank=True,
        help_text="Individuals only.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["organisation", "name"]),
            models.Index(fields=["organisation", "sic_section"]),
            models.Index(fields=["organisation", "region"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:client-detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.postcode = normalise_postcode(self.postcode)
        except ValidationError as error:
            errors["postcode"] = error.messages[0]
        if self.sic_division:
            try:
                self.sic_section = sic_section_for(self.sic_division)
            except ValidationError as error:
                errors["sic_division"] = error.messages[0]
        else:
            self.sic_section = ""
        if self.kind == self.Kind.INDIVIDUAL and self.registered_number:
            errors["registered_number"] = "An individual has no company or charity number."
        if self.kind == self.Kind.BUSINESS and self.employment_status:
            errors["employment_status"] = "Employment status is recorded for individuals only."
        if (
            self.trading_status == TradingStatus.PRE_START
            and self.start_date is not None
            and self.start_date <= _today()
        ):
            errors["trading_status"] = (
                "A business that started trading on the start date given is not pre-start."
            )
        if self.merged_into_id is not None and self.merged_into_id == self.pk:
            errors["merged_into"] = "A client cannot be merged into itself."
        if errors:
            raise ValidationError(errors)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


class ClientBarrier(BaseModel):
    """A barrier to work an individual has (one row per barrier, so they can be counted)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="barriers")
    barrier = models.CharField(max_length=20, choices=Barrier.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "barrier"], name="clients_barrier_once"),
        ]

    def __str__(self) -> str:
        return self.get_barrier_display()


class Person(BaseModel):
    """Someone linked to a client: the owner, a director, a partner, a key employee."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="people")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    role = models.CharField(max_length=100, blank=True, help_text="e.g. Owner, Director.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_main_contact = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main_contact", "last_name", "first_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Consent(BaseModel):
    """One grant of consent (or notice given), and its withdrawal. Never edited away.

    The current position for a client is the latest record of each kind.
    """

    class Kind(models.TextChoices):
        PRIVACY_NOTICE = "privacy_notice", "Privacy notice given"
        MARKETING = "marketing", "Marketing"
        SHARE_WITH_PARTNERS = "share_with_partners", "Sharing data with referral partners"

    class LawfulBasis(models.TextChoices):
        # UK GDPR Article 6(1)
        CONSENT = "consent", "Consent"
        CONTRACT = "contract", "Contract"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
        VITAL_INTERESTS = "vital_interests", "Vital interests"
        PUBLIC_TASK = "public_task", "Public task"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, blank=True)
    privacy_notice_version = models.CharField(max_length=40, blank=True)
    granted_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)
    how = models.CharField(
        max_length=200, blank=True, help_text="How it was given: signed form, web form, by phone..."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["client", "kind", "-granted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.granted_on:%d %b %Y})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.PRIVACY_NOTICE:
            if not self.privacy_notice_version:
                errors["privacy_notice_version"] = "Say which version of the privacy notice."
            if not self.lawful_basis:
                errors["lawful_basis"] = "Record the lawful basis for processing."
        if self.withdrawn_on and self.granted_on and self.withdrawn_on < self.granted_on:
            errors["withdrawn_on"] = "Consent cannot be withdrawn before it was given."
        if errors:
            raise ValidationError(errors)

    @property
    def is_current(self) -> bool:
        return self.withdrawn_on is None


class EqualityMonitoring(BaseModel):
    """Optional equality-monitoring answers, kept apart and seen only in aggregate by managers.

    Every question has "prefer not to say"; a blank answer means the question was not asked.
    """

    PREFER_NOT = "prefer_not", "Prefer not to say"

    class AgeBand(models.TextChoices):
        UNDER_25 = "under_25", "Under 25"
        AGE_25_34 = "25_34", "25 to 34"
        AGE_35_49 = "35_49", "35 to 49"
        AGE_50_64 = "50_64", "50 to 64"
        OVER_65 = "65_plus", "65 or over"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class YesNo(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Ethnicity(models.TextChoices):
        # The five ONS harmonised high-level groups
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, Black British, Caribbean or African"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        WHITE = "white", "White"
        OTHER = "other", "Other ethnic group"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="equality")
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    gender_same_as_at_birth = models.CharField(
        "gender identity the same as sex registered at birth",
        max_length=12,
        choices=YesNo.choices,
        blank=True,
    )
    ethnicity = models.CharField(max_length=12, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(
        "disabled or long-term health condition", max_length=12, choices=YesNo.choices, blank=True
    )

    class Meta:
        verbose_name = "equality monitoring answers"
        verbose_name_plural = "equality monitoring answers"

    def __str__(self) -> str:
        return f"Equality monitoring for client {self.client_id}"
