"""Writes for outcomes and impact (000 req 4: identify the effect of the support programme on a
client's business).

A programme's outcome measures (the defaults in ``outcome_defaults`` plus its own) are set by
the programme's owner and retired rather than deleted, so that figures recorded against them
stay true. Each client has one baseline per measure, taken at the agreement; once the
engagement closes, follow-ups are scheduled at the months the programme chose (6 and 12 by
default), and at each one the adviser records the figures with their evidence and the shares
that turn a gross change into net additional impact (attribution, deadweight, displacement).
Yes/no measures are stored as 1 (yes) and 0 (no).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from waypoint.core.audit import record_event
from waypoint.core.services import require_permission
from waypoint.delivery.models import Engagement, Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.monitoring.models import MeasureKind, OutcomeFollowUp, OutcomeMeasure, OutcomeValue
from waypoint.monitoring.outcome_defaults import DEFAULT_MEASURES
from waypoint.monitoring.selectors_reviews import add_months
from waypoint.monitoring.selectors_settings import settings_for

D = decimal.Decimal
YES_WORDS = {"yes", "y", "true", "on"}
NO_WORDS = {"no", "n", "false", "off"}
SHARES = ("attribution", "deadweight", "displacement")
SHARE_DEFAULTS = {"attribution": 100, "deadweight": 0, "displacement": 0}
MEASURE_FIELDS = ("name", "unit", "position", "is_active")


# Figures ---------------------------------------------------------------------------------------


def clean_value(measure: OutcomeMeasure, raw: Any) -> D:
    """The figure for ``measure`` as a Decimal, or a ValidationError naming the measure.

    Yes/no measures take 1 or 0 (or yes/no, true/false); counts cannot be negative; money may
    be (a loss)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError(f"{measure.name}: give a figure.")
    if measure.kind == MeasureKind.YES_NO:
        if isinstance(raw, bool):
            return D(int(raw))
        text = str(raw).strip().lower()
        if text in YES_WORDS:
            return D(1)
        if text in NO_WORDS:
            return D(0)
        try:
            number = D(text)
        except decimal.InvalidOperation:
            number = D(-1)
        if number in (D(0), D(1)):
            return D(int(number))
        raise ValidationError(f"{measure.name} is a yes or no answer: give 1 for yes or 0 for no.")
    try:
        number = D(str(raw).strip().replace(",", "").lstrip("£"))
    except decimal.InvalidOperation:
        raise ValidationError(f"{measure.name}: {raw!r} is not a number.") from None
    if not number.is_finite():
        raise ValidationError(f"{measure.name}: {raw!r} is not a number.")
    if measure.kind == MeasureKind.NUMBER and number < 0:
        raise ValidationError(f"{measure.name} cannot be negative.")
    if number != number.quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP):
        raise ValidationError(f"{measure.name}: give at most two decimal places.")
    return number


def _share(measure: OutcomeMeasure, name: str, raw: Any) -> int:
    if raw is None or raw == "":
        return SHARE_DEFAULTS[name]
    if isinstance(raw, bool):
        raw = "x"  # True is not a percentage
    try:
        number = D(str(raw).strip().rstrip("%"))
    except decimal.InvalidOperation:
        number = D(-1)
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= 100:
        raise ValidationError(
            f"{measure.name}: {name} is a whole percentage from 0 to 100, not {raw!r}."
        )
    return int(number)


def _check_measure(engagement: Engagement, measure: OutcomeMeasure) -> None:
    if measure.programme_id != engagement.programme_id:
        raise ValidationError(
            {"measure": f"{measure.name} is not a measure of {engagement.programme}."}
        )
    if measure.audience != engagement.client.kind:
        raise ValidationError(
            {
                "measure": f"{measure.name} is measured for "
                f"{measure.get_audience_display().lower()}, and {engagement.client} is not one."
            }
        )


def _value(measure: OutcomeMeasure, raw: Any) -> D:
    try:
        return clean_value(measure, raw)
    except ValidationError as error:
        raise ValidationError({"value": error.messages}) from None


def _full_clean(row: OutcomeValue) -> None:
    """Validate the row; each message names the measure."""
    try:
        row.full_clean(exclude=["recorded_by"])
    except ValidationError as error:
        raise ValidationError(
            {
                field: [f"{row.measure.name}: {message}" for message in messages]
                for field, messages in error.message_dict.items()
            }
        ) from None


# Measures --------------------------------------------------------------------------------------


