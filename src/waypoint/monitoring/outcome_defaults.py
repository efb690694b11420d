"""The outcome measures every programme starts with (000 req 4: the effect of the support on a
client's business). A programme adds its own and retires any it does not use; the keys below
never change, so that figures add up across programmes and over the years."""

from __future__ import annotations

from dataclasses import dataclass

from waypoint.monitoring.models import MeasureKind

BUSINESS = "business"
INDIVIDUAL = "individual"


@dataclass(frozen=True)
class DefaultMeasure:
    key: str
    name: str
    kind: str
    unit: str
    audience: str


def _business(key: str, name: str, kind: str, unit: str = "") -> DefaultMeasure:
    return DefaultMeasure(key, name, kind, unit, BUSINESS)


def _individual(key: str, name: str, kind: str, unit: str = "") -> DefaultMeasure:
    return DefaultMeasure(key, name, kind, unit, INDIVIDUAL)


MONEY, NUMBER, YES_NO = MeasureKind.MONEY.value, MeasureKind.NUMBER.value, MeasureKind.YES_NO.value

BUSINESS_MEASURES: tuple[DefaultMeasure, ...] = (
    _business("turnover", "Turnover", MONEY, "£"),
    _business("employees", "Employees", NUMBER, "FTE"),
    _business("profit", "Profit", MONEY, "£"),
    _business("investment_raised", "Investment raised", MONEY, "£"),
    _business("export_sales", "Export sales", MONEY, "£"),
    _business("new_products", "New products or services", NUMBER),
    _business("new_markets", "New markets", NUMBER),
    _business("business_started", "Business started", YES_NO),
    _business("jobs_created", "Jobs created", NUMBER, "jobs"),
    _business("jobs_safeguarded", "Jobs safeguarded", NUMBER, "jobs"),
)

INDIVIDUAL_MEASURES: tuple[DefaultMeasure, ...] = (
    _individual("job_start", "Job start", YES_NO),
    _individual("hours_a_week", "Hours a week", NUMBER, "hours"),
    _individual("hourly_pay", "Hourly pay", MONEY, "£"),
    _individual("in_work_13_weeks", "In work at 13 weeks", YES_NO),
    _individual("in_work_26_weeks", "In work at 26 weeks", YES_NO),
    _individual("qualification_gained", "Qualification gained", YES_NO),
)

DEFAULT_MEASURES: tuple[DefaultMeasure, ...] = BUSINESS_MEASURES + INDIVIDUAL_MEASURES
