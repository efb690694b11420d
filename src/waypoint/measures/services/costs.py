"""Writes for costs: what delivering the service cost, for economy and value for money
(issue 6 item 2; 000 req 9 and its knowledge points on economy and value for money).

A cost belongs to the organisation that spent it, for a month, a financial quarter or a
financial year (given as a label: ``2026-11``, ``2026/27 Q3``, ``2026/27``), optionally for one
of the programmes it delivers or owns and one of its teams. Costs are entered one at a time or
imported from a CSV or XLSX file, all rows or none (DESIGN.md: nothing half-written); every
problem names its field, or its row and column ("Row 4, amount: ...").

The ``cost_total`` measure and the cost ratios (cost per client, per support hour, per net
job) read costs through ``waypoint.measures.sources``; the rollups follow after commit.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from waypoint.core.audit import record_event
from waypoint.core.importing import (
    Column,
    Importer,
    ImportResult,
    Row,
    RowError,
    parse_choice,
)
from waypoint.core.models import Organisation, Team
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.services import require_add, require_permission
from waypoint.delivery.models import Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.measures.models import ROLLUP_PERIODS, Cost

D = decimal.Decimal
PERIOD_HELP = (
    "Use 2026-11 (a month), 2026/27 Q3 (a financial quarter) or 2026/27 (a financial year)."
)
MAX_AMOUNT = D("9999999999.99")  # the field holds 12 digits, 2 after the point


# Reading values ---------------------------------------------------------------------------------


def parse_period(label: Any) -> Period:
    """A cost's period from its label; ValueError says what is expected."""
    text = str(label or "").strip()
    if not text:
        raise ValueError(f"Give the period. {PERIOD_HELP}")
    try:
        period = Period.parse(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a period. {PERIOD_HELP}") from None
    if period.kind not in ROLLUP_PERIODS:
        raise ValueError(f"{text!r} is a calendar period. {PERIOD_HELP}")
    return period


def parse_amount(value: Any) -> D:
    """An amount in pounds: 1250, 1,250.50 or £1250; never negative."""
    if isinstance(value, D):
        amount = value
    else:
        text = str(value if value is not None else "").strip().replace(",", "").lstrip("£")
        if not text:
            raise ValueError("Give the amount in pounds, e.g. 1250.00.")
        try:
            amount = D(text)
        except decimal.InvalidOperation:
            raise ValueError(
                f"{str(value).strip()!r} is not an amount: use e.g. 1250.00."
            ) from None
    if not amount.is_finite():
        raise ValueError("Give the amount in pounds, e.g. 1250.00.")
    if amount < 0:
        raise ValueError("An amount cannot be negative.")
    if amount > MAX_AMOUNT:
        raise ValueError("That amount is too large.")
    if amount != amount.quantize(D("0.01")):
        raise ValueError("Give the amount in pounds and pence (at most two decimal places).")
    return amount


def programmes_for(organisation: Organisation | int) -> Any:
    """The programmes a cost of this organisation may be for: those it owns or delivers."""
    pk = organisation.pk if isinstance(organisation, Organisation) else organisation
    return (
        Programme.objects.filter(Q(organisation_id=pk) | Q(delivering_organisations=pk))
        .distinct()
        .order_by("name")
    )


def teams_for(organisation: Organisation | int) -> Any:
    pk = organisation.pk if isinstance(organisation, Organisation) else organisation
    return Team.objects.filter(organisation_id=pk).order_by("name")


# One cost ----------------------------------------------------------------------------------------


def _fill(
    cost: Cost,
    *,
    period: Any,
    amount: Any,
    kind: str,
    programme: Programme | None,
    team: Team | None,
    description: str,
) -> None:
    """Set the fields and check them all, raising every problem at once by field."""
    errors: dict[str, list[str]] = {}
    try:
        found = period if isinstance(period, Period) else parse_period(period)
    except ValueError as error:
        errors["period"] = [str(error)]
    else:
        if found.kind not in ROLLUP_PERIODS:
            errors["period"] = [f"{found.label!r} is a calendar period. {PERIOD_HELP}"]
        cost.period_kind = found.kind.value
        cost.period_start = found.start
    try:
        cost.amount = parse_amount(amount)
    except ValueError as error:
        errors["amount"] = [str(error)]
    if kind not in Cost.Kind.values:
        options = ", ".join(str(label) for label in Cost.Kind.labels)
        errors["kind"] = [f"{kind!r} is not a kind of cost: choose {options}."]
    cost.kind = kind
    if (
        programme is not None
        and not programmes_for(cost.organisation_id).filter(pk=programme.pk).exists()
    ):
        errors["programme"] = [
            f"{cost.organisation} neither delivers nor owns {programme}: choose one of its "
            "programmes."
        ]
    cost.programme = programme
    if team is not None and team.organisation_id != cost.organisation_id:
        errors["team"] = [f"{team} is not a team of {cost.organisation}."]
    cost.team = team
    cost.description = (description or "").strip()
    if errors:
        raise ValidationError(errors)
    save_record(cost)


def _event_data(cost: Cost) -> dict[str, Any]:
    period = Period(cost.period_start, PeriodKind(cost.period_kind))
    return {
        "period": period.label,
        "amount": str(cost.amount),
        "kind": cost.kind,
        "programme": cost.programme_id,
        "team": cost.team_id,
    }


@transaction.atomic
def cost_create(
    *,
    organisation: Organisation,
    acting_user: Any,
    period: Any,
    amount: Any,
    kind: str = Cost.Kind.STAFF,
    programme: Programme | None = None,
    team: Team | None = None,
    description: str = "",
) -> Cost:
    """Record what the organisation spent in a period (for a programme and team, if given)."""
    require_add(acting_user, Cost, organisation)
    cost = Cost(organisation=organisation, recorded_by=acting_user)
    _fill(
        cost,
        period=period,
        amount=amount,
        kind=kind,
        programme=programme,
        team=team,
        description=description,
    )
    record_event(verb="cost.created", obj=cost, actor=acting_user, data=_event_data(cost))
    return cost


@transaction.atomic
def cost_update(
    *,
    cost: Cost,
    acting_user: Any,
    period: Any,
    amount: Any,
    kind: str,
    programme: Programme | None = None,
    team: Team | None = None,
    description: str = "",
) -> Cost:
    require_permission(acting_user, "change", cost)
    _fill(
        cost,
        period=period,
        amount=amount,
        kind=kind,
        programme=programme,
        team=team,
        description=description,
    )
    record_event(verb="cost.updated", obj=cost, actor=acting_user, data=_event_data(cost))
    return cost


@transaction.atomic
def cost_delete(*, cost: Cost, acting_user: Any) -> None:
    require_permission(acting_user, "delete", cost)
    record_event(verb="cost.deleted", obj=cost, actor=acting_user, data=_event_data(cost))
    cost.delete()


# Importing ---------------------------------------------------------------------------------------


class CostImporter(Importer):
    """Costs from a CSV or XLSX file: one row per cost. Programmes and teams are named as
    Waypoint shows them (a programme by its name or code)."""

    kind = "costs"
    label = "costs"
    model = Cost
    permission_model = Cost
    columns: ClassVar[tuple[Column, ...]] = (
        Column("period", required=True, help=PERIOD_HELP),
        Column("amount", required=True, help="In pounds, e.g. 1250.00."),
        Column(
            "kind",
            help="Staff, premises, marketing, delivery, overheads or other; staff when empty.",
        ),
        Column("programme", help="The programme's name or code; empty for all programmes."),
        Column("team", help="The team's name; empty for the whole organisation."),
        Column("description"),
    )
    field_columns: ClassVar[dict[str, str]] = {"period_start": "period", "period_kind": "period"}

    def prepare(self, rows: list[Row]) -> None:
        self.programmes: dict[str, list[Programme]] = {}
        for programme in programmes_for(self.organisation):
            for key in {programme.name.strip().lower(), (programme.code or "").strip().lower()}:
                if key:
                    self.programmes.setdefault(key, []).append(programme)
        self.teams = {t.name.strip().lower(): t for t in teams_for(self.organisation)}

    def validate_row(self, row: Row) -> Any:
        errors: list[RowError] = []
        cost = Cost(organisation=self.organisation, recorded_by=self.acting_user)
        try:
            period = parse_period(row.get("period"))
            cost.period_kind, cost.period_start = period.kind.value, period.start
        except ValueError as error:
            errors.append(RowError(row.number, "period", str(error)))
        try:
            cost.amount = parse_amount(row.get("amount"))
        except ValueError as error:
            errors.append(RowError(row.number, "amount", str(error)))
        kind = self.read(row, "kind", parse_choice, errors, Cost.Kind.choices)
        cost.kind = kind or Cost.Kind.STAFF
        if name := row.text("programme").strip():
            found = self.programmes.get(name.lower(), [])
            if len(found) == 1:
                cost.programme = found[0]
            elif found:
                errors.append(
                    RowError(
                        row.number,
                        "programme",
                        f"{name!r} names several programmes: give its code instead.",
                    )
                )
            else:
                errors.append(
                    RowError(
                        row.number,
                        "programme",
                        f"{name!r} is not a programme {self.organisation} delivers or owns.",
                    )
                )
        if name := row.text("team").strip():
            team = self.teams.get(name.lower())
            if team is None:
                errors.append(
                    RowError(row.number, "team", f"{name!r} is not a team of {self.organisation}.")
                )
            cost.team = team
        cost.description = row.text("description").strip()
        if not errors:
            self.check_model(cost, row, errors, exclude=["organisation", "recorded_by"])
        return errors or cost


def row_problem(error: RowError) -> str:
    """``Row 4, amount: An amount cannot be negative.``"""
    if error.column:
        return f"Row {error.row}, {error.column}: {error.message}"
    return f"Row {error.row}: {error.message}"


def import_problems(result: ImportResult) -> list[str]:
    if result.file_error:
        return [result.file_error]
    return [row_problem(error) for error in result.errors]


def cost_import(
    *, organisation: Organisation, acting_user: Any, file: IO[bytes] | str | Path
) -> list[Cost]:
    """Import every row of the file as a cost, or none: a ValidationError lists each problem
    by row and column ("Row 4, amount: ...")."""
    require_add(acting_user, Cost, organisation)
    importer = CostImporter(organisation=organisation, acting_user=acting_user)
    saved: list[Cost] = []

    def save(objs: list[Any]) -> None:
        for cost in objs:
            cost.save()
            saved.append(cost)
        record_event(
            verb="costs.imported",
            organisation=organisation,
            actor=acting_user,
            data={
                "count": len(objs),
                "total": str(sum((c.amount for c in objs), D(0))),
            },
        )

    importer.save = save  # type: ignore[method-assign]
    with transaction.atomic():
        result = importer.commit(file)
    if not result.committed:
        raise ValidationError(import_problems(result) or ["Nothing was imported."])
    return saved


def template_csv() -> str:
    """The columns of a cost import with one example row."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(column.name for column in CostImporter.columns)
    writer.writerow(["2026/27 Q1", "12500.00", "staff", "", "", "Advisers' salaries"])
    return buffer.getvalue()


def cost_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from a form's cleaned data."""
    return {
        "period": data.get("period", ""),
        "amount": data.get("amount"),
        "kind": data.get("kind") or Cost.Kind.STAFF,
        "programme": data.get("programme"),
        "team": data.get("team"),
        "description": data.get("description", ""),
    }
