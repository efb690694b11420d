from __future__ import annotations

import django_tables2 as tables

from waypoint.clients.models import Client


class ClientTable(tables.Table):
    name = tables.Column(linkify=True)
    sic_section = tables.Column("Sector")
    region = tables.Column("Region")

    class Meta:
        model = Client
        fields = ["name", "kind", "sic_section", "region", "postcode", "trading_status"]
        empty_text = "No clients match."
