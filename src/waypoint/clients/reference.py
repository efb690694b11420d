"""Reference data for describing clients: UK SIC 2007 sections, ITL1 regions, bands, barriers.

SIC 2007 divisions are two-digit codes; each belongs to one of 21 sections (A to U). Waypoint
stores the division and derives the section, so either can be used to segment clients.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

# Section letter -> (name, first division, last division)   UK SIC 2007
SIC_SECTIONS: dict[str, tuple[str, int, int]] = {
    "A": ("Agriculture, forestry and fishing", 1, 3),
    "B": ("Mining and quarrying", 5, 9),
    "C": ("Manufacturing", 10, 33),
    "D": ("Electricity, gas, steam and air conditioning supply", 35, 35),
    "E": ("Water supply; sewerage, waste management and remediation", 36, 39),
    "F": ("Construction", 41, 43),
    "G": ("Wholesale and retail trade; repair of motor vehicles and motorcycles", 45, 47),
    "H": ("Transportation and storage", 49, 53),
    "I": ("Accommodation and food service activities", 55, 56),
    "J": ("Information and communication", 58, 63),
    "K": ("Financial and insurance activities", 64, 66),
    "L": ("Real estate activities", 68, 68),
    "M": ("Professional, scientific and technical activities", 69, 75),
    "N": ("Administrative and support service activities", 77, 82),
    "O": ("Public administration and defence; compulsory social security", 84, 84),
    "P": ("Education", 85, 85),
    "Q": ("Human health and social work activities", 86, 88),
    "R": ("Arts, entertainment and recreation", 90, 93),
    "S": ("Other service activities", 94, 96),
    "T": ("Activities of households as employers", 97, 98),
    "U": ("Activities of extraterritorial organisations and bodies", 99, 99),
}
# Division numbers SIC 2007 does not use, inside the section ranges.
_UNUSED_DIVISIONS = {4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89}

SIC_SECTION_CHOICES = [
    (letter, f"{letter}: {name}") for letter, (name, _, _) in SIC_SECTIONS.items()
]


def sic_section_for(division: str) -> str:
    """The SIC 2007 section letter of a two-digit division; ValidationError if there is none."""
    if not re.fullmatch(r"\d{2}", division or ""):
        raise ValidationError(f"{division!r} is not a SIC 2007 division: give two digits, e.g. 62.")
    number = int(division)
    if number not in _UNUSED_DIVISIONS:
        for letter, (_, first, last) in SIC_SECTIONS.items():
            if first <= number <= last:
                return letter
    raise ValidationError(f"{division} is not a SIC 2007 division.")


def validate_sic_division(value: str) -> None:
    sic_section_for(value)


class Region(models.TextChoices):
    """UK International Territorial Level 1 (ITL1) regions."""

    NORTH_EAST = "TLC", "North East"
    NORTH_WEST = "TLD", "North West"
    YORKSHIRE = "TLE", "Yorkshire and The Humber"
    EAST_MIDLANDS = "TLF", "East Midlands"
    WEST_MIDLANDS = "TLG", "West Midlands"
    EAST = "TLH", "East of England"
    LONDON = "TLI", "London"
    SOUTH_EAST = "TLJ", "South East"
    SOUTH_WEST = "TLK", "South West"
    WALES = "TLL", "Wales"
    SCOTLAND = "TLM", "Scotland"
    NORTHERN_IRELAND = "TLN", "Northern Ireland"


_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """``sw1a1aa`` -> ``SW1A 1AA``; ValidationError naming the format when it is not one."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not compact:
        return ""
    formatted = f"{compact[:-3]} {compact[-3:]}"
    if not _POSTCODE.match(formatted):
        raise ValidationError(f"{value!r} is not a UK postcode (for example SW1A 1AA).")
    return formatted


class SizeBand(models.TextChoices):
    NONE = "none", "No employees"
    MICRO = "micro", "Micro (1 to 9)"
    SMALL = "small", "Small (10 to 49)"
    MEDIUM = "medium", "Medium (50 to 249)"
    LARGE = "large", "Large (250 or more)"


class TradingStatus(models.TextChoices):
    PRE_START = "pre_start", "Pre-start"
    UNDER_1_YEAR = "under_1_year", "Trading under 1 year"
    ONE_TO_3_YEARS = "1_to_3_years", "Trading 1 to 3 years"
    OVER_3_YEARS = "over_3_years", "Trading over 3 years"


class LegalForm(models.TextChoices):
    NOT_FORMED = "not_formed", "Not yet formed"
    SOLE_TRADER = "sole_trader", "Sole trader"
    PARTNERSHIP = "partnership", "Partnership"
    LLP = "llp", "Limited liability partnership"
    PRIVATE_LIMITED = "private_limited", "Private limited company"
    PUBLIC_LIMITED = "public_limited", "Public limited company"
    CIC = "cic", "Community interest company"
    CHARITY = "charity", "Charity or CIO"
    COOPERATIVE = "cooperative", "Co-operative society"
    OTHER = "other", "Other"


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED_SHORT = "unemployed_short", "Unemployed, under 12 months"
    UNEMPLOYED_LONG = "unemployed_long", "Unemployed, 12 months or more"
    INACTIVE = "inactive", "Economically inactive"
    EMPLOYED = "employed", "Employed"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    EDUCATION = "education", "In education or training"


class Barrier(models.TextChoices):
    """Barriers to work recorded for individuals on employment-support programmes."""

    HEALTH = "health", "Health condition or disability"
    CARING = "caring", "Caring responsibilities"
    SKILLS = "skills", "Basic skills (literacy, numeracy, digital)"
    QUALIFICATIONS = "qualifications", "No or low qualifications"
    TRANSPORT = "transport", "Transport"
    HOUSING = "housing", "Housing or homelessness"
    CONVICTIONS = "convictions", "Criminal convictions"
    LANGUAGE = "language", "English language"
    CONFIDENCE = "confidence", "Confidence or motivation"
    EXPERIENCE = "experience", "Lack of work experience"
    SUBSTANCES = "substances", "Drug or alcohol dependency"
    DEBT = "debt", "Debt or financial difficulty"
