"""Reads for clients: every query starts from the user's restricted clients."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.db.models import Count, Q, QuerySet

from waypoint.clients.models import Client, Consent, EqualityMonitoring
from waypoint.clients.reference import normalise_postcode
from waypoint.core.models import Organisation

DUPLICATE_NAME_RATIO = 0.85
# Words that say what kind of body a business is, not which one it is.
_NOISE_WORDS = {"ltd", "limited", "plc", "llp", "cic", "the", "co", "company", "and"}
_DUPLICATE_CANDIDATE_LIMIT = 200
# Equality counts below this are not shown, so that no one can be recognised from them.
SMALL_NUMBER = 5


def clients_for(*, user: Any, action: str = "view") -> QuerySet[Client]:
    """Clients the user may see, merged-away records left out."""
    return Client.objects.restrict(user, action).filter(merged_into__isnull=True)


def client_search(queryset: QuerySet[Client], text: str) -> QuerySet[Client]:
    """Name, trading name, registered number, postcode or email containing ``text``."""
    text = (text or "").strip()
    if not text:
        return queryset
    condition = (
        Q(name__icontains=text)
        | Q(trading_name__icontains=text)
        | Q(registered_number__iexact=text.replace(" ", ""))
        | Q(email__icontains=text)
    )
    compact = re.sub(r"\s+", "", text.upper())
    if compact:
        condition |= Q(postcode__startswith=compact[:-3] + " " + compact[-3:]) | Q(
            postcode__icontains=text.upper()
        )
    return queryset.filter(condition)


def normalise_name(name: str) -> str:
    """``The Acme Widgets Ltd.`` -> ``acme widgets``: for comparing names, not showing them."""
    words = re.sub(r"[^\w\s]", " ", (name or "").lower()).split()
    return " ".join(word for word in words if word not in _NOISE_WORDS)


def names_similar(first: str, second: str) -> bool:
    a, b = normalise_name(first), normalise_name(second)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= DUPLICATE_NAME_RATIO


def likely_duplicates(
    *,
    organisation: Organisation | int,
    name: str,
    registered_number: str = "",
    postcode: str = "",
    exclude: Client | int | None = None,
) -> list[Client]:
    """Clients of the organisation that are probably the same: the same registered number, or
    a similar name at the same postcode. The database narrows by number or postcode; names are
    compared only on that small set."""
    number = (registered_number or "").strip().replace(" ", "").upper()
    try:
        code = normalise_postcode(postcode)
    except Exception:  # a malformed postcode matches nothing
        code = ""
    if not number and not code:
        return []
    condition = Q()
    if number:
        condition |= Q(registered_number__iexact=number)
    if code:
        condition |= Q(postcode=code)
    candidates = Client.objects.filter(condition, organisation=organisation).filter(
        merged_into__isnull=True
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=getattr(exclude, "pk", exclude))
    found = []
    for client in candidates.order_by("name", "pk")[:_DUPLICATE_CANDIDATE_LIMIT]:
        same_number = bool(number) and client.registered_number.upper() == number
        if same_number or (code and client.postcode == code and names_similar(client.name, name)):
            found.append(client)
    return found


def merge_candidates(*, user: Any, keep: Client) -> QuerySet[Client]:
    """Clients the user may merge into ``keep``: same organisation, not merged, not itself."""
    return (
        clients_for(user=user, action="delete")
        .filter(organisation_id=keep.organisation_id)
        .exclude(pk=keep.pk)
    )


def merge_suggestions(*, user: Any, keep: Client) -> list[Client]:
    """Likely duplicates of ``keep`` that the user may merge into it."""
    found = likely_duplicates(
        organisation=keep.organisation_id,
        name=keep.name,
        registered_number=keep.registered_number,
        postcode=keep.postcode,
        exclude=keep,
    )
    allowed = set(
        merge_candidates(user=user, keep=keep)
        .filter(pk__in=[c.pk for c in found])
        .values_list("pk", flat=True)
    )
    return [c for c in found if c.pk in allowed]


def merge_preview(*, merge: Client) -> dict[str, int]:
    """How many records of each kind would move (relations of every app, found generically)."""
    counts: dict[str, int] = {}
    for relation in Client._meta.related_objects:
        model: Any = relation.related_model
        count = model._base_manager.filter(**{relation.field.name: merge}).count()
        if count:
            counts[str(model._meta.verbose_name_plural)] = count
    return counts


def consent_position(*, client: Client) -> list[dict[str, Any]]:
    """The current position for each kind of consent: the latest record of the kind."""
    history = list(Consent.objects.filter(client=client).order_by("kind", "-granted_on", "-pk"))
    latest: dict[str, Consent] = {}
    for consent in history:
        latest.setdefault(consent.kind, consent)
    return [{"kind": label, "consent": latest.get(value)} for value, label in Consent.Kind.choices]


def equality_recorded(*, client: Client) -> bool:
    return EqualityMonitoring.objects.filter(client=client).exists()


def equality_summary(*, organisation: Organisation) -> list[dict[str, Any]]:
    """Counts per answer for each question, for the organisation's current clients.

    Counts under ``SMALL_NUMBER`` are given as None ("fewer than 5") so that nobody can be
    picked out.
    """
    rows = EqualityMonitoring.objects.filter(
        client__organisation=organisation, client__merged_into__isnull=True
    )
    questions = []
    for name in ("age_band", "sex", "gender_same_as_at_birth", "ethnicity", "disability"):
        field: Any = EqualityMonitoring._meta.get_field(name)
        counted = {
            row[name]: row["n"]
            for row in rows.exclude(**{name: ""}).values(name).annotate(n=Count("pk")).order_by()
        }
        answers = [
            {"label": label, "count": _suppress(counted.get(value, 0))}
            for value, label in field.choices or []
        ]
        questions.append({"question": str(field.verbose_name).capitalize(), "answers": answers})
    return questions


def _suppress(count: int) -> int | None:
    return count if count == 0 or count >= SMALL_NUMBER else None


def export_clients(queryset: QuerySet[Client]) -> QuerySet[Client]:
    return queryset.select_related("organisation").order_by("name", "pk")
