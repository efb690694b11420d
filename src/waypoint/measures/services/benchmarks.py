"""Writes for benchmark figures: published results of other organisations, shown beside ours on
the benchmarking page (issue 6 item 6; 000 knowledge point: benchmark the performance of your
organisation's support services against others).

A figure belongs to the organisation that recorded it and is kept by its managers
(``ManagedRecordPolicy``); it names the measure it compares with, who published it, the period
it covers (``2025/26``, ``2025/26 Q3``, ``2025-11``) and the value, in the measure's unit.
Every problem names its field; nothing is half-written.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.services import require_add, require_permission
from waypoint.delivery.services.agreements import save_record
from waypoint.measures.models import BenchmarkFigure, Measure
from waypoint.measures.services.costs import parse_period

D = decimal.Decimal
MAX_VALUE = D("999999999999.9999")  # the field holds 16 digits, 4 after the point


def parse_value(value: Any, measure: Measure | None) -> D:
    """A published figure: a number, in the measure's unit (72.5 for 72.5%, 1250 for £1,250)."""
    if isinstance(value, D):
        number = value
    else:
        text = str(value if value is not None else "").strip().replace(",", "")
        text = text.lstrip("£").rstrip("%").strip()
        if not text:
            raise ValueError("Give the published figure, e.g. 72.5.")
        try:
            number = D(text)
        except decimal.InvalidOperation:
            raise ValueError(f"{str(value).strip()!r} is not a number: use e.g. 72.5.") from None
    if not number.is_finite() or abs(number) > MAX_VALUE:
        raise ValueError("Give the published figure, e.g. 72.5.")
    if number != number.quantize(D("0.0001")):
        raise ValueError("Give the figure to at most four decimal places.")
    if measure is not None and measure.unit == Measure.Unit.PERCENT and not 0 <= number <= 100:
        raise ValueError(f"{measure.name} is a percentage: give a figure from 0 to 100.")
    return number


def _usable(measure: Measure | None, organisation_id: int) -> bool:
    return (
        measure is not None
        and Measure.objects.filter(pk=measure.pk)
        .filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_id))
        .exists()
    )


def _fill(
    figure: BenchmarkFigure,
    *,
    measure: Measure | None,
    source: str,
    period: Any,
    value: Any,
    url: str = "",
    notes: str = "",
) -> None:
    errors: dict[str, list[str]] = {}
    if not _usable(measure, figure.organisation_id):
        errors["measure"] = ["Choose a standard measure or one of your organisation's own."]
    else:
        assert measure is not None
        figure.measure = measure
    figure.source = (source or "").strip()
    if not figure.source:
        errors["source"] = ["Say who published the figure, e.g. a national survey."]
    try:
        found = period if isinstance(period, Period) else parse_period(period)
    except ValueError as error:
        errors["period"] = [str(error)]
    else:
        figure.period_kind = found.kind.value
        figure.period_start = found.start
    try:
        figure.value = parse_value(value, measure)
    except ValueError as error:
        errors["value"] = [str(error)]
    figure.url = (url or "").strip()
    figure.notes = (notes or "").strip()
    if errors:
        raise ValidationError(errors)
    save_record(figure)


def _event_data(figure: BenchmarkFigure) -> dict[str, Any]:
    return {
        "measure": figure.measure.code,
        "source": figure.source,
        "period": Period(figure.period_start, PeriodKind(figure.period_kind)).label,
        "value": str(figure.value),
    }


@transaction.atomic
def benchmark_create(
    *,
    organisation: Organisation,
    acting_user: Any,
    measure: Measure | None,
    source: str,
    period: Any,
    value: Any,
    url: str = "",
    notes: str = "",
) -> BenchmarkFigure:
    """Record a published result of others for a measure and period."""
    require_add(acting_user, BenchmarkFigure, organisation)
    figure = BenchmarkFigure(organisation=organisation)
    _fill(figure, measure=measure, source=source, period=period, value=value, url=url, notes=notes)
    record_event(
        verb="benchmark_figure.created", obj=figure, actor=acting_user, data=_event_data(figure)
    )
    return figure


@transaction.atomic
def benchmark_update(
    *,
    figure: BenchmarkFigure,
    acting_user: Any,
    measure: Measure | None,
    source: str,
    period: Any,
    value: Any,
    url: str = "",
    notes: str = "",
) -> BenchmarkFigure:
    require_permission(acting_user, "change", figure)
    _fill(figure, measure=measure, source=source, period=period, value=value, url=url, notes=notes)
    record_event(
        verb="benchmark_figure.updated", obj=figure, actor=acting_user, data=_event_data(figure)
    )
    return figure


@transaction.atomic
def benchmark_delete(*, figure: BenchmarkFigure, acting_user: Any) -> None:
    require_permission(acting_user, "delete", figure)
    record_event(
        verb="benchmark_figure.deleted", obj=figure, actor=acting_user, data=_event_data(figure)
    )
    figure.delete()
