"""The clients app's own entries on a client's timeline (see ``extensions``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from waypoint.clients.extensions import TimelineEntry
from waypoint.clients.models import Client, Consent, Person


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def client_timeline(client: Client, user: Any) -> list[TimelineEntry]:
    """Client created, people added, consent given and withdrawn (the caller already checked
    that ``user`` sees the client; its records follow it)."""
    url = reverse("clients:client-detail", args=[client.pk])
    by = f" by {client.created_by}" if client.created_by_id else ""
    entries = [TimelineEntry(client.created_at, "Client", "Client record created" + by, url=url)]
    for person in Person.objects.restrict(user, "view").filter(client=client):
        entries.append(TimelineEntry(person.created_at, "Person", f"{person} added", person.role))
    for consent in Consent.objects.restrict(user, "view").filter(client=client):
        entries.append(
            TimelineEntry(
                _at(consent.granted_on), "Consent", f"{consent.get_kind_display()}: given"
            )
        )
        if consent.withdrawn_on:
            entries.append(
                TimelineEntry(
                    _at(consent.withdrawn_on),
                    "Consent",
                    f"{consent.get_kind_display()}: withdrawn",
                )
            )
    return entries
