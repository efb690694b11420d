from __future__ import annotations

import django_tables2 as tables

from waypoint.core.models import Organisation, Team, User


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=True)
    kind = tables.Column()
    team_count = tables.Column("Teams", attrs={"td": {"class": "text-end"}})
    people_count = tables.Column("People", attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Organisation
        fields = ["name", "kind", "time_zone", "team_count", "people_count"]
        empty_text = "No organisations to show."


class TeamTable(tables.Table):
    name = tables.Column(linkify=True)
    member_count = tables.Column("Members", attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Team
        fields = ["name", "organisation", "member_count", "description"]
        empty_text = "No teams match."


class PersonTable(tables.Table):
    name = tables.Column(
        "Name",
        accessor="get_full_name",
        linkify=lambda record: record.get_absolute_url(),
        order_by=("first_name", "last_name"),
    )

    class Meta:
        model = User
        fields = ["name", "username", "email", "job_title", "home_organisation", "is_active"]
        empty_text = "No people match."
