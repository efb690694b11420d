"""Writes for self-appraisal: an adviser rates their own performance in a period (issue 6
item 7; 000 req 9: regularly reflect on the support provided by you; knowledge point: the
limits of self-appraisal, hence the rating is always shown beside the clients' ratings and
outcomes, see ``selectors_appraisals``).

An appraisal is the adviser's own: only an adviser or mentor of the organisation appraises,
and only themself. There is one per organisation, adviser and period (a month, a financial
quarter or a financial year that has begun); saving again for the same period changes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.periods import Period
from waypoint.core.roles import has_role
from waypoint.delivery.services.agreements import save_record
from waypoint.measures.models import SelfAppraisal
from waypoint.measures.selectors_appraisals import APPRAISING_ROLES, parse_period

MAX_TEXT = 4000


def _read_rating(value: Any) -> int:
    try:
        rating = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError("Choose a rating from 1 (poor) to 5 (excellent).") from None
    if not 1 <= rating <= 5:
        raise ValueError(f"{rating} is not a rating: choose from 1 (poor) to 5 (excellent).")
    return rating


def _read_period(value: Any, today: dt.date) -> Period:
    label = value.label if isinstance(value, Period) else str(value or "").strip()
    if not label:
        raise ValueError("Choose the period you are appraising.")
    period, problem = parse_period(label, today)
    if problem:
        raise ValueError(problem)
    return period


@transaction.atomic
def appraisal_save(
    *,
    acting_user: Any,
    organisation: Organisation,
    period: Period | str,
    rating: Any,
    went_well: str = "",
    to_improve: str = "",
) -> SelfAppraisal:
    """Create or change the acting adviser's own appraisal for the period; every problem is
    named by its field, and nothing is saved unless all are right."""
    if not (
        getattr(acting_user, "is_authenticated", False)
        and acting_user.is_active
        and has_role(acting_user, organisation.pk, APPRAISING_ROLES)
    ):
        raise PermissionDenied(
            f"Only the advisers and mentors of {organisation} appraise themselves there."
        )
    errors: dict[str, list[str]] = {}
    found: Period | None = None
    try:
        found = _read_period(period, timezone.localdate())
    except ValueError as error:
        errors["period"] = [str(error)]
    try:
        score = _read_rating(rating)
    except ValueError as error:
        errors["rating"] = [str(error)]
    texts = {"went_well": (went_well or "").strip(), "to_improve": (to_improve or "").strip()}
    for name, text in texts.items():
        if len(text) > MAX_TEXT:
            errors[name] = [f"Keep it under {MAX_TEXT} characters ({len(text)} given)."]
    if errors or found is None:
        raise ValidationError(errors)
    appraisal = (
        SelfAppraisal.objects.select_for_update()
        .filter(
            organisation=organisation,
            adviser=acting_user,
            period_kind=found.kind.value,
            period_start=found.start,
        )
        .first()
    )
    created = appraisal is None
    if appraisal is None:
        appraisal = SelfAppraisal(
            organisation=organisation,
            adviser=acting_user,
            period_kind=found.kind.value,
            period_start=found.start,
        )
    appraisal.rating = score
    appraisal.went_well = texts["went_well"]
    appraisal.to_improve = texts["to_improve"]
    save_record(appraisal)
    record_event(
        verb="self_appraisal.created" if created else "self_appraisal.changed",
        obj=appraisal,
        actor=acting_user,
        data={"period": found.label, "rating": score},
    )
    return appraisal
