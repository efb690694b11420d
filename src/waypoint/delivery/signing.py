"""The client's link to read and accept an agreement, without an account.

The token names one agreement, its version and a fingerprint of its terms, signed with the
site's secret and a timestamp (``TimestampSigner``, salt ``waypoint.agreement``). A link lasts
``WAYPOINT_AGREEMENT_LINK_DAYS`` days (14 unless the settings say otherwise). The token carries
ids and a hash only, never the client's data. The fingerprint makes a link sent before the
adviser changed the terms stop working, so that the client accepts exactly what they read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from waypoint.delivery.models import ActionPlan, Agreement

SALT = "waypoint.agreement"
DEFAULT_LINK_DAYS = 14


class LinkExpired(Exception):
    """The link was genuine but is too old."""


class LinkInvalid(Exception):
    """The link was altered, or names no agreement."""


@dataclass(frozen=True)
class AgreementLink:
    agreement_id: int
    version: int
    fingerprint: str


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "WAYPOINT_AGREEMENT_LINK_DAYS", DEFAULT_LINK_DAYS))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def terms_fingerprint(agreement: Agreement) -> str:
    """A short hash of what the client is asked to accept."""
    from waypoint.delivery.services.agreements import AGREEMENT_FIELDS

    terms = "\x1f".join(str(getattr(agreement, name)) for name in AGREEMENT_FIELDS)
    return hashlib.sha256(terms.encode()).hexdigest()[:16]


def agreement_token(agreement: Agreement) -> str:
    return _signer().sign(f"{agreement.pk}.{agreement.version}.{terms_fingerprint(agreement)}")


def agreement_link_path(agreement: Agreement) -> str:
    return reverse("delivery:agreement-signed", args=[agreement_token(agreement)])


def read_token(token: str) -> AgreementLink:
    """The agreement a token names; ``LinkExpired`` or ``LinkInvalid`` otherwise."""
    try:
        value = _signer().unsign(token, max_age=link_lifetime())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    parts = value.split(".")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise LinkInvalid
    return AgreementLink(agreement_id=int(parts[0]), version=int(parts[1]), fingerprint=parts[2])


# The client's read-only link to their action plan (salt ``waypoint.action_plan``; it lasts
# ``WAYPOINT_PLAN_LINK_DAYS`` days, 30 unless the settings say otherwise). It always shows the
# plan as it stands now, so it carries the plan's id only.

PLAN_SALT = "waypoint.action_plan"
DEFAULT_PLAN_LINK_DAYS = 30


def plan_link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "WAYPOINT_PLAN_LINK_DAYS", DEFAULT_PLAN_LINK_DAYS))


def _plan_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=PLAN_SALT)


def plan_token(plan: ActionPlan) -> str:
    return _plan_signer().sign(str(plan.pk))


def plan_link_path(plan: ActionPlan) -> str:
    return reverse("delivery:plan-signed", args=[plan_token(plan)])


def read_plan_token(token: str) -> int:
    """The id of the plan a token names; ``LinkExpired`` or ``LinkInvalid`` otherwise."""
    try:
        value = _plan_signer().unsign(token, max_age=plan_link_lifetime())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    if not value.isdigit():
        raise LinkInvalid
    return int(value)
