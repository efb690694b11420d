"""Writes for the measure library: an organisation's own measures (issue 6 item 1).

Managers add measures from the same building blocks as the standard library, without code: a
definition (``waypoint.measures.definitions``) checked by ``parse``, whose problems come back
named by their place (``field``, ``where.status``, ``numerator``...) so that a form can show
each beside its field. Standard measures ship with Waypoint and are never changed here: copy one
as your own instead. A measure is never deleted (targets and history keep it): it is retired
and may be brought back.

A new measure, or one whose definition changed, has its rollups computed from the facts already
held once the transaction commits (``rollups.rebuild([pk], refresh_facts=False)``); ratios
have no cells of their own and need none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.services import require_add, require_permission
from waypoint.delivery.services.agreements import save_record
from waypoint.measures import definitions as defs
from waypoint.measures.models import Measure

# What a person may set on their organisation's measure (the code only when creating it: ratios
# refer to measures by code, so it stays as it was made).
EDITABLE_FIELDS = (
    "name",
    "category",
    "unit",
    "direction",
    "definition",
    "description",
    "validity",
    "data_source",
)
# Words the library's addresses use after /performance/measures/.
RESERVED_CODES = frozenset({"new"})
# An organisation's own measures are listed after the standard ones within their category.
OWN_POSITION = 1000


def split_problem(problem: str) -> tuple[str, str]:
    """``"where.status: contacts have no 'status'..."`` -> ("where.status", the message)."""
    place, sep, message = problem.partition(": ")
    if not sep or " " in place:
        return "definition", problem
    return place, message


def measures_for_ratio(organisation_id: int | None) -> Any:
    """The measures a ratio of this organisation may divide: standard ones and its own."""
    own = Q(organisation_id=organisation_id) if organisation_id is not None else Q(pk__in=[])
    return Measure.objects.filter(Q(organisation__isnull=True) | own)


def definition_errors(
    raw: Any, *, organisation_id: int | None, code: str = ""
) -> dict[str, list[str]]:
    """Every problem of the definition, by place; empty when it can be used. Beyond ``parse``:
    a ratio must divide two measures (not ratios) the organisation can use, other than itself."""
    errors: dict[str, list[str]] = {}
    try:
        definition = defs.parse(raw)
    except defs.DefinitionError as error:
        for problem in error.problems:
            place, message = split_problem(problem)
            errors.setdefault(place, []).append(message)
        return errors
    if definition.is_ratio:
        found = {
            m.code: m
            for m in measures_for_ratio(organisation_id).filter(
                code__in=[definition.numerator_code, definition.denominator_code]
            )
        }
        for place, wanted in (
            ("numerator", definition.numerator_code),
            ("denominator", definition.denominator_code),
        ):
            measure = found.get(wanted)
            if wanted == code:
                errors.setdefault(place, []).append("a ratio cannot divide itself.")
            elif measure is None:
                errors.setdefault(place, []).append(f"there is no measure {wanted!r}.")
            elif measure.definition.get("aggregate") == "ratio":
                errors.setdefault(place, []).append(
                    f"{measure.name} is itself a ratio; divide the measures it is made of."
                )
    return errors


def _check(measure: Measure) -> None:
    """All the measure's problems at once, each named by its field (or definition place)."""
    errors: dict[str, list[str]] = definition_errors(
        measure.definition, organisation_id=measure.organisation_id, code=measure.code
    )
    if measure._state.adding:
        code = measure.code
        if code in RESERVED_CODES:
            errors.setdefault("code", []).append(
                f"“{code}” is kept for the library; choose another."
            )
        elif Measure.objects.filter(organisation__isnull=True, code=code).exists():
            errors.setdefault("code", []).append(
                "A standard measure already has that code; choose another for your own."
            )
        elif Measure.objects.filter(organisation_id=measure.organisation_id, code=code).exists():
            errors.setdefault("code", []).append(
                "Your organisation already has a measure with that code."
            )
    try:
        measure.full_clean(exclude=["organisation", "created_by"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                if message not in errors.get(name, []):
                    errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def _refuse_standard(measure: Measure) -> None:
    if measure.is_standard:
        raise PermissionDenied(
            "Standard measures ship with Waypoint and cannot be changed: copy it as your own."
        )


def _backfill(measure: Measure) -> None:
    """Compute the measure's rollups from the facts already held, once the change commits."""
    if measure.definition.get("aggregate") == "ratio":
        return

    def rebuild() -> None:
        from waypoint.measures import rollups

        rollups.rebuild([measure.pk], refresh_facts=False)

    transaction.on_commit(rebuild)


def _clean_text(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


@transaction.atomic
def measure_create(
    *,
    organisation: Organisation,
    acting_user: Any,
    code: str,
    name: str,
    category: str,
    unit: str,
    direction: str,
    definition: Any,
    description: str = "",
    validity: str = "",
    data_source: str = "",
) -> Measure:
    """Add a measure of the organisation's own; its rollups follow after commit."""
    require_add(acting_user, Measure, organisation)
    fields = _clean_text(
        {
            "name": name,
            "category": category,
            "unit": unit,
            "direction": direction,
            "description": description,
            "validity": validity,
            "data_source": data_source,
        }
    )
    measure = Measure(
        organisation=organisation,
        code=code.strip(),
        definition=definition,
        position=OWN_POSITION,
        created_by=acting_user,
        **fields,
    )
    _check(measure)
    save_record(measure)
    record_event(
        verb="measure.created", obj=measure, actor=acting_user, data={"code": measure.code}
    )
    _backfill(measure)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, acting_user: Any, **changes: Any) -> Measure:
    """Change the organisation's own measure (not its code); a changed definition has its
    rollups computed again after commit."""
    _refuse_standard(measure)
    require_permission(acting_user, "change", measure)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"measure_update cannot change {sorted(unknown)}")
    old_definition = measure.definition
    for name, value in _clean_text(changes).items():
        setattr(measure, name, value)
    _check(measure)
    save_record(measure)
    changed = sorted(changes)
    record_event(
        verb="measure.updated",
        obj=measure,
        actor=acting_user,
        data={"code": measure.code, "fields": changed},
    )
    if measure.definition != old_definition:
        _backfill(measure)
    return measure


def _set_active(measure: Measure, acting_user: Any, active: bool) -> Measure:
    _refuse_standard(measure)
    require_permission(acting_user, "change", measure)
    if measure.is_active == active:
        state = "in use" if active else "retired"
        raise ValidationError({"is_active": f"This measure is already {state}."})
    measure.is_active = active
    save_record(measure)
    verb = "measure.reactivated" if active else "measure.retired"
    record_event(verb=verb, obj=measure, actor=acting_user, data={"code": measure.code})
    return measure


@transaction.atomic
def measure_retire(*, measure: Measure, acting_user: Any) -> Measure:
    """Stop offering the measure for new targets and dashboards; its history stays (and its
    rollups stay up to date, so that bringing it back needs no rebuild)."""
    return _set_active(measure, acting_user, False)


@transaction.atomic
def measure_reactivate(*, measure: Measure, acting_user: Any) -> Measure:
    return _set_active(measure, acting_user, True)