@transaction.atomic
def measures_ensure_defaults(*, programme: Programme, acting_user: Any) -> list[OutcomeMeasure]:
    """Give the programme every default measure it lacks; returns those created.

    Idempotent: a default already there (active or retired) is left as it is, so that a
    measure the programme retired is not brought back."""
    require_permission(acting_user, "change", programme)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    existing = set(OutcomeMeasure.objects.filter(programme=programme).values_list("key", flat=True))
    position = OutcomeMeasure.objects.filter(programme=programme).aggregate(p=Max("position"))["p"]
    position = position or 0
    created = []
    for default in DEFAULT_MEASURES:
        if default.key in existing:
            continue
        position += 1
        created.append(
            save_record(
                OutcomeMeasure(
                    organisation_id=programme.organisation_id,
                    programme=programme,
                    key=default.key,
                    name=default.name,
                    kind=default.kind,
                    unit=default.unit,
                    audience=default.audience,
                    position=position,
                )
            )
        )
    if created:
        record_event(
            verb="outcome_measures.defaults_added",
            obj=programme,
            actor=acting_user,
            data={"keys": [m.key for m in created]},
        )
    return created


@transaction.atomic
def measure_add(
    *,
    programme: Programme,
    name: str,
    kind: str,
    audience: str,
    unit: str = "",
    key: str = "",
    acting_user: Any,
) -> OutcomeMeasure:
    """Add a measure of the programme's own (the key is made from the name unless given)."""
    require_permission(acting_user, "change", programme)
    name = (name or "").strip()
    key = (key or "").strip() or slugify(name).replace("-", "_")[:40]
    if name and not key:
        raise ValidationError({"key": "Give a key of letters, numbers and underscores."})
    position = OutcomeMeasure.objects.filter(programme=programme).aggregate(p=Max("position"))["p"]
    measure = OutcomeMeasure(
        organisation_id=programme.organisation_id,
        programme=programme,
        key=key,
        name=name,
        kind=kind,
        unit=(unit or "").strip(),
        audience=audience,
        position=(position or 0) + 1,
    )
    return save_record(measure)


@transaction.atomic
def measure_update(*, measure: OutcomeMeasure, acting_user: Any, **changes: Any) -> OutcomeMeasure:
    """Rename, re-order, retire (``is_active=False``) or bring back a measure.

    Its key, kind and audience do not change: figures already recorded were given in them.
    Measures are never deleted."""
    require_permission(acting_user, "change", measure)
    unknown = set(changes) - set(MEASURE_FIELDS)
    if unknown:
        raise ValueError(f"measure_update cannot change {sorted(unknown)}")
    was_active = measure.is_active
    for field, value in changes.items():
        setattr(measure, field, value.strip() if isinstance(value, str) else value)
    save_record(measure)
    if was_active != measure.is_active:
        record_event(
            verb="outcome_measure.reactivated" if measure.is_active else "outcome_measure.retired",
            obj=measure,
            actor=acting_user,
            data={"programme": measure.programme_id, "key": measure.key},
        )
    return measure


# Baselines -------------------------------------------------------------------------------------


def _baseline(
    *,
    engagement: Engagement,
    measure: OutcomeMeasure,
    value: Any,
    evidence: str,
    recorded_on: dt.date | None,
    notes: str,
    acting_user: Any,
) -> OutcomeValue:
    """An unsaved, validated baseline (errors name the measure)."""
    _check_measure(engagement, measure)
    if not measure.is_active:
        raise ValidationError(
            {"measure": f"{measure.name} is no longer measured by this programme."}
        )
    if OutcomeValue.objects.filter(
        engagement=engagement, measure=measure, follow_up__isnull=True
    ).exists():
        raise ValidationError(
            {"measure": f"{measure.name} already has a baseline for {engagement.client}."}
        )
    row = OutcomeValue(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        measure=measure,
        follow_up=None,
        value=_value(measure, value),
        evidence=evidence,
        recorded_on=recorded_on or timezone.localdate(),
        notes=(notes or "").strip(),
        recorded_by=acting_user,
    )
    _full_clean(row)
    return row


@transaction.atomic
def baseline_record(
    *,
    engagement: Engagement,
    measure: OutcomeMeasure,
    value: Any,
    evidence: str,
    recorded_on: dt.date | None,
    acting_user: Any,
    notes: str = "",
) -> OutcomeValue:
    """Record the client's starting figure for one measure, taken at the agreement; one
    baseline per measure (000 req 4)."""
    require_permission(acting_user, "change", engagement)
    Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
    row = _baseline(
        engagement=engagement,
        measure=measure,
        value=value,
        evidence=evidence,
        recorded_on=recorded_on,
        notes=notes,
        acting_user=acting_user,
    )
    save_record(row)
    record_event(
        verb="outcome.baseline_recorded",
        obj=row,
        actor=acting_user,
        data={"engagement": engagement.pk, "measure": measure.key, "value": str(row.value)},
    )
    return row


