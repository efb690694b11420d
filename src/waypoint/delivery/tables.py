from __future__ import annotations

import django_tables2 as tables

from waypoint.delivery.models import Engagement, Programme, Service


class ProgrammeTable(tables.Table):
    name = tables.Column(linkify=True)
    organisation = tables.Column("Owner")

    class Meta:
        model = Programme
        fields = ["name", "code", "organisation", "start_date", "end_date", "is_active"]
        empty_text = "No programmes match."


class ServiceTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Service
        fields = ["name", "kind", "provider_name", "audience", "cost", "is_active"]
        empty_text = "No services match."


class EngagementTable(tables.Table):
    client = tables.Column(
        linkify=lambda record: record.get_absolute_url(), order_by=("client__name",)
    )
    enquiry_date = tables.DateColumn(format="j M Y")
    first_contact_at = tables.DateColumn(verbose_name="First contact", format="j M Y")

    class Meta:
        model = Engagement
        fields = [
            "client",
            "programme",
            "organisation",
            "lead_adviser",
            "status",
            "enquiry_date",
            "first_contact_at",
        ]
        empty_text = "No engagements match."


class CaseloadTable(tables.Table):
    client = tables.Column(
        linkify=lambda record: record.get_absolute_url(), order_by=("client__name",)
    )
    last_contact_at = tables.DateColumn(
        verbose_name="Last contact", format="j M Y", default="None yet"
    )
    next_review_due = tables.DateColumn(
        verbose_name="Next review due", format="j M Y", default="No accepted agreement"
    )

    class Meta:
        model = Engagement
        fields = [
            "client",
            "programme",
            "status",
            "lead_adviser",
            "last_contact_at",
            "next_review_due",
        ]
        empty_text = "No open engagements."