@transaction.atomic
def baselines_record(
    *,
    engagement: Engagement,
    values: Iterable[Mapping[str, Any]],
    recorded_on: dt.date | None,
    acting_user: Any,
) -> list[OutcomeValue]:
    """Record several baselines at once (``[{measure, value, evidence, notes}]``): all or
    nothing, with every problem named by its measure."""
    require_permission(acting_user, "change", engagement)
    Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
    rows, errors = [], []
    for item in values:
        try:
            rows.append(
                _baseline(
                    engagement=engagement,
                    measure=item["measure"],
                    value=item.get("value"),
                    evidence=item.get("evidence", ""),
                    recorded_on=recorded_on,
                    notes=item.get("notes", ""),
                    acting_user=acting_user,
                )
            )
        except ValidationError as error:
            errors.extend(error.messages)
    if not rows and not errors:
        errors.append("Give at least one figure.")
    if errors:
        raise ValidationError({"values": errors})
    for row in rows:
        save_record(row)
    record_event(
        verb="outcome.baseline_recorded",
        obj=engagement,
        actor=acting_user,
        data={"measures": {row.measure.key: str(row.value) for row in rows}},
    )
    return rows


# Follow-ups ------------------------------------------------------------------------------------


@transaction.atomic
def follow_ups_schedule(*, engagement: Engagement, acting_user: Any) -> list[OutcomeFollowUp]:
    """Schedule the outcome follow-ups of a closed engagement at the months after closure the
    programme chose (6 and 12 by default); returns those created. Idempotent: a follow-up
    already scheduled for a month is kept as it is."""
    require_permission(acting_user, "change", engagement)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.is_open or engagement.closed_on is None:
        raise ValidationError(
            "Outcome follow-ups are scheduled once the engagement has closed; this one is "
            f"{engagement.get_status_display().lower()}."
        )
    months = settings_for(engagement.programme).follow_ups
    scheduled = set(engagement.outcome_follow_ups.values_list("months_after", flat=True))
    created = []
    for month in sorted(set(months) - scheduled):
        created.append(
            save_record(
                OutcomeFollowUp(
                    organisation_id=engagement.organisation_id,
                    engagement=engagement,
                    months_after=month,
                    due_on=add_months(engagement.closed_on, month),
                )
            )
        )
    if created:
        record_event(
            verb="outcome.follow_ups_scheduled",
            obj=engagement,
            actor=acting_user,
            data={"months": [f.months_after for f in created]},
        )
    return created


@transaction.atomic
def follow_up_record(
    *,
    follow_up: OutcomeFollowUp,
    values: Iterable[Mapping[str, Any]],
    acting_user: Any,
    completed_on: dt.date | None = None,
) -> list[OutcomeValue]:
    """Record the client's figures at a follow-up: ``[{measure, value, evidence, attribution,
    deadweight, displacement, notes}]``. All or nothing; each problem is named by its measure.

    A figure already recorded at this follow-up is corrected rather than duplicated. The
    follow-up is marked completed (on ``completed_on``, today unless given)."""
    require_permission(acting_user, "change", follow_up)
    follow_up = OutcomeFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    engagement = follow_up.engagement
    on = completed_on or timezone.localdate()
    existing = {v.measure_id: v for v in follow_up.values.select_related("measure")}
    rows, errors, seen = [], [], set()
    for item in values:
        measure: OutcomeMeasure = item["measure"]
        try:
            if measure.pk in seen:
                raise ValidationError(f"{measure.name} is given twice.")
            seen.add(measure.pk)
            _check_measure(engagement, measure)
            row = existing.get(measure.pk) or OutcomeValue(
                organisation_id=engagement.organisation_id,
                engagement=engagement,
                measure=measure,
                follow_up=follow_up,
            )
            row.value = _value(measure, item.get("value"))
            row.evidence = item.get("evidence", "")
            for share in SHARES:
                setattr(row, share, _share(measure, share, item.get(share)))
            row.notes = (item.get("notes") or "").strip()
            row.recorded_on = on
            row.recorded_by = acting_user
            _full_clean(row)
            rows.append(row)
        except ValidationError as error:
            errors.extend(error.messages)
    if not rows and not errors:
        errors.append("Give at least one figure.")
    if engagement.closed_on is not None and on < engagement.closed_on:
        errors.append("A follow-up cannot be completed before the engagement closed.")
    if errors:
        raise ValidationError({"values": errors})
    for row in rows:
        save_record(row)
    if follow_up.completed_on is None:
        follow_up.completed_on = on
        save_record(follow_up)
    record_event(
        verb="outcome.follow_up_recorded",
        obj=follow_up,
        actor=acting_user,
        data={
            "engagement": engagement.pk,
            "months_after": follow_up.months_after,
            "measures": {row.measure.key: str(row.value) for row in rows},
        },
    )
    return rows
